import { CompiledQuery } from 'kysely'
import type { AnyEntityClass } from '../entity/entity'
import { InvalidDefinitionError, InvalidQueryError } from '../errors/kysely-entities-error'
import { shownName } from '../errors/shown-name'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import type { RelationDefinition, RelationTarget } from '../schema/relations'
import type { QueryExecutor } from './executor'
import { checkDirection, columnOf, describe } from './query-options'
import { RELATION_PARENT_KEY, type RelationLink, tableStatements } from './table-statements'

/** Options when loading a relation. */
export interface RelationLoadOptions {
  /** Target property to sort the related rows by (per parent, the order is kept). */
  readonly orderBy?: string
  readonly orderDirection?: 'asc' | 'desc' | 'ASC' | 'DESC'
  /** Include soft-deleted related rows. Default false. */
  readonly withDeleted?: boolean
}

/** @internal A relation with its tables and key columns resolved. */
export interface ResolvedRelation extends RelationLink {
  readonly name: string
  readonly definition: RelationDefinition
  readonly source: AnyTable
  readonly target: AnyTable
  /** The parent (source) property whose values are looked up. */
  readonly parentKey: Column
  /** True when each parent gets a list (hasMany, manyToMany). */
  readonly many: boolean
}

function resolveTarget(executor: QueryExecutor, target: RelationTarget): AnyTable {
  return typeof target === 'string' ? executor.table(target) : target()
}

function primaryKeyOf(table: AnyTable, relation: string): Column {
  const [key, ...rest] = table.$meta.primaryKey
  if (key === undefined || rest.length > 0) {
    throw new InvalidDefinitionError(
      `relation "${relation}": table "${table.$name}" needs a single-column primary key, or name the key with \`references\``,
    )
  }
  return key
}

function keyColumn(table: AnyTable, property: string | undefined, relation: string): Column {
  if (property === undefined) return primaryKeyOf(table, relation)
  const column = table.$meta.byProperty.get(property)
  if (column === undefined) {
    throw new InvalidDefinitionError(
      `relation "${relation}": "${property}" is not a column of "${table.$name}"`,
    )
  }
  return column
}

/**
 * Resolves relation `name` of `table`: its target (by SQL name through the executor's tables, or
 * by thunk) and the columns that link them. Throws when the relation is unknown or its keys do not
 * exist, naming what is wrong.
 * @internal
 */
export function resolveRelation(
  executor: QueryExecutor,
  table: AnyTable,
  name: unknown,
): ResolvedRelation {
  const definition =
    typeof name === 'string' && Object.hasOwn(table.$relations, name)
      ? (table.$relations as Record<string, RelationDefinition>)[name]
      : undefined
  if (definition === undefined || typeof name !== 'string') {
    const known = Object.keys(table.$relations)
    throw new InvalidQueryError(
      'relation',
      `${table.$name} has no relation ${typeof name === 'string' ? shownName(name) : describe(name)}` +
        (known.length > 0 ? ` (relations: ${known.join(', ')})` : ''),
    )
  }
  const target = resolveTarget(executor, definition.target)
  switch (definition.kind) {
    case 'hasMany':
    case 'hasOne':
      return {
        name,
        definition,
        source: table,
        target,
        parentKey: keyColumn(table, definition.references, name),
        matchColumn: keyColumn(target, definition.foreignKey, name),
        many: definition.kind === 'hasMany',
      }
    case 'belongsTo':
      return {
        name,
        definition,
        source: table,
        target,
        parentKey: keyColumn(table, definition.foreignKey, name),
        matchColumn: keyColumn(target, definition.references, name),
        many: false,
      }
    case 'manyToMany': {
      if (definition.through === undefined || definition.otherKey === undefined) {
        throw new InvalidDefinitionError(
          `relation "${name}": manyToMany needs through and otherKey`,
        )
      }
      const junction = resolveTarget(executor, definition.through)
      const sourceKey = keyColumn(junction, definition.foreignKey, name)
      return {
        name,
        definition,
        source: table,
        target,
        parentKey: keyColumn(table, definition.references, name),
        matchColumn: sourceKey,
        junction: {
          table: junction,
          sourceKey,
          targetKey: keyColumn(junction, definition.otherKey, name),
          targetColumn: keyColumn(target, definition.targetKey, name),
        },
        many: true,
      }
    }
  }
}

/**
 * The one statement that loads a relation for any number of parents: the parents' keys travel as
 * a single array parameter (`= any($1)`), so the text is the same for 1 parent or 10,000.
 *
 * @example
 * ```sql
 * -- functions.deployments (hasMany), ordered by version desc:
 * select "id", "uuid", "function_id", ... from "function_deployments"
 * where "function_id" = any($1) order by "version" desc
 * -- organizations.members (manyToMany through organization_members):
 * select t."id", t."uuid", ..., j."organization_id" as "__ke_parent_key" from "users" t
 * join "organization_members" j on j."user_id" = t."uuid" where j."organization_id" = any($1)
 * ```
 * @internal
 */
export function relationSql(
  relation: ResolvedRelation,
  options: RelationLoadOptions = {},
  publicOnly = false,
): string {
  if (options === null || typeof options !== 'object') {
    throw new InvalidQueryError('options', `expected an object, got ${describe(options)}`)
  }
  const target = relation.target
  const order =
    options.orderBy === undefined
      ? undefined
      : columnOf(target, options.orderBy, 'orderBy', publicOnly)
  const direction = checkDirection(options.orderDirection)
  return tableStatements(target).relationLoad(
    relation,
    order,
    direction,
    options.withDeleted === true,
  )
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

// bigint and number keys of the same value must meet. Numbers and strings are their own keys,
// so the common integer key costs no string per row; a bigint becomes the number it equals
// (or its decimal text beyond 2^53), a Date its instant, bytes their hex (as UTF-8 text, two
// different invalid sequences would read as the same key).
const keyOf = (value: unknown): unknown => {
  switch (typeof value) {
    case 'number':
    case 'string':
      return value
    case 'bigint':
      return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : String(value)
    default:
      if (value instanceof Date) return value.getTime()
      if (value instanceof Uint8Array) {
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
      }
      return String(value)
  }
}

/**
 * Loads relation `name` for all `parents` in one query and returns, per parent, the related
 * entities (a list for hasMany/manyToMany, an entity or null for hasOne/belongsTo).
 *
 * @example
 * ```ts
 * const byFunction = await loadRelation(db, functions, 'deployments', fns, { orderBy: 'version', orderDirection: 'desc' })
 * byFunction.get(fns[0]) // FunctionDeploymentEntity[]
 * // select ... from "function_deployments" where "function_id" = any($1) order by "version" desc
 * ```
 */
export async function loadRelation(
  executor: QueryExecutor,
  table: AnyTable,
  name: unknown,
  parents: readonly object[],
  options: RelationLoadOptions = {},
  publicOnly = false,
): Promise<Map<object, object[] | object | null>> {
  const relation = resolveRelation(executor, table, name)
  if (options === null || typeof options !== 'object') {
    throw new InvalidQueryError('options', `expected an object, got ${describe(options)}`)
  }
  // A public view checks its orderBy whether or not there are parents: a refusal that depended
  // on the data would tell something about it.
  if (publicOnly) relationSql(relation, options, true)
  const result = new Map<object, object[] | object | null>()
  const parentProperty = relation.parentKey.property
  const keys = new Map<unknown, unknown>()
  for (const parent of parents) {
    const value = (parent as Record<string, unknown>)[parentProperty]
    if (value !== null && value !== undefined) keys.set(keyOf(value), value)
  }
  const groups = new Map<unknown, object[]>()
  if (keys.size > 0) {
    const entity: AnyEntityClass = executor.entityClass(relation.target)
    const text = relationSql(relation, options, publicOnly)
    const { element } = columnType(relation.matchColumn.kind).list
    const list: unknown[] = []
    for (const value of keys.values()) list.push(element(value))
    const { rows } = await executor.executeRead<Record<string, unknown>>(
      CompiledQuery.raw(text, [list]),
    )
    const matchName =
      relation.junction === undefined ? relation.matchColumn.name : RELATION_PARENT_KEY
    for (const row of rows) {
      const key = keyOf(row[matchName])
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [entity.fromRow(row)])
      else group.push(entity.fromRow(row))
    }
  }
  for (const parent of parents) {
    const value = (parent as Record<string, unknown>)[parentProperty]
    const group = value === null || value === undefined ? undefined : groups.get(keyOf(value))
    result.set(parent, relation.many ? (group ?? []) : (group?.[0] ?? null))
  }
  return result
}
