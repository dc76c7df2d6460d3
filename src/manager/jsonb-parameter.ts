import type { Column } from '../schema/define-table'

/**
 * The placeholder of a value in hand-written SQL. A jsonb value travels as JSON text cast by the
 * SQL: postgres.js types a parameter from its JavaScript value (`true` as boolean, an array as a
 * PostgreSQL array) or from the server's description (stringifying a string again).
 *
 * @example placeholder(functions.$meta.byProperty.get('analysisResult')!, 3) // '$3::text::jsonb'
 */
export function placeholder(column: Column, index: number): string {
  return column.kind === 'jsonb' ? `$${index}::text::jsonb` : `$${index}`
}

/** A value as bound: jsonb values as JSON text, to go with {@link placeholder}'s cast. */
export function toParameter(column: Column, value: unknown): unknown {
  return column.kind === 'jsonb' && value !== null && value !== undefined
    ? JSON.stringify(value)
    : value
}
