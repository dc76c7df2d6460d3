import { type AnyEntityClass, entityTable } from '../entity/entity'
import type { QueryExecutor } from '../query/executor'
import { loadRelation } from '../query/relation-loader'
import type { AnyTable, Column } from '../schema/define-table'
import type { RelationDefinition } from '../schema/relations'
import { ComputedValueGuard } from './computed-guard'
import { DtoDefinitionError, describe } from './dto-definition-error'
import { type FieldPredicate, type FieldSpec, isDtoField } from './dto-field'
import { hiddenBecause, tableOfColumn } from './hidden-columns'
import { columnConverter, toJsonValue } from './json-output'
import { ATTACHED, LoadedSource, type RelatedSource } from './related-source'

// What defineDto makes: each field compiled once, at definition time, into a reader of entities.

type Row = Record<string, unknown>

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

function combine(predicates: readonly FieldPredicate[]): FieldPredicate | undefined {
  if (predicates.length === 0) return undefined
  if (predicates.length === 1) return predicates[0]
  // Fail closed: every predicate must say exactly `true`.
  return (context, entity) => predicates.every((p) => p(context, entity) === true)
}

/** A relation's target as a definition gives it: a table object (thunk), or only its SQL name. */
type Target = { readonly name: string; readonly table: AnyTable | undefined }

function targetOf(target: RelationDefinition['target'], fail: (why: string) => never): Target {
  if (typeof target === 'string') return { name: target, table: undefined }
  try {
    const table = target()
    return { name: table.$name, table }
  } catch (cause) {
    return fail(`its target table could not be resolved (${String(cause)})`)
  }
}

/** True when `table` is the relation's target: the very table object, when the thunk gives it. */
function isTarget(target: Target, table: AnyTable): boolean {
  return target.table === undefined ? table.$name === target.name : table === target.table
}

/** How an error names what it got instead of an entity: its kind, or the table of an entity. */
function describeEntity(value: unknown): string {
  const table = entityTable(value)
  if (table !== undefined) return `an entity of "${table.$name}"`
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? 'an object no entity class constructed'
    : describe(value)
}

/**
 * The DTO `defineDto` returns: its fields checked and compiled into readers once, when it is made;
 * `from` and `fromMany` map entities with their relations attached, `resolve` loads the relations
 * first. Frozen. Made through {@link defineDto}, which checks the arguments' shape.
 * @example
 * ```ts
 * const dto = new DtoMapper(UserEntity, [['uuid', true], ['mail', dtoField.from('email')]])
 * dto.from(user) // { "uuid": "9b1d…", "mail": "a@x.io" }
 * ```
 */
export class DtoMapper {
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
        throw new DtoDefinitionError(
          '',
          `${this.#label}.fromMany: expected an array, got ${describe(entities)}`,
        )
      }
      return entities.map((e) => this.#map(e, context, ATTACHED))
    }
    this.resolve = async (executor, entities, context) => {
      if (!Array.isArray(entities)) {
        throw new DtoDefinitionError(
          '',
          `${this.#label}.resolve: expected an array, got ${describe(entities)}`,
        )
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
        const table = this.#table
        const label = this.#label
        return (entity) => {
          const value = compute(entity)
          // Only an object can carry a key: the guard is made for those alone.
          return value !== null && typeof value === 'object'
            ? toJsonValue(value, key, new ComputedValueGuard(label, table, entity))
            : toJsonValue(value, key)
        }
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
        const target = targetOf(relation.target, fail)
        const given = spec.column
        // Identity, not shape: the very column object of a table definition.
        const owner = tableOfColumn(given)
        if (owner === undefined) {
          return this.#fail(
            key,
            `ref() needs a column such as users.uuid (the column of the table definition itself, not a copy), got ${describe(given)}`,
          )
        }
        if (!isTarget(target, owner)) {
          fail(
            `links to "${target.name}", but the column is "${owner.$name}.${given.property}" of another table definition`,
          )
        }
        const why = hiddenBecause(given)
        if (why !== undefined) {
          this.#fail(key, `property "${given.property}" of "${owner.$name}" is ${why}`)
        }
        relations.add(relation.name)
        const property = given.property
        const convert = columnConverter(given)
        const name = relation.name
        return (entity, _context, source) => {
          const related = this.#related(key, entity, name, false, source)
          if (related === null) return null
          // Only an entity of the column's own table definition: a look-alike table of the same
          // name, or an object no entity class built, would show its value of that name.
          if (entityTable(related) !== owner) {
            throw new DtoDefinitionError(
              key,
              `${this.#label}.from: field "${key}": "${name}" on the entity is not an entity of "${owner.$name}" ` +
                `(the table definition the column belongs to): it is ${describeEntity(related)}`,
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
        const target = targetOf(relation.target, fail)
        // A nested DTO maps only entities of its own table object (checked again when mapping).
        if (!isTarget(target, dto.#table)) {
          fail(
            `links to "${target.name}", but the nested DTO maps "${dto.#table.$name}" of another table definition`,
          )
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
    // The private brand the entity constructor set, and the very table object it was built for.
    if (entityTable(entity) !== this.#table) {
      throw new DtoDefinitionError(
        '',
        `${this.#label}.from: expected an entity of "${this.#table.$name}" (built by an entity class of that table definition), got ${describeEntity(entity)}`,
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
