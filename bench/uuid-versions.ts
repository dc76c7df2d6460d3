// Version 4 against version 7 uuids as a primary key: rows/s, index and table size after inserting
// --rows rows (default 1,000,000) with the server's default (INSERT ... SELECT generate_series),
// --runs times (default 3); then --client-rows rows (default 200,000; 0 skips) sent by batchInsert
// with ids made in the process (crypto.randomUUID() against randomUuidV7()).
// Run: npx tsx bench/uuid-versions.ts [--rows 1000000] [--runs 3] [--client-rows 200000]
// Uses DATABASE_URL if set, else an embedded PostgreSQL 18 (uuidv7() built in; before 18 the
// function generateDDL creates is used).
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { column as c, Database, defineTable, Entity, generateDDL, randomUuidV7 } from '../src/index'
import { createTestDatabase, startPostgres } from '../src/testing/index'

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const ROWS = arg('rows', 1_000_000)
const RUNS = arg('runs', 3)
const CLIENT_ROWS = arg('client-rows', 200_000)

const v4 = defineTable('ids_v4', {
  id: c.uuid().primaryKey().defaultRandom(),
  n: c.integer().notNull(),
})
const v7 = defineTable('ids_v7', {
  id: c.uuid().primaryKey().defaultRandom({ version: 7 }),
  n: c.integer().notNull(),
})
class V4 extends Entity.of(v4) {}
class V7 extends Entity.of(v7) {}
const tables = { v4, v7 }

interface Result {
  readonly rowsPerSecond: number
  readonly indexMiB: number
  readonly tableMiB: number
}

const MiB = 1024 * 1024
const server = await startPostgres({
  settings: { shared_buffers: '512MB', max_wal_size: '8GB', work_mem: '16MB' },
})
const database = await createTestDatabase(server.url, { prefix: 'ke_uuid' })
const db = await Database.connect({ url: database.url, tables })

async function sizes(table: string): Promise<{ indexMiB: number; tableMiB: number }> {
  const row = await db.rawOne<{ index: bigint; table: bigint }>(
    `SELECT pg_relation_size('${table}_pkey') AS index, pg_relation_size('${table}') AS table`,
  )
  return { indexMiB: Number(row!.index) / MiB, tableMiB: Number(row!.table) / MiB }
}

async function fresh(): Promise<void> {
  await db.executeScript('DROP TABLE IF EXISTS ids_v4, ids_v7')
  await db.executeScript(generateDDL(tables))
}

async function serverDefault(table: 'ids_v4' | 'ids_v7'): Promise<Result> {
  await fresh()
  const start = performance.now()
  await db.executeScript(`INSERT INTO ${table} (n) SELECT g FROM generate_series(1, ${ROWS}) g`)
  const seconds = (performance.now() - start) / 1000
  return { rowsPerSecond: ROWS / seconds, ...(await sizes(table)) }
}

async function clientIds(version: 4 | 7): Promise<Result> {
  await fresh()
  const make = version === 4 ? randomUUID : randomUuidV7
  const rows = Array.from({ length: CLIENT_ROWS }, (_, n) => ({ id: make(), n }))
  const start = performance.now()
  await db.manager(version === 4 ? V4 : V7).batchInsert(rows, { returning: false })
  const seconds = (performance.now() - start) / 1000
  return {
    rowsPerSecond: CLIENT_ROWS / seconds,
    ...(await sizes(version === 4 ? 'ids_v4' : 'ids_v7')),
  }
}

const range = (values: number[], digits: number) => {
  const lo = Math.min(...values).toFixed(digits)
  const hi = Math.max(...values).toFixed(digits)
  return lo === hi ? lo : `${lo}–${hi}`
}

function table(title: string, rows: number, results: Record<string, Result[]>): string {
  const lines = [
    `${title} (${rows.toLocaleString('en-US')} rows, ${results[Object.keys(results)[0]!]!.length} runs: min–max)`,
    '',
    '| ids | rows/s | primary key index (MiB) | table (MiB) |',
    '| --- | ---: | ---: | ---: |',
  ]
  for (const [label, list] of Object.entries(results)) {
    lines.push(
      `| ${label} | ${range(
        list.map((r) => Math.round(r.rowsPerSecond / 1000) * 1000),
        0,
      )} | ${range(
        list.map((r) => r.indexMiB),
        1,
      )} | ${range(
        list.map((r) => r.tableMiB),
        1,
      )} |`,
    )
  }
  return lines.join('\n')
}

try {
  const version = await db.rawOne<{ v: string }>("SELECT current_setting('server_version') AS v")
  console.error(`PostgreSQL ${version!.v}`)
  const server: Record<string, Result[]> = {
    'v4 (gen_random_uuid())': [],
    'v7 (uuidv7())': [],
  }
  for (let run = 1; run <= RUNS; run++) {
    // Alternate which goes first: neither always gets the warmer cache.
    const order = run % 2 === 1 ? (['ids_v4', 'ids_v7'] as const) : (['ids_v7', 'ids_v4'] as const)
    for (const t of order) {
      const result = await serverDefault(t)
      server[t === 'ids_v4' ? 'v4 (gen_random_uuid())' : 'v7 (uuidv7())']!.push(result)
      console.error(`run ${run} ${t}: ${JSON.stringify(result)}`)
    }
  }
  console.log(table(`Server default, INSERT ... SELECT on PostgreSQL ${version!.v}`, ROWS, server))
  if (CLIENT_ROWS > 0) {
    const client = {
      'v4 (crypto.randomUUID())': [await clientIds(4)],
      'v7 (randomUuidV7())': [await clientIds(7)],
    }
    console.log()
    console.log(table('Ids made in the process, batchInsert', CLIENT_ROWS, client))
  }
} finally {
  await db.close()
  await database.drop()
  await server.stop()
}
