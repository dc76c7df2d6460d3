// Analytics: invocation statistics per function (the spec's pattern 3, getFunctionStats).
import { sql } from 'kysely-entities'
import { containerpubManagers, getFunctionStats } from 'kysely-entities/containerpub'
import { DEMO_NOW, type DemoDatabase, isMain, type Log, main } from './context'

const DAY = 86_400_000

export async function run(db: DemoDatabase, log: Log) {
  const { functionInvocations } = containerpubManagers(db)

  // The three busiest functions of the last 30 days (a join and GROUP BY in the query builder).
  const busiest = await functionInvocations
    .query('i')
    .select(['f.id as function_id', 'f.name', sql<bigint>`count(*)`.as('invocations')])
    .join('functions f', 'i.function_id', 'f.id')
    .where('i.timestamp', '>=', new Date(DEMO_NOW.getTime() - 30 * DAY))
    .groupBy('f.id')
    .orderBy('invocations', 'desc')
    .limit(3)
    .execute<{ function_id: number; name: string; invocations: bigint }>()

  const stats = []
  for (const fn of busiest) {
    const month = await getFunctionStats(db, fn.function_id, {
      since: new Date(DEMO_NOW.getTime() - 30 * DAY),
    })
    const week = await getFunctionStats(db, fn.function_id, {
      since: new Date(DEMO_NOW.getTime() - 7 * DAY),
    })
    const rate = (s: typeof month) =>
      s.totalInvocations === 0 ? 0 : (100 * s.successful) / s.totalInvocations
    log(
      `${fn.name.padEnd(16)} 30 days: ${month.totalInvocations} calls, ${rate(month).toFixed(1)}% ok, avg ${month.averageDurationMs?.toFixed(0)} ms, max ${month.maxDurationMs} ms`,
    )
    log(
      `${''.padEnd(16)}  7 days: ${week.totalInvocations} calls, ${rate(week).toFixed(1)}% ok, avg ${week.averageDurationMs?.toFixed(0)} ms`,
    )
    stats.push({ name: fn.name, month, week })
  }
  return { stats }
}

if (isMain(import.meta.url)) await main(run)
