import { type AliasedExpression, isAliasedExpression, isExpression } from 'kysely'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { AnyTable } from '../schema/define-table'
import type { ColumnNameOf } from '../schema/table-types'
import { describe } from './query-options'
import type { Selection } from './query-state'
import {
  isIdentifier,
  resolveReference,
  type ScopeEntry,
  splitAlias,
  starInPublic,
} from './sql-reference'

/**
 * A column reference in SQL names: `'status'` (a column of the base table, or of the one joined
 * table that has it) or `'alias.column'`. Checked at run time against the tables in the query.
 * @example
 * ```ts
 * const refs: ColumnRef<typeof functions>[] = ['status', 'f.user_id', 'u.email']
 * ```
 */
export type ColumnRef<T extends AnyTable> = ColumnNameOf<T> | `${string}.${string}`

/**
 * One item of {@link EntityQuery.select}: `'*'`, `'column'`, `'alias.column'`, `'alias.*'`,
 * `'column as name'`, `'alias.column as name'`, or an aliased Kysely expression
 * (`` sql<bigint>`count(fd.id)`.as('deployment_count') ``: `count` is an int8, which this package's
 * driver reads as a `bigint`).
 * @example
 * ```ts
 * const items: SelectItem<typeof functions>[] = ['f.*', 'u.email as owner', sql<bigint>`count(fd.id)`.as('n')]
 * ```
 */
export type SelectItem<T extends AnyTable> =
  | '*'
  | ColumnRef<T>
  | `${string} as ${string}`
  | AliasedExpression<unknown, string>

/**
 * The output name a select item gives its column, when it names one (`as name`).
 * @example
 * ```ts
 * type N = OutputNameOf<'name as title' | 'uuid'> // 'title'
 * ```
 */
export type OutputNameOf<I> =
  I extends AliasedExpression<any, infer N> ? N : I extends `${string} as ${infer N}` ? N : never

/**
 * The select items of one `select()` call, checked against the tables of the query: the
 * selection they add and the output names they give. `offset` is the number of items selected
 * before, so that errors name the argument (`select[3]`). With `publicOnly`, secret and internal
 * columns do not exist and `*` is refused.
 * @example
 * ```ts
 * parseSelection(scope, ['id', 'name as title'], 0)
 * // { selection: [{ kind: 'column', ref, alias: undefined }, { kind: 'column', ref, alias: 'title' }], outputNames: ['title'] }
 * ```
 */
export function parseSelection(
  scope: readonly ScopeEntry[],
  items: readonly unknown[],
  offset: number,
  publicOnly = false,
): { readonly selection: readonly Selection[]; readonly outputNames: readonly string[] } {
  const selection: Selection[] = []
  const outputNames: string[] = []
  items.forEach((item, i) => {
    const path = `select[${offset + i}]`
    if (isAliasedExpression(item)) {
      selection.push({ kind: 'expression', expression: item })
      outputNames.push(item.alias)
      return
    }
    if (item === '*') {
      if (publicOnly) throw starInPublic(path)
      selection.push({ kind: 'star' })
      return
    }
    if (typeof item !== 'string') {
      throw new InvalidQueryError(
        path,
        `expected a column or an aliased expression (sql\`...\`.as('name')), got ${isExpression(item) ? 'an expression without an alias' : describe(item)}`,
      )
    }
    const aliased = splitAlias(item)
    if (aliased !== undefined) {
      const [ref, name] = aliased
      if (!isIdentifier(name)) {
        throw new InvalidQueryError(path, 'the name after AS must be an identifier')
      }
      selection.push({
        kind: 'column',
        ref: resolveReference(scope, ref, path, { forward: true, publicOnly }),
        alias: name,
      })
      outputNames.push(name)
      return
    }
    selection.push({
      kind: 'column',
      ref: resolveReference(scope, item, path, { star: true, forward: true, publicOnly }),
      alias: undefined,
    })
  })
  return { selection, outputNames }
}
