import { describe, expectTypeOf, it } from 'vitest'
import {
  type containerpubTables,
  FunctionDeploymentEntity,
  FunctionEntity,
  type OrganizationEntity,
  UserEntity,
} from '../../src/containerpub/index'
import type { CursorPage, Database, EntityOf, Page } from '../../src/index'

declare const db: Database<typeof containerpubTables>
const functions = db.manager(FunctionEntity)
const users = db.manager(UserEntity)
declare const fn: FunctionEntity
declare const org: OrganizationEntity

describe('EntityManager return types', () => {
  it('finders return the entity subclass', () => {
    expectTypeOf(functions.findById(1)).resolves.toEqualTypeOf<FunctionEntity | null>()
    expectTypeOf(functions.findByUuid('u')).resolves.toEqualTypeOf<FunctionEntity | null>()
    expectTypeOf(functions.findAll()).resolves.toEqualTypeOf<FunctionEntity[]>()
    expectTypeOf(functions.findOne()).resolves.toEqualTypeOf<FunctionEntity | null>()
    expectTypeOf(functions.findOneOrThrow()).resolves.toEqualTypeOf<FunctionEntity>()
    expectTypeOf(functions.raw('SELECT 1')).resolves.toEqualTypeOf<FunctionEntity[]>()
  })

  it('writes return entities or counts', () => {
    expectTypeOf(
      functions.insert({ userId: 1, name: 'n' }),
    ).resolves.toEqualTypeOf<FunctionEntity>()
    expectTypeOf(functions.update({ status: 'x' }, { where: { id: 1 } })).resolves.toEqualTypeOf<
      FunctionEntity[]
    >()
    expectTypeOf(
      functions.updateById(1, { name: 'x' }),
    ).resolves.toEqualTypeOf<FunctionEntity | null>()
    expectTypeOf(functions.delete({ where: { all: true } })).resolves.toEqualTypeOf<number>()
    expectTypeOf(functions.deleteById(1)).resolves.toEqualTypeOf<boolean>()
    expectTypeOf(functions.count()).resolves.toEqualTypeOf<number>()
    expectTypeOf(functions.exists()).resolves.toEqualTypeOf<boolean>()
    expectTypeOf(functions.existsById(1)).resolves.toEqualTypeOf<boolean>()
  })

  it('batchInsert returns entities, or the count with returning: false', () => {
    expectTypeOf(functions.batchInsert([{ userId: 1, name: 'n' }])).resolves.toEqualTypeOf<
      FunctionEntity[]
    >()
    expectTypeOf(
      functions.batchInsert([{ userId: 1, name: 'n' }], { returning: false }),
    ).resolves.toEqualTypeOf<number>()
    async function* rows() {
      yield { userId: 1, name: 'n' }
    }
    function* syncRows() {
      yield { userId: 1, name: 'n' }
    }
    expectTypeOf(
      functions.batchInsert(rows(), { returning: false }),
    ).resolves.toEqualTypeOf<number>()
    expectTypeOf(functions.batchInsert(syncRows())).resolves.toEqualTypeOf<FunctionEntity[]>()
    expectTypeOf(functions.batchInsert(new Set([{ userId: 1, name: 'n' }]))).toBeObject()
    async function* wrongRows() {
      yield { name: 1 }
    }
    // @ts-expect-error a stream of rows of the wrong shape is refused at compile time
    functions.batchInsert(wrongRows())
    // @ts-expect-error a single row is not a list of rows
    functions.batchInsert({ userId: 1, name: 'n' })
    expectTypeOf(
      functions.upsert({ userId: 1, name: 'n' }, { conflictColumns: ['userId', 'name'] }),
    ).resolves.toEqualTypeOf<FunctionEntity>()
    expectTypeOf(
      functions.upsertMany([{ userId: 1, name: 'n' }], { conflictColumns: ['userId', 'name'] }),
    ).resolves.toEqualTypeOf<FunctionEntity[]>()
  })

  it('pagination', () => {
    expectTypeOf(functions.paginate({ page: 1, pageSize: 10 })).resolves.toEqualTypeOf<
      Page<FunctionEntity>
    >()
    expectTypeOf(functions.paginateByCursor({ limit: 10 })).resolves.toEqualTypeOf<
      CursorPage<FunctionEntity>
    >()
  })

  it('relations are typed from the definitions through the database tables', () => {
    type Deployment = EntityOf<typeof containerpubTables.functionDeployments>
    type User = EntityOf<typeof containerpubTables.users>
    expectTypeOf(functions.hasMany('deployments', fn)).resolves.toEqualTypeOf<Deployment[]>()
    expectTypeOf(functions.belongsTo('owner', fn)).resolves.toEqualTypeOf<User | null>()
    expectTypeOf(
      db.manager(FunctionDeploymentEntity).belongsTo('function', {} as FunctionDeploymentEntity),
    ).resolves.toEqualTypeOf<EntityOf<typeof containerpubTables.functions> | null>()
    const members = db.manager({} as typeof OrganizationEntity).manyToMany('members', org)
    expectTypeOf(members).resolves.toEqualTypeOf<User[]>()
    const loaded = functions.load([fn], 'deployments')
    expectTypeOf(loaded).resolves.items.toHaveProperty('deployments').toEqualTypeOf<Deployment[]>()
    type Loaded = Awaited<typeof loaded>[number]
    expectTypeOf<Loaded['name']>().toEqualTypeOf<string>()
    expectTypeOf<Loaded>().toMatchTypeOf<FunctionEntity>()
  })

  it("query().with() types the loaded relations through the database's tables too", () => {
    type Deployment = EntityOf<typeof containerpubTables.functionDeployments>
    type User = EntityOf<typeof containerpubTables.users>
    const rows = functions.query().where('status', '=', 'active').with('owner', 'deployments').all()
    type Row = Awaited<typeof rows>[number]
    expectTypeOf<Row['owner']>().toEqualTypeOf<User | null>()
    expectTypeOf<Row['deployments']>().toEqualTypeOf<Deployment[]>()
    expectTypeOf<Row>().toMatchTypeOf<FunctionEntity>()
    const first = functions.query().with('owner').first()
    expectTypeOf(first).resolves.toEqualTypeOf<
      (FunctionEntity & { readonly owner: User | null }) | null
    >()
    // @ts-expect-error not a relation of functions
    functions.query().with('members')
  })

  it('refuses wrong input at compile time', () => {
    // @ts-expect-error unknown property in where
    functions.findAll({ where: { nope: 1 } })
    // @ts-expect-error wrong value type in where
    functions.findAll({ where: { userId: 'one' } })
    // @ts-expect-error unknown orderBy property
    functions.findAll({ orderBy: 'nope' })
    // @ts-expect-error missing required insert field
    functions.insert({ name: 'n' })
    // @ts-expect-error unknown insert field
    functions.insert({ userId: 1, name: 'n', extra: true })
    // @ts-expect-error wrong patch type
    functions.updateById(1, { name: 5 })
    // @ts-expect-error update needs a where
    functions.update({ name: 'x' }, {})
    // @ts-expect-error unknown relation
    functions.hasMany('nope', fn)
    // @ts-expect-error conflict columns are properties
    users.upsert({ email: 'e', passwordHash: 'h' }, { conflictColumns: ['mail'] })
  })
})

describe('the public view (issue 14)', () => {
  it('names only public properties in where and orderBy', () => {
    const pub = db.public().manager(UserEntity)
    pub.findAll({ where: { email: 'a' }, orderBy: 'createdAt' })
    // @ts-expect-error a secret column does not exist in the public view
    pub.count({ where: { passwordHash: { like: 'h2%' } } })
    // @ts-expect-error nor does an internal id
    pub.findAll({ orderBy: 'id' })
    const publicFunctions = db.public().manager(FunctionEntity)
    // @ts-expect-error nor an integer foreign key, nested
    publicFunctions.exists({ where: { or: [{ userId: 1 }] } })
    // @ts-expect-error nor in a cursor page's order
    users.public().paginateByCursor({ limit: 1, orderBy: 'passwordHash' })
    // The trusted handle still takes them: server code filters by internal keys.
    functions.findAll({ where: { userId: 1 }, orderBy: 'id' })
    expectTypeOf(pub.findAll()).resolves.toEqualTypeOf<UserEntity[]>()
  })
})
