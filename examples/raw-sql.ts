// Pattern 4 of the spec: raw SQL with named parameters, sent as bind parameters.
import { MissingParameterError, namedToPositional } from 'kysely-entities'
import { containerpubManagers } from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, type Log, main } from './context'

const FUNCTIONS_WITH_DEPLOYMENTS = `
  SELECT f.uuid, f.name, COUNT(fd.id) AS deployment_count
    FROM functions f
    LEFT JOIN function_deployments fd ON f.id = fd.function_id
   WHERE f.user_id = @user_id
     AND f.analysis_result @> @analysis
   GROUP BY f.id
  HAVING COUNT(fd.id) >= @min_deployments
   ORDER BY deployment_count DESC, f.name`

export async function run(db: DemoDatabase, log: Log) {
  const { users } = containerpubManagers(db)
  const grace = await users.findOneOrThrow({ where: { email: 'grace@example.com' } })
  // A jsonb parameter is given as the value itself; `@>` is an operator, not a parameter.
  const params = { user_id: grace.id, analysis: { runtime: 'dart' }, min_deployments: 3 }

  // What is sent: @name becomes $n; the values travel separately, never inside the text.
  const compiled = namedToPositional(FUNCTIONS_WITH_DEPLOYMENTS, params)
  const sent = compiled.sql.replace(/\s+/g, ' ').trim()
  log(`sent: ${sent}`)
  log(`parameters: ${JSON.stringify(compiled.parameters)}`)

  const rows = await db.raw<{ name: string; deployment_count: bigint }>(
    FUNCTIONS_WITH_DEPLOYMENTS,
    params,
  )
  log(
    `${rows.length} of grace's functions have >= 3 deployments: ${rows.map((r) => `${r.name} (${r.deployment_count})`).join(', ')}`,
  )

  // One row, with the value cast in SQL.
  const totals = await db.rawOne<{ invocations: bigint; errors: bigint }>(
    `SELECT COUNT(*) AS invocations, COUNT(*) FILTER (WHERE status = @status) AS errors
       FROM function_invocations`,
    { status: 'error' },
  )
  log(`rawOne: ${totals?.invocations} invocations, ${totals?.errors} errors`)

  // A missing parameter is caught before anything is sent.
  let missing: string | undefined
  try {
    await db.raw('SELECT * FROM functions WHERE user_id = @user_id AND status = @status', {
      user_id: grace.id,
    })
  } catch (error) {
    if (!(error instanceof MissingParameterError)) throw error
    missing = error.code
    log(`missing parameter -> ${error.code}: ${error.message}`)
  }

  return {
    sql: sent,
    parameterCount: compiled.parameters.length,
    rows: rows.map((r) => ({ name: r.name, deployments: Number(r.deployment_count) })),
    invocations: Number(totals?.invocations ?? 0),
    errors: Number(totals?.errors ?? 0),
    missing,
  }
}

if (isMain(import.meta.url)) await main(run)
