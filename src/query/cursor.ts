import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { Column } from '../schema/define-table'

/** Longest cursor accepted: a cursor holds one value per sort column, never kilobytes. */
const MAX_CURSOR_LENGTH = 4096

// JSON cannot hold a Date or a bigint: tag them so they come back as what they were.
function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { d: value.toISOString() }
  if (typeof value === 'bigint') return { b: value.toString() }
  return value
}

function decodeValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = value as { d?: unknown; b?: unknown }
    if (typeof tagged.d === 'string') return tagged.d
    if (typeof tagged.b === 'string') return tagged.b
  }
  return value
}

/**
 * An opaque keyset cursor: the sort values of the last row of a page, base64url-encoded JSON.
 * It carries no SQL; decoding validates every value against its column before it is bound.
 *
 * @example
 * ```ts
 * encodeCursor([new Date('2024-01-01T00:00:00Z'), 42]) // 'W3siZCI6IjIwMjQtMDEtMDFUMDA6MDA6MDAuMDAwWiJ9LDQyXQ'
 * ```
 */
export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values.map(encodeValue))).toString('base64url')
}

/**
 * Decodes a cursor made by {@link encodeCursor} for these sort columns. Anything else (not a
 * string, too long, not base64url JSON, wrong number of values, a value of the wrong type) is an
 * {@link InvalidQueryError} at `path`: a tampered cursor is refused, never interpolated.
 */
export function decodeCursor(
  cursor: unknown,
  columns: readonly Column[],
  path = 'after',
): unknown[] {
  const invalid = (why: string) => new InvalidQueryError(path, `invalid cursor: ${why}`)
  if (typeof cursor !== 'string') throw invalid('expected a string')
  if (
    cursor.length === 0 ||
    cursor.length > MAX_CURSOR_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(cursor)
  ) {
    throw invalid('not a cursor of this API')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid('not a cursor of this API')
  }
  if (!Array.isArray(parsed) || parsed.length !== columns.length) {
    throw invalid('it does not match this ordering')
  }
  return columns.map((column, i) => {
    const raw = decodeValue(parsed[i])
    // The column's own schema, built once with the table: null only where the column allows it.
    const result = column.schema.safeParse(raw)
    if (!result.success) throw invalid('it does not match this ordering')
    // A valid timestamp string is bound as it is: PostgreSQL reads its microseconds exactly.
    const timestamp = column.kind === 'timestamp' || column.kind === 'timestamptz'
    return timestamp && typeof raw === 'string' ? raw : result.data
  })
}
