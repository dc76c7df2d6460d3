// Issue 15, section 4: the exact statements of the hourly and daily invocation statistics, built
// with the query builder (no raw SQL), and their refusals, which send nothing.
import { describe, expect, it } from 'vitest'
import * as cp from '../../src/containerpub/index'
import { type Database, EntityManager, InvalidQueryError } from '../../src/index'
import { captureExecutor } from '../setup/capture-executor'

function setup() {
  const cap = captureExecutor(Object.values(cp.containerpubTables))
  // The statistics only ask the database for managers.
  const db = {
    manager: (entity: any) => new EntityManager(cap.executor, entity),
  } as unknown as Database<typeof cp.containerpubTables>
  return { cap, db }
}

const fn = Object.assign(Object.create(cp.FunctionEntity.prototype), {
  id: 3,
}) as cp.FunctionEntity
const uuid = '0b6f5a52-4a8e-4c1e-9d8e-1f2a3b4c5d6e'

const SELECT = (unit: string) =>
  `select date_trunc('${unit}', "fi"."timestamp") as "bucket", count(*) as "total_invocations", count(*) filter (where "fi"."status" = $1) as "success_count", count(*) filter (where "fi"."status" <> $2) as "error_count", avg("fi"."duration_ms")::float8 as "average_duration_ms" from "function_invocations" as "fi"`

describe('invocation statistics', () => {
  it('per hour by uuid, the last 24 hours by default: one statement through the builder', async () => {
    const { cap, db } = setup()
    cap.respond([
      {
        bucket: new Date('2026-03-10T10:00:00Z'),
        total_invocations: 3n,
        success_count: 2n,
        error_count: 1n,
        average_duration_ms: 20,
      },
    ])
    const rows = await cp.getHourlyInvocationStats(db, uuid)
    expect(cap.sent).toEqual([
      {
        sql: `${SELECT('hour')} inner join "functions" as "f" on "fi"."function_id" = "f"."id" where "f"."uuid" = $3 and ("fi"."timestamp" >= localtimestamp - make_interval(hours => $4)) group by 1 order by "bucket" asc`,
        parameters: ['success', 'success', uuid, 24],
      },
    ])
    expect(rows).toEqual([
      {
        bucket: new Date('2026-03-10T10:00:00Z'),
        totalInvocations: 3,
        successCount: 2,
        errorCount: 1,
        averageDurationMs: 20,
      },
    ])
  })

  it('per day by entity since a Date, or the last 30 days, or n days', async () => {
    const { cap, db } = setup()
    await cp.getDailyInvocationStats(db, fn, { since: new Date('2026-03-01T00:00:00Z') })
    await cp.getDailyInvocationStats(db, fn)
    await cp.getInvocationStats(db, uuid, { bucket: 'day', since: { days: 7 } })
    expect(cap.sent).toEqual([
      {
        sql: `${SELECT('day')} where "fi"."function_id" = $3 and "fi"."timestamp" >= $4 group by 1 order by "bucket" asc`,
        parameters: ['success', 'success', 3, new Date('2026-03-01T00:00:00Z')],
      },
      {
        sql: `${SELECT('day')} where "fi"."function_id" = $3 and ("fi"."timestamp" >= localtimestamp - make_interval(days => $4)) group by 1 order by "bucket" asc`,
        parameters: ['success', 'success', 3, 30],
      },
      {
        sql: `${SELECT('day')} inner join "functions" as "f" on "fi"."function_id" = "f"."id" where "f"."uuid" = $3 and ("fi"."timestamp" >= localtimestamp - make_interval(days => $4)) group by 1 order by "bucket" asc`,
        parameters: ['success', 'success', uuid, 7],
      },
    ])
  })

  it("getFunctionStats (the spec's pattern 3) is one builder statement too", async () => {
    const { cap, db } = setup()
    cap.respond([{ total_invocations: 3n, successful: 2n, avg_duration: 30, max_duration: 50 }])
    const since = new Date('2026-03-01T00:00:00Z')
    expect(await cp.getFunctionStats(db, 3, { since })).toEqual({
      totalInvocations: 3,
      successful: 2,
      averageDurationMs: 30,
      maxDurationMs: 50,
    })
    expect(cap.sent).toEqual([
      {
        sql: 'select count(*) as "total_invocations", count(*) filter (where "status" = $1) as "successful", avg("duration_ms")::float8 as "avg_duration", max("duration_ms") as "max_duration" from "function_invocations" where "function_id" = $2 and "timestamp" >= $3',
        parameters: ['success', 3, since],
      },
    ])
  })

  it('refuses a bad function, bucket or cutoff, naming the argument and sending nothing', async () => {
    const { cap, db } = setup()
    const cases: [() => Promise<unknown>, string][] = [
      [() => cp.getHourlyInvocationStats(db, 'not-a-uuid'), 'function'],
      [() => cp.getHourlyInvocationStats(db, { id: 3 } as any), 'function'],
      [
        () =>
          cp.getHourlyInvocationStats(
            db,
            Object.assign(Object.create(cp.FunctionEntity.prototype), { id: 1.5 }),
          ),
        'function.id',
      ],
      [() => cp.getInvocationStats(db, fn, { bucket: 'week' as any }), 'bucket'],
      [() => cp.getInvocationStats(db, fn, undefined as any), 'bucket'],
      [() => cp.getHourlyInvocationStats(db, fn, { since: new Date('nope') }), 'since'],
      [() => cp.getHourlyInvocationStats(db, fn, { since: { hours: -1 } }), 'since.hours'],
      [() => cp.getHourlyInvocationStats(db, fn, { since: { hours: 876_001 } }), 'since.hours'],
      [() => cp.getDailyInvocationStats(db, fn, { since: { days: '7' as any } }), 'since.days'],
      [() => cp.getDailyInvocationStats(db, fn, { since: { weeks: 1 } as any }), 'since'],
      [() => cp.getDailyInvocationStats(db, fn, { since: null as any }), 'since'],
    ]
    for (const [run, path] of cases) {
      const error = await run().then(
        () => new Error('accepted'),
        (e: unknown) => e,
      )
      expect(error, path).toBeInstanceOf(InvalidQueryError)
      expect((error as InvalidQueryError).path).toBe(path)
    }
    expect(cap.sent).toEqual([])
  })
})
