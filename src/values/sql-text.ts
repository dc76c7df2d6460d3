// Values as the text PostgreSQL parses for their type: what batch statements send, every
// parameter as text so that the statement's casts, not the driver, decide the types.
import { isoText } from './iso-text'

const ESCAPED_RE = /[\\"]/g

/**
 * One element of an array literal: double-quoted with `\` and `"` escaped, or an unquoted NULL.
 * @example arrayElement('say "hi"') // '"say \\"hi\\""';  arrayElement(null) // 'NULL'
 */
export const arrayElement = (text: string | null): string => {
  if (text === null) return 'NULL'
  // Most texts have nothing to escape, and two scans are cheaper than a replace.
  if (text.indexOf('"') === -1 && text.indexOf('\\') === -1) return `"${text}"`
  return `"${text.replace(ESCAPED_RE, '\\$&')}"`
}

/**
 * A PostgreSQL array literal with every element double-quoted (so commas, braces, spaces and the
 * text `NULL` stay data), backslashes and quotes escaped; a `null` element is an unquoted NULL.
 *
 * @example
 * ```ts
 * arrayLiteral(['a,b', 'say "hi"', 'NULL', null]) // '{"a,b","say \"hi\"","NULL",NULL}'
 * ```
 */
export function arrayLiteral(elements: readonly (string | null)[]): string {
  let out = '{'
  for (let i = 0; i < elements.length; i++) {
    if (i > 0) out += ','
    out += arrayElement(elements[i] ?? null)
  }
  return `${out}}`
}

/**
 * {@link arrayLiteral} of the elements' texts, without an array of them in between.
 * @example elementsLiteral([1, 2]) // '{"1","2"}'
 */
export function elementsLiteral(elements: readonly unknown[]): string {
  let out = '{'
  for (let i = 0; i < elements.length; i++) {
    if (i > 0) out += ','
    const element = elements[i]
    out += arrayElement(element === null || element === undefined ? null : String(element))
  }
  return `${out}}`
}

/** A boolean as PostgreSQL's `t`/`f`. @example booleanText(true) // 't' */
export const booleanText = (value: unknown): string => (value ? 't' : 'f')

/**
 * A timestamp as ISO text with Z: an instant for timestamptz, and a UTC wall clock for timestamp
 * (PostgreSQL ignores the zone when reading a timestamp without time zone), whatever the session
 * zone.
 * @example timestampText(new Date(0)) // '1970-01-01T00:00:00.000Z'
 */
export const timestampText = (value: unknown): string =>
  value instanceof Date ? isoText(value) : String(value)

/**
 * Bytes as PostgreSQL's hex text for bytea.
 * @example bytesText(Uint8Array.of(0xde, 0xad)) // '\\xdead'
 */
export const bytesText = (value: unknown): string =>
  value instanceof Uint8Array
    ? `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
    : String(value)

/** A JSON document as its text. @example jsonText({ a: 1 }) // '{"a":1}' */
export const jsonText = (value: unknown): string => JSON.stringify(value)

/** A float, keeping the sign of -0 (which `String` drops). @example floatText(-0) // '-0' */
export const floatText = (value: unknown): string => (Object.is(value, -0) ? '-0' : String(value))

/**
 * An array of strings or integers as an array literal (elements are never null: the schema
 * refuses null elements).
 * @example arrayText(['a', 'b c']) // '{"a","b c"}'
 */
export const arrayText = (value: unknown): string => elementsLiteral(value as readonly unknown[])

/** Any other value: its string. @example plainText(42) // '42' */
export const plainText = (value: unknown): string => String(value)

/**
 * A decimal's text written one way ('1.50', '01.5' and '1.5' are one key for PostgreSQL).
 * @example canonicalDecimal('01.50') // '1.5'
 */
export function canonicalDecimal(text: string): string {
  if (/e/i.test(text)) return text
  const negative = text.startsWith('-')
  const [whole = '', fraction = ''] = text.replace(/^[-+]/, '').split('.')
  const w = whole.replace(/^0+/, '') || '0'
  const f = fraction.replace(/0+$/, '')
  const digits = f === '' ? w : `${w}.${f}`
  return negative && digits !== '0' ? `-${digits}` : digits
}

/** A uuid's text in lower case, as PostgreSQL prints it. @example lowerCase('A-B') // 'a-b' */
export const lowerCase = (text: string): string => text.toLowerCase()
