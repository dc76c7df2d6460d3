/** Order statistics of a list of samples (milliseconds unless said otherwise). */
export interface Summary {
  readonly n: number
  readonly min: number
  readonly p25: number
  readonly p50: number
  readonly p75: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** The q-quantile (0..1) of sorted samples, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo)
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort()
  const list = Array.from(sorted)
  let sum = 0
  for (const x of list) sum += x
  return {
    n: list.length,
    min: list[0] ?? Number.NaN,
    p25: quantile(list, 0.25),
    p50: quantile(list, 0.5),
    p75: quantile(list, 0.75),
    p99: quantile(list, 0.99),
    max: list[list.length - 1] ?? Number.NaN,
    mean: list.length === 0 ? Number.NaN : sum / list.length,
  }
}

/** A duration for people: 12.3 µs, 4.56 ms, 1.23 s. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-'
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`
  if (ms < 1000) return `${ms.toPrecision(3)} ms`
  return `${(ms / 1000).toPrecision(3)} s`
}

/** A rate for people: 12,345/s. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-'
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '-'
  return ratio >= 100
    ? `${ratio.toFixed(0)}x`
    : ratio >= 10
      ? `${ratio.toFixed(1)}x`
      : `${ratio.toFixed(2)}x`
}
