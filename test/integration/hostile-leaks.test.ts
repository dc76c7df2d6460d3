/**
 * Issue 14, item 1: every error the package throws is safe to log whole. Each case provokes an
 * error with a canary value (`CANARY-<random>`) bound as a parameter or written in a row, then
 * searches for it in `util.inspect(error, { depth: Infinity, showHidden: true })`,
 * `JSON.stringify(error)`, `String(error)` and the stack (test/setup/leak-check.ts). What users
 * branch on (class, code, sqlState, constraint, table, column, columns) stays; the driver's own
 * error is there only when asked for, by `error.driverError()`.
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CheckViolationError,
  ConnectionError,
  c,
  Database,
  DatabaseError,
  defineTable,
  Entity,
  EntityValidationError,
  ForeignKeyViolationError,
  generateDDL,
  InvalidQueryError,
  KyselyEntitiesError,
  NotNullViolationError,
  StatementTimeoutError,
  UniqueViolationError,
} from '../../src/index'
import { startPostgres } from '../../src/testing/index'
import { assertNoLeak, leaksOf, newCanary } from '../setup/leak-check'
import { testDatabase } from '../setup/test-database'

const leakUsers = defineTable('leak_users', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.text().notNull().unique(),
  note: c.text(),
  nickname: c.text(),
})
const leakPosts = defineTable('leak_posts', {
  id: c.serial().primaryKey(),
  userId: c
    .integer()
    .notNull()
    .references(() => leakUsers.id),
  title: c.text().notNull(),
})
class LeakUserEntity extends Entity.of(leakUsers) {}
class LeakPostEntity extends Entity.of(leakPosts) {}
const tables = { leakUsers, leakPosts }

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
const users = () => db.manager(LeakUserEntity)
const posts = () => db.manager(LeakPostEntity)

beforeAll(async () => {
  test = await testDatabase('leaks')
  db = await Database.connect({ url: test.url, tables, max: 4 })
  await db.executeScript(generateDDL([leakUsers, leakPosts]))
  // The database is stricter than the definitions: the errors come from PostgreSQL.
  await db.executeScript(`
    ALTER TABLE leak_users ADD CONSTRAINT note_not_canary CHECK (note NOT LIKE 'CANARY-%');
    CREATE TABLE leak_strict (id serial PRIMARY KEY, label text, must text NOT NULL);`)
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

/** The error `work` rejects with (fails the test if it resolves). */
async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work()
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** A typed error that shows none of `secrets` in any log of it, whose driver error does. */
function expectSafe(error: unknown, secrets: readonly string[]) {
  expect(error).toBeInstanceOf(KyselyEntitiesError)
  expect(leaksOf(error, secrets)).toEqual([])
  assertNoLeak(error, secrets)
}

describe('errors mapped from PostgreSQL keep bind values and row values out of logs', () => {
  it('unique violation (the canary is the duplicated value): constraint and columns stay', async () => {
    const canary = newCanary()
    await users().insert({ email: canary })
    const error = await caught(() => users().insert({ email: canary }))
    expect(error).toBeInstanceOf(UniqueViolationError)
    const e = error as UniqueViolationError
    expect(e.sqlState).toBe('23505')
    expect(e.constraint).toBe('leak_users_email_key')
    expect(e.table).toBe('leak_users')
    expect(e.columns).toEqual(['email'])
    expectSafe(error, [canary])
    // The driver's error is there, on request only, and it does hold the value.
    expect(JSON.stringify((e.driverError() as { detail?: string }).detail)).toContain(canary)
  })

  it('check violation (the canary is in the failing row)', async () => {
    const canary = newCanary()
    const error = await caught(() => users().insert({ email: `${canary}@x`, note: canary }))
    expect(error).toBeInstanceOf(CheckViolationError)
    expect((error as CheckViolationError).constraint).toBe('note_not_canary')
    expectSafe(error, [canary])
  })

  it('not-null violation (the canary is in the failing row)', async () => {
    const canary = newCanary()
    const error = await caught(() =>
      db.raw('INSERT INTO leak_strict (label, must) VALUES (@label, NULL)', { label: canary }),
    )
    expect(error).toBeInstanceOf(NotNullViolationError)
    expect((error as NotNullViolationError).column).toBe('must')
    expect((error as NotNullViolationError).table).toBe('leak_strict')
    expectSafe(error, [canary])
  })

  it('foreign-key violation (the canary is a bound value of the row)', async () => {
    const canary = newCanary()
    const error = await caught(() => posts().insert({ userId: 987_654, title: canary }))
    expect(error).toBeInstanceOf(ForeignKeyViolationError)
    expect((error as ForeignKeyViolationError).columns).toEqual(['user_id'])
    expectSafe(error, [canary, '987654'])
  })

  it('data exception: the canary bound in an integer position (raw SQL)', async () => {
    const canary = newCanary()
    const error = await caught(() => db.raw('SELECT @n::int AS n', { n: canary }))
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).sqlState).toBe('22P02')
    expectSafe(error, [canary])
  })

  it('a raw SQL error with the canary among its parameters', async () => {
    const canary = newCanary()
    const error = await caught(() => db.raw('SELECT 1 / 0 AS x, @v::text AS v', { v: canary }))
    expect((error as DatabaseError).sqlState).toBe('22012')
    expectSafe(error, [canary])
  })

  it('statement timeout with the canary as a parameter', async () => {
    const canary = newCanary()
    const slow = await Database.connect({ url: test.url, tables, max: 1, statementTimeout: 50 })
    try {
      const error = await caught(() => slow.raw('SELECT pg_sleep(5), @v::text AS v', { v: canary }))
      expect(error).toBeInstanceOf(StatementTimeoutError)
      expectSafe(error, [canary])
    } finally {
      await slow.close()
    }
  })

  it('batchInsert failing at the row that holds the canary', async () => {
    const canary = newCanary()
    await users().insert({ email: canary })
    const rows = [{ email: `${newCanary()}@a` }, { email: canary }, { email: `${newCanary()}@b` }]
    const error = await caught(() => users().batchInsert(rows))
    expect(error).toBeInstanceOf(UniqueViolationError)
    expectSafe(error, [canary, ...rows.map((r) => r.email)])
  })

  it('update to a value that is taken', async () => {
    const canary = newCanary()
    await users().insert({ email: canary })
    const other = await users().insert({ email: `${canary}-other` })
    const error = await caught(() =>
      users().update({ email: canary, note: 'n' }, { where: { uuid: other.uuid } }),
    )
    expect(error).toBeInstanceOf(UniqueViolationError)
    expectSafe(error, [canary, other.uuid])
  })

  it('upsert whose insert collides on another unique column', async () => {
    const canary = newCanary()
    await users().insert({ email: canary })
    const error = await caught(() =>
      users().upsert({ uuid: randomUUID(), email: canary }, { conflictColumns: ['uuid'] }),
    )
    expect(error).toBeInstanceOf(UniqueViolationError)
    expectSafe(error, [canary])
  })

  it('an error inside a transaction, rethrown by db.transaction', async () => {
    const canary = newCanary()
    await users().insert({ email: canary })
    const error = await caught(() =>
      db.transaction(async (tx) => {
        await tx.manager(LeakUserEntity).insert({ email: `${canary}-first` })
        await tx.manager(LeakUserEntity).insert({ email: canary })
      }),
    )
    expect(error).toBeInstanceOf(UniqueViolationError)
    expectSafe(error, [canary])
  })

  it('an error of the query builder (db.kysely), with the canary bound', async () => {
    const canary = newCanary()
    const error = await caught(() =>
      db.transaction((tx) =>
        tx.raw('SELECT * FROM leak_users WHERE id = @id', { id: canary }).then(() => undefined),
      ),
    )
    expect((error as DatabaseError).sqlState).toBe('22P02')
    expectSafe(error, [canary])
  })
})

describe('errors of the connection and of the driver itself', () => {
  it('a statement cut off by a terminated backend: ConnectionError without the parameters', async () => {
    const canary = newCanary()
    const running = caught(() => db.raw('SELECT pg_sleep(30), @v::text AS v', { v: canary }))
    let killed = false
    while (!killed) {
      const [row] = await db.raw<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE query LIKE 'SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()`,
      )
      killed = (row?.n ?? 0) > 0
    }
    const error = await running
    expect(error).toBeInstanceOf(ConnectionError)
    expectSafe(error, [canary])
    // The driver's error is there on request, and it holds the parameters.
    expect((error as ConnectionError).driverError()).toHaveProperty('parameters', [canary])
  })

  // The server decides whether a password is checked: the embedded one does (initdb
  // --auth=password); a server of DATABASE_URL may trust every client (the PostgreSQL 15 service
  // of CI does), and there any password is accepted. So the test asks the run's server first,
  // and where it trusts, checks the password on an embedded server of its own.
  it('a wrong password is a ConnectionError (28P01) that does not show the password (on the run’s server when it checks passwords, else on an embedded one)', async () => {
    const canary = newCanary()
    const wrong = new URL(test.url)
    wrong.password = canary
    const trusting = postgres(wrong.href, { max: 1, onnotice: () => {} })
    const trusts = await trusting`select 1`.then(
      () => true,
      () => false,
    )
    await trusting.end({ timeout: 5 })
    const own = trusts ? await startPostgres({ url: '' }) : undefined
    try {
      const url = new URL(own?.url ?? test.url)
      url.password = canary
      const error = await caught(() => Database.connect({ url: url.href, tables, max: 1 }))
      expect(error).toBeInstanceOf(ConnectionError)
      expect((error as ConnectionError).sqlState).toBe('28P01')
      expect((error as ConnectionError).code).toBe('CONNECTION')
      expectSafe(error, [canary])
    } finally {
      await own?.stop()
    }
  })

  it('a database that does not exist is a ConnectionError (3D000)', async () => {
    const url = new URL(test.url)
    url.pathname = '/no_such_database_leaks'
    const error = await caught(() => Database.connect({ url: url.href, tables, max: 1 }))
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).sqlState).toBe('3D000')
  })

  it('more parameters than the protocol allows: a typed error without them', async () => {
    const canary = newCanary()
    const values = Array.from({ length: 70_000 }, (_, i) => (i === 69_999 ? canary : `v${i}`))
    const error = await caught(() =>
      db.kysely.selectFrom('leak_users').selectAll().where('email', 'in', values).execute(),
    )
    expect(error).toBeInstanceOf(InvalidQueryError)
    expectSafe(error, [canary])
  })
})

describe('validation errors keep the input out of logs', () => {
  it('an unknown key in insert data is not shown, not even by the schema error', async () => {
    const canary = newCanary()
    const error = await caught(() =>
      users().insert({ email: 'k@x', [canary]: 1 } as unknown as { email: string }),
    )
    expect(error).toBeInstanceOf(EntityValidationError)
    expectSafe(error, [canary])
  })
})
