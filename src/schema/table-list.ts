import { InvalidDefinitionError } from '../errors/kysely-entities-error'
import { isShownName } from '../errors/shown-name'
import { valueKind } from '../errors/value-kind'
import type { AnyTable } from './define-table'

/**
 * Tables given to `generateDDL`, `validateSchema` or `diffSchema`: an array, or a record as
 * `Database.connect({ tables })` takes them (its values are the tables, in order).
 *
 * @example
 * ```ts
 * const tables: TableList = { users, functions } // or [users, functions]
 * generateDDL(tables)
 * // CREATE TABLE IF NOT EXISTS "users" (...); CREATE TABLE IF NOT EXISTS "functions" (...)
 * ```
 */
export type TableList = readonly AnyTable[] | Readonly<Record<string, AnyTable>>

function isTable(value: unknown): value is AnyTable {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false
  const t = value as Partial<AnyTable>
  return typeof t.$name === 'string' && typeof t.$meta === 'object' && t.$meta !== null
}

/**
 * The tables of a {@link TableList}, in the order given. Anything else (a Map, a string, a list
 * holding something that is not a `defineTable()` result) is refused with an
 * {@link InvalidDefinitionError} naming the function, the argument and the entry, never a value.
 *
 * @example
 * ```ts
 * tablesOf('generateDDL', { users, functions }) // [users, functions]
 * tablesOf('generateDDL', [users, undefined])   // throws: generateDDL: tables[1] is not a table ...
 * ```
 */
export function tablesOf(caller: string, tables: unknown): readonly AnyTable[] {
  let entries: [string, unknown][]
  if (Array.isArray(tables)) {
    entries = tables.map((table, i) => [`[${i}]`, table])
  } else if (
    tables !== null &&
    typeof tables === 'object' &&
    [Object.prototype, null].includes(Object.getPrototypeOf(tables))
  ) {
    entries = Object.entries(tables).map(([key, table]) => [
      isShownName(key) ? `.${key}` : '[<not an identifier>]',
      table,
    ])
  } else {
    throw new InvalidDefinitionError(
      `${caller}: tables must be an array of defineTable() results, or an object of them as Database.connect() takes, got ${tables instanceof Map ? 'a Map' : valueKind(tables)}`,
    )
  }
  for (const [at, table] of entries) {
    if (!isTable(table)) {
      throw new InvalidDefinitionError(
        `${caller}: tables${at} is not a table made by defineTable(), got ${valueKind(table)}`,
      )
    }
  }
  return entries.map(([, table]) => table as AnyTable)
}
