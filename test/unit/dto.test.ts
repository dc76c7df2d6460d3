import { describe, expect, it } from 'vitest'
import {
  FunctionDataDto,
  FunctionDeploymentDto,
  FunctionDto,
  FunctionInvocationDto,
  FunctionLogDto,
  OrganizationDto,
  OrganizationMemberDto,
  OrganizationWithMembersDto,
  UserDto,
  UserInformationDto,
  UserProfileDto,
  UserWithOrganizationDto,
} from '../../src/containerpub/dtos'
import {
  containerpubTables,
  FunctionDataEntity,
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  functions,
  OrganizationEntity,
  OrganizationMemberEntity,
  organizationMembers,
  UserEntity,
  UserInformationEntity,
  users,
} from '../../src/containerpub/index'
import { isDtoField } from '../../src/dto/dto-field'
import {
  type AnyDto,
  c,
  DtoDefinitionError,
  defineDto,
  defineTable,
  dtoField,
  Entity,
  KyselyEntitiesError,
} from '../../src/index'
import { captureExecutor } from '../setup/capture-executor'

const AT = new Date('2024-05-06T07:08:09.010Z')
const LATER = new Date('2025-01-02T03:04:05.006Z')
const OWNER_UUID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
const MEMBER_UUID = 'b1ffcd00-0d1c-4ef9-8c7e-7cc0ce491b22'
const OTHER_UUID = 'c2aade11-1e2d-4ef0-9d8f-8dd1df5a2c33'
const SECRET = 'SECRET-sk_live_51HxQzT9'

const user = (props: Partial<UserEntity> = {}) =>
  new UserEntity({
    id: 7001,
    uuid: OWNER_UUID,
    email: 'owner@x.io',
    passwordHash: SECRET,
    createdAt: AT,
    updatedAt: null,
    ...props,
  })

const fn = (props: Partial<FunctionEntity> = {}) =>
  new FunctionEntity({
    id: 8001,
    uuid: 'f0000000-0000-4000-8000-000000000001',
    userId: 7001,
    name: 'resize',
    status: 'active',
    activeDeploymentId: 9001,
    analysisResult: { score: 9, notes: ['fast'] },
    createdAt: AT,
    updatedAt: LATER,
    ...props,
  })

const deployment = (props: Partial<FunctionDeploymentEntity> = {}) =>
  new FunctionDeploymentEntity({
    id: 9001,
    uuid: 'd0000000-0000-4000-8000-000000000001',
    functionId: 8001,
    version: 3,
    imageTag: 'fn-resize:3',
    s3Key: 'functions/8001/v3.tar.gz',
    status: 'active',
    isActive: true,
    buildLogs: 'step 1/5',
    deployedAt: AT,
    ...props,
  })

const information = (props: Partial<UserInformationEntity> = {}) =>
  new UserInformationEntity({
    id: 6001,
    uuid: 'e0000000-0000-4000-8000-000000000001',
    userId: MEMBER_UUID,
    firstName: 'Ada',
    lastName: 'Lovelace',
    phoneNumber: null,
    country: 'UK',
    city: 'London',
    address: null,
    zipCode: null,
    avatar: null,
    role: 'developer',
    createdAt: AT,
    updatedAt: LATER,
    ...props,
  })

const organization = () =>
  new OrganizationEntity({
    id: 5001,
    uuid: 'a1000000-0000-4000-8000-000000000001',
    name: 'Acme',
    ownerId: OWNER_UUID,
    createdAt: AT,
    updatedAt: LATER,
  })

const membership = (userId = MEMBER_UUID) =>
  new OrganizationMemberEntity({
    id: 4001,
    organizationId: 'a1000000-0000-4000-8000-000000000001',
    userId,
    joinedAt: LATER,
  })

/** Attaches loaded relations the way manager.load does: as properties of a new entity. */
function withRelations<E extends object, R extends Record<string, unknown>>(entity: E, loaded: R) {
  const Ctor = entity.constructor as new (props: object) => E
  return Object.assign(new Ctor(entity), loaded) as E & R
}

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value))

function definitionError(define: () => unknown): DtoDefinitionError {
  try {
    define()
  } catch (error) {
    expect(error).toBeInstanceOf(DtoDefinitionError)
    expect(error).toBeInstanceOf(KyselyEntitiesError)
    expect((error as DtoDefinitionError).code).toBe('DTO_DEFINITION')
    return error as DtoDefinitionError
  }
  throw new Error('expected a DtoDefinitionError')
}

describe('array form', () => {
  it('copies public properties, in the listed order', () => {
    const Dto = defineDto(UserEntity, ['email', 'uuid', 'createdAt', 'updatedAt'])
    const out = Dto.from(user())
    expect(out).toStrictEqual({
      email: 'owner@x.io',
      uuid: OWNER_UUID,
      createdAt: '2024-05-06T07:08:09.010Z',
      updatedAt: null,
    })
    expect(Object.keys(out)).toEqual(['email', 'uuid', 'createdAt', 'updatedAt'])
    expect(Dto.fields).toEqual(['email', 'uuid', 'createdAt', 'updatedAt'])
    expect(Dto.entity).toBe(UserEntity)
  })

  it('from and fromMany are bound and produce plain objects', () => {
    const users = [user(), user({ uuid: MEMBER_UUID, email: 'm@x.io' })]
    const { from, fromMany } = UserDto
    expect(users.map(from)).toEqual(fromMany(users))
    expect(fromMany(users)).toEqual([
      { uuid: OWNER_UUID, email: 'owner@x.io' },
      { uuid: MEMBER_UUID, email: 'm@x.io' },
    ])
    expect(Object.getPrototypeOf(from(users[0]!))).toBe(Object.prototype)
  })
})

describe('object form field kinds', () => {
  const DeploymentDto = defineDto(FunctionDeploymentEntity, ['uuid', 'version', 'deployedAt'])
  const Dto = defineDto(FunctionEntity, {
    uuid: true,
    name: true,
    createdAt: true,
    title: dtoField.from('name'),
    isActive: dtoField.compute((f) => f.status === 'active'),
    ownerUuid: dtoField.ref('owner', users.uuid),
    deployments: dtoField.relation('deployments', DeploymentDto),
    analysis: dtoField
      .from('analysisResult')
      .when((ctx: { viewerId: string }, f) => ctx.viewerId === f.uuid),
  })
  const loaded = withRelations(fn(), { owner: user(), deployments: [deployment()] })

  it('copies, renames, computes, references and nests', () => {
    const out = Dto.from(loaded, { viewerId: loaded.uuid })
    expect(out).toStrictEqual({
      uuid: loaded.uuid,
      name: 'resize',
      createdAt: '2024-05-06T07:08:09.010Z',
      title: 'resize',
      isActive: true,
      ownerUuid: OWNER_UUID,
      deployments: [
        {
          uuid: 'd0000000-0000-4000-8000-000000000001',
          version: 3,
          deployedAt: '2024-05-06T07:08:09.010Z',
        },
      ],
      analysis: { score: 9, notes: ['fast'] },
    })
    expect(Object.keys(out)).toEqual(Dto.fields)
    expect(roundTrip(out)).toStrictEqual(out)
  })

  it('a role-aware field is absent (not null) when its predicate fails', () => {
    const hidden = Dto.from(loaded, { viewerId: OTHER_UUID })
    expect('analysis' in hidden).toBe(false)
    expect(Object.keys(hidden)).toEqual(Dto.fields.filter((k) => k !== 'analysis'))
    expect(JSON.stringify(hidden)).not.toContain('score')
  })

  it('relations: empty lists, null single relations, null refs', () => {
    const bare = withRelations(fn(), { owner: null, deployments: [] })
    const out = Dto.from(bare, { viewerId: 'x' })
    expect(out.ownerUuid).toBeNull()
    expect(out.deployments).toEqual([])
  })

  it('a null jsonb column stays null; a jsonb document is passed as it is', () => {
    const doc = { nested: { list: [1, 'two', null] } }
    const a = withRelations(fn({ analysisResult: doc }), { owner: null, deployments: [] })
    expect(Dto.from(a, { viewerId: a.uuid }).analysis).toBe(doc)
    const b = withRelations(fn({ analysisResult: null }), { owner: null, deployments: [] })
    expect(Dto.from(b, { viewerId: b.uuid }).analysis).toBeNull()
  })

  it('several when() calls must all pass, and only an exact true shows the key', () => {
    const Guarded = defineDto(UserEntity, {
      uuid: true,
      email: dtoField
        .from('email')
        .when((ctx: { a: boolean }) => ctx.a)
        .when((ctx: { b: unknown }) => ctx.b as boolean),
    })
    const u = user()
    expect(Guarded.from(u, { a: true, b: true })).toEqual({ uuid: OWNER_UUID, email: 'owner@x.io' })
    expect(Guarded.from(u, { a: true, b: false })).toEqual({ uuid: OWNER_UUID })
    expect(Guarded.from(u, { a: false, b: true })).toEqual({ uuid: OWNER_UUID })
    // Fail closed: a truthy non-boolean does not show data.
    expect(Guarded.from(u, { a: true, b: 'yes' })).toEqual({ uuid: OWNER_UUID })
  })

  it('when() works on every field kind, and the predicate sees the entity', () => {
    const hide = (ctx: { show: boolean }) => ctx.show
    const All = defineDto(FunctionEntity, {
      uuid: dtoField.from('uuid').when(hide),
      // Chained after when(), compute() has no contextual entity type: annotate it.
      computed: dtoField.compute((f: FunctionEntity) => f.name.length).when(hide),
      ownerUuid: dtoField.ref('owner', users.uuid).when(hide),
      deployments: dtoField.relation('deployments', DeploymentDto).when(hide),
      named: dtoField.from('name').when((_ctx: { show: boolean }, f) => f.name === 'resize'),
    })
    expect(All.from(loaded, { show: false })).toStrictEqual({ named: 'resize' })
    expect(Object.keys(All.from(loaded, { show: true }))).toEqual([
      'uuid',
      'computed',
      'ownerUuid',
      'deployments',
      'named',
    ])
  })
})

describe('JSON conversion', () => {
  const kinds = defineTable('dto_kinds', {
    id: c.bigserial().primaryKey(),
    uuid: c.uuid().notNull(),
    big: c.bigint(),
    bigNumber: c.bigint({ mode: 'number' }),
    price: c.numeric(10, 2),
    priceNumber: c.numeric(10, 2, { mode: 'number' }),
    ratio: c.real(),
    score: c.doublePrecision(),
    day: c.date(),
    at: c.timestamptz(),
    tags: c.textArray(),
    counts: c.integerArray(),
    ip: c.inet(),
    flag: c.boolean(),
  })
  class KindsEntity extends Entity.of(kinds) {}
  const KindsDto = defineDto(KindsEntity, [
    'uuid',
    'big',
    'bigNumber',
    'price',
    'priceNumber',
    'ratio',
    'score',
    'day',
    'at',
    'tags',
    'counts',
    'ip',
    'flag',
  ])
  const entity = new KindsEntity({
    id: 9_007_199_254_740_993n,
    uuid: OWNER_UUID,
    big: 9_007_199_254_740_993n,
    bigNumber: 42,
    price: '12.30',
    priceNumber: 12.3,
    ratio: Number.NaN,
    score: Number.POSITIVE_INFINITY,
    day: '2024-05-06',
    at: AT,
    tags: ['a', 'b'],
    counts: [1, 2],
    ip: '10.0.0.1',
    flag: false,
  })

  it('converts each column kind to its JSON form', () => {
    const out = KindsDto.from(entity)
    expect(out).toStrictEqual({
      uuid: OWNER_UUID,
      big: '9007199254740993',
      bigNumber: 42,
      price: '12.30',
      priceNumber: 12.3,
      ratio: null,
      score: null,
      day: '2024-05-06',
      at: '2024-05-06T07:08:09.010Z',
      tags: ['a', 'b'],
      counts: [1, 2],
      ip: '10.0.0.1',
      flag: false,
    })
    expect(roundTrip(out)).toStrictEqual(out)
  })

  it('null stays null for every nullable kind', () => {
    const empty = new KindsEntity({
      id: 1n,
      uuid: OWNER_UUID,
      big: null,
      bigNumber: null,
      price: null,
      priceNumber: null,
      ratio: null,
      score: null,
      day: null,
      at: null,
      tags: null,
      counts: null,
      ip: null,
      flag: null,
    })
    const out = KindsDto.from(empty)
    for (const key of KindsDto.fields.filter((k) => k !== 'uuid')) expect(out[key]).toBeNull()
  })

  it('converts computed values recursively: Dates in objects and arrays, bigints, NaN', () => {
    const Dto = defineDto(UserEntity, {
      uuid: true,
      timeline: dtoField.compute((u) => ({
        created: u.createdAt,
        events: [{ at: AT, tags: new Set(['x']) }, [LATER, 12n]],
        nothing: undefined,
        fn: () => 1,
        nan: Number.NaN,
        nested: { deep: { at: LATER, list: [undefined, Number.NEGATIVE_INFINITY] } },
        withToJSON: { toJSON: () => ({ at: AT }) },
        __proto__: { polluted: true },
      })),
      date: dtoField.compute(() => AT),
      invalid: dtoField.compute(() => new Date(Number.NaN)),
      big: dtoField.compute(() => 2n ** 70n),
      missing: dtoField.compute(() => undefined),
    })
    const out = Dto.from(user())
    expect(out.timeline).toStrictEqual({
      created: '2024-05-06T07:08:09.010Z',
      events: [{ at: '2024-05-06T07:08:09.010Z', tags: {} }, ['2025-01-02T03:04:05.006Z', '12']],
      nan: null,
      nested: { deep: { at: '2025-01-02T03:04:05.006Z', list: [null, null] } },
      withToJSON: { at: '2024-05-06T07:08:09.010Z' },
    })
    expect(out.date).toBe('2024-05-06T07:08:09.010Z')
    expect(out.invalid).toBeNull()
    expect(out.big).toBe('1180591620717411303424')
    expect(out.missing).toBeNull()
    expect(roundTrip(out)).toStrictEqual(out)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a "__proto__" key inside a computed value stays a key', () => {
    const Dto = defineDto(UserEntity, {
      data: dtoField.compute(() => JSON.parse('{"__proto__": {"x": 1}, "y": 2}')),
    })
    const out = Dto.from(user()).data as Record<string, unknown>
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.keys(out)).toEqual(['__proto__', 'y'])
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":1},"y":2}')
  })

  it('refuses a computed value holding an entity, and a circular one', () => {
    const Leaky = defineDto(FunctionEntity, {
      uuid: true,
      owner: dtoField.compute(() => ({ who: [user()] })),
    })
    const error = expect(() => Leaky.from(fn()))
    error.toThrow(DtoDefinitionError)
    error.toThrow(/"owner".*entity \(UserEntity\).*dtoField\.relation/)
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const Loop = defineDto(UserEntity, { loop: dtoField.compute(() => circular) })
    expect(() => Loop.from(user())).toThrow(/circular/)
  })
})

describe('definition-time refusals', () => {
  it('internal ids, integer foreign keys and .internal() columns', () => {
    expect(definitionError(() => defineDto(UserEntity, ['id'] as any)).message).toMatch(
      /field "id": property "id" of "users" is a serial id \(internal\)/,
    )
    const fk = definitionError(() =>
      defineDto(FunctionEntity, { owner: dtoField.from('userId' as any) }),
    )
    expect(fk.field).toBe('owner')
    expect(fk.message).toMatch(/field "owner": property "userId" .* integer foreign key/)
    expect(
      definitionError(() => defineDto(FunctionEntity, ['activeDeploymentId'] as any)).message,
    ).toMatch(/"activeDeploymentId" .* marked internal\(\)/)
    expect(
      definitionError(() => defineDto(FunctionDeploymentEntity, { functionId: true } as any))
        .message,
    ).toMatch(/integer foreign key/)
    expect(definitionError(() => defineDto(FunctionDataEntity, ['functionId'] as any)).field).toBe(
      'functionId',
    )
  })

  it('secret columns', () => {
    const error = definitionError(() => defineDto(UserEntity, ['uuid', 'passwordHash'] as any))
    expect(error.field).toBe('passwordHash')
    expect(error.message).toMatch(/"passwordHash" .* a secret column/)
    expect(error.message).not.toContain(SECRET)
  })

  it('unknown properties and relations', () => {
    expect(
      definitionError(() => defineDto(UserEntity, ['uuid', 'nickname'] as any)).message,
    ).toMatch(/"users" has no property "nickname" \(public properties: uuid, email, createdAt/)
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { x: dtoField.ref('nope' as any, users.uuid) }),
      ).message,
    ).toMatch(/"functions" has no relation "nope" \(relations: owner, deployments/)
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { x: dtoField.relation('toString' as any, UserDto) }),
      ).message,
    ).toMatch(/has no relation "toString"/)
  })

  it('a ref must target a public column of the related table, through a single relation', () => {
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { ownerId: dtoField.ref('owner', users.id as any) }),
      ).message,
    ).toMatch(/property "id" of "users" is a serial id/)
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { ownerId: dtoField.ref('owner', users.passwordHash as any) }),
      ).message,
    ).toMatch(/secret/)
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { x: dtoField.ref('owner', functions.uuid) as any }),
      ).message,
    ).toMatch(/links to "users", but the column is "functions.uuid"/)
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { x: dtoField.ref('deployments' as any, users.uuid) }),
      ).message,
    ).toMatch(/ref\(\) needs a hasOne or belongsTo relation; "deployments" is hasMany/)
    expect(
      definitionError(() => defineDto(FunctionEntity, { x: dtoField.ref('owner', 'uuid' as any) }))
        .message,
    ).toMatch(/needs a column such as users.uuid/)
  })

  it('a nested DTO must be a DTO of the relation target', () => {
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { d: dtoField.relation('deployments', UserDto as any) }),
      ).message,
    ).toMatch(/links to "function_deployments", but the nested DTO maps "users"/)
    expect(
      definitionError(() =>
        defineDto(FunctionEntity, { d: dtoField.relation('deployments', {} as any) }),
      ).message,
    ).toMatch(/needs a DTO made by defineDto/)
  })

  it('malformed definitions', () => {
    definitionError(() => (defineDto as any)({}, ['uuid']))
    definitionError(() => defineDto(UserEntity, [] as any))
    definitionError(() => defineDto(UserEntity, {} as any))
    definitionError(() => defineDto(UserEntity, null as any))
    definitionError(() => defineDto(UserEntity, [42] as any))
    expect(definitionError(() => defineDto(UserEntity, ['uuid', 'uuid'] as any)).message).toMatch(
      /listed twice/,
    )
    expect(definitionError(() => defineDto(UserEntity, { uuid: 'yes' } as any)).message).toMatch(
      /expected true or a dtoField/,
    )
    expect(definitionError(() => defineDto(UserEntity, { uuid: false } as any)).message).toMatch(
      /got boolean/,
    )
    expect(
      definitionError(() => defineDto(UserEntity, { x: dtoField.compute(42 as any) })).message,
    ).toMatch(/compute\(\) needs a function/)
    expect(
      definitionError(() =>
        defineDto(UserEntity, { uuid: dtoField.from('uuid').when('admin' as any) }),
      ).message,
    ).toMatch(/when\(\) needs a function/)
    const proto = Object.defineProperty({}, '__proto__', { value: true, enumerable: true })
    expect(definitionError(() => defineDto(UserEntity, proto as any)).message).toMatch(
      /"__proto__"/,
    )
  })
})

describe('from() and its input', () => {
  it('refuses an entity without the relations the DTO reads, pointing at resolve()', () => {
    const error = expect(() => FunctionDto.from(fn() as any))
    error.toThrow(DtoDefinitionError)
    error.toThrow(
      /field "ownerUuid" reads relation "owner", which is not loaded .*manager\.load.*resolve\(db, entities\)/,
    )
    expect(() => UserProfileDto.from(user() as any)).toThrow(/"information", which is not loaded/)
  })

  it('refuses wrongly shaped or wrongly typed relation values', () => {
    expect(() => FunctionDto.from(withRelations(fn(), { owner: [user()] }) as any)).toThrow(
      /"owner" on the entity is an array, not a loaded entity or null/,
    )
    expect(() => FunctionDto.from(withRelations(fn(), { owner: fn() }) as any)).toThrow(
      /"owner" on the entity is not an entity of "users"/,
    )
    const Dto = defineDto(FunctionEntity, {
      deployments: dtoField.relation('deployments', FunctionDeploymentDto),
    })
    expect(() => Dto.from(withRelations(fn(), { deployments: deployment() }) as any)).toThrow(
      /not a loaded list of entities/,
    )
    expect(() => Dto.from(withRelations(fn(), { deployments: [user()] }) as any)).toThrow(
      /expected an entity of "function_deployments" .*got an entity of "users"/,
    )
  })

  it('refuses what is not an entity of its table', () => {
    // Typed errors (see hostile-dto.test.ts), never a TypeError.
    expect(() => UserDto.from(null as any)).toThrow(DtoDefinitionError)
    expect(() => UserDto.from({ uuid: OWNER_UUID, email: 'x' } as any)).toThrow(
      /expected an entity of "users" .*got an object no entity class constructed/,
    )
    expect(() => UserDto.from(fn() as any)).toThrow(/got an entity of "functions"/)
    expect(() => UserDto.fromMany('nope' as any)).toThrow(DtoDefinitionError)
    expect(() => UserDto.fromMany('nope' as any)).toThrow(/expected an array/)
  })

  it('accepts any entity class of the same table (default classes included)', () => {
    const Plain = Entity.of(users)
    const plain = new Plain(user())
    expect(UserDto.from(plain as any)).toEqual({ uuid: OWNER_UUID, email: 'owner@x.io' })
  })
})

describe('frozen definitions', () => {
  it('DTOs, their field lists and fields are frozen; when() returns a new field', () => {
    for (const dto of [UserDto, FunctionDto, OrganizationMemberDto] as AnyDto[]) {
      expect(Object.isFrozen(dto)).toBe(true)
      expect(Object.isFrozen(dto.fields)).toBe(true)
    }
    const base = dtoField.from('email')
    const guarded = base.when(() => true)
    expect(isDtoField(base) && isDtoField(guarded)).toBe(true)
    expect(base.predicates).toHaveLength(0)
    expect(guarded.predicates).toHaveLength(1)
    expect(Object.isFrozen(base)).toBe(true)
    expect(Object.isFrozen(guarded.predicates)).toBe(true)
    expect(() => {
      ;(UserDto as any).from = () => ({ leaked: true })
    }).toThrow(TypeError)
  })

  it('the definition is not re-read per row: later edits of the input object change nothing', () => {
    const fields: Record<string, unknown> = { uuid: true }
    const Dto = defineDto(UserEntity, fields as { uuid: true })
    fields.passwordHash = true
    expect(Dto.from(user())).toEqual({ uuid: OWNER_UUID })
  })
})

describe('resolve() loads relations with one query per relation and level', () => {
  const UserWithInfoDto = defineDto(UserEntity, {
    uuid: true,
    information: dtoField.relation('information', UserInformationDto),
  })
  const DeploymentDto = defineDto(FunctionDeploymentEntity, {
    uuid: true,
    functionUuid: dtoField.ref('function', functions.uuid),
  })
  const Dto = defineDto(FunctionEntity, {
    uuid: true,
    ownerUuid: dtoField.ref('owner', users.uuid),
    owner: dtoField.relation('owner', UserWithInfoDto),
    deployments: dtoField.relation('deployments', DeploymentDto),
  })

  const userRow = (id: number, uuid: string) => ({
    id,
    uuid,
    email: `${id}@x.io`,
    password_hash: SECRET,
    created_at: AT,
    updated_at: null,
  })

  it('loads owner, deployments, then information and function: 4 statements for any count', async () => {
    const capture = captureExecutor(Object.values(containerpubTables))
    const fns = [
      fn({ id: 1, uuid: 'f0000000-0000-4000-8000-00000000000a', userId: 11 }),
      fn({ id: 2, uuid: 'f0000000-0000-4000-8000-00000000000b', userId: 12 }),
      fn({ id: 3, uuid: 'f0000000-0000-4000-8000-00000000000c', userId: 11 }),
    ]
    // Level 1, in field order: owner (once, for the ref and the nested DTO), deployments.
    capture.respond([userRow(11, OWNER_UUID), userRow(12, MEMBER_UUID)])
    capture.respond([
      {
        ...deployment({ id: 21, functionId: 1 }).toMap(),
        uuid: 'd0000000-0000-4000-8000-0000000000d1',
      },
      {
        ...deployment({ id: 22, functionId: 1 }).toMap(),
        uuid: 'd0000000-0000-4000-8000-0000000000d2',
      },
      {
        ...deployment({ id: 23, functionId: 3 }).toMap(),
        uuid: 'd0000000-0000-4000-8000-0000000000d3',
      },
    ])
    // Level 2: owners' information, deployments' function.
    capture.respond([information({ userId: OWNER_UUID }).toMap()])
    capture.respond([fns[0]!.toMap(), fns[2]!.toMap()])
    const out = await Dto.resolve(capture.executor, fns)
    expect(capture.sent).toHaveLength(4)
    expect(capture.sent.map((s) => s.sql.match(/from "(\w+)"/)?.[1])).toEqual([
      'users',
      'function_deployments',
      'user_information',
      'functions',
    ])
    expect(capture.sent[0]!.parameters).toEqual([[11, 12]])
    expect(out).toHaveLength(3)
    expect(out[0]).toStrictEqual({
      uuid: 'f0000000-0000-4000-8000-00000000000a',
      ownerUuid: OWNER_UUID,
      owner: { uuid: OWNER_UUID, information: UserInformationDto.from(information()) },
      deployments: [
        { uuid: 'd0000000-0000-4000-8000-0000000000d1', functionUuid: fns[0]!.uuid },
        { uuid: 'd0000000-0000-4000-8000-0000000000d2', functionUuid: fns[0]!.uuid },
      ],
    })
    expect(out[1]).toStrictEqual({
      uuid: 'f0000000-0000-4000-8000-00000000000b',
      ownerUuid: MEMBER_UUID,
      owner: { uuid: MEMBER_UUID, information: null },
      deployments: [],
    })
    expect(out[2]!.deployments).toEqual([
      { uuid: 'd0000000-0000-4000-8000-0000000000d3', functionUuid: fns[2]!.uuid },
    ])
    // The given entities are untouched.
    expect('owner' in fns[0]!).toBe(false)
    expect(JSON.stringify(out)).not.toContain(SECRET)
  })

  it('sends nothing for no entities, and nothing for a DTO without relations', async () => {
    const capture = captureExecutor(Object.values(containerpubTables))
    expect(await Dto.resolve(capture.executor, [])).toEqual([])
    expect(await UserDto.resolve(capture.executor, [user()])).toEqual([UserDto.from(user())])
    expect(capture.sent).toHaveLength(0)
    await expect(UserDto.resolve(capture.executor, 'x' as any)).rejects.toThrow(/expected an array/)
  })

  it('passes the context to nested DTOs, and infers it from them', async () => {
    const InfoDto = defineDto(UserInformationEntity, {
      firstName: true,
      city: dtoField.from('city').when((ctx: { showCity: boolean }) => ctx.showCity),
    })
    const Dto = defineDto(UserEntity, {
      email: true,
      joinedAt: dtoField.ref('membership', organizationMembers.joinedAt),
      information: dtoField.relation('information', InfoDto),
    })
    const capture = captureExecutor(Object.values(containerpubTables))
    capture.respond([membership(OWNER_UUID).toMap()])
    capture.respond([information({ userId: OWNER_UUID }).toMap()])
    const [shown] = await Dto.resolve(capture.executor, [user()], { showCity: true })
    expect(shown).toStrictEqual({
      email: 'owner@x.io',
      joinedAt: LATER.toISOString(),
      information: { firstName: 'Ada', city: 'London' },
    })
    expect(capture.sent).toHaveLength(2)
    const attached = withRelations(user(), { membership: null, information: information() })
    expect(Dto.from(attached, { showCity: false }).information).toStrictEqual({ firstName: 'Ada' })
  })
})

describe('ContainerPub DTOs', () => {
  it('UserDto, UserInformationDto, UserProfileDto', () => {
    expect(UserDto.from(user())).toStrictEqual({ uuid: OWNER_UUID, email: 'owner@x.io' })
    const info = information()
    expect(UserInformationDto.from(info)).toStrictEqual({
      uuid: info.uuid,
      firstName: 'Ada',
      lastName: 'Lovelace',
      phoneNumber: null,
      country: 'UK',
      city: 'London',
      address: null,
      zipCode: null,
      avatar: null,
      role: 'developer',
      createdAt: AT.toISOString(),
      updatedAt: LATER.toISOString(),
    })
    expect(UserProfileDto.from(withRelations(user(), { information: info }))).toStrictEqual({
      uuid: OWNER_UUID,
      email: 'owner@x.io',
      information: UserInformationDto.from(info),
    })
    expect(UserProfileDto.from(withRelations(user(), { information: null })).information).toBeNull()
  })

  it('OrganizationDto exposes ownerId as ownerUuid', () => {
    expect(OrganizationDto.from(organization())).toStrictEqual({
      uuid: 'a1000000-0000-4000-8000-000000000001',
      name: 'Acme',
      ownerUuid: OWNER_UUID,
      createdAt: AT.toISOString(),
    })
  })

  describe('OrganizationWithMembersDto: member uuids only for the owner', () => {
    const member = withRelations(user({ id: 7002, uuid: MEMBER_UUID, email: 'member@x.io' }), {
      membership: membership(),
      information: information(),
    })
    const owner = withRelations(user(), { membership: membership(OWNER_UUID), information: null })
    const input = { organization: organization(), members: [owner, member] }

    it('owner view: every member uuid', () => {
      const out = OrganizationWithMembersDto.fromEntities({ ...input, requesterId: OWNER_UUID })
      expect(out).toStrictEqual({
        ...OrganizationDto.from(organization()),
        members: [
          { uuid: OWNER_UUID, email: 'owner@x.io', joinedAt: LATER.toISOString(), profile: null },
          {
            uuid: MEMBER_UUID,
            email: 'member@x.io',
            joinedAt: LATER.toISOString(),
            profile: {
              firstName: 'Ada',
              lastName: 'Lovelace',
              phoneNumber: null,
              country: 'UK',
              city: 'London',
              address: null,
              zipCode: null,
              avatar: null,
              role: 'developer',
            },
          },
        ],
      })
      // uuids compare case-insensitively.
      const upper = OrganizationWithMembersDto.fromEntities({
        ...input,
        requesterId: OWNER_UUID.toUpperCase(),
      })
      expect(upper).toStrictEqual(out)
    })

    it('non-owner and anonymous views: the uuid key is absent', () => {
      for (const requesterId of [MEMBER_UUID, OTHER_UUID, null, undefined, '']) {
        const out = OrganizationWithMembersDto.fromEntities({ ...input, requesterId })
        expect(out.members).toHaveLength(2)
        for (const m of out.members) expect('uuid' in m).toBe(false)
        const text = JSON.stringify(out.members)
        expect(text).not.toContain(MEMBER_UUID)
        // The profile's own uuid would identify the member as well: never in a member view.
        expect(text).not.toContain(information().uuid)
        expect(text).not.toContain(SECRET)
      }
    })
  })

  it('OrganizationWithMembersDto takes memberships and profiles passed alongside plain users', () => {
    const plainMember = user({ id: 7002, uuid: MEMBER_UUID, email: 'member@x.io' })
    const plainOwner = user()
    const out = OrganizationWithMembersDto.fromEntities({
      organization: organization(),
      members: [plainOwner, plainMember],
      memberships: [membership(MEMBER_UUID), membership(OWNER_UUID)],
      profiles: [information({ userId: MEMBER_UUID })],
      requesterId: OWNER_UUID,
    })
    expect(out.members).toStrictEqual([
      { uuid: OWNER_UUID, email: 'owner@x.io', joinedAt: LATER.toISOString(), profile: null },
      {
        uuid: MEMBER_UUID,
        email: 'member@x.io',
        joinedAt: LATER.toISOString(),
        profile: expect.objectContaining({ firstName: 'Ada', city: 'London' }),
      },
    ])
    // The caller's entities are not modified.
    expect('membership' in plainMember).toBe(false)
    // A relation loaded on the member wins; a missing one with nothing passed is an error.
    const loaded = withRelations(plainMember, { information: null })
    const mixed = OrganizationWithMembersDto.fromEntities({
      organization: organization(),
      members: [loaded],
      memberships: [],
      requesterId: null,
    })
    expect(mixed.members).toStrictEqual([{ email: 'member@x.io', joinedAt: null, profile: null }])
    expect(() =>
      OrganizationWithMembersDto.fromEntities({
        organization: organization(),
        members: [plainMember],
        profiles: [],
        requesterId: null,
      }),
    ).toThrow(/"membership", which is not loaded/)
  })

  it('OrganizationMemberDto requires its context', () => {
    const member = withRelations(user(), { membership: null, information: null })
    expect(OrganizationMemberDto.from(member, { requesterIsOwner: true })).toStrictEqual({
      uuid: OWNER_UUID,
      email: 'owner@x.io',
      joinedAt: null,
      profile: null,
    })
    expect(() => OrganizationMemberDto.from(member, undefined as any)).toThrow(TypeError)
  })

  it('UserWithOrganizationDto', () => {
    expect(
      UserWithOrganizationDto.fromEntities({ user: user(), organization: organization() }),
    ).toStrictEqual({
      user: { uuid: OWNER_UUID, email: 'owner@x.io' },
      organization: OrganizationDto.from(organization()),
    })
    expect(
      UserWithOrganizationDto.fromEntities({ user: user(), organization: null }),
    ).toStrictEqual({ user: { uuid: OWNER_UUID, email: 'owner@x.io' }, organization: null })
  })

  it('FunctionDto: owner uuid through the relation, hasActiveDeployment computed', () => {
    const out = FunctionDto.from(withRelations(fn(), { owner: user() }))
    expect(out).toStrictEqual({
      uuid: 'f0000000-0000-4000-8000-000000000001',
      name: 'resize',
      status: 'active',
      ownerUuid: OWNER_UUID,
      hasActiveDeployment: true,
      analysisResult: { score: 9, notes: ['fast'] },
      createdAt: AT.toISOString(),
      updatedAt: LATER.toISOString(),
    })
    const idle = FunctionDto.from(withRelations(fn({ activeDeploymentId: null }), { owner: null }))
    expect(idle.hasActiveDeployment).toBe(false)
    expect(idle.ownerUuid).toBeNull()
    expect(JSON.stringify(out)).not.toMatch(/7001|8001|9001/)
  })

  it('FunctionDeploymentDto leaves out s3Key and buildLogs', () => {
    const out = FunctionDeploymentDto.from(deployment())
    expect(out).toStrictEqual({
      uuid: 'd0000000-0000-4000-8000-000000000001',
      version: 3,
      imageTag: 'fn-resize:3',
      status: 'active',
      isActive: true,
      deployedAt: AT.toISOString(),
    })
    expect(JSON.stringify(out)).not.toMatch(/functions\/8001|step 1/)
  })

  it('FunctionLogDto, FunctionInvocationDto, FunctionDataDto', () => {
    const log = new FunctionLogEntity({
      id: 1,
      uuid: OWNER_UUID,
      functionId: 8001,
      level: 'error',
      message: 'timeout',
      timestamp: AT,
    })
    expect(FunctionLogDto.from(log)).toStrictEqual({
      uuid: OWNER_UUID,
      level: 'error',
      message: 'timeout',
      timestamp: AT.toISOString(),
    })
    const invocation = new FunctionInvocationEntity({
      id: 1,
      uuid: OWNER_UUID,
      functionId: 8001,
      status: 'error',
      durationMs: 42,
      error: 'boom',
      timestamp: null,
    })
    expect(FunctionInvocationDto.from(invocation)).toStrictEqual({
      uuid: OWNER_UUID,
      status: 'error',
      durationMs: 42,
      error: 'boom',
      timestamp: null,
    })
    const data = new FunctionDataEntity({
      id: 1,
      uuid: OWNER_UUID,
      functionId: 8001,
      key: 'counter',
      value: { n: 3 },
      createdAt: AT,
      updatedAt: LATER,
    })
    expect(FunctionDataDto.from(data)).toStrictEqual({
      uuid: OWNER_UUID,
      key: 'counter',
      value: { n: 3 },
      createdAt: AT.toISOString(),
      updatedAt: LATER.toISOString(),
    })
  })

  it('every ContainerPub DTO lists only public properties of its table', () => {
    const dtos: AnyDto[] = [
      UserDto,
      UserInformationDto,
      UserProfileDto,
      OrganizationDto,
      OrganizationMemberDto,
      FunctionDto,
      FunctionDeploymentDto,
      FunctionLogDto,
      FunctionInvocationDto,
      FunctionDataDto,
    ]
    for (const dto of dtos) {
      const table = dto.entity.table
      for (const key of dto.fields) {
        const column = table.$meta.byProperty.get(key)
        if (column !== undefined) expect(column.internal || column.secret).toBe(false)
      }
      expect(dto.fields).not.toContain('id')
    }
    expect(organizationMembers.$name).toBe('organization_members')
  })
})
