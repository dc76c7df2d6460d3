import { InvalidQueryError, KyselyEntitiesError } from '../errors/kysely-entities-error'
import { wellFormed } from '../schema/column-value-schema'
import { MAX_JSON_DEPTH } from './bindable'

// What a raw SQL parameter may be, and what is sent for it. postgres.js sends a value by the type
// PostgreSQL describes for its parameter: anything else it turns into text with `'' + value`, so
// a Map or a class instance would arrive as "[object Map]" / "[object Object]".

const ALLOWED =
  'allowed: string, number, bigint, boolean, null, Date, Uint8Array/Buffer (bytea), an array of these (no bytes), or a plain object/array (JSON)'

/**
 * The value to send for the raw SQL parameter `name`, or an {@link InvalidQueryError} at
 * `parameters.<name>` (never repeating the value). Accepted:
 *
 * - `string`, `number`, `bigint`, `boolean`, `null`, a valid `Date`: as PostgreSQL reads them for
 *   the parameter's type.
 * - a `Uint8Array` (a `Buffer` is one): `bytea`.
 * - an array of the scalars above, of plain objects, or of such arrays: a PostgreSQL array.
 * - a plain object (prototype `Object.prototype` or null) holding JSON values (strings, finite
 *   numbers, booleans, null, arrays, plain objects; an `undefined` property is left out, as
 *   `JSON.stringify` does): a json/jsonb document. It is sent as a copy without prototype, so a
 *   parameter PostgreSQL types as text refuses it (typed error) rather than storing
 *   "[object Object]".
 *
 * Refused: a Map, a Set, a class instance, a RegExp, a boxed primitive, a typed array other than
 * `Uint8Array`, an `ArrayBuffer`, bytes inside an array or a JSON value, a Date, a bigint or a
 * non-finite number inside a JSON value, a symbol or function anywhere, a cycle, nesting deeper
 * than 100 levels, a string or key with an unpaired surrogate, and a value whose getter or proxy
 * trap throws.
 *
 * With `json` (the SQL casts the parameter `::json`/`::jsonb`; it was rewritten to
 * `$n::text::jsonb`), the value is sent as JSON text: a string is taken as JSON text as it is (what
 * `jsonEncode` made), `null` is SQL NULL, and a number, bigint, boolean, array or plain object is
 * serialised with `JSON.stringify`; a Date or bytes are refused.
 *
 * @example
 * ```ts
 * rawParameter('meta', '{"k":1}', true)  // '{"k":1}'   -- sent to $1::text::jsonb: the object {"k":1}
 * rawParameter('meta', { k: 1 }, true)   // '{"k":1}'
 * rawParameter('tags', ['a', 'b'], false) // ['a', 'b'] -- a text[] for "tags" = any($1)
 * rawParameter('m', new Map(), false)    // throws InvalidQueryError: parameters.m: a Map cannot be bound ...
 * ```
 * @internal
 */
export function rawParameter(name: string, value: unknown, json: boolean): unknown {
  const path = `parameters.${name}`
  try {
    const checked = topLevel(value, path)
    return json ? jsonText(checked, path) : checked
  } catch (error) {
    if (error instanceof KyselyEntitiesError) throw error
    // A getter or a proxy trap threw: its error may carry anything, so it is not kept.
    throw new InvalidQueryError(path, 'the value could not be read (a getter or proxy trap threw)')
  }
}

function refuse(path: string, why: string, inside: boolean): InvalidQueryError {
  return new InvalidQueryError(path, `${why}${inside ? ' (inside the value)' : ''}`)
}

/** What kind of object it is, in words that never come from the value itself. */
function kind(value: object): string {
  if (value instanceof Map) return 'a Map'
  if (value instanceof Set) return 'a Set'
  if (value instanceof RegExp) return 'a RegExp'
  if (value instanceof Error) return 'an Error'
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return 'a typed array other than Uint8Array'
  }
  if (value instanceof Promise) return 'a Promise'
  return 'an instance of a class'
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function scalar(value: unknown, path: string, inside: boolean): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return true
  if (typeof value === 'bigint') return true
  if (typeof value === 'string') {
    if (!wellFormed(value)) {
      throw refuse(path, 'a string with an unpaired UTF-16 surrogate cannot be bound', inside)
    }
    return true
  }
  if (typeof value === 'symbol') throw refuse(path, 'a symbol cannot be bound', inside)
  if (typeof value === 'function') throw refuse(path, 'a function cannot be bound', inside)
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw refuse(path, 'an invalid Date cannot be bound', inside)
    return true
  }
  return false
}

function topLevel(value: unknown, path: string): unknown {
  if (scalar(value, path, false)) return value
  const object = value as object
  if (object instanceof Uint8Array) return object
  if (Array.isArray(object)) return list(object, path, 1, new Set())
  if (isPlain(object)) return document(object, path, 0, new Set())
  throw new InvalidQueryError(path, `${kind(object)} cannot be bound as a parameter; ${ALLOWED}`)
}

/**
 * A PostgreSQL array: scalars, plain objects (jsonb[]) or arrays of them. The same array when it
 * holds only scalars, else a copy with its objects copied as {@link document} does.
 */
function list(value: readonly unknown[], path: string, depth: number, seen: Set<object>): unknown {
  if (depth > MAX_JSON_DEPTH) {
    throw refuse(path, `a value nested deeper than ${MAX_JSON_DEPTH} levels`, true)
  }
  if (seen.has(value)) throw refuse(path, 'a value that contains itself cannot be bound', true)
  seen.add(value)
  const out = new Array<unknown>(value.length)
  let copied = false
  for (let i = 0; i < value.length; i++) {
    const item = value[i]
    if (item === undefined) throw refuse(path, 'an array element is undefined', true)
    if (scalar(item, path, true)) {
      out[i] = item
      continue
    }
    if (item instanceof Uint8Array) {
      throw refuse(
        path,
        'bytes inside an array cannot be bound: bind each as its own parameter',
        true,
      )
    }
    if (Array.isArray(item)) out[i] = list(item, path, depth + 1, seen)
    else if (isPlain(item as object)) out[i] = document(item, path, depth, seen)
    else throw refuse(path, `${kind(item as object)} cannot be bound; ${ALLOWED}`, true)
    copied = true
  }
  seen.delete(value)
  return copied ? out : value
}

/** A JSON value, copied into objects without prototype (and fresh arrays), read once. */
function document(value: unknown, path: string, depth: number, seen: Set<object>): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    if (typeof value === 'string' && !wellFormed(value)) {
      throw refuse(path, 'a string with an unpaired UTF-16 surrogate cannot be bound', true)
    }
    return value
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuse(path, 'JSON has no NaN or Infinity', true)
    return value
  }
  if (typeof value === 'bigint') {
    throw refuse(path, 'a bigint inside an object cannot be bound (JSON has no bigint)', true)
  }
  if (typeof value !== 'object') throw refuse(path, `a ${typeof value} cannot be bound`, true)
  if (depth >= MAX_JSON_DEPTH) {
    throw refuse(path, `a value nested deeper than ${MAX_JSON_DEPTH} levels`, true)
  }
  if (seen.has(value)) throw refuse(path, 'a value that contains itself cannot be bound', true)
  if (value instanceof Date) {
    throw refuse(path, 'a Date inside a JSON value cannot be bound: pass date.toISOString()', true)
  }
  if (value instanceof Uint8Array)
    throw refuse(path, 'bytes inside a JSON value cannot be bound', true)
  seen.add(value)
  let out: unknown
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      // JSON.stringify writes an undefined element as null: a silent change, so it is refused.
      if (item === undefined) throw refuse(path, 'an array element is undefined', true)
      copy[i] = document(item, path, depth + 1, seen)
    }
    out = copy
  } else if (isPlain(value)) {
    const copy = Object.create(null) as Record<string, unknown>
    for (const [key, item] of Object.entries(value)) {
      if (!wellFormed(key)) {
        throw refuse(path, 'a key with an unpaired UTF-16 surrogate cannot be bound', true)
      }
      if (item === undefined) continue
      copy[key] = document(item, path, depth + 1, seen)
    }
    out = copy
  } else {
    throw refuse(path, `${kind(value)} inside a JSON value cannot be bound`, true)
  }
  seen.delete(value)
  return out
}

/** The JSON text sent for a parameter the SQL casts to json/jsonb. */
function jsonText(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string') return value
  if (typeof value === 'bigint') return String(value)
  if (value instanceof Date || value instanceof Uint8Array) {
    throw new InvalidQueryError(
      path,
      `${value instanceof Date ? 'a Date' : 'bytes'} cannot be bound to a json parameter: pass JSON text or a JSON value`,
    )
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new InvalidQueryError(path, 'JSON has no NaN or Infinity')
  }
  // A list of scalars was passed through unchecked for JSON: check it as a document.
  const checked = Array.isArray(value) ? document(value, path, 0, new Set()) : value
  return JSON.stringify(checked)
}
