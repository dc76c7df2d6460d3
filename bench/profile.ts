// CPU profiles of kysely-entities (and hand-written postgres.js, to compare) on the hot paths of
// S1-S5. Starts PostgreSQL (or uses DATABASE_URL), loads a data set, then runs each scenario's
// loop in a fresh `node --cpu-prof` process and prints the top self-time functions.
//
//   npx tsx bench/profile.ts [--scenarios S1,S3] [--scale 2000] [--seconds 8] [--out .tmp/profiles]
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createPostgresClient, Database, generateDDL } from 'kysely-entities'
import {
  containerpubTables,
  FunctionEntity,
  FunctionInvocationEntity,
  functionData,
} from 'kysely-entities/containerpub'
import { createTestDatabase, startPostgres } from 'kysely-entities/testing'
import postgres from 'postgres'
import { formatProfileSummary, summarizeProfile } from './cpuprofile-summary'
import { dataSize, loadData } from './data'
import { runProbe } from './probe'
import { bareInvocations, benchInvocations, benchTables } from './schema'

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'S1,S2,S3,S4,S5,S5bare,S6,S7' },
    contenders: { type: 'string', default: 'kysely-entities,postgres.js' },
    scale: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '8' },
    out: { type: 'string', default: '.tmp/profiles' },
    top: { type: 'string', default: '20' },
    explain: { type: 'boolean', default: true },
  },
})
/**
 * The plans of the statements kysely-entities sends for S3 and for S7's newest-first first page,
 * next to the hand-written ones (captured on a client that records what the driver sends).
 */
async function explainPlans(url: string): Promise<string> {
  const sent: { text: string; params: unknown[] }[] = []
  const client = createPostgresClient({ url, max: 1 })
  const unsafe = client.unsafe.bind(client)
  ;(client as { unsafe: unknown }).unsafe = (text: string, params: unknown[], options: object) => {
    sent.push({ text, params })
    return unsafe(text, params as never[], options)
  }
  const db = await Database.connect({ tables: benchTables, client })
  const raw = postgres(url, { max: 1, onnotice: () => {} })
  const explain = async (title: string, text: string, params: unknown[]) => {
    const rows = await raw.unsafe(`EXPLAIN (ANALYZE, COSTS OFF) ${text}`, params as never[])
    return `--- ${title}\n${text}\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`
  }
  try {
    const [owner] = await raw<{ user_id: number }[]>`
      select user_id from functions group by user_id order by count(*) desc limit 1`
    const out: string[] = ['=== plans (EXPLAIN ANALYZE)']
    await db.manager(FunctionEntity).findAll({
      where: { userId: owner!.user_id, status: 'active' },
      orderBy: 'createdAt',
      orderDirection: 'desc',
      limit: 20,
    })
    out.push(await explain('S3 kysely-entities findAll', sent.at(-1)!.text, sent.at(-1)!.params))
    out.push(
      await explain(
        'S3 hand-written',
        `select * from functions where user_id = $1 and status = 'active' order by created_at desc limit 20`,
        [owner!.user_id],
      ),
    )
    await db
      .manager(FunctionInvocationEntity)
      .paginateByCursor({ limit: 20, orderBy: 'timestamp', orderDirection: 'desc' })
    out.push(
      await explain(
        'S7 newest first, kysely-entities paginateByCursor',
        sent.at(-1)!.text,
        sent.at(-1)!.params,
      ),
    )
    out.push(
      await explain(
        'S7 newest first, hand-written',
        'select * from function_invocations order by timestamp desc, id desc limit 21',
        [],
      ),
    )
    const invocations = db.manager(FunctionInvocationEntity)
    const deep = await invocations.paginateByCursor({ limit: 10_000 })
    await invocations.paginateByCursor({ limit: 20, after: deep.nextCursor! })
    const byId = sent.at(-1)!
    out.push(
      await explain(
        'S7 by id at depth 10,000, kysely-entities paginateByCursor',
        byId.text,
        byId.params,
      ),
    )
    const generic = await raw.unsafe(`EXPLAIN (GENERIC_PLAN, COSTS OFF) ${byId.text}`)
    out.push(
      `--- the same, generic plan (what a prepared statement uses after 5 runs)\n${generic.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`,
    )
    const [last] = await raw<{ id: number }[]>`
      select id from function_invocations order by id offset 9999 limit 1`
    out.push(
      await explain(
        'S7 by id at depth 10,000, hand-written',
        'select * from function_invocations where id > $1 order by id limit 21',
        [last!.id],
      ),
    )
    return `${out.join('\n\n')}\n`
  } finally {
    await db.close()
    await client.end()
    await raw.end()
  }
}

const out = resolve(values.out!)
await mkdir(out, { recursive: true })
const server = await startPostgres({ settings: { shared_buffers: '1GB', max_wal_size: '8GB' } })
const database = await createTestDatabase(server.url, { prefix: 'ke_profile' })
try {
  const size = dataSize(Number(values.scale))
  const db = await Database.connect({ url: database.url, tables: benchTables, max: 2 })
  await db.executeScript(generateDDL(Object.values(containerpubTables)))
  await db.executeScript(generateDDL([functionData, benchInvocations, bareInvocations]))
  await loadData(db, size, () => {})
  await db.executeScript('VACUUM ANALYZE')
  await db.close()
  if (values.explain) console.log(await explainPlans(database.url))
  for (const scenario of values.scenarios!.split(',').filter((x) => x !== '')) {
    for (const contender of values.contenders!.split(',')) {
      const dir = join(out, `${scenario}-${contender}`)
      await rm(dir, { recursive: true, force: true })
      const result = await runProbe(
        'probes/profile-target.ts',
        [
          '--url',
          database.url,
          '--scenario',
          scenario,
          '--contender',
          contender,
          '--scale',
          values.scale!,
          '--seconds',
          values.seconds!,
        ],
        ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      )
      const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))!
      const summary = summarizeProfile(
        JSON.parse(await readFile(join(dir, file), 'utf8')),
        Number(values.top),
      )
      const { ops, seconds } = JSON.parse(result) as { ops: number; seconds: number }
      console.log(
        `=== ${scenario} ${contender}: ${ops} operations in ${seconds.toFixed(1)} s (${((seconds * 1e6) / ops).toFixed(1)} µs each); ${join(dir, file)}`,
      )
      console.log(`${formatProfileSummary(summary, ops)}\n`)
    }
  }
} finally {
  await database.drop()
  await server.stop()
}
