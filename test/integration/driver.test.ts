import { CompiledQuery, Kysely, sql } from 'kysely'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRepaired } from '../../src/driver/queue-repair'
import {
  ConnectionError,
  createPostgresClient,
  Database,
  DatabaseError,
  PostgresJsDialect,
  PostgresJsDriver,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

let test: Awaited<ReturnType<typeof testDatabase>>
let client: postgres.Sql
let db: Kysely<any>
const opened: postgres.Sql[] = []

/** A Kysely on its own client, closed in afterAll. */
function kyselyWith(max: number): Kysely<any> {
  const sql = createPostgresClient({ url: test.url, max })
  opened.push(sql)
  return new Kysely<any>({ dialect: new PostgresJsDialect({ sql }) })
}

const names = async (k: Kysely<any>) =>
  (await k.selectFrom('items').select('name').orderBy('id').execute()).map((r) => r.name)

const processTz = process.env.TZ

beforeAll(async () => {
  // A non-UTC process zone too, so that no parser can get away with local time.
  process.env.TZ = 'America/Los_Angeles'
  test = await testDatabase('driver')
  // A non-UTC server default: the client's own session TimeZone must win.
  const admin = postgres(test.url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`ALTER DATABASE "${test.name}" SET timezone = 'America/New_York'`)
  await admin.end()
  client = createPostgresClient({ url: test.url, max: 4 })
  db = new Kysely<any>({ dialect: new PostgresJsDialect({ sql: client }) })
  await db.schema
    .createTable('items')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute()
  await sql`create table vals (
    id serial primary key, ts timestamp, tstz timestamptz, d date, big int8, num numeric(40, 20),
    doc jsonb, tags text[], nums int4[])`.execute(db)
})

afterAll(async () => {
  await db?.destroy()
  await Promise.all(opened.map((s) => s.end()))
  await client?.end()
  await test?.drop()
  if (processTz === undefined) delete process.env.TZ
  else process.env.TZ = processTz
})

describe('PostgresJsDialect', () => {
  it('gives a statement after one that failed amid its rows all of its rows (porsager/postgres#1119)', async () => {
    const k = kyselyWith(1)
    for (let i = 0; i < 2; i++) {
      // Rows 1 and 2 reach the client, then row 3 divides by zero.
      const failing = sql`select 10 / (3 - g) as q from generate_series(1, 5) g`.execute(k)
      await expect(failing).rejects.toThrow(DatabaseError)
      const { rows } = await sql<{ n: number }>`select 1 as n`.execute(k)
      expect(rows).toEqual([{ n: 1 }])
      expect(0 in rows).toBe(true)
    }
    // A stream's first chunk likewise.
    await expect(sql`select 10 / (3 - g) from generate_series(1, 5) g`.execute(k)).rejects.toThrow()
    const streamed: unknown[] = []
    const series = k.selectFrom(sql`generate_series(1, 3)`.as('g')).select(sql`g`.as('g'))
    for await (const row of series.stream(2)) streamed.push(row)
    expect(streamed).toEqual([{ g: 1 }, { g: 2 }, { g: 3 }])
  })

  it('selects and inserts, counting affected rows of update and delete', async () => {
    const inserted = await db
      .insertInto('items')
      .values([{ name: 'a' }, { name: 'b' }, { name: 'c' }])
      .returning(['id', 'name'])
      .execute()
    expect(inserted.map((r) => r.name)).toEqual(['a', 'b', 'c'])
    const [insert] = await db.insertInto('items').values({ name: 'd' }).execute()
    expect(insert?.numInsertedOrUpdatedRows).toBe(1n)
    const [update] = await db
      .updateTable('items')
      .set({ name: 'x' })
      .where('name', 'in', ['a', 'b'])
      .execute()
    expect(update?.numUpdatedRows).toBe(2n)
    const [del] = await db.deleteFrom('items').where('name', '=', 'x').execute()
    expect(del?.numDeletedRows).toBe(2n)
    expect(await names(db)).toEqual(['c', 'd'])
    await db.deleteFrom('items').execute()
  })

  it('hands over postgres.js result arrays as rows and leaves SELECT counts out', async () => {
    const driver = new PostgresJsDriver({ sql: client })
    const conn = await driver.acquireConnection()
    const result = await conn.executeQuery(CompiledQuery.raw('select 1 as one'))
    await driver.releaseConnection(conn)
    expect(result.rows).toEqual([{ one: 1 }])
    expect((result.rows as unknown as { command: string }).command).toBe('SELECT')
    expect(result.numAffectedRows).toBeUndefined()
  })

  it('runs statements as prepared statements', async () => {
    const one = kyselyWith(1)
    const query = one.selectFrom('items').select('id').where('name', '=', 'prepared-probe')
    await query.execute()
    const prepared = await one.selectFrom('pg_prepared_statements').select('statement').execute()
    expect(prepared.map((r) => r.statement)).toContain(query.compile().sql)
  })

  it('runs plain statements on the pool, never on the connection a transaction holds', async () => {
    const two = kyselyWith(2)
    const trx = await two.startTransaction().execute()
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
    const trxPid = rows[0]?.pid
    const pids = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const r = await sql<{
          pid: number
          i: number
        }>`select pg_backend_pid() as pid, ${i}::int as i`.execute(two)
        expect(r.rows[0]?.i).toBe(i)
        return r.rows[0]?.pid
      }),
    )
    expect(pids).toHaveLength(50)
    expect(pids).not.toContain(trxPid)
    await trx.insertInto('items').values({ name: 'in-trx' }).execute()
    await trx.commit().execute()
    expect(await names(two)).toEqual(['in-trx'])
    await two.deleteFrom('items').execute()
  })

  it('gives the reserved connection back after commit, rollback and a failed begin', async () => {
    const one = kyselyWith(1)
    for (let i = 0; i < 20; i++) {
      const work = one.transaction().execute(async (trx) => {
        await trx
          .insertInto('items')
          .values({ name: `t${i}` })
          .execute()
        if (i % 2 === 1) throw new Error('roll back')
      })
      if (i % 2 === 1) await expect(work).rejects.toThrow('roll back')
      else await work
    }
    const controlled = await one.startTransaction().execute()
    await controlled.rollback().execute()
    await expect(
      one
        .transaction()
        .setIsolationLevel('snapshot')
        .execute(async () => {}),
    ).rejects.toBeInstanceOf(DatabaseError)
    expect(await names(one)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i * 2}`))
    await one.deleteFrom('items').execute()
  })

  it('survives losing the connection of an idle transaction (no hang, pool intact)', async () => {
    const one = kyselyWith(1)
    let closes = 0
    opened.at(-1)!.options.onclose = () => {
      closes++
    }
    const trx = await one.startTransaction().execute()
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
    await sql`select pg_terminate_backend(${rows[0]?.pid}::int)`.execute(db)
    await expect
      .poll(async () => (await sql`select pid from pg_stat_activity`.execute(db)).rows, {
        timeout: 30_000,
      })
      .not.toContainEqual({ pid: rows[0]?.pid })
    // The next statement is sent once the client has seen the close (and, before it, the
    // server's FATAL message): one sent earlier could be handed that message by postgres.js.
    await expect.poll(() => closes, { timeout: 30_000 }).toBe(1)
    await expect(sql`select 1`.execute(trx)).rejects.toBeInstanceOf(ConnectionError)
    await trx.rollback().execute() // the session is gone, and its transaction with it
    expect((await sql`select 1 as one`.execute(one)).rows).toEqual([{ one: 1 }])
  })

  it('commits and rolls back transactions', async () => {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ name: 'kept' }).execute()
    })
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ name: 'gone' }).execute()
        expect(await names(trx)).toEqual(['kept', 'gone'])
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await names(db)).toEqual(['kept'])
    await db.deleteFrom('items').execute()
  })

  it('applies the isolation level and the access mode', async () => {
    const level = await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => (await sql`show transaction_isolation`.execute(trx)).rows[0])
    expect(level).toEqual({ transaction_isolation: 'serializable' })
    const readOnly = db
      .transaction()
      .setAccessMode('read only')
      .execute((trx) => trx.insertInto('items').values({ name: 'no' }).execute())
    await expect(readOnly).rejects.toBeInstanceOf(DatabaseError)
    await expect(readOnly).rejects.toMatchObject({ sqlState: '25006' })
    expect(await names(db)).toEqual([])
  })

  it('supports savepoints in controlled transactions', async () => {
    const trx = await db.startTransaction().execute()
    await trx.insertInto('items').values({ name: 'before' }).execute()
    const sp1 = await trx.savepoint('sp1').execute()
    await sp1.insertInto('items').values({ name: 'undone' }).execute()
    const back = await sp1.rollbackToSavepoint('sp1').execute()
    const sp2 = await back.savepoint('sp "2"').execute()
    await sp2.insertInto('items').values({ name: 'after' }).execute()
    const released = await sp2.releaseSavepoint('sp "2"').execute()
    await released.commit().execute()
    expect(await names(db)).toEqual(['before', 'after'])
    await db.deleteFrom('items').execute()
  })

  it('streams in chunks, also when stopped early', async () => {
    await db
      .insertInto('items')
      .values(Array.from({ length: 5 }, (_, i) => ({ name: `s${i}` })))
      .execute()
    const seen: string[] = []
    for await (const row of db.selectFrom('items').select('name').orderBy('id').stream(2)) {
      seen.push(row.name)
    }
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4'])
    for await (const row of db.selectFrom('items').select('name').orderBy('id').stream(2)) {
      expect(row.name).toBe('s0')
      break
    }
    const inTrx = await db.transaction().execute(async (trx) => {
      const rows: string[] = []
      for await (const row of trx.selectFrom('items').select('name').orderBy('id').stream(3)) {
        rows.push(row.name)
      }
      return rows
    })
    expect(inTrx).toHaveLength(5)
    await db.deleteFrom('items').execute()
  })

  it('ends the client on destroy only when it owns it', async () => {
    const borrowed = createPostgresClient({ url: test.url, max: 1 })
    await new Kysely<any>({ dialect: new PostgresJsDialect({ sql: borrowed }) }).destroy()
    expect(await borrowed`select 1 as one`).toEqual([{ one: 1 }])
    const owner = new Kysely<any>({
      dialect: new PostgresJsDialect({ sql: borrowed, ownsClient: true }),
    })
    await sql`select 1`.execute(owner) // Kysely destroys only a driver it has initialised
    await owner.destroy()
    await expect(borrowed`select 1`).rejects.toThrow()
  })
})

describe('postgres.js pool queues', () => {
  it('repairs the queues of the pool its statements meet, which then stay usable by postgres.js itself', async () => {
    const sql = createPostgresClient({ url: test.url, max: 4 })
    opened.push(sql)
    const driver = new PostgresJsDriver({ sql })
    // A burst opens every connection, and reads pipeline behind busy ones: the statements meet
    // the connecting and busy queues.
    const reads = Array.from({ length: 64 }, (_, i) =>
      driver.execute(CompiledQuery.raw('select $1::int as n', [i]), 'read'),
    )
    expect((await Promise.all(reads)).map((r) => r.rows[0])).toEqual(
      Array.from({ length: 64 }, (_, n) => ({ n })),
    )
    // One at a time, a statement is sent on an idle connection: from the open queue.
    for (let i = 0; i < 4; i++) await driver.execute(CompiledQuery.raw('select 1 as one'))
    // Which queue is a connection in when postgres.js runs a statement of its own on it?
    const seen = new Set<unknown>()
    const spy = (c: { queue?: unknown }) => {
      seen.add(c.queue)
      return true
    }
    const own = Array.from({ length: 32 }, () =>
      sql.unsafe('select 1 as one', [], { onexecute: spy } as postgres.UnsafeQueryOptions),
    )
    expect((await Promise.all(own)).length).toBe(32)
    expect(seen.size).toBeGreaterThanOrEqual(1)
    for (const queue of seen) expect(isRepaired(queue)).toBe(true)
    // Plain postgres.js calls keep working on the repaired pool, one at a time and at once.
    for (let i = 0; i < 20; i++) expect((await sql`select ${i}::int as n`)[0]).toEqual({ n: i })
    await driver.destroy()
  })
})

describe('idle connections, last in first out', () => {
  // Opens every connection of the pool (a burst), then runs 30 statements one at a time: the
  // backends they ran on.
  async function backendsOneAtATime(db: Database): Promise<Set<number>> {
    await Promise.all(Array.from({ length: 24 }, () => db.executeScript('select pg_sleep(0.02)')))
    const pids = new Set<number>()
    for (let i = 0; i < 30; i++) {
      const { rows } = await db.execute<{ pid: number }>(
        CompiledQuery.raw('select pg_backend_pid() as pid'),
      )
      pids.add(rows[0]!.pid)
    }
    return pids
  }

  it('on a pool of its own, one statement at a time runs on the connection used last', async () => {
    const db = await Database.connect({ url: test.url, max: 6, tables: {} })
    try {
      expect((await backendsOneAtATime(db)).size).toBe(1)
    } finally {
      await db.close()
    }
  })

  it('leaves the order of a client of your own as postgres.js keeps it (first in, first out)', async () => {
    const client = createPostgresClient({ url: test.url, max: 6 })
    opened.push(client)
    const db = await Database.connect({ client, tables: {} })
    try {
      // postgres.js walks round its idle connections.
      expect((await backendsOneAtATime(db)).size).toBeGreaterThan(1)
    } finally {
      await db.close()
    }
  })
})

describe('value conventions', () => {
  it('sets the session TimeZone to UTC over a non-UTC server default', async () => {
    const raw = postgres(test.url, { max: 1 })
    const [serverDefault] = await raw`show timezone`
    await raw.end()
    expect(serverDefault).toEqual({ TimeZone: 'America/New_York' })
    expect((await sql`show timezone`.execute(db)).rows).toEqual([{ TimeZone: 'UTC' }])
    const berlin = createPostgresClient({ url: test.url, max: 1, timezone: 'Europe/Berlin' })
    expect(await berlin`show timezone`).toEqual([{ TimeZone: 'Europe/Berlin' }])
    await berlin.end()
  })

  it('round-trips timestamp as UTC, timestamptz as an instant, date as a string', async () => {
    expect(new Date(2020, 0, 1).getTimezoneOffset()).toBe(480) // the process runs in Los Angeles
    const ts = new Date('2024-03-10T07:30:15.123Z') // a DST switch day in New York
    const tstz = new Date('2023-12-31T23:59:59.999Z')
    await db.insertInto('vals').values({ ts, tstz, d: '2024-02-29' }).execute()
    const row = await db.selectFrom('vals').select(['ts', 'tstz', 'd']).executeTakeFirstOrThrow()
    expect(row).toEqual({ ts, tstz, d: '2024-02-29' })
    // The wall clock stored is UTC, whatever the server's default zone.
    const text = await sql<{
      ts: string
      d: string
    }>`select ts::text as ts, d::text as d from vals`.execute(db)
    expect(text.rows).toEqual([{ ts: '2024-03-10 07:30:15.123', d: '2024-02-29' }])
    const parsed = await sql`select '2001-02-03 04:05:06.789'::timestamp as ts,
      '2001-02-03 04:05:06+02'::timestamptz as tstz, '0099-12-31'::date as d,
      array['2020-01-01'::date] as ds, array['2020-01-01 10:00'::timestamp] as tss`.execute(db)
    expect(parsed.rows).toEqual([
      {
        ts: new Date('2001-02-03T04:05:06.789Z'),
        tstz: new Date('2001-02-03T02:05:06Z'),
        d: '0099-12-31',
        ds: ['2020-01-01'],
        tss: [new Date('2020-01-01T10:00:00Z')],
      },
    ])
    await db.deleteFrom('vals').execute()
  })

  it('reads int8 as exact bigint, numeric as string, jsonb, text[] and int4[]', async () => {
    const big = 2n ** 53n + 1n
    const num = '12345678901234567890.12345678901234567890'
    const doc = { a: 1, nested: { list: [true, null, 'x'] } }
    await db
      .insertInto('vals')
      .values({ big, num, doc, tags: ['a', 'b c', 'd"e'], nums: [1, -2, 3] })
      .execute()
    const row = await db
      .selectFrom('vals')
      .select(['big', 'num', 'doc', 'tags', 'nums'])
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ big, num, doc, tags: ['a', 'b c', 'd"e'], nums: [1, -2, 3] })
    expect(typeof row.big).toBe('bigint')
    const maxInt8 = (
      await sql`select ${9223372036854775807n}::int8 + 0 as m, count(*) as c from vals`.execute(db)
    ).rows
    expect(maxInt8).toEqual([{ m: 9223372036854775807n, c: 1n }])
    await db.deleteFrom('vals').execute()
  })
})
