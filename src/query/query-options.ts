import { InvalidQueryError } from '../errors/kysely-entities-error'
import { shownName } from '../errors/shown-name'
import type { AnyTable, Column } from '../schema/define-table'
import { isHiddenColumn } from './hidden-column'

/** The largest `limit` / `pageSize` accepted: a page bigger than this is a mistake, not a page. */
export const MAX_LIMIT = 10_000

/** The largest `offset` accepted (PostgreSQL's bigint would take more; no real page is that deep). */
export const MAX_OFFSET = 2_147_483_647

/** A sort direction; upper case is accepted for the Dart API's `'DESC'`. */
export type OrderDirection = 'asc' | 'desc' | 'ASC' | 'DESC'

/** @internal One resolved ORDER BY term. */
export interface OrderTerm {
  readonly column: Column
  readonly direction: 'asc' | 'desc'
}

function integerIn(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidQueryError(path, `expected an integer, got ${describe(value)}`)
  }
  if (value < min || value > max) {
    throw new InvalidQueryError(
      path,
      `must be from ${min} to ${max}, got ${value < min ? 'less' : 'more'}`,
    )
  }
  return value
}

/** @internal Names the kind of a value for an error message, never the value itself. */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a Date'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * A `limit` or `pageSize`: an integer from 0 to `max` (default {@link MAX_LIMIT}).
 * @example checkLimit(20) // 20;  checkLimit('20') // throws InvalidQueryError: limit: expected an integer, got a string
 * @internal
 */
export function checkLimit(value: unknown, path = 'limit', max = MAX_LIMIT): number {
  return integerIn(value, path, 0, max)
}

/** @internal An `offset`: an integer from 0 to {@link MAX_OFFSET}. */
export function checkOffset(value: unknown, path = 'offset'): number {
  return integerIn(value, path, 0, MAX_OFFSET)
}

/** @internal A 1-based page number. */
export function checkPage(value: unknown, path = 'page'): number {
  return integerIn(value, path, 1, MAX_OFFSET)
}

/** @internal A sort direction, normalised to lower case; `undefined` means ascending. */
export function checkDirection(value: unknown, path = 'orderDirection'): 'asc' | 'desc' {
  if (value === undefined) return 'asc'
  if (value === 'asc' || value === 'ASC') return 'asc'
  if (value === 'desc' || value === 'DESC') return 'desc'
  throw new InvalidQueryError(path, `expected 'asc' or 'desc', got ${describe(value)}`)
}

/**
 * @internal The column of a property, by its property name, or an {@link InvalidQueryError}.
 * With `publicOnly`, secret and internal columns do not exist: the same error as an unknown name.
 */
export function columnOf(
  table: AnyTable,
  property: unknown,
  path: string,
  publicOnly = false,
): Column {
  const column = typeof property === 'string' ? table.$meta.byProperty.get(property) : undefined
  if (column === undefined || (publicOnly && isHiddenColumn(column))) {
    throw new InvalidQueryError(
      path,
      typeof property === 'string'
        ? `unknown column ${shownName(property)} of ${table.$name}`
        : `expected a column name, got ${describe(property)}`,
    )
  }
  return column
}

/**
 * Manager-style ordering: `orderBy` is a property name or a list of them, `orderDirection`
 * applies to all. Unknown properties and directions throw {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * checkOrderBy(functions, 'createdAt', 'DESC') // [{ column: functions.createdAt, direction: 'desc' }]
 * // ORDER BY "created_at" desc
 * ```
 * @internal
 */
export function checkOrderBy(
  table: AnyTable,
  orderBy: unknown,
  orderDirection?: unknown,
  path = 'orderBy',
  publicOnly = false,
): readonly OrderTerm[] {
  if (orderBy === undefined) return []
  const direction = checkDirection(orderDirection)
  const list = Array.isArray(orderBy) ? orderBy : [orderBy]
  if (list.length === 0) throw new InvalidQueryError(path, 'expected at least one column')
  return list.map((property, i) => ({
    column: columnOf(table, property, Array.isArray(orderBy) ? `${path}[${i}]` : path, publicOnly),
    direction,
  }))
}
