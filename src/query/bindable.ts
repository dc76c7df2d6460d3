import { InvalidQueryError } from '../errors/kysely-entities-error'
import { wellFormed } from '../schema/column-value-schema'

/**
 * Most bind parameters one statement may have. PostgreSQL's protocol counts them in 16 bits
 * (65,535); postgres.js refuses 65,534 and more with an error of its own, so 65,533 is the most
 * that can be sent.
 * @example
 * ```ts
 * checkParameterCount(70_000, 'parameters') // throws InvalidQueryError: parameters: more than 65533 bind parameters
 * ```
 */
export const MAX_BIND_PARAMETERS = 65_533

/**
 * Refuses, with an {@link InvalidQueryError} at `path`, a statement of more than
 * {@link MAX_BIND_PARAMETERS} parameters, before anything is sent.
 * @example
 * ```ts
 * checkParameterCount(3, 'parameters') // passes
 * ```
 * @internal
 */
export function checkParameterCount(count: number, path: string): void {
  if (count > MAX_BIND_PARAMETERS) {
    throw new InvalidQueryError(
      path,
      `more than ${MAX_BIND_PARAMETERS} bind parameters (${count}): PostgreSQL cannot take them in one statement; use arrays (= any(@ids)) or several statements`,
    )
  }
}

/** Deepest nesting accepted inside one jsonb value or bound parameter, and most nodes a jsonb value may hold. */
export const MAX_JSON_DEPTH = 100
const MAX_JSON_NODES = 100_000

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Why a jsonb value is too deep or too big to validate (zod's JSON schema and `JSON.stringify`
 * recurse, so a deep value would exhaust the stack), or `undefined` when it is not. Walks arrays
 * and plain objects without recursion; a cycle counts as too big. `size.nodes` is set to the
 * number of elements walked (values, arrays and objects), and `size.max` lowers the limit of
 * 100,000 elements (a caller's remaining budget); the walk stops as soon as it is passed.
 *
 * @example
 * ```ts
 * jsonSizeProblem({ score: 1 })       // undefined
 * jsonSizeProblem(deeplyNestedArray)  // 'a jsonb value nested deeper than 100 levels'
 * ```
 */
export function jsonSizeProblem(
  value: unknown,
  size: { nodes: number; readonly max?: number } = { nodes: 0 },
): string | undefined {
  const stack: [unknown, number][] = [[value, 1]]
  const max = Math.min(size.max ?? MAX_JSON_NODES, MAX_JSON_NODES)
  let nodes = 0
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    size.nodes = ++nodes
    if (nodes > max) return `a jsonb value of more than ${max} elements`
    if (typeof item !== 'object' || item === null) continue
    if (depth > MAX_JSON_DEPTH) return `a jsonb value nested deeper than ${MAX_JSON_DEPTH} levels`
    // Counted before they are read: an array longer than what is left is refused unread.
    const count = Array.isArray(item) ? item.length : isPlainObject(item) ? undefined : 0
    if (count !== undefined && nodes + stack.length + count > max) {
      return `a jsonb value of more than ${max} elements`
    }
    const children = Array.isArray(item) ? item : count === 0 ? [] : Object.values(item)
    for (const child of children) stack.push([child, depth + 1])
  }
  return undefined
}

/**
 * Refuses, with an {@link InvalidQueryError} at `path`, a value the driver cannot bind as a
 * parameter and would crash on (a TypeError or RangeError while serialising it, or a stack
 * overflow) rather than send: a symbol or a function anywhere, an invalid Date, an `undefined`
 * array element, an object without a string form (`Object.create(null)`, JSON with a `toString`
 * key), a bigint inside an object (JSON has none), a cycle, nesting deeper than
 * {@link MAX_JSON_DEPTH}, or a string or key with an unpaired UTF-16 surrogate (it has no UTF-8
 * form: it would be stored changed). Numbers and everything else the driver serialises pass: what
 * PostgreSQL makes of them is its own typed error. The message never repeats the value.
 *
 * @example
 * ```ts
 * checkBindable(['a', 'b'], 'parameters.names')       // passes
 * checkBindable(new Date(Number.NaN), 'where[0].value') // throws InvalidQueryError: where[0].value: an invalid Date cannot be bound
 * ```
 */
export function checkBindable(value: unknown, path: string): void {
  walk(value, path, 0, false, new Set(), new Set())
}

/**
 * Whether the driver can turn the object into text, as it does for a text (or untyped) parameter
 * with `'' + value`: not for a null-prototype object, nor for parsed JSON whose `toString` or
 * `valueOf` key shadows the method (`{"toString": "x"}`).
 */
function hasStringForm(value: object): boolean {
  try {
    // biome-ignore lint/style/useTemplate: the 'default' conversion hint, exactly as postgres.js
    void ('' + (value as { toString(): string }))
    return true
  } catch {
    return false
  }
}

function walk(
  value: unknown,
  path: string,
  depth: number,
  inObject: boolean,
  ancestors: Set<object>,
  checked: Set<object>,
): void {
  const refuse = (why: string) =>
    new InvalidQueryError(path, `${why}${depth > 0 ? ' (inside the value)' : ''}`)
  if (typeof value === 'symbol') throw refuse('a symbol cannot be bound as a parameter')
  if (typeof value === 'function') throw refuse('a function cannot be bound as a parameter')
  if (typeof value === 'bigint' && inObject) {
    throw refuse('a bigint inside an object cannot be bound (JSON has no bigint)')
  }
  // The driver would send U+FFFD in place of the lone half: the text would be stored changed.
  if (typeof value === 'string' && !wellFormed(value)) {
    throw refuse('a string with an unpaired UTF-16 surrogate cannot be bound (not valid Unicode)')
  }
  if (typeof value !== 'object') return
  if (value === null) return
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw refuse('an invalid Date cannot be bound')
    return
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return
  if (checked.has(value)) return
  if (!inObject && !Array.isArray(value) && !hasStringForm(value)) {
    throw refuse('an object without a string form cannot be bound (no usable toString)')
  }
  if (ancestors.has(value)) throw refuse('a value that contains itself cannot be bound')
  if (depth >= MAX_JSON_DEPTH) throw refuse(`a value nested deeper than ${MAX_JSON_DEPTH} levels`)
  ancestors.add(value)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element = value[i]
      if (element === undefined) throw refuse('an array element is undefined')
      walk(element, path, depth + 1, inObject, ancestors, checked)
    }
  } else {
    for (const [key, child] of Object.entries(value)) {
      if (!wellFormed(key)) {
        throw refuse('a key with an unpaired UTF-16 surrogate cannot be bound (not valid Unicode)')
      }
      walk(child, path, depth + 1, true, ancestors, checked)
    }
  }
  ancestors.delete(value)
  checked.add(value)
}
