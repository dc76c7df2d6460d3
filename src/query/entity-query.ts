import { type Expression, isAliasedExpression, isExpression, type SelectQueryBuilder } from 'kysely'
import type { AnyEntityClass, TableOfEntity } from '../entity/entity'
import { InvalidQueryError, NotFoundError } from '../errors/kysely-entities-error'
import type { AnyTable } from '../schema/define-table'
import type { TableRecord } from '../schema/table-types'
import type { QueryExecutor } from './executor'
import { checkQueryPage, type Page, type QueryPaginateOptions } from './page'
import {
  comparisonArguments,
  freezeList,
  listArgument,
  rawExpression,
  rethrowAt,
} from './query-arguments'
import { compileCount, compileSelect } from './query-compiler'
import {
  checkDirection,
  checkLimit,
  checkOffset,
  describe,
  MAX_LIMIT,
  type OrderDirection,
} from './query-options'
import {
  initialQueryState,
  type JoinKind,
  type OrderTarget,
  type Predicate,
  type QueryState,
} from './query-state'
import { checkRelationPath, loadRelationPaths } from './relation-paths'
import type { LoadedRelations, RelationNameOf } from './relation-types'
import { type ColumnRef, type OutputNameOf, parseSelection, type SelectItem } from './selection'
import {
  type ComparisonOperatorInput,
  checkOperand,
  checkOperator,
  checkSingleValue,
  referencedColumn,
} from './sql-operator'
import {
  FORWARD,
  isIdentifier,
  parseTableSpec,
  type ResolveOptions,
  resolveReference,
} from './sql-reference'
import { MAX_WHERE_VALUES } from './where-compiler'

// The manager's paginate() returns the same pages.

const PUBLIC_FORWARD: ResolveOptions = Object.freeze({ forward: true, publicOnly: true })

/**
 * Options of the {@link EntityQuery} constructor.
 * @example
 * ```ts
 * new EntityQuery(db, FunctionEntity, { alias: 'f' } satisfies EntityQueryOptions) // from "functions" as "f"
 * ```
 */
export interface EntityQueryOptions {
  /** The alias of the base table (`query('f')`: `from "functions" as "f"`). */
  readonly alias?: string
  /**
   * A public query, for request input: references in select, where, groupBy, having and orderBy
   * may not name secret or internal columns (refused as unknown columns are) and `*` is refused.
   * Default: the executor's `publicOnly` (`db.public()`), else false.
   */
  readonly publicOnly?: boolean
}

/**
 * A compiled statement: its text and its bind parameters, in order.
 * @example
 * ```ts
 * const { sql, parameters }: CompiledSql = functions.query().where('status', 'active').toSQL()
 * // 'select ... from "functions" where "status" = $1', ['active']
 * ```
 */
export interface CompiledSql {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/**
 * A query on the table of an entity, built step by step in SQL names (`user_id`, `f.user_id`) as
 * SQL itself is written: the TypeScript counterpart of the Dart QueryBuilder. Get one from
 * `manager.query()` (or `new EntityQuery(db, Entity, { alias })`).
 *
 * Builders are immutable: every method returns a new query and leaves the one it was called on
 * unchanged, so a base query can be shared and refined. Every identifier and operator is checked
 * at run time against the tables of the query (callers may pass untrusted strings) and every
 * value is a bind parameter; what cannot become safe SQL throws {@link InvalidQueryError}, naming
 * the argument (`where[0].operator`) and never repeating a value.
 *
 * References: `alias.column`, or a bare `column` meaning the base table's column, else the one
 * joined table's that has it (bare names are qualified in the SQL once the query has joins). A
 * qualified reference may come before the join of its alias, as in the Dart example below; it is
 * then checked when the query is compiled (`toSQL()`, a terminal), the error naming the argument.
 *
 * Rows whose soft-delete column is set are left out of the base table unless
 * {@link withDeleted} is called; joined tables are not filtered (write the condition yourself).
 *
 * @typeParam E - the entity class; {@link all} returns its instances.
 * @typeParam T - its table, whose SQL column names type the references.
 * @typeParam L - relations added by {@link with}.
 * @typeParam A - names given by `as` in the selection, which {@link groupBy} and {@link orderBy} accept.
 *
 * @example
 * ```ts
 * const rows = await db.manager(FunctionEntity).query('f')
 *   .select(['f.*', 'u.email', sql<bigint>`count(fd.id)`.as('deployment_count')])
 *   .join('users u', 'f.user_id', 'u.id')
 *   .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
 *   .where('f.status', '=', 'active')
 *   .where('f.created_at', '>', cutoff)
 *   .groupBy('f.id', 'u.email')
 *   .orderBy('f.created_at', 'desc')
 *   .limit(20)
 *   .execute()
 * ```
 * The generated SQL (PostgreSQL):
 * ```sql
 * select "f".*, "u"."email", count(fd.id) as "deployment_count" from "functions" as "f"
 * inner join "users" as "u" on "f"."user_id" = "u"."id"
 * left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id"
 * where "f"."status" = $1 and "f"."created_at" > $2
 * group by "f"."id", "u"."email" order by "f"."created_at" desc limit $3
 * ```
 */
export class EntityQuery<
  E extends AnyEntityClass,
  T extends AnyTable = TableOfEntity<E>,
  L extends object = {},
  A extends string = never,
  TT extends TableRecord = TableRecord,
> {
  readonly #executor: QueryExecutor
  readonly #entityClass: E
  readonly #table: T
  // Set in the constructor, or by #next on a fresh instance before it is returned: a query never
  // changes once a caller holds it.
  #state: QueryState

  /**
   * A query on `entityClass`'s table, optionally under an alias. The alias must be an identifier.
   *
   * @example
   * ```ts
   * new EntityQuery(db, FunctionEntity, { alias: 'f' }).toSQL().sql
   * // select "id", "uuid", "user_id", ... from "functions" as "f"
   * ```
   */
  constructor(executor: QueryExecutor, entityClass: E, options: EntityQueryOptions = {}) {
    const table = entityClass.table as T
    const alias = options.alias
    if (alias !== undefined && !isIdentifier(alias)) {
      throw new InvalidQueryError(
        'alias',
        `expected an identifier (letters, digits and _), got ${typeof alias === 'string' ? 'another string' : describe(alias)}`,
      )
    }
    this.#executor = executor
    this.#entityClass = entityClass
    this.#table = table
    this.#state = initialQueryState(
      table,
      alias,
      options.publicOnly ?? executor.publicOnly === true,
    )
  }

  /** True on a public query (see {@link EntityQueryOptions.publicOnly}). */
  get isPublic(): boolean {
    return this.#state.publicOnly
  }

  // How references given by the caller resolve: forward references allowed, and in a public
  // query, secret and internal columns unknown.
  get #resolve(): ResolveOptions {
    return this.#state.publicOnly ? PUBLIC_FORWARD : FORWARD
  }

  /**
   * Chooses the columns: strings `'*'`, `'column'`, `'alias.column'`, `'alias.*'`,
   * `'column as name'`, `'alias.column as name'`, or aliased Kysely expressions. Called again, it
   * adds to the selection. Without it the query selects every column of the base table, which is
   * what {@link all} needs: after `select()`, read the rows with {@link execute}.
   *
   * @example
   * ```ts
   * await q.select(['id', 'uuid', 'name as title', sql<string>`now() - created_at`.as('age')]).execute()
   * // select "id", "uuid", "name" as "title", now() - created_at as "age" from "functions"
   * ```
   */
  select<const I extends readonly SelectItem<T>[]>(
    items: I,
  ): EntityQuery<E, T, L, A | OutputNameOf<I[number]>, TT>
  select<const I extends readonly SelectItem<T>[]>(
    ...items: I
  ): EntityQuery<E, T, L, A | OutputNameOf<I[number]>, TT>
  select(...args: readonly unknown[]): EntityQuery<E, T, L, any, TT> {
    const items = listArgument<unknown>(args)
    if (items.length === 0) throw new InvalidQueryError('select', 'expected at least one column')
    const { selection, outputNames } = parseSelection(
      this.#state.scope,
      items,
      this.#state.selection?.length ?? 0,
      this.#state.publicOnly,
    )
    return this.#next({
      selection: [...(this.#state.selection ?? []), ...selection],
      outputNames: [...this.#state.outputNames, ...outputNames],
    })
  }

  /**
   * Adds a condition, ANDed with the ones before. `where(ref, value)` means `=`; a `null` value
   * with `=` or `<>` becomes `is null` / `is not null`. `in` and `not in` take a non-empty array
   * as one parameter (`= any($1)`, `<> all($1)`); `is` / `is not` take null, true or false.
   *
   * @example
   * ```ts
   * q.where('status', 'active').where('created_at', '>', cutoff).where('analysis_result', '@>', { score: 9 })
   * // select ... from "functions" where "status" = $1 and "created_at" > $2 and "analysis_result" @> $3
   * ```
   */
  where(ref: ColumnRef<T>, value: unknown): EntityQuery<E, T, L, A, TT>
  where(
    ref: ColumnRef<T>,
    operator: ComparisonOperatorInput,
    value: unknown,
  ): EntityQuery<E, T, L, A, TT>
  where(...args: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    return this.#addComparison('and', args)
  }

  /**
   * Adds a condition ORed with everything before it; same forms as {@link where}. The chain
   * reads as SQL does, AND binding tighter than OR: the conditions are cut into groups at each
   * `orWhere`, each group is ANDed, and the groups are ORed, in parentheses that make this
   * explicit. `where(a).where(b).orWhere(c)` is `((a and b) or c)`;
   * `where(a).orWhere(b).where(c)` is `(a or (b and c))`. The soft-delete condition is ANDed
   * outside the parentheses, so `orWhere` never brings deleted rows back.
   *
   * @example
   * ```ts
   * q.where('status', 'active').where('user_id', 7).orWhere('status', 'pinned')
   * // select ... from "functions" where (("status" = $1 and "user_id" = $2) or "status" = $3)
   * ```
   */
  orWhere(ref: ColumnRef<T>, value: unknown): EntityQuery<E, T, L, A, TT>
  orWhere(
    ref: ColumnRef<T>,
    operator: ComparisonOperatorInput,
    value: unknown,
  ): EntityQuery<E, T, L, A, TT>
  orWhere(...args: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    return this.#addComparison('or', args)
  }

  /**
   * Adds `ref = any($1)`: the non-empty array is one parameter, so the statement text is the same
   * for any number of values.
   *
   * @example
   * ```ts
   * q.whereIn('status', ['active', 'paused'])
   * // select ... from "functions" where "status" = any($1)   -- [['active', 'paused']]
   * ```
   */
  whereIn(ref: ColumnRef<T>, values: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    return this.#addCondition('and', ref, 'in', values, 'values')
  }

  /**
   * Adds `ref <> all($1)` (NOT IN, with the non-empty array as one parameter).
   *
   * @example
   * ```ts
   * q.whereNotIn('id', [1, 2])
   * // select ... from "functions" where "id" <> all($1)   -- [[1, 2]]
   * ```
   */
  whereNotIn(ref: ColumnRef<T>, values: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    return this.#addCondition('and', ref, 'not in', values, 'values')
  }

  /**
   * Adds `ref is null`.
   *
   * @example
   * ```ts
   * q.whereNull('active_deployment_id')
   * // select ... from "functions" where "active_deployment_id" is null
   * ```
   */
  whereNull(ref: ColumnRef<T>): EntityQuery<E, T, L, A, TT> {
    return this.#addCondition('and', ref, 'is', null, undefined)
  }

  /**
   * Adds `ref is not null`.
   *
   * @example
   * ```ts
   * q.whereNotNull('active_deployment_id')
   * // select ... from "functions" where "active_deployment_id" is not null
   * ```
   */
  whereNotNull(ref: ColumnRef<T>): EntityQuery<E, T, L, A, TT> {
    return this.#addCondition('and', ref, 'is not', null, undefined)
  }

  /**
   * Adds a condition written with Kysely's `sql` tag, ANDed with the others and put in
   * parentheses so an `or` inside it stays inside. Interpolated values are bind parameters. Only an
   * expression is accepted: a string is refused, because a string is how input ends up in SQL text.
   *
   * @example
   * ```ts
   * q.whereRaw(sql<boolean>`created_at > now() - ${days} * interval '1 day' or status = 'pinned'`)
   * // select ... from "functions" where (created_at > now() - $1 * interval '1 day' or status = 'pinned')
   * ```
   */
  whereRaw(expression: Expression<unknown>): EntityQuery<E, T, L, A, TT> {
    const path = `where[${this.#state.where.length}]`
    const checked = rawExpression(expression, path, 'whereRaw')
    return this.#next({
      where: [
        ...this.#state.where,
        { connector: 'and', predicate: { kind: 'raw', expression: checked } },
      ],
    })
  }

  /**
   * Inner join of a served table, `'users'`, `'users u'` or `'users as u'`, on
   * `leftRef = rightRef`. The alias must be new in the query; the ON references must be columns of
   * the tables joined so far (the joined one included), as SQL requires. Elsewhere a qualified
   * reference may come before the join of its table (`select('u.email').join('users u', ...)`,
   * as in the Dart example): it is checked when the query is compiled, the error naming the
   * argument it came from. A bare name resolves when it is given: to the base table, else to the
   * one table joined so far that has it.
   *
   * @example
   * ```ts
   * query('f').join('users u', 'f.user_id', 'u.id')
   * // select "f"."id", ... from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id"
   * ```
   */
  join(table: string, leftRef: string, rightRef: string): EntityQuery<E, T, L, A, TT> {
    return this.#join('inner', table, leftRef, rightRef)
  }

  /**
   * Left join: like {@link join}, keeping base rows without a match.
   *
   * @example
   * ```ts
   * query('f').leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
   * // ... from "functions" as "f" left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id"
   * ```
   */
  leftJoin(table: string, leftRef: string, rightRef: string): EntityQuery<E, T, L, A, TT> {
    return this.#join('left', table, leftRef, rightRef)
  }

  /**
   * Right join: like {@link join}, keeping joined rows without a match. Base columns are then
   * null for those rows, which entities cannot hold: read such queries with {@link execute}.
   *
   * @example
   * ```ts
   * query('f').select(['u.email', 'f.name']).rightJoin('users u', 'f.user_id', 'u.id')
   * // select "u"."email", "f"."name" from "functions" as "f" right join "users" as "u" on "f"."user_id" = "u"."id"
   * ```
   */
  rightJoin(table: string, leftRef: string, rightRef: string): EntityQuery<E, T, L, A, TT> {
    return this.#join('right', table, leftRef, rightRef)
  }

  /**
   * Full join: like {@link join}, keeping the rows of both sides without a match. Columns of
   * either side are then null for those rows, which entities cannot hold: read such queries with
   * {@link execute}.
   *
   * @example
   * ```ts
   * query('f').select(['f.name', 'u.email']).fullJoin('users u', 'f.user_id', 'u.id')
   * // select "f"."name", "u"."email" from "functions" as "f" full join "users" as "u" on "f"."user_id" = "u"."id"
   * ```
   */
  fullJoin(table: string, leftRef: string, rightRef: string): EntityQuery<E, T, L, A, TT> {
    return this.#join('full', table, leftRef, rightRef)
  }

  /**
   * Adds GROUP BY terms (several arguments or one array): columns, names given by `as` in the
   * selection (select them first), or expressions written with the `sql` tag. Grouping by the
   * base table's primary key lets the default selection (all its columns) stand, as PostgreSQL
   * allows.
   *
   * An output name is written as its position in the selection (`group by 1`): PostgreSQL reads a
   * GROUP BY name as an input column first, so the name could silently mean a column of the same
   * name (a hidden one, in a public query); a position cannot. After a `*` in the selection the
   * position is unknown: the name is written then, and refused if a table of the query has a
   * column of that name. A string that is neither a column nor an output name is refused, never
   * written into SQL. Values interpolated in an expression are bind parameters; as PostgreSQL
   * sees `$1` and `$2` as different expressions, group by the output name (or interpolate
   * constants with `sql.lit`) when the selected expression has parameters.
   *
   * @example
   * ```ts
   * q.select([sql<Date>`date_trunc('hour', "timestamp")`.as('bucket'), sql<bigint>`count(*)`.as('n')])
   *   .groupBy('bucket')
   * // select date_trunc('hour', "timestamp") as "bucket", count(*) as "n" from "function_invocations" group by 1
   * q.groupBy('f.id', sql`date_trunc('day', f.created_at)`)
   * // ... group by "f"."id", date_trunc('day', f.created_at)
   * ```
   */
  groupBy(items: readonly (ColumnRef<T> | A | Expression<unknown>)[]): EntityQuery<E, T, L, A, TT>
  groupBy(
    ...items: readonly (ColumnRef<T> | A | Expression<unknown>)[]
  ): EntityQuery<E, T, L, A, TT>
  groupBy(...args: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    const items = listArgument<unknown>(args)
    if (items.length === 0) throw new InvalidQueryError('groupBy', 'expected at least one column')
    const start = this.#state.groupBy.length
    const targets = items.map((item, i) => {
      const path = `groupBy[${start + i}]`
      return this.#target(item, path, path)
    })
    return this.#next({ groupBy: [...this.#state.groupBy, ...targets] })
  }

  /**
   * Adds a HAVING condition, ANDed with the others: a column or an aggregate written with the
   * `sql` tag, an operator (as in {@link where}; `having(x, value)` means `=`) and a value, bound
   * as a parameter; or, with one argument, any boolean expression written with the `sql` tag (in
   * parentheses, its interpolated values bound as parameters). A string alone is refused.
   *
   * @example
   * ```ts
   * q.groupBy('f.id').having(sql`count(fd.id)`, '>', 5)
   * // ... group by "f"."id" having count(fd.id) > $1
   * q.groupBy('function_id').having(sql<boolean>`count(*) filter (where status <> 'success') > ${limit} or max(duration_ms) > 1000`)
   * // ... group by "function_id" having (count(*) filter (where status <> 'success') > $1 or max(duration_ms) > 1000)
   * ```
   */
  having(condition: Expression<unknown>): EntityQuery<E, T, L, A, TT>
  having(lhs: ColumnRef<T> | Expression<unknown>, value: unknown): EntityQuery<E, T, L, A, TT>
  having(
    lhs: ColumnRef<T> | Expression<unknown>,
    operator: ComparisonOperatorInput,
    value: unknown,
  ): EntityQuery<E, T, L, A, TT>
  having(...args: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    const path = `having[${this.#state.having.length}]`
    if (args.length === 1) {
      const expression = rawExpression(args[0], path, 'having')
      return this.#next({ having: [...this.#state.having, { kind: 'raw', expression }] })
    }
    const [lhsInput, operatorInput, value] = comparisonArguments(args, path)
    const lhs = isExpression(lhsInput)
      ? lhsInput
      : resolveReference(this.#state.scope, lhsInput, `${path}.column`, this.#resolve)
    const operator = checkOperator(operatorInput, `${path}.operator`)
    const values = this.#spend(value, `${path}.value`)
    checkOperand(operator, value, path)
    if (!isExpression(lhs)) {
      checkSingleValue(referencedColumn(this.#state.scope, lhs), operator, value, path)
    }
    return this.#next({
      having: [
        ...this.#state.having,
        { kind: 'compare', lhs, operator, value: freezeList(operator, value) },
      ],
      values,
    })
  }

  /**
   * Adds an ORDER BY term; call again for more. `ref` is a column, a name given by `as` in the
   * selection, or an `sql` expression; the direction is `'asc'` (default) or `'desc'`, in either
   * case.
   *
   * @example
   * ```ts
   * q.orderBy('f.created_at', 'DESC').orderBy('deployment_count', 'desc').orderBy('f.id')
   * // ... order by "f"."created_at" desc, "deployment_count" desc, "f"."id" asc
   * ```
   */
  orderBy(
    ref: ColumnRef<T> | A | Expression<unknown>,
    direction?: OrderDirection,
  ): EntityQuery<E, T, L, A, TT> {
    const path = `orderBy[${this.#state.orderBy.length}]`
    const checked = checkDirection(direction, `${path}.direction`)
    const target = this.#target(ref, path, `${path}.column`)
    return this.#next({ orderBy: [...this.#state.orderBy, { target, direction: checked }] })
  }

  /**
   * Returns at most `n` rows: an integer from 0 to {@link MAX_LIMIT}, bound as a parameter.
   *
   * @example
   * ```ts
   * q.limit(20) // ... limit $1   -- [20]
   * ```
   */
  limit(n: number): EntityQuery<E, T, L, A, TT> {
    return this.#next({ limit: checkLimit(n, 'limit') })
  }

  /**
   * Skips `n` rows: a non-negative integer, bound as a parameter.
   *
   * @example
   * ```ts
   * q.limit(20).offset(40) // ... limit $1 offset $2   -- [20, 40]
   * ```
   */
  offset(n: number): EntityQuery<E, T, L, A, TT> {
    return this.#next({ offset: checkOffset(n, 'offset') })
  }

  /**
   * Includes the base table's soft-deleted rows, which are left out otherwise (no effect on a
   * table without soft delete).
   *
   * @example
   * ```ts
   * projects.query().toSQL().sql               // select ... from "projects" where "deleted_at" is null
   * projects.query().withDeleted().toSQL().sql // select ... from "projects"
   * ```
   */
  withDeleted(): EntityQuery<E, T, L, A, TT> {
    return this.#next({ withDeleted: true })
  }

  /**
   * Loads relations onto the entities that {@link all}, {@link first}, {@link firstOrThrow} and
   * {@link paginate} return, each as a property named after the relation (a list for
   * hasMany/manyToMany, an entity or null otherwise). A dotted path loads a relation of the
   * related entities (`'deployments.function'`). Each relation is one query for all entities,
   * whatever their number (`= any($1)` on their keys), and soft-deleted related rows are left out.
   *
   * @example
   * ```ts
   * const fns = await functions.query().where('status', 'active').with('owner').all()
   * fns[0].owner // a User entity or null, typed through the Database's tables
   * // select ... from "functions" where "status" = $1
   * // SELECT ... FROM "users" WHERE "id" = ANY($1)
   * ```
   */
  with<K extends RelationNameOf<T>>(
    ...relations: readonly (K | `${K}.${string}`)[]
  ): EntityQuery<E, T, L & LoadedRelations<T, K, TT>, A, TT> {
    const start = this.#state.relations.length
    const paths = relations.map((input, i) =>
      checkRelationPath(this.#executor, this.#table, input, `with[${start + i}]`),
    )
    return this.#next({ relations: [...this.#state.relations, ...paths] }) as EntityQuery<
      E,
      T,
      L & LoadedRelations<T, K, TT>,
      A,
      TT
    >
  }

  /**
   * Runs the query and returns its rows as entities (of the entity class the query was made
   * with), with the relations of {@link with} loaded. Needs the default selection: a query with
   * `select()` returns rows through {@link execute}.
   *
   * A read (`executeRead`), like {@link count}, {@link first}, {@link paginate} and
   * {@link execute}: with replicas it runs on one, once it has replayed the writes the handle must
   * see, and it may be pipelined. A query with side effects (`for update`, a volatile function
   * that writes) belongs on `db.primary` or in a transaction.
   *
   * @example
   * ```ts
   * const active = await functions.query().where('status', 'active').orderBy('created_at', 'desc').all()
   * // select "id", "uuid", ... from "functions" where "status" = $1 order by "created_at" desc
   * ```
   */
  async all(): Promise<(InstanceType<E> & L)[]> {
    this.#assertEntitySelection('all')
    const { rows } = await this.#executor.executeRead<Record<string, unknown>>(
      this.kysely.compile(),
    )
    const entities = rows.map((row) => this.#entityClass.fromRow(row) as object)
    await loadRelationPaths(this.#executor, this.#table, entities, this.#state.relations)
    return entities as (InstanceType<E> & L)[]
  }

  /**
   * The first entity (the query with `limit 1`), or null.
   *
   * @example
   * ```ts
   * const latest = await functions.query().orderBy('created_at', 'desc').first()
   * // select ... from "functions" order by "created_at" desc limit $1   -- [1]
   * ```
   */
  async first(): Promise<(InstanceType<E> & L) | null> {
    this.#assertEntitySelection('first')
    const [entity] = await this.limit(1).all()
    return entity ?? null
  }

  /**
   * {@link first}, throwing {@link NotFoundError} when there is no row.
   *
   * @example
   * ```ts
   * const fn = await functions.query().where('uuid', uuid).firstOrThrow()
   * // select ... from "functions" where "uuid" = $1 limit $2   -- NotFoundError when empty
   * ```
   */
  async firstOrThrow(): Promise<InstanceType<E> & L> {
    const entity = await this.first()
    if (entity === null) throw new NotFoundError(this.#table.$name)
    return entity
  }

  /**
   * The number of rows the query matches: `count(*)` over its tables and conditions, ignoring
   * selection, order, limit and offset. With `groupBy` (or `having`) it counts the groups.
   *
   * @example
   * ```ts
   * await functions.query().where('status', 'active').count()
   * // select count(*) as "count" from "functions" where "status" = $1
   * await q.groupBy('user_id').count()
   * // select count(*) as "count" from (select 1 as "one" from "functions" group by "user_id") as "groups"
   * ```
   */
  async count(): Promise<number> {
    const { rows } = await this.#executor.executeRead<{ count: unknown }>(
      compileCount(this.#executor.kysely, this.#state).compile(),
    )
    return Number(rows[0]?.count ?? 0)
  }

  /**
   * One page of entities and the total: the query with `limit pageSize offset (page - 1) *
   * pageSize` (replacing any limit and offset set before), then {@link count}. Two statements: in
   * a transaction they see the same data. Order the query so that pages are stable.
   *
   * @example
   * ```ts
   * const { items, total, hasMore } = await functions.query().orderBy('id').paginate({ page: 2, pageSize: 20 })
   * // select ... from "functions" order by "id" asc limit $1 offset $2   -- [20, 20]
   * // select count(*) as "count" from "functions"
   * ```
   */
  async paginate(options: QueryPaginateOptions): Promise<Page<InstanceType<E> & L>> {
    const { page, pageSize } = checkQueryPage(options)
    this.#assertEntitySelection('paginate')
    const offset = checkOffset((page - 1) * pageSize, 'page')
    const items = await this.limit(pageSize).offset(offset).all()
    const total = await this.count()
    return { items, total, page, pageSize, hasMore: offset + pageSize < total }
  }

  /**
   * Runs the query and returns its rows as the database returns them (SQL names, or the names
   * given by `as`): the terminal for custom selections, joins with aggregates and groups. A read,
   * as {@link all}: with replicas, on a replica.
   *
   * @example
   * ```ts
   * const rows = await query('f').select(['f.uuid', sql<bigint>`count(fd.id)`.as('deployments')])
   *   .leftJoin('function_deployments fd', 'f.id', 'fd.function_id').groupBy('f.uuid')
   *   .execute<{ uuid: string; deployments: bigint }>()
   * // select "f"."uuid", count(fd.id) as "deployments" from "functions" as "f"
   * // left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id" group by "f"."uuid"
   * ```
   */
  async execute<R = Record<string, unknown>>(): Promise<R[]> {
    if (this.#state.relations.length > 0) {
      throw new InvalidQueryError(
        'with',
        'relations are loaded onto entities: use all(), first() or paginate()',
      )
    }
    const { rows } = await this.#executor.executeRead<R>(this.kysely.compile())
    return [...rows]
  }

  /**
   * The statement {@link all} / {@link execute} would run, compiled but not sent.
   *
   * @example
   * ```ts
   * functions.query().where('status', 'active').limit(5).toSQL()
   * // { sql: 'select "id", "uuid", ... from "functions" where "status" = $1 limit $2', parameters: ['active', 5] }
   * ```
   */
  toSQL(): CompiledSql {
    const compiled = this.kysely.compile()
    return { sql: compiled.sql, parameters: compiled.parameters }
  }

  /**
   * The query as a Kysely `SelectQueryBuilder`, to go further than this builder does. It runs on
   * the executor's Kysely instance (in a transaction, the transaction) but not through the
   * executor: its errors are Kysely's and driver errors are not mapped.
   *
   * @example
   * ```ts
   * await q.kysely.where((eb) => eb.exists(eb.selectFrom('function_logs').whereRef('function_id', '=', 'functions.id'))).execute()
   * ```
   */
  get kysely(): SelectQueryBuilder<any, any, any> {
    return compileSelect(this.#executor.kysely, this.#state)
  }

  #next(patch: Partial<QueryState>): EntityQuery<E, T, L, A, TT> {
    const next = new EntityQuery<E, T, L, A, TT>(this.#executor, this.#entityClass)
    next.#state = Object.freeze({ ...this.#state, ...patch })
    return next
  }

  /**
   * A GROUP BY / ORDER BY term: an `sql` expression, an output name of the selection, else a
   * column reference (checked: a string that is none of these is refused, never written).
   */
  #target(input: unknown, path: string, refPath: string): OrderTarget {
    if (isExpression(input)) return { kind: 'expression', expression: input }
    if (typeof input === 'string' && this.#state.outputNames.includes(input)) {
      // A name from the selection, checked when it was selected.
      return { kind: 'output', name: input }
    }
    if (isAliasedExpression(input)) {
      throw new InvalidQueryError(
        path,
        'expected a column, an output name or an expression, got an aliased expression: select it, then use its name',
      )
    }
    return {
      kind: 'ref',
      ref: resolveReference(this.#state.scope, input, refPath, this.#resolve),
    }
  }

  #addComparison(connector: 'and' | 'or', args: readonly unknown[]): EntityQuery<E, T, L, A, TT> {
    const path = `where[${this.#state.where.length}]`
    const [ref, operator, value] = comparisonArguments(args, path)
    return this.#addCondition(connector, ref, operator, value, 'value')
  }

  #addCondition(
    connector: 'and' | 'or',
    refInput: unknown,
    operatorInput: unknown,
    value: unknown,
    valueName: 'value' | 'values' | undefined,
  ): EntityQuery<E, T, L, A, TT> {
    const path = `where[${this.#state.where.length}]`
    const ref = resolveReference(this.#state.scope, refInput, `${path}.column`, this.#resolve)
    const operator = checkOperator(operatorInput, `${path}.operator`)
    let values = this.#state.values
    if (valueName !== undefined) {
      try {
        values = this.#spend(value, `${path}.value`)
        checkOperand(operator, value, path)
        checkSingleValue(referencedColumn(this.#state.scope, ref), operator, value, path)
      } catch (error) {
        // whereIn/whereNotIn name their argument `values`.
        rethrowAt(error, `${path}.${valueName}`)
      }
    }
    const predicate: Predicate = {
      kind: 'compare',
      ref,
      operator,
      value: freezeList(operator, value),
    }
    return this.#next({ where: [...this.#state.where, { connector, predicate }], values })
  }

  /**
   * The values of the query's conditions with `value` counted (a list as its length), or an
   * {@link InvalidQueryError} past {@link MAX_WHERE_VALUES}: checked before any value is read.
   */
  #spend(value: unknown, path: string): number {
    const values = this.#state.values + (Array.isArray(value) ? value.length : 1)
    if (values > MAX_WHERE_VALUES) {
      throw new InvalidQueryError(path, `more than ${MAX_WHERE_VALUES} values in all`)
    }
    return values
  }

  #join(
    kind: JoinKind,
    tableInput: string,
    leftRef: string,
    rightRef: string,
  ): EntityQuery<E, T, L, A, TT> {
    const path = `join[${this.#state.scope.length - 1}]`
    const spec = parseTableSpec(tableInput, `${path}.table`)
    let table: AnyTable
    try {
      table = this.#executor.table(spec.table)
    } catch (error) {
      rethrowAt(error, `${path}.table`)
    }
    const name = spec.alias ?? spec.table
    if (this.#state.scope.some((e) => e.name === name)) {
      throw new InvalidQueryError(
        `${path}.table`,
        `"${name}" is already a table or alias of this query: give the join another alias ('${spec.table} ${spec.table.slice(0, 1)}2')`,
      )
    }
    const scope = [...this.#state.scope, { name, table }]
    const left = resolveReference(scope, leftRef, `${path}.on[0]`)
    const right = resolveReference(scope, rightRef, `${path}.on[1]`)
    // PostgreSQL runs a FULL JOIN only on a condition between the two sides (merge or hash
    // joinable): one column of the joined table, one of a table before it.
    if (kind === 'full' && (left.scope === name) === (right.scope === name)) {
      throw new InvalidQueryError(
        `${path}.on`,
        `a full join compares a column of "${name}" with a column of a table before it`,
      )
    }
    return this.#next({
      scope: [...this.#state.scope, { name, table, join: { kind, left, right } }],
    })
  }

  #assertEntitySelection(method: string): void {
    if (this.#state.selection !== undefined) {
      throw new InvalidQueryError(
        'select',
        `${method}() makes entities, which need every column of ${this.#table.$name}: read a query with select() through execute()`,
      )
    }
  }
}
