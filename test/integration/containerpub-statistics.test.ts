// Issue 15, section 4 on a real database: the original's hourly and daily invocation statistics,
// built with the query builder (group by an expression's output name, count(*) filter, avg, a
// Date or interval cutoff), checked bucket by bucket on invocations at known times; and the
// builder's new parts (groupBy output names, having expressions, full join) on real rows.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  containerpubInitSql,
  containerpubManagers,
  containerpubTables,
  FunctionEntity,
  FunctionInvocationEntity,
  getDailyInvocationStats,
  getHourlyInvocationStats,
  getInvocationStats,
} from '../../src/containerpub/index'
import { Database, InvalidQueryError } from '../../src/index'
import { testDatabase } from '../setup/test-database'

let handle: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof containerpubTables>
let a: FunctionEntity
let b: FunctionEntity
let c: FunctionEntity
let d: FunctionEntity

const at = (iso: string) => new Date(iso)
// Start of the UTC hour / day of a time, as date_trunc computes it on a UTC `timestamp`.
const hourOf = (t: Date) => new Date(Math.floor(t.getTime() / 3_600_000) * 3_600_000)
const dayOf = (t: Date) => new Date(Math.floor(t.getTime() / 86_400_000) * 86_400_000)
let now: Date

beforeAll(async () => {
  handle = await testDatabase('cp_stats')
  db = await Database.connect({ url: handle.url, tables: containerpubTables })
  await db.executeScript(containerpubInitSql())
  const m = containerpubManagers(db)
  const user = await m.users.insert({ email: 'stats@example.com', passwordHash: 'hash' })
  const inserted = []
  for (const name of ['a', 'b', 'c', 'd']) {
    inserted.push(await m.functions.insert({ userId: user.id, name }))
  }
  ;[a, b, c, d] = inserted as [FunctionEntity, FunctionEntity, FunctionEntity, FunctionEntity]
  const invocation = (
    fn: FunctionEntity,
    timestamp: Date,
    status: string,
    durationMs: number | null,
  ) => ({ functionId: fn.id, timestamp, status, durationMs })
  await m.functionInvocations.batchInsert([
    // Function a: three hours of 2026-03-10, the day before and the day after.
    invocation(a, at('2026-03-09T23:59:59.000Z'), 'success', 50),
    invocation(a, at('2026-03-10T10:05:00.000Z'), 'success', 10),
    invocation(a, at('2026-03-10T10:40:00.000Z'), 'success', 30),
    invocation(a, at('2026-03-10T10:59:59.999Z'), 'error', null),
    invocation(a, at('2026-03-10T11:00:00.000Z'), 'success', 100),
    invocation(a, at('2026-03-10T11:30:00.000Z'), 'timeout', 400),
    invocation(a, at('2026-03-10T12:00:00.000Z'), 'error', null),
    invocation(a, at('2026-03-11T00:15:00.000Z'), 'success', 7),
    // Function b, in the same hours: never counted for a.
    invocation(b, at('2026-03-10T10:10:00.000Z'), 'error', 999),
    invocation(b, at('2026-03-10T11:10:00.000Z'), 'success', 999),
  ])
  // Function c, relative to the database clock, for the interval cutoffs.
  const [row] = await db.raw<{ now: Date }>('select localtimestamp as now')
  now = row?.now as Date
  await m.functionInvocations.batchInsert([
    invocation(c, new Date(now.getTime() - 3 * 3_600_000), 'success', 5),
    invocation(c, new Date(now.getTime() - 48 * 3_600_000), 'error', 9),
    invocation(c, new Date(now.getTime() - 40 * 86_400_000), 'success', 1),
  ])
  await m.functionLogs.insert({ functionId: d.id, level: 'info', message: 'no invocations' })
})
afterAll(async () => {
  await db?.close()
  await handle?.drop()
})

const hourlyOfA = [
  {
    bucket: at('2026-03-10T10:00:00.000Z'),
    totalInvocations: 3,
    successCount: 2,
    errorCount: 1,
    averageDurationMs: 20,
  },
  {
    bucket: at('2026-03-10T11:00:00.000Z'),
    totalInvocations: 2,
    successCount: 1,
    errorCount: 1,
    averageDurationMs: 250,
  },
  {
    bucket: at('2026-03-10T12:00:00.000Z'),
    totalInvocations: 1,
    successCount: 0,
    errorCount: 1,
    averageDurationMs: null,
  },
  {
    bucket: at('2026-03-11T00:00:00.000Z'),
    totalInvocations: 1,
    successCount: 1,
    errorCount: 0,
    averageDurationMs: 7,
  },
]

describe('hourly and daily invocation statistics', () => {
  it('per hour since a Date: exact buckets, counts and averages, by uuid or entity', async () => {
    const since = at('2026-03-10T00:00:00.000Z')
    expect(await getHourlyInvocationStats(db, a.uuid, { since })).toEqual(hourlyOfA)
    expect(await getHourlyInvocationStats(db, a, { since })).toEqual(hourlyOfA)
    expect(await getInvocationStats(db, a, { bucket: 'hour', since })).toEqual(hourlyOfA)
    // The cutoff is inclusive: from 11:00 on.
    const fromEleven = await getHourlyInvocationStats(db, a, { since: at('2026-03-10T11:00Z') })
    expect(fromEleven).toEqual(hourlyOfA.slice(1))
  })

  it('per day since a Date', async () => {
    expect(
      await getDailyInvocationStats(db, a.uuid, { since: at('2026-03-09T00:00:00.000Z') }),
    ).toEqual([
      {
        bucket: at('2026-03-09T00:00:00.000Z'),
        totalInvocations: 1,
        successCount: 1,
        errorCount: 0,
        averageDurationMs: 50,
      },
      {
        bucket: at('2026-03-10T00:00:00.000Z'),
        totalInvocations: 6,
        successCount: 3,
        errorCount: 3,
        averageDurationMs: 135,
      },
      {
        bucket: at('2026-03-11T00:00:00.000Z'),
        totalInvocations: 1,
        successCount: 1,
        errorCount: 0,
        averageDurationMs: 7,
      },
    ])
  })

  it('since an interval back from the database clock, with the original defaults', async () => {
    const recent = new Date(now.getTime() - 3 * 3_600_000)
    const older = new Date(now.getTime() - 48 * 3_600_000)
    const one = (bucket: Date, success: boolean, ms: number) => ({
      bucket,
      totalInvocations: 1,
      successCount: success ? 1 : 0,
      errorCount: success ? 0 : 1,
      averageDurationMs: ms,
    })
    // Defaults: the last 24 hours, the last 30 days.
    expect(await getHourlyInvocationStats(db, c)).toEqual([one(hourOf(recent), true, 5)])
    expect(await getDailyInvocationStats(db, c.uuid)).toEqual([
      one(dayOf(older), false, 9),
      one(dayOf(recent), true, 5),
    ])
    expect(await getHourlyInvocationStats(db, c, { since: { hours: 72 } })).toEqual([
      one(hourOf(older), false, 9),
      one(hourOf(recent), true, 5),
    ])
    expect(await getDailyInvocationStats(db, c, { since: { days: 50 } })).toHaveLength(3)
  })

  it('is empty for a function without invocations, or an unknown uuid', async () => {
    expect(await getDailyInvocationStats(db, d, { since: { days: 36_500 } })).toEqual([])
    expect(
      await getHourlyInvocationStats(db, '00000000-0000-4000-8000-000000000000', {
        since: at('2000-01-01T00:00:00Z'),
      }),
    ).toEqual([])
  })

  it('refuses bad arguments before any statement, naming them and not their values', async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [() => getHourlyInvocationStats(db, "x' or 1=1 --"), 'function'],
      [() => getHourlyInvocationStats(db, 42 as any), 'function'],
      [() => getHourlyInvocationStats(db, a, { since: new Date(Number.NaN) }), 'since'],
      [() => getHourlyInvocationStats(db, a, { since: { hours: 0 } }), 'since.hours'],
      [() => getHourlyInvocationStats(db, a, { since: { hours: 1.5 } }), 'since.hours'],
      [() => getDailyInvocationStats(db, a, { since: { days: 36_501 } }), 'since.days'],
      [() => getDailyInvocationStats(db, a, { since: { days: 1, hours: 1 } as any }), 'since'],
      [() => getDailyInvocationStats(db, a, { since: '30 days' as any }), 'since'],
      [() => getInvocationStats(db, a, { bucket: 'minute' as any }), 'bucket'],
    ]
    for (const [run, path] of cases) {
      const error = await run().then(
        () => new Error('accepted'),
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(InvalidQueryError)
      expect((error as InvalidQueryError).path).toBe(path)
      expect((error as Error).message).not.toContain('1=1')
    }
  })
})

describe('the builder on real rows', () => {
  it('groups by the output name, not by a hidden column of that name, in a public query', async () => {
    const rows = await db
      .manager(FunctionInvocationEntity)
      .public()
      .query('fi')
      .select(['fi.status as function_id', sql<bigint>`count(*)`.as('n')])
      .groupBy('function_id')
      .orderBy('function_id')
      .execute<{ function_id: string; n: bigint }>()
    expect(rows.map((r) => r.function_id)).toEqual(['error', 'success', 'timeout'])
    expect(rows.map((r) => Number(r.n))).toEqual([4, 8, 1])
  })

  it('groups by an expression or an output name, and count() counts those groups', async () => {
    const day = sql<Date>`date_trunc('day', fi.timestamp)`
    const base = db
      .manager(FunctionInvocationEntity)
      .query('fi')
      .where('fi.function_id', a.id)
      .select([day.as('day'), sql<bigint>`count(*)`.as('n')])
    const byExpression = await base.groupBy(day).orderBy(day).execute<{ day: Date; n: bigint }>()
    const byName = await base.groupBy('day').orderBy('day').execute<{ day: Date; n: bigint }>()
    expect(byName).toEqual(byExpression)
    expect(byName).toEqual([
      { day: at('2026-03-09T00:00:00Z'), n: 1n },
      { day: at('2026-03-10T00:00:00Z'), n: 6n },
      { day: at('2026-03-11T00:00:00Z'), n: 1n },
    ])
    expect(await base.groupBy('day').count()).toBe(3)
    expect(await base.groupBy('day').having(sql`count(*) > ${1}`).count()).toBe(1)
    // After f.*, by name: "owner" is no column of functions or users.
    const owners = await db
      .manager(FunctionEntity)
      .query('f')
      .select(['f.*', sql<string>`lower(u.email)`.as('owner')])
      .join('users u', 'f.user_id', 'u.id')
      .groupBy('f.id', 'owner')
      .execute<{ owner: string }>()
    expect(owners.map((r) => r.owner)).toEqual(Array(4).fill('stats@example.com'))
  })

  it('keeps groups by a having expression and full-joins unmatched rows of both sides', async () => {
    const noisy = await db
      .manager(FunctionInvocationEntity)
      .query('fi')
      .select(['fi.function_id', sql<bigint>`count(*)`.as('n')])
      .groupBy('fi.function_id')
      .having(sql<boolean>`count(*) filter (where fi.status <> ${'success'}) >= ${2}`)
      .orderBy('fi.function_id')
      .execute<{ function_id: number; n: bigint }>()
    expect(noisy).toEqual([{ function_id: a.id, n: 8n }])
    const joined = await db
      .manager(FunctionInvocationEntity)
      .query('fi')
      .select(['fi.uuid as invocation', 'fl.uuid as log'])
      .fullJoin('function_logs fl', 'fi.function_id', 'fl.function_id')
      .execute<{ invocation: string | null; log: string | null }>()
    expect(joined).toHaveLength(14)
    expect(joined.filter((r) => r.invocation === null)).toHaveLength(1)
    expect(joined.filter((r) => r.log === null)).toHaveLength(13)
  })
})
