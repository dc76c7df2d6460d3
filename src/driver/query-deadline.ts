import { valueKind } from '../errors/value-kind'

/**
 * The default `queryDeadline` without a `statementTimeout`: five minutes, in milliseconds.
 *
 * @example
 * ```ts
 * await Database.connect({ url, tables }) // each statement: at most 300,000 ms for its answer
 * ```
 */
export const DEFAULT_QUERY_DEADLINE = 300_000

/**
 * Milliseconds the default `queryDeadline` adds to a `statementTimeout`: the server's own timeout
 * fires first, and its error has this long to arrive.
 *
 * @example
 * ```ts
 * await Database.connect({ url, tables, statementTimeout: 2_000 }) // queryDeadline 7,000
 * ```
 */
export const QUERY_DEADLINE_MARGIN = 5_000

/**
 * The client-side deadline of each statement, in milliseconds: `queryDeadline` when given (a
 * number `> 0`; `Infinity` for none), else `statementTimeout` plus {@link QUERY_DEADLINE_MARGIN}
 * when the server has one (`> 0`), else {@link DEFAULT_QUERY_DEADLINE}. Throws `RangeError` for
 * a `queryDeadline` that is not a positive number of milliseconds.
 *
 * @example
 * ```ts
 * resolveQueryDeadline(undefined, 2_000) // 7000: the server's statement_timeout fires first
 * resolveQueryDeadline(undefined, undefined) // 300000
 * resolveQueryDeadline(Infinity, 2_000) // Infinity: no client-side deadline
 * ```
 */
export function resolveQueryDeadline(queryDeadline: unknown, statementTimeout: unknown): number {
  if (queryDeadline !== undefined) {
    if (typeof queryDeadline !== 'number' || Number.isNaN(queryDeadline) || queryDeadline <= 0) {
      throw new RangeError(
        `queryDeadline must be a number of milliseconds > 0 (Infinity for none), got ${valueKind(queryDeadline)}`,
      )
    }
    return queryDeadline
  }
  const server = typeof statementTimeout === 'string' ? Number(statementTimeout) : statementTimeout
  if (typeof server === 'number' && Number.isFinite(server) && server > 0) {
    return server + QUERY_DEADLINE_MARGIN
  }
  return DEFAULT_QUERY_DEADLINE
}
