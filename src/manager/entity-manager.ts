import { CompiledQuery } from 'kysely'
import type { AnyEntityClass, TableOfEntity } from '../entity/entity'
import { EntityValidationError } from '../entity/entity-validation-error'
import {
  InvalidDefinitionError,
  InvalidQueryError,
  NotFoundError,
} from '../errors/kysely-entities-error'
import type { CursorShape } from '../query/cursor'
import { EntityQuery } from '../query/entity-query'
import type { QueryExecutor } from '../query/executor'
import { isHiddenColumn } from '../query/hidden-column'
import { toParameter } from '../query/kind-parameter'
import type { KeyLookup } from '../query/lookup-coalescer'
import type { Page } from '../query/page'
import {
  checkDirection,
  checkLimit,
  checkOffset,
  checkOrderBy,
  checkPage,
  columnOf,
  describe,
  type OrderDirection,
  type OrderTerm,
} from '../query/query-options'
import { loadRelation, type RelationLoadOptions } from '../query/relation-loader'
import type { Related, RelationName, WithRelation } from '../query/relation-types'
import { type TableStatements, tableStatements } from '../query/table-statements'
import { isEmptyWhere } from '../query/where-clause'
import { type WhereText, whereText } from '../query/where-compiler'
import type { WhereInput } from '../query/where-input'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import type { RelationDefinition } from '../schema/relations'
import type {
  InsertProps,
  PropertyOf,
  PublicPropertyOf,
  TableRecord,
  UpdateProps,
} from '../schema/table-types'
import { type BatchInsertOptions, type BatchRows, batchInsert } from './batch-insert'
import { type UpsertOptions, upsert, upsertMany } from './upsert'
import { jsonbSizeIssues, unreadableInput, validationError } from './validation'

export type { Related, RelationName, RelationsOf, WithRelation } from '../query/relation-types'

/**
 * Options of the finders. `P` is the properties they may name: all of them, or in a public view
 * (`manager.public()`) only the public ones.
 */
export interface FindOptions<T extends AnyTable, P extends PropertyOf<T> = PropertyOf<T>> {
  /** Property-keyed filter: a value means `=`, `null` IS NULL, an array `= ANY`, or operators. */
  readonly where?: WhereInput<T, P>
  /** Property (or properties) to sort by. */
  readonly orderBy?: P | readonly P[]
  readonly orderDirection?: OrderDirection
  /** Non-negative integer, at most 10,000. */
  readonly limit?: number
  /** Non-negative integer. */
  readonly offset?: number
  /** Include soft-deleted rows. */
  readonly withDeleted?: boolean
}

/** A filter that must be given: `{ all: true }` is the explicit way to address every row. */
export type RequiredWhere<T extends AnyTable, P extends PropertyOf<T> = PropertyOf<T>> =
  | WhereInput<T, P>
  | { readonly all: true }

/** Options of update, delete, restore and forceDelete. */
export interface WriteOptions<T extends AnyTable, P extends PropertyOf<T> = PropertyOf<T>> {
  readonly where: RequiredWhere<T, P>
}

/** Options of {@link EntityManager.paginate}. */
export interface PaginateOptions<T extends AnyTable, P extends PropertyOf<T> = PropertyOf<T>>
  extends Omit<FindOptions<T, P>, 'limit' | 'offset'> {
  /** 1-based page number. */
  readonly page: number
  /** Rows per page, 1 to 10,000. */
  readonly pageSize: number
}

/** Options of {@link EntityManager.paginateByCursor}. */
export interface CursorOptions<T extends AnyTable, P extends PropertyOf<T> = PropertyOf<T>> {
  /** Rows per page, 1 to 10,000. */
  readonly limit: number
  /** The `nextCursor` of the previous page; absent for the first page. */
  readonly after?: string | null
  /** Property to sort by; the primary key breaks ties. Default: the primary key alone. */
  readonly orderBy?: P
  readonly orderDirection?: OrderDirection
  readonly where?: WhereInput<T, P>
  readonly withDeleted?: boolean
}

/** Options of the {@link EntityManager} constructor. */
export interface EntityManagerOptions {
  /**
   * A public view: secret and internal columns do not exist for where, orderBy, cursors and
   * queries (see {@link EntityManager.public}). Default: the executor's `publicOnly`, else false.
   */
  readonly publicOnly?: boolean
}

/** A keyset page: `nextCursor` is null on the last page. */
export interface CursorPage<E> {
  readonly items: E[]
  readonly nextCursor: string | null
}

/**
 * The typed CRUD, relation, batch and pagination API of one entity class, obtained with
 * `db.manager(Entity)` (or `tx.manager(Entity)` inside a transaction: every statement then runs
 * in that transaction). `where` speaks property names; values are always bind parameters; bad
 * input throws a typed error before anything is sent.
 *
 * @example
 * ```ts
 * const functions = db.manager(FunctionEntity)
 * const page = await functions.findAll({
 *   where: { userId: 7, status: 'active' }, orderBy: 'createdAt', orderDirection: 'desc', limit: 20,
 * })
 * // select "id", "uuid", ... from "functions" where ("user_id" = $1 and "status" = $2)
 * //   order by "created_at" desc limit 20
 *
 * // For request input, the public view: secret and internal columns do not exist.
 * await functions.public().findAll({ where: JSON.parse(body).where })
 * // { userId: 7 } -> InvalidQueryError: where.userId: unknown column of functions
 * ```
 *
 * @typeParam P - the properties where, orderBy and cursors may name: all, or in a public view
 *   only the public ones (`PublicPropertyOf<T>`).
 */
export class EntityManager<
  E extends AnyEntityClass,
  TTables extends TableRecord = TableRecord,
  T extends AnyTable = TableOfEntity<E>,
  P extends PropertyOf<T> = PropertyOf<T>,
> {
  readonly #executor: QueryExecutor
  readonly #entity: E
  readonly #table: T
  readonly #statements: TableStatements
  readonly #publicOnly: boolean
  #publicView: EntityManager<E, TTables, T, PublicPropertyOf<T>> | undefined

  constructor(executor: QueryExecutor, entity: E, options: EntityManagerOptions = {}) {
    this.#executor = executor
    this.#entity = entity
    this.#table = entity.table as T
    this.#statements = tableStatements(this.#table)
    this.#publicOnly = options.publicOnly ?? executor.publicOnly === true
  }

  /**
   * The public view of this manager, for request input: the same entity on the same handle (pool
   * or transaction), in which secret and internal columns (password hashes, serial ids, integer
   * foreign keys) do not exist for `where`, `orderBy`, cursors, relation `orderBy` and `query()`
   * references; naming one is refused with the {@link InvalidQueryError} an unknown name gets, so
   * the refusal tells nothing either. By-id methods are refused when the primary key is internal
   * (use `findByUuid`). Results are unchanged: entities still have every column, and DTOs decide
   * what leaves the server. On a public manager it returns itself.
   *
   * @example
   * ```ts
   * const pub = db.manager(UserEntity).public()
   * await pub.count({ where: { email: { ilike: '%@example.com' } } }) // ... where "email" ilike $1
   * await pub.count({ where: { passwordHash: { like: 'h2%' } } })
   * // throws InvalidQueryError: where.passwordHash: unknown column of users   (nothing sent)
   * ```
   */
  public(): EntityManager<E, TTables, T, PublicPropertyOf<T>> {
    if (this.#publicOnly)
      return this as unknown as EntityManager<E, TTables, T, PublicPropertyOf<T>>
    this.#publicView ??= new EntityManager<E, TTables, T, PublicPropertyOf<T>>(
      this.#executor,
      this.#entity,
      { publicOnly: true },
    )
    return this.#publicView
  }

  /** True on a public view ({@link public}, or a manager of `db.public()`). */
  get isPublic(): boolean {
    return this.#publicOnly
  }

  /** The entity class. */
  get entity(): E {
    return this.#entity
  }

  /** The table definition. */
  get table(): T {
    return this.#table
  }

  // ---------------------------------------------------------------- finders

  /**
   * The row with this primary key, or null (soft-deleted rows count as absent). Calls made on one
   * handle in the same tick are coalesced into one statement per table (see
   * `ConnectOptions.coalesceLookups`); each caller still gets its own entity.
   * @example
   * ```ts
   * await users.findById(1) // select "id", ... from "users" where "id" = $1
   * await Promise.all([users.findById(1), users.findById(2)])
   * // select "id", ... from "users" where "id" = any($1)   [[1, 2]]
   * ```
   */
  async findById(
    id: unknown,
    options: { readonly withDeleted?: boolean } = {},
  ): Promise<InstanceType<E> | null> {
    const statements = this.#statements
    const key = this.#idKey('findById')
    const value = this.#keyValue(key, id, 'id')
    const withDeleted = checkOptions(options).withDeleted
    const text = withDeleted ? statements.selectByIdWithDeleted : statements.selectById
    return this.#byKey(statements.lookupOf(key, Boolean(withDeleted)), text!, value)
  }

  /**
   * The row with this public id (the `uuid` column), or null. A string that is not a uuid throws
   * {@link InvalidQueryError} before anything is sent (and the lookups coalesced with it are not
   * affected). Coalesced as {@link findById} is.
   * @example await users.findByUuid('0b5f…') // select "id", ... from "users" where "uuid" = $1
   */
  async findByUuid(
    uuid: string,
    options: { readonly withDeleted?: boolean } = {},
  ): Promise<InstanceType<E> | null> {
    const statements = this.#statements
    const column = this.#table.$meta.publicId
    if (column === undefined) {
      throw new InvalidDefinitionError(
        `findByUuid: table "${this.#table.$name}" has no public id (a uuid column named uuid, or the publicId option)`,
      )
    }
    const value = this.#keyValue(column, uuid, 'uuid')
    const withDeleted = checkOptions(options).withDeleted
    const text = withDeleted ? statements.selectByPublicIdWithDeleted : statements.selectByPublicId
    return this.#byKey(statements.lookupOf(column, Boolean(withDeleted)), text!, value)
  }

  /**
   * Rows matching `where`, sorted and limited.
   * @example
   * ```ts
   * await functions.findAll({ where: { status: ['active', 'building'] }, orderBy: 'name', limit: 50 })
   * // select ... from "functions" where "status" = any($1) order by "name" asc limit 50
   * ```
   * The limit is written into the statement (a validated integer, never text), the offset is a
   * parameter: PostgreSQL can keep one plan for the statement instead of planning each call. A
   * table writes its first 16 distinct limits so; any other travels as `$n`.
   */
  async findAll(options: FindOptions<T, P> = {}): Promise<InstanceType<E>[]> {
    return this.#many(this.#select(options), true)
  }

  /**
   * The first row matching `where` (in `orderBy` order), or null. A `where` of one equality on a
   * key (the primary key, the public id, a single-column unique key), with no other option than
   * `withDeleted`, is a point lookup: coalesced with the others of the same tick as
   * {@link findById} is.
   * @example
   * ```ts
   * await users.findOne({ where: { email } }) // select "id", ... from "users" where "email" = $1
   * await functions.findOne({ where: { userId }, orderBy: 'createdAt', orderDirection: 'desc' })
   * // select ... from "functions" where "user_id" = $1 order by "created_at" desc limit $2
   * ```
   */
  async findOne(options: Omit<FindOptions<T, P>, 'limit'> = {}): Promise<InstanceType<E> | null> {
    let where: WhereText | undefined
    if (this.#executor.lookups !== undefined && ordersNothing(checkOptions(options))) {
      // Validated as the statement below would validate it (public view rules included).
      where = this.#where(options.where)
      const withDeleted = options.withDeleted === true
      const lookup = this.#statements.lookupOfWhere(where, withDeleted)
      if (lookup !== undefined) return this.#byKey(lookup, lookup.one, where!.values[0])
    }
    const rows = await this.#many(this.#select({ ...options, limit: 1 }, undefined, where), true)
    return rows[0] ?? null
  }

  /** {@link findOne}, throwing {@link NotFoundError} when there is no row. */
  async findOneOrThrow(options: Omit<FindOptions<T, P>, 'limit'> = {}): Promise<InstanceType<E>> {
    const found = await this.findOne(options)
    if (found === null) throw new NotFoundError(this.#table.$name)
    return found
  }

  /**
   * How many rows match.
   * @example await functions.count({ where: { status: 'active' } }) // select count(*) as "count" ... where "status" = $1
   */
  async count(options: Pick<FindOptions<T, P>, 'where' | 'withDeleted'> = {}): Promise<number> {
    const statements = this.#statements
    checkOptions(options)
    if (options.where === undefined || isEmptyWhere(options.where)) {
      const text = options.withDeleted ? statements.countAllWithDeleted : statements.countAll
      return this.#count(CompiledQuery.raw(text, []))
    }
    const where = this.#where(options.where)
    return this.#count(this.#statements.finders.count(where, options.withDeleted === true))
  }

  /** Whether any row matches. @example await users.exists({ where: { email } }) // select exists (...) */
  async exists(options: Pick<FindOptions<T, P>, 'where' | 'withDeleted'> = {}): Promise<boolean> {
    checkOptions(options)
    const where = this.#where(options.where)
    const { rows } = await this.#executor.executeRead<{ exists: boolean }>(
      this.#statements.finders.exists(where, options.withDeleted === true),
    )
    return rows[0]?.exists === true
  }

  /**
   * Whether a row with this primary key exists (a soft-deleted row does not count).
   * @example await users.existsById(1) // select exists (select 1 as "one" from "users" where "id" = $1) as "exists"
   */
  async existsById(id: unknown): Promise<boolean> {
    const value = this.#keyValue(this.#idKey('existsById'), id, 'id')
    const { rows } = await this.#executor.executeRead<{ exists: boolean }>(
      CompiledQuery.raw(this.#statements.existsById!, [value]),
    )
    return rows[0]?.exists === true
  }

  /**
   * Raw SQL returning rows of this table, as validated entities (named parameters as in `db.raw`).
   * @example await functions.raw('SELECT f.* FROM functions f WHERE f.user_id = @user_id', { user_id })
   */
  async raw(
    text: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<InstanceType<E>[]> {
    const rows = await this.#executor.raw(text, params)
    return rows.map((row) => this.#entity.fromMap(row) as InstanceType<E>)
  }

  /** A fluent query on this table, speaking SQL names; see {@link EntityQuery}. */
  query(alias?: string): EntityQuery<E, T, {}, never, TTables> {
    return new EntityQuery<E, T, {}, never, TTables>(this.#executor, this.#entity, {
      ...(alias === undefined ? {} : { alias }),
      publicOnly: this.#publicOnly,
    })
  }

  // ---------------------------------------------------------------- writes

  /**
   * Inserts one row (validated; unknown keys refused) and returns it as an entity.
   * @example
   * ```ts
   * await functions.insert({ userId: 1, name: 'hello' })
   * // insert into "functions" ("user_id", "name") values ($1, $2) returning "id", "uuid", ...
   * ```
   */
  async insert(data: InsertProps<T>): Promise<InstanceType<E>> {
    const parsed = this.#parse(this.#table.$meta.insertSchema, data, 'data')
    const [columns, values] = givenColumns(this.#table, parsed)
    const rows = await this.#many(this.#statements.insert(columns, values))
    return rows[0]!
  }

  /**
   * Updates the rows matching `where` (required: `{ all: true }` to update every row) with the
   * validated `patch`; `onUpdateNow` columns are set to the current time. Returns the updated rows.
   * @example
   * ```ts
   * await functions.update({ status: 'inactive' }, { where: { userId: 7 } })
   * // update "functions" set "status" = $1, "updated_at" = CURRENT_TIMESTAMP where "user_id" = $2 returning ...
   * ```
   */
  async update(patch: UpdateProps<T>, options: WriteOptions<T, P>): Promise<InstanceType<E>[]> {
    const where = this.#requiredWhere(options, 'update')
    const [columns, values] = this.#patch(patch)
    return this.#many(this.#statements.update(columns, values, this.#where(where)))
  }

  /** Updates the row with this primary key; returns it, or null when there is none. */
  async updateById(id: unknown, patch: UpdateProps<T>): Promise<InstanceType<E> | null> {
    const key = this.#idKey('updateById')
    const value = this.#keyValue(key, id, 'id')
    const [columns, values] = this.#patch(patch)
    const rows = await this.#many(this.#statements.updateById(columns, values, value))
    return rows[0] ?? null
  }

  /**
   * Deletes the rows matching `where` (required); on a soft-delete table, sets the soft-delete
   * column instead. Returns how many rows were deleted.
   * @example await logs.delete({ where: { functionId: 3 } }) // delete from "function_logs" where "function_id" = $1
   */
  async delete(options: WriteOptions<T, P>): Promise<number> {
    const where = this.#requiredWhere(options, 'delete')
    const soft = this.#table.$meta.softDelete
    return this.#affected(
      soft === undefined
        ? this.#statements.delete(this.#where(where))
        : this.#statements.softDelete(this.#where(where), true),
    )
  }

  /** Deletes (or soft-deletes) the row with this primary key; true when a row was deleted. */
  async deleteById(id: unknown): Promise<boolean> {
    const value = this.#keyValue(this.#idKey('deleteById'), id, 'id')
    const result = await this.#executor.execute(
      CompiledQuery.raw(this.#statements.deleteById!, [value]),
    )
    return (result.numAffectedRows ?? 0n) > 0n
  }

  /** Deletes the matching rows for real, even on a soft-delete table. */
  async forceDelete(options: WriteOptions<T, P>): Promise<number> {
    const where = this.#requiredWhere(options, 'forceDelete')
    return this.#affected(this.#statements.delete(this.#where(where)))
  }

  /** Clears the soft-delete column of matching deleted rows; returns how many were restored. */
  async restore(options: WriteOptions<T, P>): Promise<number> {
    this.#softDeleteColumn('restore')
    const where = this.#requiredWhere(options, 'restore')
    return this.#affected(this.#statements.softDelete(this.#where(where), false))
  }

  /** Restores the soft-deleted row with this primary key; true when one was restored. */
  async restoreById(id: unknown): Promise<boolean> {
    this.#softDeleteColumn('restoreById')
    const value = this.#keyValue(this.#idKey('restoreById'), id, 'id')
    const result = await this.#executor.execute(
      CompiledQuery.raw(this.#statements.restoreById!, [value]),
    )
    return (result.numAffectedRows ?? 0n) > 0n
  }

  /**
   * Inserts any number of rows in one transaction (a savepoint inside yours), chunk by chunk:
   * each chunk is validated, then sent as one statement with one array parameter per column.
   * A failure at any row leaves nothing written, and every row that fails validation is named.
   * `rows` can be an array or any iterable or async iterable (a generator reading a file, a
   * cursor over another database): only one chunk is held at a time. Returns the entities in
   * input order (or the count with `returning: false`).
   * @example
   * ```ts
   * await logs.batchInsert(lines, { onProgress: ({ done, total }) => console.log(done, total) })
   * // insert into "function_logs" ("function_id", "level", "message")
   * //   select * from unnest($1::integer[], $2::varchar(20)[], $3::text[]) returning ...
   * async function* read() { for await (const line of file.readLines()) yield JSON.parse(line) }
   * await logs.batchInsert(read(), { returning: false }) // constant memory, whatever the length
   * ```
   */
  batchInsert(
    rows: BatchRows<InsertProps<T>>,
    options?: BatchInsertOptions & { readonly returning?: true },
  ): Promise<InstanceType<E>[]>
  batchInsert(
    rows: BatchRows<InsertProps<T>>,
    options: BatchInsertOptions & { readonly returning: false },
  ): Promise<number>
  async batchInsert(
    rows: BatchRows<InsertProps<T>>,
    options: BatchInsertOptions = {},
  ): Promise<InstanceType<E>[] | number> {
    return (await batchInsert(this.#executor, this.#entity, rows, options)) as
      | InstanceType<E>[]
      | number
  }

  /**
   * Inserts, or on a conflict of `conflictColumns` updates, one row; returns it.
   * @example
   * ```ts
   * await data.upsert({ functionId: 1, key: 'k', value: 1 }, { conflictColumns: ['functionId', 'key'] })
   * // insert ... on conflict ("function_id", "key") do update set "value" = excluded."value", ... returning ...
   * ```
   */
  async upsert(
    data: InsertProps<T>,
    options: UpsertOptions<PropertyOf<T>>,
  ): Promise<InstanceType<E>> {
    return (await upsert(this.#executor, this.#entity, data, options)) as InstanceType<E>
  }

  /** {@link upsert} for many rows in one transaction. */
  async upsertMany(
    rows: readonly InsertProps<T>[],
    options: UpsertOptions<PropertyOf<T>> & Omit<BatchInsertOptions, 'returning'>,
  ): Promise<InstanceType<E>[]> {
    return (await upsertMany(this.#executor, this.#entity, rows, options)) as InstanceType<E>[]
  }

  // ---------------------------------------------------------------- pagination

  /**
   * One page by number: `{ items, total, page, pageSize, hasMore }` (two statements: the count
   * and the page).
   * @example await functions.paginate({ page: 2, pageSize: 20, where: { userId }, orderBy: 'createdAt', orderDirection: 'desc' })
   */
  async paginate(options: PaginateOptions<T, P>): Promise<Page<InstanceType<E>>> {
    checkOptions(options)
    const page = checkPage(options.page)
    const pageSize = checkLimit(options.pageSize, 'pageSize')
    if (pageSize === 0) throw new InvalidQueryError('pageSize', 'must be at least 1')
    const offset = checkOffset((page - 1) * pageSize, 'page')
    const { page: _p, pageSize: _s, ...find } = options
    // Pages of an unordered query may overlap: without orderBy, the primary key orders them
    // (an order of the library's choosing, so a public view takes it even when the key is hidden).
    const key = this.#statements.primaryKey
    const implied: readonly OrderTerm[] | undefined =
      find.orderBy === undefined && key !== undefined
        ? [{ column: key, direction: checkDirection(find.orderDirection) }]
        : undefined
    // Checked before either statement starts: a refusal leaves no call running.
    const query = this.#select({ ...find, limit: pageSize, offset }, implied)
    const [total, items] = await Promise.all([
      this.count({ where: find.where, withDeleted: find.withDeleted }),
      this.#many(query, true),
    ])
    return { items, total, page, pageSize, hasMore: offset + items.length < total }
  }

  /**
   * A keyset page: stable while rows are inserted, and as cheap at depth 100,000 as on the first
   * page. `nextCursor` is encrypted and authenticated (it carries the primary key, which must not
   * reach clients): opaque, and a forged or altered cursor is refused with {@link InvalidQueryError}.
   * @example
   * ```ts
   * const first = await functions.paginateByCursor({ limit: 20, orderBy: 'createdAt', orderDirection: 'desc' })
   * const next = await functions.paginateByCursor({ limit: 20, orderBy: 'createdAt', orderDirection: 'desc', after: first.nextCursor })
   * // ... where ("created_at", "id") < ($1, $2) order by "created_at" desc, "id" desc limit 21
   * // (limit + 1 rows, to know whether there is a next page; written into the statement, so
   * // PostgreSQL keeps one generic plan for the page instead of planning every call)
   * ```
   */
  async paginateByCursor(options: CursorOptions<T, P>): Promise<CursorPage<InstanceType<E>>> {
    checkOptions(options)
    const limit = checkLimit(options.limit)
    if (limit === 0) throw new InvalidQueryError('limit', 'must be at least 1')
    const key = this.#primaryKey('paginateByCursor')
    const direction = checkDirection(options.orderDirection)
    const sortColumn =
      options.orderBy === undefined
        ? undefined
        : columnOf(this.#table, options.orderBy, 'orderBy', this.#publicOnly)
    const columns = sortColumn === undefined || sortColumn === key ? [key] : [sortColumn, key]
    // A Date keeps milliseconds, PostgreSQL microseconds: the cursor carries a timestamp sort
    // value as PostgreSQL's own text (selected as __ke_cursor_<i>), or rows sharing its
    // millisecond would be skipped.
    const exact = columns.map((c, i) =>
      columnType(c.kind).exactText ? `__ke_cursor_${i}` : undefined,
    )
    const where = this.#where(options.where)
    const shape: CursorShape = { columns, direction, publicOnly: this.#publicOnly }
    const after =
      options.after === undefined || options.after === null
        ? undefined
        : this.#executor.cursors.decode(options.after, shape)
    const { rows } = await this.#executor.executeRead<Record<string, unknown>>(
      this.#statements.finders.cursorPage(
        where,
        options.withDeleted === true,
        columns,
        direction,
        after,
        limit + 1,
      ),
    )
    const page = rows.length > limit ? rows.slice(0, limit) : rows
    const items = page.map((row) => this.#entity.fromRow(row) as InstanceType<E>)
    const last = page[page.length - 1]
    const nextCursor =
      rows.length > limit && last !== undefined
        ? this.#executor.cursors.encode(
            columns.map((c, i) => last[exact[i] ?? c.name]),
            shape,
          )
        : null
    return { items, nextCursor }
  }

  // ---------------------------------------------------------------- relations

  /**
   * The related rows of one parent for a hasMany relation.
   * @example await functions.hasMany('deployments', fn, { orderBy: 'version', orderDirection: 'desc' })
   * // select ... from "function_deployments" where "function_id" = any($1) order by "version" desc
   */
  async hasMany<K extends RelationName<T>>(
    relation: K,
    parent: InstanceType<E>,
    options: RelationLoadOptions = {},
  ): Promise<Related<T, K, TTables>> {
    return this.#relatedOf(relation, parent, options, ['hasMany', 'hasOne'])
  }

  /** The row a belongsTo relation points at, or null. @example await functions.belongsTo('owner', fn) */
  async belongsTo<K extends RelationName<T>>(
    relation: K,
    child: InstanceType<E>,
  ): Promise<Related<T, K, TTables>> {
    return this.#relatedOf(relation, child, {}, ['belongsTo'])
  }

  /** The rows linked through a junction table. @example await organizations.manyToMany('members', org) */
  async manyToMany<K extends RelationName<T>>(
    relation: K,
    parent: InstanceType<E>,
    options: RelationLoadOptions = {},
  ): Promise<Related<T, K, TTables>> {
    return this.#relatedOf(relation, parent, options, ['manyToMany'])
  }

  /**
   * Loads a relation for many entities in ONE query and returns them with the relation attached
   * as a property of that name (new instances; the given ones are untouched).
   * @example
   * ```ts
   * const withDeployments = await functions.load(fns, 'deployments')
   * withDeployments[0].deployments // FunctionDeploymentEntity[]
   * // select ... from "function_deployments" where "function_id" = any($1)
   * ```
   */
  async load<K extends RelationName<T>, P extends InstanceType<E> = InstanceType<E>>(
    entities: readonly P[],
    relation: K,
    options: RelationLoadOptions = {},
  ): Promise<WithRelation<P, T, K, TTables>[]> {
    if (!Array.isArray(entities)) {
      throw new InvalidQueryError('entities', `expected an array, got ${describe(entities)}`)
    }
    const loaded = await loadRelation(
      this.#executor,
      this.#table,
      relation,
      entities,
      options,
      this.#publicOnly,
    )
    return entities.map((entity) => {
      const Ctor = (entity as object).constructor as new (props: object) => object
      const copy = new Ctor(entity as object) as Record<string, unknown>
      // Relations attached earlier (load, with) stay: loads can be chained.
      for (const key of Object.keys(entity as object)) {
        if (!(key in copy)) copy[key] = (entity as Record<string, unknown>)[key]
      }
      copy[relation] = loaded.get(entity as object)
      return copy as WithRelation<P, T, K, TTables>
    })
  }

  // ---------------------------------------------------------------- internals

  async #relatedOf(
    relation: string,
    parent: unknown,
    options: RelationLoadOptions,
    kinds: readonly string[],
  ): Promise<any> {
    // A name that is not a string (an object from request JSON) never reaches Object.hasOwn,
    // whose key conversion would throw a TypeError; loadRelation refuses it with a typed error.
    const definition =
      typeof relation === 'string' && Object.hasOwn(this.#table.$relations, relation)
        ? (this.#table.$relations as Record<string, RelationDefinition>)[relation]
        : undefined
    if (definition !== undefined && !kinds.includes(definition.kind)) {
      throw new InvalidQueryError(
        'relation',
        `"${relation}" is a ${definition.kind} relation of ${this.#table.$name}`,
      )
    }
    if (parent === null || typeof parent !== 'object') {
      throw new InvalidQueryError('parent', `expected an entity, got ${describe(parent)}`)
    }
    const loaded = await loadRelation(
      this.#executor,
      this.#table,
      relation,
      [parent],
      options,
      this.#publicOnly,
    )
    return loaded.get(parent)
  }

  #primaryKey(method: string): Column {
    const key = this.#statements.primaryKey
    if (key === undefined) {
      throw new InvalidDefinitionError(
        `${method}: table "${this.#table.$name}" needs a single-column primary key`,
      )
    }
    return key
  }

  // The primary key of a by-id method: in a public view, only when it is a public column (an
  // internal id given by request input would enumerate rows).
  #idKey(method: string): Column {
    const key = this.#primaryKey(method)
    if (this.#publicOnly && isHiddenColumn(key)) {
      throw new InvalidQueryError(
        'id',
        `${method} is not available in a public view: the primary key of ${this.#table.$name} is internal (use findByUuid)`,
      )
    }
    return key
  }

  #softDeleteColumn(method: string): Column {
    const soft = this.#table.$meta.softDelete
    if (soft === undefined) {
      throw new InvalidQueryError(method, `table "${this.#table.$name}" has no softDelete column`)
    }
    return soft
  }

  #keyValue(column: Column, value: unknown, path: string): unknown {
    const result = column.schema.safeParse(value)
    if (!result.success || result.data === null) {
      throw new InvalidQueryError(
        path,
        `expected a ${column.kind} value for ${this.#table.$name}.${column.property}, got ${describe(value)}`,
      )
    }
    return toParameter(column, result.data)
  }

  #parse(
    schema: { safeParse(v: unknown): any },
    data: unknown,
    path: string,
  ): Record<string, unknown> {
    let result: { success: boolean; data?: unknown; error?: unknown }
    try {
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new EntityValidationError(this.#table.$name, [
          { path, message: `expected an object, got ${describe(data)}` },
        ])
      }
      // A jsonb value nested too deep would overflow the stack inside the schema.
      const tooBig = jsonbSizeIssues(this.#table, data)
      if (tooBig.length > 0) throw new EntityValidationError(this.#table.$name, tooBig)
      result = schema.safeParse(data)
    } catch (error) {
      throw unreadableInput(this.#table, data, error, path)
    }
    if (!result.success)
      throw validationError(this.#table, result.error as Parameters<typeof validationError>[1])
    return result.data as Record<string, unknown>
  }

  #requiredWhere(options: unknown, method: string): RequiredWhere<T> {
    const where = (options as { where?: unknown } | undefined)?.where
    if (where === undefined || where === null) {
      throw new InvalidQueryError(
        'where',
        `${method} needs a where filter; pass { all: true } to address every row`,
      )
    }
    if (isEmptyWhere(where)) {
      throw new InvalidQueryError(
        'where',
        `${method} with an empty where filter would touch every row; pass { all: true } to mean that`,
      )
    }
    return where as RequiredWhere<T>
  }

  // The finders' where input, validated, as text and values ({ all: true } is no condition).
  #where(where: unknown): WhereText | undefined {
    return whereText(this.#table, where, {
      path: 'where',
      allowAll: true,
      publicOnly: this.#publicOnly,
    })
  }

  // Checks everything, in this order, before the statement of this shape is looked up. `implied`:
  // an order of the library's own (paginate's primary key), used when options give none.
  // `checked`: the where input, already validated.
  #select(
    options: FindOptions<T, P>,
    implied?: readonly OrderTerm[],
    checked?: WhereText,
  ): CompiledQuery<unknown> {
    checkOptions(options)
    const where = checked ?? this.#where(options.where)
    const order =
      options.orderBy === undefined && implied !== undefined
        ? implied
        : checkOrderBy(
            this.#table,
            options.orderBy,
            options.orderDirection,
            'orderBy',
            this.#publicOnly,
          )
    const limit = options.limit === undefined ? undefined : checkLimit(options.limit)
    const offset = options.offset === undefined ? undefined : checkOffset(options.offset)
    return this.#statements.finders.select(
      where,
      options.withDeleted === true,
      order,
      limit,
      offset,
    )
  }

  // The validated patch as the columns it sets (in table order) and their values.
  #patch(patch: unknown): [Column[], unknown[]] {
    const parsed = this.#parse(this.#table.$meta.updateSchema, patch, 'patch')
    const given = givenColumns(this.#table, parsed)
    if (given[0].length === 0) {
      throw new InvalidQueryError('patch', 'nothing to update: the patch sets no column')
    }
    return given
  }

  async #affected(query: CompiledQuery<unknown>): Promise<number> {
    const result = await this.#executor.execute(query)
    return Number(result.numAffectedRows ?? 0n)
  }

  // `read`: the statement only reads, so it may be pipelined (QueryExecutor.executeRead).
  #rows(query: CompiledQuery<unknown>, read: boolean) {
    return read
      ? this.#executor.executeRead<Record<string, unknown>>(query)
      : this.#executor.execute<Record<string, unknown>>(query)
  }

  // A point lookup: through the handle's coalescer when it has one and the key column is a lookup
  // column, else `text` alone. Called synchronously by the finders, so the key is queued in the
  // caller's tick. Each caller decodes its own row: its own entity.
  async #byKey(
    lookup: KeyLookup | undefined,
    text: string,
    value: unknown,
  ): Promise<InstanceType<E> | null> {
    const lookups = this.#executor.lookups
    if (lookups === undefined || lookup === undefined) return this.#one(text, [value], true)
    const row = await lookups.load(lookup, value)
    return row === undefined ? null : (this.#entity.fromRow(row) as InstanceType<E>)
  }

  async #one(
    text: string,
    parameters: readonly unknown[],
    read = false,
  ): Promise<InstanceType<E> | null> {
    const { rows } = await this.#rows(CompiledQuery.raw(text, parameters as unknown[]), read)
    const row = rows[0]
    return row === undefined ? null : (this.#entity.fromRow(row) as InstanceType<E>)
  }

  async #many(query: CompiledQuery<unknown>, read = false): Promise<InstanceType<E>[]> {
    const { rows } = await this.#rows(query, read)
    const entity = this.#entity
    const out = new Array<InstanceType<E>>(rows.length)
    for (let i = 0; i < rows.length; i++) out[i] = entity.fromRow(rows[i]!) as InstanceType<E>
    return out
  }

  async #count(query: CompiledQuery<unknown>): Promise<number> {
    const { rows } = await this.#executor.executeRead<{ count: bigint | string | number }>(query)
    return Number(rows[0]?.count ?? 0)
  }
}

/** An options argument must be an object: `null` (e.g. from request JSON) is refused, not read. */
function checkOptions<O>(options: O): O {
  if (options === null || typeof options !== 'object') {
    throw new InvalidQueryError('options', `expected an object, got ${describe(options)}`)
  }
  return options
}

/**
 * Whether find options order and skip nothing (what `findOne` reads besides `where` and
 * `withDeleted`): a point lookup's options.
 */
function ordersNothing(options: {
  readonly orderBy?: unknown
  readonly orderDirection?: unknown
  readonly offset?: unknown
}): boolean {
  return (
    options.orderBy === undefined &&
    options.orderDirection === undefined &&
    options.offset === undefined
  )
}

/** The columns `parsed` gives a value (undefined: not given), in table order, and those values. */
function givenColumns(table: AnyTable, parsed: Record<string, unknown>): [Column[], unknown[]] {
  const columns: Column[] = []
  const values: unknown[] = []
  for (const column of table.$meta.columns) {
    const value = parsed[column.property]
    if (value === undefined) continue
    columns.push(column)
    values.push(value)
  }
  return [columns, values]
}
