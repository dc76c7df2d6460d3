import { type AnyEntityClass, isEntityClass, type TableOfEntity } from '../entity/entity'
import type { QueryExecutor } from '../query/executor'
import { loadRelation } from '../query/relation-loader'
import type { ColumnState, StateOf } from '../schema/column-builder'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import type { RelationDefinition } from '../schema/relations'
import type { ColumnsOf, EntityProps, Simplify, ValueOf } from '../schema/table-types'
import type { Dto, DtoOutput } from './dto'
import { DtoDefinitionError } from './dto-definition-error'
import {
  type ComputeSource,
  type DtoField,
  type FieldPredicate,
  type FieldSpec,
  isDtoField,
  type PropertySource,
  type RefSource,
  type RelationSource,
} from './dto-field'
import { columnConverter, type Jsonify, toJsonValue } from './json-output'

// ------------------------------------------------------------------------------------ types

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

/** Type-level checks the index signature of {@link DtoFields} cannot express. */
type FieldChecks<E extends AnyEntityClass, F> = {
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

// ----------------------------------------------------------------------------- run time

type Row = Record<string, unknown>

/** Where mapped relations come from: attached to the entities, or loaded by `resolve`. */
interface RelatedSource {
  /** The related value, or `undefined` when it was not loaded. */
  related(entity: Row, relation: string): unknown
  /** The source for the entities a nested DTO field maps. */
  nested(key: string): RelatedSource
}

const ATTACHED: RelatedSource = Object.freeze({
  related: (entity: Row, relation: string) => entity[relation],
  nested: () => ATTACHED,
})

class LoadedSource implements RelatedSource {
  readonly #values: ReadonlyMap<string, ReadonlyMap<object, unknown>>
  readonly #children: ReadonlyMap<string, RelatedSource>

  constructor(
    values: ReadonlyMap<string, ReadonlyMap<object, unknown>>,
    children: ReadonlyMap<string, RelatedSource>,
  ) {
    this.#values = values
    this.#children = children
  }

  related(entity: Row, relation: string): unknown {
    return this.#values.get(relation)?.get(entity)
  }

  nested(key: string): RelatedSource {
    return this.#children.get(key) ?? ATTACHED
  }
}

type Read = (entity: Row, context: unknown, source: RelatedSource) => unknown

interface FieldPlan {
  readonly key: string
  readonly when: FieldPredicate | undefined
  readonly read: Read
}

interface NestedPlan {
  readonly key: string
  readonly relation: string
  readonly dto: DtoMapper
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return `function ${value.name}`
  return typeof value
}

function combine(predicates: readonly FieldPredicate[]): FieldPredicate | undefined {
  if (predicates.length === 0) return undefined
  if (predicates.length === 1) return predicates[0]
  // Fail closed: every predicate must say exactly `true`.
  return (context, entity) => predicates.every((p) => p(context, entity) === true)
}

function isColumn(value: unknown): value is Column {
  if (value === null || typeof value !== 'object') return false
  const c = value as Partial<Column>
  return (
    typeof c.property === 'string' &&
    typeof c.table === 'string' &&
    typeof c.internal === 'boolean' &&
    typeof c.secret === 'boolean'
  )
}

/** Why a column may not leave the server, or `undefined` when it may. */
function hiddenBecause(column: Column): string | undefined {
  if (column.secret) return 'a secret column; secrets never leave the server'
  if (!column.internal) return undefined
  if (columnType(column.kind).serial) {
    return `a ${column.kind} id (internal); internal ids never leave the server`
  }
  if (column.config.references !== undefined) {
    return 'an integer foreign key (internal); expose the related public id with dtoField.ref()'
  }
  return 'marked internal(); internal values never leave the server'
}

function tableName(target: RelationDefinition['target'], fail: (why: string) => never): string {
  if (typeof target === 'string') return target
  try {
    return target().$name
  } catch (cause) {
    return fail(`its target table could not be resolved (${String(cause)})`)
  }
}

class DtoMapper {
  readonly entity: AnyEntityClass
  readonly fields: readonly string[]
  readonly from: (entity: object, context?: unknown) => Row
  readonly fromMany: (entities: readonly object[], context?: unknown) => Row[]
  readonly resolve: (
    executor: QueryExecutor,
    entities: readonly object[],
    context?: unknown,
  ) => Promise<Row[]>

  readonly #table: AnyTable
  readonly #label: string
  readonly #plans: readonly FieldPlan[]
  /** Relations `resolve` loads for this level, each once. */
  readonly #relations: readonly string[]
  readonly #nested: readonly NestedPlan[]

  constructor(entity: AnyEntityClass, entries: readonly (readonly [string, unknown])[]) {
    this.entity = entity
    this.#table = entity.table
    this.#label = `defineDto(${entity.name})`
    const relations = new Set<string>()
    const nested: NestedPlan[] = []
    this.#plans = Object.freeze(
      entries.map(([key, value]) => this.#plan(key, value, relations, nested)),
    )
    this.#relations = Object.freeze([...relations])
    this.#nested = Object.freeze(nested)
    this.fields = Object.freeze(entries.map(([key]) => key))
    // Bound, so `entities.map(UserDto.from)` and destructuring work.
    this.from = (entity, context) => this.#map(entity, context, ATTACHED)
    this.fromMany = (entities, context) => {
      if (!Array.isArray(entities)) {
        throw new TypeError(`${this.#label}.fromMany: expected an array, got ${describe(entities)}`)
      }
      return entities.map((e) => this.#map(e, context, ATTACHED))
    }
    this.resolve = async (executor, entities, context) => {
      if (!Array.isArray(entities)) {
        throw new TypeError(`${this.#label}.resolve: expected an array, got ${describe(entities)}`)
      }
      const source = await this.#load(executor, entities)
      return entities.map((e) => this.#map(e, context, source))
    }
    Object.freeze(this)
  }

  #fail(key: string, why: string): never {
    throw new DtoDefinitionError(key, `${this.#label} field "${key}": ${why}`)
  }

  #plan(key: string, value: unknown, relations: Set<string>, nested: NestedPlan[]): FieldPlan {
    if (key === '__proto__') this.#fail(key, 'an output key cannot be "__proto__"')
    let spec: FieldSpec
    let predicates: readonly FieldPredicate[] = []
    if (value === true) {
      spec = { kind: 'property', property: key }
    } else if (isDtoField(value)) {
      spec = value.spec
      predicates = value.predicates
      for (const p of predicates) {
        if (typeof p !== 'function') this.#fail(key, `when() needs a function, got ${describe(p)}`)
      }
    } else {
      return this.#fail(
        key,
        `expected true or a dtoField (from, compute, ref, relation), got ${describe(value)}`,
      )
    }
    const read = this.#reader(key, spec, relations, nested)
    return Object.freeze({ key, when: combine(predicates), read })
  }

  #publicColumn(key: string, table: AnyTable, property: unknown, where: string): Column {
    const column = typeof property === 'string' ? table.$meta.byProperty.get(property) : undefined
    if (column === undefined) {
      const known = table.$meta.columns
        .filter((c) => hiddenBecause(c) === undefined)
        .map((c) => c.property)
      return this.#fail(
        key,
        `${where} has no property ${JSON.stringify(property)} (public properties: ${known.join(', ')})`,
      )
    }
    const why = hiddenBecause(column)
    if (why !== undefined) this.#fail(key, `property "${column.property}" of ${where} is ${why}`)
    return column
  }

  #relation(key: string, name: unknown): RelationDefinition & { readonly name: string } {
    const relations = this.#table.$relations as Record<string, RelationDefinition>
    if (typeof name !== 'string' || !Object.hasOwn(relations, name)) {
      const known = Object.keys(relations)
      return this.#fail(
        key,
        `"${this.#table.$name}" has no relation ${typeof name === 'string' ? JSON.stringify(name) : describe(name)}` +
          (known.length > 0 ? ` (relations: ${known.join(', ')})` : ''),
      )
    }
    return { ...(relations[name] as RelationDefinition), name }
  }

  #reader(key: string, spec: FieldSpec, relations: Set<string>, nested: NestedPlan[]): Read {
    switch (spec.kind) {
      case 'property': {
        const column = this.#publicColumn(key, this.#table, spec.property, `"${this.#table.$name}"`)
        const property = column.property
        const convert = columnConverter(column)
        if (convert === undefined) return (entity) => entity[property] ?? null
        return (entity) => {
          const v = entity[property]
          return v === null || v === undefined ? null : convert(v)
        }
      }
      case 'compute': {
        const compute = spec.compute
        if (typeof compute !== 'function') {
          return this.#fail(key, `compute() needs a function, got ${describe(compute)}`)
        }
        return (entity) => toJsonValue(compute(entity), key)
      }
      case 'ref': {
        const relation = this.#relation(key, spec.relation)
        if (relation.kind !== 'hasOne' && relation.kind !== 'belongsTo') {
          this.#fail(
            key,
            `ref() needs a hasOne or belongsTo relation; "${relation.name}" is ${relation.kind} (use dtoField.relation)`,
          )
        }
        const fail = (why: string): never => this.#fail(key, `relation "${relation.name}": ${why}`)
        const target = tableName(relation.target, fail)
        const given = spec.column
        if (!isColumn(given)) {
          return this.#fail(key, `ref() needs a column such as users.uuid, got ${describe(given)}`)
        }
        if (given.table !== target) {
          fail(`links to "${target}", but the column is "${given.table}.${given.property}"`)
        }
        const why = hiddenBecause(given)
        if (why !== undefined) {
          this.#fail(key, `property "${given.property}" of "${target}" is ${why}`)
        }
        relations.add(relation.name)
        const property = given.property
        const convert = columnConverter(given)
        const name = relation.name
        return (entity, _context, source) => {
          const related = this.#related(key, entity, name, false, source)
          if (related === null) return null
          // A wrong entity under the relation's name would show its column of the same name.
          const table = (related.constructor as { table?: AnyTable } | undefined)?.table
          if (table?.$name !== target) {
            throw new DtoDefinitionError(
              key,
              `${this.#label}.from: field "${key}": "${name}" on the entity is not an entity of "${target}"`,
            )
          }
          const v = (related as Row)[property]
          if (v === null || v === undefined) return null
          return convert === undefined ? v : convert(v)
        }
      }
      case 'relation': {
        const relation = this.#relation(key, spec.relation)
        const dto = spec.dto
        if (!(dto instanceof DtoMapper)) {
          return this.#fail(key, `relation() needs a DTO made by defineDto, got ${describe(dto)}`)
        }
        const fail = (why: string): never => this.#fail(key, `relation "${relation.name}": ${why}`)
        const target = tableName(relation.target, fail)
        if (dto.#table.$name !== target) {
          fail(`links to "${target}", but the nested DTO maps "${dto.#table.$name}"`)
        }
        relations.add(relation.name)
        nested.push(Object.freeze({ key, relation: relation.name, dto }))
        const name = relation.name
        const many = relation.kind === 'hasMany' || relation.kind === 'manyToMany'
        return (entity, context, source) => {
          const related = this.#related(key, entity, name, many, source)
          const child = source.nested(key)
          if (related === null) return null
          if (!many) return dto.#map(related, context, child)
          const list = related as readonly object[]
          const out = new Array<Row>(list.length)
          for (let i = 0; i < list.length; i++) out[i] = dto.#map(list[i] as object, context, child)
          return out
        }
      }
      default:
        return this.#fail(key, 'unknown field kind')
    }
  }

  /** The loaded value of a relation, checked: a list for `many`, else an object or null. */
  #related(
    key: string,
    entity: Row,
    relation: string,
    many: boolean,
    source: RelatedSource,
  ): object | null {
    const value = source.related(entity, relation)
    if (value === undefined) {
      throw new DtoDefinitionError(
        key,
        `${this.#label}.from: field "${key}" reads relation "${relation}", which is not loaded on this ${this.entity.name}; ` +
          `load it first (manager.load(entities, '${relation}') or query().with('${relation}')), ` +
          'or let the DTO load what it needs: await dto.resolve(db, entities)',
      )
    }
    const ok = many
      ? Array.isArray(value)
      : value === null || (typeof value === 'object' && !Array.isArray(value))
    if (!ok) {
      throw new DtoDefinitionError(
        key,
        `${this.#label}.from: field "${key}": "${relation}" on the entity is ${describe(value)}, ` +
          `not a loaded ${many ? 'list of entities' : 'entity or null'}`,
      )
    }
    return value as object | null
  }

  #map(entity: unknown, context: unknown, source: RelatedSource): Row {
    if (entity === null || typeof entity !== 'object') {
      throw new TypeError(`${this.#label}: expected an entity, got ${describe(entity)}`)
    }
    const table = (entity.constructor as { table?: AnyTable } | undefined)?.table
    if (table !== this.#table && table?.$name !== this.#table.$name) {
      throw new TypeError(
        `${this.#label}: expected an entity of "${this.#table.$name}", got ${entity.constructor?.name ?? 'an object'}`,
      )
    }
    const row = entity as Row
    const out: Row = {}
    for (const plan of this.#plans) {
      if (plan.when !== undefined && plan.when(context, entity) !== true) continue
      out[plan.key] = plan.read(row, context, source)
    }
    return out
  }

  /** Loads this level's relations (one query each) and, recursively, the nested DTOs' ones. */
  async #load(executor: QueryExecutor, entities: readonly object[]): Promise<RelatedSource> {
    const values = new Map<string, ReadonlyMap<object, unknown>>()
    await Promise.all(
      this.#relations.map(async (name) => {
        values.set(name, await loadRelation(executor, this.#table, name, entities))
      }),
    )
    const children = new Map<string, RelatedSource>()
    await Promise.all(
      this.#nested.map(async ({ key, relation, dto }) => {
        const seen = new Set<object>()
        for (const value of values.get(relation)?.values() ?? []) {
          if (Array.isArray(value)) for (const item of value) seen.add(item)
          else if (value !== null && typeof value === 'object') seen.add(value)
        }
        if (seen.size > 0) children.set(key, await dto.#load(executor, [...seen]))
      }),
    )
    return new LoadedSource(values, children)
  }
}

/**
 * Defines a DTO mapper for entity class `E`: the only way entities should leave the server.
 * Internal ids (serial ids, integer foreign keys, `.internal()` columns) and `secret()` columns
 * cannot be selected: a type error, and a {@link DtoDefinitionError} at definition time when
 * forced with a cast. Unknown properties and relations are refused the same way. Output is plain
 * JSON data (Dates as ISO strings, bigints as decimal strings), keys in definition order.
 *
 * Array form: public properties copied as they are. Object form: output key to `true` (the
 * property of that name) or a {@link dtoField}.
 *
 * @example
 * ```ts
 * export const UserDto = defineDto(UserEntity, ['uuid', 'email'])
 * UserDto.from(user) // { "uuid": "9b1d…", "email": "a@x.io" }
 *
 * export const FunctionDto = defineDto(FunctionEntity, {
 *   uuid: true,
 *   createdAt: true,                                        // Date -> ISO string
 *   ownerUuid: dtoField.ref('owner', users.uuid),           // not the internal user_id
 *   analysis: dtoField.from('analysisResult').when((ctx: { isOwner: boolean }) => ctx.isOwner),
 * })
 * FunctionDto.from(fnWithOwner, { isOwner: false })
 * // { "uuid": "5f0c…", "createdAt": "2024-05-06T07:08:09.010Z", "ownerUuid": "9b1d…" }
 * await FunctionDto.resolve(db, fns, { isOwner: true }) // loads `owner` for all fns in one query
 *
 * defineDto(UserEntity, ['id'])          // type error (and DtoDefinitionError): a serial id
 * defineDto(UserEntity, ['passwordHash']) // type error: a secret
 * ```
 */
export function defineDto<
  E extends AnyEntityClass,
  const F extends DtoFields<E> | readonly PublicProperty<TableOfEntity<E>>[],
>(entity: E, fields: F & FieldChecks<E, F>): DtoOf<E, F>
export function defineDto(entity: unknown, fields: unknown): unknown {
  if (!isEntityClass(entity)) {
    throw new DtoDefinitionError(
      '',
      `defineDto: expected an entity class (class X extends Entity.of(table)), got ${describe(entity)}`,
    )
  }
  const label = `defineDto(${entity.name})`
  let entries: (readonly [string, unknown])[]
  if (Array.isArray(fields)) {
    entries = []
    for (const property of fields) {
      if (typeof property !== 'string') {
        throw new DtoDefinitionError(
          '',
          `${label}: properties must be strings, got ${describe(property)}`,
        )
      }
      entries.push([property, true])
    }
  } else if (fields !== null && typeof fields === 'object') {
    entries = Object.entries(fields)
  } else {
    throw new DtoDefinitionError(
      '',
      `${label}: expected a list of properties or an object of fields, got ${describe(fields)}`,
    )
  }
  if (entries.length === 0) throw new DtoDefinitionError('', `${label}: a DTO needs a field`)
  const seen = new Set<string>()
  for (const [key] of entries) {
    if (seen.has(key)) throw new DtoDefinitionError(key, `${label}: field "${key}" is listed twice`)
    seen.add(key)
  }
  return new DtoMapper(entity, entries)
}
