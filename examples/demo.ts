// `npm run demo`: every example in turn against a fresh, seeded database, then the HTTP API with
// a few real requests. Uses DATABASE_URL when set, else an embedded PostgreSQL; cleans up after.

import { containerpubManagers } from 'kysely-entities/containerpub'
import { run as analytics } from './analytics'
import { run as batchInsert } from './batch-insert'
import { type DemoDatabase, type Log, openDemoDatabase, seed } from './context'
import { run as crud } from './crud'
import { run as dtoPrivacy } from './dto-privacy'
import { createApi, listen } from './http-api'
import { run as pagination } from './pagination'
import { run as queryBuilder } from './query-builder'
import { run as rawSql } from './raw-sql'
import { run as relationships } from './relationships'
import { run as transactions } from './transactions'

const EXAMPLES: [
  title: string,
  file: string,
  run: (db: DemoDatabase, log: Log) => Promise<unknown>,
][] = [
  ['Basic CRUD', 'crud.ts', crud],
  ['Query builder: joins and aggregates', 'query-builder.ts', queryBuilder],
  ['Relationships', 'relationships.ts', relationships],
  ['Raw SQL with named parameters', 'raw-sql.ts', rawSql],
  ['Transactions', 'transactions.ts', transactions],
  ['Batch insert', 'batch-insert.ts', batchInsert],
  ['Pagination', 'pagination.ts', pagination],
  ['Analytics', 'analytics.ts', analytics],
  ['DTO privacy', 'dto-privacy.ts', dtoPrivacy],
]

const print = (line = '') => console.log(line)
const indent: Log = (line) => print(`  ${line}`)
const heading = (title: string) =>
  print(`\n== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}`)
const trim = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max)}...` : text)

async function requests(db: DemoDatabase) {
  const api = await listen(createApi(db), 0)
  indent(`listening on ${api.url}`)
  try {
    const call = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${api.url}${path}`, init)
      const body = await response.text()
      indent(`${init?.method ?? 'GET'} ${path} -> ${response.status} ${trim(body)}`)
      return JSON.parse(body)
    }
    await call('/functions?page=2&pageSize=3')
    const { functions, organizations } = containerpubManagers(db)
    const fn = await functions.findOneOrThrow({ where: { name: 'resize-image' } })
    const details = await call(`/functions/${fn.uuid}`)
    await call(`/functions/${fn.uuid}/stats?since=2025-05-01T00:00:00Z`)
    const oldest = details.deployments[details.deployments.length - 1]
    await call(`/functions/${fn.uuid}/deployments/${oldest.uuid}/activate`, { method: 'POST' })
    const org = await organizations.findOneOrThrow({ where: {} })
    const members = await organizations.manyToMany('members', org)
    const other = members.find((u) => u.uuid !== org.ownerId)!
    const views = [
      ['owner', org.ownerId],
      ['member', other.uuid],
    ] as const
    for (const [who, requester] of views) {
      const body = await call(`/organizations/${org.uuid}`, {
        headers: { 'x-user-uuid': requester },
      })
      const shown = body.members.filter((m: object) => 'uuid' in m).length
      indent(`  as the ${who}: member uuids shown for ${shown} of ${body.members.length} members`)
    }
    await call('/functions?page=0')
    await call('/functions/not-a-uuid')
    await call('/functions/00000000-0000-4000-8000-000000000000')
  } finally {
    await api.close()
  }
}

const started = performance.now()
print('kysely-entities demo: the ContainerPub schema on PostgreSQL, through the public API')
const demo = await openDemoDatabase()
try {
  print(
    `PostgreSQL: ${demo.embedded ? 'embedded server (no DATABASE_URL set)' : 'DATABASE_URL'}; fresh database, schema from generateDDL`,
  )
  const seeded = await seed(demo.db)
  const c = seeded.counts
  print(
    `seeded with batchInsert: ${c.users} users, ${c.organizations} organization, ${c.functions} functions, ${c.deployments} deployments, ${c.logs} log lines, ${c.invocations.toLocaleString('en')} invocations`,
  )
  for (const [index, [title, file, run]] of EXAMPLES.entries()) {
    heading(`${index + 1}. ${title} (examples/${file})`)
    await run(demo.db, indent)
  }
  heading(`${EXAMPLES.length + 1}. HTTP API (examples/http-api.ts)`)
  await requests(demo.db)
} finally {
  await demo.close()
}
print(
  `\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s: database dropped${demo.embedded ? ', embedded server stopped and its files removed' : ''}`,
)
