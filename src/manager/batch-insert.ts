import { CompiledQuery } from 'kysely'
import type { AnyEntityClass } from '../entity/entity'
import { EntityValidationError } from '../entity/entity-validation-error'
import { DatabaseError } from '../errors/database-errors'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { returningClause, unnestInsertSql, valuesInsert } from '../query/batch-statements'
import type { QueryExecutor } from '../query/executor'
import { describe } from '../query/query-options'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { arrayElement } from './batch-values'
import { ChunkCells } from './chunk-cells'
import { copyChunks } from './copy-insert'
import { type BatchRows, checkBatchRows, RowChunks } from './row-chunks'
import { type ParsedRow, type RowCheck, RowValidator } from './row-validator'

export { arrayLiteral, serializeValue } from './batch-values'
export type { BatchRows } from './row-chunks'
export type { ParsedRow } from './row-validator'

/**
 * Options of {@link EntityManager.batchInsert}.
 * @example { returning: false, chunkSize: 10_000, onProgress: ({ done, total }) => log(done, total) }
 */
export interface BatchInsertOptions {
  /** true (default): resolve to the inserted entities, in input order. false: resolve to the count. */
  readonly returning?: boolean
  /** Rows per statement (default 5,000; 1..100,000). */
  readonly chunkSize?: number
  /**
   * Called after each statement with the rows done so far and the total: the array's length, or
   * `NaN` when the rows are another iterable (its length is known only at its end). `done` grows
   * by each statement's row count (a chunk is one statement, or several in the `VALUES` form) and
   * ends at the row count. When it is called, the rows of the chunk being written have all been
   * read from `rows`, and at most the next chunk besides: it is read while this one is written,
   * and how far that has got depends on timing.
   */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void
}

/**
 * Rows per statement when `chunkSize` is not given: 5,000 rows is one INSERT of that many.
 * @internal
 */
export const DEFAULT_CHUNK_SIZE = 5_000

/** @internal The largest `chunkSize` accepted. */
export const MAX_CHUNK_SIZE = 100_000

/**
 * Bind parameters one statement may carry. PostgreSQL's protocol counts them in 16 bits (65,535)
 * and postgres.js refuses 65,534 or more, so a `VALUES` statement stays at or below this.
 * @internal
 */
export const MAX_PARAMETERS = 65_533

/**
 * Batch options after validation, defaults applied.
 * @example checkBatchOptions(undefined) // { returning: true, chunkSize: 5000, onProgress: undefined }
 * @internal
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
 * { sql: 'insert into "users" ("email") select s.c1 from unnest($1::varchar[]) ...', parameters: ['{"a@x.io","b@x.io"}'], rows: [0, 1] }
 * ```
 * @internal
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
 * @internal
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
 * @internal
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
 * @internal
 */
export function parseRows(
  table: AnyTable,
  rows: readonly unknown[],
  pathOf: (index: number) => string = (i) => `rows[${i}]`,
  check?: RowCheck,
): ParsedRow[] {
  const validator = new RowValidator(table, pathOf, check)
  const parsed: ParsedRow[] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const row = validator.parse(rows[i], i)
    if (row !== undefined) parsed[i] = row
  }
  if (validator.failed) throw validator.error()
  return parsed
}

/**
 * The unnest parameters of `rows` (input indexes into `parsed`): one array literal per column.
 *
 * @example
 * ```ts
 * unnestParameters([users.email, users.passwordHash], parsed, [0, 1])
 * // ['{"a@x.io","b@x.io"}', '{"h1","h2"}']  -- bound to $1::varchar[], $2::varchar[]
 * ```
 * @internal
 */
export function unnestParameters(
  columns: readonly Column[],
  parsed: readonly ParsedRow[],
  rows: readonly number[],
): string[] {
  // Each literal is written straight from the rows: no array of element texts in between.
  return columns.map((column) => {
    const property = column.property
    // The kind's text writer, looked up once per column, not once per cell.
    const text = columnType(column.kind).text
    let out = '{'
    for (let k = 0; k < rows.length; k++) {
      if (k > 0) out += ','
      const value = parsed[rows[k]!]?.[property]
      out += arrayElement(value === null || value === undefined ? null : text(value))
    }
    return `${out}}`
  })
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
 * @internal
 */
export function valuesRowsPerStatement(columnCount: number, chunkSize: number): number {
  return Math.max(1, Math.min(chunkSize, Math.floor(MAX_PARAMETERS / Math.max(1, columnCount))))
}

/**
 * One statement of a chunk: its text, its parameters, and which rows of the chunk it inserts
 * (`count` rows from row `first`, in the order they come back).
 * @example { sql: 'insert into "users" ("email") select s.c1 from unnest($1::varchar[]) ...', parameters: ['{"a@x.io"}'], first: 0, count: 1 }
 * @internal
 */
export interface ChunkStatement {
  readonly sql: string
  readonly parameters: readonly (string | null)[]
  readonly first: number
  readonly count: number
}

/**
 * The statements that insert the rows of `cells`: one unnest statement, or, when some rows omit
 * a defaulted column that others give, VALUES statements with DEFAULT, each small enough for
 * {@link MAX_PARAMETERS}. With `returning`, each returns the full rows.
 *
 * @example
 * ```ts
 * chunkStatements(users, cells, { returning: false, chunkSize: 5000 })
 * // [{ sql: 'insert into "users" ("email", "password_hash") select s.c1, s.c2 from unnest(...) ...',
 * //    parameters: ['{"a@x.io",...}', '{"h",...}'], first: 0, count: 5000 }]
 * ```
 * @internal
 */
export function chunkStatements(
  table: AnyTable,
  cells: ChunkCells,
  options: { readonly returning: boolean; readonly chunkSize: number },
): ChunkStatement[] {
  const meta = table.$meta
  const suffix = options.returning ? returningClause(table) : ''
  const count = cells.count
  const present = cells.present()
  if (!cells.needsValuesForm(present)) {
    return [
      {
        sql: unnestInsertSql(table, present, suffix),
        parameters: present.map((c) => cells.literal(c)),
        first: 0,
        count,
      },
    ]
  }
  // Rows that give nothing at all still need one column to write DEFAULT into.
  const columns = present.length > 0 ? present : meta.columns.slice(0, 1)
  const perStatement = valuesRowsPerStatement(columns.length, options.chunkSize)
  const statements: ChunkStatement[] = []
  for (let first = 0; first < count; first += perStatement) {
    const part = Math.min(perStatement, count - first)
    const rows = Array.from({ length: part }, (_, k) =>
      columns.map((c) => cells.cell(c, first + k)),
    )
    statements.push({ ...valuesInsert(table, columns, rows, suffix), first, count: part })
  }
  return statements
}

const NOTHING: ParsedRow = {}

/**
 * The statements that insert rows `from` to `to` (exclusive) of `parsed`: {@link chunkStatements}
 * of those rows, each with the input indexes of its rows.
 *
 * @example
 * ```ts
 * insertStatements(users, parsed, 0, 5000, { returning: true, chunkSize: 5000 })
 * // [{ sql: 'insert into "users" ("email", "password_hash") select s.c1, s.c2 from unnest(...) ...',
 * //    parameters: ['{"a@x.io",...}', '{"h",...}'], rows: [0, 1, ..., 4999] }]
 * ```
 * @internal
 */
export function insertStatements(
  table: AnyTable,
  parsed: readonly ParsedRow[],
  from: number,
  to: number,
  options: { readonly returning: boolean; readonly chunkSize: number },
): BatchStatement[] {
  const cells = new ChunkCells(table)
  for (let r = from; r < to; r++) cells.add(parsed[r] ?? NOTHING)
  return chunkStatements(table, cells, options).map(({ sql, parameters, first, count }) => ({
    sql,
    parameters,
    rows: Array.from({ length: count }, (_, k) => from + first + k),
  }))
}

/**
 * A statement that must return one row per input row returned fewer: a BEFORE trigger returning
 * NULL or a rule skipped some, and the rows could no longer be matched to the input.
 * @example checkReturnedCount(users, 4_999, 5_000) // throws DatabaseError: users: the statement returned 4999 rows for 5000 ...
 * @internal
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
 * @example await runStatement(tx, 'insert into "users" ("email") select s.c1 from unnest($1::varchar[]) ...', ['{"a@x.io"}'])
 * @internal
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
 * fast and in constant memory: the rows are read, validated and sent a chunk at a time, each
 * chunk one INSERT whose parameters are one array per column, so the parameter count is the
 * column count whatever the row count and every chunk reuses one prepared statement. Only the
 * current chunk is held (plus, with `returning`, the entities), so `rows` can be an iterable or
 * an async iterable (a generator streaming a file) of any length. A failure at any row, a row
 * that fails validation included, rolls everything back and surfaces as the typed error (e.g.
 * `UniqueViolationError`, or an `EntityValidationError` naming every bad row, as `rows[i]`).
 * When the first chunk already has a bad row, nothing is sent at all.
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
 * // insert into "users" ("email", "password_hash") select s.c1, s.c2
 * //   from unnest($1::varchar[], $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i
 * //   returning "id", "uuid", "email", "password_hash", "created_at", "updated_at"
 * //   -- $1 = '{"a@x.io","b@x.io"}', $2 = '{"…","…"}'
 * // COMMIT
 * const n = await batchInsert(db, LogEntity, lines, { returning: false, chunkSize: 10_000 }) // 250000
 *
 * // A million rows streamed from a generator: one chunk in memory at a time.
 * async function* readLogs() {
 *   for await (const line of readline.createInterface({ input: createReadStream('app.log') })) {
 *     yield { functionId: 1, level: 'info', message: line }
 *   }
 * }
 * await batchInsert(db, LogEntity, readLogs(), { returning: false }) // 1000000
 * ```
 * @internal
 */
export async function batchInsert(
  executor: QueryExecutor,
  entity: AnyEntityClass,
  rows: BatchRows<unknown>,
  options?: BatchInsertOptions,
): Promise<object[] | number> {
  const checked = checkBatchOptions(options)
  const table = entity.table as AnyTable
  const chunks = new RowChunks(table, checkBatchRows(rows), checked.chunkSize)
  // Without RETURNING, a transaction of a `Database.connect` pool sends the rows with COPY.
  const cells = new ChunkCells(table, !checked.returning)
  const add = (row: ParsedRow) => cells.add(row)
  try {
    // The first chunk is read before BEGIN: an empty or invalid batch sends nothing.
    await chunks.next(add)
    if (chunks.failed) throw await allIssues(chunks)
    if (cells.count === 0) return checked.returning ? [] : 0
    let writeFailed = false
    try {
      return await executor.transaction(async (tx) => {
        const writer = new BatchWriter(tx, entity, checked, chunks.total)
        if (!checked.returning && tx.canCopy === true) {
          try {
            await copyChunks(tx, table, cells, chunks, add, {
              insertChunk: () => writer.write(takeStatements(table, cells, checked)),
              progressed: (rows) => writer.progressed(rows),
              counted: (rows) => writer.counted(rows),
            })
          } catch (error) {
            writeFailed = !(chunks.failed && error instanceof EntityValidationError)
            throw error
          }
          return writer.result
        }
        do {
          const writing = writer.write(takeStatements(table, cells, checked)).then(
            () => undefined,
            (error: unknown) => ({ error }),
          )
          // Once the statement is on its way (a turn of the event loop), the next chunk is read
          // and validated while PostgreSQL inserts this one: JavaScript and the server work at
          // the same time, and at most two chunks are held.
          await new Promise<void>((resolve) => setImmediate(resolve))
          await chunks.next(add)
          const failed = await writing
          if (failed !== undefined) {
            writeFailed = true
            throw failed.error
          }
          // A bad row rolls back what was sent: throwing ends the transaction.
          if (chunks.failed) throw chunks.error()
        } while (cells.count > 0)
        return writer.result
      })
    } catch (error) {
      // The rows after the bad one are validated outside the transaction, now rolled back.
      if (chunks.failed && !writeFailed) throw await allIssues(chunks)
      throw error
    }
  } finally {
    await chunks.close()
  }
}

// The statements of the chunk in `cells`, which are emptied: only the statements hold the chunk.
function takeStatements(
  table: AnyTable,
  cells: ChunkCells,
  options: CheckedBatchOptions,
): ChunkStatement[] {
  const statements = chunkStatements(table, cells, options)
  cells.clear()
  return statements
}

// Sends the statements of each chunk in turn and keeps what the batch resolves to.
class BatchWriter {
  readonly #tx: QueryExecutor
  readonly #entity: AnyEntityClass
  readonly #options: CheckedBatchOptions
  readonly #total: number
  readonly #entities: object[] = []
  #count = 0
  #done = 0

  constructor(
    tx: QueryExecutor,
    entity: AnyEntityClass,
    options: CheckedBatchOptions,
    total: number,
  ) {
    this.#tx = tx
    this.#entity = entity
    this.#options = options
    this.#total = total
  }

  /** The entities in input order, or with `returning: false` the count. */
  get result(): object[] | number {
    return this.#options.returning ? this.#entities : this.#count
  }

  /** `rows` more were sent (by COPY): reported to `onProgress`. */
  progressed(rows: number): void {
    this.#done += rows
    this.#options.onProgress?.({ done: this.#done, total: this.#total })
  }

  /** The server counted `rows` more inserted (by COPY). */
  counted(rows: number): void {
    this.#count += rows
  }

  async write(statements: readonly ChunkStatement[]): Promise<void> {
    const entity = this.#entity
    for (const statement of statements) {
      const result = await runStatement(this.#tx, statement.sql, statement.parameters)
      if (this.#options.returning) {
        checkReturnedCount(entity.table as AnyTable, result.rows.length, statement.count)
        for (const row of result.rows) this.#entities.push(entity.fromRow(row))
      } else {
        this.#count += Number(result.numAffectedRows ?? BigInt(statement.count))
      }
      this.#done += statement.count
      this.#options.onProgress?.({ done: this.#done, total: this.#total })
    }
  }
}

// The error naming every bad row, the rows not read yet included.
async function allIssues(chunks: RowChunks) {
  await chunks.validateRest()
  return chunks.error()
}
