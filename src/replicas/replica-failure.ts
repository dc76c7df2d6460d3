import { ConnectionError, DatabaseError, PoolTimeoutError } from '../errors/database-errors'

/**
 * What a read's failure on a replica means: `down` (the replica cannot be reached, broke the
 * connection, or is shutting down: leave it out and run the read on the primary), `elsewhere`
 * (the replica is fine but cannot run this read: its pool is full, the statement writes
 * (`25006`), it was cancelled by a conflict with recovery (`40001`), or it needs a primary
 * (`55000`, e.g. `pg_current_wal_lsn()`): run it on the primary), or undefined (the read itself
 * is wrong, and would fail on the primary too: throw it).
 *
 * @example
 * ```ts
 * replicaFailure(new ConnectionError('connect ECONNREFUSED')) // 'down'
 * replicaFailure(readOnlyError)                              // 'elsewhere' (sqlState 25006)
 * replicaFailure(syntaxError)                                // undefined   (sqlState 42601)
 * ```
 */
export function replicaFailure(error: unknown): 'down' | 'elsewhere' | undefined {
  if (error instanceof ConnectionError) return 'down'
  if (error instanceof PoolTimeoutError) return 'elsewhere'
  if (error instanceof DatabaseError) {
    const state = error.sqlState ?? ''
    if (state.startsWith('57') || state.startsWith('08')) return 'down'
    if (state === '25006' || state === '40001' || state === '55000') return 'elsewhere'
  }
  return undefined
}
