import { MigrationError } from './migration-error'

/**
 * One statement of a SQL script, as {@link splitSqlStatements} found it.
 * @example
 * ```ts
 * splitSqlStatements('-- note\nSELECT 1;')[0] // { text: 'SELECT 1', line: 2 }
 * ```
 */
export interface SqlStatement {
  /**
   * The statement without its terminating `;`, trimmed. Comments before it belong to no
   * statement; comments inside it are kept.
   */
  readonly text: string
  /** The 1-based line where the statement starts. */
  readonly line: number
}

const DOLLAR = 0x24 // $
const SINGLE_QUOTE = 0x27 // '
const DOUBLE_QUOTE = 0x22 // "
const BACKSLASH = 0x5c // \
const DASH = 0x2d // -
const SLASH = 0x2f // /
const STAR = 0x2a // *
const SEMICOLON = 0x3b // ;
const OPEN_PAREN = 0x28 // (
const CLOSE_PAREN = 0x29 // )
const UPPER_E = 0x45 // E
const LOWER_E = 0x65 // e
const LINE_FEED = 0x0a
const CARRIAGE_RETURN = 0x0d

// `charCodeAt` past either end returns NaN, for which every comparison below is false.

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** First character of an identifier or keyword: `[A-Za-z_]` or non-ASCII. */
function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80
}

/** Later characters of an identifier, keyword or number: `[A-Za-z0-9_$]` or non-ASCII. */
function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === DOLLAR
}

/** Later characters of a dollar-quote tag: `[A-Za-z0-9_]` or non-ASCII (never `$`). */
function isTagPart(c: number): boolean {
  return isWordStart(c) || isDigit(c)
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === LINE_FEED || c === CARRIAGE_RETURN || c === 0x0c
}

/** Counts the lines of `text` up to an offset, incrementally (offsets only grow). */
class LineCounter {
  readonly #text: string
  #offset = 0
  #line = 1

  constructor(text: string) {
    this.#text = text
  }

  lineAt(offset: number): number {
    for (let i = this.#offset; i < offset; i++) {
      if (this.#text.charCodeAt(i) === LINE_FEED) this.#line++
    }
    this.#offset = Math.max(this.#offset, offset)
    return this.#line
  }
}

function lineOf(text: string, offset: number): number {
  return new LineCounter(text).lineAt(offset)
}

function unterminated(text: string, construct: string, start: number): MigrationError {
  return new MigrationError(`unterminated ${construct} starting at line ${lineOf(text, start)}`, {
    line: lineOf(text, start),
  })
}

/** Skips `'...'` (with `''`) or `"..."` (with `""`) starting at `start`; returns the index after it. */
function skipQuoted(text: string, start: number, quote: string, construct: string): number {
  let i = start + 1
  for (;;) {
    const close = text.indexOf(quote, i)
    if (close < 0) throw unterminated(text, construct, start)
    // A doubled quote is an escaped quote, not the end.
    if (text[close + 1] === quote) {
      i = close + 2
      continue
    }
    return close + 1
  }
}

/** Skips `E'...'` starting at the `E`: `\` escapes the next character, `''` is a quote. */
function skipEscapeString(text: string, start: number): number {
  let i = start + 2
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === BACKSLASH) {
      i += 2
    } else if (c === SINGLE_QUOTE) {
      if (text.charCodeAt(i + 1) !== SINGLE_QUOTE) return i + 1
      i += 2
    } else {
      i++
    }
  }
  throw unterminated(text, "escape string (E'...')", start)
}

/** Skips `-- ...` up to (not including) the end of the line. */
function skipLineComment(text: string, start: number): number {
  let i = start + 2
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === LINE_FEED || c === CARRIAGE_RETURN) return i
    i++
  }
  return text.length
}

/** Skips `/* ... *\/`, which nests in PostgreSQL: each inner `/*` needs its own `*\/`. */
function skipBlockComment(text: string, start: number): number {
  let depth = 1
  let i = start + 2
  while (i < text.length) {
    const c = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    if (c === STAR && next === SLASH) {
      i += 2
      depth--
      if (depth === 0) return i
    } else if (c === SLASH && next === STAR) {
      i += 2
      depth++
    } else {
      i++
    }
  }
  throw unterminated(text, 'block comment', start)
}

/**
 * The words that start `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, whose SQL-standard body
 * (`BEGIN ATOMIC ... END`) holds semicolons that do not end the statement. Same heuristic as psql.
 */
const ROUTINE_PREFIXES: readonly (readonly string[])[] = [
  ['create', 'function'],
  ['create', 'procedure'],
  ['create', 'or', 'replace', 'function'],
  ['create', 'or', 'replace', 'procedure'],
]

function startsRoutine(words: readonly string[]): boolean {
  return ROUTINE_PREFIXES.some(
    (prefix) => words.length >= prefix.length && prefix.every((w, i) => words[i] === w),
  )
}

/**
 * Splits a SQL script (a migration file) into its statements, with a single left-to-right scan
 * that knows PostgreSQL's lexical structure, so each statement can be sent on its own and a
 * failure named. A `;` ends a statement except inside:
 *
 * - `'...'` strings (with `''`), `E'...'` strings (with `\` escapes), `"..."` identifiers;
 * - dollar-quoted bodies `$$...$$` and `$tag$...$tag$` (`$1` is a parameter, `a$b` a word);
 * - `--` line comments and nested `/* ... *\/` block comments;
 * - parentheses (`CREATE RULE ... DO ALSO (...; ...)`);
 * - the `BEGIN ATOMIC ... END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (with `CASE ...
 *   END` inside it), as psql tracks it.
 *
 * Text that holds only comments and whitespace is no statement. An unterminated string, quoted
 * identifier, dollar quote or block comment throws {@link MigrationError} naming its line.
 *
 * @example
 * ```ts
 * splitSqlStatements(`-- users
 * CREATE TABLE users (id serial PRIMARY KEY, note text DEFAULT 'a;b');
 * CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;`)
 * // [
 * //   { text: "CREATE TABLE users (id serial PRIMARY KEY, note text DEFAULT 'a;b')", line: 2 },
 * //   { text: 'CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$', line: 3 },
 * // ]
 * ```
 */
export function splitSqlStatements(text: string): SqlStatement[] {
  const statements: SqlStatement[] = []
  const lines = new LineCounter(text)
  const length = text.length
  // Start of the current statement's first token, or -1 while only comments/space were seen.
  let start = -1
  let parenDepth = 0
  let beginDepth = 0
  // The first words of the current statement (lowercase), enough to recognise a routine.
  const words: string[] = []
  let i = 0

  const end = (at: number) => {
    if (start >= 0) {
      statements.push({ text: text.slice(start, at).trim(), line: lines.lineAt(start) })
    }
    start = -1
    parenDepth = 0
    beginDepth = 0
    words.length = 0
  }

  while (i < length) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) {
      i++
      continue
    }
    if (c === DASH && text.charCodeAt(i + 1) === DASH) {
      i = skipLineComment(text, i)
      continue
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      i = skipBlockComment(text, i)
      continue
    }
    if (c === SEMICOLON && parenDepth === 0 && beginDepth === 0) {
      end(i)
      i++
      continue
    }
    if (start < 0) start = i
    switch (c) {
      case SINGLE_QUOTE:
        i = skipQuoted(text, i, "'", 'string literal')
        break
      case DOUBLE_QUOTE:
        i = skipQuoted(text, i, '"', 'quoted identifier')
        break
      case OPEN_PAREN:
        parenDepth++
        i++
        break
      case CLOSE_PAREN:
        if (parenDepth > 0) parenDepth--
        i++
        break
      case DOLLAR: {
        // Words are consumed whole below, so this `$` starts a token.
        const next = text.charCodeAt(i + 1)
        if (isDigit(next)) {
          i += 2
          while (isDigit(text.charCodeAt(i))) i++
          break
        }
        if (next === DOLLAR || isWordStart(next)) {
          let tagEnd = i + 1
          while (isTagPart(text.charCodeAt(tagEnd))) tagEnd++
          if (text.charCodeAt(tagEnd) === DOLLAR) {
            const delimiter = text.slice(i, tagEnd + 1)
            const close = text.indexOf(delimiter, tagEnd + 1)
            if (close < 0) throw unterminated(text, `dollar-quoted string ${delimiter}`, i)
            i = close + delimiter.length
            break
          }
        }
        i++
        break
      }
      default: {
        if ((c === UPPER_E || c === LOWER_E) && text.charCodeAt(i + 1) === SINGLE_QUOTE) {
          i = skipEscapeString(text, i)
          break
        }
        if (isWordStart(c)) {
          let wordEnd = i + 1
          while (isWordChar(text.charCodeAt(wordEnd))) wordEnd++
          const word = text.slice(i, wordEnd).toLowerCase()
          if (words.length < 4) words.push(word)
          if (parenDepth === 0 && startsRoutine(words)) {
            if (word === 'begin') beginDepth++
            // CASE also ends with END: it only matters inside a BEGIN ... END body.
            else if (word === 'case' && beginDepth > 0) beginDepth++
            else if (word === 'end' && beginDepth > 0) beginDepth--
          }
          i = wordEnd
          break
        }
        if (isDigit(c)) {
          // A number, including forms such as 1e5 or 0x1F: never a keyword.
          let numberEnd = i + 1
          while (isWordChar(text.charCodeAt(numberEnd)) || text.charCodeAt(numberEnd) === 0x2e) {
            numberEnd++
          }
          i = numberEnd
          break
        }
        i++
      }
    }
  }
  end(length)
  return statements
}

/**
 * The leading keyword of a statement, lowercase (`'create'`, `'commit'`), or `''` when it does
 * not start with a word.
 * @example
 * ```ts
 * leadingKeyword('CREATE TABLE t (x int)') // 'create'
 * ```
 */
export function leadingKeyword(statement: string): string {
  return /^[A-Za-z_]+/.exec(statement)?.[0]?.toLowerCase() ?? ''
}
