import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { QueryEvent } from 'kysely-entities'
import { Database, generateDDL } from 'kysely-entities'
import { containerpubTables, functionData } from 'kysely-entities/containerpub'
import postgres from 'postgres'
import { openClients } from './contenders'
import { dataSize, loadData } from './data'
import { Progress } from './progress'
import { type BenchReport, evaluateTargets, type RunMeta, renderText, writeReport } from './report'
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario'
import { s8 } from './scenario-compile'
import { s1, s2, s3, s4, s7 } from './scenarios-read'
import { s5, s6 } from './scenarios-write'
import { bareInvocations, benchInvocations, benchTables } from './schema'

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly Scenario[] = [s1, s2, s3, s4, s5, s6, s7, s8]

/** Options of {@link runBenchmarks}. */
export interface BenchOptions {
  /** An EMPTY database: the harness creates the schema and loads the data set into it. */
  readonly databaseUrl: string
  /** Users in the data set (5 functions, 25 deployments, 100 invocations each). Default 10,000. */
  readonly scale?: number
  /** Measured rounds of the light scenarios (heavier ones run a fraction). Default 20. */
  readonly iterations?: number
  /** Multiplies operations per round. Default 1. */
  readonly opsScale?: number
  /** Connections in each contender's pool. Default 10. */
  readonly pool?: number
  /** Where latest.md/.json/.svg are written; undefined writes none. */
  readonly outDir?: string
  /** Progress line on stderr. Default true. */
  readonly progress?: boolean
  /** Print the report to stdout. Default false. */
  readonly print?: boolean
  /** Samples of the fresh-process probes (S8 first call, S5 memory); 0 skips them. Default 3. */
  readonly probeRuns?: number
  /** Row counts of the S5 memory probe. Default: S5's row count and 10 times it. */
  readonly probeMemoryRows?: readonly number[]
  /** Only these scenarios (ids such as 'S1'). Default all. */
  readonly only?: readonly string[]
  /** Labels the run in the report. */
  readonly quick?: boolean
  /** Where the server came from, for the report. */
  readonly server?: string
  /** A 'query' listener on kysely-entities' databases (`--listen`): the cost of events. */
  readonly onQuery?: (event: QueryEvent) => void
}

function versionOf(name: string): string {
  try {
    const path = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url))
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

/** The commit measured, and whether src/ had uncommitted changes. */
function sourceState(): string {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()
    const changed = git('status', '--porcelain', 'src').split('\n').filter(Boolean).length
    return `${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` + ${changed} uncommitted file(s) in src/` : ''}`
  } catch {
    return 'unknown'
  }
}

async function machine(url: string, server: string, loadAtStart: number): Promise<RunMeta> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`
    const cpu = cpus()
    return {
      date: new Date().toISOString(),
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      platform: `${process.platform} ${process.arch}`,
      node: process.versions.node,
      postgres: row!.v,
      server,
      loadAverage: [loadAtStart, loadavg()[0]!],
      source: sourceState(),
      libraries: Object.fromEntries(
        ['kysely', 'postgres', 'kysely-postgres-js', 'drizzle-orm', 'knex', 'pg'].map((p) => [
          p,
          versionOf(p),
        ]),
      ),
    }
  } finally {
    await sql.end()
  }
}

/**
 * Creates the ContainerPub schema in the (empty) database, loads the seeded data set with
 * `batchInsert`, runs every scenario for every contender, and returns the report (also written to
 * `outDir` when given).
 */
export async function runBenchmarks(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now()
  const loadAtStart = loadavg()[0]!
  const progress = new Progress(options.progress ?? true)
  const size = dataSize(options.scale ?? 10_000)
  const iterations = options.iterations ?? 20
  const opsScale = options.opsScale ?? 1
  const pool = options.pool ?? 10
  const url = options.databaseUrl

  progress.phase('schema')
  const loader = await Database.connect({ url, tables: benchTables, max: 2 })
  let loadSeconds = 0
  try {
    const [existing] = await loader.raw<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
    )
    if (existing!.n > 0) {
      throw new Error('runBenchmarks needs an empty database: it creates its own tables')
    }
    await loader.executeScript(generateDDL(Object.values(containerpubTables)))
    await loader.executeScript(generateDDL([functionData, benchInvocations, bareInvocations]))
    progress.phase('loading the data set with batchInsert')
    const loadStart = performance.now()
    await loadData(loader, size, (table, done, total) =>
      progress.update(`${table} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`),
    )
    loadSeconds = (performance.now() - loadStart) / 1000
    progress.update('VACUUM ANALYZE')
    await loader.executeScript('VACUUM ANALYZE')
  } finally {
    await loader.close()
  }
  const loadedRows = size.users + size.functions + size.deployments + size.invocations

  const clients = await openClients(url, pool)
  if (options.onQuery !== undefined) {
    clients.ke.on('query', options.onQuery)
    clients.keUnpipelined.on('query', options.onQuery)
  }
  const scenarios: ScenarioResult[] = []
  try {
    const ctx: ScenarioContext = {
      url,
      clients,
      size,
      iterations,
      opsScale,
      progress,
      probeRuns: options.probeRuns ?? 3,
      probeMemoryRows: options.probeMemoryRows ?? [size.insertRows, size.insertRows * 10],
    }
    for (const scenario of SCENARIOS) {
      if (options.only !== undefined && !options.only.includes(scenario.id)) continue
      progress.phase(`${scenario.id} ${scenario.title}`)
      scenarios.push(await scenario.run(ctx))
    }
  } finally {
    await clients.close()
  }
  progress.phase('report')
  const report: BenchReport = {
    meta: await machine(url, options.server ?? 'given URL', loadAtStart),
    settings: { quick: options.quick === true, scale: size.users, iterations, opsScale, pool },
    size,
    load: { seconds: loadSeconds, rows: loadedRows, rowsPerSec: loadedRows / loadSeconds },
    seconds: (performance.now() - started) / 1000,
    scenarios,
    allChecksPassed: scenarios.every((s) => s.cases.every((c) => c.check.passed)),
    targets: evaluateTargets(scenarios),
  }
  if (options.outDir !== undefined) await writeReport(report, options.outDir)
  progress.done()
  if (options.print) process.stdout.write(`${renderText(report)}\n`)
  return report
}
