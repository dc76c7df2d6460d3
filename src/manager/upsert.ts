import type { AnyEntityClass } from '../entity/entity'
import type { ValidationIssue } from '../entity/entity-validation-error'
import { SerializationFailureError } from '../errors/database-errors'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import {
  columnsKey,
  DO_NOTHING,
  onConflictClause,
  returningClause,
  selectByKeysSql,
  unnestInsertSql,
} from '../query/batch-statements'
import type { QueryExecutor } from '../query/executor'
import { columnOf, describe } from '../query/query-options'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import {
  type BatchInsertOptions,
  type BatchStatement,
  checkBatchOptions,
  checkReturnedCount,
  checkRowsArray,
  type ParsedRow,
  parseRows,
  runStatement,
  serializeValue,
  unnestParameters,
} from './batch-insert'

/**
 * Options of {@link EntityManager.upsert} and {@link EntityManager.upsertMany}.
 * @example { conflictColumns: ['userId', 'name'], update: ['status'] } // on conflict ("user_id", "name") do update set "status" = excluded."status"
 */
export interface UpsertOptions<P extends string = string> {
  /** Properties of a PRIMARY KEY or UNIQUE constraint (single column `.unique()`, `uniques` option, or primary key) */
  readonly conflictColumns: readonly P[]
  /** Properties to overwrite on conflict. Default: every inserted property except the conflict columns and the primary key. `[]` means keep the existing row unchanged (and still return it). */
  readonly update?: readonly P[]
}

/**
 * Upsert options after validation.
 * @example checkUpsertOptions(users, { conflictColumns: ['email'] }) // { conflict: [users.email], update: undefined }
 * @internal
 */
export interface UpsertPlan {
  /** The conflict target, in the order given. */
  readonly conflict: readonly Column[]
  /** Properties that may be overwritten; `undefined`: every given one but keys. */
  readonly update: ReadonlySet<string> | undefined
}

/**
 * The column sets an ON CONFLICT target can name: the primary key, each single-column UNIQUE,
 * each `uniques` entry and each non-partial unique index (a partial one needs its predicate too).
 *
 * @example
 * ```ts
 * conflictTargets(functions) // [[functions.id], [functions.uuid], [functions.userId, functions.name]]
 * // on conflict ("id") | on conflict ("uuid") | on conflict ("user_id", "name")
 * ```
 * @internal
 */
export function conflictTargets(table: AnyTable): readonly (readonly Column[])[] {
  const meta = table.$meta
  const targets: (readonly Column[])[] = []
  if (meta.primaryKey.length > 0) targets.push(meta.primaryKey)
  for (const column of meta.columns) if (column.unique) targets.push([column])
  for (const unique of meta.uniques) targets.push(unique.columns)
  for (const index of meta.indexes) {
    if (index.unique && index.where === undefined) targets.push(index.columns)
  }
  return targets
}

function properties(value: unknown, path: string, table: AnyTable): Column[] {
  if (!Array.isArray(value)) {
    throw new InvalidQueryError(path, `expected an array of properties, got ${describe(value)}`)
  }
  const seen = new Set<Column>()
  return value.map((property, i) => {
    const column = columnOf(table, property, `${path}[${i}]`)
    if (seen.has(column)) {
      throw new InvalidQueryError(`${path}[${i}]`, `${JSON.stringify(property)} is listed twice`)
    }
    seen.add(column)
    return column
  })
}

/**
 * Checks upsert options against the table before anything is sent: `conflictColumns` must be
 * exactly (as a set) the columns of the primary key, of a single-column unique, of a `uniques`
 * entry or of a unique index; `update` may name any other column but the primary key (a key
 * would be overwritten by a fresh default). Throws {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * checkUpsertOptions(functions, { conflictColumns: ['name', 'userId'] }) // ok: uniques [['userId', 'name']]
 * checkUpsertOptions(functions, { conflictColumns: ['name'] })
 * // throws InvalidQueryError: conflictColumns: ["name"] is not the primary key or a unique constraint of
 * //   functions; use one of ["id"], ["uuid"], ["userId", "name"]
 * ```
 * @internal
 */
export function checkUpsertOptions(table: AnyTable, options: unknown): UpsertPlan {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidQueryError(
      'options',
      `expected { conflictColumns: [...] }, got ${describe(options)}`,
    )
  }
  const { conflictColumns, update } = options as Record<string, unknown>
  const conflict = properties(conflictColumns, 'conflictColumns', table)
  if (conflict.length === 0) {
    throw new InvalidQueryError('conflictColumns', 'expected at least one property')
  }
  const targets = conflictTargets(table)
  const matches = targets.some(
    (target) => target.length === conflict.length && target.every((c) => conflict.includes(c)),
  )
  if (!matches) {
    const list = (cols: readonly Column[]) => JSON.stringify(cols.map((c) => c.property))
    throw new InvalidQueryError(
      'conflictColumns',
      `${list(conflict)} is not the primary key or a unique constraint of ${table.$name}; ` +
        (targets.length === 0
          ? 'the table has none'
          : `use one of ${targets.map((t) => list(t).replaceAll(',', ', ')).join(', ')}`),
    )
  }
  if (update === undefined) return { conflict, update: undefined }
  const keys = new Set(table.$meta.primaryKey)
  const overwrite = properties(update, 'update', table)
  overwrite.forEach((column, i) => {
    if (conflict.includes(column)) {
      throw new InvalidQueryError(
        `update[${i}]`,
        `"${column.property}" is a conflict column: it already equals the existing value`,
      )
    }
    if (keys.has(column)) {
      throw new InvalidQueryError(
        `update[${i}]`,
        `"${column.property}" is part of the primary key, which upsert never overwrites`,
      )
    }
  })
  return { conflict, update: new Set(overwrite.map((c) => c.property)) }
}

const at = (path: string, property: string) => (path === '' ? property : `${path}.${property}`)

/**
 * Issues for a row whose conflict columns are missing or null: the conflict target is what
 * finds the existing row, and NULL never conflicts (the row would always be inserted).
 */
function conflictIssues(conflict: readonly Column[]) {
  return (row: ParsedRow, path: string): ValidationIssue[] => {
    const issues: ValidationIssue[] = []
    for (const column of conflict) {
      const value = row[column.property]
      if (value === undefined) {
        issues.push({
          path: at(path, column.property),
          message: 'required: it is a conflict column',
        })
      } else if (value === null) {
        issues.push({
          path: at(path, column.property),
          message: 'a conflict column cannot be null: NULL never conflicts',
        })
      }
    }
    return issues
  }
}

function keyPart(column: Column, value: unknown): string {
  return columnType(column.kind).keyText(serializeValue(column, value) ?? '')
}

/**
 * Each row's conflict key as one comparable string, equal exactly when PostgreSQL finds the keys
 * equal (uuids compare case-insensitively and decimals by value). Computed once per batch, for
 * {@link findDuplicateKey} and {@link lockOrder}.
 *
 * @example
 * ```ts
 * conflictKeys([functions.userId, functions.name], [{ userId: 1, name: 'a' }]) // ['["1","a"]']
 * ```
 * @internal
 */
export function conflictKeys(conflict: readonly Column[], parsed: readonly ParsedRow[]): string[] {
  if (conflict.length === 1) {
    const column = conflict[0]!
    return parsed.map((row) => keyPart(column, row[column.property]))
  }
  return parsed.map((row) => JSON.stringify(conflict.map((c) => keyPart(c, row[c.property]))))
}

/**
 * The first two rows with the same conflict key, as `[earlier, later]` indexes. PostgreSQL
 * refuses to affect one row twice in a statement ("ON CONFLICT DO UPDATE command cannot affect
 * row a second time"); rows in different chunks would silently overwrite each other instead.
 *
 * @example
 * ```ts
 * findDuplicateKey(conflictKeys([users.email], [{ email: 'a' }, { email: 'b' }, { email: 'a' }])) // [0, 2]
 * ```
 * @internal
 */
export function findDuplicateKey(keys: readonly string[]): readonly [number, number] | undefined {
  const seen = new Map<string, number>()
  for (let i = 0; i < keys.length; i++) {
    const first = seen.get(keys[i]!)
    if (first !== undefined) return [first, i]
    seen.set(keys[i]!, i)
  }
  return undefined
}

/**
 * The row indexes sorted by conflict key. Upserting in this order makes every caller lock the
 * rows it touches in one global order, so two concurrent `upsertMany` over overlapping keys given
 * in different orders wait for each other instead of deadlocking.
 *
 * @example
 * ```ts
 * lockOrder(conflictKeys([users.email], [{ email: 'b' }, { email: 'a' }])) // [1, 0]
 * ```
 * @internal
 */
export function lockOrder(keys: readonly string[]): number[] {
  return keys
    .map((_, i) => i)
    .sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0))
}

/**
 * An upsert statement that overwrites on conflict and returns every row.
 * @example { kind: 'update', sql: 'insert ... on conflict ("email") do update set ... returning ...', parameters, rows: [0, 1] }
 * @internal
 */
export interface UpsertUpdateStatement extends BatchStatement {
  readonly kind: 'update'
}

/**
 * An upsert that keeps existing rows: an INSERT ... DO NOTHING, then a SELECT of every row by its
 * key, ordered by input position. A no-op DO UPDATE would also return the rows, but it writes a
 * new row version and fires UPDATE triggers (the generated `onUpdateNow` trigger among them), so
 * the row would not be unchanged.
 *
 * @example
 * ```ts
 * // insert into "users" (...) select ... order by s.i on conflict ("email") do nothing
 * // select "users"."id", ... from unnest($1::varchar[]) with ordinality as s(c1, i)
 * //   join "users" on "users"."email" = s.c1 order by s.i
 * ```
 * @internal
 */
export interface UpsertKeepStatement extends BatchStatement {
  readonly kind: 'keep'
  readonly selectSql: string
  readonly selectParameters: readonly (string | null)[]
}

/**
 * One statement (or, to keep rows, INSERT-then-SELECT pair) of an upsert; see {@link upsertStatements}.
 * @example statement.kind === 'keep' ? [statement.sql, statement.selectSql] : [statement.sql]
 * @internal
 */
export type UpsertStatement = UpsertUpdateStatement | UpsertKeepStatement

/**
 * The statements that upsert rows `from` to `to` (exclusive) of `parsed`. Rows are grouped by
 * the set of properties they give, one unnest statement per group (usually one): a row that does
 * not give a property must not overwrite it with another row's NULL or default. Each statement's
 * `rows` lists the input indexes in the order its rows come back.
 *
 * @example
 * ```ts
 * upsertStatements(users, plan, parsed, 0, 2)
 * // [{ kind: 'update', rows: [0, 1], parameters: ['{"a@x.io","b@x.io"}', '{"h1","h2"}'],
 * //    sql: 'insert into "users" ("email", "password_hash") select s.c1, s.c2 from unnest($1::varchar[],
 * //      $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i on conflict ("email") do update set
 * //      "password_hash" = excluded."password_hash", "updated_at" = CURRENT_TIMESTAMP returning "id", ...' }]
 * ```
 * @internal
 */
export function upsertStatements(
  table: AnyTable,
  plan: UpsertPlan,
  parsed: readonly ParsedRow[],
  from: number,
  to: number,
): UpsertStatement[] {
  const meta = table.$meta
  const groups = new Map<string, { columns: Column[]; rows: number[] }>()
  for (let r = from; r < to; r++) {
    const row = parsed[r]!
    const columns = meta.columns.filter((c) => row[c.property] !== undefined)
    const key = columnsKey(columns)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, { columns, rows: [r] })
    else group.rows.push(r)
  }
  return [...groups.values()].map(({ columns, rows }): UpsertStatement => {
    const clause = onConflictClause(table, plan, columns)
    const parameters = unnestParameters(columns, parsed, rows)
    if (clause.endsWith(DO_NOTHING)) {
      return {
        kind: 'keep',
        sql: unnestInsertSql(table, columns, clause),
        parameters,
        rows,
        selectSql: selectByKeysSql(table, plan.conflict),
        selectParameters: unnestParameters(plan.conflict, parsed, rows),
      }
    }
    return {
      kind: 'update',
      sql: unnestInsertSql(table, columns, `${clause}${returningClause(table)}`),
      parameters,
      rows,
    }
  })
}

// A concurrent transaction may delete a kept row between the INSERT and the SELECT (READ
// COMMITTED): the INSERT is then repeated for the chunk, a few times at most.
const KEEP_ATTEMPTS = 3

async function runUpsertStatement(
  executor: QueryExecutor,
  table: AnyTable,
  statement: UpsertStatement,
): Promise<readonly Record<string, unknown>[]> {
  if (statement.kind === 'update') {
    const result = await runStatement(executor, statement.sql, statement.parameters)
    checkReturnedCount(table, result.rows.length, statement.rows.length)
    return result.rows
  }
  for (let attempt = 1; ; attempt++) {
    await runStatement(executor, statement.sql, statement.parameters)
    const result = await runStatement(executor, statement.selectSql, statement.selectParameters)
    if (result.rows.length === statement.rows.length) return result.rows
    if (attempt === KEEP_ATTEMPTS) {
      throw new SerializationFailureError(
        `${table.$name}: rows kept by upsert were deleted concurrently before they could be read; retry the transaction`,
        { sqlState: undefined, table: table.$name, constraint: undefined, column: undefined },
        undefined,
      )
    }
  }
}

async function runUpserts(
  executor: QueryExecutor,
  entity: AnyEntityClass,
  plan: UpsertPlan,
  parsed: readonly ParsedRow[],
  chunkSize: number,
  onProgress: BatchInsertOptions['onProgress'],
): Promise<object[]> {
  const table = entity.table as AnyTable
  const total = parsed.length
  return executor.transaction(async (tx) => {
    const entities: object[] = new Array(total)
    for (let from = 0; from < total; from += chunkSize) {
      const to = Math.min(total, from + chunkSize)
      for (const statement of upsertStatements(table, plan, parsed, from, to)) {
        const rows = await runUpsertStatement(tx, table, statement)
        for (let k = 0; k < rows.length; k++) {
          entities[statement.rows[k]!] = entity.fromRow(rows[k]!)
        }
      }
      onProgress?.({ done: to, total })
    }
    return entities
  })
}

/**
 * Inserts one row, or, when it conflicts with an existing row on `conflictColumns`, updates that
 * row; resolves to the row as stored. The data is validated like an insert; the conflict columns
 * must be given and not null. By default every given property but the keys is overwritten, and
 * `onUpdateNow` columns are set to the current time; `update: []` keeps the existing row as it is
 * (`DO NOTHING`, then a SELECT by key) and returns it.
 *
 * @example
 * ```ts
 * await upsert(db, UserEntity, { email: 'a@x.io', passwordHash: h }, { conflictColumns: ['email'] })
 * // insert into "users" ("email", "password_hash") select s.c1, s.c2 from unnest($1::varchar[], $2::varchar[])
 * //   with ordinality as s(c1, c2, i) order by s.i
 * //   on conflict ("email") do update set "password_hash" = excluded."password_hash", "updated_at" = CURRENT_TIMESTAMP
 * //   returning "id", "uuid", "email", "password_hash", "created_at", "updated_at"
 * await upsert(db, UserEntity, { email: 'a@x.io', passwordHash: h }, { conflictColumns: ['email'], update: [] })
 * // insert ... on conflict ("email") do nothing
 * // select "users"."id", ... from unnest($1::varchar[]) with ordinality as s(c1, i) join "users" on "users"."email" = s.c1 order by s.i
 * ```
 * @internal
 */
export async function upsert(
  executor: QueryExecutor,
  entity: AnyEntityClass,
  data: unknown,
  options: UpsertOptions,
): Promise<object> {
  const table = entity.table as AnyTable
  const plan = checkUpsertOptions(table, options)
  const parsed = parseRows(table, [data], () => '', conflictIssues(plan.conflict))
  const [row] = await runUpserts(executor, entity, plan, parsed, 1, undefined)
  return row!
}

/**
 * {@link upsert} for any number of rows, in one transaction (a savepoint inside the caller's),
 * chunk by chunk in the unnest form of {@link batchInsert}; resolves to the rows as stored, in
 * input order. Every row is validated first, and two rows with the same conflict key are refused
 * (PostgreSQL cannot affect one row twice in a statement).
 *
 * @example
 * ```ts
 * await upsertMany(db, FunctionEntity, [
 *   { userId: 1, name: 'a', status: 'active' },
 *   { userId: 1, name: 'b', status: 'paused' },
 * ], { conflictColumns: ['userId', 'name'], update: ['status'] })
 * // insert into "functions" ("user_id", "name", "status") select s.c1, s.c2, s.c3
 * //   from unnest($1::integer[], $2::varchar[], $3::varchar[]) with ordinality as s(c1, c2, c3, i) order by s.i
 * //   on conflict ("user_id", "name") do update set "status" = excluded."status" returning "id", ...
 * ```
 * @internal
 */
export async function upsertMany(
  executor: QueryExecutor,
  entity: AnyEntityClass,
  rows: readonly unknown[],
  options: UpsertOptions & Omit<BatchInsertOptions, 'returning'>,
): Promise<object[]> {
  const table = entity.table as AnyTable
  const plan = checkUpsertOptions(table, options)
  const { chunkSize, onProgress } = checkBatchOptions({
    chunkSize: options.chunkSize,
    onProgress: options.onProgress,
  })
  const parsed = parseRows(table, checkRowsArray(rows), undefined, conflictIssues(plan.conflict))
  const keys = conflictKeys(plan.conflict, parsed)
  const duplicate = findDuplicateKey(keys)
  if (duplicate !== undefined) {
    const [first, second] = duplicate
    const names = plan.conflict.map((c) => c.property).join(', ')
    throw new InvalidQueryError(
      `rows[${second}]`,
      `rows[${first}] and rows[${second}] have the same conflict key (${names}); ` +
        'PostgreSQL cannot insert or update one row twice in a statement',
    )
  }
  if (parsed.length === 0) return []
  // Sent in conflict-key order (see lockOrder), returned in input order.
  const order = lockOrder(keys)
  const sorted = order.map((i) => parsed[i]!)
  const upserted = await runUpserts(executor, entity, plan, sorted, chunkSize, onProgress)
  const entities: object[] = new Array(parsed.length)
  for (let k = 0; k < order.length; k++) entities[order[k]!] = upserted[k]!
  return entities
}
