import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ConnectOptions,
  c,
  Database,
  defineTable,
  Entity,
  generateDDL,
  InvalidQueryError,
  migrate,
  PreparedStatementLostError,
} from '../../src/index'
import type { TestDatabase } from '../../src/testing/index'
import { componentSuite } from '../setup/component'
import { within } from '../setup/hang-guards'
import { type Pgbouncer, probePgbouncer, startPgbouncer } from '../setup/pgbouncer'
import { testDatabase } from '../setup/test-database'

// The library through a real PgBouncer (Debian's package; .ci/run installs it), started by this
// file in front of its own database: transaction pooling with 2 server connections, so that
// every client's statements share them, and session pooling. Every call that talks to the pooler
// runs under a hang guard (`within`): a transaction pooler that loses a prepared statement can
// leave a call waiting for ever, and that must fail the test, not stall the run.

const notes = defineTable('pgb_notes', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  owner: c.text().notNull(),
  title: c.text().notNull(),
  body: c.text(),
  createdAt: c.timestamptz().defaultNow(),
})
class NoteEntity extends Entity.of(notes) {}
const tables = { notes }

// Roles belong to the whole server: a name of its own per run.
const role = `pgb_reader_${randomBytes(4).toString('hex')}`

const probe = probePgbouncer()

componentSuite(`pgbouncer${probe.ok ? ` (${probe.version})` : ''}`, probe, () => {
  let server: TestDatabase
  let direct: Database<typeof tables>
  let txPooler: Pgbouncer
  let sessionPooler: Pgbouncer
  const opened: Database<any>[] = []

  async function connect(
    pooler: Pgbouncer,
    options: Omit<ConnectOptions<typeof tables>, 'tables'> = {},
  ): Promise<Database<typeof tables>> {
    const db = await within(
      'connect through pgbouncer',
      Database.connect<typeof tables>({
        url: pooler.urlFor(server.url),
        max: 10,
        ...options,
        tables,
      }),
    )
    opened.push(db)
    return db
  }

  beforeAll(async () => {
    server = await testDatabase('pgbouncer')
    direct = await Database.connect({ url: server.url, tables })
    await direct.executeScript(generateDDL([notes]))
    await direct.executeScript(`
      CREATE ROLE ${role} NOLOGIN;
      GRANT ${role} TO CURRENT_USER;
      GRANT SELECT ON pgb_notes TO ${role};
      ALTER TABLE pgb_notes ENABLE ROW LEVEL SECURITY;
      ALTER TABLE pgb_notes FORCE ROW LEVEL SECURITY;
      CREATE POLICY own_notes ON pgb_notes
        USING (owner = nullif(current_setting('app.owner', true), ''));
    `)
    txPooler = await startPgbouncer({
      serverUrl: server.url,
      poolMode: 'transaction',
      poolSize: 2,
    })
    sessionPooler = await startPgbouncer({
      serverUrl: server.url,
      poolMode: 'session',
      poolSize: 12,
    })
  })

  afterAll(async () => {
    for (const db of opened) await db.close({ timeout: 1_000 }).catch(() => {})
    await txPooler?.stop()
    await sessionPooler?.stop()
    await direct?.executeScript(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {})
    await direct?.close()
    await server?.drop()
  })

  describe("pooler: 'transaction' in front of 2 server connections", () => {
    let db: Database<typeof tables>
    beforeAll(async () => {
      db = await connect(txPooler, { pooler: 'transaction' })
    })

    it('runs managers, finders, batchInsert, upsert, paginate and keyset pages', async () => {
      const m = db.manager(NoteEntity)
      await within(
        'manager calls',
        (async () => {
          const inserted = await m.batchInsert(
            Array.from({ length: 120 }, (_, i) => ({ owner: 'batch', title: `t${i}` })),
          )
          expect(inserted).toHaveLength(120)
          const one = await m.insert({ owner: 'solo', title: 'first' })
          expect((await m.findByUuid(one.uuid))?.title).toBe('first')
          const upserted = await m.upsert(
            { uuid: one.uuid, owner: 'solo', title: 'second' },
            { conflictColumns: ['uuid'] },
          )
          expect(upserted.title).toBe('second')
          expect(await m.count({ where: { owner: 'batch' } })).toBe(120)
          const page = await m.paginate({
            page: 2,
            pageSize: 50,
            where: { owner: 'batch' },
            orderBy: 'id',
          })
          expect(page.items.map((n) => n.title)).toEqual(
            Array.from({ length: 50 }, (_, i) => `t${i + 50}`),
          )
          const seen: string[] = []
          let after: string | undefined
          for (;;) {
            const keyset = await m.paginateByCursor({
              limit: 32,
              where: { owner: 'batch' },
              orderBy: 'title',
              ...(after === undefined ? {} : { after }),
            })
            seen.push(...keyset.items.map((n) => n.title))
            if (keyset.nextCursor === null || keyset.nextCursor === undefined) break
            after = keyset.nextCursor
          }
          expect(seen).toHaveLength(120)
          expect(new Set(seen).size).toBe(120)
          await m.delete({ where: { owner: 'solo' } })
          expect(await m.exists({ where: { owner: 'solo' } })).toBe(false)
        })(),
      )
    })

    it('commits and rolls back transactions, savepoints included', async () => {
      const m = db.manager(NoteEntity)
      await within(
        'transactions',
        (async () => {
          await db.transaction(async (tx) => {
            await tx.manager(NoteEntity).insert({ owner: 'tx', title: 'kept' })
            await tx
              .transaction(async (inner) => {
                await inner.manager(NoteEntity).insert({ owner: 'tx', title: 'savepoint' })
                throw new Error('roll the savepoint back')
              })
              .catch(() => {})
          })
          await db
            .transaction(async (tx) => {
              await tx.manager(NoteEntity).insert({ owner: 'tx', title: 'lost' })
              throw new Error('roll back')
            })
            .catch(() => {})
          const titles = (await m.findAll({ where: { owner: 'tx' } })).map((n) => n.title)
          expect(titles).toEqual(['kept'])
        })(),
      )
    })

    it('runs raw SQL with named parameters and streams rows, in and out of transactions', async () => {
      await within(
        'raw and streams',
        (async () => {
          const rows = await db.raw<{ n: number; s: string }>('SELECT @n::int AS n, @s AS s', {
            n: 7,
            s: 'seven',
          })
          expect(rows).toEqual([{ n: 7, s: 'seven' }])
          const streamed: number[] = []
          const query = db.kysely
            .selectFrom('pgb_notes')
            .select('id')
            .where('owner', '=', 'batch')
            .orderBy('id')
          for await (const row of query.stream(7)) streamed.push(row.id)
          expect(streamed).toHaveLength(120)
          const inTx = await db.transaction(async (tx) => {
            const ids: number[] = []
            for await (const row of tx.kysely
              .selectFrom('pgb_notes')
              .select('id')
              .where('owner', '=', 'batch')
              .orderBy('id')
              .stream(11)) {
              ids.push(row.id)
            }
            return ids
          })
          expect(inTx).toEqual(streamed)
        })(),
      )
    })

    it('runs 250 concurrent statements (reads, raw, transactions) from two clients, all succeeding', async () => {
      const other = await connect(txPooler, { pooler: 'transaction' })
      const m = db.manager(NoteEntity)
      const calls = Array.from({ length: 250 }, (_, i) => {
        const client = i % 2 === 0 ? db : other
        if (i % 5 === 0) {
          return client.transaction(async (tx) => {
            const [row] = await tx.raw<{ n: number }>('SELECT @i::int + 1 AS n', { i })
            return row?.n === i + 1
          })
        }
        if (i % 5 === 1) return m.count({ where: { owner: 'batch' } }).then((n) => n === 120)
        if (i % 5 === 2) {
          return client
            .manager(NoteEntity)
            .findAll({ where: { title: `t${i % 120}` }, limit: 1 })
            .then((found) => found[0]?.title === `t${i % 120}`)
        }
        return client
          .raw<{ n: number }>(`SELECT @i::int AS n, ${i % 7} AS k`, { i })
          .then((r) => r[0]?.n === i)
      })
      const results = await within('250 concurrent statements', Promise.all(calls))
      expect(results.filter((ok) => ok !== true)).toEqual([])
    })

    it('withContext settings are visible inside their transaction only, never in another client transaction', async () => {
      const clients = [db, await connect(txPooler, { pooler: 'transaction' })]
      await direct
        .manager(NoteEntity)
        .batchInsert(
          Array.from({ length: 20 }, (_, i) => ({ owner: `owner${i}`, title: `note of ${i}` })),
        )
      const runs = Array.from({ length: 120 }, async (_, i) => {
        const owner = `owner${i % 20}`
        const client = clients[i % 2] as Database<typeof tables>
        return client.withContext({ settings: { 'app.owner': owner }, role }, async (tx) => {
          const [setting] = await tx.raw<{ v: string; r: string }>(
            "SELECT current_setting('app.owner', true) AS v, current_user AS r",
          )
          const visible = await tx.manager(NoteEntity).findAll()
          return { owner, setting, visible: visible.map((n) => n.owner) }
        })
      })
      const results = await within('120 concurrent withContext transactions', Promise.all(runs))
      for (const { owner, setting, visible } of results) {
        expect(setting).toEqual({ v: owner, r: role })
        // Row Level Security saw this transaction's owner: that owner's one note, no other.
        expect(visible).toEqual([owner])
      }
      // Outside the transactions, on the same two server connections: nothing is left set.
      const after = await within(
        'statements after withContext',
        Promise.all(
          Array.from({ length: 20 }, () =>
            db.raw<{ v: string | null; r: string }>(
              "SELECT current_setting('app.owner', true) AS v, current_user AS r",
            ),
          ),
        ),
      )
      for (const [row] of after) {
        expect(row?.v ?? '').toBe('')
        expect(row?.r).not.toBe(role)
      }
    })

    it('keeps each client its own time zone on shared server connections', async () => {
      const tokyo = await connect(txPooler, { pooler: 'transaction', timezone: 'Asia/Tokyo' })
      const utc = await connect(txPooler, { pooler: 'transaction', timezone: 'UTC' })
      const asks = Array.from({ length: 60 }, (_, i) => {
        const [client, zone] = i % 2 === 0 ? [tokyo, 'Asia/Tokyo'] : [utc, 'UTC']
        return client
          .raw<{ tz: string }>('SELECT current_setting(@name) AS tz', { name: 'TimeZone' })
          .then((rows) => rows[0]?.tz === zone)
      })
      const results = await within('time zone statements', Promise.all(asks))
      expect(results.every((ok) => ok)).toBe(true)
    })

    it('migrates: two runners at once apply each migration once, a no-transaction one too', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ke-pgb-migrate-'))
      try {
        await writeFile(
          join(dir, '001_create_tags.up.sql'),
          "CREATE TABLE pgb_tags (id serial PRIMARY KEY, name text NOT NULL);\nINSERT INTO pgb_tags (name) VALUES ('first');\n",
        )
        await writeFile(join(dir, '001_create_tags.down.sql'), 'DROP TABLE pgb_tags;\n')
        await writeFile(
          join(dir, '002_index_tags.up.sql'),
          '-- kysely-entities: no-transaction\nCREATE INDEX CONCURRENTLY pgb_tags_name ON pgb_tags (name);\n',
        )
        await writeFile(join(dir, '002_index_tags.down.sql'), 'DROP INDEX pgb_tags_name;\n')
        const other = await connect(txPooler, { pooler: 'transaction' })
        const [a, b] = await within(
          'two migration runners',
          Promise.all([migrate(db, { dir }), migrate(other, { dir })]),
        )
        const applied = [...(a?.applied ?? []), ...(b?.applied ?? [])].map((m) => m.version)
        expect(applied.sort()).toEqual([1, 2])
        const rows = await direct.raw<{ n: bigint }>('SELECT count(*) AS n FROM pgb_tags')
        expect(rows[0]?.n).toBe(1n)
        const index = await direct.raw("SELECT 1 FROM pg_indexes WHERE indexname = 'pgb_tags_name'")
        expect(index).toHaveLength(1)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })

    it('refuses statementTimeout, a startup parameter PgBouncer does not pass, before connecting', async () => {
      await expect(
        Database.connect({
          url: txPooler.urlFor(server.url),
          tables,
          pooler: 'transaction',
          statementTimeout: 1_000,
        }),
      ).rejects.toThrow(InvalidQueryError)
      await expect(
        Database.connect({ url: server.url, tables, pooler: 'pooled' as 'none' }),
      ).rejects.toThrow(/pooler: expected 'none', 'session' or 'transaction'/)
    })
  })

  describe('default mode (pooler unset)', () => {
    it('detects the pooler at connect: no named prepared statements, 200 concurrent calls succeed', async () => {
      // A pooler of its own: no server connection carries prepared statements of other tests.
      const fresh = await startPgbouncer({ serverUrl: server.url, poolMode: 'transaction' })
      try {
        const db = await connect(fresh)
        const calls = Array.from({ length: 200 }, (_, i) =>
          i % 4 === 0
            ? db.transaction((tx) => tx.raw<{ n: number }>('SELECT @i::int AS n', { i }))
            : i % 4 === 1
              ? db.manager(NoteEntity).findAll({ where: { owner: 'batch' }, limit: 2 })
              : db.raw<{ n: number }>(`SELECT @i::int AS n, ${i % 9} AS k`, { i }),
        )
        const results = await within('200 calls through a detected pooler', Promise.all(calls))
        expect(results).toHaveLength(200)
        const named = await within(
          'prepared statements count',
          // postgres.js's read of the array types on its first connection precedes the detection.
          db.raw<{ n: bigint }>(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement NOT LIKE '%typarray%'",
          ),
        )
        expect(named[0]?.n).toBe(0n)
        await db.close()
      } finally {
        await fresh.stop()
      }
    })

    it('keeps prepared statements on a direct connection (no pooler detected)', async () => {
      const db = await Database.connect({ url: server.url, tables, max: 1 })
      try {
        await db.raw('SELECT @a::int AS a', { a: 1 })
        const named = await db.raw<{ n: bigint }>(
          'SELECT count(*) AS n FROM pg_prepared_statements',
        )
        expect(named[0]?.n).toBeGreaterThan(0n)
      } finally {
        await db.close()
      }
    })

    it("fails fast with PreparedStatementLostError, never hangs, when told 'session' behind a transaction pooler", async () => {
      // A pooler of its own with both server connections open (two transactions at once).
      // PgBouncer hands out its idle server connections last-in first-out.
      const own = await startPgbouncer({ serverUrl: server.url, poolMode: 'transaction' })
      const other = postgres(own.urlFor(server.url), { max: 2, prepare: false, onnotice() {} })
      try {
        await within(
          'opening both server connections',
          Promise.all([0, 1].map(() => other.begin((sql) => sql`SELECT pg_sleep(0.2)`))),
        )
        const db = await connect(own, { pooler: 'session', max: 1, queryDeadline: 10_000 })
        // Prepared on the server connection used last, X ...
        await within(
          'first transaction',
          db.transaction((tx) => tx.raw('SELECT @i::int AS n', { i: 1 })),
        )
        // ... which another client now holds, so the next transaction runs on Y, where the
        // statement was never prepared.
        const held = await within('a held transaction', other.reserve())
        try {
          await within('begin', held.unsafe('BEGIN'))
          const lost = await within(
            'second transaction',
            db
              .transaction((tx) => tx.raw('SELECT @i::int AS n', { i: 2 }))
              .then(
                () => 'committed',
                (error: unknown) => error,
              ),
          )
          expect(lost).toBeInstanceOf(PreparedStatementLostError)
          expect((lost as Error).message).toMatch(/connect with pooler: 'transaction'/)
          // The same sequence, the pooler detected (pooler unset): it commits.
          const detected = await connect(own, { max: 1 })
          await held.unsafe('ROLLBACK')
          await within(
            'detected: first transaction',
            detected.transaction((tx) => tx.raw('SELECT @i::int AS n', { i: 1 })),
          )
          await held.unsafe('BEGIN')
          const rows = await within(
            'detected: second transaction',
            detected.transaction((tx) => tx.raw<{ n: number }>('SELECT @i::int AS n', { i: 2 })),
          )
          expect(rows).toEqual([{ n: 2 }])
        } finally {
          await held.unsafe('ROLLBACK').catch(() => {})
          held.release()
        }
      } finally {
        await other.end({ timeout: 1 })
        await own.stop()
      }
    })
  })

  describe('session pooling', () => {
    it('works with the defaults: managers, transactions, withContext and 200 concurrent calls', async () => {
      const db = await connect(sessionPooler)
      const m = db.manager(NoteEntity)
      const calls = Array.from({ length: 200 }, (_, i) =>
        i % 3 === 0
          ? db.withContext({ settings: { 'app.owner': `owner${i % 20}` }, role }, (tx) =>
              tx.manager(NoteEntity).findAll(),
            )
          : i % 3 === 1
            ? m.findAll({ where: { owner: 'batch' }, limit: 3 })
            : db.raw('SELECT @i::int AS n', { i }),
      )
      const results = await within('200 calls through a session pooler', Promise.all(calls))
      for (let i = 0; i < 200; i += 3) {
        expect((results[i] as NoteEntity[]).map((n) => n.owner)).toEqual([`owner${i % 20}`])
      }
    })

    it("with pooler: 'session', keeps named prepared statements", async () => {
      const db = await connect(sessionPooler, { pooler: 'session', max: 1 })
      await within('a prepared statement', db.raw('SELECT @a::int AS a', { a: 1 }))
      const named = await within(
        'prepared statements count',
        db.raw<{ n: bigint }>('SELECT count(*) AS n FROM pg_prepared_statements'),
      )
      expect(named[0]?.n).toBeGreaterThan(0n)
    })
  })
})
