import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { COPY_NULL, copyField } from '../values/copy-text'
import { arrayElement } from './batch-values'
import type { ParsedRow } from './row-validator'

/**
 * The rows of one chunk, column by column, as the text each cell is sent as: a string, `null` for
 * SQL NULL, `undefined` where the row does not give the column. Each row is serialised as it is
 * added, so the parsed row can be dropped at once; the per-column arrays are kept from chunk to
 * chunk and emptied by {@link clear}, so what a batch holds is one chunk's texts whatever its
 * length.
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
  #count = 0

  constructor(table: AnyTable) {
    this.columns = table.$meta.columns
    this.#cells = this.columns.map(() => [])
    this.#index = new Map(this.columns.map((c, j) => [c, j]))
    this.#texts = this.columns.map((c) => columnType(c.kind).text)
    this.#copyPlain = this.columns.map((c) => columnType(c.kind).copyPlain)
  }

  /** Rows added since the last {@link clear}. */
  get count(): number {
    return this.#count
  }

  /** Serialises one validated row into the cells. */
  add(row: ParsedRow): void {
    const n = this.#count++
    const columns = this.columns
    for (let j = 0; j < columns.length; j++) {
      const column = columns[j]!
      const value = row[column.property]
      this.#cells[j]![n] =
        value === undefined ? undefined : value === null ? null : this.#texts[j]!(value)
    }
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
    return this.columns.filter((c) => this.#some(c, (cell) => cell !== undefined))
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
    return present.some((c) => c.hasDefault && this.#some(c, (cell) => cell === undefined))
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
    for (const cells of this.#cells) cells.fill(undefined, 0, this.#count)
    this.#count = 0
  }

  #column(column: Column): (string | null | undefined)[] {
    return this.#cells[this.#index.get(column)!]!
  }

  #some(column: Column, test: (cell: string | null | undefined) => boolean): boolean {
    const cells = this.#column(column)
    for (let k = 0; k < this.#count; k++) if (test(cells[k])) return true
    return false
  }
}
