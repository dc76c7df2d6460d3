import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENDERS } from '../../bench/contenders'
import { runBenchmarks, SCENARIOS } from '../../bench/harness'
import { runProbe } from '../../bench/probe'
import { SUSTAINED_VARIANTS } from '../../bench/probes/sustained-variants'
import type { TestDatabase } from '../../src/testing/index'
import { testDatabase } from '../setup/test-database'

// Benchmarks are not tests: nothing here looks at a timing. This runs the whole harness once on a
// tiny data set so that it cannot rot: every scenario, every contender, the same-work checks, the
// report files, and the fresh-process probes.

let database: TestDatabase
let dir: string

beforeAll(async () => {
  database = await testDatabase('ke_bench')
  dir = await mkdtemp(join(tmpdir(), 'ke-bench-smoke-'))
})

afterAll(async () => {
  await database?.drop()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('benchmark harness (smoke run, tiny data set)', () => {
  it('runs every scenario for every contender, checks the same work and writes the report', {
    timeout: 120_000,
  }, async () => {
    const report = await runBenchmarks({
      databaseUrl: database.url,
      scale: 50,
      iterations: 1,
      opsScale: 0.05,
      pool: 2,
      probeRuns: 0,
      outDir: dir,
      progress: false,
    })

    expect(report.size).toMatchObject({
      users: 50,
      functions: 250,
      deployments: 1_250,
      invocations: 5_000,
    })
    expect(report.scenarios.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id))
    for (const scenario of report.scenarios) {
      expect(scenario.cases.length, scenario.id).toBeGreaterThan(0)
      for (const c of scenario.cases) {
        const where = `${scenario.id} ${c.name}`
        // Every contender took part, and every variant has a measurement.
        expect(new Set(c.results.map((r) => r.contender)), where).toEqual(new Set(CONTENDERS))
        for (const r of c.results) {
          expect(r.latency.n, `${where}: ${r.label}`).toBeGreaterThan(0)
          expect(Number.isFinite(r.metric) && r.metric > 0, `${where}: ${r.label}`).toBe(true)
          expect(Number.isFinite(r.ratio), `${where}: ${r.label}`).toBe(true)
        }
        expect(
          c.results.filter((r) => r.baseline),
          where,
        ).toHaveLength(1)
        // Same work: every variant's rows (or table content) matched the baseline's.
        expect(c.check, where).toMatchObject({ passed: true, mismatches: [] })
        expect(c.check.inputs, where).toBeGreaterThan(0)
      }
    }
    expect(report.allChecksPassed).toBe(true)
    expect(report.targets.map((t) => t.scenario)).toEqual(
      expect.arrayContaining(['S1', 'S2', 'S3', 'S4', 'S5', 'S7', 'S8']),
    )
    // One statement per relation level, and no compilation for a fixed-shape statement: these
    // are counts, not timings.
    expect(report.scenarios.find((s) => s.id === 'S4')?.extra?.loadStatements).toBe(1)

    const json = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8'))
    expect(json.scenarios).toHaveLength(SCENARIOS.length)
    expect(json.meta.postgres).toMatch(/^\d+/)
    const md = await readFile(join(dir, 'latest.md'), 'utf8')
    for (const s of SCENARIOS) expect(md).toContain(`## ${s.id} `)
    expect(md).toContain('All same-work checks passed.')
    const svg = await readFile(join(dir, 'latest.svg'), 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
  })

  it('runs the fresh-process probes (S8 first call, S5 memory, S2 sustained)', {
    timeout: 60_000,
  }, async () => {
    const cold = JSON.parse(
      await runProbe('probes/compile-cold.ts', ['--case', '0', '--variant', '5']),
    ) as { label: string; first: number; repeated: number }
    expect(cold.label).toContain('kysely-entities')
    expect(cold.first).toBeGreaterThan(0)

    const memory = JSON.parse(
      await runProbe(
        'probes/memory.ts',
        [
          '--url',
          database.url,
          '--rows',
          '200',
          '--functions',
          '250',
          '--method',
          'kysely-entities batchInsert',
        ],
        ['--expose-gc'],
      ),
    ) as { rows: number; peakHeapOverInputMb: number }
    expect(memory.rows).toBe(200)
    expect(memory.peakHeapOverInputMb).toBeGreaterThanOrEqual(0)

    const sustained = JSON.parse(
      await runProbe('probes/sustained.ts', [
        '--url',
        database.url,
        '--variant',
        String(SUSTAINED_VARIANTS.indexOf('kysely-entities findByUuid')),
        '--seconds',
        '2',
        '--pool',
        '2',
      ]),
    ) as { perSecond: number[]; calls: number }
    // How many seconds were counted, and how many calls each, depends on the machine: only the
    // shape is checked. Every one of the 32 callers made a call.
    expect(sustained.calls).toBeGreaterThanOrEqual(32)
    for (const n of sustained.perSecond) expect(Number.isInteger(n) && n >= 0).toBe(true)
    expect(sustained.perSecond.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(sustained.calls)
  })
})
