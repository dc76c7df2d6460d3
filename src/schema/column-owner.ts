import type { AnyTable } from './table'

// Which table definition made a column: so that a column is recognised by identity, never by its
// shape (a copy `{ ...users.passwordHash, secret: false }` is no column of any table).

const OWNERS = new WeakMap<object, AnyTable>()

/**
 * Records `table` as the owner of each of its columns. Called by `defineTable` only.
 * @internal
 * @example
 * ```ts
 * registerColumns(users) // columnOwner(users.uuid) === users from now on
 * ```
 */
export function registerColumns(table: AnyTable): void {
  for (const column of table.$meta.columns) OWNERS.set(column, table)
}

/**
 * The table definition `value` is a column of, or `undefined` when it is not a column made by
 * `defineTable` (a copy, a look-alike, anything else).
 * @internal
 * @example
 * ```ts
 * columnOwner(users.uuid)                            // users
 * columnOwner({ ...users.passwordHash, secret: false }) // undefined
 * ```
 */
export function columnOwner(value: unknown): AnyTable | undefined {
  return value !== null && typeof value === 'object' ? OWNERS.get(value) : undefined
}
