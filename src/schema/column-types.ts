// What each column kind means, in one place: every facet of a kind, from its DDL type to its JSON
// output. The rest of the package asks this registry and never switches on a kind; adding a kind
// is one entry here (the compiler refuses an entry that lacks a facet, or a kind without an
// entry), its name in `ColumnKind` and its factory in `column` (columns.ts).
import { z } from 'zod'
import {
  bigintToJson,
  bytesToJson,
  type ColumnConverter,
  dateToJson,
  finiteOrNull,
} from '../values/json-values'
import {
  type Decode,
  toBigInt,
  toDate,
  toDateString,
  toNumber,
  toNumericString,
} from '../values/row-values'
import {
  arrayText,
  booleanText,
  bytesText,
  canonicalDecimal,
  floatText,
  jsonText,
  lowerCase,
  plainText,
  timestampText,
} from '../values/sql-text'
import type { ColumnConfig, ColumnKind } from './column-config'
import {
  bytes,
  date,
  INT2,
  INT4,
  inet,
  int,
  int8,
  int8AsNumber,
  jsonb,
  numeric,
  type PlainValue,
  plainBytes,
  plainInt,
  plainInt8,
  plainInt8AsNumber,
  plainString,
  plainTimestamp,
  realInRange,
  storableString,
  text,
  timestamp,
  UUID_RE,
} from './column-value-schema'

/**
 * Which where operators a kind takes, and how its values are written in a where input:
 * - `ordered`: a value, a list, `eq`/`ne`, `gt`/`gte`/`lt`/`lte`, `in`/`notIn`, `isNull`
 * - `text`: `ordered` and `like`/`ilike`
 * - `equality`: `ordered` without the range operators
 * - `array`: an array is a value; `eq`/`ne`, `contains` (`@>`), `isNull`
 * - `document` (jsonb): scalars as values, documents only through `eq`/`ne`, `in`/`notIn`,
 *   `contains` (`@>`), `isNull`
 */
export type WhereFamily = 'ordered' | 'text' | 'equality' | 'array' | 'document'

/**
 * How a literal default written in a definition compares with the one the catalog prints, in the
 * drift check: as an SQL expression, as JSON, or as a point in time (with or without a zone).
 */
export type DefaultComparison = 'expression' | 'json' | 'instant' | 'wallClock'

/** What `now` means for a kind: `defaultNow()` (both), `onUpdateNow()` and `softDelete` (instant). */
export type Clock = 'instant' | 'day' | 'none'

/** Every facet of one column kind. */
export interface ColumnType {
  /** The PostgreSQL type as DDL writes it, e.g. `varchar(255)`. */
  readonly sqlType: (config: ColumnConfig) => string
  /** The type batch statements cast a text parameter to: no length or precision, which would truncate. */
  readonly castType: string
  /** The zod schema of one non-null value: what requests and drivers send, to the documented type. */
  readonly valueSchema: (config: ColumnConfig) => z.ZodType
  /**
   * A cheap test of a non-null value that promises its `valueSchema` accepts it and outputs it
   * unchanged: rows whose every value passes skip zod on insert (`plainInsert`). `undefined` for
   * kinds whose schema transforms what it accepts or is not mirrored (numeric, date, inet, jsonb,
   * arrays): their values always go through the schema.
   */
  readonly plainValue: (config: ColumnConfig) => PlainValue | undefined
  /** What a value must be, for error messages: `'an integer'`. */
  readonly expected: string
  /** Which where operators the kind takes. */
  readonly where: WhereFamily
  /** A list parameter (`= any($1)`): how each element is sent, and the cast the SQL adds. */
  readonly list: { readonly element: (value: unknown) => unknown; readonly cast: string }
  /** A parameter of hand-written SQL: how the value is sent, and the cast its placeholder adds. */
  readonly parameter: { readonly encode: (value: unknown) => unknown; readonly cast: string }
  /** Normalises a value as drivers return it; `undefined` when they all return the documented type. */
  readonly decode: (config: ColumnConfig) => Decode | undefined
  /** The value as the text PostgreSQL parses for the type (batch statements send text). */
  readonly text: (value: unknown) => string
  /**
   * Whether its `text` never holds a backslash, tab, newline or carriage return (digits, dates,
   * addresses), so COPY's text format takes it without escaping.
   */
  readonly copyPlain: boolean
  /** The value's JSON form in a DTO; `undefined` when it already is JSON. */
  readonly json: (config: ColumnConfig) => ColumnConverter | undefined
  /**
   * Whether PostgreSQL holds more than the JavaScript value does (a timestamp's microseconds): a
   * keyset cursor then carries the value as PostgreSQL's own text, and binds it as it is.
   */
  readonly exactText: boolean
  /** The text of a key value written one way, as PostgreSQL compares it (upsert's conflict keys). */
  readonly keyText: (text: string) => string
  /** The PostgreSQL extension that provides the type (`CREATE EXTENSION` in the DDL), if any. */
  readonly extension: string | undefined
  /** What is wrong with a column's length, precision or scale, or `undefined`. */
  readonly configProblem: (config: ColumnConfig) => string | undefined
  /** A literal default in DDL, when the kind needs more than an SQL literal (jsonb's cast). */
  readonly defaultSql: ((value: unknown, literal: (text: string) => string) => string) | undefined
  /** How the drift check compares a literal default. */
  readonly defaultComparison: DefaultComparison
  /** Whether the database numbers it from a sequence (serial, bigserial). */
  readonly serial: boolean
  /** Whether a foreign key of this kind points at an internal id (integers). */
  readonly integerKey: boolean
  /** What `now` means for it. */
  readonly clock: Clock
}

const asIs = (value: unknown): unknown => value
const noParameter = { encode: asIs, cast: '' } as const
// postgres.js types an array parameter by its first element (int8 for a bigint, timestamptz for a
// Date) and then serialises the whole array as that scalar, which PostgreSQL refuses: elements go
// as the text PostgreSQL parses back exactly.
const listText = (value: unknown): unknown =>
  typeof value === 'bigint' ? String(value) : value instanceof Date ? value.toISOString() : value
const plainList = { element: listText, cast: '' } as const
const none = () => undefined
const name = (sql: string) => () => sql
const byMode =
  <T>(ifNumber: T, otherwise: T) =>
  (config: ColumnConfig): T =>
    config.mode === 'number' ? ifNumber : otherwise

/** The facets most kinds share; an entry spells out where it differs. */
const scalar = {
  where: 'ordered',
  list: plainList,
  parameter: noParameter,
  plainValue: none,
  decode: none,
  text: plainText,
  copyPlain: false,
  json: none,
  exactText: false,
  keyText: (text: string) => text,
  configProblem: none,
  extension: undefined,
  defaultSql: undefined,
  defaultComparison: 'expression',
  serial: false,
  integerKey: false,
  clock: 'none',
} as const satisfies Partial<ColumnType>

const INTEGER = 'an integer'

/** 64-bit integers: `bigint`, or `number` with `{ mode: 'number' }`. */
const int8Type = {
  ...scalar,
  copyPlain: true,
  castType: 'bigint',
  valueSchema: byMode<z.ZodType>(int8AsNumber, int8),
  plainValue: byMode<PlainValue | undefined>(plainInt8AsNumber, plainInt8),
  expected: 'an integer (a number, a bigint or a string of digits)',
  decode: byMode<Decode>(toNumber, toBigInt),
  json: byMode<ColumnConverter | undefined>(undefined, bigintToJson),
} as const

/** Points in time, as `Date`; PostgreSQL keeps microseconds, which cursors carry as its text. */
const timeType = {
  ...scalar,
  copyPlain: true,
  valueSchema: () => timestamp,
  plainValue: () => plainTimestamp,
  expected: 'a Date or an ISO 8601 timestamp string',
  decode: () => toDate,
  text: timestampText,
  json: () => dateToJson,
  exactText: true,
  clock: 'instant',
} as const

/** Arrays: a JavaScript array is one value; they travel in batches as array literals. */
const arrayType = { ...scalar, where: 'array', text: arrayText } as const

/**
 * The registry: every column kind and all it means. Frozen.
 *
 * @example
 * ```ts
 * COLUMN_TYPES.varchar.sqlType(users.email.config) // 'varchar(255)'
 * COLUMN_TYPES.boolean.list.cast                   // '::text[]::boolean[]'
 * ```
 */
export const COLUMN_TYPES = Object.freeze({
  serial: {
    ...scalar,
    copyPlain: true,
    sqlType: name('serial'),
    castType: 'integer',
    valueSchema: () => int(INT4),
    plainValue: () => plainInt(INT4),
    expected: INTEGER,
    serial: true,
  },
  bigserial: { ...int8Type, sqlType: name('bigserial'), serial: true },
  integer: {
    ...scalar,
    copyPlain: true,
    sqlType: name('integer'),
    castType: 'integer',
    valueSchema: () => int(INT4),
    plainValue: () => plainInt(INT4),
    expected: INTEGER,
    integerKey: true,
  },
  bigint: { ...int8Type, sqlType: name('bigint'), integerKey: true },
  smallint: {
    ...scalar,
    copyPlain: true,
    sqlType: name('smallint'),
    castType: 'smallint',
    valueSchema: () => int(INT2),
    plainValue: () => plainInt(INT2),
    expected: INTEGER,
    integerKey: true,
  },
  numeric: {
    ...scalar,
    copyPlain: true,
    sqlType: ({ precision, scale }) =>
      precision === undefined
        ? 'numeric'
        : scale === undefined
          ? `numeric(${precision})`
          : `numeric(${precision},${scale})`,
    castType: 'numeric',
    configProblem: ({ precision: p, scale: s }) =>
      p === undefined
        ? undefined
        : !Number.isInteger(p) || p < 1 || p > 1000
          ? 'numeric precision must be 1..1000'
          : s !== undefined && (!Number.isInteger(s) || s < 0 || s > p)
            ? 'numeric scale must be 0..precision'
            : undefined,
    keyText: canonicalDecimal,
    valueSchema: numeric,
    expected: 'a decimal number (a number or a string)',
    decode: byMode<Decode>(toNumber, toNumericString),
    json: byMode<ColumnConverter | undefined>(finiteOrNull, undefined),
  },
  real: {
    ...scalar,
    copyPlain: true,
    sqlType: name('real'),
    castType: 'real',
    valueSchema: () => z.number().refine(realInRange, 'out of range for real (float4)'),
    plainValue: () => (v) => typeof v === 'number' && realInRange(v),
    expected: 'a number',
    text: floatText,
    json: () => finiteOrNull,
  },
  doublePrecision: {
    ...scalar,
    copyPlain: true,
    sqlType: name('double precision'),
    castType: 'double precision',
    valueSchema: () => z.number(),
    plainValue: () => (v) => typeof v === 'number' && Number.isFinite(v),
    expected: 'a number',
    text: floatText,
    json: () => finiteOrNull,
  },
  boolean: {
    ...scalar,
    copyPlain: true,
    sqlType: name('boolean'),
    castType: 'boolean',
    valueSchema: () => z.boolean(),
    plainValue: () => (v) => typeof v === 'boolean',
    expected: 'a boolean',
    list: { element: String, cast: '::text[]::boolean[]' },
    text: booleanText,
  },
  text: {
    ...scalar,
    sqlType: name('text'),
    castType: 'text',
    valueSchema: text,
    plainValue: plainString,
    expected: 'a string',
    where: 'text',
  },
  varchar: {
    ...scalar,
    sqlType: ({ length }) => `varchar(${length})`,
    configProblem: ({ length: n }) =>
      n === undefined || !Number.isInteger(n) || n < 1 || n > 10485760
        ? `varchar length must be an integer from 1 to 10485760, got ${String(n)}`
        : undefined,
    castType: 'varchar',
    valueSchema: text,
    plainValue: plainString,
    expected: 'a string',
    where: 'text',
  },
  // Case-insensitive text (the citext extension): keys that differ only in case are one key.
  citext: {
    ...scalar,
    sqlType: name('citext'),
    castType: 'citext',
    valueSchema: text,
    plainValue: plainString,
    expected: 'a string',
    where: 'text',
    keyText: lowerCase,
    extension: 'citext',
  },
  uuid: {
    ...scalar,
    copyPlain: true,
    sqlType: name('uuid'),
    castType: 'uuid',
    valueSchema: () => z.string().regex(UUID_RE, 'invalid uuid'),
    plainValue: () => (v) => typeof v === 'string' && UUID_RE.test(v),
    expected: 'a uuid string',
    keyText: lowerCase,
  },
  // Without a time zone, the wall clock is UTC: a default literal compares as that wall clock.
  timestamp: {
    ...timeType,
    sqlType: name('timestamp'),
    castType: 'timestamp',
    defaultComparison: 'wallClock',
  },
  timestamptz: {
    ...timeType,
    sqlType: name('timestamptz'),
    castType: 'timestamptz',
    defaultComparison: 'instant',
  },
  date: {
    ...scalar,
    copyPlain: true,
    sqlType: name('date'),
    castType: 'date',
    valueSchema: () => date,
    expected: "a 'YYYY-MM-DD' string or a Date",
    decode: () => toDateString,
    clock: 'day',
  },
  jsonb: {
    ...scalar,
    sqlType: name('jsonb'),
    castType: 'jsonb',
    valueSchema: jsonb,
    expected: 'a JSON value',
    where: 'document',
    list: { element: jsonText, cast: '::text[]::jsonb[]' },
    // postgres.js types a parameter from its JavaScript value (`true` as boolean, an array as a
    // PostgreSQL array) or from the server's description (stringifying a string again).
    parameter: { encode: jsonText, cast: '::text::jsonb' },
    text: jsonText,
    defaultSql: (value, literal) => `${literal(JSON.stringify(value))}::jsonb`,
    defaultComparison: 'json',
  },
  inet: {
    ...scalar,
    copyPlain: true,
    sqlType: name('inet'),
    castType: 'inet',
    valueSchema: () => inet,
    expected: 'an IP address string',
  },
  // Bytes: compared whole (no ranges or patterns), sent as PostgreSQL's hex text where a text
  // is sent, written in DTOs as base64.
  bytea: {
    ...scalar,
    sqlType: name('bytea'),
    castType: 'bytea',
    valueSchema: () => bytes,
    plainValue: () => plainBytes,
    expected: 'a Uint8Array (or Buffer)',
    where: 'equality',
    list: { element: bytesText, cast: '::text[]::bytea[]' },
    parameter: { encode: bytesText, cast: '::text::bytea' },
    text: bytesText,
    json: () => bytesToJson,
    defaultSql: (value, literal) => `${literal(bytesText(value))}::bytea`,
  },
  textArray: {
    ...arrayType,
    sqlType: name('text[]'),
    castType: 'text[]',
    valueSchema: () => z.array(storableString()),
    expected: 'an array of strings',
  },
  integerArray: {
    ...arrayType,
    sqlType: name('integer[]'),
    castType: 'integer[]',
    valueSchema: () => z.array(int(INT4)),
    expected: 'an array of integers',
  },
} as const satisfies { readonly [K in ColumnKind]: ColumnType })

/** The registry's type: each kind's facets with their literal values. */
export type ColumnTypes = typeof COLUMN_TYPES

/**
 * The kinds whose facet `F` is `V`, at the type level: the builder's modifiers and the where
 * input's operators are typed from the registry, not from lists of their own.
 * @example
 * ```ts
 * type Keys = KindsWith<'integerKey', true> // 'integer' | 'bigint' | 'smallint'
 * ```
 */
export type KindsWith<F extends keyof ColumnType, V> = {
  [K in ColumnKind]: ColumnTypes[K][F] extends V ? K : never
}[ColumnKind]

/** Integer kinds: a foreign key of one of these points at an internal id. */
export type IntegerKind = KindsWith<'integerKey', true>

/**
 * The registry entry of a kind.
 * @example columnType('jsonb').parameter.cast // '::text::jsonb'
 */
export const columnType = (kind: ColumnKind): ColumnType => COLUMN_TYPES[kind]

/**
 * The zod schema of one column's non-null value, built once per column when its table is defined.
 * It accepts what drivers and JSON requests send (an int8 as a string, a timestamp as an ISO
 * string) and outputs the documented JavaScript type.
 * @example columnValueSchema(c.integer().config).parse(1) // 1
 */
export function columnValueSchema(config: ColumnConfig): z.ZodType {
  return COLUMN_TYPES[config.kind].valueSchema(config)
}

/**
 * {@link columnValueSchema}, accepting `null` unless the column is NOT NULL.
 * @example columnSchema(c.integer().config).parse(null) // null
 */
export function columnSchema(config: ColumnConfig): z.ZodType {
  const value = columnValueSchema(config)
  return config.notNull ? value : value.nullable()
}
