import type { AccessMode, IsolationLevel } from 'kysely'
import { InvalidQueryError } from './errors/kysely-entities-error'
import type { RequestContext } from './request-context'
import type { RetryDelay, RetryEvent } from './transaction-retry'

/** Options of {@link Database.transaction}. */
export interface TransactionOptions {
  /** `read committed` (PostgreSQL's default), `repeatable read`, `serializable`, ... */
  readonly isolationLevel?: IsolationLevel
  /** `read only` or `read write`. */
  readonly accessMode?: AccessMode
  /**
   * How many times to run the whole callback again, in a new transaction, when an attempt fails
   * with a {@link SerializationFailureError} (a serialization failure, `40001`, or a deadlock,
   * `40P01`); no other error is retried. Default 0. The callback must be safe to run again: no side
   * effects outside the database, or ones that tolerate repetition. Only the outermost transaction
   * can be retried: on a `tx` (a savepoint) it is refused with {@link InvalidQueryError}.
   */
  readonly retries?: number
  /**
   * The backoff between attempts. Before retry `k` the wait is random in `[c / 2, c)` with
   * `c = min(max, base * 2^(k-1))`; default `{ base: 10, max: 1000 }` (5–10 ms, 10–20 ms,
   * 20–40 ms, ... up to 500–1000 ms).
   */
  readonly retryDelay?: RetryDelay
  /** Called before each retry, e.g. to count or log them. A throw ends the retries with that error. */
  readonly onRetry?: (event: RetryEvent) => void
}

/**
 * Options of {@link Database.withContext}: the request context (settings and role, set for the
 * transaction only) and the options of the transaction it opens.
 */
export interface WithContextOptions extends RequestContext, TransactionOptions {}

const WITH_CONTEXT_KEYS: ReadonlySet<string> = new Set([
  'settings',
  'role',
  'isolationLevel',
  'accessMode',
  'retries',
  'retryDelay',
  'onRetry',
])

const ISOLATION_LEVELS: ReadonlySet<string> = new Set([
  'read uncommitted',
  'read committed',
  'repeatable read',
  'serializable',
  'snapshot',
])
const ACCESS_MODES: ReadonlySet<string> = new Set(['read only', 'read write'])

/**
 * Checks the settings of a transaction before anything is sent: a known `isolationLevel` and
 * `accessMode`, if given. Throws {@link InvalidQueryError}. (The retry options are checked by
 * `checkRetryOptions`.)
 *
 * @example
 * ```ts
 * checkTransactionOptions({ isolationLevel: 'serializable' }) // passes
 * checkTransactionOptions({ isolationLevel: 'serialisable' as IsolationLevel })
 * // throws InvalidQueryError: isolationLevel: unknown isolation level "serialisable"
 * ```
 */
export function checkTransactionOptions(options: TransactionOptions): void {
  const { isolationLevel, accessMode } = options
  if (isolationLevel !== undefined && !ISOLATION_LEVELS.has(isolationLevel)) {
    throw new InvalidQueryError(
      'isolationLevel',
      `unknown isolation level ${JSON.stringify(isolationLevel)}`,
    )
  }
  if (accessMode !== undefined && !ACCESS_MODES.has(accessMode)) {
    throw new InvalidQueryError('accessMode', `unknown access mode ${JSON.stringify(accessMode)}`)
  }
}

/**
 * Refuses what a nested transaction (a savepoint) cannot take: settings of its own, which it
 * inherits from its parent, and retries, since it cannot replay the work of the transaction around
 * it. Throws {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * checkSavepointOptions({}) // passes
 * checkSavepointOptions({ retries: 3 })
 * // throws InvalidQueryError: retries: only the outermost transaction can be retried: ...
 * ```
 */
export function checkSavepointOptions(options: TransactionOptions): void {
  const { isolationLevel, accessMode } = options
  if (isolationLevel !== undefined || accessMode !== undefined) {
    throw new InvalidQueryError(
      isolationLevel !== undefined ? 'isolationLevel' : 'accessMode',
      'a nested transaction (savepoint) runs with its parent transaction settings',
    )
  }
  const retryOption = (['retries', 'retryDelay', 'onRetry'] as const).find(
    (key) => options[key] !== undefined,
  )
  if (retryOption !== undefined) {
    throw new InvalidQueryError(
      retryOption,
      'only the outermost transaction can be retried: a savepoint cannot replay the work of the transaction around it',
    )
  }
}

/**
 * The options of the transaction a {@link Database.withContext} call opens: its context without
 * the request context (`settings`, `role`). Any key that is neither is refused with
 * {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * withContextTransactionOptions({ settings: { 'app.user_uuid': id }, retries: 3 }) // { retries: 3 }
 * withContextTransactionOptions({ role: 'app_user', user: id } as WithContextOptions)
 * // throws InvalidQueryError: user: unknown option of withContext()
 * ```
 */
export function withContextTransactionOptions(context: WithContextOptions): TransactionOptions {
  const { settings: _settings, role: _role, ...options } = context
  for (const key of Object.keys(options)) {
    if (!WITH_CONTEXT_KEYS.has(key)) {
      throw new InvalidQueryError(key, 'unknown option of withContext()')
    }
  }
  return options
}
