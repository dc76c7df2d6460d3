import type { z } from 'zod'
import type { AnyTable, Column } from '../schema/define-table'
import type { EntityProps, InsertProps, RowOf, UpdateProps } from '../schema/table-types'
import { EntityValidationError } from './entity-validation-error'
import {
  compilePropertyCopier,
  compileRowDecoder,
  type DecodeStep,
  decodePlan,
} from './row-decoder'

/** The methods every entity has. */
export interface EntityMethods<T extends AnyTable> {
  /**
   * The entity as a snake_case row, with only the fields that are set (not `undefined`).
   * **Secret columns included**: this is the row the database gets (inserts, updates), so it is
   * for the server only. Never log it or send it: use a DTO, or `toJSON()`, which leaves secrets out.
   * @example
   * ```ts
   * user.toMap() // { id: 1, uuid: '9b1d…', email: 'a@x.io', password_hash: '$argon2id$…', created_at: … }
   * // INSERT INTO "users" ("id", "uuid", "email", "password_hash", "created_at") VALUES ($1, $2, $3, $4, $5)
   * ```
   */
  toMap(): RowOf<T>
  /** A new entity with `patch` applied and validated; this one is untouched. */
  copyWith(patch: UpdateProps<T>): this
  /** JSON of the entity without its secret columns, bigints as strings. For API responses, use a DTO. */
  toJSON(): Record<string, unknown>
}

/**
 * An entity of table `T`: its typed readonly fields and the entity methods. A `secret()` column is
 * read by name (`user.passwordHash`) and by `toMap()`, but it is no own property: spread,
 * `Object.entries`, `structuredClone`, `JSON.stringify` and `console.log` leave it out.
 */
export type EntityOf<T extends AnyTable> = EntityProps<T> & EntityMethods<T>

/** Any entity class constructor. */
export type EntityConstructor<T extends AnyTable = AnyTable> = new (
  props: EntityProps<T>,
) => EntityOf<T>

/** The static side of an entity class made by {@link Entity.of}. */
export interface EntityStatics<T extends AnyTable> {
  /** The table this entity maps. */
  readonly table: T
  /** zod schema of a whole entity, camelCase (reuse it to validate requests). */
  readonly schema: z.ZodType<EntityProps<T>>
  /** zod schema of insert data: required where NOT NULL without default; unknown keys refused. */
  readonly insertSchema: z.ZodType<InsertProps<T>>
  /** zod schema of an update patch: every field optional; unknown keys refused. */
  readonly updateSchema: z.ZodType<UpdateProps<T>>
  /**
   * A snake_case row to an entity, validated (throws {@link EntityValidationError} naming the
   * column and what was wrong). Keys that are not columns (e.g. from a join) are ignored.
   */
  fromMap<C extends EntityConstructor<T>>(this: C, row: unknown): InstanceType<C>
  /** camelCase data to an entity, validated. */
  parse<C extends EntityConstructor<T>>(this: C, props: unknown): InstanceType<C>
  /**
   * A row the table's own query returned to an entity: renamed and normalised, not validated
   * (the database already enforced the types). Used by managers; prefer `fromMap` for other data.
   */
  fromRow<C extends EntityConstructor<T>>(
    this: C,
    row: Readonly<Record<string, unknown>>,
  ): InstanceType<C>
}

/** An entity class for table `T`: `new`-able with its fields, plus {@link EntityStatics}. */
export type EntityClass<T extends AnyTable> = EntityConstructor<T> & EntityStatics<T>

/** Any entity class (its constructor parameter left open, so every subclass fits). */
export type AnyEntityClass = (new (props: any) => any) & EntityStatics<any>

/** The table of an entity class. */
export type TableOfEntity<E> = E extends EntityStatics<infer T> ? T : never

const ROW_PLAN = Symbol('kysely-entities.rowPlan')
// util.inspect.custom, by its registered name: no Node import in the entity layer.
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

interface EntityInternals {
  readonly table: AnyTable
  readonly columns: readonly Column[]
  readonly properties: readonly string[]
  readonly [ROW_PLAN]: readonly DecodeStep[]
}

function internalsOf(instance: object): EntityInternals {
  return instance.constructor as unknown as EntityInternals
}

/** What util.inspect passes to a custom inspection (the subset used here). */
interface InspectOptions {
  readonly depth?: number | null
  readonly [option: string]: unknown
}
type Inspect = (value: unknown, options: InspectOptions) => string

let readSecret: (entity: object, property: string) => unknown
let brandedTable: (value: unknown) => AnyTable | undefined
// The entities being printed right now: an entity met again inside itself is a cycle.
const printing = new Set<object>()

/**
 * The root of every entity class: the brand that proves an object was built by an entity
 * constructor (the table it was built for, in a private field no object can fake), and the
 * private store of its `secret()` columns. A secret column is an accessor on the entity class's
 * prototype reading that store, so it is no own property: spread, `Object.entries`,
 * `Object.keys`, `structuredClone` and every own-key walk leave it out, and the custom inspection
 * below prints own properties only. Named access (`user.passwordHash`) and `toMap()` read it.
 */
class EntityCore {
  readonly #table: AnyTable
  readonly #secrets: Readonly<Record<string, unknown>> | undefined

  constructor(table: AnyTable, secrets: Readonly<Record<string, unknown>> | undefined) {
    this.#table = table
    this.#secrets = secrets
  }

  static {
    readSecret = (entity, property) =>
      #secrets in entity ? (entity as EntityCore).#secrets?.[property] : undefined
    brandedTable = (value) =>
      value !== null && typeof value === 'object' && #table in value
        ? (value as EntityCore).#table
        : undefined
  }

  /**
   * How `console.log` and `util.inspect` show an entity: its class name and its own properties
   * (public and internal columns, attached relations), never a secret column, whatever the
   * options (`showHidden`, `getters`, `depth`).
   */
  [INSPECT](depth: number, options: InspectOptions, inspect?: Inspect): unknown {
    const name = (this.constructor as { name?: unknown } | undefined)?.name
    const shown = typeof name === 'string' && name !== '' ? name : 'Entity'
    if (printing.has(this)) return `[Circular ${shown}]`
    if (depth < 0) return `[${shown}]`
    const view: Record<string, unknown> = {}
    for (const key of Object.keys(this)) {
      Object.defineProperty(view, key, {
        value: (this as unknown as Record<string, unknown>)[key],
        enumerable: true,
      })
    }
    // Without Node's inspect (another runtime), the view is printed in place of the entity.
    if (typeof inspect !== 'function') return view
    printing.add(this)
    try {
      return `${shown} ${inspect(view, { ...options, depth })}`
    } finally {
      printing.delete(this)
    }
  }
}

/**
 * The table an entity was constructed for, or `undefined` when `value` was not made by an entity
 * constructor (a plain object, `Object.create(UserEntity.prototype)`, a copy made by spread).
 * A private brand decides, not the prototype or the constructor name: nothing else can fake it.
 * @internal
 * @example
 * ```ts
 * entityTable(UserEntity.fromMap(row))              // users
 * entityTable(Object.create(UserEntity.prototype))  // undefined
 * entityTable({ ...user })                          // undefined
 * ```
 */
export function entityTable(value: unknown): AnyTable | undefined {
  return brandedTable(value)
}

function parseWith(table: AnyTable, schema: z.ZodType, data: unknown): Record<string, unknown> {
  const result = schema.safeParse(data)
  if (!result.success) throw EntityValidationError.fromZod(table.$name, result.error)
  return result.data as Record<string, unknown>
}

function of<T extends AnyTable>(table: T): EntityClass<T> {
  const meta = table.$meta
  const columns = meta.columns
  const properties = Object.freeze(columns.map((c) => c.property))
  const secretProperties = Object.freeze(columns.filter((c) => c.secret).map((c) => c.property))
  const secrets = new Set(secretProperties)
  const plan = decodePlan(columns)
  const decode = compileRowDecoder(plan)
  // Own properties: every column but the secrets, which the private store of EntityCore keeps.
  const copy = compilePropertyCopier(properties.filter((p) => !secrets.has(p)))
  const secretsOf =
    secretProperties.length === 0
      ? () => undefined
      : (props: Readonly<Record<string, unknown>>) => {
          const store: Record<string, unknown> = {}
          for (const p of secretProperties) store[p] = props[p]
          return store
        }

  class BaseEntity extends EntityCore {
    static readonly table = table
    static readonly columns = columns
    static readonly properties = properties
    static readonly schema = meta.entitySchema
    static readonly insertSchema = meta.insertSchema
    static readonly updateSchema = meta.updateSchema
    static readonly [ROW_PLAN] = plan

    constructor(props: Readonly<Record<string, unknown>>) {
      super(table, secretsOf(props))
      // Assign in column order so every entity of a table has the same shape (fast property access).
      copy(this, props)
    }

    static fromMap(this: new (p: object) => object, row: unknown): object {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new EntityValidationError(table.$name, [
          { path: '', message: 'expected a row object' },
        ])
      }
      const parsed = parseWith(table, meta.rowSchema, row)
      const props: Record<string, unknown> = {}
      for (const c of columns) props[c.property] = parsed[c.name]
      return new this(props)
    }

    static parse(this: new (p: object) => object, props: unknown): object {
      return new this(parseWith(table, meta.entitySchema, props))
    }

    static fromRow(
      this: new (
        p: object,
      ) => object,
      row: Readonly<Record<string, unknown>>,
    ): object {
      return new this(decode(row))
    }

    toMap(): Record<string, unknown> {
      const self = this as unknown as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const c of internalsOf(this).columns) {
        const value = self[c.property]
        if (value !== undefined) out[c.name] = value
      }
      return out
    }

    copyWith(patch: unknown): this {
      const parsed = parseWith(table, meta.updateSchema, patch ?? {})
      const self = this as unknown as Record<string, unknown>
      const next: Record<string, unknown> = {}
      for (const p of internalsOf(this).properties) {
        next[p] = parsed[p] === undefined ? self[p] : parsed[p]
      }
      const Ctor = this.constructor as new (p: object) => this
      return new Ctor(next)
    }

    toJSON(): Record<string, unknown> {
      const self = this as unknown as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const p of properties) {
        if (secrets.has(p)) continue
        const value = self[p]
        // JSON has no bigint: an exact decimal string keeps every digit.
        out[p] = typeof value === 'bigint' ? value.toString() : value
      }
      return out
    }
  }
  for (const property of secretProperties) {
    // Read-only and not enumerable, like the other members of the prototype; not an own property.
    Object.defineProperty(BaseEntity.prototype, property, {
      get(this: object) {
        return readSecret(this, property)
      },
      enumerable: false,
      configurable: false,
    })
  }
  Object.defineProperty(BaseEntity, 'name', { value: `Entity(${table.$name})` })
  return BaseEntity as unknown as EntityClass<T>
}

/**
 * Entity classes derived from table definitions.
 *
 * @example
 * ```ts
 * export class UserEntity extends Entity.of(users) {
 *   get domain() { return this.email.split('@')[1] }
 * }
 * const u = UserEntity.fromMap({ id: 1, uuid, email: 'a@x.io', password_hash: h, created_at: new Date() })
 * u.email                       // 'a@x.io' (typed string, readonly)
 * u.toMap()                     // { id: 1, uuid, email: 'a@x.io', password_hash: h, created_at: ... }
 * console.log(u)                // UserEntity { id: 1, uuid: '…', email: 'a@x.io', createdAt: … } (no hash)
 * { ...u }                      // no passwordHash either; u.passwordHash reads it
 * u.copyWith({ email: 'b@x.io' }) // a new UserEntity; u is unchanged
 * ```
 *
 * @namespace
 */
export const Entity = Object.freeze({
  /** The base class for entities of `table`: extend it (`class UserEntity extends Entity.of(users) {}`). */
  of,
})

const DEFAULT_CLASSES = new WeakMap<AnyTable, AnyEntityClass>()

/**
 * The entity class used for rows of `table` when no subclass was registered: one
 * `Entity.of(table)` per table, made on first use.
 * @internal
 */
export function defaultEntityClass<T extends AnyTable>(table: T): EntityClass<T> {
  let cls = DEFAULT_CLASSES.get(table)
  if (cls === undefined) {
    cls = of(table)
    DEFAULT_CLASSES.set(table, cls)
  }
  return cls as EntityClass<T>
}

/** @internal True when `value` is an entity class made by {@link Entity.of}. */
export function isEntityClass(value: unknown): value is AnyEntityClass {
  return (
    typeof value === 'function' &&
    ROW_PLAN in value &&
    typeof (value as { table?: unknown }).table === 'object'
  )
}
