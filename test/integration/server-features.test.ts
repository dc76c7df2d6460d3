import { Kysely, PostgresDialect } from 'kysely'
import { Pool } from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Database, type QueryEvent, type ServerFeatures } from '../../src/index'
import type { TestDatabase } from '../../src/testing/index'
import { testDatabase } from '../setup/test-database'

// Feature detection against the server itself: whatever the run's server (the embedded 18, or
// the PostgreSQL 15 of DATABASE_URL in CI), each flag says what the server then does.

let test: TestDatabase
let sql: postgres.Sql
let db: Database
let features: ServerFeatures

beforeAll(async () => {
  test = await testDatabase('features')
  sql = postgres(test.url, { max: 1, onnotice: () => {} })
  db = await Database.connect({ url: test.url, tables: {}, max: 2 })
  features = await db.serverFeatures()
})

afterAll(async () => {
  await db?.close()
  await sql?.end({ timeout: 5 })
  await test?.drop()
})

/** The error code of `statement` on the server, or 'ok'. */
async function outcome(statement: string): Promise<string> {
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(statement)
      throw new Error('rollback')
    })
  } catch (error) {
    const code = (error as { code?: string }).code
    return code === undefined ? 'ok' : code
  }
  return 'ok'
}

describe('db.serverFeatures(), on this run’s server', () => {
  it('is the server_version_num the server reports, read by connect in its own round trip', async () => {
    const [row] = await sql`select current_setting('server_version_num')::int as v`
    expect(features.version).toBe(row?.v)
    expect(Object.isFrozen(features)).toBe(true)
    // Read once: the same object each time, from transaction handles too.
    expect(await db.serverFeatures()).toBe(features)
    await db.transaction(async (tx) => {
      expect(await tx.serverFeatures()).toBe(features)
    })
  })

  it('connect sends one statement for pooler detection and the version together', async () => {
    const events: QueryEvent[] = []
    const other = await Database.connect({
      url: test.url,
      tables: {},
      max: 1,
      log: (e) => events.push(e),
    })
    try {
      expect(await other.serverFeatures()).toEqual(features)
      // (Events show literals as '?'.)
      expect(events.map((e) => e.text)).toEqual([
        "select pg_backend_pid() as pid, current_setting('?')::int as server_version",
      ])
    } finally {
      await other.close()
    }
  })

  it("with pooler: 'transaction', connect's check reads the version instead of select 1", async () => {
    const pooled = await Database.connect({
      url: test.url,
      tables: {},
      max: 1,
      pooler: 'transaction',
    })
    try {
      expect(await pooled.serverFeatures()).toEqual(features)
    } finally {
      await pooled.close()
    }
  })

  it('Database.fromKysely reads it at the first call only', async () => {
    const texts: string[] = []
    const kysely = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: test.url, max: 1 }) }),
      log: (e) => {
        texts.push(e.query.sql)
      },
    })
    const other = Database.fromKysely(kysely, { tables: {} })
    try {
      const [first, second] = await Promise.all([other.serverFeatures(), other.serverFeatures()])
      expect(first).toEqual(features)
      expect(second).toBe(first)
      expect(await other.serverFeatures()).toBe(first)
      expect(texts).toEqual(["select current_setting('server_version_num')::int as server_version"])
    } finally {
      await other.close()
    }
  })

  it('a closed database refuses it', async () => {
    const other = await Database.connect({ url: test.url, tables: {}, max: 1 })
    await other.close()
    expect(() => other.serverFeatures()).toThrow(/closed/)
  })
})

describe('each flag matches what the server does', () => {
  it('uuidv7: a built-in uuidv7() exactly from PostgreSQL 18', async () => {
    const [row] = await sql`select exists (select 1 from pg_proc p join pg_namespace n
      on n.oid = p.pronamespace where n.nspname = 'pg_catalog' and p.proname = 'uuidv7') as has`
    expect(row?.has).toBe(features.uuidv7)
  })

  it('mergeReturning: MERGE ... RETURNING runs from 17, a syntax error (42601) before', async () => {
    await sql`create table if not exists merge_target (id int primary key, n int)`
    const merge = `merge into merge_target t using (select 1 as id) s on t.id = s.id
      when not matched then insert (id, n) values (s.id, 1) returning t.id`
    expect(await outcome(merge)).toBe(features.mergeReturning ? 'ok' : '42601')
  })

  it('jsonTable: JSON_TABLE runs from 17, a syntax error (42601) before', async () => {
    const query = `select * from json_table('[1,2]'::jsonb, '$[*]' columns (v int path '$'))`
    expect(await outcome(query)).toBe(features.jsonTable ? 'ok' : '42601')
  })

  it('nullsNotDistinct and backupStart: there from 15, the oldest supported version', async () => {
    expect(features.version).toBeGreaterThanOrEqual(150000)
    expect(features.nullsNotDistinct).toBe(true)
    expect(features.backupStart).toBe(true)
    expect(await outcome('create table nnd (a int, unique nulls not distinct (a)); select 1')).toBe(
      'ok',
    )
    const [row] = await sql`select count(*)::int as n from pg_proc
      where proname in ('pg_backup_start', 'pg_backup_stop')`
    expect(row?.n).toBe(2)
  })
})
