import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { AnyTable } from '../schema/define-table'
import type { QueryExecutor } from './executor'
import { rethrowAt } from './query-arguments'
import { describe } from './query-options'
import { loadRelation, resolveRelation } from './relation-loader'
import { isIdentifier } from './sql-reference'

// The relation paths of EntityQuery.with(): each checked when it is given, then all of them
// loaded onto the entities a query returns, level by level.

// Relation names that would hide what every entity has.
const ENTITY_MEMBERS: ReadonlySet<string> = new Set([
  'toMap',
  'copyWith',
  'toJSON',
  'constructor',
  '__proto__',
  'prototype',
])

type RelationTree = Map<string, RelationTree>

/**
 * A relation path of `with()` (`'owner'`, `'deployments.function'`) checked from `table`: each
 * name a relation of the table before it, served by the executor, that hides no property of its
 * entities. Returns the names, frozen; errors name `path`.
 * @example
 * ```ts
 * checkRelationPath(executor, functions, 'deployments.function', 'with[0]') // ['deployments', 'function']
 * checkRelationPath(executor, functions, 'name', 'with[0]')
 * // InvalidQueryError: with[0]: relation "name" of functions would hide a property of its entities
 * ```
 */
export function checkRelationPath(
  executor: QueryExecutor,
  table: AnyTable,
  input: unknown,
  path: string,
): readonly string[] {
  if (typeof input !== 'string' || input === '') {
    throw new InvalidQueryError(path, `expected a relation name, got ${describe(input)}`)
  }
  const names = input.split('.')
  let current = table
  for (const name of names) {
    if (!isIdentifier(name)) {
      throw new InvalidQueryError(
        path,
        "expected a relation name or path such as 'deployments.function'",
      )
    }
    if (current.$meta.byProperty.has(name) || ENTITY_MEMBERS.has(name)) {
      throw new InvalidQueryError(
        path,
        `relation "${name}" of ${current.$name} would hide a property of its entities`,
      )
    }
    try {
      current = resolveRelation(executor, current, name).target
    } catch (error) {
      rethrowAt(error, path)
    }
  }
  return Object.freeze(names)
}

/**
 * Loads checked relation paths onto entities of `table`, each relation as a property named after
 * it: one query per relation and level, for all parents at once; then the next level on the
 * related entities.
 * @example
 * ```ts
 * await loadRelationPaths(executor, functions, fns, [['owner'], ['deployments', 'function']])
 * // SELECT ... FROM "users" WHERE "id" = ANY($1)
 * // SELECT ... FROM "function_deployments" WHERE "function_id" = ANY($1)
 * // SELECT ... FROM "functions" WHERE "id" = ANY($1)
 * ```
 */
export async function loadRelationPaths(
  executor: QueryExecutor,
  table: AnyTable,
  entities: readonly object[],
  paths: readonly (readonly string[])[],
): Promise<void> {
  if (entities.length === 0 || paths.length === 0) return
  await loadTree(executor, table, entities, relationTree(paths))
}

async function loadTree(
  executor: QueryExecutor,
  table: AnyTable,
  parents: readonly object[],
  tree: RelationTree,
): Promise<void> {
  for (const [name, children] of tree) {
    const related = await loadRelation(executor, table, name, parents)
    // A belongsTo target shared by several parents is loaded from once.
    const next = new Set<object>()
    for (const parent of parents) {
      const value = related.get(parent) ?? null
      // Defined on the instance, so an entity class's getter of the same name is shadowed, not called.
      Object.defineProperty(parent, name, { value, enumerable: true, configurable: true })
      if (Array.isArray(value)) for (const v of value) next.add(v)
      else if (value !== null) next.add(value)
    }
    if (children.size > 0 && next.size > 0) {
      await loadTree(executor, resolveRelation(executor, table, name).target, [...next], children)
    }
  }
}

function relationTree(paths: readonly (readonly string[])[]): RelationTree {
  const root: RelationTree = new Map()
  for (const path of paths) {
    let node = root
    for (const name of path) {
      let child = node.get(name)
      if (child === undefined) {
        child = new Map()
        node.set(name, child)
      }
      node = child
    }
  }
  return root
}
