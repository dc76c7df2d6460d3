import type { EntityValidationError } from '../entity/entity-validation-error'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { describe } from '../query/query-options'
import type { AnyTable } from '../schema/define-table'
import { type ParsedRow, RowValidator } from './row-validator'

/**
 * The rows of a batch: an array, any other `Iterable` (a `Set`, a generator) or an
 * `AsyncIterable` (an async generator, a Node.js `Readable` in object mode). Only an array is
 * read by index; the others are read once, a chunk at a time, so they need not fit in memory.
 *
 * @example
 * ```ts
 * const rows: BatchRows<{ line: string }> = (async function* () {
 *   for await (const line of readline.createInterface({ input: createReadStream('log.txt') })) yield { line }
 * })()
 * ```
 */
export type BatchRows<R> = readonly R[] | Iterable<R> | AsyncIterable<R>

const isFunction = (value: unknown): boolean => typeof value === 'function'

/**
 * `rows` must be an array or an iterable of rows (a string, although iterable, is not): anything
 * else is a mistake in the call, not in a row. Throws {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * checkBatchRows({ email: 'a@x.io' })
 * // throws InvalidQueryError: rows: expected an array of rows, got an object; an Iterable or AsyncIterable of rows works too
 * ```
 * @internal
 */
export function checkBatchRows(rows: unknown, path = 'rows'): BatchRows<unknown> {
  if (Array.isArray(rows)) return rows
  if (
    rows !== null &&
    typeof rows === 'object' &&
    (isFunction((rows as Iterable<unknown>)[Symbol.iterator]) ||
      isFunction((rows as AsyncIterable<unknown>)[Symbol.asyncIterator]))
  ) {
    return rows as BatchRows<unknown>
  }
  throw new InvalidQueryError(
    path,
    `expected an array of rows, got ${describe(rows)}; an Iterable or AsyncIterable of rows works too`,
  )
}

/**
 * Reads the rows of a batch a chunk at a time and validates each row as it is read, keeping only
 * the current chunk: memory stays constant whatever the row count. An array is read by index up
 * to its length at the start; an `AsyncIterable` is preferred to an `Iterable` (as `for await`
 * does). A row with an issue ends the chunks; {@link validateRest} then reads the remaining rows
 * only to report every issue, as validating everything up front would.
 *
 * @example
 * ```ts
 * const chunks = new RowChunks(users, rows, 5_000)
 * const cells = new ChunkCells(users)
 * while ((await chunks.next((row) => cells.add(row))) > 0) send(cells)
 * if (chunks.failed) { await chunks.validateRest(); throw chunks.error() }
 * ```
 * @internal
 */
export class RowChunks {
  readonly #array: readonly unknown[] | undefined
  readonly #end: number
  readonly #iterator: Iterator<unknown> | undefined
  readonly #asyncIterator: AsyncIterator<unknown> | undefined
  readonly #size: number
  readonly #validator: RowValidator
  /** Rows read so far: the input index of the next row. */
  #read = 0
  #done = false

  constructor(table: AnyTable, rows: BatchRows<unknown>, size: number) {
    this.#size = size
    this.#validator = new RowValidator(table, (i) => `rows[${i}]`)
    if (Array.isArray(rows)) {
      this.#array = rows
      this.#end = rows.length
      return
    }
    this.#end = Number.POSITIVE_INFINITY
    const asyncIterable = (rows as AsyncIterable<unknown>)[Symbol.asyncIterator]
    const iterator: unknown =
      typeof asyncIterable === 'function'
        ? asyncIterable.call(rows)
        : (rows as Iterable<unknown>)[Symbol.iterator]()
    if (
      iterator === null ||
      typeof iterator !== 'object' ||
      !isFunction((iterator as Iterator<unknown>).next)
    ) {
      throw new InvalidQueryError('rows', 'its iterator is not an object with a next() method')
    }
    if (typeof asyncIterable === 'function')
      this.#asyncIterator = iterator as AsyncIterator<unknown>
    else this.#iterator = iterator as Iterator<unknown>
  }

  /** The row count of an array; `NaN` for an iterable, whose length is known only at its end. */
  get total(): number {
    return this.#array === undefined ? Number.NaN : this.#end
  }

  /** True once a row failed validation: {@link next} then returns no more rows. */
  get failed(): boolean {
    return this.#validator.failed
  }

  /**
   * Reads the next chunk of rows (at most the chunk size), validates each and hands it to `add`
   * at once, in input order; resolves to the number handed over: 0 at the end, or when a row of
   * the chunk failed validation (see {@link failed}). Only `add` keeps anything of a row.
   */
  async next(add: (row: ParsedRow) => void): Promise<number> {
    let added = 0
    const limit = this.#read + this.#size
    while (!this.#done && this.#read < limit) {
      const row = this.#asyncIterator === undefined ? this.#nextRow() : await this.#nextAsyncRow()
      if (this.#done) break
      const parsed = this.#validator.parse(row, this.#read++)
      if (parsed !== undefined && !this.failed) {
        add(parsed)
        added++
      }
    }
    return this.failed ? 0 : added
  }

  /** Reads and validates every remaining row (keeping none), so {@link error} names them all. */
  async validateRest(): Promise<void> {
    while (!this.#done) {
      const row = this.#asyncIterator === undefined ? this.#nextRow() : await this.#nextAsyncRow()
      if (!this.#done) this.#validator.parse(row, this.#read++)
    }
  }

  /** The validation issues of every row read so far, in one error. */
  error(): EntityValidationError {
    return this.#validator.error()
  }

  /**
   * Closes an iterator that was not read to its end (as `for ... of` does when the loop is left
   * early), so a generator's `finally` runs; an error from closing it is ignored, as the error
   * that ended the batch is the one to report.
   */
  async close(): Promise<void> {
    if (this.#done) return
    this.#done = true
    try {
      if (this.#asyncIterator !== undefined) await this.#asyncIterator.return?.()
      else this.#iterator?.return?.()
    } catch {
      // The batch's own error is reported instead.
    }
  }

  #nextRow(): unknown {
    if (this.#array !== undefined) {
      if (this.#read < this.#end) return this.#array[this.#read]
      this.#done = true
      return undefined
    }
    let result: IteratorResult<unknown>
    try {
      result = this.#iterator!.next()
    } catch (error) {
      // An iterator whose next() threw is not closed (nor is it by `for ... of`).
      this.#done = true
      throw error
    }
    return this.#step(result)
  }

  async #nextAsyncRow(): Promise<unknown> {
    let result: IteratorResult<unknown>
    try {
      result = await this.#asyncIterator!.next()
    } catch (error) {
      this.#done = true
      throw error
    }
    return this.#step(result)
  }

  #step(result: IteratorResult<unknown>): unknown {
    if (result === null || typeof result !== 'object') {
      this.#done = true
      throw new InvalidQueryError('rows', `its iterator's next() returned ${describe(result)}`)
    }
    if (result.done) {
      this.#done = true
      return undefined
    }
    return result.value
  }
}
