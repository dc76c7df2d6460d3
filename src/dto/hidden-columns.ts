import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'

// The id-hiding rules: which columns may never leave the server, and why.

/**
 * True when `value` is a column of a table definition (`users.uuid`), as `dtoField.ref` takes one.
 * @example
 * ```ts
 * isColumn(users.uuid) // true
 * isColumn('uuid')     // false
 * ```
 */
export function isColumn(value: unknown): value is Column {
  if (value === null || typeof value !== 'object') return false
  const c = value as Partial<Column>
  return (
    typeof c.property === 'string' &&
    typeof c.table === 'string' &&
    typeof c.internal === 'boolean' &&
    typeof c.secret === 'boolean'
  )
}

/**
 * Why a column may not leave the server, or `undefined` when it may: a secret, or an internal
 * value (a serial id, an integer foreign key, a column marked `internal()`).
 * @example
 * ```ts
 * hiddenBecause(users.uuid)         // undefined
 * hiddenBecause(users.passwordHash) // 'a secret column; secrets never leave the server'
 * ```
 */
export function hiddenBecause(column: Column): string | undefined {
  if (column.secret) return 'a secret column; secrets never leave the server'
  if (!column.internal) return undefined
  if (columnType(column.kind).serial) {
    return `a ${column.kind} id (internal); internal ids never leave the server`
  }
  if (column.config.references !== undefined) {
    return 'an integer foreign key (internal); expose the related public id with dtoField.ref()'
  }
  return 'marked internal(); internal values never leave the server'
}
