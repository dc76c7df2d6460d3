import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ConnectOptions,
  Database,
  type QueryEvent,
  type ReplicaEvent,
  sql,
} from '../../src/index'
import type { PostgresServer } from '../../src/testing/index'
import { componentSuite, embeddedColumnOnly } from '../setup/component'
import { sleep, waitFor, within } from '../setup/hang-guards'
import { IS_STANDBY, NoteEntity, notes, startWithStandby } from '../setup/standby-fixture'

// A primary and a streaming standby of its own, started from the embedded binaries: the
// standby is the component. The probe starts it; a machine where that fails reports why.
const started = embeddedColumnOnly('a primary and its standby') ?? (await startWithStandby())

const tables = { notes }

const standbyOf = (row: { standby?: unknown } | undefined) => row?.standby === true

componentSuite('read replicas on a real streaming standby', started, () => {
  let pg: PostgresServer
  let primary: postgres.Sql
  const opened: Database<typeof tables>[] = []
  const connect = async (options: Partial<ConnectOptions<typeof tables>> = {}) => {
    const db = await Database.connect({
      url: pg.url,
      replicas: [pg.standbys[0]?.url as string],
      replicaCheckInterval: 50,
      ...options,
      tables,
    })
    opened.push(db)
    return db
  }

  beforeAll(async () => {
    if (!started.ok) return
    pg = started.pg
    primary = postgres(pg.url, { max: 2, onnotice: () => {} })
    await primary`create table notes (id serial primary key, body text not null)`
    await within('the standby to replay the table', pg.standbys[0]?.caughtUp() as Promise<void>)
  })
  afterAll(async () => {
    for (const db of opened) await db.close({ timeout: 1_000 }).catch(() => {})
    await primary?.end({ timeout: 5 })
    await pg?.stop()
  })

  it('sends reads to the replica and everything else to the primary', async () => {
    const db = await connect()
    const seen: QueryEvent[] = []
    db.on('query', (e) => seen.push(e))
    const read = await within(
      'a read',
      db.executeRead<{ standby: boolean }>(sql.raw(IS_STANDBY).compile(db.kysely)),
    )
    expect(standbyOf(read.rows[0])).toBe(true)
    // raw SQL, db.primary and read-write transactions: the primary.
    expect(standbyOf((await db.raw(IS_STANDBY))[0])).toBe(false)
    const forced = await db.primary.executeRead<{ standby: boolean }>(
      sql.raw(IS_STANDBY).compile(db.kysely),
    )
    expect(standbyOf(forced.rows[0])).toBe(false)
    const rw = await db.transaction((tx) => tx.raw(IS_STANDBY))
    expect(standbyOf(rw[0])).toBe(false)
    // A read-only transaction: the replica.
    const ro = await db.transaction((tx) => tx.raw(IS_STANDBY), { accessMode: 'read only' })
    expect(standbyOf(ro[0])).toBe(true)
    // EntityQuery terminals are reads too.
    await primary`insert into notes (body) values ('routing')`
    await pg.standbys[0]?.caughtUp()
    const [row] = await db
      .manager(NoteEntity)
      .query()
      .select([sql<boolean>`pg_is_in_recovery()`.as('standby')])
      .limit(1)
      .execute<{ standby: boolean }>()
    expect(row?.standby).toBe(true)
    expect(db.replicas()).toEqual([
      expect.objectContaining({
        state: 'up',
        healthy: true,
        url: expect.not.stringContaining(':postgres@'),
      }),
    ])
    // The events say where each statement ran (the health checks, also events, are left out).
    const where = (pick: (e: QueryEvent) => boolean) => seen.filter(pick).map((e) => e.connection)
    expect(where((e) => e.text === IS_STANDBY)).toEqual([
      'replica',
      'primary',
      'primary',
      'primary',
      'replica',
    ])
    expect(where((e) => e.operation === 'SELECT' && e.collection === 'notes')).toEqual(['replica'])
    // The stats cover the replica's pool too.
    const stats = db.stats()
    expect(stats.replicas).toHaveLength(1)
    expect(stats.replicas[0]?.server).not.toBe(stats.primary.server)
  })

  it('finders read the replica (which misses what it has not replayed); db.primary reads the primary', async () => {
    const db = await connect({ maxReplicaLag: Number.POSITIVE_INFINITY })
    const standby = pg.standbys[0]
    await standby?.pauseReplay()
    try {
      // Written by another client: db knows nothing of it, so its reads do not wait for it.
      const [inserted] = await primary`insert into notes (body) values ('unreplayed') returning id`
      const id = Number(inserted?.id)
      const notesOfDb = db.manager(NoteEntity)
      expect(await notesOfDb.findById(id)).toBeNull()
      expect(await notesOfDb.count({ where: { id } })).toBe(0)
      expect(await notesOfDb.query().where('id', '=', id).all()).toEqual([])
      expect((await db.primary.manager(NoteEntity).findById(id))?.body).toBe('unreplayed')
    } finally {
      await standby?.resumeReplay()
    }
  })

  // synchronous_commit off: a commit that returned may not be written out yet (the position to
  // wait for is then pg_current_wal_insert_lsn(), not pg_current_wal_lsn()), and it reaches the
  // replica only when the WAL writer flushes it.
  for (const [synchronousCommit, rounds] of [
    ['on', 25],
    ['off', 8],
  ] as const) {
    it(`every read after a write sees it, under a stream of concurrent writes (synchronous_commit ${synchronousCommit})`, async () => {
      await primary.unsafe(`alter database postgres set synchronous_commit = ${synchronousCommit}`)
      try {
        const db = await connect({ maxReplayWait: 5_000 })
        const manager = db.manager(NoteEntity)
        let onReplica = 0
        const worker = async (w: number) => {
          for (let i = 0; i < rounds; i++) {
            const note = await manager.insert({ body: `w${w}-${i}` })
            // Right after the write: a finder, and a query that also says which server answered.
            expect((await manager.findById(note.id))?.body).toBe(`w${w}-${i}`)
            const [row] = await manager
              .query()
              .select(['body', sql<boolean>`pg_is_in_recovery()`.as('standby')])
              .where('id', '=', note.id)
              .execute<{ body: string; standby: boolean }>()
            expect(row?.body).toBe(`w${w}-${i}`)
            if (row?.standby === true) onReplica++
          }
        }
        await within(
          'the write/read stream',
          Promise.all(Array.from({ length: 8 }, (_, w) => worker(w))),
          60_000,
        )
        // The replica served them (the guarantee is not met by reading the primary every time).
        expect(onReplica).toBeGreaterThan(0)
        expect(await db.sessionToken()).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/)
      } finally {
        await primary.unsafe('alter database postgres reset synchronous_commit')
      }
    })
  }

  it('a read after a write waits for the replica, and reads the primary past maxReplayWait', async () => {
    const db = await connect({ maxReplicaLag: Number.POSITIVE_INFINITY, maxReplayWait: 200 })
    const standby = pg.standbys[0]
    await standby?.pauseReplay()
    try {
      const note = await db.manager(NoteEntity).insert({ body: 'waited for' })
      // The replica has not replayed it and will not within 200 ms: the read goes to the primary.
      const [row] = await db
        .manager(NoteEntity)
        .query()
        .select(['body', sql<boolean>`pg_is_in_recovery()`.as('standby')])
        .where('id', '=', note.id)
        .execute<{ body: string; standby: boolean }>()
      expect(row).toEqual({ body: 'waited for', standby: false })
      // Waited on: a read that starts while replay is paused gets the row once replay resumes.
      const second = await db.manager(NoteEntity).insert({ body: 'second' })
      const patient = await connect({
        maxReplicaLag: Number.POSITIVE_INFINITY,
        maxReplayWait: 20_000,
      })
      const fromSession = patient.session(await db.sessionToken())
      const pending = fromSession
        .manager(NoteEntity)
        .query()
        .select(['body', sql<boolean>`pg_is_in_recovery()`.as('standby')])
        .where('id', '=', second.id)
        .execute<{ body: string; standby: boolean }>()
      await sleep(100)
      await standby?.resumeReplay()
      expect(await within('the waiting read', pending)).toEqual([{ body: 'second', standby: true }])
    } finally {
      await standby?.resumeReplay()
    }
  })

  it('leaves out a lagging replica, reads the primary meanwhile, and takes it back once it caught up', async () => {
    const events: ReplicaEvent[] = []
    const db = await connect({ maxReplicaLag: 300, onReplicaEvent: (e) => events.push(e) })
    // db.on('replica') hears what onReplicaEvent hears.
    const heard: ReplicaEvent[] = []
    db.on('replica', (e) => heard.push(e))
    const standby = pg.standbys[0]
    await standby?.pauseReplay()
    try {
      await primary`insert into notes (body) values ('lag')`
      await waitFor(
        'the replica to be seen lagging',
        async () => db.replicas()[0]?.state === 'lagging',
        20_000,
      )
      expect(events.map((e) => e.type)).toContain('replica_lagging')
      expect(db.replicas()[0]?.lagMs).toBeGreaterThan(300)
      const { rows } = await db.executeRead<{ standby: boolean }>(
        sql.raw(IS_STANDBY).compile(db.kysely),
      )
      expect(standbyOf(rows[0])).toBe(false)
    } finally {
      await standby?.resumeReplay()
    }
    await waitFor(
      'the replica to be up again',
      async () => db.replicas()[0]?.state === 'up',
      20_000,
    )
    expect(events.map((e) => e.type)).toContain('replica_up')
    expect(heard).toEqual(events)
    const { rows } = await db.executeRead<{ standby: boolean }>(
      sql.raw(IS_STANDBY).compile(db.kysely),
    )
    expect(standbyOf(rows[0])).toBe(true)
  })

  it('loses no read when the replica is killed mid-load, and uses it again once it is back', async () => {
    const events: ReplicaEvent[] = []
    const db = await connect({ onReplicaEvent: (e) => events.push(e) })
    const manager = db.manager(NoteEntity)
    const [seed] = await primary`insert into notes (body) values ('load') returning id`
    const id = Number(seed?.id)
    await pg.standbys[0]?.caughtUp()
    let stop = false
    let reads = 0
    const reader = async () => {
      while (!stop) {
        expect((await manager.findById(id))?.body).toBe('load')
        const ro = await db.transaction((tx) => tx.manager(NoteEntity).findById(id), {
          accessMode: 'read only',
        })
        expect(ro?.body).toBe('load')
        reads += 2
      }
    }
    const load = Promise.all(Array.from({ length: 6 }, reader))
    await waitFor('reads to flow', async () => reads > 50, 20_000)
    await pg.standbys[0]?.kill()
    const before = reads
    await waitFor('reads to go on after the kill', async () => reads > before + 100, 20_000)
    stop = true
    await within('the readers', load)
    expect(db.replicas()[0]?.state).toBe('down')
    expect(events.map((e) => e.type)).toContain('replica_down')

    await within('the standby to start again', pg.standbys[0]?.resume() as Promise<void>, 60_000)
    await waitFor(
      'the replica to be up again',
      async () => db.replicas()[0]?.state === 'up',
      30_000,
    )
    const { rows } = await db.executeRead<{ standby: boolean }>(
      sql.raw(IS_STANDBY).compile(db.kysely),
    )
    expect(standbyOf(rows[0])).toBe(true)
    expect(events.map((e) => e.type)).toContain('replica_up')
  })
})
