// Pattern 5 of the spec: transactions. Returning commits, throwing rolls back, a nested
// transaction is a savepoint, and activateDeployment switches versions atomically.
import {
  activateDeployment,
  containerpubManagers,
  FunctionEntity,
  FunctionLogEntity,
} from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, type Log, main } from './context'

export async function run(db: DemoDatabase, log: Log) {
  const { users, functions, functionDeployments, functionLogs } = containerpubManagers(db)
  const ken = await users.findOneOrThrow({ where: { email: 'ken@example.com' } })

  // Commit: a function and its first deployment, all or nothing.
  const created = await db.transaction(async (tx) => {
    const m = containerpubManagers(tx) // managers that run inside the transaction
    const fn = await m.functions.insert({ userId: ken.id, name: 'tx-hello' })
    await m.functionDeployments.insert({
      functionId: fn.id,
      version: 1,
      imageTag: 'registry.example.com/tx-hello:v1',
      s3Key: `functions/${fn.uuid}/v1.tar.gz`,
    })
    return fn
  })
  const committed = await functionDeployments.count({ where: { functionId: created.id } })
  log(`commit: created ${created.name} with ${committed} deployment`)

  // Rollback: the insert is undone when the callback throws; the error is rethrown.
  let rolledBack = false
  try {
    await db.transaction(async (tx) => {
      await tx.manager(FunctionEntity).insert({ userId: ken.id, name: 'tx-doomed' })
      throw new Error('upload failed')
    })
  } catch (error) {
    if ((error as Error).message !== 'upload failed') throw error
    rolledBack = (await functions.count({ where: { name: 'tx-doomed' } })) === 0
    log(`rollback: "${(error as Error).message}" -> tx-doomed exists afterwards: ${!rolledBack}`)
  }

  // Savepoint: the inner failure rolls back only the inner level; the outer work commits.
  await db.transaction(async (tx) => {
    const logs = tx.manager(FunctionLogEntity)
    await logs.insert({ functionId: created.id, level: 'info', message: 'outer' })
    await tx
      .transaction(async (inner) => {
        await inner
          .manager(FunctionLogEntity)
          .insert({ functionId: created.id, level: 'info', message: 'inner' })
        throw new Error('inner step failed')
      })
      .catch((error: Error) => log(`savepoint: inner level rolled back (${error.message})`))
  })
  const kept = (await functionLogs.findAll({ where: { functionId: created.id } })).map(
    (l) => l.message,
  )
  log(`savepoint: log lines kept after the inner failure: ${JSON.stringify(kept)}`)

  // activateDeployment: roll a function back to its first version, in one transaction.
  const fn = await functions.findOneOrThrow({ where: { name: 'price-feed' } })
  const v1 = await functionDeployments.findOneOrThrow({ where: { functionId: fn.id, version: 1 } })
  const before = await functionDeployments.findOneOrThrow({
    where: { functionId: fn.id, isActive: true },
  })
  const { function: after, deployment } = await activateDeployment(db, v1.uuid)
  const actives = await functionDeployments.count({ where: { functionId: fn.id, isActive: true } })
  log(
    `activateDeployment: ${fn.name} v${before.version} -> v${deployment.version}; active deployments now: ${actives}`,
  )

  return {
    committedDeployments: committed,
    rolledBack,
    kept,
    activated: {
      from: before.version,
      to: deployment.version,
      pointsAtIt: after.activeDeploymentId === deployment.id,
    },
    actives,
  }
}

if (isMain(import.meta.url)) await main(run)
