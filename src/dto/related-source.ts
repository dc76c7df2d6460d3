// Where a DTO's mapped relations come from: attached to the entities (from, fromMany), or loaded
// for them by resolve.

type Row = Record<string, unknown>

/**
 * Where mapped relations come from: attached to the entities, or loaded by `resolve`.
 * @example
 * ```ts
 * ATTACHED.related(fn, 'owner')                // fn.owner, as manager.load attached it
 * new LoadedSource(values, children).related(fn, 'owner') // the owner resolve loaded for fn
 * ```
 */
export interface RelatedSource {
  /** The related value, or `undefined` when it was not loaded. */
  related(entity: Row, relation: string): unknown
  /** The source for the entities a nested DTO field maps. */
  nested(key: string): RelatedSource
}

/**
 * The relations attached to the entities themselves, under the relation's name (as
 * `manager.load` and `query().with` attach them); nested DTOs read the same way.
 * @example
 * ```ts
 * ATTACHED.related(fn, 'owner') // fn.owner: a User entity, null, or undefined when not loaded
 * ```
 */
export const ATTACHED: RelatedSource = Object.freeze({
  related: (entity: Row, relation: string) => entity[relation],
  nested: () => ATTACHED,
})

/**
 * The relations `resolve` loaded: by relation name, each entity's related value; by output key,
 * the source of each nested DTO's entities (the attached relations when it loaded none).
 * @example
 * ```ts
 * const source = new LoadedSource(new Map([['owner', new Map([[fn, owner]])]]), new Map())
 * source.related(fn, 'owner') // owner
 * source.nested('owner')      // ATTACHED
 * ```
 */
export class LoadedSource implements RelatedSource {
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
