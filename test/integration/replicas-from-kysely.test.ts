import {
  type CompiledQuery,
  Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresDialect,
} from 'kysely'
import { PostgresJSDialect } from 'kysely-postgres-js'
import { Pool } from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createPostgresClient,
  Database,
  type FromKyselyOptions,
  PostgresJsDialect,
  type ReplicaEvent,
  sql,
} from '../../src/index'
import type { PostgresServer } from '../../src/testing/index'
import { componentSuite, embeddedColumnOnly } from '../setup/component'
import { within } from '../setup/hang-guards'
import { IS_STANDBY, NoteEntity, notes, startWithStandby } from '../setup/standby-fixture'

// Database.fromKysely(primary, { replicas: [replicaKysely] }) on a primary and a streaming
// standby of its own (the component), with Kysely instances of three dialects: this package's
// PostgresJsDialect, kysely-postgres-js, and Kysely's own PostgresDialect on pg.
const started = embeddedColumnOnly('a primary and its standby') ?? (await startWithStandby())

const tables = { notes }
type Options = Omit<FromKyselyOptions<typeof tables>, 'tables'>

const standbyOf = (rows: readonly { standby?: unknown }[]) => rows[0]?.standby === true

/** A Kysely instance on `url`, of one of the two dialects. */
const dialects = {
  'postgres.js (PostgresJsDialect)': (url: string, plugins: KyselyPlugin[] = []) =>
    new Kysely<any>({
      dialect: new PostgresJsDialect({
        sql: createPostgresClient({ url, max: 4 }),
        ownsClient: true,
      }),
      plugins,
    }),
  'postgres.js (kysely-postgres-js)': (url: string, plugins: KyselyPlugin[] = []) =>
    new Kysely<any>({
      dialect: new PostgresJSDialect({ postgres: postgres(url, { max: 4, onnotice: () => {} }) }),
      plugins,
    }),
  'pg (Kysely PostgresDialect)': (url: string, plugins: KyselyPlugin[] = []) =>
    new Kysely<any>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: url, max: 4 }) }),
      plugins,
    }),
} as const
type DialectName = keyof typeof dialects

/** A plugin of a user's that changes nothing: it counts the statements whose results it sees. */
class CountingPlugin implements KyselyPlugin {
  results = 0
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    this.results++
    return args.result
  }
}

componentSuite(
  'Database.fromKysely with read replicas on a real streaming standby',
  started,
  () => {
    let pg: PostgresServer
    let primary: postgres.Sql
    const opened: Database<typeof tables>[] = []
    const open = (dialect: DialectName, options: Options = {}, replicaUrl?: string) => {
      const make = dialects[dialect]
      const db = Database.fromKysely(make(pg.url), {
        replicas: [make(replicaUrl ?? (pg.standbys[0]?.url as string))],
        replicaCheckInterval: 50,
        ...options,
        tables,
      })
      opened.push(db)
      return db
    }
    const whereRead = (db: Database<typeof tables>, id: number) =>
      db
        .manager(NoteEntity)
        .query()
        .select(['body', sql<boolean>`pg_is_in_recovery()`.as('standby')])
        .where('id', '=', id)
        .execute<{ body: string; standby: boolean }>()

    beforeAll(async () => {
      if (!started.ok) return
      pg = started.pg
      primary = postgres(pg.url, { max: 2, onnotice: () => {} })
      await primary`create table notes (id serial primary key, body text not null)`
      await within('the standby to replay the table', pg.standbys[0]?.caughtUp() as Promise<void>)
    })
    afterAll(async () => {
      for (const db of opened) await db.close().catch(() => {})
      await primary?.end({ timeout: 5 })
      await pg?.stop()
    })

    for (const dialect of Object.keys(dialects) as DialectName[]) {
      it(`sends reads to the replica and everything else to the primary (${dialect})`, async () => {
        const db = open(dialect)
        const read = await within('a read', db.executeRead(sql.raw(IS_STANDBY).compile(db.kysely)))
        expect(standbyOf(read.rows as { standby?: unknown }[])).toBe(true)
        expect(standbyOf(await db.raw(IS_STANDBY))).toBe(false)
        const forced = await db.primary.executeRead(sql.raw(IS_STANDBY).compile(db.kysely))
        expect(standbyOf(forced.rows as { standby?: unknown }[])).toBe(false)
        expect(standbyOf(await db.transaction((tx) => tx.raw(IS_STANDBY)))).toBe(false)
        // A read-only transaction: through the replica instance's own transaction().
        const ro = await within(
          'a read-only transaction',
          db.transaction((tx) => tx.raw(IS_STANDBY), { accessMode: 'read only' }),
        )
        expect(standbyOf(ro)).toBe(true)
        expect(db.replicas()).toEqual([
          {
            url: 'replicas[0]',
            state: 'up',
            healthy: true,
            lagMs: expect.any(Number),
            reason: undefined,
          },
        ])
      })

      it(`a read right after a write through the Database sees it, on the replica (${dialect})`, async () => {
        const db = open(dialect, { maxReplayWait: 10_000 })
        const manager = db.manager(NoteEntity)
        for (let i = 0; i < 10; i++) {
          const note = await manager.insert({ body: `${dialect} ${i}` })
          // The read waits (up to 10 s) for the replica to replay the insert: it never misses it.
          expect(await within('the read after the write', whereRead(db, note.id))).toEqual([
            { body: `${dialect} ${i}`, standby: true },
          ])
          expect((await manager.findById(note.id))?.body).toBe(`${dialect} ${i}`)
        }
      })
    }

    it('a read after a write reads the primary once maxReplayWait has passed, and the replica again once it replayed', async () => {
      const db = open('pg (Kysely PostgresDialect)', {
        maxReplicaLag: Number.POSITIVE_INFINITY,
        maxReplayWait: 200,
      })
      const standby = pg.standbys[0]
      await standby?.pauseReplay()
      try {
        const note = await db.manager(NoteEntity).insert({ body: 'paused' })
        expect(await within('the read during the pause', whereRead(db, note.id))).toEqual([
          { body: 'paused', standby: false },
        ])
      } finally {
        await standby?.resumeReplay()
      }
      await within('the standby to catch up', standby?.caughtUp() as Promise<void>)
      const [note] = await db.manager(NoteEntity).findAll({ where: { body: 'paused' } })
      expect(await whereRead(db, note?.id as number)).toEqual([{ body: 'paused', standby: true }])
    })

    it('db.session(token) carries read-your-writes to another fromKysely Database', async () => {
      const options: Options = {
        readYourWrites: 'session',
        maxReplicaLag: Number.POSITIVE_INFINITY,
        maxReplayWait: 200,
      }
      const writer = open('postgres.js (PostgresJsDialect)', options)
      const reader = open('pg (Kysely PostgresDialect)', options)
      const standby = pg.standbys[0]
      await standby?.pauseReplay()
      try {
        const session = writer.session()
        const note = await session.manager(NoteEntity).insert({ body: 'in a session' })
        const token = await session.sessionToken()
        expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
        // Outside a session the reader waits for nothing: the replica, which misses the row.
        expect(await whereRead(reader, note.id)).toEqual([])
        // In a session from the token: the primary, since the replica has not replayed it.
        expect(await whereRead(reader.session(token), note.id)).toEqual([
          { body: 'in a session', standby: false },
        ])
      } finally {
        await standby?.resumeReplay()
      }
    })

    it('the first read waits for the first health check: a replica that is not a standby is never read', async () => {
      const counting = new CountingPlugin()
      const events: ReplicaEvent[] = []
      const db = Database.fromKysely(dialects['pg (Kysely PostgresDialect)'](pg.url), {
        tables,
        // The primary given as a replica, by mistake.
        replicas: [dialects['pg (Kysely PostgresDialect)'](pg.url, [counting])],
        allowPlugins: [CountingPlugin],
        onReplicaEvent: (e) => events.push(e),
      })
      opened.push(db)
      expect(counting.results).toBe(0)
      await within('a read', db.manager(NoteEntity).findAll({ limit: 1 }))
      // The health check ran on it (one statement), the read did not.
      expect(counting.results).toBe(1)
      expect(db.replicas()).toEqual([
        expect.objectContaining({
          url: 'replicas[0]',
          state: 'down',
          reason: expect.stringMatching(/not a standby/),
        }),
      ])
      expect(events).toEqual([
        expect.objectContaining({ type: 'replica_down', replica: 'replicas[0]' }),
      ])
    })

    it('a replica that refuses connections is left out: reads run on the primary', async () => {
      // A port nothing listens on: the replica is down from the start.
      const dead = `postgres://postgres@127.0.0.1:1/postgres`
      // Not with kysely-postgres-js: its destroy() is postgres.js's end() without a timeout, which
      // waits for the health check queued on the connection postgres.js keeps retrying to the
      // dead port, so db.close() waits with it (the instance's own driver decides; see the
      // README). This package's PostgresJsDialect and pg's pool end at once.
      const ending = (Object.keys(dialects) as DialectName[]).filter(
        (d) => d !== 'postgres.js (kysely-postgres-js)',
      )
      for (const dialect of ending) {
        const db = open(dialect, {}, dead)
        const read = await within('a read', db.executeRead(sql.raw(IS_STANDBY).compile(db.kysely)))
        expect(standbyOf(read.rows as { standby?: unknown }[])).toBe(false)
        expect(db.replicas()).toEqual([expect.objectContaining({ state: 'down' })])
      }
    })

    it('close() destroys the primary and replica instances', async () => {
      const make = dialects['pg (Kysely PostgresDialect)']
      const primaryKysely = make(pg.url)
      const replica = make(pg.standbys[0]?.url as string)
      const db = Database.fromKysely(primaryKysely, { tables, replicas: [replica] })
      const read = await within('a read', db.executeRead(sql.raw(IS_STANDBY).compile(db.kysely)))
      expect(standbyOf(read.rows as { standby?: unknown }[])).toBe(true)
      await within('close', db.close())
      const one = sql.raw('select 1').compile(replica) as CompiledQuery
      await expect(replica.executeQuery(one)).rejects.toThrow()
      await expect(primaryKysely.executeQuery(one)).rejects.toThrow()
    })
  },
)
