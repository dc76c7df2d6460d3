import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  c,
  type Database,
  defineTable,
  Entity,
  generateDDL,
  InvalidQueryError,
} from '../../src/index'
import { loggedDatabase } from '../setup/logged-database'
import { testDatabase } from '../setup/test-database'

const users = defineTable(
  'hp_users',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    email: c.varchar(255).notNull(),
    age: c.integer(),
    passwordHash: c.varchar(255).notNull().secret(),
  },
  { relations: (r) => ({ posts: r.hasMany('hp_posts', 'userId') }) },
)
const posts = defineTable(
  'hp_posts',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    userId: c
      .integer()
      .notNull()
      .references(() => users.id),
    title: c.text().notNull(),
  },
  { relations: (r) => ({ author: r.belongsTo('hp_users', 'userId') }) },
)
class UserEntity extends Entity.of(users) {}
class PostEntity extends Entity.of(posts) {}
const tables = { users, posts }

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
const statements: string[] = []
let victim: UserEntity

beforeAll(async () => {
  test = await testDatabase('hostile_public')
  // Every statement sent is recorded: a refusal must send none.
  db = loggedDatabase(test.url, tables, 'hostile-public', statements)
  await db.executeScript(generateDDL([users, posts]))
  victim = await db
    .manager(UserEntity)
    .insert({ email: 'victim@example.com', age: 42, passwordHash: 'h2$secret' })
  const other = await db
    .manager(UserEntity)
    .insert({ email: 'other@example.com', age: 30, passwordHash: 'zz$other' })
  await db.manager(PostEntity).batchInsert([
    { userId: victim.id, title: 'first' },
    { userId: victim.id, title: 'second' },
    { userId: other.id, title: 'third' },
  ])
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

/** The InvalidQueryError `run` throws, checking that nothing was sent for it. */
async function refusal(run: () => Promise<unknown>): Promise<InvalidQueryError> {
  const before = statements.length
  const error = await run().then(
    () => new Error('accepted'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(InvalidQueryError)
  expect(statements.length).toBe(before)
  return error as InvalidQueryError
}

/** Same path and message as the refusal of a column that does not exist: no oracle. */
async function refusedAsUnknown(
  hidden: () => Promise<unknown>,
  missing: () => Promise<unknown>,
  path: string,
  hiddenName: string,
  missingName: string,
) {
  const a = await refusal(hidden)
  const b = await refusal(missing)
  expect(a.path).toBe(path)
  expect(a.message).toMatch(/unknown column/)
  expect(a.message.replace(hiddenName, '<name>')).toBe(b.message.replace(missingName, '<name>'))
  expect({ ...a, message: undefined, path: undefined }).toEqual({
    ...b,
    message: undefined,
    path: undefined,
  })
}

describe('the public view refuses secret and internal columns in request input', () => {
  const pubUsers = () => db.public().manager(UserEntity)
  const pubPosts = () => db.public().manager(PostEntity)

  it('count({ where: { uuid, passwordHash: { like } } }) cannot extract a secret', async () => {
    // Today's attack, on the trusted handle: one character at a time.
    expect(
      await db
        .manager(UserEntity)
        .count({ where: { uuid: victim.uuid, passwordHash: { like: 'h2%' } } }),
    ).toBe(1)
    await refusedAsUnknown(
      () =>
        pubUsers().count({ where: { uuid: victim.uuid, passwordHash: { like: 'h2%' } } } as any),
      () => pubUsers().count({ where: { uuid: victim.uuid, passwordHsh: { like: 'h2%' } } } as any),
      'where.passwordHash',
      'passwordHash',
      'passwordHsh',
    )
    // Nested in and/or/not, in exists, findOne, paginate, cursor pages and writes alike.
    const where = { or: [{ email: 'x' }, { not: { passwordHash: { like: 'h%' } } }] } as any
    for (const run of [
      () => pubUsers().exists({ where }),
      () => pubUsers().findAll({ where }),
      () => pubUsers().findOne({ where }),
      () => pubUsers().paginate({ page: 1, pageSize: 5, where }),
      () => pubUsers().paginateByCursor({ limit: 5, where }),
      () => pubUsers().update({ email: 'y' }, { where }),
      () => pubUsers().delete({ where }),
    ]) {
      const error = await refusal(run)
      expect(error.path).toBe('where.or[1].not.passwordHash')
    }
  })

  it('where: { id } and where: { userId } cannot enumerate internal ids', async () => {
    expect(await db.manager(UserEntity).exists({ where: { id: victim.id } })).toBe(true)
    await refusedAsUnknown(
      () => pubUsers().exists({ where: { id: victim.id } } as any),
      () => pubUsers().exists({ where: { idx: victim.id } } as any),
      'where.id',
      'id',
      'idx',
    )
    expect(
      (await refusal(() => pubPosts().count({ where: { userId: { gt: 0 } } } as any))).path,
    ).toBe('where.userId')
    // The by-id methods take an internal id: not in a public view.
    for (const run of [
      () => pubUsers().findById(victim.id),
      () => pubUsers().existsById(victim.id),
      () => pubUsers().updateById(victim.id, { age: 1 }),
      () => pubUsers().deleteById(victim.id),
    ]) {
      expect((await refusal(run)).path).toBe('id')
    }
  })

  it("orderBy: 'passwordHash' (or an internal id) is refused, and gets no cursor", async () => {
    const trusted = await db
      .manager(UserEntity)
      .paginateByCursor({ limit: 1, orderBy: 'passwordHash' })
    expect(trusted.nextCursor).not.toBeNull()
    await refusedAsUnknown(
      () => pubUsers().paginateByCursor({ limit: 1, orderBy: 'passwordHash' } as any),
      () => pubUsers().paginateByCursor({ limit: 1, orderBy: 'passwordHsh' } as any),
      'orderBy',
      'passwordHash',
      'passwordHsh',
    )
    for (const orderBy of ['passwordHash', ['email', 'id'], 'id'] as const) {
      const error = await refusal(() => pubUsers().findAll({ orderBy } as any))
      expect(error.message).toMatch(/unknown column/)
    }
    expect((await refusal(() => pubPosts().findAll({ orderBy: 'userId' } as any))).path).toBe(
      'orderBy',
    )
    // A relation's orderBy too, whether or not there are parents.
    const [user] = await pubUsers().findAll({ where: { email: 'victim@example.com' } })
    for (const parents of [[user!], []]) {
      const error = await refusal(() => pubUsers().load(parents, 'posts', { orderBy: 'userId' }))
      expect(error.path).toBe('orderBy')
    }
  })

  it("the query builder: select(['password_hash']), select(['*']) and hidden references", async () => {
    const trusted = await db
      .manager(UserEntity)
      .query()
      .select(['password_hash'])
      .where('uuid', victim.uuid)
      .execute()
    expect(trusted).toEqual([{ password_hash: 'h2$secret' }])
    const q = () => db.public().manager(UserEntity).query('u')
    const refusedQueries: [() => unknown, string][] = [
      [() => q().select(['password_hash']), 'select[0]'],
      [() => q().select(['u.password_hash as h']), 'select[0]'],
      [() => q().select(['*']), 'select[0]'],
      [() => q().select(['u.*']), 'select[0]'],
      [() => q().where('password_hash', 'like', 'h2%'), 'where[0].column'],
      [() => q().where('u.id', 1), 'where[0].column'],
      [() => q().whereIn('id', [1, 2]), 'where[0].column'],
      [() => q().whereNull('password_hash'), 'where[0].column'],
      [() => q().orderBy('password_hash'), 'orderBy[0].column'],
      [() => q().groupBy('id'), 'groupBy[0]'],
      [() => q().having('u.password_hash', 'x'), 'having[0].column'],
    ]
    for (const [build, path] of refusedQueries) {
      let error: unknown
      try {
        build()
      } catch (e) {
        error = e
      }
      expect(error, path).toBeInstanceOf(InvalidQueryError)
      expect((error as InvalidQueryError).path).toBe(path)
    }
    // A hidden column is refused exactly as a column that does not exist.
    const message = (build: () => unknown) => {
      try {
        build()
      } catch (e) {
        return (e as Error).message
      }
      return 'accepted'
    }
    expect(message(() => q().where('password_hash', 'x')).replace('password_hash', '<n>')).toBe(
      message(() => q().where('password_hsh' as any, 'x')).replace('password_hsh', '<n>'),
    )
    // A reference to a table joined later is checked when the query runs.
    const before = statements.length
    await expect(
      db
        .public()
        .manager(PostEntity)
        .query('p')
        .select(['u.password_hash'])
        .join('hp_users u', 'p.user_id', 'u.id')
        .execute(),
    ).rejects.toMatchObject({ name: 'InvalidQueryError', path: 'select[0]' })
    expect(statements.length).toBe(before)
  })

  it('legitimate requests work, and return whole entities', async () => {
    const found = await pubUsers().findAll({
      where: { email: { like: '%@example.com' }, age: { gte: 40 } },
      orderBy: 'email',
    })
    expect(found.map((u) => u.uuid)).toEqual([victim.uuid])
    // Results are unchanged: the entity has every column; DTOs decide what leaves the server.
    expect(found[0]!.id).toBe(victim.id)
    expect(found[0]!.passwordHash).toBe('h2$secret')
    expect(await pubUsers().count({ where: { age: { gt: 0 } } })).toBe(2)
    expect(await pubUsers().findByUuid(victim.uuid)).toMatchObject({ email: 'victim@example.com' })
    // paginate orders by the primary key when no orderBy is given: the library's order, not input.
    const page = await pubUsers().paginate({ page: 1, pageSize: 1 })
    expect(page).toMatchObject({ total: 2, hasMore: true })
    expect(page.items[0]!.uuid).toBe(victim.uuid)
    // Keyset pages tie-break on the (hidden) primary key, inside the encrypted cursor.
    const first = await pubUsers().paginateByCursor({ limit: 1, orderBy: 'age' })
    const second = await pubUsers().paginateByCursor({
      limit: 1,
      orderBy: 'age',
      after: first.nextCursor,
    })
    expect([...first.items, ...second.items].map((u) => u.age)).toEqual([30, 42])
    const withPosts = await pubUsers().load([victim], 'posts', { orderBy: 'title' })
    expect(withPosts[0]!.posts.map((p) => p.title)).toEqual(['first', 'second'])
    const rows = await db
      .public()
      .manager(PostEntity)
      .query('p')
      .select(['p.title', 'u.email'])
      .join('hp_users u', 'p.user_id', 'u.id')
      .where('u.email', 'victim@example.com')
      .orderBy('p.title')
      .execute()
    expect(rows).toEqual([
      { title: 'first', email: 'victim@example.com' },
      { title: 'second', email: 'victim@example.com' },
    ])
    const entities = await db.public().manager(PostEntity).query().where('title', 'third').all()
    expect(entities[0]!.userId).toBeTypeOf('number')
  })

  it('is one view on the same pool and transaction, and the trusted handle is unchanged', async () => {
    expect(db.public()).toBe(db.public())
    expect(db.public().public()).toBe(db.public())
    expect(db.publicOnly).toBe(false)
    expect(db.public().publicOnly).toBe(true)
    expect(db.manager(UserEntity).public()).toBe(db.manager(UserEntity).public())
    expect(db.public().manager(UserEntity).isPublic).toBe(true)
    expect(db.manager(UserEntity).isPublic).toBe(false)
    expect(db.public().manager(UserEntity).query().isPublic).toBe(true)
    // Server code filters by internal keys on the trusted handle, as before.
    expect(await db.manager(PostEntity).count({ where: { userId: victim.id } })).toBe(2)
    // Inside a transaction: the view sees the transaction's rows, and refuses the same way.
    await db
      .transaction(async (tx) => {
        await tx.manager(UserEntity).insert({ email: 'tx@example.com', passwordHash: 'p' })
        const pub = tx.public()
        expect(pub.isTransaction).toBe(true)
        expect(await pub.manager(UserEntity).count({ where: { email: 'tx@example.com' } })).toBe(1)
        await refusal(() => pub.manager(UserEntity).count({ where: { id: 1 } } as any))
        // A public view's own transactions give public handles.
        await pub.transaction(async (inner) => {
          expect(inner.publicOnly).toBe(true)
          await refusal(() => inner.manager(UserEntity).findAll({ orderBy: 'id' } as any))
        })
        throw new Error('roll back')
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'))
    expect(await db.manager(UserEntity).count({ where: { email: 'tx@example.com' } })).toBe(0)
  })
})
