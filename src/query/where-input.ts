import { type RawBuilder, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { ColumnKind, ColumnState, StateOf } from '../schema/column-builder'
import { columnValueSchema } from '../schema/column-value-schema'
import type { JsonValue } from '../schema/columns'
import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'
import type { ColumnsOf, PropertyOf } from '../schema/table-types'
import { jsonSizeProblem } from './bindable'
import { describe } from './query-options'

/** Deepest nesting of where objects (`and` / `or` / `not`) accepted; the top object is level 1. */
export const MAX_WHERE_DEPTH = 16

/** Most keys and operators accepted in one where input, counted over all its levels. */
export const MAX_WHERE_CONDITIONS = 1000

/** Longest list accepted (`in`, `notIn`, a plain array, an array column's value). */
export const MAX_WHERE_LIST = 100_000

type TextKind = 'text' | 'varchar'
type ArrayKind = 'textArray' | 'integerArray'

/** `=`, `<>` and null tests: every column takes them. */
export interface EqualityOperators<V, N> {
  /** `= $1`; `null` gives `is null`. */
  readonly eq?: V | N
  /** `<> $1` (SQL semantics: rows where the column is NULL do not match); `null` gives `is not null`. */
  readonly ne?: V | N
  /** `true`: `is null`; `false`: `is not null`. */
  readonly isNull?: boolean
}

/** `>`, `>=`, `<`, `<=`: scalar columns (not jsonb, not arrays). */
export interface RangeOperators<V> {
  readonly gt?: V
  readonly gte?: V
  readonly lt?: V
  readonly lte?: V
}

/** `= any($1)` / `<> all($1)` with the whole non-empty list as one parameter. */
export interface ListOperators<V> {
  readonly in?: readonly V[]
  readonly notIn?: readonly V[]
}

/** `like` / `ilike`: text and varchar columns; the pattern (with `%` and `_`) is a bound value. */
export interface PatternOperators {
  readonly like?: string
  readonly ilike?: string
}

/** `@>`: a jsonb document, or an array column, contains the value. */
export interface ContainsOperator<V> {
  readonly contains?: V
}

type Nullable<S extends ColumnState> = S['notNull'] extends true ? never : null
type Data<S extends ColumnState> = NonNullable<S['data']>

/** The operator object of a column with state `S`: which operators exist depends on its kind. */
export type ColumnOperators<S extends ColumnState> = S['kind'] extends 'jsonb'
  ? EqualityOperators<Data<S>, Nullable<S>> & ListOperators<Data<S>> & ContainsOperator<JsonValue>
  : S['kind'] extends ArrayKind
    ? EqualityOperators<Data<S>, Nullable<S>> & ContainsOperator<Data<S>>
    : EqualityOperators<Data<S>, Nullable<S>> &
        RangeOperators<Data<S>> &
        ListOperators<Data<S>> &
        (S['kind'] extends TextKind ? PatternOperators : {})

/**
 * What a where input accepts for one column with state `S`: a value (equality), `null`
 * (`is null`, nullable columns only), a list (`= any`, not for jsonb or array columns, whose plain
 * arrays are values), or an operator object. A jsonb column takes scalars directly, documents only
 * through `eq` or `contains`.
 */
export type ColumnWhere<S extends ColumnState> = S['kind'] extends 'jsonb'
  ? Exclude<Data<S>, object> | Nullable<S> | ColumnOperators<S>
  : S['kind'] extends ArrayKind
    ? Data<S> | Nullable<S> | ColumnOperators<S>
    : Data<S> | Nullable<S> | readonly Data<S>[] | ColumnOperators<S>

/**
 * A typed filter on table `T`, keyed by entity property names; all keys of one object are AND-ed,
 * and `and`, `or`, `not` nest.
 *
 * @example
 * ```ts
 * const where: WhereInput<typeof functions> = {
 *   status: ['active', 'building'],
 *   createdAt: { gte: new Date('2024-01-01') },
 *   or: [{ name: { ilike: 'api%' } }, { analysisResult: { contains: { score: 1 } } }],
 * }
 * // ("status" = any($1) and "created_at" >= $2
 * //   and ("name" ilike $3 or "analysis_result" @> $4::text::jsonb))
 * ```
 */
export type WhereInput<T extends AnyTable> = {
  readonly [K in PropertyOf<T>]?: ColumnWhere<StateOf<ColumnsOf<T>[K]>>
} & {
  /** Every element must match (non-empty). */
  readonly and?: readonly WhereInput<T>[]
  /** At least one element must match (non-empty). */
  readonly or?: readonly WhereInput<T>[]
  /** The nested input must not match. */
  readonly not?: WhereInput<T>
}

/**
 * The explicit "every row" of updates and deletes, accepted by {@link compileWhere} only with
 * `allowAll`.
 *
 * @example
 * ```ts
 * compileWhere(functions, { all: true }, { allowAll: true }) // undefined: no WHERE
 * ```
 */
export interface WhereAll {
  readonly all: true
}

/** A compiled where input. */
export interface WhereClause {
  /** For `.where(clause.expression)` on a Kysely query; a RawBuilder<SqlBool> made with Kysely's `sql` template. */
  readonly expression: RawBuilder<SqlBool>
  /**
   * Identifies the clause's shape (keys, operators, null-ness, which values are lists) without
   * values: the SQL text with `?` for each value. Equal shapes give equal SQL text.
   */
  readonly shape: string
  /** The bound values in the order the compiled SQL numbers them ($1, $2, ...). */
  readonly values: readonly unknown[]
}

/** Options of {@link compileWhere}. */
export interface CompileWhereOptions {
  /** Prefix of error paths. Default `'where'`. */
  readonly path?: string
  /** A table alias (an identifier) qualifying every column: `"f"."user_id"`. Default none. */
  readonly qualifier?: string
  /** Accept `{ all: true }`, meaning "no condition" (updates and deletes opt in with it). */
  readonly allowAll?: boolean
  /**
   * Treat secret and internal columns (password hashes, integer ids) as unknown, so that input
   * from outside cannot filter on them, e.g. guess a hash one `like` at a time. Default false.
   */
  readonly publicOnly?: boolean
}

/**
 * True when `input` sets no condition: `undefined`, or an object without keys (`{}`).
 * {@link compileWhere} returns `undefined` for both; updates and deletes refuse them, so that a
 * forgotten filter does not touch every row (`{ all: true }` says so explicitly).
 *
 * @example
 * ```ts
 * isEmptyWhere({})                 // true
 * isEmptyWhere(undefined)          // true
 * isEmptyWhere({ status: 'x' })    // false
 * isEmptyWhere({ all: true })      // false
 * ```
 */
export function isEmptyWhere(input: unknown): boolean {
  return input === undefined || (isPlainObject(input) && Reflect.ownKeys(input).length === 0)
}

/**
 * Compiles a where input, trusted or straight from JSON, into a Kysely SQL expression: every
 * value a bind parameter, every identifier a quoted column name of the definition. Everything is
 * checked before anything is sent; a problem throws {@link InvalidQueryError} whose `path` points
 * at it (`where.or[1].createdAt.gt`) and whose message never repeats a value.
 *
 * - a value: `= $1` (validated and normalised by the column's schema: an ISO string becomes a
 *   `Date`, `'123'` becomes `123n` for a bigint); `null`: `is null`.
 * - a list: `= any($1)`, the whole list as one parameter, whatever its length. For `text[]` and
 *   `integer[]` columns an array is a value (`= $1`).
 * - operators, AND-ed in this order: `eq`, `ne` (`<>`: NULL rows do not match), `gt`, `gte`, `lt`,
 *   `lte`, `in`, `notIn` (`<> all($1)`), `like`, `ilike` (text and varchar), `isNull`, `contains`
 *   (jsonb and array columns: `@>`).
 * - `and: [...]`, `or: [...]`, `not: {...}` nest. Keys are AND-ed in definition order, then `and`,
 *   `or`, `not`, so the SQL does not depend on key order.
 *
 * Returns `undefined` for no condition: `undefined`, `{}` (see {@link isEmptyWhere}) or, with
 * `allowAll`, `{ all: true }`.
 *
 * Lists of bigints and Dates are bound as their text (`'123'`, ISO 8601), and lists of booleans
 * and jsonb values as text arrays cast in SQL, because postgres.js guesses the type of an array
 * parameter from its first element and would send such lists as scalars. jsonb values are bound
 * as JSON text (`$1::text::jsonb`) for the same reason.
 *
 * @example
 * ```ts
 * const clause = compileWhere(functions, {
 *   status: 'active',
 *   userId: [1, 2, 3],
 *   createdAt: { gte: '2024-01-01T00:00:00Z' },
 *   not: { name: { like: 'tmp-%' } },
 * }, { qualifier: 'f' })
 * await db.kysely.selectFrom('functions as f').selectAll().where(clause!.expression).execute()
 * // select * from "functions" as "f" where ("f"."user_id" = any($1) and "f"."status" = $2
 * //   and "f"."created_at" >= $3 and not ("f"."name" like $4))
 * // clause.values: [[1, 2, 3], 'active', new Date('2024-01-01T00:00:00Z'), 'tmp-%']
 * ```
 */
export function compileWhere(
  table: AnyTable,
  input: unknown,
  options: CompileWhereOptions = {},
): WhereClause | undefined {
  const path = options.path ?? 'where'
  if (input === undefined) return undefined
  const entries = ownEntries(input, path)
  if (entries.length === 0) return undefined
  const all = entries.find(([key]) => key === 'all')
  if (all !== undefined && options.allowAll === true) {
    if (all[1] !== true) {
      throw new InvalidQueryError(`${path}.all`, `expected true, got ${describe(all[1])}`)
    }
    if (entries.length > 1) {
      throw new InvalidQueryError(`${path}.all`, 'all: true cannot be combined with conditions')
    }
    return undefined
  }
  const compiler = new WhereCompiler(table, qualifierOf(options.qualifier), options.publicOnly)
  const { parts, values } = joinAnd(compiler.terms(entries, path, 1))
  // The sql tag called as a function: the fragments are the SQL text, the values its parameters.
  const expression = sql<SqlBool>(
    Object.assign([...parts], { raw: [...parts] }) as TemplateStringsArray,
    ...values,
  )
  return Object.freeze({ expression, shape: parts.join('?'), values: Object.freeze([...values]) })
}

/** SQL text around its values: `parts.length === values.length + 1`. */
interface Fragment {
  readonly parts: readonly string[]
  readonly values: readonly unknown[]
  /** The whole text is one parenthesised group: `(a and b)`. */
  readonly wrapped: boolean
}

/** Concatenates text and fragments. */
function fragment(...items: readonly (string | Fragment)[]): Fragment {
  const parts: string[] = []
  const values: unknown[] = []
  let tail = ''
  for (const item of items) {
    if (typeof item === 'string') {
      tail += item
      continue
    }
    item.parts.forEach((part, i) => {
      if (i === 0) {
        tail += part
      } else {
        parts.push(tail)
        tail = part
      }
    })
    values.push(...item.values)
  }
  parts.push(tail)
  return { parts, values, wrapped: false }
}

/** One bound value. */
function param(value: unknown): Fragment {
  return { parts: ['', ''], values: [value], wrapped: false }
}

/** The terms joined by `and` or `or`, parenthesised when there are several. */
function join(terms: readonly Fragment[], separator: string): Fragment {
  if (terms.length === 1) return terms[0]!
  const items: (string | Fragment)[] = ['(']
  terms.forEach((term, i) => {
    if (i > 0) items.push(separator)
    items.push(term)
  })
  items.push(')')
  return { ...fragment(...items), wrapped: true }
}

const joinAnd = (terms: readonly Fragment[]) => join(terms, ' and ')

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
// Keys shown in error paths: identifiers only, so a path never carries arbitrary input.
const SHOWN_KEY_RE = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/

function qualifierOf(qualifier: string | undefined): string {
  if (qualifier === undefined) return ''
  if (typeof qualifier !== 'string' || !IDENTIFIER_RE.test(qualifier) || qualifier.length > 63) {
    throw new InvalidQueryError('qualifier', 'expected a table alias: an identifier')
  }
  return `${quoteIdentifier(qualifier)}.`
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** `path` extended by a key: `.name` for an identifier, else its position (`[#2]`). */
function keyPath(path: string, key: string, index: number): string {
  return SHOWN_KEY_RE.test(key) ? `${path}.${key}` : `${path}[#${index}]`
}

/**
 * The own properties of a plain object, read once through their descriptors (no getter runs, no
 * prototype is consulted; `__proto__` from `JSON.parse` is an ordinary key here).
 */
function ownEntries(value: unknown, path: string): readonly (readonly [string, unknown])[] {
  if (!isPlainObject(value)) {
    throw new InvalidQueryError(path, `expected a plain object, got ${describe(value)}`)
  }
  const keys = Reflect.ownKeys(value)
  if (keys.length > MAX_WHERE_CONDITIONS) {
    throw new InvalidQueryError(path, `more than ${MAX_WHERE_CONDITIONS} keys`)
  }
  return keys.map((key, i) => {
    if (typeof key === 'symbol') {
      throw new InvalidQueryError(`${path}[#${i}]`, 'symbol keys are not accepted')
    }
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!
    if (!descriptor.enumerable || !('value' in descriptor)) {
      throw new InvalidQueryError(
        keyPath(path, key, i),
        'only enumerable data properties are accepted',
      )
    }
    return [key, descriptor.value] as const
  })
}

type Operator = (typeof OPERATORS)[number]
// The order in which operators are AND-ed, whatever the order of the input's keys.
const OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'like',
  'ilike',
  'isNull',
  'contains',
] as const
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS)
const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const
const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set(['text', 'varchar'])
const ARRAY_KINDS: ReadonlySet<ColumnKind> = new Set(['textArray', 'integerArray'])
// Lists bound as text arrays, cast back in SQL (see listElement).
const LIST_CASTS: Partial<Record<ColumnKind, string>> = {
  boolean: '::text[]::boolean[]',
  jsonb: '::text[]::jsonb[]',
}
const NUL_MESSAGE = 'text cannot contain a NUL (\\u0000) character'

/** What a value of each kind must be, for error messages. */
const EXPECTED: Readonly<Record<ColumnKind, string>> = {
  serial: 'an integer',
  integer: 'an integer',
  smallint: 'an integer',
  bigserial: 'an integer (a number, a bigint or a string of digits)',
  bigint: 'an integer (a number, a bigint or a string of digits)',
  numeric: 'a decimal number (a number or a string)',
  real: 'a number',
  doublePrecision: 'a number',
  boolean: 'a boolean',
  text: 'a string',
  varchar: 'a string',
  uuid: 'a uuid string',
  timestamp: 'a Date or an ISO 8601 timestamp string',
  timestamptz: 'a Date or an ISO 8601 timestamp string',
  date: "a 'YYYY-MM-DD' string or a Date",
  jsonb: 'a JSON value',
  inet: 'an IP address string',
  textArray: 'an array of strings',
  integerArray: 'an array of integers',
}

const schemas = new WeakMap<Column, z.ZodType>()
const jsonSchema = z.json()

function valueSchema(column: Column): z.ZodType {
  let schema = schemas.get(column)
  if (schema === undefined) {
    schema = columnValueSchema(column.config)
    schemas.set(column, schema)
  }
  return schema
}

/** A zod issue's path inside a value, when it names only identifiers and indexes. */
function issueAt(path: readonly PropertyKey[]): string {
  if (path.length === 0) return ''
  const shown = path.map((p) =>
    typeof p === 'number' ? `[${p}]` : typeof p === 'string' && SHOWN_KEY_RE.test(p) ? `.${p}` : '',
  )
  return shown.includes('') ? ' (inside the value)' : ` at ${shown.join('').replace(/^\./, '')}`
}

/** Refuses jsonb values too deep or too big to validate without exhausting the stack. */
function checkJsonSize(value: unknown, path: string): void {
  const problem = jsonSizeProblem(value)
  if (problem !== undefined) throw new InvalidQueryError(path, problem)
}

/**
 * An element of a list parameter as sent. postgres.js types an array parameter by its first
 * element (int8 for a bigint, timestamptz for a Date, bool for a boolean) and then serialises the
 * whole array as that scalar, which PostgreSQL refuses; text it parses back exactly avoids that.
 */
function listElement(kind: ColumnKind, value: unknown): unknown {
  if (typeof value === 'bigint') return String(value)
  if (value instanceof Date) return value.toISOString()
  if (kind === 'jsonb') return JSON.stringify(value)
  if (kind === 'boolean') return String(value)
  return value
}

class WhereCompiler {
  readonly #table: AnyTable
  readonly #qualifier: string
  readonly #publicOnly: boolean
  #conditions = 0

  constructor(table: AnyTable, qualifier: string, publicOnly = false) {
    this.#table = table
    this.#qualifier = qualifier
    this.#publicOnly = publicOnly
  }

  #count(path: string): void {
    if (++this.#conditions > MAX_WHERE_CONDITIONS) {
      throw new InvalidQueryError(path, `more than ${MAX_WHERE_CONDITIONS} conditions in all`)
    }
  }

  /** The AND-ed terms of one where object, in a fixed order. */
  terms(entries: readonly (readonly [string, unknown])[], path: string, depth: number): Fragment[] {
    if (depth > MAX_WHERE_DEPTH) {
      throw new InvalidQueryError(path, `nested deeper than ${MAX_WHERE_DEPTH} levels`)
    }
    if (entries.length === 0) {
      throw new InvalidQueryError(path, 'expected at least one condition')
    }
    const byColumn = new Map<Column, Fragment[]>()
    const nested = new Map<'and' | 'or' | 'not', Fragment[]>()
    entries.forEach(([key, value], i) => {
      const at = keyPath(path, key, i)
      this.#count(at)
      if (key === 'and' || key === 'or') {
        nested.set(key, this.#list(key, value, at, depth))
        return
      }
      if (key === 'not') {
        const inner = joinAnd(this.terms(ownEntries(value, at), at, depth + 1))
        nested.set('not', [inner.wrapped ? fragment('not ', inner) : fragment('not (', inner, ')')])
        return
      }
      if (key === 'all') {
        throw new InvalidQueryError(at, 'all: true is only accepted alone, by updates and deletes')
      }
      const column = this.#table.$meta.byProperty.get(key)
      if (column === undefined || (this.#publicOnly && (column.secret || column.internal))) {
        throw new InvalidQueryError(at, `unknown column of ${this.#table.$name}`)
      }
      byColumn.set(column, this.#column(column, value, at))
    })
    const out: Fragment[] = []
    for (const column of this.#table.$meta.columns) out.push(...(byColumn.get(column) ?? []))
    for (const key of ['and', 'or', 'not'] as const) out.push(...(nested.get(key) ?? []))
    return out
  }

  /** `and` (terms flattened into the parent's) or `or` (one parenthesised term). */
  #list(key: 'and' | 'or', value: unknown, path: string, depth: number): Fragment[] {
    if (!Array.isArray(value)) {
      throw new InvalidQueryError(path, `expected a non-empty array, got ${describe(value)}`)
    }
    if (value.length === 0) throw new InvalidQueryError(path, 'expected a non-empty array')
    if (value.length > MAX_WHERE_CONDITIONS) {
      throw new InvalidQueryError(path, `more than ${MAX_WHERE_CONDITIONS} conditions in all`)
    }
    const elements: Fragment[][] = []
    for (let i = 0; i < value.length; i++) {
      const at = `${path}[${i}]`
      elements.push(this.terms(ownEntries(value[i], at), at, depth + 1))
    }
    return key === 'and' ? elements.flat() : [join(elements.map(joinAnd), ' or ')]
  }

  #ref(column: Column): string {
    return `${this.#qualifier}${quoteIdentifier(column.name)}`
  }

  /** The terms of one column's value: a value, null, a list or an operator object. */
  #column(column: Column, value: unknown, path: string): Fragment[] {
    const kind = column.kind
    if (value === null) return [this.#nullTest(column, true)]
    if (Array.isArray(value) && !ARRAY_KINDS.has(kind)) {
      if (kind === 'jsonb') {
        throw new InvalidQueryError(
          path,
          'an array for a jsonb column is ambiguous: use { in: [...] } for a list of values, { eq: [...] } or { contains: [...] } for a JSON array',
        )
      }
      return [this.#inList(column, value, path, 'in')]
    }
    if (isPlainObject(value)) {
      const entries = ownEntries(value, path)
      if (
        kind === 'jsonb' &&
        (entries.length === 0 || entries.some(([k]) => !OPERATOR_SET.has(k)))
      ) {
        throw new InvalidQueryError(
          path,
          'an object for a jsonb column must be an operator object: use { eq: {...} } or { contains: {...} } to match a document',
        )
      }
      return this.#operators(column, entries, path)
    }
    return [this.#compare(column, '=', this.#value(column, value, path))]
  }

  #operators(
    column: Column,
    entries: readonly (readonly [string, unknown])[],
    path: string,
  ): Fragment[] {
    if (entries.length === 0) throw new InvalidQueryError(path, 'expected at least one operator')
    const given = new Map<Operator, readonly [unknown, string]>()
    entries.forEach(([key, value], i) => {
      const at = keyPath(path, key, i)
      if (!OPERATOR_SET.has(key)) throw new InvalidQueryError(at, 'unknown operator')
      this.#count(at)
      given.set(key as Operator, [value, at])
    })
    const kind = column.kind
    const out: Fragment[] = []
    for (const op of OPERATORS) {
      const entry = given.get(op)
      if (entry === undefined) continue
      const [value, at] = entry
      switch (op) {
        case 'eq':
        case 'ne':
          out.push(
            value === null
              ? this.#nullTest(column, op === 'eq')
              : this.#compare(column, op === 'eq' ? '=' : '<>', this.#value(column, value, at)),
          )
          break
        case 'gt':
        case 'gte':
        case 'lt':
        case 'lte':
          if (kind === 'jsonb' || ARRAY_KINDS.has(kind)) {
            throw new InvalidQueryError(at, `not supported for a ${column.sqlType} column`)
          }
          out.push(this.#compare(column, RANGE_SQL[op], this.#value(column, value, at)))
          break
        case 'in':
        case 'notIn':
          if (ARRAY_KINDS.has(kind)) {
            throw new InvalidQueryError(at, `not supported for a ${column.sqlType} column`)
          }
          if (!Array.isArray(value)) {
            throw new InvalidQueryError(at, `expected a non-empty list, got ${describe(value)}`)
          }
          out.push(this.#inList(column, value, at, op))
          break
        case 'like':
        case 'ilike':
          if (!TEXT_KINDS.has(kind)) {
            throw new InvalidQueryError(at, 'like and ilike need a text or varchar column')
          }
          if (typeof value !== 'string') {
            throw new InvalidQueryError(at, `expected a string pattern, got ${describe(value)}`)
          }
          if (value.includes('\u0000')) throw new InvalidQueryError(at, NUL_MESSAGE)
          out.push(fragment(`${this.#ref(column)} ${op} `, param(value)))
          break
        case 'isNull':
          if (typeof value !== 'boolean') {
            throw new InvalidQueryError(at, `expected a boolean, got ${describe(value)}`)
          }
          out.push(this.#nullTest(column, value))
          break
        case 'contains':
          out.push(this.#contains(column, value, at))
          break
      }
    }
    return out
  }

  #nullTest(column: Column, isNull: boolean): Fragment {
    return fragment(`${this.#ref(column)} ${isNull ? 'is null' : 'is not null'}`)
  }

  /** `"col" <op> $n`, a jsonb value as JSON text cast to jsonb. */
  #compare(column: Column, op: string, value: unknown): Fragment {
    const ref = `${this.#ref(column)} ${op} `
    return column.kind === 'jsonb'
      ? fragment(ref, param(JSON.stringify(value)), '::text::jsonb')
      : fragment(ref, param(value))
  }

  #contains(column: Column, value: unknown, path: string): Fragment {
    const ref = `${this.#ref(column)} @> `
    if (column.kind === 'jsonb') {
      if (value === null) throw new InvalidQueryError(path, 'expected a JSON value, got null')
      checkJsonSize(value, path)
      const json = this.#parse(column, jsonSchema, value, path, 'a JSON value')
      return fragment(ref, param(JSON.stringify(json)), '::text::jsonb')
    }
    if (!ARRAY_KINDS.has(column.kind)) {
      throw new InvalidQueryError(path, 'contains needs a jsonb or array column')
    }
    return fragment(ref, param(this.#value(column, value, path)))
  }

  /** `= any($n)` / `<> all($n)`: the whole list is one parameter, so one statement fits all lengths. */
  #inList(column: Column, list: readonly unknown[], path: string, op: 'in' | 'notIn'): Fragment {
    if (list.length === 0) throw new InvalidQueryError(path, 'empty list')
    if (list.length > MAX_WHERE_LIST) {
      throw new InvalidQueryError(path, `a list of more than ${MAX_WHERE_LIST} values`)
    }
    const kind = column.kind
    const values = new Array<unknown>(list.length)
    for (let i = 0; i < list.length; i++) {
      const at = `${path}[${i}]`
      if (list[i] === null) {
        throw new InvalidQueryError(at, 'a list cannot hold null: use isNull, or or: [...]')
      }
      values[i] = listElement(kind, this.#value(column, list[i], at))
    }
    const cast = LIST_CASTS[kind] ?? ''
    const sqlOp = op === 'in' ? '= any(' : '<> all('
    return fragment(`${this.#ref(column)} ${sqlOp}`, param(values), `${cast})`)
  }

  /** One non-null value, validated and normalised by the column's schema. */
  #value(column: Column, value: unknown, path: string): unknown {
    if (value === undefined) {
      throw new InvalidQueryError(path, 'expected a value, got undefined (omit the key instead)')
    }
    if (Array.isArray(value) && value.length > MAX_WHERE_LIST) {
      throw new InvalidQueryError(path, `a list of more than ${MAX_WHERE_LIST} values`)
    }
    if (column.kind === 'jsonb') checkJsonSize(value, path)
    const expected =
      column.config.jsonSchema === undefined
        ? EXPECTED[column.kind]
        : "a value matching the column's JSON schema"
    return this.#parse(column, valueSchema(column), value, path, expected)
  }

  #parse(column: Column, schema: z.ZodType, value: unknown, path: string, expected: string) {
    const result = schema.safeParse(value)
    if (result.success) return result.data
    if (value instanceof Date && Number.isNaN(value.getTime())) {
      throw new InvalidQueryError(path, `expected ${expected}, got an invalid Date`)
    }
    const issue = result.error.issues[0]
    const wrongKind =
      value === null ||
      issue === undefined ||
      (issue.path.length === 0 &&
        (issue.code === 'invalid_type' ||
          issue.code === 'invalid_union' ||
          issue.code === 'invalid_format'))
    throw new InvalidQueryError(
      path,
      wrongKind
        ? `expected ${expected}, got ${describe(value)}`
        : `invalid ${column.sqlType} value${issueAt(issue.path)}: ${issue.message}`,
    )
  }
}
