/**
 * One call being watched by a {@link DeadlineList}.
 *
 * @example
 * ```ts
 * const entry: DeadlineEntry = list.add(() => console.log('late'))
 * list.remove(entry)
 * ```
 */
export interface DeadlineEntry {
  /** `performance.now()` time after which `onLate` is called. */
  readonly at: number
  readonly onLate: () => void
}

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER = 2 ** 31 - 1

/**
 * Watches calls that all have the same deadline, `ms` after they were added, with one timer for
 * all of them: since every call waits the same time, deadlines come in the order calls came, and
 * a call costs a set entry instead of a timer of its own (the hot path of every statement). The
 * timer does not keep the process alive: a call in flight does that through its socket.
 *
 * @example
 * ```ts
 * const deadlines = new DeadlineList(10_000)
 * const entry = deadlines.add(() => fail(new QueryDeadlineError(10_000, endpoint)))
 * pending.then(() => deadlines.remove(entry))
 * ```
 */
export class DeadlineList {
  readonly #ms: number
  readonly #entries = new Set<DeadlineEntry>()
  #timer: ReturnType<typeof setTimeout> | undefined

  /** `ms` must be at most 2^31 - 1 (callers treat longer deadlines as none). */
  constructor(ms: number) {
    if (!(ms >= 0 && ms <= MAX_TIMER))
      throw new RangeError(`A deadline of ${ms} ms cannot be timed`)
    this.#ms = ms
  }

  /** Calls being watched. */
  get size(): number {
    return this.#entries.size
  }

  /** Calls `onLate` once this list's `ms` have passed, unless {@link remove} came first. */
  add(onLate: () => void): DeadlineEntry {
    const entry: DeadlineEntry = { at: performance.now() + this.#ms, onLate }
    this.#entries.add(entry)
    if (this.#timer === undefined) this.#arm(this.#ms)
    return entry
  }

  /** Stops watching `entry` (its call settled). The timer is left to lapse, not cleared. */
  remove(entry: DeadlineEntry): void {
    this.#entries.delete(entry)
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(delay)))
    this.#timer.unref?.()
  }

  #expire(): void {
    this.#timer = undefined
    const now = performance.now()
    for (const entry of this.#entries) {
      if (entry.at > now) {
        this.#arm(entry.at - now)
        return
      }
      this.#entries.delete(entry)
      entry.onLate()
    }
  }
}
