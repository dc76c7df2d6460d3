import type { Clients } from './contenders'
import type { DataSize } from './data'
import {
  type CaseSpec,
  type CheckResult,
  checkSameWork,
  measureCase,
  type VariantResult,
} from './measure'
import type { Progress } from './progress'

/** What scenarios run with. */
export interface ScenarioContext {
  /** The benchmark database. */
  readonly url: string
  readonly clients: Clients
  readonly size: DataSize
  /** Measured rounds of the light scenarios; heavier ones take a fraction. */
  readonly iterations: number
  /** Multiplies operations per round (quick and smoke runs use less than 1). */
  readonly opsScale: number
  readonly progress: Progress
  /** Runs of the fresh-process probes (S8 first call, S5 memory); 0 skips them. */
  readonly probeRuns: number
  readonly probeMemoryRows: readonly number[]
}

/** One measured case with its same-work check. */
export interface CaseResult {
  readonly name: string
  readonly check: CheckResult
  readonly results: VariantResult[]
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  /** What is measured and how, for the report. */
  readonly what: string
  readonly metric: string
  /** A column for the compared number when it is not the p50 latency (S2). */
  readonly metricColumn?: string
  readonly cases: CaseResult[]
  readonly notes: string[]
  /** Scenario-specific measurements (S5 memory, S4 statement counts). */
  readonly extra?: Readonly<Record<string, unknown>>
}

export interface Scenario {
  readonly id: string
  readonly title: string
  run(ctx: ScenarioContext): Promise<ScenarioResult>
}

/** Runs the same-work check, then the measurement, of one case. */
export async function runCase<I>(spec: CaseSpec<I>, ctx: ScenarioContext): Promise<CaseResult> {
  ctx.progress.update(`${spec.caseName || spec.title}: same-work check`)
  const check = await checkSameWork(spec)
  const results = await measureCase(spec, ctx.progress)
  return { name: spec.caseName, check, results }
}

export const ops = (ctx: ScenarioContext, base: number) =>
  Math.max(1, Math.round(base * ctx.opsScale))

export const rounds = (ctx: ScenarioContext, fraction = 1) =>
  Math.max(1, Math.round(ctx.iterations * fraction))

export const warmup = (ctx: ScenarioContext) => (ctx.iterations >= 4 ? 2 : 1)

/** `id` of each row, in order: what read scenarios compare. */
export const idsOf = (rows: unknown): string =>
  (rows as readonly { id: unknown }[]).map((r) => String(r.id)).join(',')
