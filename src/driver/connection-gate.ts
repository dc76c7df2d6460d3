import { PoolTimeoutError } from '../errors/database-errors'
import { DatabaseClosedError } from '../errors/kysely-entities-error'
import { valueKind } from '../errors/value-kind'

/** The default `poolTimeout`: how long a call waits for a free connection, in milliseconds. */
export const DEFAULT_POOL_TIMEOUT = 30_000

/** The default `timeout` of a graceful close, in milliseconds. */
export const DEFAULT_CLOSE_TIMEOUT = 10_000

// setTimeout fires at once for delays past 2^31 - 1 ms: longer waits are treated as unbounded.
const MAX_TIMER = 2 ** 31 - 1

/** What a caller of the gate uses. */
export type GateUse =
  /** A statement that needs a connection of its own while it runs. */
  | 'statement'
  /**
   * A statement that only reads (the managers' finders): it may also be pipelined behind busy
   * statements, since running it after its caller gave up changes nothing.
   */
  | 'read'
  /** A transaction: a whole connection, from its BEGIN to its end. */
  | 'transaction'

/** How a caller was admitted: to an idle connection, or pipelined behind busy ones (reads only). */
export type Admission = 'idle' | 'pipelined'

interface Waiter {
  readonly use: GateUse
  readonly resolve: (admission: Admission) => void
  readonly reject: (error: unknown) => void
  /** `performance.now()` after which the caller fails with PoolTimeoutError. */
  readonly deadline: number
}

/** A pipelined read being watched: see {@link ConnectionGate.watch}. */
export interface PipelineWatch {
  readonly deadline: number
  readonly onLate: () => void
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
    throw new RangeError(`${name} must be a number of milliseconds >= 0, got ${valueKind(value)}`)
  }
  return value
}

/**
 * Reads admitted per connection by default: a finder's statement may be pipelined behind up to 7
 * busy statements on a connection, as postgres.js pipelines by itself. That is what keeps many
 * reads in flight as fast as postgres.js (S2 of `npm run bench`), and on a network each pipelined
 * read saves a round trip of waiting. Other statements and transactions always wait for an idle
 * connection.
 */
export const PIPELINE_DEPTH = 8

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
      `pipeline must be an integer from 1 to ${MAX_PIPELINE} (reads per connection), got ${valueKind(value)}`,
    )
  }
  return value
}

/**
 * Admits the users of a connection pool of `size` connections. A statement or a transaction is
 * admitted while a connection is idle (fewer statements and transactions than connections); a
 * read also while the connections not held by transactions carry fewer than `pipeline` statements
 * each, and is then sent behind busy ones (postgres.js picks the connection).
 * Later callers wait in line, first come first served, at most `timeout` milliseconds, and then
 * fail with {@link PoolTimeoutError}. A caller that timed out leaves the line: nothing of it is
 * left queued anywhere to run later. A pipelined read is held to the same deadline by
 * {@link watch}: the driver fails it when it has not started by then.
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
  readonly #timeout: number
  #statements = 0
  #transactions = 0
  // A Set keeps insertion order (first come, first served) and removes a timed-out waiter in O(1).
  readonly #waiters = new Set<Waiter>()
  // Pipelined reads not yet settled, in the order of their deadlines.
  readonly #watches = new Set<PipelineWatch>()
  // One timer for the line and the watches, due at the earliest deadline: everyone waits the same
  // timeout, so deadlines come in the order callers came, and a caller costs no timer of its own.
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
      throw new RangeError(`The pool size must be a positive integer, got ${valueKind(size)}`)
    }
    this.#size = size
    this.#depth = checkPipeline(pipeline)
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

  /** Reads admitted per connection (1: none is pipelined). */
  get pipeline(): number {
    return this.#depth
  }

  /** Statements (reads included) and transactions admitted and not yet released. */
  get active(): number {
    return this.#statements + this.#transactions
  }

  /** Transactions admitted and not yet released. */
  get transactions(): number {
    return this.#transactions
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
   * Resolves with how the caller was admitted; it must call {@link release} with the same `use`
   * exactly once afterwards. Rejects with {@link PoolTimeoutError} after `timeout` ms in line, or
   * with {@link DatabaseClosedError} once the gate is closing.
   */
  acquire(use: GateUse = 'statement'): Promise<Admission> {
    if (this.#closing) return Promise.reject(new DatabaseClosedError())
    const admission = this.tryAcquire(use)
    if (admission !== undefined) return Promise.resolve(admission)
    return new Promise<Admission>((resolve, reject) => {
      const deadline = performance.now() + this.#timeout
      this.#waiters.add({ use, resolve, reject, deadline })
      this.#armIfIdle()
    })
  }

  /**
   * Admits the caller at once when it fits and nobody waits, without a promise (the hot path of a
   * statement); `undefined` otherwise, and then nothing was taken. Never admits once the gate is
   * closing. An admission must be followed by exactly one {@link release} with the same `use`.
   *
   * @example
   * ```ts
   * if (gate.tryAcquire()) { try { run() } finally { gate.release() } } else await gate.acquire()
   * ```
   */
  tryAcquire(use: GateUse = 'statement'): Admission | undefined {
    if (this.#closing || this.#waiters.size > 0) return undefined
    return this.#admit(use)
  }

  /** Takes what `use` needs when it fits now. */
  #admit(use: GateUse): Admission | undefined {
    const free = this.#size - this.#transactions
    if (this.#statements < free) {
      if (use === 'transaction') this.#transactions++
      else this.#statements++
      return 'idle'
    }
    // No idle connection: only a read goes on, behind busy statements (never onto a transaction's).
    if (use === 'read' && this.#statements < free * this.#depth) {
      this.#statements++
      return 'pipelined'
    }
    return undefined
  }

  /**
   * Calls `onLate` at `deadline` (a `performance.now()` time), unless {@link unwatch} came first:
   * how a pipelined read is held to its pool timeout. Deadlines must come in the order of the
   * calls (every caller has the same timeout).
   */
  watch(deadline: number, onLate: () => void): PipelineWatch {
    const watch: PipelineWatch = { deadline, onLate }
    this.#watches.add(watch)
    this.#armIfIdle()
    return watch
  }

  /** Stops watching: the read settled. */
  unwatch(watch: PipelineWatch): void {
    this.#watches.delete(watch)
    this.#disarmWhenNothingTimed()
  }

  #armIfIdle(): void {
    if (this.#timer === undefined && this.#timeout <= MAX_TIMER) this.#arm(this.#timeout)
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(delay)))
  }

  /** Fails the callers whose time is up, tells the watches that are late; re-arms for the next. */
  #expire(): void {
    this.#timer = undefined
    const now = performance.now()
    let next = Number.POSITIVE_INFINITY
    for (const waiter of this.#waiters) {
      if (waiter.deadline > now) {
        next = waiter.deadline
        break
      }
      this.#waiters.delete(waiter)
      waiter.reject(new PoolTimeoutError(this.#timeout, this.#size))
    }
    for (const watch of this.#watches) {
      if (watch.deadline > now) {
        next = Math.min(next, watch.deadline)
        break
      }
      this.#watches.delete(watch)
      watch.onLate()
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next - now)
    this.#checkIdle()
  }

  /** Gives back what {@link acquire} admitted; callers in line are admitted in order while they fit. */
  release(use: GateUse = 'statement'): void {
    if (use === 'transaction') {
      if (this.#transactions === 0) throw new Error('ConnectionGate.release() without acquire()')
      this.#transactions--
    } else {
      if (this.#statements === 0) throw new Error('ConnectionGate.release() without acquire()')
      this.#statements--
    }
    // First come, first served: a caller at the head that does not fit is not overtaken.
    for (const waiter of this.#waiters) {
      const admission = this.#admit(waiter.use)
      if (admission === undefined) break
      this.#waiters.delete(waiter)
      waiter.resolve(admission)
    }
    // A timer left for an admitted head finds the next deadline later and re-arms for it.
    this.#disarmWhenNothingTimed()
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
      this.#watches.clear()
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

  /** No timer is left to keep the process up once nobody waits and no read is watched. */
  #disarmWhenNothingTimed(): void {
    if (this.#waiters.size === 0 && this.#watches.size === 0) this.#disarm()
  }

  #idle(): boolean {
    return this.#statements === 0 && this.#transactions === 0 && this.#waiters.size === 0
  }

  #checkIdle(): void {
    if (this.#onIdle !== undefined && this.#idle()) this.#onIdle()
  }
}
