import type { ReferentialAction } from '../schema/column-builder'

/** What reading the catalog needs from a database handle: raw SQL. A `Database` or a `tx`. */
export interface CatalogExecutor {
  /** Raw SQL with `@named` parameters. */
  raw<R = Record<string, unknown>>(
    text: string,
    params?: Readonly<Record<string, unknown>>,
  ): Promise<R[]>
  /** True on a transaction's handle: statements that may fail then run under a savepoint. */
  readonly isTransaction?: boolean
}

/** @internal A column of a live table, as the catalog describes it. */
export interface CatalogColumn {
  readonly name: string
  /** 1-based position (`attnum`). */
  readonly position: number
  /** `format_type()`: `character varying(255)`, `timestamp without time zone`, `text[]`. */
  readonly type: string
  readonly notNull: boolean
  /** The default expression as PostgreSQL prints it (`'active'::character varying`), or null. */
  readonly default: string | null
  /** `always` or `by default` for an identity column, else null. */
  readonly identity: 'always' | 'by default' | null
  /** A stored generated column (its expression is in `default`). */
  readonly generated: boolean
}

/** @internal A live table (or partitioned table) and its columns in order. */
export interface CatalogTable {
  readonly name: string
  readonly columns: readonly CatalogColumn[]
}

/** @internal A primary key, unique, foreign key or check constraint of a live table. */
export interface CatalogConstraint {
  readonly table: string
  readonly name: string
  readonly kind: 'primary_key' | 'unique' | 'foreign_key' | 'check' | 'exclusion'
  /** The constrained columns in order. */
  readonly columns: readonly string[]
  /** `pg_get_constraintdef()`: `FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`. */
  readonly definition: string
  /** For a foreign key: the target table (`schema.table` when in another schema) and columns. */
  readonly references: {
    readonly table: string
    readonly columns: readonly string[]
    readonly onDelete: ReferentialAction
    readonly onUpdate: ReferentialAction
  } | null
}

/** @internal The shape of one key column of a live index. */
export interface CatalogIndexKey {
  readonly order: 'asc' | 'desc'
  readonly nulls: 'first' | 'last'
  /** The operator class, schema-qualified unless in `pg_catalog` (`jsonb_path_ops`). */
  readonly opclass: string
  /** Whether it is the default operator class for its type (`pg_opclass.opcdefault`). */
  readonly opclassDefault: boolean
}

/** @internal An index of a live table. */
export interface CatalogIndex {
  readonly table: string
  readonly name: string
  /** Key columns in order; null for an expression. */
  readonly columns: readonly (string | null)[]
  /** Key columns as `pg_get_indexdef` prints them (an expression as its text). */
  readonly keys: readonly string[]
  /**
   * The shape of each key column, in order: direction and NULLS placement from `indoption`
   * (always `asc`/`last` for methods that do not order), operator class from `indclass`.
   */
  readonly keyShapes: readonly CatalogIndexKey[]
  /** Non-key (`INCLUDE`) columns in order: `indkey` past `indnkeyatts`. */
  readonly include: readonly string[]
  readonly unique: boolean
  /** `btree`, `gin`, ... */
  readonly method: string
  /** The partial-index predicate, or null. */
  readonly predicate: string | null
  /** The index exists for a primary key, unique or exclusion constraint. */
  readonly constraint: boolean
  /** `pg_get_indexdef()`: the statement that recreates it. */
  readonly definition: string
}

/** @internal A user trigger (not one PostgreSQL makes for a constraint) of a live table. */
export interface CatalogTrigger {
  readonly table: string
  readonly name: string
  readonly timing: 'before' | 'after' | 'instead of'
  /** The events that fire it, in this order: `insert`, `update`, `delete`, `truncate`. */
  readonly events: readonly ('insert' | 'update' | 'delete' | 'truncate')[]
  /** `FOR EACH ROW` (else `FOR EACH STATEMENT`). */
  readonly forEachRow: boolean
  /** `UPDATE OF` columns, empty when any update fires it. */
  readonly updateOf: readonly string[]
  /** It has a `WHEN` condition. */
  readonly conditional: boolean
  /** `tgenabled` is not `D`. */
  readonly enabled: boolean
  /** The function it calls, schema-qualified unless in the table's schema or `pg_catalog`. */
  readonly function: string
  /** The function's language (`plpgsql`) and source (`pg_proc.prosrc`). */
  readonly language: string
  readonly body: string
  /** `pg_get_triggerdef()`: the statement that recreates it. */
  readonly definition: string
}

/**
 * The live catalog of one schema: what `validateSchema` and `diffSchema` compare against.
 * @internal
 */
export interface SchemaCatalog {
  readonly schema: string
  /** Tables by name order. */
  readonly tables: readonly CatalogTable[]
  readonly constraints: readonly CatalogConstraint[]
  readonly indexes: readonly CatalogIndex[]
  /** User triggers by table and name, with their functions. Absent: not read (none compared). */
  readonly triggers?: readonly CatalogTrigger[]
  /** Installed extensions by name (`citext`, `uuid-ossp`). Absent: not read. */
  readonly extensions?: readonly string[]
}

// Array columns come back as JSON text: every driver returns text as is, whatever its array parsing.
const COLUMNS_SQL = `
SELECT c.relname::text AS table_name, a.attname::text AS column_name, a.attnum::int AS position,
  format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null,
  pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity::text AS identity,
  a.attgenerated::text AS generated
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname, a.attnum`

const CONSTRAINTS_SQL = `
SELECT cl.relname::text AS table_name, con.conname::text AS name, con.contype::text AS type,
  to_json(ARRAY(
    SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    ORDER BY k.ord))::text AS columns,
  CASE WHEN rc.oid IS NULL THEN NULL WHEN rn.nspname = @schema THEN rc.relname::text
    ELSE rn.nspname::text || '.' || rc.relname::text END AS ref_table,
  to_json(ARRAY(
    SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
    ORDER BY k.ord))::text AS ref_columns,
  con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
  pg_get_constraintdef(con.oid) AS definition
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = @schema AND con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND cl.relkind IN ('r', 'p') AND NOT cl.relispartition
ORDER BY cl.relname, con.conname`

const INDEXES_SQL = `
SELECT c.relname::text AS table_name, i.relname::text AS name, x.indisunique AS is_unique,
  am.amname::text AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
  to_json(ARRAY(
    SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
    WHERE k.ord <= x.indnkeyatts ORDER BY k.ord))::text AS columns,
  to_json(ARRAY(
    SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts::int) k
    ORDER BY k))::text AS keys,
  to_json(ARRAY(
    SELECT json_build_object('desc', (k.opt & 1) <> 0, 'nullsFirst', (k.opt & 2) <> 0,
      'opclass', CASE WHEN ocn.nspname = 'pg_catalog' THEN oc.opcname::text
        ELSE ocn.nspname::text || '.' || oc.opcname::text END,
      'opclassDefault', oc.opcdefault)
    FROM unnest(x.indoption::int2[], x.indclass::oid[]) WITH ORDINALITY k(opt, cls, ord)
    JOIN pg_catalog.pg_opclass oc ON oc.oid = k.cls
    JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
    ORDER BY k.ord))::text AS key_shapes,
  to_json(ARRAY(
    SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
    WHERE k.ord > x.indnkeyatts ORDER BY k.ord))::text AS include,
  EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = x.indexrelid
    AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')) AS is_constraint,
  pg_get_indexdef(x.indexrelid) AS definition
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = i.relam
WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname, i.relname`

// tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead.
// Extensions ride along as rows with a null table: one query for both.
const TRIGGERS_SQL = `
SELECT c.relname::text AS table_name, t.tgname::text AS name, t.tgtype::int AS type,
  to_json(ARRAY(
    SELECT a.attname::text FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum
    ORDER BY k.ord))::text AS update_of,
  t.tgqual IS NOT NULL AS conditional, t.tgenabled <> 'D' AS enabled,
  CASE WHEN pn.nspname IN (@schema, 'pg_catalog') THEN p.proname::text
    ELSE pn.nspname::text || '.' || p.proname::text END AS function_name,
  l.lanname::text AS language, p.prosrc AS body, pg_get_triggerdef(t.oid) AS definition
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE n.nspname = @schema AND NOT t.tgisinternal AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
UNION ALL
SELECT NULL, e.extname::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM pg_catalog.pg_extension e
ORDER BY 1 NULLS FIRST, 2`

const ACTIONS: Readonly<Record<string, ReferentialAction>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

const CONSTRAINT_KINDS: Readonly<Record<string, CatalogConstraint['kind']>> = {
  p: 'primary_key',
  u: 'unique',
  f: 'foreign_key',
  c: 'check',
  x: 'exclusion',
}

interface ColumnRow {
  readonly table_name: string
  readonly column_name: string | null
  readonly position: number | null
  readonly data_type: string | null
  readonly not_null: boolean | null
  readonly default_expr: string | null
  readonly identity: string | null
  readonly generated: string | null
}

interface ConstraintRow {
  readonly table_name: string
  readonly name: string
  readonly type: string
  readonly columns: string
  readonly ref_table: string | null
  readonly ref_columns: string
  readonly on_delete: string
  readonly on_update: string
  readonly definition: string
}

interface IndexRow {
  readonly table_name: string
  readonly name: string
  readonly is_unique: boolean
  readonly method: string
  readonly predicate: string | null
  readonly columns: string
  readonly keys: string
  readonly key_shapes: string
  readonly include: string
  readonly is_constraint: boolean
  readonly definition: string
}

interface KeyShapeRow {
  readonly desc: boolean
  readonly nullsFirst: boolean
  readonly opclass: string
  readonly opclassDefault: boolean
}

interface TriggerRow {
  readonly table_name: string | null
  readonly name: string
  readonly type: number | null
  readonly update_of: string | null
  readonly conditional: boolean | null
  readonly enabled: boolean | null
  readonly function_name: string | null
  readonly language: string | null
  readonly body: string | null
  readonly definition: string | null
}

function triggerOf(row: TriggerRow & { readonly table_name: string }): CatalogTrigger {
  const type = Number(row.type)
  const events = (
    [
      [4, 'insert'],
      [16, 'update'],
      [8, 'delete'],
      [32, 'truncate'],
    ] as const
  )
    .filter(([bit]) => (type & bit) !== 0)
    .map(([, event]) => event)
  return {
    table: row.table_name,
    name: row.name,
    timing: (type & 64) !== 0 ? 'instead of' : (type & 2) !== 0 ? 'before' : 'after',
    events,
    forEachRow: (type & 1) !== 0,
    updateOf: JSON.parse(row.update_of ?? '[]') as string[],
    conditional: row.conditional === true,
    enabled: row.enabled !== false,
    function: row.function_name ?? '',
    language: row.language ?? '',
    body: row.body ?? '',
    definition: row.definition ?? '',
  }
}

function identityOf(code: string | null): CatalogColumn['identity'] {
  if (code === 'a') return 'always'
  if (code === 'd') return 'by default'
  return null
}

/**
 * Reads the tables, columns, constraints, indexes and triggers (with the functions they call) of
 * one schema, and the installed extensions, from `pg_catalog`, in four queries whatever the
 * number of tables. The result is plain data (JSON-serialisable).
 *
 * @example
 * ```ts
 * const catalog = await readCatalog(db)
 * catalog.tables.map((t) => t.name) // ['function_logs', 'functions', 'users', ...]
 * catalog.constraints.find((c) => c.name === 'functions_user_id_fkey')?.references
 * // { table: 'users', columns: ['id'], onDelete: 'cascade', onUpdate: 'no action' }
 * ```
 * @internal
 */
export async function readCatalog(
  db: CatalogExecutor,
  options: { readonly schema?: string } = {},
): Promise<SchemaCatalog> {
  const schema = options.schema ?? 'public'
  // Sequential: a transaction handle runs on one connection anyway.
  const columnRows = await db.raw<ColumnRow>(COLUMNS_SQL, { schema })
  const constraintRows = await db.raw<ConstraintRow>(CONSTRAINTS_SQL, { schema })
  const indexRows = await db.raw<IndexRow>(INDEXES_SQL, { schema })
  const triggerRows = await db.raw<TriggerRow>(TRIGGERS_SQL, { schema })

  const tables = new Map<string, CatalogColumn[]>()
  for (const row of columnRows) {
    let columns = tables.get(row.table_name)
    if (columns === undefined) {
      columns = []
      tables.set(row.table_name, columns)
    }
    // A table with no columns comes back as one row of nulls (the LEFT JOIN).
    if (row.column_name === null) continue
    columns.push({
      name: row.column_name,
      position: Number(row.position),
      type: row.data_type ?? '',
      notNull: row.not_null === true,
      default: row.default_expr,
      identity: identityOf(row.identity),
      generated: row.generated !== null && row.generated !== '',
    })
  }

  const constraints = constraintRows.map((row): CatalogConstraint => {
    const kind = CONSTRAINT_KINDS[row.type] ?? 'check'
    return {
      table: row.table_name,
      name: row.name,
      kind,
      columns: JSON.parse(row.columns) as string[],
      definition: row.definition,
      references:
        kind === 'foreign_key' && row.ref_table !== null
          ? {
              table: row.ref_table,
              columns: JSON.parse(row.ref_columns) as string[],
              onDelete: ACTIONS[row.on_delete] ?? 'no action',
              onUpdate: ACTIONS[row.on_update] ?? 'no action',
            }
          : null,
    }
  })

  const indexes = indexRows.map(
    (row): CatalogIndex => ({
      table: row.table_name,
      name: row.name,
      columns: JSON.parse(row.columns) as (string | null)[],
      keys: JSON.parse(row.keys) as string[],
      keyShapes: (JSON.parse(row.key_shapes) as KeyShapeRow[]).map(
        (k): CatalogIndexKey => ({
          order: k.desc ? 'desc' : 'asc',
          nulls: k.nullsFirst ? 'first' : 'last',
          opclass: k.opclass,
          opclassDefault: k.opclassDefault,
        }),
      ),
      include: JSON.parse(row.include) as string[],
      unique: row.is_unique,
      method: row.method,
      predicate: row.predicate,
      constraint: row.is_constraint,
      definition: row.definition,
    }),
  )

  return {
    schema,
    tables: [...tables].map(([name, columns]) => ({ name, columns })),
    constraints,
    indexes,
    triggers: triggerRows
      .filter((row): row is TriggerRow & { table_name: string } => row.table_name !== null)
      .map(triggerOf),
    extensions: triggerRows.filter((row) => row.table_name === null).map((row) => row.name),
  }
}
