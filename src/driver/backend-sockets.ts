import { Socket } from 'node:net'
import type postgres from 'postgres'
import { negotiateSsl, type SslSettings } from './ssl-negotiation'

// postgres.js keeps each connection's socket to itself. To close the connection of a statement
// that passed its deadline, the driver must reach that socket: createPostgresClient opens the
// sockets itself (postgres.js's `socket` option), making them secure itself when the client uses
// SSL (postgres.js then sees an open connection and negotiates nothing), and learns which server
// process each one talks to from the BackendKeyData message of the startup, read unencrypted,
// the same process id postgres.js keeps on every statement it sends (`query.state.pid`).

/** A connection's socket as postgres.js uses it, and the TCP or Unix socket under it. */
interface Tracked {
  /** What postgres.js reads and writes: the TLS socket over `raw`, or `raw` itself. */
  readonly socket: Socket
  readonly raw: Socket
}

/** The open connections of one client, by the process id of the server backend behind each. */
type Registry = Map<number, Tracked>

const REGISTRIES = new WeakMap<object, Registry>()

/** Protocol message type of BackendKeyData (`K`) and ReadyForQuery (`Z`). */
const BACKEND_KEY_DATA = 0x4b
const READY_FOR_QUERY = 0x5a

/**
 * Reads the server's startup messages as they arrive on `socket`, without consuming them, until
 * BackendKeyData names the backend's process id: `socket` is then registered under it until it
 * closes. Stops looking at ReadyForQuery (a server that sent none: nothing is registered).
 */
function learnBackend(tracked: Tracked, registry: Registry): void {
  const { socket } = tracked
  let pending: Buffer = Buffer.alloc(0)
  let pid: number | undefined
  const stop = () => socket.removeListener('data', onData)
  const onData = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 5) {
      const type = pending[0]
      const length = pending.readUInt32BE(1)
      if (type === BACKEND_KEY_DATA && pending.length >= 9) {
        pid = pending.readUInt32BE(5)
        registry.set(pid, tracked)
        stop()
        return
      }
      if (type === READY_FOR_QUERY) return stop()
      if (pending.length < 1 + length) return
      pending = pending.subarray(1 + length)
    }
  }
  socket.on('data', onData)
  socket.once('close', () => {
    stop()
    if (pid !== undefined && registry.get(pid) === tracked) registry.delete(pid)
  })
}

/** The parts of postgres.js's parsed options that decide where and how a socket connects. */
interface SocketOptions {
  readonly host: readonly string[]
  readonly port: readonly number[]
  readonly path?: unknown
  readonly ssl?: unknown
  readonly connect_timeout?: unknown
  socket?: unknown
}

/**
 * A socket that fails with `error` once postgres.js listens to it: what the socket factory gives
 * back when the connection could not be made secure. postgres.js hears of a socket factory's own
 * failure only by its promise, and then leaves that connection of its pool connecting for ever;
 * a socket's `error` and `close` it handles as any lost connection (the statement that opened it
 * fails, and the next one connects again).
 */
function failing(
  error: unknown,
  where: { readonly host?: string; readonly port?: number },
): Socket {
  const socket = new Socket()
  Object.assign(socket, where)
  // postgres.js adds its listeners as soon as the factory's promise resolves, before this runs.
  setImmediate(() => socket.destroy(error instanceof Error ? error : new Error(String(error))))
  return socket
}

/**
 * Makes `sql` (a postgres.js client on one host) open its sockets here, as postgres.js would,
 * registering each under its backend's process id once the server names it, for
 * {@link destroyBackendConnection}. With `ssl` (the client's SSL settings, when it was made with
 * `ssl: false` so that postgres.js negotiates nothing) each socket is made secure here as
 * postgres.js would (see {@link negotiateSsl}) before postgres.js gets it. A client on several
 * hosts, one with a socket factory of its own, or one that negotiates SSL itself (made with an
 * `ssl`) is left alone (false): a statement past its deadline then fails without its connection
 * being closed. Call it before the client's first statement.
 *
 * @example
 * ```ts
 * const sql = postgres({ host: 'db', port: 5432, ssl: false })
 * trackBackendSockets(sql, { ssl: 'require' }) // true: SSL negotiated here, pids learnt
 * ```
 */
export function trackBackendSockets(sql: postgres.Sql<any>, ssl?: SslSettings): boolean {
  const options = (sql as unknown as { options?: SocketOptions }).options
  if (options === undefined || REGISTRIES.has(sql)) return false
  // postgres.js negotiates SSL for any truthy `ssl`, reading it when the client is made.
  if (options.ssl || options.host.length > 1 || options.socket !== undefined) return false
  const secure = ssl?.ssl ? ssl : undefined
  const registry: Registry = new Map()
  const path = typeof options.path === 'string' && options.path !== '' ? options.path : undefined
  const host = options.host[0] ?? 'localhost'
  const port = options.port[0] ?? 5432
  const connectTimeout =
    typeof options.connect_timeout === 'number' && options.connect_timeout > 0
      ? options.connect_timeout
      : 0
  const where = path === undefined ? { host, port } : { path }
  const open = () => {
    const socket = new Socket()
    if (path !== undefined) socket.connect(path)
    else {
      socket.connect(port, host)
      // postgres.js names these in its connection errors, as on a socket of its own.
      Object.assign(socket, { host, port })
    }
    return socket
  }
  // postgres.js reads `options.socket` each time it connects: from now on it calls this.
  options.socket = secure
    ? async () => {
        const raw = open()
        try {
          const socket = await negotiateSsl(raw, where, secure, connectTimeout)
          if (socket !== raw) Object.assign(socket, path === undefined ? { host, port } : {})
          learnBackend({ socket, raw }, registry)
          return socket
        } catch (error) {
          return failing(error, path === undefined ? { host, port } : {})
        }
      }
    : () => {
        const socket = open()
        learnBackend({ socket, raw: socket }, registry)
        return socket
      }
  REGISTRIES.set(sql, registry)
  return true
}

/**
 * Closes at once, with a reset, the connection of `sql` to the backend whose process id is
 * `pid`: postgres.js then fails what else was sent on it and opens a new connection for the next
 * statement. The reset (of the TCP socket, under TLS too) also drops what the server had not
 * read yet, so a stopped backend that wakes up later finds no statement of this connection to
 * run. False when the connection is not known (a client of your own, several hosts).
 *
 * @example
 * ```ts
 * destroyBackendConnection(sql, pending.state.pid) // true: its socket was reset
 * ```
 */
export function destroyBackendConnection(sql: postgres.Sql<any>, pid: unknown): boolean {
  if (typeof pid !== 'number') return false
  const registry = REGISTRIES.get(sql)
  const tracked = registry?.get(pid)
  if (registry === undefined || tracked === undefined) return false
  registry.delete(pid)
  const { socket, raw } = tracked
  // A Unix socket (or one already closed) cannot be reset: it is closed.
  try {
    if (typeof raw.resetAndDestroy === 'function') raw.resetAndDestroy()
    else raw.destroy()
  } catch {
    raw.destroy()
  }
  if (socket !== raw) socket.destroy()
  return true
}
