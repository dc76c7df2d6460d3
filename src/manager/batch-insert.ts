import { CompiledQuery } from 'kysely'
import type { AnyEntityClass } from '../entity/entity'
import { EntityValidationError, type ValidationIssue } from '../entity/entity-validation-error'
import { DatabaseError } from '../errors/database-errors'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { QueryExecutor } from '../query/executor'
import { describe } from '../query/query-options'
import type { ColumnKind } from '../schema/column-builder'
import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'
import { jsonbSizeIssues, validationError } from './validation'

/**
 * Options of {@link batchInsert}.
 * @example { returning: false, chunkSize: 10_000, onProgress: ({ done, total }) => log(done, total) }
 */
export interface BatchInsertOptions {
  /** true (default): resolve to the inserted entities, in input order. false: resolve to the count. */
  readonly returning?: boolean
  /** Rows per statement (default 5,000; 1..100,000). */
  readonly chunkSize?: number
  /** Called after each chunk with rows done so far and the total. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void
}

/** Rows per statement when `chunkSize` is not given: 5,000 rows is one INSERT of that many. */
export const DEFAULT_CHUNK_SIZE = 5_000

/** The largest `chunkSize` accepted. */
export const MAX_CHUNK_SIZE = 100_000

/**
 * Bind parameters one statement may carry. PostgreSQL's protocol counts them in 16 bits (65,535)
 * and postgres.js refuses 65,534 or more, so a `VALUES` statement stays at or below this.
 */
export const MAX_PARAMETERS = 65_533

/**
 * A row after validation: camelCase property to value; `undefined` means "not given".
 * @example parseRows(users, [{ email: 'a@x.io', passwordHash: 'h' }])[0] // { email: 'a@x.io', passwordHash: 'h' }
 */
export type ParsedRow = Readonly<Record<string, unknown>>

/**
 * Batch options after validation, defaults applied.
 * @example checkBatchOptions(undefined) // { returning: true, chunkSize: 5000, onProgress: undefined }
 */
export interface CheckedBatchOptions {
  readonly returning: boolean
  readonly chunkSize: number
  readonly onProgress: BatchInsertOptions['onProgress']
}

/**
 * One statement of a batch: its text, its parameters (every one a string or null, see
 * {@link serializeValue}) and the input indexes of its rows, in the order its rows come back.
 *
 * @example
 * ```ts
 * { sql: 'INSERT INTO "users" ("email") SELECT s.c1 FROM unnest($1::varchar[]) ...', parameters: ['{"a@x.io","b@x.io"}'], rows: [0, 1] }
 * ```
 */
export interface BatchStatement {
  readonly sql: string
  readonly parameters: readonly (string | null)[]
  readonly rows: readonly number[]
}

/**
 * Checks the options shared by {@link batchInsert} and `upsertMany`; throws
 * {@link InvalidQueryError} naming the option.
 *
 * @example
 * ```ts
 * checkBatchOptions({ chunkSize: 1_000 }) // { returning: true, chunkSize: 1000, onProgress: undefined }
 * checkBatchOptions({ chunkSize: 0 })     // throws InvalidQueryError: chunkSize: must be from 1 to 100000, got 0
 * ```
 */
export function checkBatchOptions(options: unknown): CheckedBatchOptions {
  if (options === undefined) {
    return { returning: true, chunkSize: DEFAULT_CHUNK_SIZE, onProgress: undefined }
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidQueryError('options', `expected an object, got ${describe(options)}`)
  }
  const { returning, chunkSize, onProgress } = options as Record<string, unknown>
  if (returning !== undefined && typeof returning !== 'boolean') {
    throw new InvalidQueryError('returning', `expected a boolean, got ${describe(returning)}`)
  }
  if (chunkSize !== undefined) {
    if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize)) {
      throw new InvalidQueryError('chunkSize', `expected an integer, got ${describe(chunkSize)}`)
    }
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      throw new InvalidQueryError(
        'chunkSize',
        `must be from 1 to ${MAX_CHUNK_SIZE}, got ${chunkSize}`,
      )
    }
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidQueryError('onProgress', `expected a function, got ${describe(onProgress)}`)
  }
  return {
    returning: returning ?? true,
    chunkSize: chunkSize ?? DEFAULT_CHUNK_SIZE,
    onProgress: onProgress as BatchInsertOptions['onProgress'],
  }
}

/**
 * `rows` itself must be an array: anything else is a mistake in the call, not in a row.
 *
 * @example
 * ```ts
 * checkRowsArray({ email: 'a@x.io' }) // throws InvalidQueryError: rows: expected an array of rows, got an object
 * ```
 */
export function checkRowsArray(rows: unknown, path = 'rows'): readonly unknown[] {
  if (!Array.isArray(rows)) {
    throw new InvalidQueryError(path, `expected an array of rows, got ${describe(rows)}`)
  }
  return rows
}

/**
 * Validates every row with the table's insert schema (camelCase, unknown keys refused) before
 * anything is sent, and returns the parsed (normalised) rows. All problems of all rows are
 * reported together in one {@link EntityValidationError}, each path prefixed by `pathOf(i)`.
 * `check` adds issues of its own for a row that passed the schema.
 *
 * @example
 * ```ts
 * parseRows(users, [{ email: 'a@x.io', passwordHash: 'h' }, { email: 42 }])
 * // throws EntityValidationError: users: rows[1].email: Invalid input: expected string, received number;
 * //   rows[1].passwordHash: Invalid input: expected string, received undefined
 * ```
 */
export function parseRows(
  table: AnyTable,
  rows: readonly unknown[],
  pathOf: (index: number) => string = (i) => `rows[${i}]`,
  check?: (row: ParsedRow, path: string) => readonly ValidationIssue[],
): ParsedRow[] {
  const schema = table.$meta.insertSchema
  const parsed: ParsedRow[] = new Array(rows.length)
  const issues: ValidationIssue[] = []
  let cause: unknown
  for (let i = 0; i < rows.length; i++) {
    // A jsonb value nested too deep would overflow the stack inside the schema.
    const tooBig = jsonbSizeIssues(table, rows[i], pathOf(i))
    if (tooBig.length > 0) {
      issues.push(...tooBig)
      continue
    }
    const result = schema.safeParse(rows[i])
    if (!result.success) {
      cause ??= result.error
      issues.push(...validationError(table, result.error, pathOf(i)).issues)
      continue
    }
    const row = result.data as ParsedRow
    if (check !== undefined) issues.push(...check(row, pathOf(i)))
    parsed[i] = row
  }
  if (issues.length > 0) throw new EntityValidationError(table.$name, issues, { cause })
  return parsed
}

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

const isArrayKind = (column: Column) =>
  column.kind === 'textArray' || column.kind === 'integerArray'

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
    const element = elements[i]
    if (i > 0) out += ','
    out +=
      element === null || element === undefined
        ? 'NULL'
        : `"${element.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
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
      return arrayLiteral((value as readonly unknown[]).map((v) => (v === null ? null : String(v))))
    default:
      return String(value)
  }
}

// Per table: statement texts by shape. The table metadata is frozen, so the cache lives here.
const SQL_CACHE = new WeakMap<AnyTable, Map<string, string>>()
// Shapes are few in practice (the column sets callers use); the cap only bounds odd callers.
const SQL_CACHE_LIMIT = 256

/**
 * The statement text for `key` on `table`, built once by `build` and then reused, so every chunk
 * of the same shape sends the same text (postgres.js prepares it once per connection).
 *
 * @example
 * ```ts
 * cachedSql(users, 'insert|email,password_hash|', () => buildIt()) // buildIt runs on the first call only
 * ```
 */
export function cachedSql(table: AnyTable, key: string, build: () => string): string {
  let texts = SQL_CACHE.get(table)
  if (texts === undefined) {
    texts = new Map()
    SQL_CACHE.set(table, texts)
  }
  let text = texts.get(key)
  if (text === undefined) {
    text = build()
    if (texts.size >= SQL_CACHE_LIMIT) texts.delete(texts.keys().next().value as string)
    texts.set(key, text)
  }
  return text
}

/**
 * The cache key part for a list of columns (SQL names are identifiers: no commas).
 * @example columnsKey([users.email, users.passwordHash]) // 'email,password_hash'
 */
export const columnsKey = (columns: readonly Column[]): string =>
  columns.map((c) => c.name).join(',')

/**
 * The unnest output column `n` in a SELECT list; array columns' element text is cast back.
 * @example sourceColumn(users.email, 1) // 's.c1';  sourceColumn(everyKind.tags, 2) // 's.c2::text[]'
 */
export function sourceColumn(column: Column, n: number): string {
  return isArrayKind(column) ? `s.c${n}::${castType(column)}` : `s.c${n}`
}

/**
 * The row source of the unnest form: one array parameter per column, numbered from 1, and the
 * rows in array order. `WITH ORDINALITY ... ORDER BY s.i` makes that order part of the query's
 * meaning rather than an accident of the plan (and costs nothing: the planner knows a function
 * scan is already sorted by its ordinality). Array columns travel as `text[]` of array literals,
 * because `unnest` cannot take an array of arrays.
 *
 * @example
 * ```ts
 * unnestSource([users.email, users.passwordHash])
 * // 'SELECT s.c1, s.c2 FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS s(c1, c2, i) ORDER BY s.i'
 * ```
 */
export function unnestSource(columns: readonly Column[]): string {
  const select = columns.map((c, i) => sourceColumn(c, i + 1)).join(', ')
  const arrays = columns
    .map((c, i) => `$${i + 1}::${isArrayKind(c) ? 'text' : castType(c)}[]`)
    .join(', ')
  const names = columns.map((_, i) => `c${i + 1}`).join(', ')
  return `SELECT ${select} FROM unnest(${arrays}) WITH ORDINALITY AS s(${names}, i) ORDER BY s.i`
}

/**
 * The quoted SQL names, for a column list.
 * @example columnList([users.email, users.passwordHash]) // '"email", "password_hash"'
 */
export const columnList = (columns: readonly Column[]): string =>
  columns.map((c) => quoteIdentifier(c.name)).join(', ')

/**
 * The unnest form of a batch INSERT: one array parameter per column whatever the number of rows,
 * and the same text for every chunk of the same columns (cached per table). `suffix` follows the
 * row source: ` RETURNING ...`, an ON CONFLICT clause, or nothing.
 *
 * @example
 * ```ts
 * unnestInsertSql(users, [users.email, users.passwordHash], ` RETURNING ${users.$meta.selectList}`)
 * // INSERT INTO "users" ("email", "password_hash") SELECT s.c1, s.c2
 * //   FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS s(c1, c2, i) ORDER BY s.i
 * //   RETURNING "id", "uuid", "email", "password_hash", "created_at", "updated_at"
 * ```
 */
export function unnestInsertSql(table: AnyTable, columns: readonly Column[], suffix = ''): string {
  return cachedSql(
    table,
    `insert|${columnsKey(columns)}|${suffix}`,
    () =>
      `INSERT INTO ${table.$meta.quotedName} (${columnList(columns)}) ${unnestSource(columns)}${suffix}`,
  )
}

/**
 * The unnest parameters of `rows` (input indexes into `parsed`): one array literal per column.
 *
 * @example
 * ```ts
 * unnestParameters([users.email, users.passwordHash], parsed, [0, 1])
 * // ['{"a@x.io","b@x.io"}', '{"h1","h2"}']  -- bound to $1::varchar[], $2::varchar[]
 * ```
 */
export function unnestParameters(
  columns: readonly Column[],
  parsed: readonly ParsedRow[],
  rows: readonly number[],
): string[] {
  return columns.map((column) =>
    arrayLiteral(rows.map((r) => serializeValue(column, parsed[r]?.[column.property]))),
  )
}

// One cell of a VALUES row. Each parameter is declared text and cast from there: postgres.js
// rewrites a string bound to a boolean ('t' becomes false) or jsonb (encoded again) parameter.
const valuesCell = (column: Column, n: number): string => {
  const type = castType(column)
  return type === 'text' ? `$${n}::text` : `$${n}::text::${type}`
}

/**
 * The VALUES form of a batch INSERT, for rows that cannot share one column list: a cell that is
 * `undefined` becomes `DEFAULT` (the column's database default), any other cell a text parameter
 * (`null` for NULL). Not cached: the text depends on where the DEFAULTs are.
 *
 * @example
 * ```ts
 * valuesInsert(functions, [functions.userId, functions.name, functions.status],
 *   [['1', 'a', undefined], ['1', 'b', 'off']])
 * // { sql: 'INSERT INTO "functions" ("user_id", "name", "status") VALUES
 * //   ($1::text::integer, $2::text::varchar, DEFAULT), ($3::text::integer, $4::text::varchar, $5::text::varchar)',
 * //   parameters: ['1', 'a', '1', 'b', 'off'] }
 * ```
 */
export function valuesInsert(
  table: AnyTable,
  columns: readonly Column[],
  cells: readonly (readonly (string | null | undefined)[])[],
  suffix = '',
): { readonly sql: string; readonly parameters: (string | null)[] } {
  const parameters: (string | null)[] = []
  const tuples = cells.map((row) => {
    const values = columns.map((column, j) => {
      const cell = row[j]
      if (cell === undefined) return 'DEFAULT'
      parameters.push(cell)
      return valuesCell(column, parameters.length)
    })
    return `(${values.join(', ')})`
  })
  const sql = `INSERT INTO ${table.$meta.quotedName} (${columnList(columns)}) VALUES ${tuples.join(', ')}${suffix}`
  return { sql, parameters }
}

/**
 * Rows per VALUES statement: at most `chunkSize`, and few enough that the parameters (one per
 * column and row at most) stay within {@link MAX_PARAMETERS}.
 *
 * @example
 * ```ts
 * valuesRowsPerStatement(5, 100_000) // 13106  (13106 × 5 = 65,530 parameters)
 * valuesRowsPerStatement(5, 1_000)   // 1000
 * ```
 */
export function valuesRowsPerStatement(columnCount: number, chunkSize: number): number {
  return Math.max(1, Math.min(chunkSize, Math.floor(MAX_PARAMETERS / Math.max(1, columnCount))))
}

/**
 * The table's columns (in definition order) that at least one of `rows` gives a value for: the
 * column list of their INSERT.
 * @example presentColumns(users, parsed, [0, 1]) // [users.email, users.passwordHash]  -- ("email", "password_hash")
 */
export function presentColumns(
  table: AnyTable,
  parsed: readonly ParsedRow[],
  rows: readonly number[],
): Column[] {
  return table.$meta.columns.filter((c) => rows.some((r) => parsed[r]?.[c.property] !== undefined))
}

/**
 * True when some rows give a column that has a database default and others omit it: UNNEST has
 * no way to say "the default" for one cell, so those rows need VALUES with DEFAULT. (An omitted
 * column without a default is NULL, which UNNEST can say.)
 *
 * @example
 * ```ts
 * // [{ userId: 1, name: 'a' }, { userId: 1, name: 'b', status: 'x' }]: status has DEFAULT 'active'
 * needsValuesForm([functions.userId, functions.name, functions.status], parsed, [0, 1]) // true
 * // VALUES ($1::text::integer, $2::text::varchar, DEFAULT), ($3::text::integer, ...)
 * ```
 */
export function needsValuesForm(
  columns: readonly Column[],
  parsed: readonly ParsedRow[],
  rows: readonly number[],
): boolean {
  if (columns.length === 0) return true
  return columns.some(
    (c) => c.hasDefault && rows.some((r) => parsed[r]?.[c.property] === undefined),
  )
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i)

/**
 * The statements that insert rows `from` to `to` (exclusive) of `parsed`: one unnest statement,
 * or, when some rows omit a defaulted column that others give, VALUES statements with DEFAULT,
 * each small enough for {@link MAX_PARAMETERS}. With `returning`, each returns the full rows.
 *
 * @example
 * ```ts
 * insertStatements(users, parsed, 0, 5000, { returning: true, chunkSize: 5000 })
 * // [{ sql: 'INSERT INTO "users" ("email", "password_hash") SELECT s.c1, s.c2 FROM unnest(...) ...',
 * //    parameters: ['{"a@x.io",...}', '{"h",...}'], rows: [0, 1, ..., 4999] }]
 * ```
 */
export function insertStatements(
  table: AnyTable,
  parsed: readonly ParsedRow[],
  from: number,
  to: number,
  options: { readonly returning: boolean; readonly chunkSize: number },
): BatchStatement[] {
  const rows = range(from, to)
  const meta = table.$meta
  const suffix = options.returning ? ` RETURNING ${meta.selectList}` : ''
  const present = presentColumns(table, parsed, rows)
  if (!needsValuesForm(present, parsed, rows)) {
    return [
      {
        sql: unnestInsertSql(table, present, suffix),
        parameters: unnestParameters(present, parsed, rows),
        rows,
      },
    ]
  }
  // Rows that give nothing at all still need one column to write DEFAULT into.
  const columns = present.length > 0 ? present : meta.columns.slice(0, 1)
  const perStatement = valuesRowsPerStatement(columns.length, options.chunkSize)
  const statements: BatchStatement[] = []
  for (let start = from; start < to; start += perStatement) {
    const part = range(start, Math.min(to, start + perStatement))
    const cells = part.map((r) =>
      columns.map((c) => {
        const value = parsed[r]?.[c.property]
        return value === undefined ? undefined : serializeValue(c, value)
      }),
    )
    statements.push({ ...valuesInsert(table, columns, cells, suffix), rows: part })
  }
  return statements
}

/**
 * A statement that must return one row per input row returned fewer: a BEFORE trigger returning
 * NULL or a rule skipped some, and the rows could no longer be matched to the input.
 * @example checkReturnedCount(users, 4_999, 5_000) // throws DatabaseError: users: the statement returned 4999 rows for 5000 ...
 */
export function checkReturnedCount(table: AnyTable, got: number, expected: number): void {
  if (got === expected) return
  throw new DatabaseError(
    `${table.$name}: the statement returned ${got} rows for ${expected} input rows (a trigger or rule skipped rows), so they cannot be matched to the input`,
    { sqlState: undefined, table: table.$name, constraint: undefined, column: undefined },
  )
}

/**
 * Runs one batch statement on `executor` (prepared by the driver; errors mapped to typed ones).
 * @example await runStatement(tx, 'INSERT INTO "users" ("email") SELECT s.c1 FROM unnest($1::varchar[]) ...', ['{"a@x.io"}'])
 */
export function runStatement(
  executor: QueryExecutor,
  sql: string,
  parameters: readonly (string | null)[],
) {
  return executor.execute<Record<string, unknown>>(CompiledQuery.raw(sql, [...parameters]))
}

/**
 * Inserts any number of rows in one transaction (a savepoint inside the caller's transaction),
 * fast: every row is validated before anything is sent, then each chunk of rows is one INSERT
 * whose parameters are one array per column, so the parameter count is the column count whatever
 * the row count and every chunk reuses one prepared statement. A failure at any row leaves
 * nothing written and surfaces as the typed error (e.g. `UniqueViolationError`).
 *
 * The entities come back in input order: each chunk's rows are read from `unnest(...) WITH
 * ORDINALITY ... ORDER BY s.i`, and PostgreSQL's INSERT emits each RETURNING row as it inserts
 * the row it read, before reading the next. Chunks whose rows omit a defaulted column that other
 * rows give are sent as `VALUES (...), (...)` with `DEFAULT` instead.
 *
 * @example
 * ```ts
 * const created = await batchInsert(db, UserEntity, [
 *   { email: 'a@x.io', passwordHash: h1 },
 *   { email: 'b@x.io', passwordHash: h2 },
 * ])
 * // BEGIN
 * // INSERT INTO "users" ("email", "password_hash") SELECT s.c1, s.c2
 * //   FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS s(c1, c2, i) ORDER BY s.i
 * //   RETURNING "id", "uuid", "email", "password_hash", "created_at", "updated_at"
 * //   -- $1 = '{"a@x.io","b@x.io"}', $2 = '{"…","…"}'
 * // COMMIT
 * const n = await batchInsert(db, LogEntity, lines, { returning: false, chunkSize: 10_000 }) // 250000
 * ```
 */
export async function batchInsert(
  executor: QueryExecutor,
  entity: AnyEntityClass,
  rows: readonly unknown[],
  options?: BatchInsertOptions,
): Promise<object[] | number> {
  const { returning, chunkSize, onProgress } = checkBatchOptions(options)
  const table = entity.table as AnyTable
  const parsed = parseRows(table, checkRowsArray(rows))
  const total = parsed.length
  if (total === 0) return returning ? [] : 0
  return executor.transaction(async (tx) => {
    const entities: object[] = []
    let count = 0
    let done = 0
    for (let from = 0; from < total; from += chunkSize) {
      const to = Math.min(total, from + chunkSize)
      for (const statement of insertStatements(table, parsed, from, to, {
        returning,
        chunkSize,
      })) {
        const result = await runStatement(tx, statement.sql, statement.parameters)
        if (returning) {
          checkReturnedCount(table, result.rows.length, statement.rows.length)
          for (const row of result.rows) entities.push(entity.fromRow(row))
        } else {
          count += Number(result.numAffectedRows ?? BigInt(statement.rows.length))
        }
        done += statement.rows.length
        onProgress?.({ done, total })
      }
    }
    return returning ? entities : count
  })
}
