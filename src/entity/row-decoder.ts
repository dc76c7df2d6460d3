import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'
import type { Decode } from '../values/row-values'

export type { Decode } from '../values/row-values'

/** One step of a decode plan: read `name`, write `property`. */
export interface DecodeStep {
  readonly name: string
  readonly property: string
  readonly decode: Decode | undefined
}

/** The per-table plan for turning trusted database rows into entity properties; computed once. */
export function decodePlan(columns: readonly Column[]): readonly DecodeStep[] {
  return Object.freeze(
    columns.map((c) =>
      Object.freeze({
        name: c.name,
        property: c.property,
        decode: columnType(c.kind).decode(c.config),
      }),
    ),
  )
}

/**
 * Renames a trusted row (one the table's own query returned) to properties and normalises driver
 * differences, without validation: the database already enforced the types.
 */
export function decodeRow(
  plan: readonly DecodeStep[],
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const step of plan) {
    const value = row[step.name]
    out[step.property] =
      step.decode === undefined || value === null || value === undefined
        ? value
        : step.decode(value)
  }
  return out
}

/** Turns a trusted row into entity properties: {@link decodeRow} specialised for one plan. */
export type RowDecoder = (row: Readonly<Record<string, unknown>>) => Record<string, unknown>

/**
 * {@link decodeRow} for one table, compiled once: a function that reads each column and builds the
 * property object as one literal. A loop over names makes every property access a keyed lookup
 * V8 cannot specialise (~1.5 µs for a 10-column row); fixed names make it a few nanoseconds each.
 * The names are the table's own, embedded as JSON string literals. Where code generation is
 * disabled (`--disallow-code-generation-from-strings`), the generic loop is used.
 *
 * @example
 * ```ts
 * const decode = compileRowDecoder(decodePlan(users.$meta.columns))
 * decode({ id: 1, created_at: '2024-01-02 03:04:05+00' }) // { id: 1, createdAt: Date(2024-01-02T03:04:05Z) }
 * ```
 */
export function compileRowDecoder(plan: readonly DecodeStep[]): RowDecoder {
  const decoders = plan.map((step) => step.decode)
  const fields = plan.map((step, i) => {
    const read = `row[${JSON.stringify(step.name)}]`
    const value =
      step.decode === undefined
        ? read
        : `((v = ${read}) === null || v === undefined ? v : d[${i}](v))`
    return `${JSON.stringify(step.property)}: ${value}`
  })
  const body = `return function decodeRow(row) { let v; return { ${fields.join(', ')} } }`
  return compiled<RowDecoder>(body, decoders) ?? ((row) => decodeRow(plan, row))
}

/** Copies the listed properties of `from` onto `to`, in order (missing ones as `undefined`). */
export type PropertyCopier = (to: object, from: Readonly<Record<string, unknown>>) => void

/**
 * A {@link PropertyCopier} for fixed property names, compiled once (see
 * {@link compileRowDecoder} for why): what an entity constructor runs.
 *
 * @example
 * ```ts
 * const copy = compilePropertyCopier(['id', 'email'])
 * copy(entity, { id: 1, email: 'a@x.io', extra: 1 }) // entity.id = 1; entity.email = 'a@x.io'
 * ```
 */
export function compilePropertyCopier(properties: readonly string[]): PropertyCopier {
  const body = `return function copy(to, from) { ${properties
    .map((p) => `to[${JSON.stringify(p)}] = from[${JSON.stringify(p)}];`)
    .join(' ')} }`
  return (
    compiled<PropertyCopier>(body, undefined) ??
    ((to, from) => {
      const target = to as Record<string, unknown>
      for (const p of properties) target[p] = from[p]
    })
  )
}

// Names only ever enter generated code as JSON string literals; without code generation the
// callers fall back to their generic loops.
function compiled<F>(body: string, argument: unknown): F | undefined {
  try {
    return new Function('d', body)(argument) as F
  } catch {
    return undefined
  }
}
