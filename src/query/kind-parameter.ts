import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'

/**
 * The placeholder of a value in hand-written SQL, with the cast its kind needs: a jsonb value
 * travels as JSON text cast by the SQL (see the registry's `parameter` facet).
 *
 * @example placeholder(functions.$meta.byProperty.get('analysisResult')!, 3) // '$3::text::jsonb'
 */
export function placeholder(column: Column, index: number): string {
  return `$${index}${columnType(column.kind).parameter.cast}`
}

/** A value as bound, to go with {@link placeholder}'s cast: jsonb values as JSON text. */
export function toParameter(column: Column, value: unknown): unknown {
  return value === null || value === undefined
    ? value
    : columnType(column.kind).parameter.encode(value)
}
