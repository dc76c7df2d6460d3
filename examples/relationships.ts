// Pattern 3 of the spec: relationships declared once in the table definitions, loaded by the
// managers with one statement per relation, whatever the number of parents.
import {
  containerpubManagers,
  type FunctionDeploymentEntity,
  type UserEntity,
} from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, type Log, main } from './context'

export async function run(db: DemoDatabase, log: Log) {
  const { functions, organizations } = containerpubManagers(db)
  const fn = await functions.findOneOrThrow({ where: { name: 'price-feed' } })

  // hasMany: the deployments of one function, newest first.
  const deployments = await functions.hasMany('deployments', fn, {
    orderBy: 'version',
    orderDirection: 'desc',
  })
  log(
    `hasMany: ${fn.name} has ${deployments.length} deployments: ${deployments.map((d) => `v${d.version}${d.isActive ? ' (active)' : ''}`).join(', ')}`,
  )

  // belongsTo: the owner of a function.
  const owner = await functions.belongsTo('owner', fn)
  log(`belongsTo: ${fn.name} is owned by ${owner?.email}`)

  // manyToMany: organization members through organization_members (uuid keys).
  const org = await organizations.findOneOrThrow({ where: { name: 'Analytical Engines Ltd' } })
  const members = await organizations.manyToMany('members', org, { orderBy: 'email' })
  log(
    `manyToMany: ${org.name} has ${members.length} members: ${members.map((u) => u.email).join(', ')}`,
  )

  // load: one relation for many entities in ONE statement (= ANY($1) on all their keys).
  const all = await functions.findAll({ orderBy: 'name' })
  const loaded = await functions.load(all, 'deployments')
  const deploymentTotal = loaded.reduce((n, f) => n + f.deployments.length, 0)
  log(`load: ${deploymentTotal} deployments of ${loaded.length} functions in one statement`)

  // with: relations loaded onto a query's entities, here two of them (one statement each).
  const latest = await functions
    .query()
    .orderBy('created_at', 'desc')
    .limit(3)
    .with('owner', 'activeDeployment')
    .all()
  for (const f of latest) {
    const o = f.owner as UserEntity | null
    const d = f.activeDeployment as FunctionDeploymentEntity | null
    log(`with: ${f.name.padEnd(14)} owner ${o?.email}, active ${d?.imageTag}`)
  }

  return {
    deployments: deployments.map((d) => d.version),
    owner: owner?.email,
    members: members.map((u) => u.email),
    loadedFunctions: loaded.length,
    deploymentTotal,
    latest: latest.map((f) => ({
      name: f.name,
      owner: (f.owner as UserEntity | null)?.email,
      activeVersion: (f.activeDeployment as FunctionDeploymentEntity | null)?.version,
    })),
  }
}

if (isMain(import.meta.url)) await main(run)
