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

type Base<
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
 * | `text()`, `varchar(n)`, `inet()` | text, varchar(n), inet | `string` |
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
 */
export const column = Object.freeze({
  /** `serial`: an auto-incrementing internal id. NOT NULL, database-supplied, never in a DTO. */
  serial: (): Base<'serial', number, true, true, true> =>
    make('serial', { notNull: true, hasDefault: true, internal: true }),
  /** `bigserial`: a 64-bit internal id, as `bigint` (or `number` with `{ mode: 'number' }`). */
  bigserial: <M extends 'bigint' | 'number' = 'bigint'>(
    options: { readonly mode?: M } = {},
  ): Base<'bigserial', M extends 'number' ? number : bigint, true, true, true> =>
    make('bigserial', {
      notNull: true,
      hasDefault: true,
      internal: true,
      mode: options.mode ?? 'bigint',
    }),
  /** `integer` (32-bit). */
  integer: (): Base<'integer', number> => make('integer'),
  /** `smallint` (16-bit). */
  smallint: (): Base<'smallint', number> => make('smallint'),
  /** `bigint` (64-bit), as `bigint` (or `number` with `{ mode: 'number' }`). */
  bigint: <M extends 'bigint' | 'number' = 'bigint'>(
    options: { readonly mode?: M } = {},
  ): Base<'bigint', M extends 'number' ? number : bigint> =>
    make('bigint', { mode: options.mode ?? 'bigint' }),
  /** `numeric(precision, scale)`, as an exact decimal `string` (or `number` with `{ mode: 'number' }`). */
  numeric: <M extends 'string' | 'number' = 'string'>(
    precision?: number,
    scale?: number,
    options: { readonly mode?: M } = {},
  ): Base<'numeric', M extends 'number' ? number : string> =>
    make('numeric', { precision, scale, mode: options.mode ?? 'string' }),
  /** `real` (single precision). */
  real: (): Base<'real', number> => make('real'),
  /** `double precision`. */
  doublePrecision: (): Base<'doublePrecision', number> => make('doublePrecision'),
  /** `boolean`. */
  boolean: (): Base<'boolean', boolean> => make('boolean'),
  /** `text`. */
  text: (): Base<'text', string> => make('text'),
  /** `varchar(length)`: the length is checked in characters, as PostgreSQL counts them. */
  varchar: (length: number): Base<'varchar', string> => make('varchar', { length }),
  /** `uuid`. */
  uuid: (): Base<'uuid', string> => make('uuid'),
  /** `timestamp` (without time zone): the wall clock is UTC, read and written as `Date`. */
  timestamp: (): Base<'timestamp', Date> => make('timestamp'),
  /** `timestamptz`. */
  timestamptz: (): Base<'timestamptz', Date> => make('timestamptz'),
  /** `date`, as a `'YYYY-MM-DD'` string (a date has no time zone; a `Date` would invent one). */
  date: (): Base<'date', string> => make('date'),
  /**
   * `jsonb`, validated by the zod schema when one is given (its output type is the value type).
   * @example analysisResult: c.jsonb(z.object({ score: z.number() }))
   */
  jsonb: <T extends z.ZodType = z.ZodType<JsonValue>>(schema?: T): Base<'jsonb', z.output<T>> =>
    make('jsonb', { jsonSchema: schema }),
  /** `inet`: an IPv4 or IPv6 host or network address, as a string. */
  inet: (): Base<'inet', string> => make('inet'),
  /** `text[]`. */
  textArray: (): Base<'textArray', string[]> => make('textArray'),
  /** `integer[]`. */
  integerArray: (): Base<'integerArray', number[]> => make('integerArray'),
})

/** The type of {@link column}. */
export type ColumnFactory = typeof column
