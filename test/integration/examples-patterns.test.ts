import { afterEach, describe, expect, inject, it } from 'vitest'
import { run as analytics } from '../../examples/analytics'
import { run as batchInsert } from '../../examples/batch-insert'
import { type DemoDatabase, openDemoDatabase, seed } from '../../examples/context'
import { run as crud } from '../../examples/crud'
import { run as dtoPrivacy } from '../../examples/dto-privacy'
import { run as pagination } from '../../examples/pagination'
import { run as queryBuilder } from '../../examples/query-builder'
import { run as rawSql } from '../../examples/raw-sql'
import { run as relationships } from '../../examples/relationships'
import { run as transactions } from '../../examples/transactions'

// Every example runs against a fresh, seeded database of its own: the results below follow from
// the deterministic seed, whatever order the examples run in.
let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

async function runExample<R>(
  example: (db: DemoDatabase, log: (line: string) => void) => Promise<R>,
) {
  const demo = await openDemoDatabase({ serverUrl: inject('databaseUrl') })
  close = demo.close
  await seed(demo.db)
  const lines: string[] = []
  const result = await example(demo.db, (line) => lines.push(line))
  expect(lines.length).toBeGreaterThan(0)
  return { result, lines, db: demo.db }
}

describe('examples: the spec usage patterns', () => {
  it('seed inserts the documented amounts of data', async () => {
    const demo = await openDemoDatabase({ serverUrl: inject('databaseUrl') })
    close = demo.close
    const { counts } = await seed(demo.db)
    expect(counts).toEqual({
      users: 5,
      organizations: 1,
      functions: 20,
      deployments: 70,
      logs: 200,
      invocations: 2000,
    })
    const actives = await demo.db.rawOne<{ n: bigint }>(
      'SELECT count(*) AS n FROM functions f JOIN function_deployments d ON d.id = f.active_deployment_id AND d.is_active',
    )
    expect(actives?.n).toBe(20n)
  })

  it('crud: find, insert, update, count, delete', async () => {
    const { result } = await runExample(crud)
    expect(result).toMatchObject({
      email: 'ada@example.com',
      activeOfAda: 4,
      activeCount: 18,
      updatedStatus: 'inactive',
      deleted: true,
      gone: true,
    })
    expect(result.sql).toContain(
      'where "user_id" = $1 and "status" = $2 order by "created_at" desc limit $3',
    )
  })

  it('query-builder: joins, count per function, group by, having', async () => {
    const { result } = await runExample(queryBuilder)
    expect(result.sql).toContain('inner join "users" as "u" on "f"."user_id" = "u"."id"')
    expect(result.sql).toContain('left join "function_deployments" as "fd"')
    expect(result.sql).toContain('group by "f"."id", "u"."email" having count(fd.id) >= $3')
    expect(result.parameters).toEqual(['active', expect.any(Date), 3, 20])
    expect(result.rows).toHaveLength(8)
    expect(result.rows[0]).toEqual({ name: 'cleanup-temp', deployments: 5 })
    expect(result.rows.every((r) => r.deployments >= 3)).toBe(true)
    expect(result.perOwner).toHaveLength(5)
    expect(result.perOwner.every((r) => r.functions === 4)).toBe(true)
    expect(result.withActiveDeployment).toBe(20)
  })

  it('relationships: hasMany, belongsTo, manyToMany, load, with', async () => {
    const { result } = await runExample(relationships)
    expect(result.deployments).toEqual([5, 4, 3, 2, 1])
    expect(result.owner).toBe('ada@example.com')
    expect(result.members).toEqual(['ada@example.com', 'grace@example.com', 'linus@example.com'])
    expect(result.loadedFunctions).toBe(20)
    expect(result.deploymentTotal).toBe(70)
    expect(result.latest).toEqual([
      { name: 'health-check', owner: 'ken@example.com', activeVersion: 5 },
      { name: 'audit-trail', owner: 'margaret@example.com', activeVersion: 4 },
      { name: 'ocr-scan', owner: 'linus@example.com', activeVersion: 3 },
    ])
  })

  it('raw-sql: named parameters become bind parameters', async () => {
    const { result } = await runExample(rawSql)
    expect(result.sql).toContain('WHERE f.user_id = $1 AND f.analysis_result @> $2')
    expect(result.sql).toContain('HAVING COUNT(fd.id) >= $3')
    expect(result.sql).not.toContain('@user_id')
    expect(result.parameterCount).toBe(3)
    expect(result.rows).toEqual([
      { name: 'cleanup-temp', deployments: 5 },
      { name: 'pdf-render', deployments: 4 },
      { name: 'send-email', deployments: 3 },
    ])
    expect(result.invocations).toBe(2000)
    expect(result.errors).toBeGreaterThan(0)
    expect(result.errors).toBeLessThan(400)
    expect(result.missing).toBe('MISSING_PARAMETER')
  })

  it('transactions: commit, rollback, savepoint, activateDeployment', async () => {
    const { result } = await runExample(transactions)
    expect(result).toEqual({
      committedDeployments: 1,
      rolledBack: true,
      kept: ['outer'],
      activated: { from: 5, to: 1, pointsAtIt: true },
      actives: 1,
    })
  })

  it('batch-insert: 10,000 rows with progress; an invalid batch writes nothing', async () => {
    const { result } = await runExample(batchInsert)
    expect(result.inserted).toBe(10_000)
    expect(result.progress).toEqual([2_500, 5_000, 7_500, 10_000])
    expect(result.after).toBe(result.before + 10_000)
    expect(result.rejected).toEqual({ code: 'ENTITY_VALIDATION', path: 'rows[1].level' })
  })

  it('pagination: page numbers and keyset cursors see the same rows', async () => {
    const { result } = await runExample(pagination)
    expect(result.pages.map((p) => [p.names.length, p.hasMore])).toEqual([
      [8, true],
      [8, true],
      [4, false],
    ])
    expect(result.pages[0]?.names[0]).toBe('health-check')
    expect(result.filteredTotal).toBe(4)
    expect(result.cursorPages.map((p) => p.length)).toEqual([6, 6, 6, 2])
    expect(new Set(result.cursorPages.flat()).size).toBe(20)
    expect(result.sameOrder).toBe(true)
  })

  it('analytics: getFunctionStats of the busiest functions', async () => {
    const { result } = await runExample(analytics)
    expect(result.stats).toHaveLength(3)
    expect(result.stats[0]?.name).toBe('resize-image')
    for (const { month, week } of result.stats) {
      expect(month.totalInvocations).toBeGreaterThan(0)
      expect(month.successful).toBeLessThanOrEqual(month.totalInvocations)
      expect(week.totalInvocations).toBeLessThanOrEqual(month.totalInvocations)
      expect(month.averageDurationMs).toBeGreaterThan(0)
      expect(month.maxDurationMs).toBeGreaterThanOrEqual(month.averageDurationMs!)
    }
    const totals = result.stats.map((s) => s.month.totalInvocations)
    expect([...totals].sort((a, b) => b - a)).toEqual(totals)
  })

  it('dto-privacy: no internal key, member uuids for the owner only', async () => {
    const { result } = await runExample(dtoPrivacy)
    expect(Object.keys(result.user)).toEqual(['uuid', 'email'])
    expect(result.user.email).toBe('ada@example.com')
    expect(result.functionKeys).toContain('ownerUuid')
    for (const key of ['id', 'userId', 'activeDeploymentId']) {
      expect(result.functionKeys).not.toContain(key)
    }
    expect(result.members).toBe(3)
    expect(result.ownerSees).toBe(3)
    expect(result.memberSees).toBe(0)
    expect(result.leaked).toEqual([])
    expect(result.containsPasswordHash).toBe(false)
    expect(result.refused).toBe('DTO_DEFINITION')
  })
})
