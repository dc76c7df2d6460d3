// Values as COPY's text format reads them: one line per row, fields separated by tabs, `\N` for
// NULL, and a backslash before what would otherwise end a field or a line.

const SPECIAL_RE = /[\\\t\n\r]/
const SPECIAL_ALL_RE = /[\\\t\n\r]/g
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
}
const escapeChar = (c: string): string => ESCAPES[c]!

/** The field COPY's text format reads as SQL NULL. @example COPY_NULL // '\\N' */
export const COPY_NULL = '\\N'

/**
 * One field of a COPY text line: the value's text (as PostgreSQL parses it for the column's
 * type) with backslash, tab, newline and carriage return escaped, or `\N` for `null`. Any other
 * character stands for itself, so the text `\N` is sent as `\\N` and stays text. The text must
 * have no NUL and no unpaired surrogate (the column schemas refuse both).
 *
 * @example
 * ```ts
 * copyField('a\tb\\c')  // 'a\\tb\\\\c'    -- COPY reads: a<TAB>b\c
 * copyField('\\N')      // '\\\\N'         -- the two characters \N, not NULL
 * copyField(null)       // '\\N'           -- NULL
 * copyField('')         // ''              -- the empty string
 * ```
 */
export const copyField = (text: string | null): string => {
  if (text === null) return COPY_NULL
  return SPECIAL_RE.test(text) ? text.replace(SPECIAL_ALL_RE, escapeChar) : text
}
