import {
  CARRIAGE_RETURN,
  DASH,
  DOLLAR,
  DOUBLE_QUOTE,
  dollarQuoteAt,
  isDigit,
  isWordChar,
  isWordStart,
  LINE_FEED,
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

const SEMICOLON = 0x3b // ;
const OPEN_PAREN = 0x28 // (
const CLOSE_PAREN = 0x29 // )

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

/** The end a skipper returned, or the error for an unterminated construct starting at `start`. */
function skipped(text: string, end: number, construct: string, start: number): number {
  if (end < 0) throw unterminated(text, construct, start)
  return end
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
      i = skipped(text, skipBlockComment(text, i), 'block comment', i)
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
        i = skipped(text, skipQuoted(text, i, "'"), 'string literal', i)
        break
      case DOUBLE_QUOTE:
        i = skipped(text, skipQuoted(text, i, '"'), 'quoted identifier', i)
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
        const delimiter = dollarQuoteAt(text, i)
        if (delimiter !== undefined) {
          const close = text.indexOf(delimiter, i + delimiter.length)
          if (close < 0) throw unterminated(text, `dollar-quoted string ${delimiter}`, i)
          i = close + delimiter.length
          break
        }
        i++
        break
      }
      default: {
        if ((c === UPPER_E || c === LOWER_E) && text.charCodeAt(i + 1) === SINGLE_QUOTE) {
          i = skipped(text, skipEscapeString(text, i), "escape string (E'...')", i)
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
