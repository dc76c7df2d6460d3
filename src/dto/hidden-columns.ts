import { columnOwner } from '../schema/column-owner'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'

// The id-hiding rules: which columns may never leave the server, and why.

/**
 * The table definition `value` is a column of (`users.uuid` gives `users`), or `undefined` when
 * it is no column made by `defineTable`: identity decides, not shape, so a copy such as
 * `{ ...users.passwordHash, secret: false }` is no column at all.
 * @example
 * ```ts
 * tableOfColumn(users.uuid)                             // users
 * tableOfColumn({ ...users.passwordHash, secret: false }) // undefined
 * tableOfColumn('uuid')                                 // undefined
 * ```
 */
export function tableOfColumn(value: unknown): AnyTable | undefined {
  const table = columnOwner(value)
  // The owner holds that very object under the column's property (defineTable froze both).
  return table?.$meta.byProperty.get((value as Column).property) === value ? table : undefined
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

const HIDDEN_NAMES = new WeakMap<AnyTable, ReadonlySet<string>>()

/**
 * The property and SQL names of the columns of `table` that may not leave the server (see
 * {@link hiddenBecause}): a computed DTO value with one of them as a key is refused. Made once
 * per table.
 * @example
 * ```ts
 * hiddenNames(users)     // Set { 'id', 'passwordHash', 'password_hash' }
 * hiddenNames(functions) // Set { 'id', 'userId', 'user_id', 'activeDeploymentId', 'active_deployment_id' }
 * ```
 */
export function hiddenNames(table: AnyTable): ReadonlySet<string> {
  let names = HIDDEN_NAMES.get(table)
  if (names === undefined) {
    names = new Set(
      table.$meta.columns
        .filter((c) => hiddenBecause(c) !== undefined)
        .flatMap((c) => [c.property, c.name]),
    )
    HIDDEN_NAMES.set(table, names)
  }
  return names
}
