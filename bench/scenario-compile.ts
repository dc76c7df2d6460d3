import { COMPILE_CASES, compileVariants } from './compile-variants'
import type { Variant, VariantResult } from './measure'
import { runProbe } from './probe'
import { createRng } from './rng'
import {
  type CaseResult,
  ops,
  rounds,
  runCase,
  type Scenario,
  type ScenarioResult,
  warmup,
} from './scenario'
import { summarize } from './stats'

const paramsFingerprint = (out: unknown) =>
  JSON.stringify((out as unknown[]).map((p) => String(p)).sort())

export const s8: Scenario = {
  id: 'S8',
  title: 'build and compile a statement, no database',
  async run(ctx): Promise<ScenarioResult> {
    const rng = createRng(18)
    const inputs = Array.from({ length: 64 }, () => ({ uuid: rng.uuid(), userId: 4242 }))
    const cases: CaseResult[] = []
    for (const which of COMPILE_CASES) {
      const compile = compileVariants(which)
      const variants: Variant<(typeof inputs)[number]>[] = []
      for (const v of compile) {
        const compiles =
          v.compilesPerCall === undefined ? undefined : await v.compilesPerCall(inputs[0]!)
        variants.push({
          label: v.label,
          contender: v.contender,
          ...(v.baseline ? { baseline: true } : {}),
          ...(v.note === undefined ? {} : { note: v.note }),
          run: (input) => v.build(input),
          fingerprint: paramsFingerprint,
          ...(compiles === undefined ? {} : { extra: { compilesPerCall: compiles } }),
        })
      }
      const result = await runCase(
        {
          scenario: 'S8',
          title: this.title,
          caseName: `repeated: ${which}`,
          variants,
          inputs,
          rounds: rounds(ctx),
          warmupRounds: warmup(ctx),
          opsPerRound: ops(ctx, 10),
          innerLoop: 100,
          checkInputs: 2,
        },
        ctx,
      )
      cases.push(result)
    }
    // The first call, in a fresh process per sample.
    if (ctx.probeRuns > 0) {
      for (let c = 0; c < COMPILE_CASES.length; c++) {
        const variants = compileVariants(COMPILE_CASES[c]!)
        const samples: number[][] = variants.map(() => [])
        for (let run = 0; run < ctx.probeRuns; run++) {
          for (let k = 0; k < variants.length; k++) {
            const j = (k + run) % variants.length
            ctx.progress.update(
              `first call, fresh process ${run + 1}/${ctx.probeRuns}: ${variants[j]!.label}`,
            )
            const out = JSON.parse(
              await runProbe('probes/compile-cold.ts', [
                '--case',
                String(c),
                '--variant',
                String(j),
              ]),
            ) as { first: number }
            samples[j]!.push(out.first)
          }
        }
        const results: VariantResult[] = variants.map((v, j) => {
          const latency = summarize(samples[j]!)
          return {
            scenario: 'S8',
            caseName: `first call: ${COMPILE_CASES[c]}`,
            label: v.label,
            contender: v.contender,
            baseline: v.baseline === true,
            latency,
            perRound: latency,
            opsPerSec: 1000 / latency.mean,
            metric: latency.p50,
            ratio: Number.NaN,
          }
        })
        const base = results.find((r) => r.baseline)!
        for (const r of results) r.ratio = r.metric / base.metric
        cases.push({
          name: `first call: ${COMPILE_CASES[c]}`,
          check: {
            scenario: 'S8',
            caseName: `first call: ${COMPILE_CASES[c]}`,
            passed: true,
            inputs: 0,
            variants: variants.length,
            mismatches: [],
          },
          results,
        })
      }
    }
    return {
      id: 'S8',
      title: this.title,
      what:
        'Building a statement and compiling it to SQL text and parameters, without a database: S1’s user by uuid (fixed shape) and S3’s page (dynamic). ' +
        'Repeated: in a warm process, 100 calls per sample. First call: a fresh Node process per sample (modules loaded and clients made before timing). ' +
        'postgres.js builds its text only when a query is sent, so its number is the cost of the tagged template call. kysely-entities is measured through its managers on a driver that sends nothing, and its compilations are counted.',
      metric: 'p50 time per call',
      cases,
      notes: [],
    }
  },
}
