import type { AnyEntityClass, TableOfEntity } from '../entity/entity'
import type { ColumnState, StateOf } from '../schema/column-builder'
import type { AnyTable } from '../schema/define-table'
import type { RelationDefinition } from '../schema/relations'
import type { ColumnsOf, EntityProps, Simplify, ValueOf } from '../schema/table-types'
import type { Dto, DtoOutput } from './dto'
import type {
  ComputeSource,
  DtoField,
  PropertySource,
  RefSource,
  RelationSource,
} from './dto-field'
import type { Jsonify } from './json-output'

// The types of defineDto: which fields a DTO of a table may have, and the JSON, context and
// loaded relations its fields make it need. Run time is dto-mapper.ts.

type IsPublic<S> = S extends { readonly internal: false; readonly secret: false } ? true : false

/**
 * The properties of table `T` a DTO may show: every column that is neither internal (serial and
 * bigserial ids, integer foreign keys, `.internal()`) nor `secret()`.
 *
 * @example
 * ```ts
 * type P = PublicProperty<typeof users> // 'uuid' | 'email' | 'createdAt' | 'updatedAt'
 * ```
 */
export type PublicProperty<T extends AnyTable> = {
  [K in keyof ColumnsOf<T> & string]: IsPublic<StateOf<ColumnsOf<T>[K]>> extends true ? K : never
}[keyof ColumnsOf<T> & string]

type Relations<T extends AnyTable> = T['$relations']
type RelationName<T extends AnyTable> = keyof Relations<T> & string
type IsMany<T extends AnyTable, R> = Relations<T>[R & keyof Relations<T>] extends {
  readonly kind: 'hasMany' | 'manyToMany'
}
  ? true
  : false
type SingleRelationName<T extends AnyTable> = {
  [R in RelationName<T>]: IsMany<T, R> extends true ? never : R
}[RelationName<T>]
type TargetName<T extends AnyTable, R> =
  Relations<T>[R & keyof Relations<T>] extends RelationDefinition<any, infer N> ? N : string

type PublicState = ColumnState & { readonly internal: false; readonly secret: false }

type AllowedSource<T extends AnyTable> =
  | PropertySource<PublicProperty<T>>
  | ComputeSource<unknown>
  | RefSource<SingleRelationName<T>, PublicState>
  | RelationSourceOf<T>

// A nested DTO must map the relation's target table (any table when the target is a thunk).
type RelationSourceOf<T extends AnyTable> = {
  [R in RelationName<T>]: RelationSource<
    R,
    { readonly entity: { readonly table: { readonly $name: TargetName<T, R> } } }
  >
}[RelationName<T>]

/**
 * The object form of `defineDto(Entity, fields)`: output key to `true` (copy the property of that
 * name) or a {@link dtoField}.
 * @example
 * ```ts
 * const fields = { uuid: true, title: dtoField.from('name') } satisfies DtoFields<typeof FunctionEntity>
 * defineDto(FunctionEntity, fields).from(fn) // { "uuid": "5f0c…", "title": "resize" }
 * ```
 */
export type DtoFields<E extends AnyEntityClass> = {
  readonly [key: string]:
    | true
    | DtoField<AllowedSource<TableOfEntity<E>>, InstanceType<E>, unknown, boolean>
}

type FieldError<M extends string> = { readonly '~dtoError': M }

type CheckField<T extends AnyTable, K, V> = [V] extends [true]
  ? K extends PublicProperty<T>
    ? unknown
    : FieldError<`"${K & string}" is not a public property of "${T['$name']}" (internal ids, integer foreign keys and secrets never leave the server)`>
  : unknown

/**
 * Type-level checks the index signature of {@link DtoFields} cannot express: a `true` field must
 * name a public property.
 * @example
 * ```ts
 * defineDto(UserEntity, { passwordHash: true })
 * // type error: "passwordHash" is not a public property of "users" (internal ids, integer foreign keys and secrets never leave the server)
 * ```
 */
export type FieldChecks<E extends AnyEntityClass, F> = {
  [K in keyof F]: CheckField<TableOfEntity<E>, K, F[K]>
}

type SourceOf<V> = V extends DtoField<infer S, any, any, any> ? S : never
type IsOptional<V> = V extends DtoField<any, any, any, true> ? true : false

type FieldOutput<T extends AnyTable, K, V> = V extends true
  ? Jsonify<EntityProps<T>[K & keyof EntityProps<T>]>
  : SourceOf<V> extends infer S
    ? S extends PropertySource<infer P>
      ? Jsonify<EntityProps<T>[P & keyof EntityProps<T>]>
      : S extends ComputeSource<infer V2>
        ? Jsonify<V2>
        : S extends RefSource<any, infer St>
          ? Jsonify<ValueOf<St>> | null
          : S extends RelationSource<infer R, infer D>
            ? IsMany<T, R> extends true
              ? DtoOutput<D>[]
              : DtoOutput<D> | null
            : never
    : never

/**
 * The JSON an object-form DTO of entity `E` with fields `F` writes: role-aware keys optional.
 * @example
 * ```ts
 * type Out = DtoOutputOf<typeof UserEntity, { uuid: true; mail: DtoField<PropertySource<'email'>, unknown, unknown, true> }>
 * // { uuid: string; mail?: string }, e.g. { "uuid": "9b1d…" }
 * ```
 */
export type DtoOutputOf<E extends AnyEntityClass, F> = Simplify<
  {
    -readonly [K in keyof F & string as IsOptional<F[K]> extends true ? never : K]: FieldOutput<
      TableOfEntity<E>,
      K,
      F[K]
    >
  } & {
    -readonly [K in keyof F & string as IsOptional<F[K]> extends true ? K : never]?: FieldOutput<
      TableOfEntity<E>,
      K,
      F[K]
    >
  }
>

// `(x: A) => void | (x: B) => void` infers `A & B`; `unknown` members vanish from the result.
type IntersectOf<G> = [G] extends [(x: infer I) => void] ? I : never

type FieldContext<V> = V extends DtoField<any, any, infer C, any> ? C : unknown

/**
 * The context the `when` predicates of fields `F` (nested DTOs' included) need, all of them
 * intersected (`unknown`: none).
 * @example
 * ```ts
 * // fields { a: dtoField.from('email').when((ctx: { admin: boolean }) => ctx.admin) }
 * // DtoFieldsContext<typeof fields> is { admin: boolean }: from(user, { admin: true }) gives { "a": "a@x.io" }
 * ```
 */
export type DtoFieldsContext<F> = IntersectOf<
  { [K in keyof F]: (context: FieldContext<F[K]>) => void }[keyof F]
>

type Loaded<T extends AnyTable, R extends string> = {
  readonly [P in R]: IsMany<T, P> extends true ? readonly object[] : object | null
}
type FieldNeeds<T extends AnyTable, V> =
  V extends DtoField<infer S, any, any, any>
    ? S extends RefSource<infer R, any> | RelationSource<infer R, any>
      ? Loaded<T, R>
      : unknown
    : unknown

/**
 * The relations `from` needs already loaded on the entity (as `manager.load` attaches them).
 * @example
 * ```ts
 * // fields { ownerUuid: dtoField.ref('owner', users.uuid) }: { readonly owner: object | null }
 * FunctionDto.from(await functions.load([fn], 'owner').then((l) => l[0])) // { "ownerUuid": "9b1d…", ... }
 * ```
 */
export type DtoFieldsNeeds<E extends AnyEntityClass, F> = IntersectOf<
  { [K in keyof F]: (needs: FieldNeeds<TableOfEntity<E>, F[K]>) => void }[keyof F]
>

/**
 * The DTO `defineDto(E, fields)` returns: for a list of properties, their JSON; for an object of
 * fields, {@link DtoOutputOf} with its context and needed relations.
 * @example
 * ```ts
 * type UserDtoType = DtoOf<typeof UserEntity, readonly ['uuid', 'email']>
 * // Dto<typeof UserEntity, { uuid: string; email: string }>: { "uuid": "9b1d…", "email": "a@x.io" }
 * ```
 */
export type DtoOf<E extends AnyEntityClass, F> = F extends readonly (infer P)[]
  ? Dto<
      E,
      Simplify<{
        -readonly [K in P & string]: Jsonify<
          EntityProps<TableOfEntity<E>>[K & keyof EntityProps<TableOfEntity<E>>]
        >
      }>
    >
  : Dto<E, DtoOutputOf<E, F>, DtoFieldsContext<F>, DtoFieldsNeeds<E, F>>
