import type { CatalogExecutor } from '../drift/catalog'

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

// tgtype bits: 1 ROW, 2 BEFORE, 16 UPDATE. Internal triggers (foreign keys) are left out.
const TRIGGERS_SQL = `
SELECT c.relname::text AS table_name, t.tgname::text AS name,
  (t.tgtype & 1) <> 0 AND (t.tgtype & 2) <> 0 AND (t.tgtype & 16) <> 0 AS before_update_row,
  p.prosrc AS source
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
WHERE n.nspname = @schema AND NOT t.tgisinternal AND c.relkind IN ('r', 'p')
ORDER BY c.relname, t.tgname`

const VIEWS_SQL = `
SELECT c.relname::text AS name FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema AND c.relkind IN ('v', 'm') ORDER BY c.relname`

// `NEW.updated_at := now();`, `NEW."updated_at" = CURRENT_TIMESTAMP;` and the like.
const TOUCH_RE =
  /\bNEW\s*\.\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*:?=\s*(?:now\s*\(\s*\)|CURRENT_TIMESTAMP|LOCALTIMESTAMP|clock_timestamp\s*\(\s*\)|statement_timestamp\s*\(\s*\)|transaction_timestamp\s*\(\s*\))\s*;/gi

/**
 * The columns a trigger function's source sets to the current time.
 * @internal
 * @example
 * ```ts
 * touchedColumnsOf('BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END') // ['updated_at']
 * ```
 */
export function touchedColumnsOf(source: string): string[] {
  const columns: string[] = []
  for (const match of source.matchAll(TOUCH_RE)) {
    const name = match[1]!
    columns.push(
      name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase(),
    )
  }
  return columns
}

/**
 * Reads the triggers and views of `schema` (two queries).
 * @internal
 * @example
 * ```ts
 * const extras = await readPullExtras(db, 'public')
 * extras.touchedColumns // [{ table: 'users', column: 'updated_at' }, ...]
 * ```
 */
export async function readPullExtras(db: CatalogExecutor, schema: string): Promise<PullExtras> {
  const triggers = await db.raw<{
    table_name: string
    name: string
    before_update_row: boolean
    source: string
  }>(TRIGGERS_SQL, { schema })
  const views = await db.raw<{ name: string }>(VIEWS_SQL, { schema })
  const touchedColumns: { table: string; column: string }[] = []
  const otherTriggers: PullTrigger[] = []
  for (const trigger of triggers) {
    const touched = trigger.before_update_row ? touchedColumnsOf(trigger.source) : []
    if (touched.length === 0) {
      otherTriggers.push({ table: trigger.table_name, name: trigger.name })
      continue
    }
    for (const column of touched) touchedColumns.push({ table: trigger.table_name, column })
  }
  return { touchedColumns, otherTriggers, views: views.map((v) => v.name) }
}
