import {
  InvalidQueryError,
  KyselyEntitiesError,
  MissingParameterError,
} from '../errors/kysely-entities-error'
import { checkParameterCount } from './bindable'
import { rawParameter } from './raw-parameter'
import {
  DASH,
  DOLLAR,
  DOUBLE_QUOTE,
  dollarQuoteAt,
  isDigit,
  isWordChar,
  LOWER_E,
  SINGLE_QUOTE,
  SLASH,
  STAR,
  skipBlockComment,
  skipEscapeString,
  skipLineComment,
  skipQuoted,
  UPPER_E,
} from './sql-scanner'

/**
 * Raw SQL whose `@name` parameters have been rewritten to PostgreSQL positional parameters.
 * Produced by {@link compileNamedSql}; frozen, and shared between calls with the same text.
 *
 * @example
 * ```ts
 * compileNamedSql('SELECT * FROM users WHERE id = @id OR manager_id = @id AND org = @org')
 * // { sql: 'SELECT * FROM users WHERE id = $1 OR manager_id = $1 AND org = $2', names: ['id', 'org'] }
 * ```
 * @internal
 */
export interface CompiledNamedSql {
  /**
   * The text with every `@name` replaced by `$n` (`$n::text` before a `::json`/`::jsonb` cast);
   * everything else is byte-for-byte unchanged.
   */
  readonly sql: string
  /** `names[i]` is bound to `$(i + 1)`; a repeated name reuses its first `$n`, so names are unique. */
  readonly names: readonly string[]
  /**
   * `json[i]`: the text casts `names[i]` to json or jsonb (`@meta::jsonb`), rewritten
   * `$n::text::jsonb` so that its value is sent as JSON text (see {@link bindNamedParameters}).
   */
  readonly json: readonly boolean[]
}

/** How many compiled texts are kept; the oldest entry is evicted first. */
const CACHE_LIMIT = 1000
/** Longer texts are compiled on every call (still linear) so the cache stays small in memory. */
const MAX_CACHED_LENGTH = 16_384

const cache = new Map<string, CompiledNamedSql>()
const NO_NAMES: readonly string[] = Object.freeze([])
const NO_JSON: readonly boolean[] = Object.freeze([])

const AT = 0x40 // @
const LESS_THAN = 0x3c // <

// `::json` or `::jsonb` right after a parameter name (spaces allowed around `::`), not followed
// by more of a name or by `[` (an array type): the parameter is JSON text.
const JSON_CAST_RE = /\s*::\s*jsonb?(?![A-Za-z0-9_$\u0080-\uFFFF[]|\s*\[)/iy

/** First character of a parameter name: `[A-Za-z_]`. */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f
}

/** Later characters of a parameter name: `[A-Za-z0-9_]`. */
function isNamePart(c: number): boolean {
  return isNameStart(c) || isDigit(c)
}

function unterminated(construct: string, offset: number): InvalidQueryError {
  return new InvalidQueryError('sql', `unterminated ${construct} starting at offset ${offset}`)
}

/** The end a skipper returned, or the error for an unterminated construct starting at `start`. */
function skipped(end: number, construct: string, start: number): number {
  if (end < 0) throw unterminated(construct, start)
  return end
}

/** The single left-to-right scan behind {@link compileNamedSql}; uncached. */
function scan(text: string): CompiledNamedSql {
  const length = text.length
  const names: string[] = []
  const json: boolean[] = []
  const numbers = new Map<string, number>()
  let sql = ''
  let copied = 0
  let firstNamedOffset = -1
  let positional: { readonly token: string; readonly offset: number } | undefined
  let i = 0

  while (i < length) {
    const c = text.charCodeAt(i)
    switch (c) {
      case SINGLE_QUOTE:
        i = skipped(skipQuoted(text, i, "'"), 'string literal', i)
        break
      case DOUBLE_QUOTE:
        i = skipped(skipQuoted(text, i, '"'), 'quoted identifier', i)
        break
      case UPPER_E:
      case LOWER_E:
        // E'...' only when the E starts a token: in `somE'x'` the E ends an identifier.
        if (text.charCodeAt(i + 1) === SINGLE_QUOTE && !isWordChar(text.charCodeAt(i - 1))) {
          i = skipped(skipEscapeString(text, i), "escape string (E'...')", i)
        } else {
          i++
        }
        break
      case DASH:
        i = text.charCodeAt(i + 1) === DASH ? skipLineComment(text, i) : i + 1
        break
      case SLASH:
        i =
          text.charCodeAt(i + 1) === STAR
            ? skipped(skipBlockComment(text, i), 'block comment', i)
            : i + 1
        break
      case DOLLAR: {
        // Inside a word (`price$usd`, `a$1`) a `$` is an identifier character.
        if (isWordChar(text.charCodeAt(i - 1))) {
          i++
          break
        }
        const next = text.charCodeAt(i + 1)
        if (isDigit(next)) {
          let end = i + 2
          while (isDigit(text.charCodeAt(end))) end++
          positional ??= { token: text.slice(i, end), offset: i }
          i = end
          break
        }
        const delimiter = dollarQuoteAt(text, i)
        if (delimiter !== undefined) {
          const close = text.indexOf(delimiter, i + delimiter.length)
          if (close < 0) throw unterminated(`dollar-quoted string ${delimiter}`, i)
          i = close + delimiter.length
          break
        }
        i++
        break
      }
      case AT: {
        const prev = text.charCodeAt(i - 1)
        // `@@`, `@>`, `@-@`, `@ x`, `@1`: not followed by a name. `<@`, `@@`, `email@host`: the
        // `@` belongs to an operator or a word.
        if (
          !isNameStart(text.charCodeAt(i + 1)) ||
          isWordChar(prev) ||
          prev === AT ||
          prev === LESS_THAN
        ) {
          i++
          break
        }
        let end = i + 2
        while (isNamePart(text.charCodeAt(end))) end++
        if (isWordChar(text.charCodeAt(end))) {
          throw new InvalidQueryError(
            'sql',
            `named parameter at offset ${i} is followed by '${String.fromCodePoint(text.codePointAt(end)!)}': names must match [A-Za-z_][A-Za-z0-9_]*`,
          )
        }
        const name = text.slice(i + 1, end)
        let number = numbers.get(name)
        if (number === undefined) {
          names.push(name)
          json.push(false)
          number = names.length
          numbers.set(name, number)
        }
        if (firstNamedOffset < 0) firstNamedOffset = i
        JSON_CAST_RE.lastIndex = end
        const cast = JSON_CAST_RE.test(text)
        if (cast) json[number - 1] = true
        sql += `${text.slice(copied, i)}$${number}${cast ? '::text' : ''}`
        copied = end
        i = end
        break
      }
      default:
        i++
    }
  }

  if (names.length === 0) return Object.freeze({ sql: text, names: NO_NAMES, json: NO_JSON })
  if (positional !== undefined) {
    throw new InvalidQueryError(
      'sql',
      `positional parameter ${positional.token} at offset ${positional.offset} cannot be mixed with named parameters (@${names[0]} at offset ${firstNamedOffset}): use only @name parameters`,
    )
  }
  sql += text.slice(copied)
  return Object.freeze({ sql, names: Object.freeze(names), json: Object.freeze(json) })
}

/**
 * Compiles raw SQL with named parameters (`@user_id`) to PostgreSQL positional parameters (`$1`),
 * with a single left-to-right scan that knows PostgreSQL's lexical structure. Pure; the frozen
 * result is cached per text (1000 most recent texts of up to 16,384 characters), so running the
 * same text again costs one map lookup.
 *
 * Lexing rules:
 * - A parameter is `@` followed by a name `[A-Za-z_][A-Za-z0-9_]*`, matched case-sensitively
 *   (`@userId` and `@userid` differ). The `@` must not follow an identifier character
 *   (`[A-Za-z0-9_$]` or any non-ASCII character, so `email@example.com` stays as is), another `@`,
 *   or `<` (so `<@` stays an operator). `@@`, `@>`, `@-@`, `@1` and `@ x` are operators, never
 *   parameters. After any other character a parameter is recognised: `col=@id`, `(@id)`, `,@id`,
 *   `arr[@i]`; `@id::uuid` is the parameter `id` followed by a cast.
 * - A name directly followed by `$` or a non-ASCII character (`@naïve`) throws
 *   {@link InvalidQueryError} rather than silently binding a shorter name.
 * - Left untouched: `'...'` strings (with `''`; standard-conforming strings, as PostgreSQL defaults
 *   to), `E'...'`/`e'...'` strings (with `\` escapes and `''`), `"..."` quoted identifiers (with
 *   `""`), dollar-quoted bodies `$$...$$` and `$tag$...$tag$`, `--` line comments, and
 *   `/* ... *\/` block comments, which nest as in PostgreSQL.
 * - `$` followed by digits (`$1`) is a positional parameter, not a dollar quote; inside a word
 *   (`price$1`) a `$` is an identifier character. Text with no named parameter is returned
 *   unchanged (positional-only text is allowed, `names` is empty); text mixing positional and
 *   named parameters throws {@link InvalidQueryError}, since the numbers would collide.
 * - A parameter directly cast to json or jsonb (`@meta::jsonb`, `@meta :: JSON`; not `jsonb[]`)
 *   becomes `$n::text::jsonb`: its value is sent as JSON text (a string as it is, anything else
 *   through `JSON.stringify`), so a string made by `JSON.stringify`/`jsonEncode` is the document
 *   it encodes, not a JSON string. Without such a cast, PostgreSQL's type for the parameter
 *   decides (a string for a jsonb column is then stored as a JSON string).
 * - An unterminated string, quoted identifier, dollar quote or block comment throws
 *   {@link InvalidQueryError} (path `sql`) naming the construct and the 0-based offset (a
 *   JavaScript string index) where it starts.
 *
 * @example
 * ```ts
 * compileNamedSql(
 *   "SELECT * FROM functions WHERE user_id = @user_id AND tags @> @tags AND note <> '@skip' -- @x",
 * )
 * // sql:   SELECT * FROM functions WHERE user_id = $1 AND tags @> $2 AND note <> '@skip' -- @x
 * // names: ['user_id', 'tags']
 * ```
 * @internal
 */
export function compileNamedSql(text: string): CompiledNamedSql {
  if (text.length > MAX_CACHED_LENGTH) return scan(text)
  const cached = cache.get(text)
  if (cached !== undefined) return cached
  const compiled = scan(text)
  if (cache.size >= CACHE_LIMIT) {
    // Maps iterate in insertion order: the first key is the oldest entry.
    const oldest = cache.keys().next()
    if (oldest.done !== true) cache.delete(oldest.value)
  }
  cache.set(text, compiled)
  return compiled
}

/**
 * The positional values for a {@link CompiledNamedSql}: element `i` is `params[names[i]]`, the
 * value of `$(i + 1)`. Only own properties count (`Object.hasOwn`), so `__proto__`, `constructor`
 * or `toString` never resolve through the prototype. `null` is a value; extra keys are ignored.
 *
 * Throws {@link MissingParameterError} for a name that `params` lacks or binds to `undefined`;
 * its message names the parameter, never a value. A value outside the accepted types (string,
 * number, bigint, boolean, null, Date, Uint8Array/Buffer as bytea, arrays of these, plain
 * objects as JSON: see `rawParameter`), one whose getter or proxy trap throws, and more than
 * 65,533 names throw {@link InvalidQueryError} at `parameters.<name>` (`parameters`), before
 * anything is sent.
 *
 * @example
 * ```ts
 * const compiled = compileNamedSql('UPDATE users SET manager_id = @manager WHERE id = @id')
 * // sql: UPDATE users SET manager_id = $1 WHERE id = $2
 * bindNamedParameters(compiled, { id: 7, manager: null, unused: 'x' }) // [null, 7]
 * bindNamedParameters(compiled, { id: 7 }) // throws MissingParameterError: manager
 * ```
 * @internal
 */
export function bindNamedParameters(
  compiled: CompiledNamedSql,
  params: Readonly<Record<string, unknown>>,
): unknown[] {
  const { names, json } = compiled
  const values: unknown[] = []
  if (names.length === 0) return values
  // Before any value is read: PostgreSQL (and the driver) take at most this many.
  checkParameterCount(names.length, 'parameters')
  if (typeof params !== 'object' || params === null) {
    throw new InvalidQueryError('parameters', 'named parameters must be an object, e.g. { id: 1 }')
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!
    let value: unknown
    try {
      value = Object.hasOwn(params, name) ? params[name] : undefined
    } catch (error) {
      if (error instanceof KyselyEntitiesError) throw error
      // A getter or a proxy trap threw: its error may carry anything, so it is not kept.
      throw new InvalidQueryError(
        `parameters.${name}`,
        'the parameter could not be read (a getter or proxy trap threw)',
      )
    }
    if (value === undefined) throw new MissingParameterError(name)
    values.push(rawParameter(name, value, json[i] === true))
  }
  return values
}

/**
 * Raw SQL with `@name` parameters to the positional SQL and values PostgreSQL takes: what
 * {@link Database.raw} sends for the same text and parameters.
 *
 * @example
 * ```ts
 * namedToPositional('SELECT * FROM functions WHERE user_id = @user_id AND status = @status', {
 *   user_id: 1,
 *   status: 'active',
 * })
 * // sql:        SELECT * FROM functions WHERE user_id = $1 AND status = $2
 * // parameters: [1, 'active']
 * ```
 */
export function namedToPositional(
  text: string,
  params: Readonly<Record<string, unknown>>,
): { sql: string; parameters: unknown[] } {
  const compiled = compileNamedSql(text)
  return { sql: compiled.sql, parameters: bindNamedParameters(compiled, params) }
}
