import type { CatalogIndex } from '../drift/catalog'
import { INDEX_METHODS, predicateProblem } from '../schema/index-shape'
import { truncateIdentifier as truncate } from '../schema/naming'
import type { IndexMethod } from '../schema/table'
import { type PulledTable, sqlNameOk } from './pulled-table'
import { tsString } from './source-text'

/**
 * The `indexes` entry of a live index in full shape (direction, NULLS, operator classes that are
 * not the default, method, INCLUDE, predicate, a name unless the default one), or why it is not
 * pulled.
 * @internal
 * @example
 * ```ts
 * indexCode(functionDeployments, liveIndex)
 * // '{ columns: ["functionId", { column: "version", order: "desc" }] }'
 * ```
 */
export function indexCode(table: PulledTable, index: CatalogIndex): string | { reason: string } {
  if (index.columns.some((c) => c === null))
    return { reason: 'expression indexes are not supported' }
  const method = index.method as IndexMethod
  if (!INDEX_METHODS.includes(method))
    return { reason: `the ${index.method} method is not supported` }
  const columns = (index.columns as string[]).map((n) => table.byName.get(n))
  const include = index.include.map((n) => table.byName.get(n))
  if ([...columns, ...include].some((c) => c?.code === undefined)) {
    return { reason: 'a column of it is not pulled' }
  }
  if (index.predicate !== null && predicateProblem(index.predicate) !== undefined) {
    return { reason: 'its predicate cannot be written in a definition' }
  }
  let simple = true
  const keys = columns.map((column, i) => {
    const shape = index.keyShapes[i]
    const parts = [`column: ${tsString(column!.property)}`]
    if (shape !== undefined && method === 'btree') {
      if (shape.order === 'desc') parts.push('order: "desc"')
      if (shape.nulls !== (shape.order === 'desc' ? 'first' : 'last')) {
        parts.push(`nulls: ${tsString(shape.nulls)}`)
      }
    }
    if (shape !== undefined && !shape.opclassDefault)
      parts.push(`opclass: ${tsString(shape.opclass)}`)
    if (parts.length === 1) return tsString(column!.property)
    simple = false
    return `{ ${parts.join(', ')} }`
  })
  const options = [`columns: [${keys.join(', ')}]`]
  const defaultName = truncate(`idx_${table.live.name}_${(index.columns as string[]).join('_')}`)
  if (index.name !== defaultName) {
    if (!sqlNameOk(index.name)) return { reason: 'its name is not an SQL identifier' }
    options.push(`name: ${tsString(index.name)}`)
  }
  if (index.unique) options.push('unique: true')
  if (method !== 'btree') options.push(`using: ${tsString(method)}`)
  if (include.length > 0)
    options.push(`include: [${include.map((c) => tsString(c!.property)).join(', ')}]`)
  if (index.predicate !== null) options.push(`where: ${tsString(index.predicate)}`)
  if (simple && options.length === 1) return `[${keys.join(', ')}]`
  return `{ ${options.join(', ')} }`
}
