import type { EntityOf } from '../entity/entity'
import type { AnyTable, TableBase } from '../schema/define-table'
import type { RelationDefinition } from '../schema/relations'
import type { TableRecord } from '../schema/table-types'

// The types of loaded relations, shared by the manager's relation methods and EntityQuery.with():
// a relation names its target by SQL table name, found among the Database's tables.

/**
 * The relations of table `T` by name, as `defineTable(..., { relations })` declared them.
 * @example
 * ```ts
 * type R = RelationsOf<typeof functions>['owner'] // RelationDefinition<'belongsTo', 'users'>
 * ```
 */
export type RelationsOf<T> = T extends TableBase<any, any, infer R> ? R : never

/**
 * The relation names of table `T`.
 * @example
 * ```ts
 * type N = RelationName<typeof functions> // 'owner' | 'deployments' | ...
 * ```
 */
export type RelationName<T extends AnyTable> = keyof RelationsOf<T> & string

type TableNamed<TTables extends TableRecord, N extends string> = {
  [K in keyof TTables]: TTables[K]['$name'] extends N ? TTables[K] : never
}[keyof TTables]

type TargetOf<T extends AnyTable, K, TTables extends TableRecord> =
  RelationsOf<T>[K & keyof RelationsOf<T>] extends RelationDefinition<any, infer N>
    ? string extends N
      ? AnyTable
      : OrAnyTable<TableNamed<TTables, N>>
    : AnyTable

// A target not among the known tables (a query made without the Database's tables) is AnyTable.
type OrAnyTable<X> = [X] extends [never] ? AnyTable : X

type KindOf<T extends AnyTable, K> =
  RelationsOf<T>[K & keyof RelationsOf<T>] extends RelationDefinition<infer Kind, any>
    ? Kind
    : never

/**
 * What relation `K` of table `T` loads: a list, or one entity or null, typed through the
 * Database's tables `TTables` (the relation names its target by SQL table name).
 * @example
 * ```ts
 * type D = Related<typeof functions, 'deployments', typeof containerpubTables> // FunctionDeployment[]
 * type O = Related<typeof functions, 'owner', typeof containerpubTables>       // User | null
 * ```
 */
export type Related<T extends AnyTable, K, TTables extends TableRecord> =
  KindOf<T, K> extends 'hasMany' | 'manyToMany'
    ? EntityOf<TargetOf<T, K, TTables>>[]
    : EntityOf<TargetOf<T, K, TTables>> | null

/**
 * Entities with relation `K` attached as a property of that name.
 * @example
 * ```ts
 * const [fn] = await functions.load(list, 'owner') // WithRelation<FunctionEntity, ..., 'owner', ...>
 * fn.owner?.email
 * ```
 */
export type WithRelation<
  E,
  T extends AnyTable,
  K extends string,
  TTables extends TableRecord,
> = E & {
  readonly [P in K]: Related<T, P, TTables>
}

/**
 * The names of the relations of table `T`, as {@link EntityQuery.with} takes them.
 * @example
 * ```ts
 * type N = RelationNameOf<typeof functions> // 'owner' | 'deployments' | ...
 * ```
 */
export type RelationNameOf<T extends AnyTable> = keyof T['$relations'] & string

/**
 * What {@link EntityQuery.with} adds to each entity: a list for hasMany/manyToMany, an entity or
 * null for hasOne/belongsTo, typed through the Database's tables `TT` (a query made by
 * `db.manager(Entity).query()` knows them; one made with `new EntityQuery` types them `object`).
 * @example
 * ```ts
 * const [fn] = await db.manager(FunctionEntity).query().with('owner', 'deployments').all()
 * fn.owner?.email          // string | undefined
 * fn.deployments[0]?.version
 * ```
 */
export type LoadedRelations<
  T extends AnyTable,
  K extends string,
  TT extends TableRecord,
> = string extends keyof TT
  ? // Made without the Database's tables (new EntityQuery(...)): the targets are unknown.
    {
      readonly [P in K]: T['$relations'][P] extends { readonly kind: 'hasMany' | 'manyToMany' }
        ? object[]
        : object | null
    }
  : { readonly [P in K]: Related<T, P, TT> }
