// Pattern 2 of the spec: the query builder, with joins, aggregates, GROUP BY and HAVING.
import { sql } from 'kysely-entities'
import { FunctionEntity } from 'kysely-entities/containerpub'
import { DEMO_NOW, type DemoDatabase, isMain, type Log, main } from './context'

export async function run(db: DemoDatabase, log: Log) {
  const functions = db.manager(FunctionEntity)
  const cutoff = new Date(DEMO_NOW.getTime() - 60 * 86_400_000)

  // Active functions created since the cutoff, with their owner's email and deployment count.
  const query = functions
    .query('f')
    .select(['f.uuid', 'f.name', 'u.email', sql<bigint>`count(fd.id)`.as('deployment_count')])
    .join('users u', 'f.user_id', 'u.id')
    .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
    .where('f.status', 'active')
    .where('f.created_at', '>', cutoff)
    .groupBy('f.id', 'u.email')
    .having(sql`count(fd.id)`, '>=', 3)
    .orderBy('deployment_count', 'desc')
    .orderBy('f.name')
    .limit(20)
  const { sql: text, parameters } = query.toSQL()
  log(`SQL: ${text}`)
  log(`parameters: ${JSON.stringify(parameters)}`)
  const rows = await query.execute<{ name: string; email: string; deployment_count: bigint }>()
  log(
    `${rows.length} active functions since ${cutoff.toISOString().slice(0, 10)} with >= 3 deployments:`,
  )
  for (const row of rows.slice(0, 5)) {
    log(`  ${row.name.padEnd(16)} ${row.email.padEnd(22)} ${row.deployment_count} deployments`)
  }

  // Functions per owner: a GROUP BY over a join, and the builder's own count of groups.
  const perOwner = await functions
    .query('f')
    .select(['u.email', sql<bigint>`count(*)`.as('functions')])
    .join('users u', 'f.user_id', 'u.id')
    .groupBy('u.email')
    .orderBy('u.email')
    .execute<{ email: string; functions: bigint }>()
  log(`functions per owner: ${perOwner.map((r) => `${r.email} ${r.functions}`).join(', ')}`)
  const withActiveDeployment = await functions.query().whereNotNull('active_deployment_id').count()
  log(`functions with an active deployment: ${withActiveDeployment}`)

  return {
    sql: text,
    parameters,
    rows: rows.map((r) => ({ name: r.name, deployments: Number(r.deployment_count) })),
    perOwner: perOwner.map((r) => ({ email: r.email, functions: Number(r.functions) })),
    withActiveDeployment,
  }
}

if (isMain(import.meta.url)) await main(run)
