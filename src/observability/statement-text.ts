import {
  BACKSLASH,
  DASH,
  DOLLAR,
  DOUBLE_QUOTE,
  dollarQuoteAt,
  isWordChar,
  isWordStart,
  LOWER_E,
  SINGLE_QUOTE,
  SLASH,
  STAR,
  skipBlockComment,
  skipEscapeString,
  skipLineComment,
  skipQuoted,
  UPPER_E,
} from '../query/sql-scanner'

/** What observing a statement needs from its text, worked out once per distinct text. */
export interface StatementText {
  /** The text with each string literal (`'...'`, `E'...'`, `$tag$...$tag$`) replaced by `'?'`. */
  readonly text: string
  /** The first keyword, upper case (`SELECT`, `INSERT`, `START`, `COMMIT`). */
  readonly operation: string | undefined
  /**
   * The one table of the statement: the target of `insert into`, `update`, `delete from`, or the
   * table after `from` in a statement with a single `from`, no join and no comma after it.
   */
  readonly collection: string | undefined
  /**
   * The identifiers of the text outside literals and comments: a bare word lower-cased, a quoted
   * one as written. What the secret check looks for.
   */
  readonly names: ReadonlySet<string>
}

const MASK = "'?'"

/** One token of a statement: a word (identifier or keyword), or a punctuation character. */
interface Token {
  /** A bare word lower-cased, a quoted identifier as written, or the character itself. */
  readonly value: string
  readonly quoted: boolean
}

/**
 * Reads `sql` once: masks string literals, collects identifiers and the first keyword, and finds
 * the table a simple statement works on. An unterminated literal or comment masks the rest.
 *
 * @example
 * ```ts
 * analyzeStatement(`update "users" set "email" = $1 where "note" = 'x'`)
 * // { text: `update "users" set "email" = $1 where "note" = '?'`, operation: 'UPDATE',
 * //   collection: 'users', names: Set { 'update', 'users', 'set', 'email', 'where', 'note' } }
 * ```
 */
export function analyzeStatement(sql: string): StatementText {
  const tokens: Token[] = []
  let text = ''
  let copied = 0
  let i = 0
  const length = sql.length
  const mask = (start: number, end: number): void => {
    text += sql.slice(copied, start) + MASK
    copied = end
  }
  while (i < length) {
    const c = sql.charCodeAt(i)
    if (c === SINGLE_QUOTE) {
      const end = skipQuoted(sql, i, "'")
      const stop = end < 0 ? length : end
      mask(i, stop)
      i = stop
    } else if ((c === UPPER_E || c === LOWER_E) && sql.charCodeAt(i + 1) === SINGLE_QUOTE) {
      const end = skipEscapeString(sql, i)
      const stop = end < 0 ? length : end
      mask(i, stop)
      i = stop
    } else if (c === DOUBLE_QUOTE) {
      const end = skipQuoted(sql, i, '"')
      const stop = end < 0 ? length : end
      tokens.push({
        value: sql.slice(i + 1, Math.max(i + 1, stop - 1)).replaceAll('""', '"'),
        quoted: true,
      })
      i = stop
    } else if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      i = skipLineComment(sql, i)
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      const end = skipBlockComment(sql, i)
      i = end < 0 ? length : end
    } else if (c === DOLLAR) {
      const tag = dollarQuoteAt(sql, i)
      if (tag === undefined) {
        i = skipWord(sql, i + 1)
      } else {
        const close = sql.indexOf(tag, i + tag.length)
        const stop = close < 0 ? length : close + tag.length
        mask(i, stop)
        i = stop
      }
    } else if (isWordStart(c)) {
      const end = skipWord(sql, i)
      tokens.push({ value: sql.slice(i, end).toLowerCase(), quoted: false })
      i = end
    } else if (isWordChar(c) || c === BACKSLASH) {
      // A number ($1 is handled above): not a name.
      i = skipWord(sql, i + 1)
    } else {
      if (c > 0x20) tokens.push({ value: sql[i] as string, quoted: false })
      i++
    }
  }
  text += sql.slice(copied)
  const names = new Set<string>()
  for (const token of tokens)
    if (token.quoted || isWordStart(token.value.charCodeAt(0))) names.add(token.value)
  const first = tokens[0]
  const operation =
    first !== undefined && !first.quoted && isWordStart(first.value.charCodeAt(0))
      ? first.value.toUpperCase()
      : undefined
  return { text, operation, collection: collectionOf(tokens, operation), names }
}

function skipWord(sql: string, i: number): number {
  while (i < sql.length && isWordChar(sql.charCodeAt(i))) i++
  return i
}

const isName = (token: Token | undefined): token is Token =>
  token !== undefined && (token.quoted || isWordStart(token.value.charCodeAt(0)))

/** `name` or `schema.name` at `index`, as written (`public.users`), or undefined. */
function tableAt(
  tokens: readonly Token[],
  index: number,
): { name: string; next: number } | undefined {
  const first = tokens[index]
  if (!isName(first)) return undefined
  const dot = tokens[index + 1]
  const second = tokens[index + 2]
  if (dot?.value === '.' && !dot.quoted && isName(second)) {
    return { name: `${first.value}.${second.value}`, next: index + 3 }
  }
  return { name: first.value, next: index + 1 }
}

const isKeyword = (token: Token | undefined, word: string): boolean =>
  token !== undefined && !token.quoted && token.value === word

function collectionOf(tokens: readonly Token[], operation: string | undefined): string | undefined {
  switch (operation) {
    case 'INSERT':
      return isKeyword(tokens[1], 'into') ? tableAt(tokens, 2)?.name : undefined
    case 'UPDATE': {
      const only = isKeyword(tokens[1], 'only') ? 2 : 1
      return tableAt(tokens, only)?.name
    }
    case 'DELETE':
      return isKeyword(tokens[1], 'from') ? tableAt(tokens, 2)?.name : undefined
    case 'SELECT':
      return singleFrom(tokens)
    default:
      return undefined
  }
}

/** The table of a select with exactly one `from`, no join, and no second table after a comma. */
function singleFrom(tokens: readonly Token[]): string | undefined {
  let at = -1
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token
    if (token.quoted) continue
    if (token.value === 'join' || token.value === 'union' || (token.value === 'select' && i > 0)) {
      return undefined
    }
    if (token.value === 'from') {
      if (at >= 0) return undefined
      at = i
    }
  }
  if (at < 0) return undefined
  const table = tableAt(tokens, at + 1)
  if (table === undefined) return undefined
  // `from t, u` or `from t as a, u`: more than one table.
  let next = table.next
  if (isKeyword(tokens[next], 'as')) next++
  if (isName(tokens[next]) && !CLAUSE_WORDS.has(tokens[next]!.value)) next++
  return tokens[next]?.value === ',' ? undefined : table.name
}

// Words that end a `from` item rather than alias it.
const CLAUSE_WORDS = new Set([
  'where',
  'group',
  'having',
  'order',
  'limit',
  'offset',
  'for',
  'window',
  'fetch',
  'returning',
])

/** Texts remembered at most: statements are few and repeat; past this the memory starts over. */
const CACHE_SIZE = 512

/**
 * {@link analyzeStatement} with a bounded memory of the texts seen, so that a statement sent
 * again costs one map look-up.
 *
 * @example
 * ```ts
 * const texts = new StatementTextCache()
 * texts.get('select 1').operation // 'SELECT'
 * ```
 */
export class StatementTextCache {
  readonly #entries = new Map<string, StatementText>()

  get(sql: string): StatementText {
    let entry = this.#entries.get(sql)
    if (entry === undefined) {
      entry = analyzeStatement(sql)
      if (this.#entries.size >= CACHE_SIZE) this.#entries.clear()
      this.#entries.set(sql, entry)
    }
    return entry
  }
}
