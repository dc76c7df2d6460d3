import { ConnectionError } from './database-errors'

/**
 * PostgreSQL did not answer a statement within its client-side deadline (`queryDeadline` of
 * `Database.connect`; by default `statementTimeout` + 5 s, or 5 minutes): the server or the
 * network stalled. The connection was closed and is never used again; the next call gets a new
 * one. Whether the statement ran is unknown, as when a connection breaks, so it is a
 * {@link ConnectionError} (code `QUERY_DEADLINE`): a transaction it was in is over, and rolled
 * back unless its COMMIT was the statement that got no answer.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url, tables, statementTimeout: 5_000 }) // deadline 10 s
 * try { await db.raw('SELECT 1') }
 * catch (e) { if (e instanceof QueryDeadlineError) return serviceUnavailable() } // e.code === 'QUERY_DEADLINE'
 * ```
 */
export class QueryDeadlineError extends ConnectionError {
  /** The deadline that passed, in milliseconds. */
  readonly deadline: number

  constructor(deadline: number, endpoint: string | undefined) {
    super(
      `PostgreSQL${endpoint === undefined ? '' : ` (server ${endpoint})`} did not answer within ` +
        `the query deadline of ${deadline} ms: the connection was closed, and the statement may ` +
        'or may not have run. Raise `queryDeadline` for statements meant to run longer',
      { code: 'QUERY_DEADLINE' },
    )
    this.deadline = deadline
  }
}
