import type { CatalogExecutor, SchemaCatalog } from '../drift/catalog'
import { touchedColumn } from '../drift/trigger-behaviour'

/** A trigger of a pulled schema that is not an `updated_at` touch: listed, not pulled. */
export interface PullTrigger {
  readonly table: string
  readonly name: string
}

/**
 * What `pull` reads besides the drift check's catalog: the columns a trigger sets to the current
 * time on every update (`onUpdateNow()`), the other triggers, and the views (listed as not
 * pulled).
 * @internal
 */
export interface PullExtras {
  /** `{ table, column }` of each column a BEFORE UPDATE FOR EACH ROW trigger sets to now. */
  readonly touchedColumns: readonly { readonly table: string; readonly column: string }[]
  readonly otherTriggers: readonly PullTrigger[]
  /** Views and materialized views, by name. */
  readonly views: readonly string[]
  /**
   * Row-level security: each table that has it enabled (`policy: null`) and each policy, by
   * table and name. Listed as not pulled: a table definition does not hold access rules.
   */
  readonly security: readonly { readonly table: string; readonly policy: string | null }[]
}

// Tables with row-level security enabled (policy null), then each policy of the schema.
const SECURITY_SQL = `
SELECT c.relname::text AS table_name, NULL::text AS policy FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') AND c.relrowsecurity
UNION ALL
SELECT c.relname::text, p.polname::text FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema
ORDER BY 1, 2 NULLS FIRST`

const VIEWS_SQL = `
SELECT c.relname::text AS name FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema AND c.relkind IN ('v', 'm') ORDER BY c.relname`

/**
 * Sorts the catalog's triggers into the columns they keep current (`onUpdateNow()`, by the drift
 * check's own rule, so that what `pull` writes validates against the database it came from) and
 * the others, and reads the views and the row-level security (two queries), listed as not pulled.
 * @internal
 * @example
 * ```ts
 * const extras = await readPullExtras(db, 'public', await readCatalog(db))
 * extras.touchedColumns // [{ table: 'users', column: 'updated_at' }, ...]
 * ```
 */
export async function readPullExtras(
  db: CatalogExecutor,
  schema: string,
  catalog: SchemaCatalog,
): Promise<PullExtras> {
  const views = await db.raw<{ name: string }>(VIEWS_SQL, { schema })
  const security = await db.raw<{ table_name: string; policy: string | null }>(SECURITY_SQL, {
    schema,
  })
  const touchedColumns: { table: string; column: string }[] = []
  const otherTriggers: PullTrigger[] = []
  for (const trigger of catalog.triggers ?? []) {
    const column = touchedColumn(trigger)
    if (column === null) otherTriggers.push({ table: trigger.table, name: trigger.name })
    else touchedColumns.push({ table: trigger.table, column })
  }
  return {
    touchedColumns,
    otherTriggers,
    views: views.map((v) => v.name),
    security: security.map((row) => ({ table: row.table_name, policy: row.policy })),
  }
}
