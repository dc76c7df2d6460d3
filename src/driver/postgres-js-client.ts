import postgres from 'postgres'
import { parseDriverTimestamp } from '../values/timestamp-text'
import { trackBackendSockets } from './backend-sockets'

export { parseDriverTimestamp } from '../values/timestamp-text'

/** Connection options of {@link createPostgresClient}. Unset fields fall back to `url`, then PG* env vars. */
export interface PostgresClientOptions {
  /** `postgres://user:password@host:port/database?sslmode=require` */
  readonly url?: string
  readonly host?: string
  readonly port?: number
  readonly database?: string
  readonly user?: string
  readonly password?: postgres.Options<{}>['password']
  /** `true`, `'require'`, `'verify-full'`, ... or a `tls.connect` options object. */
  readonly ssl?: postgres.Options<{}>['ssl']
  /** Pool size. Default 10. */
  readonly max?: number
  /** Seconds an idle pooled connection is kept. Default: kept. */
  readonly idleTimeout?: number
  /**
   * Seconds to wait for a connection to open (TCP, TLS and the server's startup). Default 30.
   * With TLS on one host, the TCP connection and SSL negotiation get this long, then the
   * server's startup again this long (postgres.js times the startup once it has the socket).
   * A refused connection (server down) fails at once, whatever this is.
   */
  readonly connectTimeout?: number
  /** Milliseconds after which PostgreSQL cancels a statement (`statement_timeout`). Default none. */
  readonly statementTimeout?: number
  /** `application_name` shown in `pg_stat_activity`. */
  readonly applicationName?: string
  /** Session `TimeZone`. Default `'UTC'`; keep it when you use `timestamp` (without time zone). */
  readonly timezone?: string
}

const passString = (x: unknown): string => String(x)

/**
 * Seconds a pooled connection waits before it reconnects after its last attempt failed.
 * postgres.js's default grows to 10-20 s after a few failures, and a statement given to a
 * connection waiting that long waits with it: while the server is down, a statement would
 * take that long to fail, and after it is back, to succeed. Capped at one second instead.
 * @internal
 */
export const reconnectBackoff = (retries: number): number =>
  (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1)

// -0 is a valid float that String() and '' + x turn into '0'.
const serializeFloat = (x: unknown): string => (Object.is(x, -0) ? '-0' : String(x))

const TYPES = {
  bigint: {
    to: 20,
    from: [20],
    serialize: passString,
    parse: (x: string) => BigInt(x),
  },
  date: {
    to: 1082,
    from: [1082],
    serialize: (x: unknown) => (x instanceof Date ? x.toISOString().slice(0, 10) : String(x)),
    parse: (x: string) => x,
  },
  timestamp: {
    to: 1114,
    from: [1114],
    serialize: (x: unknown) => (x instanceof Date ? x.toISOString() : String(x)),
    // new Date() alone misreads years 1-99 and BC years.
    parse: parseDriverTimestamp,
  },
  timestamptz: {
    to: 1184,
    from: [1184],
    serialize: (x: unknown) => (x instanceof Date ? x.toISOString() : String(x)),
    parse: parseDriverTimestamp,
  },
  real: { to: 700, from: [700], serialize: serializeFloat, parse: Number },
  doublePrecision: { to: 701, from: [701], serialize: serializeFloat, parse: Number },
} satisfies Record<string, postgres.PostgresType>

/**
 * Creates the postgres.js client (a connection pool) with this package's value conventions:
 *
 * - `int8` (`bigint`, `bigserial`, `count(*)`) is read as a JS `bigint`, exactly; `bigint` values
 *   can be sent as parameters.
 * - `numeric` is read as a string, so no decimal digit is lost.
 * - `timestamptz` is read as a `Date`; `timestamp` (without time zone) as a `Date` whose wall
 *   clock is UTC. The session `TimeZone` is `timezone` (default `'UTC'`) and `DateStyle` is ISO.
 *   A `Date` parameter is sent as an ISO instant; strings are passed to PostgreSQL untouched.
 * - `date` is read as the `'YYYY-MM-DD'` string PostgreSQL sends (no `Date` at a fake midnight);
 *   a `Date` parameter for a `date` is sent as its UTC day.
 * - `json`/`jsonb` are parsed; arrays of all these types are read as JS arrays of the same values.
 * - Server notices are not printed.
 * - A connection lost (server restart, failover) is reopened by the next statement that needs
 *   it, after at most about a second of back-off.
 * - On one host, it opens its sockets itself (negotiating SSL itself, with postgres.js's
 *   semantics for each `ssl` value) and notes the server process behind each, so that the driver
 *   can close the connection of a statement past its `queryDeadline`. The client's
 *   `options.ssl` then reads `false`: postgres.js gets sockets already secure. A server that
 *   refuses SSL when `ssl` requires it fails the connection with code `SSL_REFUSED`.
 *
 * @example
 * ```ts
 * const sql = createPostgresClient({ url: process.env.DATABASE_URL, max: 20, statementTimeout: 5_000 })
 * const [row] = await sql`select 9007199254740993::int8 as n, '1.10'::numeric as d`
 * // { n: 9007199254740993n, d: '1.10' }
 * await sql.end()
 * ```
 */
export function createPostgresClient(options: PostgresClientOptions = {}): postgres.Sql {
  const connection: Record<string, string | number> = {
    TimeZone: options.timezone ?? 'UTC',
    DateStyle: 'ISO, MDY',
  }
  if (options.statementTimeout !== undefined) {
    connection.statement_timeout = options.statementTimeout
  }
  if (options.applicationName !== undefined) connection.application_name = options.applicationName
  const config: postgres.Options<typeof TYPES> = {
    max: options.max ?? 10,
    types: TYPES,
    connection,
    onnotice: () => {},
    backoff: reconnectBackoff,
  }
  if (options.host !== undefined) config.host = options.host
  if (options.port !== undefined) config.port = options.port
  if (options.database !== undefined) config.database = options.database
  if (options.user !== undefined) config.user = options.user
  if (options.password !== undefined) config.password = options.password
  if (options.ssl !== undefined) config.ssl = options.ssl
  if (options.idleTimeout !== undefined) config.idle_timeout = options.idleTimeout
  if (options.connectTimeout !== undefined) config.connect_timeout = options.connectTimeout
  const make = (c: postgres.Options<typeof TYPES>) =>
    options.url === undefined ? postgres(c) : postgres(options.url, c)
  // postgres.js decides on SSL from `ssl`, the URL's `sslmode` and PGSSL, when the client is
  // made; a client made only to read that decision opens nothing. With SSL, the client is made
  // again without it, and its sockets negotiate SSL as postgres.js would (backend-sockets.ts).
  let sql = make(config)
  const parsed = (sql as unknown as { options: { ssl?: unknown; sslnegotiation?: unknown } })
    .options
  if (parsed.ssl) {
    const ssl = { ssl: parsed.ssl, sslnegotiation: parsed.sslnegotiation }
    const plain = make({ ...config, ssl: false })
    // So that the driver can close the connection of a statement past its `queryDeadline`.
    if (trackBackendSockets(plain as unknown as postgres.Sql<any>, ssl)) {
      void sql.end()
      sql = plain
    } else void plain.end()
  } else {
    trackBackendSockets(sql as unknown as postgres.Sql<any>)
  }
  return sql as unknown as postgres.Sql
}
