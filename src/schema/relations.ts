import type { AnyTable } from './define-table'

/** How two tables are linked. */
export type RelationKind = 'hasMany' | 'hasOne' | 'belongsTo' | 'manyToMany'

/**
 * The related table: its SQL name (resolved through the tables a `Database` serves), or a thunk
 * returning the table. Names never form a type cycle; a thunk between tables that relate to each
 * other both ways makes TypeScript ask for an annotation (`(): AnyTable => functions`).
 */
export type RelationTarget = string | (() => AnyTable)

/**
 * A relation as declared in `defineTable(..., { relations })`. Keys are property names.
 * `T` is the target's SQL name when it was given by name.
 */
export interface RelationDefinition<
  K extends RelationKind = RelationKind,
  T extends string = string,
> {
  readonly kind: K
  /** The related table. */
  readonly target: T | (() => AnyTable)
  /**
   * hasMany / hasOne: the property on the target that holds this table's key.
   * belongsTo: the property on this table that holds the target's key.
   * manyToMany: the property on the junction table that holds this table's key.
   */
  readonly foreignKey: string
  /**
   * The key `foreignKey` holds: for hasMany/hasOne/manyToMany a property of this table, for
   * belongsTo a property of the target. Default: the primary key; `'uuid'` for uuid keys.
   */
  readonly references: string | undefined
  /** manyToMany only: the junction table. */
  readonly through: RelationTarget | undefined
  /** manyToMany only: the property on the junction table that holds the target's key. */
  readonly otherKey: string | undefined
  /** manyToMany only: the target's key that `otherKey` holds (default: its primary key). */
  readonly targetKey: string | undefined
}

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

/** Relations by name, as a table stores them. */
export type RelationRecord = Readonly<Record<string, RelationDefinition>>
