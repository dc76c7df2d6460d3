import { type RawBuilder, type SqlBool, sql } from 'kysely'
import type { AnyTable } from '../schema/define-table'
import { type CompileWhereOptions, isPlainObject, textParts, whereText } from './where-compiler'

/** A compiled where input. */
export interface WhereClause {
  /** For `.where(clause.expression)` on a Kysely query; a RawBuilder<SqlBool> made with Kysely's `sql` template. */
  readonly expression: RawBuilder<SqlBool>
  /**
   * Identifies the clause's shape (keys, operators, null-ness, which values are lists) without
   * values: the SQL text with `?` for each value. Equal shapes give equal SQL text.
   */
  readonly shape: string
  /** The bound values in the order the compiled SQL numbers them ($1, $2, ...). */
  readonly values: readonly unknown[]
}

/**
 * True when `input` sets no condition: `undefined`, or an object without keys (`{}`).
 * {@link compileWhere} returns `undefined` for both; updates and deletes refuse them, so that a
 * forgotten filter does not touch every row (`{ all: true }` says so explicitly).
 *
 * @example
 * ```ts
 * isEmptyWhere({})                 // true
 * isEmptyWhere(undefined)          // true
 * isEmptyWhere({ status: 'x' })    // false
 * isEmptyWhere({ all: true })      // false
 * ```
 * @internal
 */
export function isEmptyWhere(input: unknown): boolean {
  return input === undefined || (isPlainObject(input) && Reflect.ownKeys(input).length === 0)
}

/**
 * Compiles a where input, trusted or straight from JSON, into a Kysely SQL expression: every
 * value a bind parameter, every identifier a quoted column name of the definition. Everything is
 * checked before anything is sent; a problem throws {@link InvalidQueryError} whose `path` points
 * at it (`where.or[1].createdAt.gt`) and whose message never repeats a value.
 *
 * - a value: `= $1` (validated and normalised by the column's schema: an ISO string becomes a
 *   `Date`, `'123'` becomes `123n` for a bigint); `null`: `is null`.
 * - a list: `= any($1)`, the whole list as one parameter, whatever its length. For `text[]` and
 *   `integer[]` columns an array is a value (`= $1`).
 * - operators, AND-ed in this order: `eq`, `ne` (`<>`: NULL rows do not match), `gt`, `gte`, `lt`,
 *   `lte`, `in`, `notIn` (`<> all($1)`), `like`, `ilike` (text and varchar), `isNull`, `contains`
 *   (jsonb and array columns: `@>`).
 * - `and: [...]`, `or: [...]`, `not: {...}` nest. Keys are AND-ed in definition order, then `and`,
 *   `or`, `not`, so the SQL does not depend on key order.
 *
 * Returns `undefined` for no condition: `undefined`, `{}` (an object without keys) or, with
 * `allowAll`, `{ all: true }`.
 *
 * Lists of bigints and Dates are bound as their text (`'123'`, ISO 8601), and lists of booleans
 * and jsonb values as text arrays cast in SQL, because postgres.js guesses the type of an array
 * parameter from its first element and would send such lists as scalars. jsonb values are bound
 * as JSON text (`$1::text::jsonb`) for the same reason.
 *
 * @example
 * ```ts
 * const clause = compileWhere(functions, {
 *   status: 'active',
 *   userId: [1, 2, 3],
 *   createdAt: { gte: '2024-01-01T00:00:00Z' },
 *   not: { name: { like: 'tmp-%' } },
 * }, { qualifier: 'f' })
 * await db.kysely.selectFrom('functions as f').selectAll().where(clause!.expression).execute()
 * // select * from "functions" as "f" where ("f"."user_id" = any($1) and "f"."status" = $2
 * //   and "f"."created_at" >= $3 and not ("f"."name" like $4))
 * // clause.values: [[1, 2, 3], 'active', new Date('2024-01-01T00:00:00Z'), 'tmp-%']
 * ```
 */
export function compileWhere(
  table: AnyTable,
  input: unknown,
  options: CompileWhereOptions = {},
): WhereClause | undefined {
  const compiled = whereText(table, input, options)
  if (compiled === undefined) return undefined
  const { shape, values } = compiled
  // The sql tag called as a function: the fragments are the SQL text, the values its parameters.
  const parts = textParts(shape, values.length)
  const expression = sql<SqlBool>(
    Object.assign(parts, { raw: [...parts] }) as unknown as TemplateStringsArray,
    ...values,
  )
  return Object.freeze({ expression, shape, values: Object.freeze(values) })
}
