import { type CatalogExecutor, readCatalog, type SchemaCatalog } from './catalog'
import {
  compareCatalog,
  type SchemaCheckOptions,
  type TableList,
  tableArray,
} from './compare-schema'
import type { SchemaNote, SchemaValidationResult } from './schema-issue'
import { type ServerVerdicts, serverVerdicts } from './server-verdicts'

// The report goes with the check for callers that import both from here (the CLI does).
export { formatSchemaReport, type SchemaReportOptions } from './schema-report'

/**
 * Compares an already-read catalog with the definitions: the pure half of {@link validateSchema},
 * for a catalog read once and checked against several sets of tables, or read elsewhere.
 *
 * @example
 * ```ts
 * const catalog = await readCatalog(db)
 * checkCatalog(Object.values(containerpubTables), catalog).ok // true
 * ```
 * @internal
 */
export function checkCatalog(
  tables: TableList,
  catalog: SchemaCatalog,
  options: SchemaCheckOptions = {},
  verdicts: ServerVerdicts = new Map(),
): SchemaValidationResult {
  const notes: SchemaNote[] = []
  const issues = compareCatalog(tables, catalog, options, verdicts, notes).map((d) => d.issue)
  return notes.length === 0
    ? { ok: issues.length === 0, issues }
    : { ok: issues.length === 0, issues, notes }
}

/**
 * Checks the live database against the table definitions: missing and extra tables and columns,
 * column types (`serial` is `integer` with a sequence default, `varchar(n)` is
 * `character varying(n)`, a length difference is its own kind), nullability, defaults (compared
 * as PostgreSQL stores them: `'active'::character varying` is `'active'`, `now()` is
 * `CURRENT_TIMESTAMP`), primary keys, unique constraints (by columns; a unique index counts),
 * foreign keys (target and actions), CHECK constraints (by name, else by expression; texts that
 * differ are compared by the server's own parser and planner, as index predicates are)
 * and indexes (by name or shape: key columns, direction, NULLS, operator class, method, INCLUDE
 * and partial predicate, the predicate compared by the server's own parser and planner;
 * undeclared ones are reported), and triggers: each `onUpdateNow()` column needs a trigger that
 * sets it to the current time before every update of a row; one of another name and function
 * that does exactly that (the original ContainerPub's `update_users_updated_at` calling
 * `update_updated_at_column()`) is equivalent; a live trigger that keeps a column current the
 * definitions do not mark is drift.
 *
 * Equivalents are not drift: they go to `notes` (kind `equivalent`) and `ok` stays true. The
 * rules: a trigger as above whatever its names; in a default, `uuid_generate_v4()` (uuid-ossp),
 * `uuidv4()` and `gen_random_uuid()`, schema-qualified or not, are the same random v4 uuid;
 * `now()`, `CURRENT_TIMESTAMP` and `transaction_timestamp()` are the same time, as are casts,
 * parentheses and case PostgreSQL adds when it stores an expression. A trigger the definitions
 * cannot express (any other behaviour) is listed in `notes` as `not_compared`.
 *
 * Not compared: views and materialized views, sequences other than a serial column's default
 * (their owner, type, start, increment), table and column comments, row-level security policies,
 * grants and owners, extensions as such (an extension a column type needs, `citext`, shows as a
 * type difference; one a default calls, as a default difference), functions not called by a
 * compared trigger, partitions, and exclusion constraints.
 *
 * The catalog is read in four queries, whatever the number of tables, plus, when a declared
 * index has a predicate, one EXPLAIN per distinct predicate text (under a savepoint on a
 * transaction's handle, so that a predicate the server refuses does not abort the transaction).
 * A database created by `generateDDL` of the same tables has no issue and no note.
 *
 * @example
 * ```ts
 * const result = await validateSchema(db, containerpubTables)
 * if (!result.ok) console.error(formatSchemaReport(result, { color: true }))
 * // result.issues[0]:
 * // { table: 'users', column: 'email', kind: 'length', expected: 'character varying(255)',
 * //   actual: 'character varying(100)', message: 'column "email" length differs' }
 * ```
 */
export async function validateSchema(
  db: CatalogExecutor,
  tables: TableList,
  options: SchemaCheckOptions = {},
): Promise<SchemaValidationResult> {
  const defined = tableArray(tables)
  const catalog = await readCatalog(
    db,
    options.schema === undefined ? {} : { schema: options.schema },
  )
  const verdicts = await serverVerdicts(db, catalog, defined)
  return checkCatalog(defined, catalog, options, verdicts)
}
