import { CompiledQuery } from 'kysely'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'
import { placeholder, toParameter } from './kind-parameter'
import { LiteralLimits } from './literal-limits'
import type { OrderTerm } from './query-options'
import { type StatementCache, shapeKey } from './statement-cache'
import { type WhereText, whereClause } from './where-compiler'

/** How rows after a keyset cursor are selected (see {@link FinderStatements.cursorPage}). */
type Keyset = 'row' | 'rowOrNull' | 'nullAsc' | 'nullDesc'

/**
 * The statements of the finders whose shape depends on the call (`findAll`, `findOne`, `count`,
 * `exists`, the pages): the SQL text of each shape is written once and cached per table, and a
 * call only supplies its parameters. The shape key is made of the where text (only quoted
 * definition names, fixed operators and `?`; see `whereText`), definition names, directions and
 * flags, and the limit when it is written as a literal (see {@link LiteralLimits}: a validated
 * integer, a handful per table): never of a value. The text is the one Kysely would compile for
 * the same query (lower-case keywords, `$n` numbered in order), so a shape has one prepared
 * statement text. The finders are part of their table's `TableStatements` and share its cache.
 *
 * @example
 * ```ts
 * tableStatements(functions).finders.select(whereText(functions, { userId: 7 }), false, [], 20)
 * // select "id", ... from "functions" where "user_id" = $1 limit 20   [7]
 * ```
 */
export class FinderStatements {
  readonly #table: AnyTable
  readonly #cache: StatementCache
  readonly #live: string | undefined
  readonly #limits = new LiteralLimits()

  /** `live` is the soft-delete condition (`"deleted_at" is null`), if the table has one. */
  constructor(table: AnyTable, cache: StatementCache, live: string | undefined) {
    this.#table = table
    this.#cache = cache
    this.#live = live
  }

  /**
   * `select <columns> from "t" [where <where> and "<soft>" is null] [order by ...] [limit 20]
   * [offset $m]`; `where.values` become the first parameters (the array is reused). The limit is
   * a literal (see {@link LiteralLimits}), or `$n` past the table's literal limits; the offset,
   * different on every page, is always a parameter.
   */
  select(
    where: WhereText | undefined,
    withDeleted: boolean,
    order: readonly OrderTerm[],
    limit: number | undefined,
    offset: number | undefined,
  ): CompiledQuery<unknown> {
    const live = this.#live !== undefined && !withDeleted
    const literal = limit === undefined ? undefined : this.#limits.literal(limit)
    let key = live ? 'S+' : 'S-'
    key += limit === undefined ? '-' : literal === undefined ? 'l' : `l=${literal};`
    key += offset === undefined ? '-' : 'o'
    for (const term of order) key += `${term.column.name} ${term.direction},`
    key = shapeKey(key, where)
    let text = this.#cache.get(key)
    if (text === undefined) {
      const meta = this.#table.$meta
      let n = where?.values.length ?? 0
      text = `select ${meta.selectList} from ${meta.quotedName}${this.#where(where, live)}`
      if (order.length > 0) {
        text += ` order by ${order.map((t) => `${quoteIdentifier(t.column.name)} ${t.direction}`).join(', ')}`
      }
      if (literal !== undefined) text += ` limit ${literal}`
      else if (limit !== undefined) text += ` limit $${++n}`
      if (offset !== undefined) text += ` offset $${++n}`
      text = this.#cache.set(key, text)
    }
    const parameters = where?.values ?? []
    if (limit !== undefined && literal === undefined) parameters.push(limit)
    if (offset !== undefined) parameters.push(offset)
    return CompiledQuery.raw(text, parameters)
  }

  /** `select count(*) as "count" from "t" [where ...]` */
  count(where: WhereText | undefined, withDeleted: boolean): CompiledQuery<unknown> {
    return this.#wrapped('C', where, withDeleted, 'select count(*) as "count" from ', '')
  }

  /** `select exists (select 1 as "one" from "t" [where ...]) as "exists"` */
  exists(where: WhereText | undefined, withDeleted: boolean): CompiledQuery<unknown> {
    return this.#wrapped(
      'E',
      where,
      withDeleted,
      'select exists (select 1 as "one" from ',
      ') as "exists"',
    )
  }

  // `<before>"t" [where ...]<after>`, whose only parameters are the where's.
  #wrapped(
    kind: string,
    where: WhereText | undefined,
    withDeleted: boolean,
    before: string,
    after: string,
  ): CompiledQuery<unknown> {
    const live = this.#live !== undefined && !withDeleted
    const key = shapeKey(`${kind}${live ? '+' : '-'}`, where)
    const text =
      this.#cache.get(key) ??
      this.#cache.set(
        key,
        `${before}${this.#table.$meta.quotedName}${this.#where(where, live)}${after}`,
      )
    return CompiledQuery.raw(text, where?.values ?? [])
  }

  /**
   * A keyset page: every column, each timestamp sort value also as PostgreSQL's text
   * (`"created_at"::text as "__ke_cursor_0"`), the rows after `after` in keyset order (nulls last
   * ascending, first descending, as an index scan returns them), ordered by `columns`, `limit`
   * rows. A row comparison `(sort, key) > ($1, $2)` is one index range; it is exact whenever no
   * NULL can sort after the cursor. PostgreSQL's own null placement is the order a btree index
   * scan returns, forwards or backwards: another placement would sort the whole table. The limit
   * is a literal (`limit 21`; see {@link LiteralLimits}), so PostgreSQL keeps one generic plan
   * for the page instead of planning every execution; past the table's literal limits, `$n`.
   */
  cursorPage(
    where: WhereText | undefined,
    withDeleted: boolean,
    columns: readonly Column[],
    direction: 'asc' | 'desc',
    after: readonly unknown[] | undefined,
    limit: number,
  ): CompiledQuery<unknown> {
    const live = this.#live !== undefined && !withDeleted
    const keyset = after === undefined ? undefined : keysetOf(columns, after, direction)
    const literal = this.#limits.literal(limit)
    let key = `${live ? 'K+' : 'K-'}${direction}${keyset ?? '-'}${literal ?? '$'}`
    for (const column of columns) key += `,${column.name}`
    key = shapeKey(key, where)
    const parameters = where?.values ?? []
    let text = this.#cache.get(key)
    if (text === undefined) {
      const meta = this.#table.$meta
      const refs = columns.map((c) => quoteIdentifier(c.name))
      let select = `select ${meta.selectList}`
      columns.forEach((column, i) => {
        if (isTimestamp(column)) select += `, ${refs[i]}::text as "__ke_cursor_${i}"`
      })
      let conditions = this.#where(where, live)
      if (keyset !== undefined) {
        const condition = keysetText(keyset, columns, refs, direction, parameters.length + 1)
        conditions += conditions === '' ? ` where ${condition}` : ` and ${condition}`
      }
      const order = refs.map((ref) => `${ref} ${direction}`).join(', ')
      const n = parameters.length + (keyset === undefined ? 0 : keysetArity(keyset, columns)) + 1
      text = this.#cache.set(
        key,
        `${select} from ${meta.quotedName}${conditions} order by ${order} limit ${literal ?? `$${n}`}`,
      )
    }
    if (keyset !== undefined) {
      if (keyset === 'row' || keyset === 'rowOrNull') {
        for (let i = 0; i < columns.length; i++) {
          parameters.push(toParameter(columns[i]!, after![i]))
        }
      } else {
        // (sort is null and key > $n): the key alone.
        parameters.push(toParameter(columns[1]!, after![1]))
      }
    }
    if (literal === undefined) parameters.push(limit)
    return CompiledQuery.raw(text, parameters)
  }

  /** ` where <where> and "<soft>" is null`, or less, or nothing. */
  #where(where: WhereText | undefined, live: boolean): string {
    return whereClause(where, 1, live ? this.#live : undefined)
  }
}

// Values PostgreSQL holds more exactly than JavaScript (timestamps) travel in cursors as its text.
const isTimestamp = (column: Column) => columnType(column.kind).exactText

/** Which condition selects the rows after a cursor at `values` (see `cursorPage`). */
function keysetOf(
  columns: readonly Column[],
  values: readonly unknown[],
  direction: 'asc' | 'desc',
): Keyset {
  // [sort, key]: sort is nullable, key (the primary key) is not.
  if (columns.every((c) => c.notNull)) return 'row'
  if (direction === 'asc') return values[0] === null ? 'nullAsc' : 'rowOrNull'
  return values[0] === null ? 'nullDesc' : 'row'
}

function keysetArity(keyset: Keyset, columns: readonly Column[]): number {
  return keyset === 'row' || keyset === 'rowOrNull' ? columns.length : 1
}

function keysetText(
  keyset: Keyset,
  columns: readonly Column[],
  refs: readonly string[],
  direction: 'asc' | 'desc',
  first: number,
): string {
  const op = direction === 'asc' ? '>' : '<'
  const [sortRef, keyRef] = refs
  // Each value with its kind's placeholder: bytea and jsonb travel as text cast in the SQL, as
  // toParameter sends them.
  const key = placeholder(columns[columns.length - 1]!, first)
  switch (keyset) {
    case 'row':
    case 'rowOrNull': {
      const values = columns.map((column, i) => placeholder(column, first + i)).join(', ')
      const row = `(${refs.join(', ')}) ${op} (${values})`
      return keyset === 'row' ? row : `(${row} or ${sortRef} is null)`
    }
    case 'nullAsc':
      return `(${sortRef} is null and ${keyRef} > ${key})`
    case 'nullDesc':
      return `((${sortRef} is null and ${keyRef} < ${key}) or ${sortRef} is not null)`
  }
}
