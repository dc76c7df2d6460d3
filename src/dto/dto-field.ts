import type { ColumnState } from '../schema/column-builder'
import type { Column } from '../schema/define-table'
import type { AnyDto, DtoContext } from './dto'

/**
 * Type-level: the field copies entity property `P` (renamed to the field's key).
 * @example `dtoField.from('name')` is a `DtoField<PropertySource<'name'>>`, writing `{ "title": "resize" }`
 */
export interface PropertySource<P extends string> {
  readonly kind: 'property'
  readonly property: P
}

/**
 * Type-level: the field is computed; `V` is what the function returns.
 * @example `dtoField.compute((fn) => fn.status === 'active')` has `ComputeSource<boolean>`: `{ "isActive": true }`
 */
export interface ComputeSource<V> {
  readonly kind: 'compute'
  readonly value: V
}

/**
 * Type-level: the field is a public column (state `S`) of the entity related by relation `R`.
 * @example `dtoField.ref('owner', users.uuid)` has `RefSource<'owner', ...>`: `{ "ownerUuid": "9b1d…" }`
 */
export interface RefSource<R extends string, S extends ColumnState> {
  readonly kind: 'ref'
  readonly relation: R
  readonly state: S
}

/**
 * Type-level: the field is relation `R` mapped by the nested DTO `D`.
 * @example `dtoField.relation('information', UserInformationDto)`: `{ "information": { "firstName": "Ada", ... } }`
 */
export interface RelationSource<R extends string, D> {
  readonly kind: 'relation'
  readonly relation: R
  readonly dto: D
}

/**
 * A `when` predicate: the field is written only when it returns `true`.
 * @example `(ctx: { isOwner: boolean }, fn) => ctx.isOwner` shows the key to owners: `{ "analysis": {...} }`
 */
export type FieldPredicate<C = any, X = any> = (context: C, entity: X) => boolean

/**
 * What a field does, as `defineDto` reads it (run time; frozen).
 * @example `dtoField.from('name').spec` is `{ kind: 'property', property: 'name' }`
 */
export type FieldSpec =
  | { readonly kind: 'property'; readonly property: string }
  | { readonly kind: 'compute'; readonly compute: (entity: any) => unknown }
  | { readonly kind: 'ref'; readonly relation: string; readonly column: Column }
  | { readonly kind: 'relation'; readonly relation: string; readonly dto: unknown }

/**
 * One field of an object-form DTO, made by {@link dtoField}. Immutable: `when` returns a new field.
 *
 * Type parameters (type-level only): `Src` where the value comes from, `X` the entity the field
 * reads, `C` the context its predicates need, `O` whether the key may be absent.
 */
export interface DtoField<Src = unknown, X = unknown, C = unknown, O extends boolean = false> {
  readonly spec: FieldSpec
  /** The `when` predicates, all of which must return `true` for the key to be written. */
  readonly predicates: readonly FieldPredicate[]
  /** Type-level only. */
  readonly '~field'?: {
    readonly source: Src
    readonly entity: (entity: X) => void
    readonly context: C
    readonly optional: O
  }
  /**
   * Writes the key only when `predicate(context, entity)` returns `true` (anything else hides it:
   * a failing check never shows data). When hidden, the key is absent, not `null`, and the
   * output type makes it optional. The context type comes from the predicate's annotation, and
   * `from` then requires a context argument. Several `when` calls must all pass.
   *
   * @example
   * ```ts
   * const FunctionDto = defineDto(FunctionEntity, {
   *   uuid: true,
   *   analysis: dtoField.from('analysisResult').when((ctx: { isOwner: boolean }) => ctx.isOwner),
   * })
   * FunctionDto.from(fn, { isOwner: true })  // { "uuid": "…", "analysis": { "score": 9 } }
   * FunctionDto.from(fn, { isOwner: false }) // { "uuid": "…" }
   * ```
   */
  when<C2 = unknown, X2 = X>(
    predicate: (context: C2, entity: X2) => boolean,
  ): DtoField<Src, X & X2, C & C2, true>
}

/**
 * Any DTO field.
 * @example `const fields: AnyDtoField[] = [dtoField.from('name'), dtoField.compute(() => 1)]`
 */
export type AnyDtoField = DtoField<any, any, any, boolean>

class FieldDefinition {
  readonly spec: FieldSpec
  readonly predicates: readonly FieldPredicate[]

  constructor(spec: FieldSpec, predicates: readonly FieldPredicate[]) {
    this.spec = Object.freeze(spec)
    this.predicates = Object.freeze(predicates)
    Object.freeze(this)
  }

  when(predicate: FieldPredicate): FieldDefinition {
    return new FieldDefinition(this.spec, [...this.predicates, predicate])
  }
}

/**
 * True when `value` was made by {@link dtoField}.
 * @example `isDtoField(dtoField.from('name'))` is `true`; `isDtoField({ kind: 'property' })` is `false`
 * @internal
 */
export function isDtoField(value: unknown): value is AnyDtoField {
  return value instanceof FieldDefinition
}

const field = (spec: FieldSpec): any => new FieldDefinition(spec, [])

/**
 * The field kinds of an object-form DTO (`true` copies a property under its own name). Every
 * property, relation and target column is checked by `defineDto` against the entity's table: an
 * internal id, an integer foreign key or a secret cannot be selected (a type error, and a
 * `DtoDefinitionError` at definition time if forced).
 *
 * @example
 * ```ts
 * export const FunctionDto = defineDto(FunctionEntity, {
 *   uuid: true,
 *   title: dtoField.from('name'),
 *   isActive: dtoField.compute((fn) => fn.status === 'active'),
 *   ownerUuid: dtoField.ref('owner', users.uuid),
 *   deployments: dtoField.relation('deployments', DeploymentDto),
 * })
 * FunctionDto.from(fnWithOwnerAndDeployments)
 * // { "uuid": "5f0c…", "title": "resize", "isActive": true, "ownerUuid": "9b1d…",
 * //   "deployments": [{ "uuid": "77aa…", "version": 2 }] }
 * ```
 *
 * @namespace
 */
export const dtoField = Object.freeze({
  /**
   * Copies entity property `property` under the field's key (a rename). Its value is converted
   * to JSON by column kind: timestamps to ISO strings, bigints to decimal strings.
   * @example `title: dtoField.from('name')` gives `{ "title": "resize" }`
   */
  from: <const P extends string>(property: P): DtoField<PropertySource<P>> =>
    field({ kind: 'property', property }),

  /**
   * A value computed from the entity (its getters and methods included), converted to JSON
   * recursively: Dates inside objects and arrays become ISO strings. Returning an entity is
   * refused at run time (a `DtoDefinitionError`): map related entities with
   * {@link dtoField.relation}. So is a value carrying, at any depth, a key that names a secret or
   * internal column of the entity's table or of an attached related entity (`id`, `userId`,
   * `password_hash`: `compute(e => e.toMap())`, `compute(e => ({ ...e }))`); objects of the
   * entity's own public jsonb values keep their keys. Inside
   * `defineDto` the entity parameter is typed from the DTO; when `.when()` is chained after
   * `compute(...)`, annotate it (`(fn: FunctionEntity) => ...`).
   * @example `isActive: dtoField.compute((fn) => fn.status === 'active')` gives `{ "isActive": true }`
   */
  compute: <X, V>(compute: (entity: X) => V): DtoField<ComputeSource<V>, X> =>
    field({ kind: 'compute', compute }),

  /**
   * A public column of the entity that relation `relation` (hasOne or belongsTo) links to:
   * the public way to say "which user owns this" without the internal `user_id`. Pass the
   * column itself (`users.uuid`): it carries its type, and an internal or secret column is a
   * type error. Identity decides, not shape: a copy (`{ ...users.passwordHash, secret: false }`)
   * is refused by `defineDto`, and a column of another table definition of the same name is
   * refused when mapping (the related entity must be one of that very table). The value is
   * `null` when there is no related row.
   * @example `ownerUuid: dtoField.ref('owner', users.uuid)` gives `{ "ownerUuid": "9b1d…" }`
   */
  ref: <const R extends string, S extends ColumnState>(
    relation: R,
    column: Column<S>,
  ): DtoField<RefSource<R, S>> => field({ kind: 'ref', relation, column }),

  /**
   * Relation `relation` mapped by DTO `dto`: a list for hasMany and manyToMany, an object or
   * `null` for hasOne and belongsTo. The nested DTO gets the same context.
   * @example `deployments: dtoField.relation('deployments', DeploymentDto)` gives `{ "deployments": [{ "uuid": "77aa…" }] }`
   */
  relation: <const R extends string, D extends AnyDto>(
    relation: R,
    dto: D,
  ): DtoField<RelationSource<R, D>, unknown, DtoContext<D>> =>
    field({ kind: 'relation', relation, dto }),
})
