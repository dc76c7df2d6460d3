import type { ColumnKind } from '../schema/column-builder'
import type { Column } from '../schema/define-table'

// The type each value is cast to. Deliberately without typmods: an explicit cast to varchar(n)
// silently truncates, while the assignment into the column raises 22001 like a one-row INSERT.
const CAST_TYPES: Readonly<Record<ColumnKind, string>> = {
  serial: 'integer',
  bigserial: 'bigint',
  integer: 'integer',
  bigint: 'bigint',
  smallint: 'smallint',
  numeric: 'numeric',
  real: 'real',
  doublePrecision: 'double precision',
  boolean: 'boolean',
  text: 'text',
  varchar: 'varchar',
  uuid: 'uuid',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  date: 'date',
  jsonb: 'jsonb',
  inet: 'inet',
  textArray: 'text[]',
  integerArray: 'integer[]',
}

/**
 * The type a column's values are cast to in batch statements: its SQL type without a length or
 * precision (`serial` → `integer`, `varchar(255)` → `varchar`, `numeric(10,2)` → `numeric`).
 *
 * @example
 * ```ts
 * castType(users.id)    // 'integer'
 * castType(users.email) // 'varchar'
 * ```
 */
export function castType(column: Column): string {
  return CAST_TYPES[column.kind]
}

/**
 * True for the array kinds, which travel as `text[]` of array literals in batch statements.
 * @example isArrayKind(everyKind.tags) // true
 */
export const isArrayKind = (column: Column): boolean =>
  column.kind === 'textArray' || column.kind === 'integerArray'

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

// arrayLiteral of the elements' texts, without an array of them in between.
function elementsLiteral(elements: readonly unknown[]): string {
  let out = '{'
  for (let i = 0; i < elements.length; i++) {
    if (i > 0) out += ','
    const element = elements[i]
    out += arrayElement(element === null || element === undefined ? null : String(element))
  }
  return `${out}}`
}

/**
 * One validated value as the text PostgreSQL parses for the column's type, or `null` for SQL
 * NULL (also for `undefined`). Every batch parameter is text, so the statement's casts, not the
 * driver, decide the types: postgres.js would otherwise declare a `Date` as timestamptz and a
 * bigint as int8 from the first array element, and re-serialise strings sent as boolean or jsonb.
 *
 * @example
 * ```ts
 * serializeValue(users.createdAt, new Date(0))         // '1970-01-01T00:00:00.000Z'
 * serializeValue(functions.analysisResult, { score: 1, notes: [] }) // '{"score":1,"notes":[]}'
 * serializeValue(everyKind.tags, ['a', 'b c'])         // '{"a","b c"}'
 * ```
 */
export function serializeValue(column: Column, value: unknown): string | null {
  if (value === null || value === undefined) return null
  switch (column.kind) {
    case 'boolean':
      return value ? 't' : 'f'
    case 'timestamp':
    case 'timestamptz':
      // ISO with Z: an instant for timestamptz, and a UTC wall clock for timestamp (PostgreSQL
      // ignores the zone when reading a timestamp without time zone), whatever the session zone.
      return value instanceof Date ? value.toISOString() : String(value)
    case 'jsonb':
      return JSON.stringify(value)
    case 'real':
    case 'doublePrecision':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'textArray':
    case 'integerArray':
      // Elements are strings or integers (never null: the schema refuses null elements).
      return elementsLiteral(value as readonly unknown[])
    default:
      return String(value)
  }
}
