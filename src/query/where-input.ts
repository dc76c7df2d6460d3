// The where input language: what a filter on a table may say, as types. where-compiler.ts
// compiles it to statement text, where-clause.ts to a Kysely expression.
import type { ColumnState, StateOf } from '../schema/column-builder'
import type { ColumnTypes } from '../schema/column-types'
import type { JsonValue } from '../schema/columns'
import type { AnyTable } from '../schema/define-table'
import type { ColumnsOf, PropertyOf } from '../schema/table-types'

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
// The where operators of a column come from its kind's entry in the column-type registry.
type Family<S extends ColumnState> = ColumnTypes[S['kind']]['where']

/** The operator object of a column with state `S`: which operators exist depends on its kind. */
export type ColumnOperators<S extends ColumnState> =
  Family<S> extends 'document'
    ? EqualityOperators<Data<S>, Nullable<S>> & ListOperators<Data<S>> & ContainsOperator<JsonValue>
    : Family<S> extends 'array'
      ? EqualityOperators<Data<S>, Nullable<S>> & ContainsOperator<Data<S>>
      : EqualityOperators<Data<S>, Nullable<S>> &
          ListOperators<Data<S>> &
          (Family<S> extends 'equality' ? {} : RangeOperators<Data<S>>) &
          (Family<S> extends 'text' ? PatternOperators : {})

/**
 * What a where input accepts for one column with state `S`: a value (equality), `null`
 * (`is null`, nullable columns only), a list (`= any`, not for jsonb or array columns, whose plain
 * arrays are values), or an operator object. A jsonb column takes scalars directly, documents only
 * through `eq` or `contains`.
 */
export type ColumnWhere<S extends ColumnState> =
  Family<S> extends 'document'
    ? Exclude<Data<S>, object> | Nullable<S> | ColumnOperators<S>
    : Family<S> extends 'array'
      ? Data<S> | Nullable<S> | ColumnOperators<S>
      : Data<S> | Nullable<S> | readonly Data<S>[] | ColumnOperators<S>

/**
 * A typed filter on table `T`, keyed by entity property names; all keys of one object are AND-ed,
 * and `and`, `or`, `not` nest. `P` is the properties it may name: all of them, or in a public
 * view only the public ones (`PublicPropertyOf<T>`).
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
export type WhereInput<T extends AnyTable, P extends PropertyOf<T> = PropertyOf<T>> = {
  readonly [K in P]?: ColumnWhere<StateOf<ColumnsOf<T>[K]>>
} & {
  /** Every element must match (non-empty). */
  readonly and?: readonly WhereInput<T, P>[]
  /** At least one element must match (non-empty). */
  readonly or?: readonly WhereInput<T, P>[]
  /** The nested input must not match. */
  readonly not?: WhereInput<T, P>
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
