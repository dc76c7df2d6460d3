import { Socket } from 'node:net'
import type postgres from 'postgres'

// postgres.js keeps each connection's socket to itself. To close the connection of a statement
// that passed its deadline, the driver must reach that socket: createPostgresClient opens the
// sockets itself (postgres.js's `socket` option) and learns which server process each one talks
// to from the BackendKeyData message of the startup, the same process id postgres.js keeps on
// every statement it sends (`query.state.pid`).

/** The open sockets of one client, by the process id of the server backend behind each. */
type Registry = Map<number, Socket>

const REGISTRIES = new WeakMap<object, Registry>()

/** Protocol message type of BackendKeyData (`K`) and ReadyForQuery (`Z`). */
const BACKEND_KEY_DATA = 0x4b
const READY_FOR_QUERY = 0x5a

/**
 * Reads the server's startup messages as they arrive on `socket`, without consuming them, until
 * BackendKeyData names the backend's process id: `socket` is then registered under it until it
 * closes. Stops looking at ReadyForQuery (a server that sent none: nothing is registered).
 */
function learnBackend(socket: Socket, registry: Registry): void {
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
        registry.set(pid, socket)
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
    if (pid !== undefined && registry.get(pid) === socket) registry.delete(pid)
  })
}

/** The parts of postgres.js's parsed options that decide where and how a socket connects. */
interface SocketOptions {
  readonly host: readonly string[]
  readonly port: readonly number[]
  readonly path?: unknown
  readonly ssl?: unknown
  socket?: unknown
}

/**
 * Makes `sql` (a postgres.js client on one host without TLS) open its sockets here, as postgres.js
 * would, registering each under its backend's process id once the server names it, for
 * {@link destroyBackendConnection}. A client on several hosts, over TLS, or with a socket
 * factory of its own is left alone (false): a statement past its deadline then fails without its
 * connection being closed. Call it before the client's first statement.
 *
 * @example
 * ```ts
 * const sql = postgres({ host: 'db', port: 5432 })
 * trackBackendSockets(sql) // true
 * ```
 */
export function trackBackendSockets(sql: postgres.Sql<any>): boolean {
  const options = (sql as unknown as { options?: SocketOptions }).options
  if (options === undefined || REGISTRIES.has(sql)) return false
  const ssl = options.ssl
  const plain = ssl === undefined || ssl === false || ssl === 'disable'
  if (!plain || options.host.length > 1 || options.socket !== undefined) return false
  const registry: Registry = new Map()
  const path = typeof options.path === 'string' && options.path !== '' ? options.path : undefined
  const host = options.host[0] ?? 'localhost'
  const port = options.port[0] ?? 5432
  // postgres.js reads `options.socket` each time it connects: from now on it calls this.
  options.socket = () => {
    const socket = new Socket()
    if (path !== undefined) socket.connect(path)
    else {
      socket.connect(port, host)
      // postgres.js names these in its connection errors, as on a socket of its own.
      Object.assign(socket, { host, port })
    }
    learnBackend(socket, registry)
    return socket
  }
  REGISTRIES.set(sql, registry)
  return true
}

/**
 * Closes at once, with a reset, the connection of `sql` to the backend whose process id is
 * `pid`: postgres.js then fails what else was sent on it and opens a new connection for the next
 * statement. The reset also drops what the server had not read yet, so a stopped backend that
 * wakes up later finds no statement of this connection to run. False when the connection is not
 * known (a client of your own, TLS, several hosts).
 *
 * @example
 * ```ts
 * destroyBackendConnection(sql, pending.state.pid) // true: its socket was reset
 * ```
 */
export function destroyBackendConnection(sql: postgres.Sql<any>, pid: unknown): boolean {
  if (typeof pid !== 'number') return false
  const socket = REGISTRIES.get(sql)?.get(pid)
  if (socket === undefined) return false
  REGISTRIES.get(sql)?.delete(pid)
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
  return true
}
