import { performance } from 'node:perf_hooks'
import type { Contender } from './contenders'
import type { Progress } from './progress'
import { type Summary, summarize } from './stats'

/** One way of doing a case's work: a contender's API (a contender may have several). */
export interface Variant<I> {
  readonly label: string
  readonly contender: Contender
  /** The case's baseline (hand-written postgres.js): ratios are to it. */
  readonly baseline?: boolean
  /** One operation. */
  run(input: I): Promise<unknown> | unknown
  /**
   * What the operation produced, reduced to a string that must equal the baseline's for the
   * same input (ids of the rows returned, or the table's content after a write).
   */
  fingerprint?(output: unknown, input: I): Promise<string> | string
  /** A note for the report (how this variant differs). */
  readonly note?: string
  /** Numbers measured apart from timing (S8: compilations per call), copied to the result. */
  readonly extra?: Readonly<Record<string, number | string>>
}

/** One measured case of a scenario (S7 has one per depth). */
export interface CaseSpec<I> {
  readonly scenario: string
  readonly title: string
  readonly caseName: string
  readonly variants: readonly Variant<I>[]
  /** Cycled through by every variant alike. */
  readonly inputs: readonly I[]
  readonly rounds: number
  readonly warmupRounds: number
  /** Operations per variant per round. */
  readonly opsPerRound: number
  /** Operations in flight (S2: 32). Default 1. */
  readonly concurrency?: number
  /** Calls of `run` per timed sample, for operations of a few microseconds (S8). */
  readonly innerLoop?: number
  /**
   * Ends a variant's round early once its operations took this long (at least one runs): a slow
   * variant (a deep OFFSET, a full sort) then takes fewer samples instead of the whole run.
   */
  readonly maxRoundMs?: number
  /** Untimed work before each operation (S5: TRUNCATE). */
  readonly beforeOp?: () => Promise<void>
  /** Rows each operation handles, for rows/s. */
  readonly rowsPerOp?: number
  /** How many inputs the same-work check compares (default 3). */
  readonly checkInputs?: number
}

/** The same-work check of one case. */
export interface CheckResult {
  readonly scenario: string
  readonly caseName: string
  readonly passed: boolean
  readonly inputs: number
  /** How many inputs were also run all at once (a case with `concurrency`), else 0. */
  readonly together?: number
  readonly variants: number
  readonly mismatches: readonly string[]
}

/** The measurement of one variant of one case. */
export interface VariantResult {
  readonly scenario: string
  readonly caseName: string
  readonly label: string
  readonly contender: Contender
  readonly baseline: boolean
  readonly note?: string
  /** Per-operation latency (ms) over all measured rounds. */
  readonly latency: Summary
  /** Per-round mean time per operation (ms): the spread between rounds. */
  readonly perRound: Summary
  /** Operations per second of wall time (with `concurrency` in flight). */
  readonly opsPerSec: number
  readonly rowsPerSec?: number
  /** The compared number (ms per operation): median latency, or at concurrency the median round's time per operation. */
  readonly metric: number
  /** metric / the baseline's metric. */
  ratio: number
  extra?: Record<string, number | string>
}

/**
 * Runs every variant on the first inputs and compares fingerprints with the baseline's: one call
 * at a time, and for a case with `concurrency` also that many calls at once (as measured), so
 * that work shared between concurrent calls (kysely-entities coalesces the lookups of one tick)
 * is checked to give each caller its own result.
 */
export async function checkSameWork<I>(spec: CaseSpec<I>): Promise<CheckResult> {
  const count = Math.min(spec.checkInputs ?? 3, spec.inputs.length)
  const together =
    (spec.concurrency ?? 1) > 1 && spec.beforeOp === undefined
      ? Math.min(spec.concurrency!, spec.inputs.length)
      : 0
  const baseline = spec.variants.find((v) => v.baseline) ?? spec.variants[0]!
  const mismatches: string[] = []
  const expected: string[] = []
  const fingerprintOf = async (variant: Variant<I>, input: I): Promise<string> => {
    await spec.beforeOp?.()
    const output = await variant.run(input)
    return variant.fingerprint === undefined ? '' : await variant.fingerprint(output, input)
  }
  const checked = Math.max(count, together)
  for (let i = 0; i < checked; i++) expected.push(await fingerprintOf(baseline, spec.inputs[i]!))
  for (const variant of spec.variants) {
    if (variant === baseline || variant.fingerprint === undefined) continue
    let matched = true
    for (let i = 0; i < count; i++) {
      const got = await fingerprintOf(variant, spec.inputs[i]!)
      if (got !== expected[i]) {
        mismatches.push(
          `${variant.label}: input ${i}: ${truncate(got)} instead of ${truncate(expected[i]!)}`,
        )
        matched = false
        break
      }
    }
    if (!matched || together === 0) continue
    const got = await Promise.all(
      spec.inputs.slice(0, together).map((input) => fingerprintOf(variant, input)),
    )
    const wrong = got.findIndex((g, i) => g !== expected[i])
    if (wrong >= 0) {
      mismatches.push(
        `${variant.label}: input ${wrong} of ${together} at once: ${truncate(got[wrong]!)} instead of ${truncate(expected[wrong]!)}`,
      )
    }
  }
  if (expected.some((e) => e === '')) mismatches.push(`${baseline.label}: empty fingerprint`)
  return {
    scenario: spec.scenario,
    caseName: spec.caseName,
    passed: mismatches.length === 0,
    inputs: count,
    together,
    variants: spec.variants.length,
    mismatches,
  }
}

type Gc = (options?: { type: 'minor' | 'major' }) => void
const gc: Gc | undefined = (globalThis as { gc?: Gc }).gc

/**
 * Collects the young generation (nothing without `--expose-gc`, which `npm run bench` passes).
 * Not the whole heap: V8 lowers its heap limits after a full collection and whoever runs next
 * pays for it (see bench/README.md).
 */
function collectGarbage(): void {
  gc?.({ type: 'minor' })
}

const truncate = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s)

/**
 * Runs the case: warm-up rounds, then measured rounds; in each round every variant runs
 * `opsPerRound` operations, one variant after another (A B C, then B C A, ...), so drift of the
 * machine during the run reaches all of them alike, and none is always first.
 */
export async function measureCase<I>(
  spec: CaseSpec<I>,
  progress: Progress,
): Promise<VariantResult[]> {
  const n = spec.variants.length
  const latencies: number[][] = spec.variants.map(() => [])
  const roundTimes: number[][] = spec.variants.map(() => [])
  const wall = new Float64Array(n)
  const opsDone = new Float64Array(n)
  const cursor = new Int32Array(n)
  const concurrency = spec.concurrency ?? 1
  const inner = spec.innerLoop ?? 1
  const total = spec.warmupRounds + spec.rounds
  for (let round = 0; round < total; round++) {
    const measured = round >= spec.warmupRounds
    for (let k = 0; k < n; k++) {
      const index = (k + round) % n
      const variant = spec.variants[index]!
      progress.update(
        `${measured ? `round ${round - spec.warmupRounds + 1}/${spec.rounds}` : `warm-up ${round + 1}/${spec.warmupRounds}`} · ${variant.label}`,
      )
      const next = () => {
        const at = cursor[index]!
        cursor[index] = at + 1
        return spec.inputs[at % spec.inputs.length]!
      }
      // Each variant starts its turn with an empty young generation, so no variant pays, on its
      // own clock, for collecting the short-lived garbage of the one before it.
      collectGarbage()
      let roundTime = 0
      let roundOps = spec.opsPerRound
      if (spec.beforeOp !== undefined || concurrency === 1) {
        for (let op = 0; op < spec.opsPerRound; op++) {
          if (op > 0 && spec.maxRoundMs !== undefined && roundTime > spec.maxRoundMs) {
            roundOps = op
            break
          }
          await spec.beforeOp?.()
          const start = performance.now()
          if (inner === 1) await variant.run(next())
          else {
            const input = next()
            for (let j = 0; j < inner; j++) await variant.run(input)
          }
          const time = performance.now() - start
          roundTime += time
          if (measured) latencies[index]!.push(time / inner)
        }
      } else {
        const own: number[] = []
        let issued = 0
        const worker = async () => {
          while (issued < spec.opsPerRound) {
            issued++
            const start = performance.now()
            await variant.run(next())
            own.push(performance.now() - start)
          }
        }
        const start = performance.now()
        await Promise.all(Array.from({ length: concurrency }, worker))
        roundTime = performance.now() - start
        if (measured) latencies[index]!.push(...own)
      }
      if (measured) {
        roundTimes[index]!.push(roundTime / (roundOps * inner))
        wall[index]! += roundTime
        opsDone[index]! += roundOps * inner
      }
    }
  }
  const results = spec.variants.map((variant, i): VariantResult => {
    const latency = summarize(latencies[i]!)
    const perRound = summarize(roundTimes[i]!)
    const opsPerSec = (opsDone[i]! / wall[i]!) * 1000
    const metric = concurrency > 1 ? perRound.p50 : latency.p50
    return {
      scenario: spec.scenario,
      caseName: spec.caseName,
      label: variant.label,
      contender: variant.contender,
      baseline: variant.baseline === true,
      ...(variant.note === undefined ? {} : { note: variant.note }),
      latency,
      perRound,
      opsPerSec,
      ...(spec.rowsPerOp === undefined ? {} : { rowsPerSec: (spec.rowsPerOp * 1000) / metric }),
      metric,
      ratio: Number.NaN,
      ...(variant.extra === undefined ? {} : { extra: { ...variant.extra } }),
    }
  })
  const base = results.find((r) => r.baseline) ?? results[0]!
  for (const r of results) r.ratio = r.metric / base.metric
  return results
}
