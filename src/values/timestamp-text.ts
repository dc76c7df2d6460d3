// Reading timestamps from text: the one place that knows PostgreSQL's and ISO 8601's forms.
// Column validation and the wire driver both read through here.

// YYYY-MM-DD, then optionally a time (T or space), then optionally Z or an offset of ±hh,
// ±hh:mm or ±hh:mm:ss (PostgreSQL prints local mean time offsets such as +00:19:32 for old
// dates in some zones), then optionally PostgreSQL's ' BC'.
const TIMESTAMP_TEXT_RE =
  /^(\d{4,6})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?(?:([zZ])|([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/

/**
 * A timestamp in ISO 8601 or PostgreSQL's text form (`2024-01-02 03:04:05+00`); without an
 * offset, the wall clock is UTC (the package's convention for `timestamp`). Parsed field by
 * field, never by `new Date(text)`: V8 reads `0001-01-01 00:00:00+00` as the year 2001. Offsets
 * with seconds and BC years (`0044-03-15 BC`: the year -43) are read too; fractions of a
 * millisecond are dropped, as a `Date` has none. A calendar date that does not exist gives an
 * invalid `Date`.
 *
 * @example
 * ```ts
 * parseTimestamp('0001-01-01 00:00:00+00') // 0001-01-01T00:00:00.000Z
 * parseTimestamp('2024-02-29 23:30:00-05') // 2024-03-01T04:30:00.000Z
 * parseTimestamp('1800-01-01 00:00:00+00:19:32') // 1799-12-31T23:40:28.000Z
 * parseTimestamp('2024-01-02') // 2024-01-02T00:00:00.000Z
 * ```
 */
export function parseTimestamp(text: string): Date {
  const m = TIMESTAMP_TEXT_RE.exec(text)
  if (m === null) return new Date(Number.NaN)
  const [, y, mo, d, h = '0', mi = '0', sec = '0', fraction = '', , sign, oh, om, os, bc] = m
  const year = bc === undefined ? Number(y) : 1 - Number(y)
  const month = Number(mo) - 1
  const day = Number(d)
  const date = new Date(0)
  // setUTCFullYear, unlike Date.UTC, takes years 0 to 99 as they are.
  date.setUTCFullYear(year, month, day)
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return new Date(Number.NaN)
  const [hours, minutes, seconds] = [Number(h), Number(mi), Number(sec)]
  // 24:00:00 is the next midnight and 23:59:60 a leap second, as PostgreSQL reads them.
  const past = hours === 24 && (minutes > 0 || seconds > 0 || /[1-9]/.test(fraction))
  if (past || hours > 24 || minutes > 59 || seconds > 60) return new Date(Number.NaN)
  date.setUTCHours(hours, minutes, seconds, Number(fraction.slice(0, 3).padEnd(3, '0')))
  if (sign === undefined) return date
  const offset = (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) * 1000
  return new Date(date.getTime() - (sign === '-' ? -offset : offset))
}

/** The two-digit number at `i`, or NaN when either character is not a digit. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48
  const b = text.charCodeAt(i + 1) - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN
}

/**
 * PostgreSQL's usual output, read from its characters with no regex and no string built:
 * 'YYYY-MM-DD HH:MM:SS[.ffffff][+00]' with a year from 1000. Undefined for anything else.
 */
function commonTimestamp(text: string): Date | undefined {
  let end = text.length
  if (end >= 22 && text.endsWith('+00')) end -= 3
  if (end < 19 || end === 20 || end > 26) return undefined
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 || // space
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    (end > 19 && text.charCodeAt(19) !== 46) // .
  ) {
    return undefined
  }
  const century = twoDigits(text, 0)
  const year = century * 100 + twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const hours = twoDigits(text, 11)
  const minutes = twoDigits(text, 14)
  const seconds = twoDigits(text, 17)
  let ms = 0
  for (let i = 20, scale = 100; i < end; i++, scale /= 10) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return undefined
    ms += d * scale
  }
  // NaN fails every comparison: one test covers every field's digits. Years before 1000 (and
  // Date.UTC's two-digit years) are the careful parser's.
  if (!(century >= 10 && year >= 0 && month >= 0 && day >= 0)) return undefined
  if (!(hours >= 0 && minutes >= 0 && seconds >= 0)) return undefined
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds, Math.floor(ms)))
}

/**
 * Reads a `timestamp`/`timestamptz` value as PostgreSQL sends it (ISO DateStyle, UTC session)
 * into a `Date`: the usual form from its characters (a few times faster than `new Date(text)`,
 * and rows carry many), anything else (years 1-999, BC, other offsets) with the careful
 * field-by-field `parseTimestamp`. A unit test holds the two to the same result.
 *
 * @example
 * ```ts
 * parseDriverTimestamp('2024-01-02 03:04:05.123456+00') // 2024-01-02T03:04:05.123Z
 * parseDriverTimestamp('0099-01-01 00:00:00')           // 0099-01-01T00:00:00.000Z
 * ```
 */
export const parseDriverTimestamp = (text: string): Date =>
  commonTimestamp(text) ?? parseTimestamp(text)
