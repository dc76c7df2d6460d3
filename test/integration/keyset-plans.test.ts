/**
 * Issue 17, item 3: a keyset page's limit is written into its statement (`limit 21`), so
 * PostgreSQL keeps a generic plan for the prepared statement after a few executions instead of
 * planning every page (with `limit $n` it never does: the generic plan must guess the limit).
 * One connection (max: 1) so that pg_prepared_statements, which is per session, shows the
 * statements the pages ran.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { c, Database, defineTable, Entity, generateDDL } from '../../src/index'
import { testDatabase } from '../setup/test-database'

const events = defineTable(
  'kp_events',
  {
    id: c.serial().primaryKey(),
    name: c.text().notNull(),
    createdAt: c.timestamp().notNull().defaultNow(),
  },
  { indexes: [['createdAt', 'id']] },
)
class EventEntity extends Entity.of(events) {}

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ events: typeof events }>

beforeAll(async () => {
  test = await testDatabase('keyset_plans')
  db = await Database.connect({ url: test.url, tables: { events }, max: 1 })
  await db.executeScript(generateDDL([events]))
  await db.executeScript(`
    INSERT INTO kp_events (name, created_at)
    SELECT 'e' || g, timestamp '2024-01-01' + g * interval '1 second' FROM generate_series(1, 5000) g;
    ANALYZE kp_events`)
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

interface PlanCounts {
  readonly statement: string
  readonly generic_plans: bigint
  readonly custom_plans: bigint
}

/** Walks `pages` pages of 20, then reads the plan counts of the statement after a cursor. */
async function walk(
  pages: number,
  options: { orderBy?: 'createdAt'; orderDirection?: 'desc' },
  ending: string,
): Promise<{ seen: number; plans: PlanCounts[] }> {
  const manager = db.manager(EventEntity)
  const ids = new Set<number>()
  let after: string | null = null
  for (let i = 0; i < pages; i++) {
    const page = await manager.paginateByCursor({
      limit: 20,
      ...options,
      ...(after === null ? {} : { after }),
    })
    for (const item of page.items) ids.add(item.id)
    after = page.nextCursor
  }
  const plans = await db.raw<PlanCounts>(
    `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
     WHERE statement LIKE '%from "kp_events" where %' || @ending`,
    { ending },
  )
  return { seen: ids.size, plans }
}

describe('keyset pages keep one generic plan', () => {
  it('runs on a server that counts generic plans (PostgreSQL 14 or later)', async () => {
    const row = await db.rawOne<{ v: number }>(
      "SELECT current_setting('server_version_num')::int AS v",
    )
    expect(row!.v).toBeGreaterThanOrEqual(140000)
  })

  it('by id: after 60 pages the page statement has generic plans', async () => {
    const { seen, plans } = await walk(60, {}, 'order by "id" asc limit 21')
    expect(seen).toBe(1200)
    expect(plans).toHaveLength(1)
    expect(plans[0]!.statement).toMatch(/where \("id"\) > \(\$1\) order by "id" asc limit 21$/)
    expect(plans[0]!.generic_plans).toBeGreaterThan(0n)
  })

  it('newest first: after 60 pages the page statement has generic plans', async () => {
    const { seen, plans } = await walk(
      60,
      { orderBy: 'createdAt', orderDirection: 'desc' },
      'order by "created_at" desc, "id" desc limit 21',
    )
    expect(seen).toBe(1200)
    expect(plans).toHaveLength(1)
    expect(plans[0]!.statement).toContain('where ("created_at", "id") < ($1, $2) order by')
    expect(plans[0]!.generic_plans).toBeGreaterThan(0n)
  })
})
