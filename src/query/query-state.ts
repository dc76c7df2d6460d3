import type { AliasedExpression, Expression } from 'kysely'
import type { AnyTable } from '../schema/define-table'
import type { ComparisonOperator } from './sql-operator'
import type { ColumnReference, ScopeEntry } from './sql-reference'

// What an EntityQuery holds: every method checks its arguments into one of these values, and
// query-compiler.ts turns the whole into a Kysely query.

/**
 * The kind of a join.
 * @example
 * ```ts
 * const kind: JoinKind = 'left' // left join "function_deployments" as "fd" on ...
 * ```
 */
export type JoinKind = 'inner' | 'left' | 'right' | 'full'

/**
 * A table of the query: the base table (no `join`), or a joined one with its ON references.
 * @example
 * ```ts
 * const users: ScopeTable = { name: 'u', table: users, join: { kind: 'inner', left, right } }
 * // inner join "users" as "u" on "f"."user_id" = "u"."id"
 * ```
 */
export interface ScopeTable extends ScopeEntry {
  readonly join?: {
    readonly kind: JoinKind
    readonly left: ColumnReference
    readonly right: ColumnReference
  }
}

/**
 * One checked item of the selection: `*`, a column (maybe `alias.*`, maybe renamed), or an
 * aliased expression.
 * @example
 * ```ts
 * const item: Selection = { kind: 'column', ref, alias: 'title' } // "name" as "title"
 * ```
 */
export type Selection =
  | { readonly kind: 'star' }
  | { readonly kind: 'column'; readonly ref: ColumnReference; readonly alias: string | undefined }
  | { readonly kind: 'expression'; readonly expression: AliasedExpression<unknown, string> }

/**
 * One checked WHERE predicate: a comparison of a column with a bound value, or a `sql` expression.
 * @example
 * ```ts
 * const p: Predicate = { kind: 'compare', ref, operator: '=', value: 'active' } // "status" = $1
 * ```
 */
export type Predicate =
  | {
      readonly kind: 'compare'
      readonly ref: ColumnReference
      readonly operator: ComparisonOperator
      readonly value: unknown
    }
  | { readonly kind: 'raw'; readonly expression: Expression<unknown> }

/**
 * A predicate and how it joins the ones before it (`where` ANDs, `orWhere` ORs).
 * @example
 * ```ts
 * const c: Condition = { connector: 'or', predicate } // ... or "status" = $3
 * ```
 */
export interface Condition {
  readonly connector: 'and' | 'or'
  readonly predicate: Predicate
}

/**
 * One checked HAVING condition: a column or an aggregate expression compared with a bound value,
 * or a boolean expression written with the `sql` tag.
 * @example
 * ```ts
 * const h: HavingTerm = { kind: 'compare', lhs: sql`count(fd.id)`, operator: '>', value: 5 } // having count(fd.id) > $1
 * const r: HavingTerm = { kind: 'raw', expression: sql`count(*) filter (where status = 'error') > 0` }
 * ```
 */
export type HavingTerm =
  | {
      readonly kind: 'compare'
      readonly lhs: ColumnReference | Expression<unknown>
      readonly operator: ComparisonOperator
      readonly value: unknown
    }
  | { readonly kind: 'raw'; readonly expression: Expression<unknown> }

/**
 * What a GROUP BY or ORDER BY term names: a column, an output name given by `as` in the
 * selection, or an expression.
 * @example
 * ```ts
 * const t: OrderTarget = { kind: 'output', name: 'deployment_count' } // order by "deployment_count"
 * const g: OrderTarget = { kind: 'expression', expression: sql`date_trunc('hour', "timestamp")` }
 * ```
 */
export type OrderTarget =
  | { readonly kind: 'ref'; readonly ref: ColumnReference }
  | { readonly kind: 'output'; readonly name: string }
  | { readonly kind: 'expression'; readonly expression: Expression<unknown> }

/**
 * One ORDER BY term.
 * @example
 * ```ts
 * const o: OrderItem = { target, direction: 'desc' } // order by "created_at" desc
 * ```
 */
export interface OrderItem {
  readonly target: OrderTarget
  readonly direction: 'asc' | 'desc'
}

/**
 * Everything an EntityQuery has been told, checked: frozen, and replaced (never changed) by each
 * builder method.
 * @example
 * ```ts
 * const state = initialQueryState(functions, 'f') // select "f"."id", ... from "functions" as "f"
 * ```
 */
export interface QueryState {
  /** The base table first, then the joined tables in join order. */
  readonly scope: readonly ScopeTable[]
  /** Undefined: all columns of the base table (what entities need). */
  readonly selection: readonly Selection[] | undefined
  /** Output names given by `as` in the selection, which orderBy may use. */
  readonly outputNames: readonly string[]
  readonly where: readonly Condition[]
  /** Columns, output names (compiled to their position in the selection) and expressions. */
  readonly groupBy: readonly OrderTarget[]
  readonly having: readonly HavingTerm[]
  readonly orderBy: readonly OrderItem[]
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly withDeleted: boolean
  /** Relation paths to load, each a list of relation names (`deployments.function`). */
  readonly relations: readonly (readonly string[])[]
  /** Values bound by the where and having conditions, a list counting as its length. */
  readonly values: number
  /**
   * A public query: references in select, where, groupBy, having and orderBy may not name secret
   * or internal columns (join ON references are the query's structure, written by the server).
   */
  readonly publicOnly: boolean
}

/**
 * The state of a new query on `table`, under `alias` when one is given (already checked).
 * @example
 * ```ts
 * initialQueryState(functions, undefined).scope // [{ name: 'functions', table: functions }]
 * ```
 */
export function initialQueryState(
  table: AnyTable,
  alias: string | undefined,
  publicOnly = false,
): QueryState {
  return Object.freeze({
    scope: Object.freeze([{ name: alias ?? table.$name, table }]),
    selection: undefined,
    outputNames: [],
    where: [],
    groupBy: [],
    having: [],
    orderBy: [],
    limit: undefined,
    offset: undefined,
    withDeleted: false,
    relations: [],
    values: 0,
    publicOnly,
  })
}
