import { PoolTimeoutError } from '../errors/database-errors'
import { DatabaseClosedError } from '../errors/kysely-entities-error'

/** The default `poolTimeout`: how long a call waits for a free connection, in milliseconds. */
export const DEFAULT_POOL_TIMEOUT = 30_000

/** The default `timeout` of a graceful close, in milliseconds. */
export const DEFAULT_CLOSE_TIMEOUT = 10_000

// setTimeout fires at once for delays past 2^31 - 1 ms: longer waits are treated as unbounded.
const MAX_TIMER = 2 ** 31 - 1

interface Waiter {
  readonly weight: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
  /** `performance.now()` after which the caller fails with PoolTimeoutError. */
  readonly deadline: number
}

/**
 * Checks a duration option in milliseconds: a finite number `>= 0`, or `Infinity` for no limit.
 *
 * @example
 * ```ts
 * checkMilliseconds('poolTimeout', 5_000) // 5000
 * checkMilliseconds('poolTimeout', -1)    // throws RangeError
 * ```
 */
export function checkMilliseconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds >= 0, got ${String(value)}`)
  }
  return value
}

/**
 * Statements admitted per connection by default. postgres.js would pipeline further statements
 * onto a busy connection, which is faster at many statements in flight, but such a statement then
 * waits behind a slow one, past any pool timeout. One per connection keeps `poolTimeout` a bound
 * on every wait; the `pipeline` option trades that for throughput.
 */
export const PIPELINE_DEPTH = 1

/** The largest `pipeline` accepted (postgres.js pipelines at most 100 statements a connection). */
export const MAX_PIPELINE = 100

/**
 * Checks a `pipeline` option: an integer from 1 to {@link MAX_PIPELINE}.
 *
 * @example
 * ```ts
 * checkPipeline(8) // 8
 * checkPipeline(0) // throws RangeError
 * ```
 */
export function checkPipeline(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PIPELINE) {
    throw new RangeError(
      `pipeline must be an integer from 1 to ${MAX_PIPELINE} (statements per connection), got ${String(value)}`,
    )
  }
  return value
}

/**
 * Admits the users of a connection pool of `size` connections: a statement takes one slot, a
 * transaction a whole connection (`pipeline` slots), out of `size × pipeline` (`pipeline`
 * statements may share a connection; default {@link PIPELINE_DEPTH}).
 * Later callers wait in line, first come first served, at most `timeout` milliseconds, and then
 * fail with {@link PoolTimeoutError}. A caller that timed out leaves the line: nothing of it is
 * left queued anywhere to run later.
 *
 * `close()` refuses new callers with {@link DatabaseClosedError}, lets those admitted or already
 * waiting finish, and tells whether they all did within its timeout.
 *
 * @example
 * ```ts
 * const gate = new ConnectionGate(10, 30_000)
 * await gate.acquire() // may throw PoolTimeoutError
 * try { await sql`select 1` } finally { gate.release() }
 * ```
 */
export class ConnectionGate {
  readonly #size: number
  readonly #depth: number
  readonly #capacity: number
  readonly #timeout: number
  #active = 0
  // A Set keeps insertion order (first come, first served) and removes a timed-out waiter in O(1).
  readonly #waiters = new Set<Waiter>()
  // One timer for the whole line, due at its head's deadline: everyone waits the same timeout,
  // so deadlines come in line order, and a caller in line costs no timer of its own.
  #timer: ReturnType<typeof setTimeout> | undefined
  #closing = false
  #forced = false
  #onIdle: (() => void) | undefined

  constructor(
    size: number,
    timeout: number = DEFAULT_POOL_TIMEOUT,
    pipeline: number = PIPELINE_DEPTH,
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`The pool size must be a positive integer, got ${String(size)}`)
    }
    this.#size = size
    this.#depth = checkPipeline(pipeline)
    this.#capacity = size * this.#depth
    this.#timeout = checkMilliseconds('poolTimeout', timeout)
  }

  /** Connections admitted at once. */
  get size(): number {
    return this.#size
  }

  /** Milliseconds a caller waits for a connection before {@link PoolTimeoutError}. */
  get timeout(): number {
    return this.#timeout
  }

  /** Slots a transaction takes: a whole connection. */
  get connectionWeight(): number {
    return this.#depth
  }

  /** Slots admitted and not yet released. */
  get active(): number {
    return this.#active
  }

  /** Callers waiting in line. */
  get waiting(): number {
    return this.#waiters.size
  }

  /** True once `close()` was called: new callers are refused. */
  get closing(): boolean {
    return this.#closing
  }

  /** True once a close ran out of time: work still running was cut off. */
  get forced(): boolean {
    return this.#forced
  }

  /**
   * Resolves when the caller may use `weight` slots (1 for a statement, {@link connectionWeight}
   * for a transaction); it must call {@link release} with the same weight exactly once afterwards.
   * Rejects with {@link PoolTimeoutError} after `timeout` ms in line, or with
   * {@link DatabaseClosedError} once the gate is closing.
   */
  acquire(weight = 1): Promise<void> {
    if (this.#closing) return Promise.reject(new DatabaseClosedError())
    if (this.tryAcquire(weight)) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const deadline = performance.now() + this.#timeout
      this.#waiters.add({ weight, resolve, reject, deadline })
      if (this.#timer === undefined && this.#timeout <= MAX_TIMER) this.#arm(this.#timeout)
    })
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(delay)))
  }

  /** Fails the callers at the head of the line whose time is up; re-arms for the next one. */
  #expire(): void {
    this.#timer = undefined
    const now = performance.now()
    for (const waiter of this.#waiters) {
      if (waiter.deadline > now) {
        this.#arm(waiter.deadline - now)
        return
      }
      this.#waiters.delete(waiter)
      waiter.reject(new PoolTimeoutError(this.#timeout, this.#size))
    }
    this.#checkIdle()
  }

  /**
   * Admits the caller at once when `weight` slots are free and nobody waits, without a promise
   * (the hot path of a statement); false otherwise, and then nothing was taken. Never admits once
   * the gate is closing. A true result must be followed by exactly one {@link release}.
   *
   * @example
   * ```ts
   * if (gate.tryAcquire()) { try { run() } finally { gate.release() } } else await gate.acquire()
   * ```
   */
  tryAcquire(weight = 1): boolean {
    if (this.#closing || this.#active + weight > this.#capacity || this.#waiters.size > 0) {
      return false
    }
    this.#active += weight
    return true
  }

  /** Gives back what {@link acquire} admitted; callers in line are admitted in order while they fit. */
  release(weight = 1): void {
    if (this.#active < weight) throw new Error('ConnectionGate.release() without acquire()')
    this.#active -= weight
    // First come, first served: a transaction at the head is not overtaken by statements behind it.
    for (const waiter of this.#waiters) {
      if (this.#active + waiter.weight > this.#capacity) break
      this.#waiters.delete(waiter)
      this.#active += waiter.weight
      waiter.resolve()
    }
    // A timer left for an admitted head finds the next deadline later and re-arms for it.
    if (this.#waiters.size === 0) this.#disarm()
    this.#checkIdle()
  }

  /**
   * Refuses new callers from now on and waits until every admitted or waiting caller is done, at
   * most `timeout` ms. Resolves to true when they all were; to false when the time ran out, in
   * which case the callers still waiting are rejected with {@link DatabaseClosedError} and
   * {@link forced} becomes true.
   */
  async close(timeout: number = DEFAULT_CLOSE_TIMEOUT): Promise<boolean> {
    checkMilliseconds('timeout', timeout)
    this.#closing = true
    if (this.#idle()) return true
    let timer: ReturnType<typeof setTimeout> | undefined
    const drained = await new Promise<boolean>((resolve) => {
      this.#onIdle = () => resolve(true)
      if (timeout <= MAX_TIMER) timer = setTimeout(() => resolve(false), timeout)
    })
    clearTimeout(timer)
    this.#onIdle = undefined
    if (!drained) {
      this.#forced = true
      this.#disarm()
      for (const waiter of this.#waiters) {
        waiter.reject(
          new DatabaseClosedError('The database was closed before a connection was free'),
        )
      }
      this.#waiters.clear()
    }
    return drained
  }

  #disarm(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #idle(): boolean {
    return this.#active === 0 && this.#waiters.size === 0
  }

  #checkIdle(): void {
    if (this.#onIdle !== undefined && this.#idle()) this.#onIdle()
  }
}
