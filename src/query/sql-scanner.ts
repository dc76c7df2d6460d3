// The pieces of SQL lexing that the named-parameter compiler and the migration statement
// splitter share: character classes and skipping the constructs whose content is not code.
// Skippers return the index after the construct, or -1 when it is unterminated: each caller
// raises its own error (an InvalidQueryError with an offset, a MigrationError with a line).

export const DOLLAR = 0x24 // $
export const SINGLE_QUOTE = 0x27 // '
export const DOUBLE_QUOTE = 0x22 // "
export const BACKSLASH = 0x5c // \
export const DASH = 0x2d // -
export const SLASH = 0x2f // /
export const STAR = 0x2a // *
export const UPPER_E = 0x45 // E
export const LOWER_E = 0x65 // e
export const LINE_FEED = 0x0a
export const CARRIAGE_RETURN = 0x0d

// `charCodeAt` past either end returns NaN, for which every comparison below is false.

/** `[0-9]`. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** First character of an identifier, keyword or dollar-quote tag: `[A-Za-z_]` or non-ASCII. */
export function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80
}

/** Later characters of a dollar-quote tag: `[A-Za-z0-9_]` or non-ASCII (never `$`). */
export function isTagPart(c: number): boolean {
  return isWordStart(c) || isDigit(c)
}

/**
 * A character PostgreSQL treats as part of an identifier or number: `[A-Za-z0-9_$]` and every
 * non-ASCII character. An `@`, `$` or `E'` right after one belongs to that word.
 */
export function isWordChar(c: number): boolean {
  return isTagPart(c) || c === DOLLAR
}

/**
 * Skips `'...'` (with `''`) or `"..."` (with `""`) starting at `start`.
 * @example skipQuoted("'it''s' x", 0, "'") // 7
 */
export function skipQuoted(text: string, start: number, quote: string): number {
  let i = start + 1
  for (;;) {
    const close = text.indexOf(quote, i)
    if (close < 0) return -1
    // A doubled quote is an escaped quote, not the end.
    if (text[close + 1] === quote) {
      i = close + 2
      continue
    }
    return close + 1
  }
}

/** Skips `E'...'` starting at the `E`: `\` escapes the next character, `''` is a quote. */
export function skipEscapeString(text: string, start: number): number {
  const length = text.length
  let i = start + 2
  while (i < length) {
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
  return -1
}

/** Skips `-- ...` up to (not including) the end of the line; never unterminated. */
export function skipLineComment(text: string, start: number): number {
  const length = text.length
  let i = start + 2
  while (i < length) {
    const c = text.charCodeAt(i)
    if (c === LINE_FEED || c === CARRIAGE_RETURN) return i
    i++
  }
  return length
}

/** Skips `/* ... *\/`, which nests in PostgreSQL: each inner `/*` needs its own `*\/`. */
export function skipBlockComment(text: string, start: number): number {
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
  return -1
}

/**
 * The dollar-quote delimiter (`$$`, `$fn$`) starting at `start` (a `$`), or undefined when the
 * `$` starts none (`$1`, a lone `$`).
 * @example dollarQuoteAt('$fn$ body $fn$', 0) // '$fn$'
 */
export function dollarQuoteAt(text: string, start: number): string | undefined {
  const next = text.charCodeAt(start + 1)
  if (next !== DOLLAR && !isWordStart(next)) return undefined
  let end = start + 1
  while (isTagPart(text.charCodeAt(end))) end++
  return text.charCodeAt(end) === DOLLAR ? text.slice(start, end + 1) : undefined
}
