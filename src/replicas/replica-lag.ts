/** The primary's WAL position at one health check. */
export interface PrimarySample {
  readonly lsn: bigint
  /** `Date.now()` when it was read. */
  readonly at: number
}

/**
 * How stale a replica's data is, from the primary's WAL positions at recent checks (oldest
 * first) and the position the replica has replayed: 0 when it has replayed what the primary had
 * at the newest check; else the time since the oldest check whose position it has not reached
 * (data the primary had then is still missing on the replica). Measured on this process's clock
 * only, so the servers' clocks do not matter; its grain is the check interval. Undefined when
 * nothing is known (no sample, or the replica replays nothing).
 *
 * @example
 * ```ts
 * const samples = [{ lsn: 100n, at: 1_000 }, { lsn: 200n, at: 2_000 }]
 * replicaLag(samples, 200n, 2_500) // 0
 * replicaLag(samples, 150n, 2_500) // 500: the primary had 200 at 2,000, the replica has not
 * replicaLag(samples, 90n, 2_500)  // 1,500
 * ```
 */
export function replicaLag(
  samples: readonly PrimarySample[],
  replayed: bigint | undefined,
  now: number,
): number | undefined {
  if (replayed === undefined || samples.length === 0) return undefined
  for (const sample of samples) {
    if (sample.lsn > replayed) return Math.max(0, now - sample.at)
  }
  return 0
}

/**
 * The samples still needed to measure a lag up to `keepMs` (and at most `max` of them): older
 * ones can only tell that a replica is further behind than that, which the oldest kept tells too.
 *
 * @example
 * ```ts
 * pruneSamples([{ lsn: 1n, at: 0 }, { lsn: 2n, at: 9_000 }], 10_000, 5_000, 100) // [{ lsn: 2n, at: 9_000 }]
 * ```
 */
export function pruneSamples(
  samples: readonly PrimarySample[],
  now: number,
  keepMs: number,
  max: number,
): PrimarySample[] {
  const kept = samples.filter((s) => now - s.at <= keepMs)
  // Keep one sample older than the window, so that a lag beyond it is still seen as such.
  const older = samples.filter((s) => now - s.at > keepMs)
  const last = older[older.length - 1]
  const all = last === undefined ? kept : [last, ...kept]
  return all.slice(-max)
}
