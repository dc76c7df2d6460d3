import type { Database } from '../index'
import { InvalidQueryError, sql } from '../index'
import { FunctionEntity, FunctionInvocationEntity } from './entities'
import type { ContainerpubTables } from './managers'

/**
 * The width of a statistics bucket: `date_trunc('hour' | 'day', timestamp)`.
 * @example
 * ```ts
 * const bucket: StatsBucket = 'hour' // group by date_trunc('hour', "fi"."timestamp")
 * ```
 */
export type StatsBucket = 'hour' | 'day'

/**
 * Where statistics start: a `Date` (`timestamp >= $1`), or an interval back from the database
 * clock (`timestamp >= localtimestamp - make_interval(hours => $1)`), as the original's
 * `NOW() - INTERVAL '24 hours'`. Hours and days are integers from 1 to 100 years' worth.
 * @example
 * ```ts
 * const cutoffs: StatsCutoff[] = [new Date('2026-01-01T00:00:00Z'), { hours: 24 }, { days: 30 }]
 * ```
 */
export type StatsCutoff = Date | { readonly hours: number } | { readonly days: number }

/**
 * Options of {@link getInvocationStats}.
 * @example
 * ```ts
 * const options: InvocationStatsOptions = { bucket: 'day', since: { days: 7 } }
 * ```
 */
export interface InvocationStatsOptions {
  readonly bucket: StatsBucket
  /** Default: `{ hours: 24 }` for hourly buckets, `{ days: 30 }` for daily ones (the original's). */
  readonly since?: StatsCutoff
}

/**
 * The invocations of one function in one hour or day. Counts are numbers, as `count()` returns
 * them (PostgreSQL's `count` is an int8; a bucket never holds 2^53 invocations).
 * @example
 * ```ts
 * const b: InvocationStatsRow = { bucket: new Date('2026-01-01T10:00:00Z'), totalInvocations: 3,
 *   successCount: 2, errorCount: 1, averageDurationMs: 20 }
 * ```
 */
export interface InvocationStatsRow {
  /** Start of the hour or day, as the `timestamp` column holds it (a UTC wall clock). */
  readonly bucket: Date
  readonly totalInvocations: number
  /** Invocations whose status is `'success'`. */
  readonly successCount: number
  /** Every other invocation (the original counts `success = false OR success IS NULL`). */
  readonly errorCount: number
  /** Average of the known durations; null when none of the bucket's invocations has one. */
  readonly averageDurationMs: number | null
}

// The original's ranges; beyond 100 years a cutoff is a mistake.
const MAX_HOURS = 876_000
const MAX_DAYS = 36_500
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Invocation statistics of one function (given by its uuid or as an entity) per hour or per day
 * since a cutoff, oldest bucket first; buckets without invocations are absent. One statement,
 * built with the query builder: the bucket is grouped by its position, the cutoff and the status
 * are parameters.
 *
 * @example
 * ```ts
 * const rows = await getInvocationStats(db, fn.uuid, { bucket: 'hour', since: { hours: 24 } })
 * // select date_trunc('hour', "fi"."timestamp") as "bucket", count(*) as "total_invocations",
 * //   count(*) filter (where "fi"."status" = $1) as "success_count",
 * //   count(*) filter (where "fi"."status" <> $2) as "error_count",
 * //   avg("fi"."duration_ms")::float8 as "average_duration_ms"
 * // from "function_invocations" as "fi" inner join "functions" as "f" on "fi"."function_id" = "f"."id"
 * // where "f"."uuid" = $3 and ("fi"."timestamp" >= localtimestamp - make_interval(hours => $4))
 * // group by 1 order by "bucket" asc
 * ```
 */
export async function getInvocationStats<T extends ContainerpubTables>(
  db: Database<T>,
  fn: string | FunctionEntity,
  options: InvocationStatsOptions,
): Promise<InvocationStatsRow[]> {
  const bucket = checkBucket(options?.bucket)
  const given = options.since
  const since = checkCutoff(
    given === undefined ? (bucket === 'hour' ? { hours: 24 } : { days: 30 }) : given,
    'since',
  )
  const timestamp = sql.ref('fi.timestamp')
  const status = sql.ref('fi.status')
  let q = db
    .manager(FunctionInvocationEntity)
    .query('fi')
    .select([
      sql<Date>`date_trunc(${sql.lit(bucket)}, ${timestamp})`.as('bucket'),
      sql<bigint>`count(*)`.as('total_invocations'),
      sql<bigint>`count(*) filter (where ${status} = ${'success'})`.as('success_count'),
      sql<bigint>`count(*) filter (where ${status} <> ${'success'})`.as('error_count'),
      sql<number | null>`avg(${sql.ref('fi.duration_ms')})::float8`.as('average_duration_ms'),
    ])
  if (fn instanceof FunctionEntity) {
    if (!Number.isSafeInteger(fn.id)) {
      throw new InvalidQueryError('function.id', 'expected a stored function (an integer id)')
    }
    q = q.where('fi.function_id', fn.id)
  } else if (typeof fn === 'string' && UUID.test(fn)) {
    q = q.join('functions f', 'fi.function_id', 'f.id').where('f.uuid', fn)
  } else {
    throw new InvalidQueryError('function', 'expected a function uuid or a FunctionEntity')
  }
  if (since instanceof Date) q = q.where('fi.timestamp', '>=', since)
  else if ('hours' in since) {
    q = q.whereRaw(sql`${timestamp} >= localtimestamp - make_interval(hours => ${since.hours})`)
  } else {
    q = q.whereRaw(sql`${timestamp} >= localtimestamp - make_interval(days => ${since.days})`)
  }
  const rows = await q.groupBy('bucket').orderBy('bucket', 'asc').execute<{
    bucket: Date
    total_invocations: bigint | number
    success_count: bigint | number
    error_count: bigint | number
    average_duration_ms: number | null
  }>()
  return rows.map((r) => ({
    bucket: r.bucket,
    totalInvocations: Number(r.total_invocations),
    successCount: Number(r.success_count),
    errorCount: Number(r.error_count),
    averageDurationMs: r.average_duration_ms,
  }))
}

/**
 * Hourly invocation statistics of a function: {@link getInvocationStats} with `bucket: 'hour'`
 * (default cutoff: the last 24 hours), the original's `getHourlyStats`.
 * @example
 * ```ts
 * await getHourlyInvocationStats(db, fn, { since: new Date('2026-01-01T00:00:00Z') })
 * // ... where "fi"."function_id" = $3 and "fi"."timestamp" >= $4 group by 1 order by "bucket" asc
 * ```
 */
export function getHourlyInvocationStats<T extends ContainerpubTables>(
  db: Database<T>,
  fn: string | FunctionEntity,
  options: { readonly since?: StatsCutoff } = {},
): Promise<InvocationStatsRow[]> {
  return getInvocationStats(db, fn, { ...options, bucket: 'hour' })
}

/**
 * Daily invocation statistics of a function: {@link getInvocationStats} with `bucket: 'day'`
 * (default cutoff: the last 30 days), the original's `getDailyStats`.
 * @example
 * ```ts
 * await getDailyInvocationStats(db, fn.uuid, { since: { days: 7 } })
 * // select date_trunc('day', "fi"."timestamp") as "bucket", ... group by 1 order by "bucket" asc
 * ```
 */
export function getDailyInvocationStats<T extends ContainerpubTables>(
  db: Database<T>,
  fn: string | FunctionEntity,
  options: { readonly since?: StatsCutoff } = {},
): Promise<InvocationStatsRow[]> {
  return getInvocationStats(db, fn, { ...options, bucket: 'day' })
}

function checkBucket(input: unknown): StatsBucket {
  if (input === 'hour' || input === 'day') return input
  throw new InvalidQueryError('bucket', "expected 'hour' or 'day'")
}

function checkCutoff(input: unknown, path: string): StatsCutoff {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) throw new InvalidQueryError(path, 'expected a valid Date')
    return input
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const keys = Object.keys(input)
    const [key] = keys
    if (keys.length === 1 && (key === 'hours' || key === 'days')) {
      const n = (input as Record<string, unknown>)[key]
      const max = key === 'hours' ? MAX_HOURS : MAX_DAYS
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
        throw new InvalidQueryError(`${path}.${key}`, `expected an integer from 1 to ${max}`)
      }
      return key === 'hours' ? { hours: n } : { days: n }
    }
  }
  throw new InvalidQueryError(path, 'expected a Date, { hours: n } or { days: n }')
}
