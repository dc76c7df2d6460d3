import {
  CamelCasePlugin,
  CompiledQuery,
  DeduplicateJoinsPlugin,
  HandleEmptyInListsPlugin,
  Kysely,
  type KyselyPlugin,
  ParseJSONResultsPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  replaceWithNoncontingentExpression,
} from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createPostgresClient,
  Database,
  Entity,
  generateDDL,
  PostgresJsDialect,
  UnsupportedPluginError,
} from '../../src/index'
import { functions, users } from '../fixtures/tables'
import { testDatabase } from '../setup/test-database'

// Issue 12: with Kysely's CamelCasePlugin on the instance given to Database.fromKysely, entities
// read a NOT NULL column as null, silently (their own statements' rows are trusted, unvalidated).

class UserEntity extends Entity.of(users) {}
class FunctionEntity extends Entity.of(functions) {}

const tables = { users, functions }
let test: Awaited<ReturnType<typeof testDatabase>>
const opened: Kysely<any>[] = []

/** A Kysely instance on the test database with these plugins, destroyed after the file. */
function kyselyWith(...plugins: KyselyPlugin[]): Kysely<any> {
  const kysely = new Kysely<any>({
    dialect: new PostgresJsDialect({
      sql: createPostgresClient({ url: test.url, max: 2 }),
      ownsClient: true,
    }),
    plugins,
  })
  opened.push(kysely)
  return kysely
}

/** A plugin of a user's that changes nothing: it counts the rows it sees. */
class CountingPlugin implements KyselyPlugin {
  rows = 0
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    this.rows += args.result.rows.length
    return args.result
  }
}

beforeAll(async () => {
  test = await testDatabase('plugins')
  const setup = await Database.connect({ url: test.url, tables, max: 1 })
  await setup.executeScript(generateDDL([users, functions]))
  await setup.close()
})

afterAll(async () => {
  await Promise.all(opened.map((k) => k.destroy()))
  await test?.drop()
})

describe('Database.fromKysely with plugins, on a real database', () => {
  it('refuses CamelCasePlugin, whose rows entities would read as null, and ParseJSONResultsPlugin', async () => {
    const camel = kyselyWith(new CamelCasePlugin())
    // What such a row is: the NOT NULL password_hash comes back as passwordHash, which the trusted
    // row path of entities does not read.
    await camel.executeQuery(
      CompiledQuery.raw(
        `INSERT INTO users (email, password_hash) VALUES ('camel@x.io', 'h-camel') RETURNING *`,
      ),
    )
    const { rows } = await camel.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(`SELECT * FROM users WHERE email = 'camel@x.io'`),
    )
    expect(rows[0]).toMatchObject({ passwordHash: 'h-camel' })
    expect(rows[0]).not.toHaveProperty('password_hash')
    // What a manager on such an instance handed out before: no error, a NOT NULL column null.
    expect(UserEntity.fromRow(rows[0]!).passwordHash ?? null).toBeNull()

    expect(() => Database.fromKysely(camel, { tables })).toThrow(UnsupportedPluginError)
    expect(() => Database.fromKysely(camel, { tables })).toThrow(
      /plugins\[0\] is "CamelCasePlugin", which renames the columns of result rows/,
    )
    expect(() => Database.fromKysely(kyselyWith(new ParseJSONResultsPlugin()), { tables })).toThrow(
      UnsupportedPluginError,
    )
    expect(() => Database.fromKysely(camel.withSchema('public'), { tables })).toThrow(
      UnsupportedPluginError,
    )
  })

  it('serves allowed plugins, and every row comes back exact through managers, queries and raw SQL', async () => {
    const counting = new CountingPlugin()
    const kysely = kyselyWith(
      new DeduplicateJoinsPlugin(),
      new HandleEmptyInListsPlugin({ strategy: replaceWithNoncontingentExpression }),
      counting,
    )
    expect(() => Database.fromKysely(kysely, { tables })).toThrow(
      /plugins\[2\] is "CountingPlugin"/,
    )
    const db = Database.fromKysely(kysely, { tables, allowPlugins: [CountingPlugin] })
    const userManager = db.manager(UserEntity)
    const fnManager = db.manager(FunctionEntity)

    const created = await userManager.insert({ email: 'allowed@x.io', passwordHash: 'h-allowed' })
    expect(created).toMatchObject({ email: 'allowed@x.io', passwordHash: 'h-allowed' })
    expect(created.id).toBeGreaterThan(0)
    expect(created.createdAt).toBeInstanceOf(Date)

    const byId = await userManager.findById(created.id)
    expect(byId?.toMap()).toEqual(created.toMap())
    expect((await userManager.findByUuid(created.uuid))?.passwordHash).toBe('h-allowed')
    const found = await userManager.findAll({ where: { email: 'allowed@x.io' } })
    expect(found.map((u) => [u.email, u.passwordHash])).toEqual([['allowed@x.io', 'h-allowed']])

    const written = (await fnManager.batchInsert([
      { userId: created.id, name: 'a', analysisResult: { score: 1, notes: ['[1]', '{}'] } },
      { userId: created.id, name: 'b', status: 'inactive' },
    ])) as FunctionEntity[]
    expect(written.map((f) => [f.name, f.status, f.userId])).toEqual([
      ['a', 'active', created.id],
      ['b', 'inactive', created.id],
    ])
    const listed = await fnManager
      .query()
      .where('user_id', '=', created.id)
      .orderBy('name', 'asc')
      .with('owner')
      .all()
    expect(listed.map((f) => [f.name, f.analysisResult, f.owner?.passwordHash])).toEqual([
      ['a', { score: 1, notes: ['[1]', '{}'] }, 'h-allowed'],
      ['b', null, 'h-allowed'],
    ])
    const [updated] = await fnManager.update({ status: 'archived' }, { where: { name: 'b' } })
    expect(updated).toMatchObject({ name: 'b', status: 'archived', userId: created.id })

    await db.transaction(async (tx) => {
      const inner = await tx.manager(UserEntity).insert({ email: 'tx@x.io', passwordHash: 'h-tx' })
      expect((await tx.manager(UserEntity).findById(inner.id))?.passwordHash).toBe('h-tx')
    })
    expect(await db.raw('SELECT email, password_hash FROM users ORDER BY id')).toEqual([
      { email: 'camel@x.io', password_hash: 'h-camel' },
      { email: 'allowed@x.io', password_hash: 'h-allowed' },
      { email: 'tx@x.io', password_hash: 'h-tx' },
    ])
    // The plugins did run on those statements.
    expect(counting.rows).toBeGreaterThan(10)
  })
})
