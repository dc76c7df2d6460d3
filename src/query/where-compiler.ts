import { z } from 'zod'
import { InvalidQueryError, KyselyEntitiesError } from '../errors/kysely-entities-error'
import { columnType, columnValueSchema } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'
import { jsonSizeProblem } from './bindable'
import { isHiddenColumn } from './hidden-column'
import { describe } from './query-options'

/** Options of {@link compileWhere} (and of the statement compiler under it). */
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

/** Deepest nesting of where objects (`and` / `or` / `not`) accepted; the top object is level 1. */
export const MAX_WHERE_DEPTH = 16

/** Most keys and operators accepted in one where input, counted over all its levels. */
export const MAX_WHERE_CONDITIONS = 1000

/** Longest list accepted (`in`, `notIn`, a plain array, an array column's value). */
export const MAX_WHERE_LIST = 100_000

/**
 * Most values accepted in one where input, counted over all its levels before any of them is
 * validated: a scalar is one value, a list (`in`, `notIn`, a plain array, an array column's
 * value) as many as it holds, a jsonb value as many as its elements. So
 * `{ or: [999 × { age: { in: 100_000 values } }] }` is refused when its second list is reached,
 * after validating 100,000 values at most, not 50 million.
 *
 * @example
 * ```ts
 * manager.findMany({ where: { age: { in: ages } } }) // ages.length <= MAX_WHERE_VALUES
 * // select ... where "age" = any($1::int4[])
 * ```
 */
export const MAX_WHERE_VALUES = 100_000

/**
 * A where input as SQL: the text with `?` for each value, and the values in text order.
 *
 * The text is made only of quoted identifiers of the definition (and the qualifier), all matching
 * `[A-Za-z_][A-Za-z0-9_]*`, and fixed operator text: a `?` in it is always a value. So the text is
 * the shape of the input (keys, operators, nesting, null tests, lists) and nothing of its values:
 * equal shapes give equal text, and the text can key a cache of statements.
 * @internal
 */
export interface WhereText {
  /** `("user_id" = ? and "status" = any(?))` */
  readonly shape: string
  /** The bound values, in the order of the `?` in {@link shape}. */
  readonly values: unknown[]
}

/**
 * The one compiler of where inputs: validates `input` (trusted or straight from JSON) and returns
 * its SQL text and values, or `undefined` for no condition. `compileWhere` wraps the result in a
 * Kysely expression; the managers' finders number it themselves (see {@link numberPlaceholders}).
 * @internal
 */
export function whereText(
  table: AnyTable,
  input: unknown,
  options: CompileWhereOptions = {},
): WhereText | undefined {
  const path = options.path ?? 'where'
  if (input === undefined) return undefined
  const entries = ownEntries(input, path)
  if (entries.length === 0) return undefined
  if (options.allowAll === true) {
    const all = entries.find(([key]) => key === 'all')
    if (all !== undefined) {
      if (all[1] !== true) {
        throw new InvalidQueryError(`${path}.all`, `expected true, got ${describe(all[1])}`)
      }
      if (entries.length > 1) {
        throw new InvalidQueryError(`${path}.all`, 'all: true cannot be combined with conditions')
      }
      return undefined
    }
  }
  const compiler = new WhereCompiler(table, qualifierOf(options.qualifier), options.publicOnly)
  let result: Term
  try {
    result = joinAnd(compiler.terms(entries, path, 1))
  } catch (error) {
    throw unreadable(error, path)
  }
  const { text, values } = result
  return { shape: text, values: values === NO_VALUES ? [] : (values as unknown[]) }
}

/**
 * The text of a {@link WhereText} with its `?` numbered as PostgreSQL placeholders from `$first`:
 * `numberPlaceholders('"a" = ? and "b" = ?', 2, 3)` is `"a" = $3 and "b" = $4`.
 * @internal
 */
export function numberPlaceholders(shape: string, count: number, first: number): string {
  const parts = textParts(shape, count)
  let text = parts[0]!
  for (let i = 1; i < parts.length; i++) text += `$${first + i - 1}${parts[i]}`
  return text
}

/**
 * A where clause for hand-written statements: ` where <where> and <extra>`, or less, or nothing,
 * with the where's `?` numbered from `$first`. `extra` is a fixed condition of the statement (the
 * soft-delete test), never a value.
 *
 * @example
 * ```ts
 * whereClause({ shape: '"body" = ?', values: ['x'] }, 2, '"deleted_at" is null')
 * // ' where "body" = $2 and "deleted_at" is null'
 * ```
 */
export function whereClause(
  where: WhereText | undefined,
  first: number,
  extra: string | undefined,
): string {
  const text =
    where === undefined ? undefined : numberPlaceholders(where.shape, where.values.length, first)
  if (text === undefined) return extra === undefined ? '' : ` where ${extra}`
  return extra === undefined ? ` where ${text}` : ` where ${text} and ${extra}`
}

/**
 * The text around the values of a {@link WhereText} (`count + 1` parts), as the `sql` template
 * tag takes them.
 * @internal
 */
export function textParts(shape: string, count: number): string[] {
  const parts = shape.split('?')
  // Cannot happen with names of a definition (identifiers): a guard, not a code path.
  if (parts.length !== count + 1) throw new Error('where text: placeholders do not match values')
  return parts
}

/** SQL text with `?` for each of its values (in order). */
interface Term {
  readonly text: string
  readonly values: readonly unknown[]
  /** The whole text is one parenthesised group: `(a and b)`. */
  readonly wrapped: boolean
}

const NO_VALUES: readonly unknown[] = Object.freeze([])

function term(text: string, values: readonly unknown[] = NO_VALUES): Term {
  return { text, values, wrapped: false }
}

/** The terms joined by `and` or `or`, parenthesised when there are several. */
function join(terms: readonly Term[], separator: string): Term {
  if (terms.length === 1) return terms[0]!
  let text = '('
  const values: unknown[] = []
  for (let i = 0; i < terms.length; i++) {
    const item = terms[i]!
    if (i > 0) text += separator
    text += item.text
    for (const value of item.values) values.push(value)
  }
  return { text: `${text})`, values, wrapped: true }
}

const joinAnd = (terms: readonly Term[]) => join(terms, ' and ')

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

/** @internal An object literal or `JSON.parse` object (prototype `Object.prototype` or null). */
export function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** `path` extended by a key: `.name` for an identifier, else its position (`[#2]`). */
function keyPath(path: string, key: string, index: number): string {
  return SHOWN_KEY_RE.test(key) ? `${path}.${key}` : `${path}[#${index}]`
}

/**
 * The typed error for what reading the input threw: a typed error as it is; anything else came
 * from a proxy trap or a getter of the input (a list element), and is not kept, since it may
 * carry anything.
 */
function unreadable(error: unknown, path: string): unknown {
  if (error instanceof KyselyEntitiesError) return error
  return new InvalidQueryError(path, 'the input could not be read (a getter or proxy trap threw)')
}

/**
 * The own properties of a plain object, read once through their descriptors (no getter runs, no
 * prototype is consulted; `__proto__` from `JSON.parse` is an ordinary key here). A proxy whose
 * traps throw is refused at `path`.
 */
function ownEntries(value: unknown, path: string): readonly (readonly [string, unknown])[] {
  try {
    return readOwnEntries(value, path)
  } catch (error) {
    throw unreadable(error, path)
  }
}

function readOwnEntries(value: unknown, path: string): readonly (readonly [string, unknown])[] {
  if (!isPlainObject(value)) {
    throw new InvalidQueryError(path, `expected a plain object, got ${describe(value)}`)
  }
  // Reflect.ownKeys' keys in its order (names, then symbols), for a third of its cost.
  const names = Object.getOwnPropertyNames(value)
  const symbols = Object.getOwnPropertySymbols(value)
  const keys: readonly (string | symbol)[] = symbols.length === 0 ? names : [...names, ...symbols]
  if (keys.length > MAX_WHERE_CONDITIONS) {
    throw new InvalidQueryError(path, `more than ${MAX_WHERE_CONDITIONS} keys`)
  }
  const entries = new Array<readonly [string, unknown]>(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
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
    entries[i] = [key, descriptor.value]
  }
  return entries
}

type Operator = (typeof OPERATORS)[number]
/**
 * The operators of a where input, in the order they are AND-ed whatever the order of the input's
 * keys (exported for tests that draw inputs from them).
 * @example OPERATORS.includes('ilike') // true
 * @internal
 */
export const OPERATORS = [
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
const NESTING_KEYS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'all'])
const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const
const NUL_MESSAGE = 'text cannot contain a NUL (\\u0000) character'

const jsonSchema = z.json()

/** What the compiler needs of a column, worked out on first use. */
interface ColumnInfo {
  /** Validates and normalises one value. */
  readonly schema: z.ZodType
  /** `"name"` */
  readonly quoted: string
  /** Its position in the definition: the order of the AND-ed terms. */
  readonly position: number
  /** Whether an error path may show the property name (else its key's position). */
  readonly shown: boolean
}

const infos = new WeakMap<Column, ColumnInfo>()

function infoOf(table: AnyTable, column: Column): ColumnInfo {
  let info = infos.get(column)
  if (info === undefined) {
    info = {
      schema: columnValueSchema(column.config),
      quoted: quoteIdentifier(column.name),
      position: table.$meta.columns.indexOf(column),
      shown: SHOWN_KEY_RE.test(column.property),
    }
    infos.set(column, info)
  }
  return info
}

/** A zod issue's path inside a value, when it names only identifiers and indexes. */
function issueAt(path: readonly PropertyKey[]): string {
  if (path.length === 0) return ''
  const shown = path.map((p) =>
    typeof p === 'number' ? `[${p}]` : typeof p === 'string' && SHOWN_KEY_RE.test(p) ? `.${p}` : '',
  )
  return shown.includes('') ? ' (inside the value)' : ` at ${shown.join('').replace(/^\./, '')}`
}

class WhereCompiler {
  readonly #table: AnyTable
  readonly #qualifier: string
  readonly #publicOnly: boolean
  #conditions = 0
  #values = 0

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

  /** Counts `n` values against {@link MAX_WHERE_VALUES}, before they are validated. */
  #spend(n: number, path: string): void {
    this.#values += n
    if (this.#values > MAX_WHERE_VALUES) {
      throw new InvalidQueryError(path, `more than ${MAX_WHERE_VALUES} values in all`)
    }
  }

  /**
   * Refuses jsonb values too deep or too big to validate without exhausting the stack, and counts
   * their elements against the value budget as it walks them.
   */
  #checkJsonSize(value: unknown, path: string): void {
    const size = { nodes: 0, max: MAX_WHERE_VALUES - this.#values }
    const problem = jsonSizeProblem(value, size)
    if (problem !== undefined) {
      throw new InvalidQueryError(
        path,
        size.max < MAX_WHERE_VALUES && problem === `a jsonb value of more than ${size.max} elements`
          ? `more than ${MAX_WHERE_VALUES} values in all`
          : problem,
      )
    }
    this.#spend(size.nodes, path)
  }

  /** The AND-ed terms of one where object, in a fixed order. */
  terms(entries: readonly (readonly [string, unknown])[], path: string, depth: number): Term[] {
    if (depth > MAX_WHERE_DEPTH) {
      throw new InvalidQueryError(path, `nested deeper than ${MAX_WHERE_DEPTH} levels`)
    }
    if (entries.length === 0) {
      throw new InvalidQueryError(path, 'expected at least one condition')
    }
    // [position in the definition, terms] of each column key.
    let byColumn: [number, Term[]][] | undefined
    let and: Term[] | undefined
    let or: Term[] | undefined
    let not: Term | undefined
    for (let i = 0; i < entries.length; i++) {
      const [key, value] = entries[i]!
      // and, or, not and all before columns: a column of that name cannot be filtered on.
      const column = NESTING_KEYS.has(key) ? undefined : this.#table.$meta.byProperty.get(key)
      if (column === undefined) {
        const at = keyPath(path, key, i)
        this.#count(at)
        if (key === 'and') {
          and = this.#list(key, value, at, depth)
        } else if (key === 'or') {
          or = this.#list(key, value, at, depth)
        } else if (key === 'not') {
          const inner = joinAnd(this.terms(ownEntries(value, at), at, depth + 1))
          not = term(inner.wrapped ? `not ${inner.text}` : `not (${inner.text})`, inner.values)
        } else if (key === 'all') {
          throw new InvalidQueryError(
            at,
            'all: true is only accepted alone, by updates and deletes',
          )
        } else {
          throw new InvalidQueryError(at, `unknown column of ${this.#table.$name}`)
        }
        continue
      }
      const info = infoOf(this.#table, column)
      // keyPath's rule, worked out once per column.
      const at = info.shown ? `${path}.${key}` : `${path}[#${i}]`
      this.#count(at)
      if (this.#publicOnly && isHiddenColumn(column)) {
        throw new InvalidQueryError(at, `unknown column of ${this.#table.$name}`)
      }
      const terms = this.#column(column, value, at)
      if (byColumn === undefined) byColumn = [[info.position, terms]]
      else byColumn.push([info.position, terms])
    }
    // Columns in definition order, then and, or, not: the SQL does not depend on key order.
    const out: Term[] = []
    if (byColumn !== undefined) {
      if (byColumn.length > 1) byColumn.sort((a, b) => a[0] - b[0])
      for (const [, terms] of byColumn) for (const item of terms) out.push(item)
    }
    if (and !== undefined) for (const item of and) out.push(item)
    if (or !== undefined) for (const item of or) out.push(item)
    if (not !== undefined) out.push(not)
    return out
  }

  /** `and` (terms flattened into the parent's) or `or` (one parenthesised term). */
  #list(key: 'and' | 'or', value: unknown, path: string, depth: number): Term[] {
    if (!Array.isArray(value)) {
      throw new InvalidQueryError(path, `expected a non-empty array, got ${describe(value)}`)
    }
    if (value.length === 0) throw new InvalidQueryError(path, 'expected a non-empty array')
    if (value.length > MAX_WHERE_CONDITIONS) {
      throw new InvalidQueryError(path, `more than ${MAX_WHERE_CONDITIONS} conditions in all`)
    }
    const elements: Term[][] = []
    for (let i = 0; i < value.length; i++) {
      const at = `${path}[${i}]`
      elements.push(this.terms(ownEntries(value[i], at), at, depth + 1))
    }
    return key === 'and' ? elements.flat() : [join(elements.map(joinAnd), ' or ')]
  }

  #ref(column: Column): string {
    const quoted = infoOf(this.#table, column).quoted
    return this.#qualifier === '' ? quoted : `${this.#qualifier}${quoted}`
  }

  /** The terms of one column's value: a value, null, a list or an operator object. */
  #column(column: Column, value: unknown, path: string): Term[] {
    const family = columnType(column.kind).where
    if (value === null) return [this.#nullTest(column, true)]
    if (Array.isArray(value) && family !== 'array') {
      if (family === 'document') {
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
        family === 'document' &&
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
  ): Term[] {
    if (entries.length === 0) throw new InvalidQueryError(path, 'expected at least one operator')
    const given = new Map<Operator, readonly [unknown, string]>()
    entries.forEach(([key, value], i) => {
      const at = keyPath(path, key, i)
      if (!OPERATOR_SET.has(key)) throw new InvalidQueryError(at, 'unknown operator')
      this.#count(at)
      given.set(key as Operator, [value, at])
    })
    const family = columnType(column.kind).where
    const out: Term[] = []
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
          if (family !== 'ordered' && family !== 'text') {
            throw new InvalidQueryError(at, `not supported for a ${column.sqlType} column`)
          }
          out.push(this.#compare(column, RANGE_SQL[op], this.#value(column, value, at)))
          break
        case 'in':
        case 'notIn':
          if (family === 'array') {
            throw new InvalidQueryError(at, `not supported for a ${column.sqlType} column`)
          }
          if (!Array.isArray(value)) {
            throw new InvalidQueryError(at, `expected a non-empty list, got ${describe(value)}`)
          }
          out.push(this.#inList(column, value, at, op))
          break
        case 'like':
        case 'ilike':
          if (family !== 'text') {
            throw new InvalidQueryError(at, 'like and ilike need a text or varchar column')
          }
          if (typeof value !== 'string') {
            throw new InvalidQueryError(at, `expected a string pattern, got ${describe(value)}`)
          }
          if (value.includes('\u0000')) throw new InvalidQueryError(at, NUL_MESSAGE)
          out.push(term(`${this.#ref(column)} ${op} ?`, [value]))
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

  #nullTest(column: Column, isNull: boolean): Term {
    return term(`${this.#ref(column)} ${isNull ? 'is null' : 'is not null'}`)
  }

  /** `"col" <op> ?`, a jsonb value as JSON text cast to jsonb. */
  #compare(column: Column, op: string, value: unknown): Term {
    const { parameter } = columnType(column.kind)
    return term(`${this.#ref(column)} ${op} ?${parameter.cast}`, [parameter.encode(value)])
  }

  #contains(column: Column, value: unknown, path: string): Term {
    const family = columnType(column.kind).where
    if (family === 'document') {
      if (value === null) throw new InvalidQueryError(path, 'expected a JSON value, got null')
      this.#checkJsonSize(value, path)
      const json = this.#parse(column, jsonSchema, value, path, 'a JSON value')
      return term(`${this.#ref(column)} @> ?::text::jsonb`, [JSON.stringify(json)])
    }
    if (family !== 'array') {
      throw new InvalidQueryError(path, 'contains needs a jsonb or array column')
    }
    return term(`${this.#ref(column)} @> ?`, [this.#value(column, value, path)])
  }

  /** `= any(?)` / `<> all(?)`: the whole list is one parameter, so one statement fits all lengths. */
  #inList(column: Column, list: readonly unknown[], path: string, op: 'in' | 'notIn'): Term {
    if (list.length === 0) throw new InvalidQueryError(path, 'empty list')
    if (list.length > MAX_WHERE_LIST) {
      throw new InvalidQueryError(path, `a list of more than ${MAX_WHERE_LIST} values`)
    }
    // The whole list is counted before any of its values is validated.
    this.#spend(list.length, path)
    const { list: encoding } = columnType(column.kind)
    const values = new Array<unknown>(list.length)
    for (let i = 0; i < list.length; i++) {
      const at = `${path}[${i}]`
      const item = list[i]
      if (item === null) {
        throw new InvalidQueryError(at, 'a list cannot hold null: use isNull, or or: [...]')
      }
      values[i] = encoding.element(this.#value(column, item, at, true))
    }
    const cast = encoding.cast
    const sqlOp = op === 'in' ? '= any(' : '<> all('
    return term(`${this.#ref(column)} ${sqlOp}?${cast})`, [values])
  }

  /**
   * One non-null value, validated and normalised by the column's schema. `counted`: an element of
   * a list already counted against the value budget.
   */
  #value(column: Column, value: unknown, path: string, counted = false): unknown {
    if (value === undefined) {
      throw new InvalidQueryError(path, 'expected a value, got undefined (omit the key instead)')
    }
    if (Array.isArray(value) && value.length > MAX_WHERE_LIST) {
      throw new InvalidQueryError(path, `a list of more than ${MAX_WHERE_LIST} values`)
    }
    if (columnType(column.kind).where === 'document') {
      if (counted) this.#spend(-1, path)
      this.#checkJsonSize(value, path)
    } else if (!counted) this.#spend(Array.isArray(value) ? Math.max(1, value.length) : 1, path)
    const expected =
      column.config.jsonSchema === undefined
        ? columnType(column.kind).expected
        : "a value matching the column's JSON schema"
    return this.#parse(column, infoOf(this.#table, column).schema, value, path, expected)
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
