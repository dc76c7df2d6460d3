import type { z } from 'zod'
import { ColumnBuilder, type ColumnConfig, type ColumnKind } from './column-builder'

/** A JSON value as jsonb stores it. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue }

/**
 * The builder a column factory of {@link column} returns: kind `K`, value type `D`, and whether
 * it is NOT NULL, has a default and is internal (serial ids are all three).
 * @example
 * ```ts
 * c.serial() // ColumnBuilderOf<'serial', number, true, true, true>
 * c.text()   // ColumnBuilderOf<'text', string>
 * ```
 */
export type ColumnBuilderOf<
  K extends ColumnKind,
  D,
  NotNull extends boolean = false,
  HasDefault extends boolean = false,
  Internal extends boolean = false,
> = ColumnBuilder<{
  readonly kind: K
  readonly data: D
  readonly notNull: NotNull
  readonly hasDefault: HasDefault
  readonly internal: Internal
  readonly secret: false
  readonly name: undefined
}>

function make(kind: ColumnKind, patch: Partial<ColumnConfig> = {}): ColumnBuilder<any> {
  return new ColumnBuilder({
    kind,
    notNull: false,
    hasDefault: false,
    primaryKey: false,
    unique: false,
    defaultValue: undefined,
    references: undefined,
    secret: false,
    internal: false,
    name: undefined,
    onUpdateNow: false,
    enumValues: undefined,
    length: undefined,
    precision: undefined,
    scale: undefined,
    mode: undefined,
    jsonSchema: undefined,
    ...patch,
  })
}

/**
 * Column builders, used as `column` or `c`. Columns are nullable unless `notNull()` or
 * `primaryKey()` says otherwise, as in SQL. Values in JavaScript:
 *
 * | builder | PostgreSQL | JavaScript |
 * | --- | --- | --- |
 * | `serial()`, `integer()`, `smallint()` | serial, integer, smallint | `number` |
 * | `bigserial()`, `bigint()` | bigserial, bigint | `bigint` (exact; `{ mode: 'number' }` for `number`, refused past 2^53) |
 * | `numeric(p, s)` | numeric(p,s) | `string` (exact decimal; `{ mode: 'number' }` for `number`) |
 * | `real()`, `doublePrecision()` | real, double precision | `number` |
 * | `boolean()` | boolean | `boolean` |
 * | `text()`, `varchar(n)`, `citext()`, `inet()` | text, varchar(n), citext, inet | `string` |
 * | `bytea()` | bytea | `Uint8Array` (a `Buffer` from the driver) |
 * | `uuid()` | uuid | `string` |
 * | `timestamp()`, `timestamptz()` | timestamp (read as UTC), timestamptz | `Date` |
 * | `date()` | date | `string` (`'YYYY-MM-DD'`) |
 * | `jsonb(schema?)` | jsonb | the schema's output type, else {@link JsonValue} |
 * | `textArray()`, `integerArray()` | text[], integer[] | `string[]`, `number[]` |
 *
 * @example
 * ```ts
 * const users = defineTable('users', {
 *   id: c.serial().primaryKey(),          // "id" serial PRIMARY KEY
 *   email: c.varchar(255).notNull(),      // "email" varchar(255) NOT NULL
 * })
 * ```
 *
 * @namespace
 */
export const column = Object.freeze({
  /** `serial`: an auto-incrementing internal id. NOT NULL, database-supplied, never in a DTO. */
  serial: (): ColumnBuilderOf<'serial', number, true, true, true> =>
    make('serial', { notNull: true, hasDefault: true, internal: true }),
  /** `bigserial`: a 64-bit internal id, as `bigint` (or `number` with `{ mode: 'number' }`). */
  bigserial: <M extends 'bigint' | 'number' = 'bigint'>(
    options: { readonly mode?: M } = {},
  ): ColumnBuilderOf<'bigserial', M extends 'number' ? number : bigint, true, true, true> =>
    make('bigserial', {
      notNull: true,
      hasDefault: true,
      internal: true,
      mode: options.mode ?? 'bigint',
    }),
  /** `integer` (32-bit). */
  integer: (): ColumnBuilderOf<'integer', number> => make('integer'),
  /** `smallint` (16-bit). */
  smallint: (): ColumnBuilderOf<'smallint', number> => make('smallint'),
  /** `bigint` (64-bit), as `bigint` (or `number` with `{ mode: 'number' }`). */
  bigint: <M extends 'bigint' | 'number' = 'bigint'>(
    options: { readonly mode?: M } = {},
  ): ColumnBuilderOf<'bigint', M extends 'number' ? number : bigint> =>
    make('bigint', { mode: options.mode ?? 'bigint' }),
  /** `numeric(precision, scale)`, as an exact decimal `string` (or `number` with `{ mode: 'number' }`). */
  numeric: <M extends 'string' | 'number' = 'string'>(
    precision?: number,
    scale?: number,
    options: { readonly mode?: M } = {},
  ): ColumnBuilderOf<'numeric', M extends 'number' ? number : string> =>
    make('numeric', { precision, scale, mode: options.mode ?? 'string' }),
  /** `real` (single precision). */
  real: (): ColumnBuilderOf<'real', number> => make('real'),
  /** `double precision`. */
  doublePrecision: (): ColumnBuilderOf<'doublePrecision', number> => make('doublePrecision'),
  /** `boolean`. */
  boolean: (): ColumnBuilderOf<'boolean', boolean> => make('boolean'),
  /** `text`. */
  text: (): ColumnBuilderOf<'text', string> => make('text'),
  /** `varchar(length)`: the length is checked in characters, as PostgreSQL counts them. */
  varchar: (length: number): ColumnBuilderOf<'varchar', string> => make('varchar', { length }),
  /**
   * `citext`: text compared without regard to case (PostgreSQL's citext extension, which the DDL
   * creates). Takes like/ilike and enum() as text does.
   */
  citext: (): ColumnBuilderOf<'citext', string> => make('citext'),
  /** `uuid`. */
  uuid: (): ColumnBuilderOf<'uuid', string> => make('uuid'),
  /** `timestamp` (without time zone): the wall clock is UTC, read and written as `Date`. */
  timestamp: (): ColumnBuilderOf<'timestamp', Date> => make('timestamp'),
  /** `timestamptz`. */
  timestamptz: (): ColumnBuilderOf<'timestamptz', Date> => make('timestamptz'),
  /** `date`, as a `'YYYY-MM-DD'` string (a date has no time zone; a `Date` would invent one). */
  date: (): ColumnBuilderOf<'date', string> => make('date'),
  /**
   * `jsonb`, validated by the zod schema when one is given (its output type is the value type).
   * @example analysisResult: c.jsonb(z.object({ score: z.number() }))
   */
  jsonb: <T extends z.ZodType = z.ZodType<JsonValue>>(
    schema?: T,
  ): ColumnBuilderOf<'jsonb', z.output<T>> => make('jsonb', { jsonSchema: schema }),
  /** `inet`: an IPv4 or IPv6 host or network address, as a string. */
  inet: (): ColumnBuilderOf<'inet', string> => make('inet'),
  /**
   * `bytea`: bytes, as a `Uint8Array` (drivers return a `Buffer`, which is one). Where inputs
   * compare them whole (eq, ne, in, notIn, isNull); DTOs write them as base64.
   */
  bytea: (): ColumnBuilderOf<'bytea', Uint8Array> => make('bytea'),
  /** `text[]`. */
  textArray: (): ColumnBuilderOf<'textArray', string[]> => make('textArray'),
  /** `integer[]`. */
  integerArray: (): ColumnBuilderOf<'integerArray', number[]> => make('integerArray'),
})

/** The type of {@link column}. */
export type ColumnFactory = typeof column
