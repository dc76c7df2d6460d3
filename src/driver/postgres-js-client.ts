import postgres from 'postgres'
import { parseTimestamp } from '../schema/column-value-schema'

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
 */
export const reconnectBackoff = (retries: number): number =>
  (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1)

/** The two-digit number at `i`, or NaN when either character is not a digit. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48
  const b = text.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN
}

/**
 * PostgreSQL's usual output, read from its characters with no regex and no string built:
 * 'YYYY-MM-DD HH:MM:SS[.ffffff][+00]' with a year from 1000. Undefined for anything else.
 */
function commonTimestamp(text: string): Date | undefined {
  let end = text.length
  if (end >= 22 && text.endsWith('+00')) end -= 3
  if (end < 19 || end === 20 || end > 26) return undefined
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    (end > 19 && text.charCodeAt(19) !== 46) // .
  ) {
    return undefined
  }
  const century = twoDigits(text, 0)
  const year = century * 100 + twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const hours = twoDigits(text, 11)
  const minutes = twoDigits(text, 14)
  const seconds = twoDigits(text, 17)
  let ms = 0
  for (let i = 20, scale = 100; i < end; i++, scale /= 10) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return undefined
    ms += d * scale
  }
  // NaN fails every comparison: one test covers every field's digits. Years before 1000 (and
  // Date.UTC's two-digit years) are the careful parser's.
  if (!(century >= 10 && year >= 0 && month >= 0 && day >= 0)) return undefined
  if (!(hours >= 0 && minutes >= 0 && seconds >= 0)) return undefined
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds, Math.floor(ms)))
}

/**
 * Reads a `timestamp`/`timestamptz` value as PostgreSQL sends it (ISO DateStyle, UTC session)
 * into a `Date`: the usual form from its characters (a few times faster than `new Date(text)`,
 * and rows carry many), anything else (years 1-999, BC, other offsets) with the careful
 * field-by-field `parseTimestamp`. A unit test holds the two to the same result.
 *
 * @example
 * ```ts
 * parseDriverTimestamp('2024-01-02 03:04:05.123456+00') // 2024-01-02T03:04:05.123Z
 * parseDriverTimestamp('0099-01-01 00:00:00')           // 0099-01-01T00:00:00.000Z
 * ```
 */
export const parseDriverTimestamp = (text: string): Date =>
  commonTimestamp(text) ?? parseTimestamp(text)

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
  const sql = options.url === undefined ? postgres(config) : postgres(options.url, config)
  return sql as unknown as postgres.Sql
}
