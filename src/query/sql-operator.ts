import {
  type Expression,
  type ExpressionBuilder,
  isOperationNodeSource,
  type OperandExpression,
  type SqlBool,
} from 'kysely'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'
import { checkBindable } from './bindable'
import { describe } from './query-options'
import type { ColumnReference, ScopeEntry } from './sql-reference'
import { MAX_WHERE_LIST } from './where-compiler'

/** The comparison operators a query accepts; anything else is refused before SQL is built. */
export const COMPARISON_OPERATORS = Object.freeze([
  '=',
  '<>',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'like',
  'ilike',
  'not like',
  'not ilike',
  'is',
  'is not',
  'in',
  'not in',
  '@>',
  '<@',
  '&&',
] as const)

/** A comparison operator, in its canonical (lower-case) spelling. */
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number]

/** What callers may write: the canonical spelling or its upper case (`'LIKE'`, `'NOT IN'`). */
export type ComparisonOperatorInput = ComparisonOperator | Uppercase<ComparisonOperator>

const KNOWN: ReadonlySet<string> = new Set(COMPARISON_OPERATORS)
const LIKE: ReadonlySet<string> = new Set(['like', 'ilike', 'not like', 'not ilike'])

/**
 * The canonical spelling of an operator (lower case, single spaces), or an
 * {@link InvalidQueryError} at `path`. The message lists what is allowed, not what was given.
 *
 * @example
 * ```ts
 * checkOperator('NOT  ILIKE', 'where[0].operator') // 'not ilike'
 * checkOperator('= 1 or 1 =', 'where[0].operator') // throws InvalidQueryError
 * ```
 * @internal
 */
export function checkOperator(input: unknown, path: string): ComparisonOperator {
  const canonical =
    typeof input === 'string' ? input.trim().toLowerCase().replace(/\s+/g, ' ') : undefined
  if (canonical === undefined || !KNOWN.has(canonical)) {
    throw new InvalidQueryError(
      path,
      `unknown operator${typeof input === 'string' ? '' : ` (got ${describe(input)})`}; allowed: ${COMPARISON_OPERATORS.join(' ')}`,
    )
  }
  return canonical as ComparisonOperator
}

/**
 * Checks that `value` can be compared with `operator`, naming `path` (the operator's argument
 * path without `.value`). Values are bound as parameters, so an SQL expression given as a value is
 * refused: conditions with expressions belong in `whereRaw(sql\`...\`)`.
 *
 * - `in` / `not in`: a non-empty array.
 * - `is` / `is not`: `null`, `true` or `false` (PostgreSQL has no `IS $1`).
 * - `null` otherwise only with `=` (becomes `IS NULL`) and `<>`/`!=` (`IS NOT NULL`).
 * - `like` family: a string.
 * - anywhere: nothing the driver cannot serialise (an invalid Date, an `undefined` array element, a
 *   symbol or function inside, a cycle, nesting deeper than 100 levels).
 * @internal
 */
export function checkOperand(operator: ComparisonOperator, value: unknown, path: string): void {
  const at = `${path}.value`
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    isOperationNodeSource(value)
  ) {
    throw new InvalidQueryError(
      at,
      `expected a value to bind as a parameter, got ${value === undefined ? 'undefined' : typeof value === 'object' ? 'an SQL expression (use whereRaw(sql`...`))' : describe(value)}`,
    )
  }
  // The length first: a list too long is refused before any of its values is read.
  if (Array.isArray(value) && value.length > MAX_WHERE_LIST) {
    throw new InvalidQueryError(at, `a list of more than ${MAX_WHERE_LIST} values`)
  }
  // What the driver would crash on (an invalid Date, an undefined element, a cycle...) is refused.
  checkBindable(value, at)
  if (operator === 'in' || operator === 'not in') {
    if (!Array.isArray(value) || value.length === 0) {
      throw new InvalidQueryError(
        at,
        `${operator} needs a non-empty array, got ${Array.isArray(value) ? 'an empty array' : describe(value)}`,
      )
    }
    return
  }
  if (operator === 'is' || operator === 'is not') {
    if (value !== null && typeof value !== 'boolean') {
      throw new InvalidQueryError(at, `${operator} compares with null, true or false only`)
    }
    return
  }
  if (value === null) {
    if (operator === '=' || operator === '<>' || operator === '!=') return
    throw new InvalidQueryError(
      at,
      `null cannot be compared with ${operator}: use whereNull()/whereNotNull()`,
    )
  }
  if (LIKE.has(operator) && typeof value !== 'string') {
    throw new InvalidQueryError(at, `${operator} needs a string pattern, got ${describe(value)}`)
  }
}

const SCALAR: ReadonlySet<string> = new Set(['=', '<>', '!=', '<', '<=', '>', '>='])

/**
 * The column a checked reference names, or `undefined` while its table is not joined yet (or for
 * `*`).
 * @example
 * ```ts
 * referencedColumn([{ name: 'f', table: functions }], { scope: 'f', column: 'status', qualified: true })
 * // the functions.status column
 * ```
 * @internal
 */
export function referencedColumn(
  scope: readonly ScopeEntry[],
  ref: ColumnReference,
): Column | undefined {
  return scope.find((e) => e.name === ref.scope)?.table.$meta.byName.get(ref.column)
}

/**
 * Refuses an array compared with `=`, `<>`, `<` and the like to a column that holds single
 * values: bound as one parameter, it would match nothing (or fail in PostgreSQL), where the
 * caller meant a list (`in`). Array columns and jsonb (whose documents may be arrays) take it.
 * `path` is the comparison's argument path without `.value`.
 *
 * @example
 * ```ts
 * checkSingleValue(emailColumn, '=', ['a', 'b'], 'where[0]')
 * // throws InvalidQueryError: where[0].value: = needs a single value, got an array: use in for a list
 * checkSingleValue(tagsColumn, '=', ['a', 'b'], 'where[0]') // passes: "tags" = $1
 * ```
 * @internal
 */
export function checkSingleValue(
  column: Column | undefined,
  operator: ComparisonOperator,
  value: unknown,
  path: string,
): void {
  if (column === undefined || !SCALAR.has(operator) || !Array.isArray(value)) return
  const family = columnType(column.kind).where
  if (family === 'array' || family === 'document') return
  throw new InvalidQueryError(
    `${path}.value`,
    `${operator} needs a single value for a ${column.sqlType} column, got an array: use ${operator === '=' ? 'in' : operator === '<>' || operator === '!=' ? 'not in' : 'one value'} for a list`,
  )
}

/**
 * The Kysely expression of a checked comparison. Every value is one bind parameter: `in` takes the
 * whole array as `= any($1)` (one statement text for any number of values) and `not in` becomes
 * `<> all($1)`; `= null` becomes `is null` because `= NULL` is never true in SQL.
 *
 * @example
 * ```ts
 * comparison(eb, 'status', 'in', ['active', 'paused']) // "status" = any($1)   [['active', 'paused']]
 * comparison(eb, 'deleted_at', '=', null)             // "deleted_at" is null
 * ```
 * @internal
 */
export function comparison(
  eb: ExpressionBuilder<any, any>,
  lhs: string | Expression<unknown>,
  operator: ComparisonOperator,
  value: unknown,
): OperandExpression<SqlBool> {
  const left = lhs as string
  switch (operator) {
    case 'in':
      return eb(left, '=', eb.fn('any', [eb.val(value)]))
    case 'not in':
      return eb(left, '<>', eb.fn('all', [eb.val(value)]))
    case 'is':
    case 'is not':
      // Kysely writes null and booleans after IS inline (`is null`, `is true`): never user text.
      return eb(left, operator, value as null)
    default:
      if (value === null) return eb(left, operator === '=' ? 'is' : 'is not', null)
      // eb.val makes one parameter of any value, arrays included (a bare array would become a list).
      return eb(left, operator, eb.val(value))
  }
}
