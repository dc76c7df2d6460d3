import type { ServerTarget } from './open-telemetry'

/**
 * The database, host and port of a postgres.js client, from its parsed options (the first host of
 * a multi-host URL; a Unix socket's path as the address). Never the user or the password.
 *
 * @example
 * ```ts
 * serverTarget(postgres('postgres://app:pw@db.internal:6432/shop'))
 * // { database: 'shop', address: 'db.internal', port: 6432 }
 * ```
 */
export function serverTarget(sql: unknown): ServerTarget {
  const options = (sql as { options?: Record<string, unknown> } | null)?.options
  if (options === undefined || options === null) {
    return { database: undefined, address: undefined, port: undefined }
  }
  const database = typeof options.database === 'string' ? options.database : undefined
  if (typeof options.path === 'string' && options.path !== '') {
    return { database, address: options.path, port: undefined }
  }
  const hosts = Array.isArray(options.host) ? options.host : []
  const ports = Array.isArray(options.port) ? options.port : []
  const address = typeof hosts[0] === 'string' ? hosts[0] : undefined
  const port = typeof ports[0] === 'number' ? ports[0] : address === undefined ? undefined : 5432
  return { database, address, port }
}
