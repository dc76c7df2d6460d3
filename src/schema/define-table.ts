import { z } from 'zod'
import { InvalidDefinitionError } from '../errors/kysely-entities-error'
import { ColumnBuilder, type ColumnConfig, UUIDV4_DEFAULT, UUIDV7_DEFAULT } from './column-builder'
import { registerColumns } from './column-owner'
import { COLUMN_TYPES, columnSchema } from './column-types'
import { buildIndex, type IndexOptions } from './index-shape'
import { quoteIdentifier, snakeCase, truncateIdentifier } from './naming'
import { type RelationBuilder, relationBuilder } from './relations'
import type {
  CheckDefinition,
  Column,
  ColumnBuilders,
  RelationDefinition,
  RelationRecord,
  Table,
  TableMeta,
  UniqueDefinition,
} from './table'

export type { IndexColumnInput, IndexOptions } from './index-shape'
export type {
  AnyTable,
  CheckDefinition,
  Column,
  ColumnBuilders,
  IndexDefinition,
  IndexKey,
  IndexMethod,
  Table,
  TableBase,
  TableColumns,
  TableMeta,
  UniqueDefinition,
} from './table'

type Keys<C> = keyof C & string

/**
 * An index given in the options: its key columns (properties), or its full shape
 * ({@link IndexOptions}: direction, NULLS, operator class, method, INCLUDE, predicate, name).
 */
export type IndexInput<C> = readonly Keys<C>[] | IndexOptions<Keys<C>>

/** Options of `defineTable`. */
export interface TableOptions<C extends ColumnBuilders, R extends RelationRecord = RelationRecord> {
  /** A composite primary key (for one column, use `.primaryKey()` on it). */
  readonly primaryKey?: readonly Keys<C>[]
  /**
   * Indexes to create, e.g. `[['email'], ['userId', 'createdAt']]`, or in full:
   * `{ columns: ['functionId', { column: 'version', order: 'desc' }] }`.
   */
  readonly indexes?: readonly IndexInput<C>[]
  /** UNIQUE constraints over several columns, e.g. `[['userId', 'name']]`. */
  readonly uniques?: readonly (readonly Keys<C>[])[]
  /** CHECK constraints: name to SQL expression (written in the definition, never user input). */
  readonly checks?: Readonly<Record<string, string>>
  /** A nullable timestamp column: deleting sets it; finders skip rows where it is set. */
  readonly softDelete?: Keys<C>
  /** The public identifier used by `findByUuid` and DTOs. Default: a uuid column named `uuid`. */
  readonly publicId?: Keys<C>
  /** Relations to other tables, used by managers to load related rows. */
  readonly relations?: (r: RelationBuilder) => R
}

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/

const PROPERTY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
/**
 * Property names that entities or objects already use for something else: a definition cannot
 * use them (`pull` renames a column so named).
 * @internal
 * @example RESERVED_PROPERTIES.has('toJSON') // true
 */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  'toMap',
  'copyWith',
  'toJSON',
  'constructor',
  '__proto__',
  'prototype',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toString',
  'toLocaleString',
  'valueOf',
  // where-input keywords
  'and',
  'or',
  'not',
  'all',
])

function checkColumn(where: string, config: ColumnConfig): void {
  const fail = (why: string) => {
    throw new InvalidDefinitionError(`${where}: ${why}`)
  }
  const problem = COLUMN_TYPES[config.kind].configProblem(config)
  if (problem !== undefined) fail(problem)
  if (config.primaryKey && !config.notNull) fail('a primary key cannot be nullable')
  if (config.onUpdateNow && COLUMN_TYPES[config.kind].clock !== 'instant') {
    fail('onUpdateNow() needs a timestamp column')
  }
  if (config.enumValues !== undefined) {
    if (COLUMN_TYPES[config.kind].where !== 'text') fail('enum() needs a text or varchar column')
    for (const value of config.enumValues) {
      if (value.includes('\u0000')) fail('enum() values cannot contain NUL')
      if (config.length !== undefined && [...value].length > config.length) {
        fail(`enum() value "${value}" is longer than varchar(${config.length})`)
      }
    }
  }
  const d = config.defaultValue
  if (
    d?.kind === 'sql' &&
    (d.sql === UUIDV4_DEFAULT || d.sql === UUIDV7_DEFAULT) &&
    config.kind !== 'uuid'
  ) {
    fail('defaultRandom() needs a uuid column')
  }
  if (d?.kind === 'sql' && /^CURRENT_(TIMESTAMP|DATE)$/.test(d.sql)) {
    if (COLUMN_TYPES[config.kind].clock === 'none')
      fail('defaultNow() needs a timestamp or date column')
  }
}

function buildColumn(table: string, property: string, builder: unknown): Column {
  const where = `defineTable("${table}") column "${property}"`
  if (!(builder instanceof ColumnBuilder)) {
    throw new InvalidDefinitionError(`${where}: expected a column builder such as c.text()`)
  }
  if (!PROPERTY_RE.test(property)) {
    throw new InvalidDefinitionError(`${where}: a property name must be an identifier`)
  }
  if (RESERVED_PROPERTIES.has(property)) {
    throw new InvalidDefinitionError(`${where}: "${property}" is reserved by entities`)
  }
  const config = builder.config
  checkColumn(where, config)
  const name = config.name ?? snakeCase(property)
  if (!IDENTIFIER_RE.test(name) || name.length > 63) {
    throw new InvalidDefinitionError(
      `${where}: SQL name ${JSON.stringify(name)} must be an identifier of at most 63 characters`,
    )
  }
  const schema = columnSchema(config)
  if (config.defaultValue?.kind === 'value') {
    const result = schema.safeParse(config.defaultValue.value)
    if (!result.success) {
      throw new InvalidDefinitionError(`${where}: default value does not fit the column type`)
    }
  }
  return Object.freeze({
    table,
    property,
    name,
    kind: config.kind,
    sqlType: COLUMN_TYPES[config.kind].sqlType(config),
    notNull: config.notNull,
    hasDefault: config.hasDefault,
    primaryKey: config.primaryKey,
    unique: config.unique,
    internal: config.internal,
    secret: config.secret,
    onUpdateNow: config.onUpdateNow,
    config,
    schema,
  })
}

function pick(
  table: string,
  byProperty: ReadonlyMap<string, Column>,
  what: string,
  properties: readonly string[],
): readonly Column[] {
  if (properties.length === 0) {
    throw new InvalidDefinitionError(`defineTable("${table}"): ${what} lists no columns`)
  }
  return Object.freeze(
    properties.map((p) => {
      const column = byProperty.get(p)
      if (column === undefined) {
        throw new InvalidDefinitionError(
          `defineTable("${table}"): ${what} names unknown column "${p}"`,
        )
      }
      return column
    }),
  )
}

function buildMeta(
  table: string,
  columns: readonly Column[],
  options: TableOptions<ColumnBuilders, RelationRecord>,
): TableMeta {
  const byProperty = new Map(columns.map((c) => [c.property, c]))
  const byName = new Map<string, Column>()
  for (const column of columns) {
    const other = byName.get(column.name)
    if (other !== undefined) {
      throw new InvalidDefinitionError(
        `defineTable("${table}"): properties "${other.property}" and "${column.property}" both map to column "${column.name}"`,
      )
    }
    byName.set(column.name, column)
  }
  const modifierKey = columns.filter((c) => c.primaryKey)
  if (modifierKey.length > 1) {
    throw new InvalidDefinitionError(
      `defineTable("${table}"): several columns call primaryKey(); use the primaryKey option for a composite key`,
    )
  }
  if (modifierKey.length > 0 && options.primaryKey !== undefined) {
    throw new InvalidDefinitionError(
      `defineTable("${table}"): primary key given both by a column and by the options`,
    )
  }
  const primaryKey =
    options.primaryKey === undefined
      ? Object.freeze(modifierKey)
      : pick(table, byProperty, 'primaryKey', options.primaryKey)
  // PostgreSQL makes key columns NOT NULL; a nullable definition would type them `| null`.
  for (const column of primaryKey) {
    if (!column.notNull) {
      throw new InvalidDefinitionError(
        `defineTable("${table}") column "${column.property}": a primary key column must be notNull()`,
      )
    }
  }

  let softDelete: Column | undefined
  if (options.softDelete !== undefined) {
    softDelete = pick(table, byProperty, 'softDelete', [options.softDelete])[0]
    if (
      softDelete === undefined ||
      softDelete.notNull ||
      COLUMN_TYPES[softDelete.kind].clock !== 'instant'
    ) {
      throw new InvalidDefinitionError(
        `defineTable("${table}"): softDelete column must be a nullable timestamp`,
      )
    }
  }

  let publicId: Column | undefined
  if (options.publicId !== undefined) {
    publicId = pick(table, byProperty, 'publicId', [options.publicId])[0]
  } else {
    const uuid = byProperty.get('uuid')
    publicId = uuid?.kind === 'uuid' ? uuid : undefined
  }

  if (options.indexes !== undefined && !Array.isArray(options.indexes)) {
    throw new InvalidDefinitionError(`defineTable("${table}"): indexes must be an array`)
  }
  const indexes = (options.indexes ?? []).map((input, i) =>
    buildIndex(table, i, input, (what, properties) => pick(table, byProperty, what, properties)),
  )
  const indexNames = new Set<string>()
  for (const index of indexes) {
    if (indexNames.has(index.name)) {
      throw new InvalidDefinitionError(
        `defineTable("${table}"): two indexes are named "${index.name}"`,
      )
    }
    indexNames.add(index.name)
  }
  const uniques = (options.uniques ?? []).map((props): UniqueDefinition => {
    const cols = pick(table, byProperty, 'a unique constraint', props)
    // PostgreSQL's own naming, so the drift check matches constraints it created itself.
    return Object.freeze({
      name: truncateIdentifier(`${table}_${cols.map((c) => c.name).join('_')}_key`),
      columns: cols,
    })
  })
  const checks: CheckDefinition[] = Object.entries(options.checks ?? {}).map(([name, expression]) =>
    Object.freeze({ name, expression }),
  )
  for (const column of columns) {
    const values = column.config.enumValues
    if (values !== undefined) {
      const list = values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')
      checks.push(
        Object.freeze({
          name: truncateIdentifier(`${table}_${column.name}_check`),
          expression: `${quoteIdentifier(column.name)} IN (${list})`,
        }),
      )
    }
  }

  const shape = (key: (c: Column) => string, value: (c: Column) => z.ZodType) =>
    Object.fromEntries(columns.map((c) => [key(c), value(c)]))
  const rowSchema = z.object(
    shape(
      (c) => c.name,
      (c) => c.schema,
    ),
  )
  const entitySchema = z.object(
    shape(
      (c) => c.property,
      (c) => c.schema,
    ),
  )
  const insertSchema = z.strictObject(
    shape(
      (c) => c.property,
      (c) => (c.notNull && !c.hasDefault ? c.schema : c.schema.optional()),
    ),
  )
  const updateSchema = z.strictObject(
    shape(
      (c) => c.property,
      (c) => c.schema.optional(),
    ),
  )

  return Object.freeze({
    name: table,
    quotedName: quoteIdentifier(table),
    columns,
    byProperty,
    byName,
    primaryKey,
    publicId,
    softDelete,
    onUpdateNow: Object.freeze(columns.filter((c) => c.onUpdateNow)),
    indexes: Object.freeze(indexes),
    uniques: Object.freeze(uniques),
    checks: Object.freeze(checks),
    selectList: columns.map((c) => quoteIdentifier(c.name)).join(', '),
    rowSchema,
    entitySchema,
    insertSchema,
    updateSchema,
  })
}

/**
 * Defines a table: the single source of truth from which entities, Kysely types, managers,
 * DTOs, DDL and the drift check are derived. camelCase properties map to snake_case columns
 * unless a column says `.name('...')`. Everything per-table (name maps, validators, column lists)
 * is computed here, once; the result is frozen.
 *
 * @example
 * ```ts
 * import { defineTable, column as c } from 'kysely-entities'
 *
 * export const users = defineTable('users', {
 *   id: c.serial().primaryKey(),
 *   uuid: c.uuid().notNull().unique().defaultRandom(),
 *   email: c.varchar(255).notNull().unique(),
 *   passwordHash: c.varchar(255).notNull().secret(),
 *   createdAt: c.timestamp().defaultNow(),
 * }, { indexes: [['email']] })
 *
 * users.passwordHash.name // 'password_hash'
 * // CREATE TABLE "users" ("id" serial PRIMARY KEY, "uuid" uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
 * //   "email" varchar(255) NOT NULL UNIQUE, "password_hash" varchar(255) NOT NULL,
 * //   "created_at" timestamp DEFAULT CURRENT_TIMESTAMP)
 * ```
 */
export function defineTable<
  const N extends string,
  C extends ColumnBuilders,
  R extends RelationRecord = {},
>(name: N, columns: C, options: TableOptions<C, R> = {}): Table<N, C, R> {
  if (typeof name !== 'string' || !IDENTIFIER_RE.test(name) || name.length > 63) {
    throw new InvalidDefinitionError(
      `defineTable: table name ${JSON.stringify(name)} must be an identifier of at most 63 characters`,
    )
  }
  const entries = Object.entries(columns)
  if (entries.length === 0) {
    throw new InvalidDefinitionError(`defineTable("${name}"): a table needs at least one column`)
  }
  const built = Object.freeze(
    entries.map(([property, builder]) => buildColumn(name, property, builder)),
  )
  const meta = buildMeta(
    name,
    built,
    options as unknown as TableOptions<ColumnBuilders, RelationRecord>,
  )
  const relations = Object.freeze({ ...(options.relations?.(relationBuilder) ?? {}) })
  for (const [relationName, relation] of Object.entries(relations)) {
    const target = (relation as Partial<RelationDefinition> | null)?.target
    if (typeof target !== 'function' && typeof target !== 'string') {
      throw new InvalidDefinitionError(
        `defineTable("${name}"): relation "${relationName}" must be built with r.hasMany/hasOne/belongsTo/manyToMany`,
      )
    }
  }
  const byProperty = Object.freeze(Object.fromEntries(built.map((c) => [c.property, c])))
  const table = Object.freeze({
    ...byProperty,
    $name: name,
    $columns: byProperty,
    $meta: meta,
    $relations: relations,
  }) as unknown as Table<N, C, R>
  registerColumns(table)
  return table
}
