import { type Expression, isExpression } from 'kysely'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { describe } from './query-options'
import type { ComparisonOperator } from './sql-operator'

// How EntityQuery's methods read their arguments, and name them in the errors they throw.

/**
 * Rethrows an {@link InvalidQueryError} under another argument path (its message kept, without
 * the old path); any other error as it is.
 * @example
 * ```ts
 * try { checkOperand(operator, values, path) } catch (error) { rethrowAt(error, `${path}.values`) }
 * // InvalidQueryError: where[0].values: expected a non-empty array
 * ```
 */
export function rethrowAt(error: unknown, path: string): never {
  if (error instanceof InvalidQueryError) {
    const prefix = `${error.path}: `
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message
    throw new InvalidQueryError(path, message)
  }
  throw error
}

/**
 * The items of a method that takes several arguments or one array (`groupBy('a', 'b')`,
 * `groupBy(['a', 'b'])`).
 * @example
 * ```ts
 * listArgument([['a', 'b']]) // ['a', 'b']
 * listArgument(['a', 'b'])   // ['a', 'b']
 * ```
 */
export function listArgument<I>(args: readonly unknown[]): readonly I[] {
  return (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as readonly I[]
}

/**
 * The `(column, value)` or `(column, operator, value)` arguments of `where`-like methods, as
 * `[column, operator, value]` (`'='` when none is given).
 * @example
 * ```ts
 * comparisonArguments(['status', 'active'], 'where[0]') // ['status', '=', 'active']
 * ```
 */
export function comparisonArguments(
  args: readonly unknown[],
  path: string,
): readonly [unknown, unknown, unknown] {
  if (args.length === 2) return [args[0], '=', args[1]]
  if (args.length === 3) return [args[0], args[1], args[2]]
  throw new InvalidQueryError(
    path,
    `expected (column, value) or (column, operator, value), got ${args.length} arguments`,
  )
}

/**
 * The value of a comparison as the query keeps it: an in-list is copied and frozen, so changing
 * the caller's array later cannot change the query.
 * @example
 * ```ts
 * const ids = [1, 2]
 * const kept = freezeList('in', ids) // a frozen copy: ids.push(3) leaves the query's list [1, 2]
 * ```
 */
export function freezeList(operator: ComparisonOperator, value: unknown): unknown {
  return (operator === 'in' || operator === 'not in') && Array.isArray(value)
    ? Object.freeze([...value])
    : value
}

/**
 * The argument of `whereRaw(condition)` / `having(condition)`: an expression from the `sql` tag.
 * A string is refused, because a string is how input ends up in SQL text.
 * @example
 * ```ts
 * rawExpression(sql`count(*) > ${n}`, 'having[0]', 'having') // the expression: having (count(*) > $1)
 * rawExpression('1 = 1', 'having[0]', 'having')              // throws InvalidQueryError
 * ```
 */
export function rawExpression(input: unknown, path: string, method: string): Expression<unknown> {
  if (typeof input === 'string') {
    throw new InvalidQueryError(
      path,
      `${method}() takes an expression from the sql tag (sql\`...\`), never a string: interpolated values become parameters`,
    )
  }
  if (!isExpression(input)) {
    throw new InvalidQueryError(
      path,
      `expected an expression from the sql tag (sql\`...\`), got ${describe(input)}`,
    )
  }
  return input
}
