import { appendFile, chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import postgres from 'postgres'
import {
  requireFeature,
  SERVER_VERSION_COLUMN,
  serverFeatures,
  versionOfRow,
} from '../server-features'
import { cleanupWatchdog } from './cleanup-watchdog'
import { copyDataDirectory } from './copy-data-directory'
import type { EmbeddedBinaries } from './embedded-binaries'
import { EmbeddedServer, explainStartFailure } from './embedded-server'
import { PostgresStartError } from './postgres-start-error'
import type { ServerUser } from './server-user'

/**
 * A streaming standby of an embedded primary ({@link startPostgres} with `standbys`): a hot
 * standby that takes read-only connections and replays the primary's WAL as it comes. Tests use
 * it to see what reads do on a replica that is down or behind.
 *
 * @example
 * ```ts
 * const pg = await startPostgres({ url: '', standbys: 1 })
 * const [standby] = pg.standbys
 * await standby.pauseReplay()   // the standby keeps answering, with older data
 * await standby.resumeReplay()
 * await standby.kill()          // as a crash would (SIGKILL)
 * await standby.resume()        // started again; it catches up from its replication slot
 * await pg.stop()               // stops the standbys too
 * ```
 */
export interface StandbyServer {
  /** Connection URL of the standby's `postgres` database (read only). */
  readonly url: string
  /** Its replication slot on the primary, also its `application_name` there (`standby_1`...). */
  readonly name: string
  /** True while the standby's server process runs (false after pause, kill or stop). */
  readonly running: boolean
  /** Stops the standby with a fast shutdown, keeping its data and port, until {@link resume}. */
  pause(): Promise<void>
  /**
   * Ends the standby's server process with `SIGKILL`, as a crash would: its connections break at
   * once. Resolves when the process is gone; {@link resume} starts it again.
   */
  kill(): Promise<void>
  /** Starts a paused or killed standby again; resolves when it streams from the primary again. */
  resume(): Promise<void>
  /** `pg_wal_replay_pause()`: the standby keeps answering reads but stops applying the WAL. */
  pauseReplay(): Promise<void>
  /** `pg_wal_replay_resume()`: the standby applies the WAL it received meanwhile. */
  resumeReplay(): Promise<void>
  /**
   * Resolves once the standby has replayed everything the primary had written when it was
   * called (`pg_last_wal_replay_lsn() >= pg_current_wal_insert_lsn()` of the primary); throws
   * {@link PostgresStartError} after `timeout` ms (default 30,000).
   */
  caughtUp(timeout?: number): Promise<void>
  /** Stops the standby and removes its folder (the primary's `stop()` calls it). */
  stop(): Promise<void>
}

/** What {@link startStandby} needs of the primary it copies. */
export interface StandbyConfig {
  /** The standby's name: its replication slot and `application_name`. */
  readonly name: string
  readonly primaryUrl: string
  readonly primaryPort: number
  readonly primaryDataDir: string
  readonly binaries: EmbeddedBinaries
  readonly user: ServerUser | undefined
  /** The folder to make the standby's temporary folder in (reachable by `user`). */
  readonly base: string
  readonly port: number
  readonly password: string
  readonly settings: Readonly<Record<string, string | number>>
  readonly onLog: (line: string) => void
}

const STREAMING_TIMEOUT_MS = 30_000
const SHARED_MEMORY_IN_USE = /pre-existing shared memory block .* is still in use/
const HELD_MEMORY_ATTEMPTS = 40

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One short session on `url`: runs `fn`, then ends the connection whatever happened. */
async function withSession<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 })
  try {
    return await fn(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/**
 * Takes a low-level base backup of the running primary in ONE session (a replication slot
 * reserving WAL, `pg_backup_start`, a copy of its data directory, `pg_backup_stop` and its
 * `backup_label`/`tablespace_map`), makes it a standby (`standby.signal`, `primary_conninfo`,
 * `primary_slot_name`) and starts it on its own port; resolves once it streams WAL from the
 * primary. Needs the embedded binaries only (no `pg_basebackup`). The standby's folder has a
 * cleanup watcher of its own, so a killed test process leaves no standby behind.
 *
 * @example
 * ```ts
 * const standby = await startStandby({ name: 'standby_1', primaryUrl, primaryPort, primaryDataDir,
 *   binaries, user, base: '/tmp', port: 5433, password: 'postgres', settings: {}, onLog })
 * ```
 */
export async function startStandby(config: StandbyConfig): Promise<StandbyServer> {
  const { name, user, port, password } = config
  const dir = await mkdtemp(join(config.base, 'kysely-entities-standby-'))
  await chmod(dir, 0o755)
  const dataDir = join(dir, 'data')
  const watchdog = cleanupWatchdog(dir, dataDir)
  const log: string[] = []
  const onLog = (line: string) => {
    log.push(line)
    if (log.length > 500) log.shift()
    config.onLog(`[${name}] ${line}`)
  }
  const server = new EmbeddedServer({
    binaries: config.binaries,
    dataDir,
    port,
    user,
    password,
    settings: { ...config.settings, hot_standby: 'on', hot_standby_feedback: 'on' },
    onLog,
  })
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`
  const removeAll = async () => {
    await server.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true, maxRetries: 5 })
    watchdog.disarm()
  }

  try {
    await baseBackup(config, dataDir)
    await writeFile(join(dataDir, 'standby.signal'), '')
    await appendFile(
      join(dataDir, 'postgresql.auto.conf'),
      `\nprimary_conninfo = 'host=127.0.0.1 port=${config.primaryPort} user=postgres ` +
        `password=${password} application_name=${name}'\nprimary_slot_name = '${name}'\n`,
    )
    if (user !== undefined) {
      await chown(join(dataDir, 'standby.signal'), user.uid, user.gid)
      await chown(join(dataDir, 'postgresql.auto.conf'), user.uid, user.gid)
    }
    await server.start()
    await streaming(url)
  } catch (cause) {
    await removeAll().catch(() => {})
    await withSession(config.primaryUrl, (sql) =>
      sql`select pg_drop_replication_slot(slot_name) from pg_replication_slots
          where slot_name = ${name} and not active`.then(() => {}),
    ).catch(() => {})
    throw new PostgresStartError(
      `The standby ${name} of the embedded PostgreSQL failed to start on port ${port}: ${explainStartFailure(log, cause)}`,
      { cause },
    )
  }

  let stopped = false
  let queue: Promise<unknown> = Promise.resolve()
  const serially = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(() => {
      if (stopped) throw new PostgresStartError(`The standby ${name} was stopped`)
      return step()
    })
    queue = next.catch(() => {})
    return next
  }
  const onStandby = (text: string) =>
    serially(() => withSession(url, (sql) => sql.unsafe(text).then(() => {})))

  return {
    url,
    name,
    get running() {
      return !stopped && server.running
    },
    pause: () => serially(() => server.stop()),
    kill: () =>
      serially(async () => {
        const pid = server.pid
        if (pid === undefined) return
        process.kill(pid, 'SIGKILL')
        // Reaps the process (and forgets it) once its exit is seen.
        await server.stop()
      }),
    resume: () =>
      serially(async () => {
        if (server.running && (await server.answers())) return
        await server.stop()
        for (let attempt = 1; ; attempt++) {
          log.length = 0
          try {
            await server.start()
            break
          } catch (cause) {
            // Backends of a killed server hold its shared memory until they notice it is gone.
            if (log.some((l) => SHARED_MEMORY_IN_USE.test(l)) && attempt < HELD_MEMORY_ATTEMPTS) {
              await sleep(500)
              continue
            }
            throw new PostgresStartError(
              `The standby ${name} failed to start again on port ${port}: ${explainStartFailure(log, cause)}`,
              { cause },
            )
          }
        }
        await streaming(url)
      }),
    pauseReplay: () => onStandby('select pg_wal_replay_pause()'),
    resumeReplay: () => onStandby('select pg_wal_replay_resume()'),
    caughtUp: async (timeout = STREAMING_TIMEOUT_MS) => {
      const [row] = await withSession(
        config.primaryUrl,
        (sql) => sql`select pg_current_wal_insert_lsn()::text as lsn`,
      )
      const target = String(row?.lsn)
      const deadline = Date.now() + timeout
      await withSession(url, async (sql) => {
        for (;;) {
          const [r] = await sql`select pg_last_wal_replay_lsn() >= ${target}::pg_lsn as done`
          if (r?.done === true) return
          if (Date.now() > deadline) {
            throw new PostgresStartError(
              `The standby ${name} did not replay the primary's WAL up to ${target} within ${timeout} ms`,
            )
          }
          await sleep(5)
        }
      })
    },
    stop: async () => {
      // Not queued behind a pause or resume that hangs: stop always ends the standby.
      if (stopped) return
      stopped = true
      await queue
      await removeAll()
    },
  }
}

// The low-level base backup, in one session of the primary: pg_backup_start and pg_backup_stop
// must be called on the same connection, and the copy made between them.
async function baseBackup(config: StandbyConfig, dataDir: string): Promise<void> {
  await withSession(config.primaryUrl, async (sql) => {
    const session = await sql.reserve()
    try {
      // pg_backup_start is PostgreSQL 15 (before: pg_start_backup): refused by name on older.
      const [row] = await session.unsafe(`select ${SERVER_VERSION_COLUMN}`)
      requireFeature(
        serverFeatures(versionOfRow(row) ?? 0),
        'backupStart',
        "a standby's base backup",
      )
      await session`select pg_create_physical_replication_slot(${config.name}, true)`
      await session`select pg_backup_start(${config.name}, true)`
      await copyDataDirectory(config.primaryDataDir, dataDir, config.user)
      const [stop] = await session`select labelfile, spcmapfile from pg_backup_stop(false)`
      await writeFile(join(dataDir, 'backup_label'), String(stop?.labelfile))
      const spcmap = String(stop?.spcmapfile ?? '')
      if (spcmap !== '') await writeFile(join(dataDir, 'tablespace_map'), spcmap)
      if (config.user !== undefined) {
        await chown(join(dataDir, 'backup_label'), config.user.uid, config.user.gid)
        if (spcmap !== '') {
          await chown(join(dataDir, 'tablespace_map'), config.user.uid, config.user.gid)
        }
      }
    } finally {
      session.release()
    }
  })
}

// Waits until the standby's WAL receiver streams from the primary.
async function streaming(url: string): Promise<void> {
  const deadline = Date.now() + STREAMING_TIMEOUT_MS
  await withSession(url, async (sql) => {
    for (;;) {
      const [row] = await sql`select status from pg_stat_wal_receiver`
      if (row?.status === 'streaming') return
      if (Date.now() > deadline) {
        throw new Error(`the standby did not stream WAL within ${STREAMING_TIMEOUT_MS} ms`)
      }
      await sleep(20)
    }
  })
}
