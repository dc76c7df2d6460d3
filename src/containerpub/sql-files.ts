import { generateDDL } from '../index'
import { containerpubTables, functionsDbTables } from './tables'

const header = (database: string) =>
  `-- ContainerPub ${database}: generated from the table definitions in\n` +
  '-- src/containerpub/tables.ts by `npm run sql:generate`. Do not edit: change the\n' +
  '-- definitions and regenerate (a test fails when this file and the definitions differ).\n' +
  '-- Safe to run twice.\n\n'

/**
 * `sql/containerpub/init-db.sql`: the main database (`users` … `function_invocations`).
 * @example psql -d dart_cloud -f sql/containerpub/init-db.sql
 */
export function containerpubInitSql(): string {
  return header('main database') + generateDDL(Object.values(containerpubTables))
}

/**
 * `sql/containerpub/functions-db.sql`: the separate functions database (`function_data`,
 * no foreign key across databases).
 */
export function containerpubFunctionsDbSql(): string {
  return header('functions database') + generateDDL(Object.values(functionsDbTables))
}
