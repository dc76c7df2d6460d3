import { InvalidDefinitionError } from '../errors/kysely-entities-error'
import { columnType } from './column-types'
import type { AnyTable, Column } from './define-table'
import { createIndexSql } from './index-shape'
import { quoteIdentifier as q } from './naming'
import { type TableList, tablesOf } from './table-list'

/** Options of {@link generateDDL}. */
export interface GenerateDDLOptions {
  /** Add the `updated_at` triggers for `onUpdateNow()` columns. Default true. */
  readonly triggers?: boolean
}

/** An SQL string literal: single quotes doubled. Only for values written in definitions. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

function defaultSql(column: Column): string | undefined {
  const d = column.config.defaultValue
  const type = columnType(column.kind)
  if (d === undefined || type.serial) return undefined
  if (d.kind === 'sql') return d.sql
  const value = d.value
  if (value === null) return 'NULL'
  if (type.defaultSql !== undefined) return type.defaultSql(value, literal)
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') {
    return String(value)
  }
  if (value instanceof Date) return literal(value.toISOString())
  if (Array.isArray(value)) {
    const items = value.map((v) => (typeof v === 'number' ? String(v) : literal(String(v))))
    return `ARRAY[${items.join(', ')}]::${column.sqlType}`
  }
  return literal(String(value))
}

function referenceSql(column: Column): string | undefined {
  const ref = column.config.references
  if (ref === undefined) return undefined
  const target = ref.column()
  let text = `REFERENCES ${q(target.table)} (${q(target.name)})`
  if (ref.onDelete !== undefined) text += ` ON DELETE ${ref.onDelete.toUpperCase()}`
  if (ref.onUpdate !== undefined) text += ` ON UPDATE ${ref.onUpdate.toUpperCase()}`
  return text
}

/**
 * One column as CREATE TABLE writes it.
 * @example columnDDL(users.email) // '"email" varchar(255) NOT NULL UNIQUE'
 * @internal
 */
export function columnDDL(column: Column, inlineReference = true): string {
  const parts = [q(column.name), column.sqlType]
  const single = column.primaryKey
  if (single) parts.push('PRIMARY KEY')
  else if (column.notNull) parts.push('NOT NULL')
  const d = defaultSql(column)
  if (d !== undefined) parts.push(`DEFAULT ${d}`)
  if (column.unique && !single) parts.push('UNIQUE')
  const ref = inlineReference ? referenceSql(column) : undefined
  if (ref !== undefined) parts.push(ref)
  return parts.join(' ')
}

// Tables in an order where every foreign key points at a table created before it; the foreign
// keys that close a cycle are returned to be added afterwards.
function order(tables: readonly AnyTable[]): {
  readonly sorted: readonly AnyTable[]
  readonly deferred: ReadonlySet<Column>
} {
  const byName = new Map(tables.map((t) => [t.$name, t]))
  const sorted: AnyTable[] = []
  const deferred = new Set<Column>()
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (table: AnyTable) => {
    state.set(table.$name, 'visiting')
    for (const column of table.$meta.columns) {
      const ref = column.config.references
      if (ref === undefined) continue
      const target = ref.column().table
      if (target === table.$name) continue
      const other = byName.get(target)
      if (other === undefined) continue
      const s = state.get(target)
      if (s === 'visiting') deferred.add(column)
      else if (s === undefined) visit(other)
    }
    state.set(table.$name, 'done')
    sorted.push(table)
  }
  for (const table of tables) if (!state.has(table.$name)) visit(table)
  return { sorted, deferred }
}

// Functions a definition may call in a default that live in an extension, not in core PostgreSQL
// (gen_random_uuid() is core since PostgreSQL 13, so the package's own defaults need none).
const EXTENSION_FUNCTIONS: readonly (readonly [RegExp, string])[] = [
  [/\buuid_generate_v[1-5]\s*\(/i, 'uuid-ossp'],
  [/\b(crypt|gen_salt|digest|hmac|pgp_sym_encrypt)\s*\(/i, 'pgcrypto'],
]

/**
 * `uuidv7()` for a server without one (PostgreSQL before 18), created only there, under the name
 * PostgreSQL 18 gives its own: a version 4 uuid whose first 48 bits are replaced by the Unix time in
 * milliseconds and whose version bits are set to 7 (the variant bits stay RFC 9562's `10`). On 18
 * the DO block does nothing, and after an upgrade to 18 the built-in one (in pg_catalog, searched
 * first) is the one called.
 * @internal
 */
export const UUIDV7_FUNCTION =
  "DO $ke$ BEGIN IF current_setting('server_version_num')::int < 180000 THEN " +
  'CREATE OR REPLACE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS ' +
  "'SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING " +
  'substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) ' +
  "FROM 1 FOR 6), 52, 1), 53, 1), ''hex'')::uuid'; END IF; END $ke$"

const UUIDV7_CALL = /(?:^|[^a-z0-9_$.])uuidv7\s*\(/i

/**
 * Whether SQL text calls `uuidv7()` unqualified (the function {@link UUIDV7_FUNCTION} provides).
 * @internal
 * @example callsUuidv7('ALTER TABLE "t" ALTER COLUMN "id" SET DEFAULT uuidv7()') // true
 */
export function callsUuidv7(sql: string): boolean {
  return UUIDV7_CALL.test(sql)
}

/** Whether a default or check of `tables` calls `uuidv7()`. */
function tablesCallUuidv7(tables: readonly AnyTable[]): boolean {
  return tables.some(
    (table) =>
      table.$meta.columns.some(
        (c) => c.config.defaultValue?.kind === 'sql' && callsUuidv7(c.config.defaultValue.sql),
      ) || table.$meta.checks.some((c) => callsUuidv7(c.expression)),
  )
}

/** The extensions the defaults and checks of `tables` call, in a stable order. */
function extensionsFor(tables: readonly AnyTable[]): string[] {
  const needed = new Set<string>()
  for (const table of tables) {
    const texts = [
      ...table.$meta.columns.map((c) =>
        c.config.defaultValue?.kind === 'sql' ? c.config.defaultValue.sql : '',
      ),
      ...table.$meta.checks.map((c) => c.expression),
    ]
    for (const [pattern, extension] of EXTENSION_FUNCTIONS) {
      if (texts.some((t) => pattern.test(t))) needed.add(extension)
    }
    for (const column of table.$meta.columns) {
      const extension = columnType(column.kind).extension
      if (extension !== undefined) needed.add(extension)
    }
  }
  return [...needed].sort()
}

function touchFunction(column: string): string {
  return `ke_touch_${column}`
}

/**
 * The trigger `generateDDL` writes for an `onUpdateNow()` column: its name, its function's name,
 * and the statements that create the function and (re)create the trigger.
 * @internal
 * @example
 * ```ts
 * onUpdateNowTrigger('users', 'updated_at').name // 'users_updated_at_touch'
 * // .create: CREATE TRIGGER "users_updated_at_touch" BEFORE UPDATE ON "users" FOR EACH ROW
 * //   EXECUTE FUNCTION "ke_touch_updated_at"()
 * ```
 */
export function onUpdateNowTrigger(
  table: string,
  column: string,
): {
  readonly name: string
  readonly function: string
  readonly createFunction: string
  readonly drop: string
  readonly create: string
} {
  const fn = touchFunction(column)
  const name = `${table}_${column}_touch`
  return {
    name,
    function: fn,
    createFunction: `CREATE OR REPLACE FUNCTION ${q(fn)}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.${q(column)} = CURRENT_TIMESTAMP; RETURN NEW; END $$`,
    drop: `DROP TRIGGER IF EXISTS ${q(name)} ON ${q(table)}`,
    create: `CREATE TRIGGER ${q(name)} BEFORE UPDATE ON ${q(table)} FOR EACH ROW EXECUTE FUNCTION ${q(fn)}()`,
  }
}

/**
 * The statements that create `tables`: the extensions their defaults call (`uuid-ossp` for
 * `uuid_generate_v4()`), a `uuidv7()` function when a default calls it and the server is older
 * than PostgreSQL 18 (see `defaultRandom({ version: 7 })`), tables in foreign-key order (a cycle's closing keys added
 * by ALTER TABLE afterwards), their constraints, declared indexes, and a trigger per
 * `onUpdateNow()` column. Every statement can run twice harmlessly (`IF NOT EXISTS`,
 * `CREATE OR REPLACE`, `DROP TRIGGER IF EXISTS`). `tables` is an array or a record of tables
 * (the `tables` of `Database.connect`); anything else is an {@link InvalidDefinitionError}.
 *
 * @example
 * ```ts
 * generateDDLStatements([users])
 * // CREATE TABLE IF NOT EXISTS "users" (
 * //   "id" serial PRIMARY KEY,
 * //   "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE, ...)
 * // CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")
 * ```
 */
export function generateDDLStatements(
  tableList: TableList,
  options: GenerateDDLOptions = {},
): string[] {
  const tables = tablesOf('generateDDL', tableList)
  const names = new Set<string>()
  for (const table of tables) {
    if (names.has(table.$name)) {
      throw new InvalidDefinitionError(`generateDDL: table "${table.$name}" is given twice`)
    }
    names.add(table.$name)
  }
  const { sorted, deferred } = order(tables)
  const statements: string[] = extensionsFor(sorted).map(
    (name) => `CREATE EXTENSION IF NOT EXISTS ${q(name)}`,
  )
  if (tablesCallUuidv7(sorted)) statements.push(UUIDV7_FUNCTION)
  const touch = new Set<string>()
  for (const table of sorted) {
    const meta = table.$meta
    const lines = meta.columns.map((c) => `  ${columnDDL(c, !deferred.has(c))}`)
    if (
      meta.primaryKey.length > 1 ||
      (meta.primaryKey.length === 1 && !meta.primaryKey[0]!.primaryKey)
    ) {
      lines.push(`  PRIMARY KEY (${meta.primaryKey.map((c) => q(c.name)).join(', ')})`)
    }
    for (const unique of meta.uniques) {
      lines.push(
        `  CONSTRAINT ${q(unique.name)} UNIQUE (${unique.columns.map((c) => q(c.name)).join(', ')})`,
      )
    }
    for (const check of meta.checks) {
      lines.push(`  CONSTRAINT ${q(check.name)} CHECK (${check.expression})`)
    }
    statements.push(`CREATE TABLE IF NOT EXISTS ${meta.quotedName} (\n${lines.join(',\n')}\n)`)
  }
  for (const column of deferred) {
    const name = `${column.table}_${column.name}_fkey`
    statements.push(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ${literal(name)}) THEN ` +
        `ALTER TABLE ${q(column.table)} ADD CONSTRAINT ${q(name)} FOREIGN KEY (${q(column.name)}) ${referenceSql(column)}; END IF; END $$`,
    )
  }
  for (const table of sorted) {
    for (const index of table.$meta.indexes) {
      statements.push(createIndexSql(index, table.$meta.quotedName, q, true))
    }
  }
  if (options.triggers !== false) {
    for (const table of sorted) {
      for (const column of table.$meta.onUpdateNow) {
        const trigger = onUpdateNowTrigger(table.$name, column.name)
        if (!touch.has(trigger.function)) {
          touch.add(trigger.function)
          statements.push(trigger.createFunction)
        }
        statements.push(trigger.drop, trigger.create)
      }
    }
  }
  return statements
}

/**
 * {@link generateDDLStatements} as one script, statements ended by `;`: what
 * `db.executeScript()` and `psql -f` take.
 */
export function generateDDL(tables: TableList, options: GenerateDDLOptions = {}): string {
  return `${generateDDLStatements(tables, options).join(';\n\n')};\n`
}
