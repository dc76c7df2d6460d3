// The zod schemas of column values, one building block per kind of value; which kind uses which
// is the column-type registry's (column-types.ts) to say.
import { z } from 'zod'
import { parseTimestamp } from '../values/timestamp-text'
import type { ColumnConfig } from './column-config'

/** The range of `integer` (int4). @example int(INT4).safeParse(2 ** 31).success // false */
export const INT4 = { min: -2147483648, max: 2147483647 }
/** The range of `smallint` (int2). @example int(INT2).parse(-32768) // -32768 */
export const INT2 = { min: -32768, max: 32767 }
const INT8_MIN = -(2n ** 63n)
const INT8_MAX = 2n ** 63n - 1n

/**
 * A test on one non-null value that, when it passes, promises the kind's schema accepts the value
 * and outputs it unchanged (the same value, the same object): the insert fast path (see
 * `plainInsert`) keeps such a value as it is, and leaves any other to the schema.
 * @example plainInt(INT4)(7) // true
 */
export type PlainValue = (value: unknown) => boolean
/** A uuid in its text form, any case. @example UUID_RE.test('3F2B1C4D-5E6F-4A1B-8C9D-0E1F2A3B4C5D') // true */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const INTEGER_STRING_RE = /^-?\d+$/
const DECIMAL_RE = /^-?(\d+(\.\d*)?|\.\d+)$/

// PostgreSQL refuses NUL in text; saying so here beats a protocol error later.
const noNul = (s: string) => !s.includes('\u0000')
const NUL_MESSAGE = 'text cannot contain a NUL (\\u0000) character'
// A lone UTF-16 surrogate has no UTF-8 form: the driver would send U+FFFD in its place and the
// text would come back changed (jsonb refuses it outright). With the u flag, a surrogate pair
// is one code point and does not match: only unpaired halves do.
const LONE_SURROGATE_RE = /[\uD800-\uDFFF]/u
/** Whether a string is valid Unicode (no unpaired UTF-16 surrogate), so that UTF-8 can carry it. */
export const wellFormed = (s: string): boolean => !LONE_SURROGATE_RE.test(s)
const SURROGATE_MESSAGE = 'text cannot contain an unpaired UTF-16 surrogate (not valid Unicode)'

/** A string PostgreSQL stores exactly as given: no NUL, no unpaired surrogate. */
export const storableString = () =>
  z.string().refine(noNul, NUL_MESSAGE).refine(wellFormed, SURROGATE_MESSAGE)

/**
 * text, varchar(n) and citext values: storable strings, at most `length` characters as PostgreSQL
 * counts them, or one of the `enum()` values.
 * @example text(c.varchar(2).config).safeParse('abc').success // false
 */
export function text(config: ColumnConfig): z.ZodType<string> {
  if (config.enumValues !== undefined) {
    return z.enum(config.enumValues as [string, ...string[]])
  }
  const length = config.length
  if (length === undefined) return storableString()
  const message = `at most ${length} characters`
  // PostgreSQL counts characters (code points); JavaScript's length counts UTF-16 units, at most
  // two to a code point. So more than 2n units is more than n characters: refused at once,
  // before the NUL and surrogate scans, and without reading the string.
  return z
    .string()
    .refine((s) => s.length <= 2 * length, { message, abort: true })
    .refine(noNul, NUL_MESSAGE)
    .refine(wellFormed, SURROGATE_MESSAGE)
    .refine((s) => s.length <= length || codePointCount(s) <= length, message)
}

/**
 * The strings {@link text} outputs as given for a column: all it accepts, as it accepts only
 * strings and returns them unchanged. A string between `length` and twice `length` UTF-16 units
 * is counted, as the schema counts it.
 * @example plainString(c.varchar(2).config)('abc') // false
 */
export function plainString(config: ColumnConfig): PlainValue {
  if (config.enumValues !== undefined) {
    const values: ReadonlySet<unknown> = new Set(config.enumValues)
    return (v) => typeof v === 'string' && values.has(v)
  }
  const length = config.length
  if (length === undefined) return (v) => typeof v === 'string' && noNul(v) && wellFormed(v)
  return (v) =>
    typeof v === 'string' &&
    (v.length <= length || (v.length <= 2 * length && codePointCount(v) <= length)) &&
    noNul(v) &&
    wellFormed(v)
}

/**
 * The number of code points of `s` (a surrogate pair counts once), without allocating: what
 * PostgreSQL counts as characters for `varchar(n)`.
 * @example codePointCount('a😀') // 2
 * @internal
 */
export function codePointCount(s: string): number {
  let count = s.length
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        count--
        i++
      }
    }
  }
  return count
}

/** An integer in `range`. @example int(INT4).parse(7) // 7 */
export const int = (range: { min: number; max: number }) =>
  z.number().int().min(range.min).max(range.max)

/** The integers {@link int} outputs as given. @example plainInt(INT2)(40000) // false */
export const plainInt =
  (range: { min: number; max: number }): PlainValue =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= range.min && v <= range.max

/** The values {@link int8} outputs as given: bigints in range (a number or string becomes one). @example plainInt8(42) // false: int8 outputs 42n */
export const plainInt8: PlainValue = (v) => typeof v === 'bigint' && v >= INT8_MIN && v <= INT8_MAX

/** The values {@link int8AsNumber} outputs as given: safe integers (a bigint or string becomes one). @example plainInt8AsNumber(2 ** 53) // false */
export const plainInt8AsNumber: PlainValue = (v) => typeof v === 'number' && Number.isSafeInteger(v)

/** int8 as `bigint`, from a bigint, a string of digits or an integer. @example int8.parse('42') // 42n */
export const int8 = z
  .union([z.bigint(), z.string().regex(INTEGER_STRING_RE), z.number().int()])
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(INT8_MIN).max(INT8_MAX))

/** int8 as `number` (`{ mode: 'number' }`), refused beyond 2^53. @example int8AsNumber.parse(42n) // 42 */
export const int8AsNumber = z
  .union([z.number().int(), z.string().regex(INTEGER_STRING_RE), z.bigint()])
  .transform((v) => Number(v))
  .pipe(z.number().int().refine(Number.isSafeInteger, 'beyond ±2^53: use { mode: "bigint" }'))

/**
 * numeric(p, s) values: an exact decimal string (or `number` with `{ mode: 'number' }`) with no
 * more integer digits than the precision leaves.
 * @example numeric(c.numeric(4, 2).config).safeParse('123.4').success // false
 */
export function numeric(config: ColumnConfig): z.ZodType {
  const { precision, scale } = config
  const fits = (s: string) => {
    if (precision === undefined) return true
    // String(1e21) is '1e+21': count its digits by magnitude, not by characters.
    if (/e/i.test(s)) return Math.abs(Number(s)) < 10 ** (precision - (scale ?? 0))
    const [whole = ''] = s.replace('-', '').split('.')
    return whole.replace(/^0+/, '').length <= precision - (scale ?? 0)
  }
  const asString = z
    .union([z.string().regex(DECIMAL_RE), z.number().finite().transform(String)])
    .refine(fits, `more integer digits than numeric(${precision}, ${scale ?? 0}) allows`)
  return config.mode === 'number' ? asString.transform(Number) : asString
}

// The instants a timestamp is written and read exactly: years 1 to 9999. PostgreSQL stores
// 4713 BC to 294276 AD, but a Date outside these years is sent as '+010000-...' or
// '-000001-...' (toISOString), which it cannot read, and it prints BC years with a suffix.
const TIMESTAMP_MIN = -62135596800000 // 0001-01-01T00:00:00.000Z
const TIMESTAMP_MAX = 253402300799999 // 9999-12-31T23:59:59.999Z
const inTimestampRange = (d: Date) => {
  const t = d.getTime()
  return Number.isNaN(t) || (t >= TIMESTAMP_MIN && t <= TIMESTAMP_MAX)
}

/**
 * The values {@link timestamp} outputs as given: valid `Date`s in its years (a string becomes a
 * new `Date`).
 * @example plainTimestamp(new Date(Number.NaN)) // false
 */
export const plainTimestamp: PlainValue = (v) => {
  if (!(v instanceof Date)) return false
  const t = v.getTime()
  return t >= TIMESTAMP_MIN && t <= TIMESTAMP_MAX
}

// PostgreSQL's own text form ('2024-01-02 03:04:05.678+00') next to ISO 8601.
// Offsets may carry seconds (+00:19:32: local mean time, which PostgreSQL prints for old dates).
const PG_TIMESTAMP_RE =
  /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d\d(:?\d\d(:?\d\d)?)?)?$/

/**
 * timestamp and timestamptz values: a `Date` or ISO 8601 / PostgreSQL text, years 1 to 9999.
 * @example timestamp.parse('2024-01-02 03:04:05+00') // 2024-01-02T03:04:05.000Z
 */
export const timestamp = z
  .union([
    z.date(),
    // PostgreSQL's own text first: what rows, cursors and most filters carry.
    z.string().regex(PG_TIMESTAMP_RE),
    z.iso.datetime({ offset: true, local: true }),
    z.iso.date(),
  ])
  .transform((v) => (v instanceof Date ? v : parseTimestamp(v)))
  .refine((d) => !Number.isNaN(d.getTime()), 'invalid date')
  .refine(inTimestampRange, 'outside 0001-01-01 to 9999-12-31 (UTC), the supported years')

// z.iso.date() checks the calendar (no 2024-13-45, no 2023-02-29), as PostgreSQL does; there is
// no year 0 (1 BC) in PostgreSQL, and a Date past 9999 has no 'YYYY-MM-DD' form.
/** @example date.parse('2024-02-29') // '2024-02-29' */
export const date = z
  .union([z.iso.date(), z.date()])
  .refine((v) => !(v instanceof Date) || inTimestampRange(v), 'outside years 1 to 9999')
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .refine((v) => !v.startsWith('0000'), 'year 0 does not exist (1 BC is followed by 1 AD)')

// The largest float4 and the smallest non-zero one: PostgreSQL refuses what rounds past them.
/** @example realInRange(1e39) // false */
export const realInRange = (n: number) => {
  const f = Math.fround(n)
  return Number.isFinite(f) && (f !== 0 || n === 0)
}

/**
 * Where `value` (a JSON value) holds a string or key PostgreSQL's jsonb cannot store: one with
 * NUL (`\u0000`) or an unpaired surrogate. Iterative, so deep nesting cannot overflow the stack.
 */
function unstorableJson(value: unknown): string | undefined {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (!noNul(v)) return 'a string in jsonb cannot contain a NUL (\\u0000) character'
      if (!wellFormed(v)) return 'a string in jsonb cannot contain an unpaired UTF-16 surrogate'
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item)
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        if (!noNul(key)) return 'a key in jsonb cannot contain a NUL (\\u0000) character'
        if (!wellFormed(key)) return 'a key in jsonb cannot contain an unpaired UTF-16 surrogate'
        stack.push(item)
      }
    }
  }
  return undefined
}

// An own "__proto__" key (JSON.parse makes one) would be dropped silently on the way to the
// database: the document would not be stored as given, so it is refused instead.
function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (Array.isArray(v)) stack.push(...v)
    else if (v !== null && typeof v === 'object') {
      if (Object.hasOwn(v, '__proto__')) return true
      stack.push(...Object.values(v))
    }
  }
  return false
}

/**
 * jsonb values: JSON documents PostgreSQL stores as given (no NUL, no unpaired surrogate, no own
 * `__proto__` key), checked by the column's zod schema when it has one.
 * @example jsonb(c.jsonb().config).safeParse({ a: 1 }).success // true
 */
export function jsonb(config: ColumnConfig): z.ZodType {
  const document = (config.jsonSchema ?? z.json()).superRefine((value, ctx) => {
    const message = unstorableJson(value)
    if (message !== undefined) ctx.addIssue({ code: 'custom', message })
  })
  return z
    .any()
    .superRefine((input, ctx) => {
      if (hasProtoKey(input)) {
        ctx.addIssue({
          code: 'custom',
          message: 'a key "__proto__" in jsonb cannot be stored as given',
        })
      }
    })
    .pipe(document)
}

/** Bytes: a `Uint8Array` (a `Buffer` is one). */
export const bytes: z.ZodType<Uint8Array> = z.instanceof(Uint8Array)
/** The values {@link bytes} outputs as given: all it accepts. @example plainBytes(Buffer.from('hi')) // true */
export const plainBytes: PlainValue = (v) => v instanceof Uint8Array

/** inet values: an IPv4 or IPv6 address or network. @example inet.parse('10.0.0.0/8') // '10.0.0.0/8' */
export const inet = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()])
