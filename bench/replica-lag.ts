// Replica lag and the cost of read-your-writes, on a real streaming standby started by
// startPostgres({ standbys: 1 }). Run: npx tsx bench/replica-lag.ts [--writes 300]
//
// 1. Replay lag: a commit on the primary, then how long until the standby has replayed it
//    (pg_last_wal_replay_lsn() >= the primary's pg_current_wal_insert_lsn() after the commit),
//    polled every 0.2 ms; with synchronous_commit off (the test servers' setting) and on.
// 2. Read-your-writes: insert + findById through a Database with the standby as replica, against
//    the same pair on a Database without replicas; and what fetching the primary's WAL position
//    after every write (the eager alternative) would add to a write.
import { performance } from 'node:perf_hooks'
import postgres from 'postgres'
import { column as c, Database, defineTable, Entity } from '../src/index'
import { startPostgres } from '../src/testing/index'

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const WRITES = arg('writes', 300)

const notes = defineTable('notes', { id: c.serial().primaryKey(), body: c.text().notNull() })
class NoteEntity extends Entity.of(notes) {}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
  const f = (x: number) => x.toFixed(2)
  return `min ${f(at(0))} / median ${f(at(0.5))} / p95 ${f(at(0.95))} / max ${f(s[s.length - 1] ?? Number.NaN)} ms (n=${s.length})`
}

async function replayLag(synchronousCommit: 'on' | 'off'): Promise<void> {
  const pg = await startPostgres({
    url: '',
    standbys: 1,
    settings: { synchronous_commit: synchronousCommit },
  })
  const primary = postgres(pg.url, { max: 1, onnotice: () => {} })
  const standby = postgres(pg.standbys[0]?.url as string, { max: 1 })
  try {
    await primary`create table lag (id serial primary key, at timestamptz default now())`
    await pg.standbys[0]?.caughtUp()
    const lags: number[] = []
    for (let i = 0; i < WRITES; i++) {
      await primary`insert into lag default values`
      const committed = performance.now()
      const [row] = await primary`select pg_current_wal_insert_lsn()::text as lsn`
      for (;;) {
        const [r] =
          await standby`select pg_last_wal_replay_lsn() >= ${String(row?.lsn)}::pg_lsn as done`
        if (r?.done === true) break
        await new Promise((resolve) => setTimeout(resolve, 0.2))
      }
      lags.push(performance.now() - committed)
    }
    console.log(`replay lag, synchronous_commit=${synchronousCommit}: ${summary(lags)}`)
  } finally {
    await primary.end()
    await standby.end()
    await pg.stop()
  }
}

async function readYourWrites(): Promise<void> {
  const pg = await startPostgres({ url: '', standbys: 1, settings: { synchronous_commit: 'on' } })
  const raw = postgres(pg.url, { max: 1, onnotice: () => {} })
  await raw`create table notes (id serial primary key, body text not null)`
  await raw.end()
  await pg.standbys[0]?.caughtUp()
  const tables = { notes }
  const withReplica = await Database.connect({
    url: pg.url,
    replicas: [pg.standbys[0]?.url as string],
    tables,
  })
  const primaryOnly = await Database.connect({ url: pg.url, tables })
  const lsn = postgres(pg.url, { max: 1 })
  try {
    for (const [name, db] of [
      ['primary only', primaryOnly],
      ['replica, read-your-writes', withReplica],
    ] as const) {
      const m = db.manager(NoteEntity)
      const pairs: number[] = []
      let misses = 0
      for (let i = 0; i < WRITES; i++) {
        const t0 = performance.now()
        const note = await m.insert({ body: `n${i}` })
        const found = await m.findById(note.id)
        pairs.push(performance.now() - t0)
        if (found === null) misses++
      }
      console.log(
        `insert + findById, ${name}: ${summary(pairs)}; reads that missed the write: ${misses}`,
      )
    }
    // The eager alternative: one more statement on the primary after every write.
    const extra: number[] = []
    for (let i = 0; i < WRITES; i++) {
      const t0 = performance.now()
      await lsn`select pg_current_wal_insert_lsn()::text as lsn`
      extra.push(performance.now() - t0)
    }
    console.log(
      `select pg_current_wal_insert_lsn() on the primary (eager cost per write): ${summary(extra)}`,
    )
  } finally {
    await lsn.end()
    await withReplica.close()
    await primaryOnly.close()
    await pg.stop()
  }
}

const t0 = performance.now()
const pg = await startPostgres({ url: '', standbys: 1 })
console.log(`primary + standby started in ${(performance.now() - t0).toFixed(0)} ms`)
await pg.stop()
await replayLag('off')
await replayLag('on')
await readYourWrites()
