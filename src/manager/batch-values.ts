import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'

export { arrayElement, arrayLiteral } from '../values/sql-text'

/**
 * One validated value as the text PostgreSQL parses for the column's type, or `null` for SQL
 * NULL (also for `undefined`). Every batch parameter is text, so the statement's casts, not the
 * driver, decide the types: postgres.js would otherwise declare a `Date` as timestamptz and a
 * bigint as int8 from the first array element, and re-serialise strings sent as boolean or jsonb.
 *
 * @example
 * ```ts
 * serializeValue(users.createdAt, new Date(0))         // '1970-01-01T00:00:00.000Z'
 * serializeValue(functions.analysisResult, { score: 1, notes: [] }) // '{"score":1,"notes":[]}'
 * serializeValue(everyKind.tags, ['a', 'b c'])         // '{"a","b c"}'
 * ```
 */
export function serializeValue(column: Column, value: unknown): string | null {
  if (value === null || value === undefined) return null
  return columnType(column.kind).text(value)
}
