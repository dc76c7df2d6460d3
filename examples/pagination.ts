// Pagination: page numbers (with the total) and keyset cursors (stable, same cost at any depth).
import { containerpubManagers, getFunctionsPaginated } from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, type Log, main } from './context'

export async function run(db: DemoDatabase, log: Log) {
  const { users, functions } = containerpubManagers(db)

  // Page numbers: getFunctionsPaginated is the spec's pattern 2 (newest first, with the total).
  const pages: { page: number; names: string[]; hasMore: boolean }[] = []
  for (let page = 1; ; page++) {
    const result = await getFunctionsPaginated(db, { page, pageSize: 8 })
    pages.push({ page, names: result.items.map((f) => f.name), hasMore: result.hasMore })
    log(
      `page ${page} (${result.items.length} of ${result.total}, hasMore ${result.hasMore}): ${result.items.map((f) => f.name).join(', ')}`,
    )
    if (!result.hasMore) break
  }
  // Server code filters by internal keys (userId) on the trusted managers; a client's filters go
  // through the public view instead (below), where such columns do not exist.
  const linus = await users.findOneOrThrow({ where: { email: 'linus@example.com' } })
  const filtered = await getFunctionsPaginated(db, {
    page: 1,
    pageSize: 8,
    filters: { userId: linus.id },
  })
  log(`filtered by owner: linus has ${filtered.total} functions`)

  // Keyset cursors: pass the previous page's opaque nextCursor; null means the last page. A
  // listing a client drives (its orderBy, its cursor) runs on the public view: a cursor is valid
  // only for the table, order, direction and view that issued it.
  const cursorPages: string[][] = []
  let after: string | null = null
  do {
    const result = await functions.public().paginateByCursor({
      limit: 6,
      orderBy: 'createdAt',
      orderDirection: 'desc',
      after,
    })
    cursorPages.push(result.items.map((f) => f.name))
    log(
      `cursor page ${cursorPages.length}: ${result.items.length} functions, nextCursor ${result.nextCursor === null ? 'null' : `${result.nextCursor.slice(0, 16)}...`}`,
    )
    after = result.nextCursor
  } while (after !== null)

  const byNumber = pages.flatMap((p) => p.names)
  const byCursor = cursorPages.flat()
  const sameOrder = byNumber.join() === byCursor.join()
  log(`both walks saw ${byCursor.length} functions in the same order: ${sameOrder}`)

  return { pages, filteredTotal: filtered.total, cursorPages, sameOrder }
}

if (isMain(import.meta.url)) await main(run)
