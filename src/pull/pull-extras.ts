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
}

const VIEWS_SQL = `
SELECT c.relname::text AS name FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema AND c.relkind IN ('v', 'm') ORDER BY c.relname`

/**
 * Sorts the catalog's triggers into the columns they keep current (`onUpdateNow()`, by the drift
 * check's own rule, so that what `pull` writes validates against the database it came from) and
 * the others, and reads the views (one query), listed as not pulled.
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
  const touchedColumns: { table: string; column: string }[] = []
  const otherTriggers: PullTrigger[] = []
  for (const trigger of catalog.triggers ?? []) {
    const column = touchedColumn(trigger)
    if (column === null) otherTriggers.push({ table: trigger.table, name: trigger.name })
    else touchedColumns.push({ table: trigger.table, column })
  }
  return { touchedColumns, otherTriggers, views: views.map((v) => v.name) }
}
