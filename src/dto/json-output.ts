import { entityTable, isEntityClass } from '../entity/entity'
import { columnType } from '../schema/column-types'
import type { JsonValue } from '../schema/columns'
import type { Column } from '../schema/define-table'
import type { Simplify } from '../schema/table-types'
import { bytesToJson, type ColumnConverter, dateToJson } from '../values/json-values'
import type { ComputedValueGuard } from './computed-guard'
import { DtoDefinitionError } from './dto-definition-error'

/**
 * The JSON form of a value, as a DTO writes it and `JSON.parse(JSON.stringify(...))` would give it
 * back: `Date` becomes an ISO string, `bigint` a decimal string, bytes base64, objects and arrays are converted
 * member by member, functions and symbols are dropped (a Map or Set has no members: `{}`). Values already JSON (jsonb documents) stay
 * as they are; `unknown` stays `unknown`.
 *
 * @example
 * ```ts
 * type Out = Jsonify<{ at: Date; count: bigint; tags: string[]; doc: JsonValue | null }>
 * // { at: string; count: string; tags: string[]; doc: JsonValue | null }
 * ```
 */
export type Jsonify<V> = 0 extends 1 & V
  ? any
  : V extends JsonValue
    ? V
    : V extends Date | Uint8Array
      ? string
      : V extends bigint
        ? string
        : V extends undefined
          ? null
          : V extends (...args: any[]) => any
            ? never
            : V extends symbol
              ? never
              : V extends readonly unknown[]
                ? { -readonly [I in keyof V]: Jsonify<V[I]> }
                : V extends { toJSON(): infer J }
                  ? Jsonify<J>
                  : V extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
                    ? Record<string, never>
                    : V extends object
                      ? JsonObject<V>
                      : V

type Dropped = ((...args: any[]) => any) | symbol

// JSON drops members that are undefined, functions or symbols: a member that may be undefined
// becomes an optional key.
type JsonObject<V> = Simplify<
  {
    -readonly [K in keyof V as K extends string
      ? V[K] extends Dropped
        ? never
        : undefined extends V[K]
          ? never
          : K
      : never]: Jsonify<V[K]>
  } & {
    -readonly [K in keyof V as K extends string
      ? V[K] extends Dropped
        ? never
        : undefined extends V[K]
          ? K
          : never
      : never]?: Jsonify<Exclude<V[K], undefined>>
  }
>

export type { ColumnConverter } from '../values/json-values'

/**
 * The converter for one column, chosen once at definition time from its kind; `undefined` when
 * its values are already JSON (text, integers, booleans, uuids, dates as strings, jsonb documents,
 * arrays of text or integers).
 * @internal
 * @example columnConverter(users.createdAt)!(new Date(0)) // '1970-01-01T00:00:00.000Z'
 */
export function columnConverter(column: Column): ColumnConverter | undefined {
  return columnType(column.kind).json(column.config)
}

/**
 * Converts any value (a computed field's result) to plain JSON data, following what
 * `JSON.stringify` does, so that the DTO output equals its own JSON round trip. An entity found
 * anywhere inside is refused (its `toJSON` would carry internal ids), and so is, with `guard`, a
 * key that names a secret or internal column; a circular value too. All as
 * {@link DtoDefinitionError}.
 * @internal
 * @example
 * ```ts
 * toJsonValue({ at: new Date(0), n: 1n }, 'extra') // { at: '1970-01-01T00:00:00.000Z', n: '1' }
 * toJsonValue(fn.toMap(), 'extra', guard)          // throws DtoDefinitionError: key "id"
 * ```
 */
export function toJsonValue(value: unknown, field: string, guard?: ComputedValueGuard): unknown {
  return convert(value, field, [], guard)
}

function convert(
  value: unknown,
  field: string,
  ancestors: object[],
  guard: ComputedValueGuard | undefined,
): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      return value.toString()
    case 'undefined':
    case 'function':
    case 'symbol':
      return null
  }
  if (value === null) return null
  const object = value as object
  if (object instanceof Date) return dateToJson(object)
  if (object instanceof Uint8Array) return bytesToJson(object)
  // The brand finds every entity; the constructor finds look-alikes (Object.create of a prototype).
  if (entityTable(object) !== undefined || isEntityClass(object.constructor)) {
    throw new DtoDefinitionError(
      field,
      `field "${field}": a computed value contains an entity (${object.constructor.name}); ` +
        'map it with a DTO (dtoField.relation) so its internal ids and secrets stay on the server',
    )
  }
  if (ancestors.includes(object)) {
    throw new DtoDefinitionError(
      field,
      `field "${field}": a computed value is circular and has no JSON form`,
    )
  }
  ancestors.push(object)
  try {
    if (Array.isArray(object)) return object.map((item) => convert(item, field, ancestors, guard))
    const toJSON = (object as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return convert(toJSON.call(object), field, ancestors, guard)
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(object)) {
      const member = (object as Record<string, unknown>)[key]
      // JSON leaves these keys out of objects (and writes null for them in arrays).
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') {
        continue
      }
      guard?.checkKey(field, object, key)
      const converted = convert(member, field, ancestors, guard)
      // A key "__proto__" must stay a key: assigning it would replace the prototype.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: converted,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      } else {
        out[key] = converted
      }
    }
    return out
  } finally {
    ancestors.pop()
  }
}
