import type { AnyTable } from './define-table'

/** How two tables are linked. */
export type RelationKind = 'hasMany' | 'hasOne' | 'belongsTo' | 'manyToMany'

/**
 * A relation as declared in `defineTable(..., { relations })`. Keys are property names; the target
 * (and the junction table) are thunks, resolved when the relation is first used, so tables may
 * refer to each other in any order.
 */
export interface RelationDefinition<K extends RelationKind = RelationKind> {
  readonly kind: K
  /** The related table. */
  readonly target: () => AnyTable
  /**
   * hasMany / hasOne: the property on the target that holds this table's key.
   * belongsTo: the property on this table that holds the target's key.
   * manyToMany: the property on the junction table that holds this table's key.
   */
  readonly foreignKey: string
  /**
   * The key referenced by `foreignKey`: hasMany/hasOne, a property of this table; belongsTo, a
   * property of the target. Default: the primary key (`id`); pass `'uuid'` for keys that hold uuids.
   */
  readonly references: string | undefined
  /** manyToMany only: the junction table. */
  readonly through: (() => AnyTable) | undefined
  /** manyToMany only: the property on the junction table that holds the target's key. */
  readonly otherKey: string | undefined
  /** manyToMany only: the target's key referenced by `otherKey` (default: its primary key). */
  readonly targetKey: string | undefined
}

/** Options of a manyToMany relation. */
export interface ManyToManyOptions {
  /** The junction table, e.g. `() => organizationMembers`. */
  readonly through: () => AnyTable
  /** Junction property holding this table's key, e.g. `'organizationId'`. */
  readonly foreignKey: string
  /** Junction property holding the target's key, e.g. `'userId'`. */
  readonly otherKey: string
  /** This table's key that `foreignKey` holds (default: primary key). */
  readonly references?: string
  /** The target's key that `otherKey` holds (default: primary key). */
  readonly targetKey?: string
}

const relation = <K extends RelationKind>(
  kind: K,
  target: () => AnyTable,
  foreignKey: string,
  rest: Partial<Omit<RelationDefinition, 'kind' | 'target' | 'foreignKey'>> = {},
): RelationDefinition<K> =>
  Object.freeze({
    kind,
    target,
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
 *     owner: r.belongsTo(() => users, 'userId'),                  // functions.user_id -> users.id
 *     deployments: r.hasMany(() => functionDeployments, 'functionId'),
 *   }),
 * })
 * ```
 */
export const relationBuilder = Object.freeze({
  /** Many rows of `target` hold this table's key in `foreignKey`. */
  hasMany: (target: () => AnyTable, foreignKey: string, options: { references?: string } = {}) =>
    relation('hasMany', target, foreignKey, options),
  /** At most one row of `target` holds this table's key in `foreignKey`. */
  hasOne: (target: () => AnyTable, foreignKey: string, options: { references?: string } = {}) =>
    relation('hasOne', target, foreignKey, options),
  /** This table holds the key of one `target` row in `foreignKey`. */
  belongsTo: (target: () => AnyTable, foreignKey: string, options: { references?: string } = {}) =>
    relation('belongsTo', target, foreignKey, options),
  /** Rows of `target` linked through a junction table. */
  manyToMany: (target: () => AnyTable, options: ManyToManyOptions) =>
    relation('manyToMany', target, options.foreignKey, options),
})

/** The type of {@link relationBuilder}. */
export type RelationBuilder = typeof relationBuilder
