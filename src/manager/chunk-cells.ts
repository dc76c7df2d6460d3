import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { COPY_NULL, copyField } from '../values/copy-text'
import { arrayElement } from './batch-values'
import type { ParsedRow } from './row-validator'

// What a kept row's slot holds once the chunk is cleared: the row itself can be collected.
const NO_ROW: ParsedRow = Object.freeze({})

/**
 * The rows of one chunk, column by column, as the text each cell is sent as: a string, `null` for
 * SQL NULL, `undefined` where the row does not give the column. Each row is serialised as it is
 * added, so the parsed row can be dropped at once; the per-column arrays are kept from chunk to
 * chunk and emptied by {@link clear}, so what a batch holds is one chunk's texts whatever its
 * length. Built for COPY (`copy: true`), it keeps the chunk's parsed rows instead and writes
 * {@link copyText} from them in one pass (what COPY needs, and no more); the cells are then
 * serialised only if another form asks for them.
 *
 * @example
 * ```ts
 * const cells = new ChunkCells(users)
 * cells.add({ email: 'a@x.io', passwordHash: 'h1' })
 * cells.add({ email: 'b@x.io', passwordHash: 'h2' })
 * cells.present()                 // [users.email, users.passwordHash]
 * cells.literal(users.email)      // '{"a@x.io","b@x.io"}'
 * cells.clear()                   // ready for the next chunk
 * ```
 */
export class ChunkCells {
  /** The table's columns, in definition order. */
  readonly columns: readonly Column[]
  readonly #cells: (string | null | undefined)[][]
  readonly #index: ReadonlyMap<Column, number>
  // Each column's text writer from the column-type registry, looked up once per table.
  readonly #texts: readonly ((value: unknown) => string)[]
  // Whether each column's texts go into COPY as they are (no character COPY would read specially).
  readonly #copyPlain: readonly boolean[]
  // With `copy`: the chunk's rows, serialised into the cells only when asked (#serialised).
  readonly #rows: ParsedRow[] | undefined
  #serialised = 0
  #count = 0

  /** `copy: true` when the chunk will most likely be sent with COPY (see {@link copyText}). */
  constructor(table: AnyTable, copy = false) {
    this.columns = table.$meta.columns
    this.#cells = this.columns.map(() => [])
    this.#index = new Map(this.columns.map((c, j) => [c, j]))
    this.#texts = this.columns.map((c) => columnType(c.kind).text)
    this.#copyPlain = this.columns.map((c) => columnType(c.kind).copyPlain)
    this.#rows = copy ? [] : undefined
  }

  /** Rows added since the last {@link clear}. */
  get count(): number {
    return this.#count
  }

  /** Serialises one validated row into the cells (with `copy`, keeps it until asked). */
  add(row: ParsedRow): void {
    const n = this.#count++
    if (this.#rows !== undefined) this.#rows[n] = row
    else this.#serialise(row, n)
  }

  /** The cell of `column` in row `k` (from 0) of the chunk. */
  cell(column: Column, k: number): string | null | undefined {
    return this.#column(column)[k]
  }

  /**
   * The columns at least one row gives (in definition order): the column list of their INSERT.
   * @example cells.present() // [users.email, users.passwordHash]  -- ("email", "password_hash")
   */
  present(): Column[] {
    const rows = this.#rows
    if (rows === undefined)
      return this.columns.filter((c) => this.#some(c, (cell) => cell !== undefined))
    return this.columns.filter((c) => {
      const key = c.property
      for (let k = 0; k < this.#count; k++) if (rows[k]![key] !== undefined) return true
      return false
    })
  }

  /**
   * True when some rows give a column that has a database default and others omit it: UNNEST has
   * no way to say "the default" for one cell, so those rows need VALUES with DEFAULT. (An omitted
   * column without a default is NULL, which UNNEST can say.)
   *
   * @example
   * ```ts
   * // [{ userId: 1, name: 'a' }, { userId: 1, name: 'b', status: 'x' }]: status has DEFAULT 'active'
   * cells.needsValuesForm([functions.userId, functions.name, functions.status]) // true
   * ```
   */
  needsValuesForm(present: readonly Column[]): boolean {
    if (present.length === 0) return true
    const rows = this.#rows
    if (rows === undefined)
      return present.some((c) => c.hasDefault && this.#some(c, (cell) => cell === undefined))
    return present.some((c) => {
      if (!c.hasDefault) return false
      const key = c.property
      for (let k = 0; k < this.#count; k++) if (rows[k]![key] === undefined) return true
      return false
    })
  }

  /**
   * The array literal of a column's cells (an omitted cell is NULL), built straight from them.
   * @example cells.literal(functions.activeDeploymentId) // '{"5",NULL}'
   */
  literal(column: Column): string {
    const cells = this.#column(column)
    let out = '{'
    for (let k = 0; k < this.#count; k++) {
      if (k > 0) out += ','
      out += arrayElement(cells[k] ?? null)
    }
    return `${out}}`
  }

  /**
   * The rows as COPY text data for `columns` (a {@link present} list): one line per row, each
   * cell escaped by `copyField` (an omitted cell is NULL, `\N`).
   * @example cells.copyText([items.sku, items.note]) // 'a\t\\N\nb\tline one\\nline two\n'
   */
  copyText(columns: readonly Column[]): string {
    if (this.#rows !== undefined) return this.#copyTextOfRows(columns)
    const cells = columns.map((c) => this.#column(c))
    const plain = columns.map((c) => this.#copyPlain[this.#index.get(c)!]!)
    const last = cells.length - 1
    let out = ''
    for (let k = 0; k < this.#count; k++) {
      for (let j = 0; j <= last; j++) {
        const cell = cells[j]![k]
        out += cell === undefined || cell === null ? COPY_NULL : plain[j] ? cell : copyField(cell)
        out += j === last ? '\n' : '\t'
      }
    }
    return out
  }

  /** Forgets the rows; their texts can be collected while the arrays stay for the next chunk. */
  clear(): void {
    const filled = this.#rows === undefined ? this.#count : this.#serialised
    for (const cells of this.#cells) cells.fill(undefined, 0, filled)
    this.#rows?.fill(NO_ROW, 0, this.#count)
    this.#serialised = 0
    this.#count = 0
  }

  // The cells of row `n`.
  #serialise(row: ParsedRow, n: number): void {
    const columns = this.columns
    const cells = this.#cells
    const texts = this.#texts
    for (let j = 0; j < columns.length; j++) {
      const value = row[columns[j]!.property]
      cells[j]![n] = value === undefined ? undefined : value === null ? null : texts[j]!(value)
    }
  }

  // COPY text straight from the kept rows: each value's text, escaped unless its kind is plain.
  #copyTextOfRows(columns: readonly Column[]): string {
    const rows = this.#rows!
    const keys = columns.map((c) => c.property)
    const texts = columns.map((c) => this.#texts[this.#index.get(c)!]!)
    const plain = columns.map((c) => this.#copyPlain[this.#index.get(c)!]!)
    const last = columns.length - 1
    let out = ''
    for (let k = 0; k < this.#count; k++) {
      const row = rows[k]!
      for (let j = 0; j <= last; j++) {
        const value = row[keys[j]!]
        out +=
          value === undefined || value === null
            ? COPY_NULL
            : plain[j]
              ? texts[j]!(value)
              : copyField(texts[j]!(value))
        out += j === last ? '\n' : '\t'
      }
    }
    return out
  }

  #column(column: Column): (string | null | undefined)[] {
    const rows = this.#rows
    if (rows !== undefined) {
      // Another form than COPY asks for the cells: the kept rows are serialised once.
      for (let k = this.#serialised; k < this.#count; k++) this.#serialise(rows[k]!, k)
      this.#serialised = this.#count
    }
    return this.#cells[this.#index.get(column)!]!
  }

  #some(column: Column, test: (cell: string | null | undefined) => boolean): boolean {
    const cells = this.#column(column)
    for (let k = 0; k < this.#count; k++) if (test(cells[k])) return true
    return false
  }
}
