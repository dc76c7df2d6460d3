import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { isRoot, serverUser } from '../../src/testing/server-user'
import { freePort } from '../../src/testing/start-postgres'
import type { ComponentProbe } from './component'

// A real PgBouncer for the tests, started per test file: its own ini, port, auth file and log in a
// temporary directory, in front of the test's server. Debian's system service is never used.

const DEBIAN_PATH = '/usr/sbin/pgbouncer'

/** The pgbouncer binary: on PATH, else where Debian's package puts it; undefined when absent. */
export function pgbouncerBinary(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '')
  for (const candidate of [...dirs.map((d) => join(d, 'pgbouncer')), DEBIAN_PATH]) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** Whether a pgbouncer binary is here, and its version (`PgBouncer 1.18.0`). */
export function probePgbouncer(): ComponentProbe & { readonly version?: string } {
  const binary = pgbouncerBinary()
  if (binary === undefined) {
    return {
      ok: false,
      reason: 'no pgbouncer binary on PATH or at /usr/sbin/pgbouncer (apt-get install pgbouncer)',
    }
  }
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? ''
    return { ok: true, version }
  } catch (error) {
    return { ok: false, reason: `${binary} --version failed: ${String(error)}` }
  }
}

/** Options of {@link startPgbouncer}. */
export interface PgbouncerOptions {
  /** `postgres://user:password@host:port/db` of the server to pool. */
  readonly serverUrl: string
  readonly poolMode: 'session' | 'transaction' | 'statement'
  /** Server connections per (database, user) pair. Default 2: server connections are shared. */
  readonly poolSize?: number
  /** More `[pgbouncer]` settings, e.g. `{ max_prepared_statements: 200 }` (1.21 and later). */
  readonly settings?: Readonly<Record<string, string | number>>
}

/** A running pgbouncer: `urlFor(db)` connects to database `db` through it. */
export interface Pgbouncer {
  readonly port: number
  /** The URL of `serverDatabaseUrl`'s database through the pooler (no password: trust). */
  urlFor(serverDatabaseUrl: string): string
  /** Its log so far (connections, errors such as "idle server got dirty"). */
  log(): Promise<string>
  stop(): Promise<void>
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = performance.now() + ms
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (performance.now() > deadline) throw new Error(`pgbouncer did not listen within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Starts pgbouncer (found by {@link pgbouncerBinary}) in front of `serverUrl`: clients connect
 * with `auth_type=trust` as the server's user; pgbouncer logs in to the server with the URL's
 * password. As root, it runs as the `postgres` OS user (pgbouncer refuses to run as root).
 */
export async function startPgbouncer(options: PgbouncerOptions): Promise<Pgbouncer> {
  const binary = pgbouncerBinary()
  if (binary === undefined) throw new Error('no pgbouncer binary')
  const server = new URL(options.serverUrl)
  const user = decodeURIComponent(server.username)
  const password = decodeURIComponent(server.password)
  const dir = await mkdtemp(join(tmpdir(), 'kysely-entities-pgbouncer-'))
  const port = await freePort()
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`
  const settings: Record<string, string | number> = {
    listen_addr: '127.0.0.1',
    listen_port: port,
    unix_socket_dir: '',
    auth_type: 'trust',
    auth_file: join(dir, 'users.txt'),
    pool_mode: options.poolMode,
    default_pool_size: options.poolSize ?? 2,
    max_client_conn: 500,
    logfile: join(dir, 'pgbouncer.log'),
    pidfile: join(dir, 'pgbouncer.pid'),
    // A pooled server connection is checked with a cheap query before it is reused.
    server_check_delay: 0,
    ...options.settings,
  }
  const ini = [
    '[databases]',
    // An empty `password=` spoils the whole entry ("no such database"): a server that trusts its
    // clients (CI's PostgreSQL 15) is given none.
    `* = host=${server.hostname} port=${server.port || 5432} user=${user}${password === '' ? '' : ` password=${password}`}`,
    '[pgbouncer]',
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n')
  await writeFile(join(dir, 'pgbouncer.ini'), ini)
  await writeFile(join(dir, 'users.txt'), `${quote(user)} ${quote(password)}\n`)
  let ids: { uid?: number; gid?: number } = {}
  if (isRoot()) {
    const owner = await serverUser()
    ids = { uid: owner.uid, gid: owner.gid }
    for (const file of ['', 'pgbouncer.ini', 'users.txt']) {
      await chown(join(dir, file), owner.uid, owner.gid)
    }
  }
  const child = spawn(binary, [join(dir, 'pgbouncer.ini')], { ...ids, stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const log = () => readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '')
  try {
    await waitForPort(port, child, 15_000)
  } catch (error) {
    child.kill('SIGKILL')
    const text = await log()
    await rm(dir, { recursive: true, force: true })
    throw new Error(`${String(error)}; its log:\n${text}`)
  }
  return {
    port,
    urlFor(serverDatabaseUrl: string) {
      const url = new URL(serverDatabaseUrl)
      return `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}${url.pathname}`
    },
    log,
    async stop() {
      if (child.exitCode === null) {
        // SIGTERM: immediate shutdown (SIGINT would wait for clients to leave).
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
