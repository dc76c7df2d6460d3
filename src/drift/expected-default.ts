import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'
import { columnDDL } from '../schema/generate-ddl'
import { quoteIdentifier as q, truncateIdentifier } from '../schema/naming'

/**
 * The sequence PostgreSQL creates for a `serial` column.
 * @internal
 * @example serialSequenceName('users', 'id') // 'users_id_seq'
 */
export function serialSequenceName(table: string, column: string): string {
  return truncateIdentifier(`${table}_${column}_seq`)
}

/**
 * The default a definition gives `column`, as `generateDDL` writes it, or null for none. For a
 * `serial` column: the `nextval(...)` default PostgreSQL gives it.
 * @internal
 * @example
 * ```ts
 * expectedDefault(functions.status) // "'active'"
 * expectedDefault(functions.id) // "nextval('functions_id_seq'::regclass)"
 * ```
 */
export function expectedDefault(column: Column): string | null {
  if (columnType(column.kind).serial) {
    return `nextval('${serialSequenceName(column.table, column.name)}'::regclass)`
  }
  // Read back from columnDDL, the one place that writes defaults, so the check compares against
  // exactly what generateDDL creates: `"name" type [PRIMARY KEY | NOT NULL] [DEFAULT d] [UNIQUE]`.
  let rest = columnDDL(column, false).slice(`${q(column.name)} ${column.sqlType}`.length)
  if (rest.startsWith(' PRIMARY KEY')) rest = rest.slice(' PRIMARY KEY'.length)
  else if (rest.startsWith(' NOT NULL')) rest = rest.slice(' NOT NULL'.length)
  if (!rest.startsWith(' DEFAULT ')) return null
  rest = rest.slice(' DEFAULT '.length)
  if (column.unique && !column.primaryKey) rest = rest.slice(0, -' UNIQUE'.length)
  return rest === 'NULL' ? null : rest
}
