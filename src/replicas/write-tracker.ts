import { formatLsn, parseLsn } from './lsn'

/**
 * Read-your-writes bookkeeping for one scope (a whole `Database`, or a session of it): which
 * WAL position of the primary a read must find replayed on a replica to see every write of the
 * scope that has completed.
 *
 * It costs a write nothing: a write only counts itself ({@link wrote}). The primary's position
 * (`pg_current_wal_insert_lsn()`, one statement on the primary) is read when a read follows a write,
 * once for any number of writes before it, and shared by every read until the next write. Read
 * after the write completed, that position is at or past the write's commit record: waiting for
 * it is safe, and may wait a little for other sessions' writes too.
 *
 * @example
 * ```ts
 * const tracker = new WriteTracker(() => primaryLsn())
 * await tracker.required() // undefined: nothing written yet, any replica will do
 * tracker.wrote()
 * await tracker.required() // 0x3000148n: select pg_current_wal_insert_lsn() ran once
 * ```
 */
export class WriteTracker {
  readonly #fetch: () => Promise<bigint | undefined>
  readonly #parent: WriteTracker | undefined
  #floor: bigint | undefined
  #writes = 0
  #known: { readonly writes: number; readonly lsn: Promise<bigint | undefined> } | undefined

  /**
   * @param fetch reads the primary's current WAL position.
   * @param parent a scope this one is part of (a session's database): writes count for both,
   *   and a read waits for both.
   * @param floor a position the scope must see from the start (a session token).
   */
  constructor(fetch: () => Promise<bigint | undefined>, parent?: WriteTracker, floor?: bigint) {
    this.#fetch = fetch
    this.#parent = parent
    this.#floor = floor
  }

  /** Counts a write that has completed (a statement, or a transaction's commit or rollback). */
  wrote(): void {
    this.#writes++
    this.#parent?.wrote()
  }

  /**
   * The WAL position a read must see, or undefined when the scope wrote nothing (then any
   * replica will do). Rejects when the primary's position cannot be read: then read the primary.
   */
  async required(): Promise<bigint | undefined> {
    const [own, parent] = await Promise.all([this.#own(), this.#parent?.required()])
    return max(max(own, parent), this.#floor)
  }

  /**
   * A token for the position this scope's reads must see: carry it to the next request (a
   * cookie, a header) and give it to `db.session(token)` there. `''` when nothing was written.
   */
  async token(): Promise<string> {
    const lsn = await this.required()
    return lsn === undefined ? '' : formatLsn(lsn)
  }

  #own(): Promise<bigint | undefined> {
    if (this.#writes === 0) return Promise.resolve(undefined)
    const known = this.#known
    if (known !== undefined && known.writes === this.#writes) return known.lsn
    const writes = this.#writes
    const lsn = this.#fetch()
    this.#known = { writes, lsn }
    // A failed read of the position is not kept: the next read asks again.
    lsn.catch(() => {
      if (this.#known?.lsn === lsn) this.#known = undefined
    })
    return lsn
  }

  /** Raises the floor to a token's position (`db.session(token)`); an empty token does nothing. */
  raise(token: string): boolean {
    if (token === '') return true
    const lsn = parseLsn(token)
    if (lsn === undefined) return false
    this.#floor = max(this.#floor, lsn)
    return true
  }
}

function max(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a > b ? a : b
}
