import type { AnyEntityClass } from '../entity/entity'
import type { QueryExecutor } from '../query/executor'

/**
 * The context argument of `from`: required when a field has a `when` predicate that reads one.
 * @example
 * ```ts
 * ContextArgs<unknown>           // [context?: unknown]: UserDto.from(u) gives { "uuid": "…", "email": "…" }
 * ContextArgs<{ admin: boolean }> // [context: { admin: boolean }]
 * ```
 */
export type ContextArgs<C> = unknown extends C ? [context?: unknown] : [context: C]

/**
 * A DTO mapper: entities of `E` to plain, JSON-safe objects of type `Out`. Made by
 * {@link defineDto}; frozen, and everything per field worked out once at definition time.
 *
 * `Ctx` is the context role-aware fields need (`unknown`: none); `Needs` the relations `from`
 * expects already loaded on the entity (`resolve` loads them itself).
 */
export interface Dto<
  E extends AnyEntityClass = AnyEntityClass,
  Out = Record<string, unknown>,
  Ctx = unknown,
  Needs = unknown,
> {
  /** The entity class this DTO maps. */
  readonly entity: E
  /** The output keys in output order, role-aware ones included. Frozen. */
  readonly fields: readonly (keyof Out & string)[]
  /** Type-level only. */
  readonly '~context'?: Ctx
  /**
   * Maps one entity. Relations the DTO reads (refs, nested DTOs) must already be attached to the
   * entity under the relation's name, as `manager.load` and `query().with` attach them; else a
   * `DtoDefinitionError` says to use {@link Dto.resolve}. Bound: `entities.map(UserDto.from)` works.
   * @example
   * ```ts
   * UserDto.from(user) // { "uuid": "9b1d…", "email": "a@x.io" }
   * ```
   */
  readonly from: (entity: InstanceType<E> & Needs, ...context: ContextArgs<Ctx>) => Out
  /** Maps many entities, in order. Bound, like `from`. */
  readonly fromMany: (
    entities: readonly (InstanceType<E> & Needs)[],
    ...context: ContextArgs<Ctx>
  ) => Out[]
  /**
   * Loads every relation the DTO reads (nested DTOs' relations included) and maps the entities:
   * one query per relation and level, whatever the number of entities (`= ANY($1)`), never one
   * per entity. The given entities are not modified.
   * @example
   * ```ts
   * await FunctionDto.resolve(db, fns)
   * // SELECT "id", "uuid", "email", ... FROM "users" WHERE "id" = ANY($1)
   * // [{ "uuid": "5f0c…", "name": "resize", "ownerUuid": "9b1d…", ... }, ...]
   * ```
   */
  readonly resolve: (
    executor: QueryExecutor,
    entities: readonly InstanceType<E>[],
    ...context: ContextArgs<Ctx>
  ) => Promise<Out[]>
}

/**
 * Any DTO.
 * @example
 * ```ts
 * const dtos: AnyDto[] = [UserDto, FunctionDto]
 * dtos.map((d) => d.fields) // [["uuid", "email"], ["uuid", "name", ...]]
 * ```
 */
export type AnyDto = Dto<any, any, any, any>

/**
 * The JSON type a DTO writes.
 * @example
 * ```ts
 * type UserJson = DtoOutput<typeof UserDto> // { uuid: string; email: string }
 * ```
 */
export type DtoOutput<D> = D extends Dto<any, infer O, any, any> ? O : never

/**
 * The context a DTO's role-aware fields need (`unknown`: none).
 * @example
 * ```ts
 * type Ctx = DtoContext<typeof OrganizationMemberDto> // { requesterIsOwner: boolean }
 * OrganizationMemberDto.from(member, { requesterIsOwner: false }) // { "email": "b@x.io", ... } (no "uuid")
 * ```
 */
export type DtoContext<D> = D extends Dto<any, any, infer C, any> ? C : unknown
