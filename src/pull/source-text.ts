// Writing TypeScript source from names read out of a database: every name is data, never code.

/**
 * A TypeScript string literal of `text`: JSON's escaping, plus U+2028 and U+2029, which JSON
 * leaves as they are and which end a `//` comment.
 * @internal
 * @example
 * ```ts
 * tsString('it\'s "odd"\n') // '"it\'s \\"odd\\"\\n"'
 * ```
 */
export function tsString(text: string): string {
  return JSON.stringify(text).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029')
}

/**
 * Text safe inside a `//` comment of one line: names are written as string literals, so no line
 * break (nor U+2028/U+2029) can end the comment.
 * @internal
 * @example
 * ```ts
 * commentName('a\nb') // '"a\\nb"'
 * ```
 */
export const commentName = tsString

// ECMAScript reserved words and the names the generated module imports.
const TAKEN = new Set(
  `break case catch class const continue debugger default delete do else enum export extends false
  finally for function if import in instanceof new null return super switch this throw true try
  typeof var void while with yield let static implements interface package private protected public
  await arguments eval undefined NaN Infinity c defineTable`.split(/\s+/),
)

const JS_IDENTIFIER_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/**
 * Whether `name` can be written as a variable name of the generated module.
 * @internal
 * @example isVariableName('users') // true; isVariableName('class') // false
 */
export function isVariableName(name: string): boolean {
  return JS_IDENTIFIER_RE.test(name) && !TAKEN.has(name)
}

/**
 * `base`, or `base2`, `base3`... : the first not in `used`, which it is then added to.
 * @internal
 * @example
 * ```ts
 * const used = new Set(['user'])
 * uniqueName('user', used) // 'user2'
 * ```
 */
export function uniqueName(base: string, used: Set<string>): string {
  let name = base
  for (let n = 2; used.has(name); n++) name = `${base}${n}`
  used.add(name)
  return name
}
