import { InvalidQueryError } from '../errors/kysely-entities-error'
import { checkLimit, checkPage, MAX_LIMIT } from './query-options'

/**
 * Options of {@link EntityQuery.paginate}.
 * @example
 * ```ts
 * await functions.query().orderBy('id').paginate({ page: 2, pageSize: 20 } satisfies QueryPaginateOptions)
 * // select ... from "functions" order by "id" asc limit $1 offset $2   -- [20, 20]
 * ```
 */
export interface QueryPaginateOptions {
  /** 1-based page number. */
  readonly page: number
  /** Entities per page: 1 to {@link MAX_LIMIT}. */
  readonly pageSize: number
}

/**
 * One page of entities and what is needed to page through the rest.
 * @example
 * ```ts
 * const { items, total, hasMore }: Page<FunctionEntity> = await functions.paginate({ page: 1, pageSize: 20 })
 * // { items: [...20 entities], total: 45, page: 1, pageSize: 20, hasMore: true }
 * ```
 */
export interface Page<R> {
  readonly items: R[]
  /** Rows matching the query over all pages. */
  readonly total: number
  readonly page: number
  readonly pageSize: number
  /** True when there are rows after this page. */
  readonly hasMore: boolean
}

/**
 * The page number and size of {@link QueryPaginateOptions}, checked: a page from 1, a size from 1
 * to {@link MAX_LIMIT}.
 * @example
 * ```ts
 * checkQueryPage({ page: 2, pageSize: 20 }) // { page: 2, pageSize: 20 }
 * checkQueryPage({ page: 1, pageSize: 0 })  // InvalidQueryError: pageSize: must be from 1 to 10000
 * ```
 */
export function checkQueryPage(options: QueryPaginateOptions): {
  readonly page: number
  readonly pageSize: number
} {
  const page = checkPage(options?.page, 'page')
  const pageSize = checkLimit(options?.pageSize, 'pageSize')
  if (pageSize === 0) throw new InvalidQueryError('pageSize', `must be from 1 to ${MAX_LIMIT}`)
  return { page, pageSize }
}
