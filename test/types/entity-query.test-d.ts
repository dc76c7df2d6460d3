import { sql } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type containerpubTables,
  FunctionInvocationEntity,
  getDailyInvocationStats,
  getHourlyInvocationStats,
  getInvocationStats,
  type InvocationStatsRow,
  type StatsCutoff,
} from '../../src/containerpub/index'
import type { Database, EntityQuery } from '../../src/index'

declare const db: Database<typeof containerpubTables>
const invocations = db.manager(FunctionInvocationEntity)
const bucket = sql<Date>`date_trunc('hour', fi.timestamp)`

describe('EntityQuery groupBy, orderBy, having, fullJoin', () => {
  it('groupBy takes columns, output names given by select, and expressions', () => {
    const q = invocations.query('fi').select([bucket.as('bucket'), 'fi.status as state'])
    expectTypeOf(q.groupBy('bucket', 'state', 'fi.function_id', sql`1`)).toEqualTypeOf(q)
    expectTypeOf(q.groupBy(['bucket', bucket])).toEqualTypeOf(q)
    expectTypeOf(q.orderBy('bucket', 'desc').orderBy(bucket)).toEqualTypeOf(q)
    // @ts-expect-error an output name the selection does not give
    q.groupBy('buckett')
    // @ts-expect-error an aliased expression is selected, not grouped by
    q.groupBy(bucket.as('b'))
    // @ts-expect-error a number is neither a column nor an expression
    q.groupBy(1)
  })

  it('having takes one boolean expression, or a comparison', () => {
    const q = invocations.query('fi').groupBy('fi.function_id')
    expectTypeOf(q.having(sql<boolean>`count(*) > ${1}`)).toEqualTypeOf(q)
    expectTypeOf(q.having(sql`count(*)`, '>', 1)).toEqualTypeOf(q)
    expectTypeOf(q.having('fi.function_id', 1)).toEqualTypeOf(q)
    // @ts-expect-error a string alone is SQL text: refused
    q.having('count(*) > 1')
  })

  it('fullJoin keeps the query type', () => {
    const q = invocations.query('fi')
    expectTypeOf(q.fullJoin('function_logs fl', 'fi.function_id', 'fl.function_id')).toEqualTypeOf(
      q,
    )
    expectTypeOf(q).toExtend<EntityQuery<typeof FunctionInvocationEntity>>()
  })
})

describe('invocation statistics', () => {
  it('return typed rows: the bucket a Date, counts numbers, the average a number or null', () => {
    expectTypeOf(getHourlyInvocationStats(db, 'uuid')).resolves.toEqualTypeOf<
      InvocationStatsRow[]
    >()
    expectTypeOf(
      getDailyInvocationStats(db, 'uuid', { since: { days: 7 } }),
    ).resolves.toEqualTypeOf<InvocationStatsRow[]>()
    expectTypeOf(getInvocationStats(db, 'uuid', { bucket: 'day' })).resolves.toEqualTypeOf<
      InvocationStatsRow[]
    >()
    expectTypeOf<InvocationStatsRow['bucket']>().toEqualTypeOf<Date>()
    expectTypeOf<InvocationStatsRow['totalInvocations']>().toEqualTypeOf<number>()
    expectTypeOf<InvocationStatsRow['averageDurationMs']>().toEqualTypeOf<number | null>()
  })

  it('take a Date or an interval as cutoff, and an hour or day bucket', () => {
    expectTypeOf<Date>().toExtend<StatsCutoff>()
    expectTypeOf<{ hours: 24 }>().toExtend<StatsCutoff>()
    // @ts-expect-error an interval is an object, not SQL text
    getHourlyInvocationStats(db, 'uuid', { since: '24 hours' })
    // @ts-expect-error hour or day only
    getInvocationStats(db, 'uuid', { bucket: 'minute' })
  })
})
