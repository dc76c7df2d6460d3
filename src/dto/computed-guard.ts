import { entityTable } from '../entity/entity'
import type { AnyTable } from '../schema/define-table'
import { DtoDefinitionError } from './dto-definition-error'
import { hiddenBecause, hiddenNames } from './hidden-columns'

type Row = Record<string, unknown>

/**
 * What a computed DTO value may not carry, for one mapped entity: a key that is the property or
 * SQL name of a secret or internal column of the entity's table, or of the table of an entity
 * attached to it (a loaded relation), at any depth. `compute(e => e.toMap())`,
 * `compute(e => ({ ...e }))` and `compute(e => e.owner.toMap())` are refused so.
 *
 * An object that is part of the value of one of the entity's public columns (a jsonb document,
 * by identity) is the user's data: its keys are not checked, so a document with an `"id"` key
 * still maps. Everything is worked out on the first suspicious key only.
 *
 * @example
 * ```ts
 * const guard = new ComputedValueGuard('defineDto(FunctionEntity)', functions, fn)
 * guard.checkKey('extra', { id: 1 }, 'id')          // throws DtoDefinitionError
 * guard.checkKey('extra', fn.analysisResult, 'id')  // passes: the jsonb document's own key
 * guard.checkKey('extra', { name: 'x' }, 'name')    // passes
 * ```
 */
export class ComputedValueGuard {
  readonly #label: string
  readonly #table: AnyTable
  readonly #entity: Row
  #names: ReadonlySet<string> | undefined
  #publicData: Set<object> | undefined

  constructor(label: string, table: AnyTable, entity: Row) {
    this.#label = label
    this.#table = table
    this.#entity = entity
  }

  /** Throws {@link DtoDefinitionError} when key `key` of `object` names a hidden column. */
  checkKey(field: string, object: object, key: string): void {
    if (!this.#hiddenNames().has(key) || this.#isPublicData(object)) return
    throw new DtoDefinitionError(
      field,
      `${this.#label}.from: field "${field}": a computed value carries the key "${key}", the name of ` +
        `a secret or internal column of "${this.#table.$name}" or of an entity attached to it; ` +
        'internal ids and secrets never leave the server: select public columns (a dtoField.from, ' +
        'a dtoField.ref, a nested DTO) or compute a value under another key',
    )
  }

  /** The hidden names of the entity's table and of the tables of the entities attached to it. */
  #hiddenNames(): ReadonlySet<string> {
    if (this.#names !== undefined) return this.#names
    const tables = new Set<AnyTable>([this.#table])
    for (const relation of Object.keys(this.#table.$relations)) {
      const value = Object.hasOwn(this.#entity, relation) ? this.#entity[relation] : undefined
      for (const item of Array.isArray(value) ? value : [value]) {
        const table = entityTable(item)
        if (table !== undefined) tables.add(table)
      }
    }
    const names = new Set<string>()
    for (const table of tables) for (const name of hiddenNames(table)) names.add(name)
    this.#names = names
    return names
  }

  /** True when `object` is, or is inside, the value of one of the entity's public columns. */
  #isPublicData(object: object): boolean {
    if (this.#publicData === undefined) {
      const seen = new Set<object>()
      for (const column of this.#table.$meta.columns) {
        if (hiddenBecause(column) === undefined) collect(this.#entity[column.property], seen)
      }
      this.#publicData = seen
    }
    return this.#publicData.has(object)
  }
}

/** Adds every array and object reachable from `value` to `seen`. */
function collect(value: unknown, seen: Set<object>): void {
  const stack = [value]
  while (stack.length > 0) {
    const next = stack.pop()
    if (next === null || typeof next !== 'object' || seen.has(next)) continue
    if (next instanceof Date || next instanceof Uint8Array) continue
    seen.add(next)
    for (const key of Object.keys(next)) stack.push((next as Row)[key])
  }
}
