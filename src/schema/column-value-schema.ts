import { z } from 'zod'
import type { ColumnConfig } from './column-builder'

const INT4 = { min: -2147483648, max: 2147483647 }
const INT2 = { min: -32768, max: 32767 }
const INT8_MIN = -(2n ** 63n)
const INT8_MAX = 2n ** 63n - 1n
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const INTEGER_STRING_RE = /^-?\d+$/
const DECIMAL_RE = /^-?(\d+(\.\d*)?|\.\d+)$/

// PostgreSQL refuses NUL in text; saying so here beats a protocol error later.
const noNul = (s: string) => !s.includes('\u0000')
const NUL_MESSAGE = 'text cannot contain a NUL (\\u0000) character'

function text(config: ColumnConfig): z.ZodType<string> {
  if (config.enumValues !== undefined) {
    return z.enum(config.enumValues as [string, ...string[]])
  }
  const base = z.string().refine(noNul, NUL_MESSAGE)
  const length = config.length
  if (length === undefined) return base
  // PostgreSQL counts characters (code points); JavaScript's length counts UTF-16 units.
  return base.refine(
    (s) => s.length <= length || [...s].length <= length,
    `at most ${length} characters`,
  )
}

const int = (range: { min: number; max: number }) => z.number().int().min(range.min).max(range.max)

const int8 = z
  .union([z.bigint(), z.string().regex(INTEGER_STRING_RE), z.number().int()])
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(INT8_MIN).max(INT8_MAX))

const int8AsNumber = z
  .union([z.number().int(), z.string().regex(INTEGER_STRING_RE), z.bigint()])
  .transform((v) => Number(v))
  .pipe(z.number().int().refine(Number.isSafeInteger, 'beyond ±2^53: use { mode: "bigint" }'))

function numeric(config: ColumnConfig): z.ZodType {
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

/**
 * A timestamp in ISO 8601 or PostgreSQL's text form (`2024-01-02 03:04:05+00`); without an
 * offset, the wall clock is UTC (the package's convention for `timestamp`).
 */
export function parseTimestamp(text: string): Date {
  const iso = text.length === 10 ? `${text}T00:00:00` : text.replace(' ', 'T')
  if (/[zZ]$/.test(iso)) return new Date(iso)
  // JavaScript wants ±hh:mm; PostgreSQL prints ±hh and ±hhmm too.
  const offset = /([+-]\d\d):?(\d\d)?$/.exec(iso.slice(10))
  if (offset === null) return new Date(`${iso}Z`)
  return new Date(`${iso.slice(0, iso.length - offset[0].length)}${offset[1]}:${offset[2] ?? '00'}`)
}

// PostgreSQL's own text form ('2024-01-02 03:04:05.678+00') next to ISO 8601.
const PG_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([+-]\d\d(:?\d\d)?)?$/

const timestamp = z
  .union([
    z.date(),
    z.iso.datetime({ offset: true, local: true }),
    z.iso.date(),
    z.string().regex(PG_TIMESTAMP_RE),
  ])
  .transform((v) => (v instanceof Date ? v : parseTimestamp(v)))
  .refine((d) => !Number.isNaN(d.getTime()), 'invalid date')

// z.iso.date() checks the calendar (no 2024-13-45, no 2023-02-29), as PostgreSQL does.
const date = z
  .union([z.iso.date(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))

const inet = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()])

/**
 * The zod schema of one column's non-null value, built once per column when its table is defined.
 * It accepts what drivers and JSON requests send (an int8 as a string, a timestamp as an ISO
 * string) and outputs the documented JavaScript type.
 */
export function columnValueSchema(config: ColumnConfig): z.ZodType {
  switch (config.kind) {
    case 'serial':
    case 'integer':
      return int(INT4)
    case 'smallint':
      return int(INT2)
    case 'bigserial':
    case 'bigint':
      return config.mode === 'number' ? int8AsNumber : int8
    case 'numeric':
      return numeric(config)
    case 'real':
    case 'doublePrecision':
      return z.number()
    case 'boolean':
      return z.boolean()
    case 'text':
    case 'varchar':
      return text(config)
    case 'uuid':
      return z.string().regex(UUID_RE, 'invalid uuid')
    case 'timestamp':
    case 'timestamptz':
      return timestamp
    case 'date':
      return date
    case 'jsonb':
      return config.jsonSchema ?? z.json()
    case 'inet':
      return inet
    case 'textArray':
      return z.array(z.string().refine(noNul, NUL_MESSAGE))
    case 'integerArray':
      return z.array(int(INT4))
  }
}

/** {@link columnValueSchema}, accepting `null` unless the column is NOT NULL. */
export function columnSchema(config: ColumnConfig): z.ZodType {
  const value = columnValueSchema(config)
  return config.notNull ? value : value.nullable()
}
