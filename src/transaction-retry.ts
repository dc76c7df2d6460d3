import { SerializationFailureError } from './errors/database-errors'
import { InvalidQueryError } from './errors/kysely-entities-error'

/**
 * The backoff between two attempts of a retried transaction, in milliseconds: before retry `k`
 * (1, 2, ...) the ceiling is `min(max, base * 2^(k-1))` and the wait is a uniformly random point
 * in the upper half of it, `[ceiling / 2, ceiling)`.
 *
 * @example
 * ```ts
 * { base: 10, max: 1_000 } // the default: waits of 5–10, 10–20, 20–40, ... 500–1000, 500–1000 ms
 * ```
 */
export interface RetryDelay {
  /** The ceiling of the first wait. Default 10 ms. */
  readonly base: number
  /** The largest ceiling: the wait stops growing here. Default 1,000 ms. */
  readonly max: number
}

/** Told before each retry of a transaction (see `TransactionOptions.onRetry`). */
export interface RetryEvent {
  /** The retry about to start: 1 for the second attempt. */
  readonly retry: number
  /** The failure of the attempt that just ended. */
  readonly error: SerializationFailureError
  /** How long the wait before the retry is, in milliseconds. */
  readonly delayMs: number
}

/** @internal Retry settings after validation. */
export interface RetryPlan {
  readonly retries: number
  readonly delay: RetryDelay
  readonly onRetry: ((event: RetryEvent) => void) | undefined
}

/** @internal The default backoff: 10 ms doubling up to 1 s, with jitter. */
export const DEFAULT_RETRY_DELAY: RetryDelay = Object.freeze({ base: 10, max: 1_000 })

/**
 * More retries than this are a mistake rather than a policy (the last wait alone is `max`).
 * @internal
 */
export const MAX_RETRIES = 100

const isDelay = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 3_600_000

/**
 * Checks the retry options of a transaction before anything is sent: `retries` a whole number
 * from 0 to {@link MAX_RETRIES}, `retryDelay` `{ base, max }` with `0 <= base <= max` (at most an
 * hour), `onRetry` a function. Throws {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * checkRetryOptions({ retries: 5 }) // { retries: 5, delay: { base: 10, max: 1000 }, onRetry: undefined }
 * checkRetryOptions({ retries: -1 }) // throws InvalidQueryError: retries: expected a whole number from 0 to 100
 * ```
 * @internal
 */
export function checkRetryOptions(options: {
  readonly retries?: unknown
  readonly retryDelay?: unknown
  readonly onRetry?: unknown
}): RetryPlan {
  const { retries = 0, retryDelay, onRetry } = options
  if (
    typeof retries !== 'number' ||
    !Number.isInteger(retries) ||
    retries < 0 ||
    retries > MAX_RETRIES
  ) {
    throw new InvalidQueryError('retries', `expected a whole number from 0 to ${MAX_RETRIES}`)
  }
  let delay = DEFAULT_RETRY_DELAY
  if (retryDelay !== undefined) {
    const d = retryDelay as Partial<Record<keyof RetryDelay, unknown>> | null
    if (d === null || typeof d !== 'object' || !isDelay(d.base) || !isDelay(d.max)) {
      throw new InvalidQueryError(
        'retryDelay',
        'expected { base, max }: milliseconds from 0 to 3,600,000',
      )
    }
    if (d.base > d.max) throw new InvalidQueryError('retryDelay', 'base is larger than max')
    delay = Object.freeze({ base: d.base, max: d.max })
  }
  if (onRetry !== undefined && typeof onRetry !== 'function') {
    throw new InvalidQueryError('onRetry', 'expected a function')
  }
  return { retries, delay, onRetry: onRetry as RetryPlan['onRetry'] }
}

/**
 * The wait before retry `retry` (1-based) in milliseconds: a uniformly random point in
 * `[ceiling / 2, ceiling)` where `ceiling = min(max, base * 2^(retry-1))`. `random` is
 * `Math.random` unless given (tests pass a fixed one).
 *
 * @example
 * ```ts
 * retryDelayMs(1, { base: 10, max: 1000 }, () => 0) // 5
 * retryDelayMs(4, { base: 10, max: 1000 }, () => 0.5) // 60: ceiling 80
 * retryDelayMs(20, { base: 10, max: 1000 }, () => 0) // 500: ceiling capped at 1000
 * ```
 * @internal
 */
export function retryDelayMs(
  retry: number,
  delay: RetryDelay,
  random: () => number = Math.random,
): number {
  // 2^(retry-1) overflows nothing: the exponent is capped well before Infinity.
  const ceiling = Math.min(delay.max, delay.base * 2 ** Math.min(retry - 1, 40))
  return ceiling / 2 + (ceiling / 2) * random()
}

/**
 * True for the failures a whole transaction can be retried after: a serialization failure
 * (`40001`) or a deadlock (`40P01`), as {@link SerializationFailureError}. Nothing else is: a
 * unique violation or a lost connection would fail the same way again, or may have committed.
 * @internal
 */
export function isRetryableTransactionError(error: unknown): error is SerializationFailureError {
  return error instanceof SerializationFailureError
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs `attempt` and, while it fails with a {@link SerializationFailureError} and retries are
 * left, waits ({@link retryDelayMs}) and runs it again; any other error, or the last failure,
 * is rethrown as it is.
 *
 * @example
 * ```ts
 * await runWithRetries(checkRetryOptions({ retries: 3 }), () => db.transaction(transfer, { isolationLevel: 'serializable' }))
 * ```
 * @internal
 */
export async function runWithRetries<R>(plan: RetryPlan, attempt: () => Promise<R>): Promise<R> {
  for (let retry = 1; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      if (retry > plan.retries || !isRetryableTransactionError(error)) throw error
      const delayMs = retryDelayMs(retry, plan.delay)
      plan.onRetry?.({ retry, error, delayMs })
      await sleep(delayMs)
    }
  }
}
