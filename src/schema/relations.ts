import type { AnyTable, RelationDefinition, RelationKind, RelationTarget } from './table'

export type { RelationDefinition, RelationKind, RelationRecord, RelationTarget } from './table'

/** Options of a manyToMany relation. */
export interface ManyToManyOptions {
  /** The junction table, e.g. `'organization_members'`. */
  readonly through: RelationTarget
  /** Junction property holding this table's key, e.g. `'organizationId'`. */
  readonly foreignKey: string
  /** Junction property holding the target's key, e.g. `'userId'`. */
  readonly otherKey: string
  /** This table's key that `foreignKey` holds (default: primary key). */
  readonly references?: string
  /** The target's key that `otherKey` holds (default: primary key). */
  readonly targetKey?: string
}

/** Options of hasMany, hasOne and belongsTo. */
export interface RelationOptions {
  /** The key the foreign key holds when it is not the primary key (e.g. `'uuid'`). */
  readonly references?: string
}

type TargetName<T> = T extends string ? T : string

const relation = <K extends RelationKind, T extends RelationTarget>(
  kind: K,
  target: T,
  foreignKey: string,
  rest: Partial<Omit<RelationDefinition, 'kind' | 'target' | 'foreignKey'>> = {},
): RelationDefinition<K, TargetName<T>> =>
  Object.freeze({
    kind,
    target: target as TargetName<T> | (() => AnyTable),
    foreignKey,
    references: rest.references,
    through: rest.through,
    otherKey: rest.otherKey,
    targetKey: rest.targetKey,
  })

/**
 * Builds relation definitions; passed to the `relations` option of `defineTable`.
 *
 * @example
 * ```ts
 * const functions = defineTable('functions', { ... }, {
 *   relations: (r) => ({
 *     owner: r.belongsTo('users', 'userId'),                       // functions.user_id -> users.id
 *     deployments: r.hasMany('function_deployments', 'functionId'), // function_deployments.function_id -> functions.id
 *   }),
 * })
 * ```
 *
 * @namespace
 */
export const relationBuilder = Object.freeze({
  /** Many rows of `target` hold this table's key in `foreignKey`. */
  hasMany: <const T extends RelationTarget>(
    target: T,
    foreignKey: string,
    options: RelationOptions = {},
  ) => relation('hasMany', target, foreignKey, options),
  /** At most one row of `target` holds this table's key in `foreignKey`. */
  hasOne: <const T extends RelationTarget>(
    target: T,
    foreignKey: string,
    options: RelationOptions = {},
  ) => relation('hasOne', target, foreignKey, options),
  /** This table holds the key of one `target` row in `foreignKey`. */
  belongsTo: <const T extends RelationTarget>(
    target: T,
    foreignKey: string,
    options: RelationOptions = {},
  ) => relation('belongsTo', target, foreignKey, options),
  /** Rows of `target` linked through a junction table. */
  manyToMany: <const T extends RelationTarget>(target: T, options: ManyToManyOptions) =>
    relation('manyToMany', target, options.foreignKey, options),
})

/** The type of {@link relationBuilder}. */
export type RelationBuilder = typeof relationBuilder
