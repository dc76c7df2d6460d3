// The statements of batch insert and upsert: one array parameter per column (the unnest form),
// or text cells with defaults (the values form), an on conflict clause, and the select of kept
// rows by key. Written in the casing of every statement of `TableStatements` (lower-case keywords,
// `CURRENT_TIMESTAMP`), and kept in the table's statement cache by shape.

import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'
import { tableStatements } from './table-statements'

/**
 * The end of an {@link onConflictClause} that overwrites nothing.
 * @example onConflictClause(users, { conflict: [email], update: new Set() }, [email]).endsWith(DO_NOTHING) // true
 */
export const DO_NOTHING = ' do nothing'

/**
 * What an {@link onConflictClause} needs of an upsert plan.
 * @example const plan: ConflictPlan = { conflict: [users.$meta.byProperty.get('email')!], update: undefined }
 */
export interface ConflictPlan {
  /** The conflict target, in the order given. */
  readonly conflict: readonly Column[]
  /** Properties that may be overwritten; `undefined`: every given one but keys. */
  readonly update: ReadonlySet<string> | undefined
}

/**
 * ` returning <every column>`: what follows a batch insert or upsert that returns its rows.
 * @example returningClause(users) // ' returning "id", "uuid", "email", "password_hash", "created_at", "updated_at"'
 */
export const returningClause = (table: AnyTable): string => ` returning ${table.$meta.selectList}`

/**
 * The type a column's values are cast to in batch statements: its SQL type without a length or
 * precision (`serial` → `integer`, `varchar(255)` → `varchar`, `numeric(10,2)` → `numeric`).
 * Deliberately without typmods: an explicit cast to varchar(n) silently truncates, while the
 * assignment into the column raises 22001 like a one-row INSERT.
 *
 * @example
 * ```ts
 * castType(users.id)    // 'integer'
 * castType(users.email) // 'varchar'
 * ```
 */
export function castType(column: Column): string {
  return columnType(column.kind).castType
}

/**
 * True for the array kinds, which travel as `text[]` of array literals in batch statements.
 * @example isArrayKind(everyKind.tags) // true
 */
export const isArrayKind = (column: Column): boolean => columnType(column.kind).where === 'array'

/**
 * The cache key part for a list of columns (SQL names are identifiers: no commas).
 * @example columnsKey([users.email, users.passwordHash]) // 'email,password_hash'
 */
export const columnsKey = (columns: readonly Column[]): string =>
  columns.map((c) => c.name).join(',')

/**
 * The unnest output column `n` in a SELECT list; array columns' element text is cast back.
 * @example sourceColumn(users.email, 1) // 's.c1';  sourceColumn(everyKind.tags, 2) // 's.c2::text[]'
 */
export function sourceColumn(column: Column, n: number): string {
  return isArrayKind(column) ? `s.c${n}::${castType(column)}` : `s.c${n}`
}

/**
 * The row source of the unnest form: one array parameter per column, numbered from 1, and the
 * rows in array order. `with ordinality ... order by s.i` makes that order part of the query's
 * meaning rather than an accident of the plan (and costs nothing: the planner knows a function
 * scan is already sorted by its ordinality). Array columns travel as `text[]` of array literals,
 * because `unnest` cannot take an array of arrays.
 *
 * @example
 * ```ts
 * unnestSource([users.email, users.passwordHash])
 * // 'select s.c1, s.c2 from unnest($1::varchar[], $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i'
 * ```
 */
export function unnestSource(columns: readonly Column[]): string {
  const select = columns.map((c, i) => sourceColumn(c, i + 1)).join(', ')
  const arrays = columns
    .map((c, i) => `$${i + 1}::${isArrayKind(c) ? 'text' : castType(c)}[]`)
    .join(', ')
  const names = columns.map((_, i) => `c${i + 1}`).join(', ')
  return `select ${select} from unnest(${arrays}) with ordinality as s(${names}, i) order by s.i`
}

/**
 * The quoted SQL names, for a column list.
 * @example columnList([users.email, users.passwordHash]) // '"email", "password_hash"'
 */
export const columnList = (columns: readonly Column[]): string =>
  columns.map((c) => quoteIdentifier(c.name)).join(', ')

/**
 * The unnest form of a batch INSERT: one array parameter per column whatever the number of rows,
 * and the same text for every chunk of the same columns (cached per table). `suffix` follows the
 * row source: {@link returningClause}, an {@link onConflictClause}, or nothing.
 *
 * @example
 * ```ts
 * unnestInsertSql(users, [users.email, users.passwordHash], returningClause(users))
 * // insert into "users" ("email", "password_hash") select s.c1, s.c2
 * //   from unnest($1::varchar[], $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i
 * //   returning "id", "uuid", "email", "password_hash", "created_at", "updated_at"
 * ```
 */
export function unnestInsertSql(table: AnyTable, columns: readonly Column[], suffix = ''): string {
  return tableStatements(table).cached(
    `insert|${columnsKey(columns)}|${suffix}`,
    () =>
      `insert into ${table.$meta.quotedName} (${columnList(columns)}) ${unnestSource(columns)}${suffix}`,
  )
}

/**
 * `copy "t" (<columns>) from stdin`: a batch insert's rows sent as COPY text data, into the
 * columns given (the others take their defaults). Cached per table and column list.
 *
 * @example
 * ```ts
 * copyFromSql(items, [items.sku, items.qty]) // 'copy "items" ("sku", "qty") from stdin'
 * ```
 */
export function copyFromSql(table: AnyTable, columns: readonly Column[]): string {
  return tableStatements(table).cached(
    `copy|${columnsKey(columns)}`,
    () => `copy ${table.$meta.quotedName} (${columnList(columns)}) from stdin`,
  )
}

// One cell of a VALUES row. Each parameter is declared text and cast from there: postgres.js
// rewrites a string bound to a boolean ('t' becomes false) or jsonb (encoded again) parameter.
const valuesCell = (column: Column, n: number): string => {
  const type = castType(column)
  return type === 'text' ? `$${n}::text` : `$${n}::text::${type}`
}

/**
 * The VALUES form of a batch INSERT, for rows that cannot share one column list: a cell that is
 * `undefined` becomes `default` (the column's database default), any other cell a text parameter
 * (`null` for NULL). Not cached: the text depends on where the defaults are.
 *
 * @example
 * ```ts
 * valuesInsert(functions, [functions.userId, functions.name, functions.status],
 *   [['1', 'a', undefined], ['1', 'b', 'off']])
 * // { sql: 'insert into "functions" ("user_id", "name", "status") values
 * //   ($1::text::integer, $2::text::varchar, default), ($3::text::integer, $4::text::varchar, $5::text::varchar)',
 * //   parameters: ['1', 'a', '1', 'b', 'off'] }
 * ```
 */
export function valuesInsert(
  table: AnyTable,
  columns: readonly Column[],
  cells: readonly (readonly (string | null | undefined)[])[],
  suffix = '',
): { readonly sql: string; readonly parameters: (string | null)[] } {
  const parameters: (string | null)[] = []
  const tuples = cells.map((row) => {
    const values = columns.map((column, j) => {
      const cell = row[j]
      if (cell === undefined) return 'default'
      parameters.push(cell)
      return valuesCell(column, parameters.length)
    })
    return `(${values.join(', ')})`
  })
  const sql = `insert into ${table.$meta.quotedName} (${columnList(columns)}) values ${tuples.join(', ')}${suffix}`
  return { sql, parameters }
}

/**
 * The ON CONFLICT clause for rows giving `columns`. Overwritten: `update` (default: every given
 * column but the conflict target and the primary key) limited to what the rows give (a column a
 * row does not give keeps its value), plus `CURRENT_TIMESTAMP` into each `onUpdateNow` column
 * not set so. Nothing to overwrite gives `do nothing`.
 *
 * @example
 * ```ts
 * onConflictClause(users, { conflict: [users.email], update: undefined }, [users.email, users.passwordHash])
 * // ' on conflict ("email") do update set "password_hash" = excluded."password_hash",
 * //   "updated_at" = CURRENT_TIMESTAMP'
 * ```
 */
export function onConflictClause(
  table: AnyTable,
  plan: ConflictPlan,
  columns: readonly Column[],
): string {
  const meta = table.$meta
  const keys = new Set([...plan.conflict, ...meta.primaryKey])
  const set = columns.filter(
    (c) => !keys.has(c) && (plan.update === undefined || plan.update.has(c.property)),
  )
  const target = ` on conflict (${columnList(plan.conflict)})`
  if (set.length === 0) return `${target}${DO_NOTHING}`
  const q = quoteIdentifier
  const assignments = [
    ...set.map((c) => `${q(c.name)} = excluded.${q(c.name)}`),
    ...meta.onUpdateNow
      .filter((c) => !set.includes(c) && !keys.has(c))
      .map((c) => `${q(c.name)} = CURRENT_TIMESTAMP`),
  ]
  return `${target} do update set ${assignments.join(', ')}`
}

/**
 * `select <every column> from unnest(<key arrays>) with ordinality as s(...) join "t" on <key>
 * order by s.i`: the rows with the given keys, in input order. Keys are compared as the column
 * stores them (a `numeric(10,2)` key is rounded the way the INSERT rounded it).
 *
 * @example
 * ```ts
 * selectByKeysSql(users, [users.email])
 * // select "users"."id", "users"."uuid", ... from unnest($1::varchar[]) with ordinality as s(c1, i)
 * //   join "users" on "users"."email" = s.c1 order by s.i
 * ```
 */
export function selectByKeysSql(table: AnyTable, conflict: readonly Column[]): string {
  return tableStatements(table).cached(`keys|${columnsKey(conflict)}`, () => {
    const meta = table.$meta
    const q = quoteIdentifier
    const qualified = meta.columns.map((c) => `${meta.quotedName}.${q(c.name)}`).join(', ')
    const arrays = conflict
      .map((c, i) => `$${i + 1}::${isArrayKind(c) ? 'text' : castType(c)}[]`)
      .join(', ')
    const names = conflict.map((_, i) => `c${i + 1}`).join(', ')
    const on = conflict
      .map((c, i) => {
        const source =
          c.kind === 'numeric' && c.sqlType !== 'numeric'
            ? `s.c${i + 1}::${c.sqlType}`
            : sourceColumn(c, i + 1)
        return `${meta.quotedName}.${q(c.name)} = ${source}`
      })
      .join(' and ')
    return `select ${qualified} from unnest(${arrays}) with ordinality as s(${names}, i) join ${meta.quotedName} on ${on} order by s.i`
  })
}
