import type { Column } from '../schema/define-table'

/**
 * True when a column must not exist for request input: a `secret()` column (a password hash, a
 * token) or an internal one (serial ids, integer foreign keys, `.internal()`). In a public view
 * (`db.public()`, `manager.public()`, a public `query()`) such a column is refused wherever input
 * names it (where, orderBy, select, groupBy, having), with the very error an unknown name gets.
 *
 * @example
 * ```ts
 * isHiddenColumn(users.passwordHash) // true:  where: { passwordHash: ... } -> where.passwordHash: unknown column of users
 * isHiddenColumn(users.email)        // false: where "email" = $1
 * ```
 */
export function isHiddenColumn(column: Column): boolean {
  return column.secret || column.internal
}
