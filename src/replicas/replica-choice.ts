/** What {@link chooseReplica} knows of one replica. */
export interface ReplicaCandidate {
  readonly state: 'up' | 'down' | 'lagging'
  /** The highest WAL position it was seen to have replayed; undefined when unknown. */
  readonly replayed: bigint | undefined
}

/**
 * Which replica a read goes to: the next one that is up, round-robin from `start`, preferring
 * one known to have replayed `required` (the last write the read must see; undefined: none).
 * `caughtUp: false` means the read must first wait for that replica to replay `required`.
 * Undefined when no replica is up: the read goes to the primary.
 *
 * @example
 * ```ts
 * const up = { state: 'up', replayed: 10n } as const
 * chooseReplica([up, { state: 'down', replayed: 99n }], 0, 5n)        // { index: 0, caughtUp: true }
 * chooseReplica([up, { state: 'up', replayed: 20n }], 0, 15n)         // { index: 1, caughtUp: true }
 * chooseReplica([up], 0, 15n)                                         // { index: 0, caughtUp: false }
 * chooseReplica([{ state: 'lagging', replayed: 1n }], 0, undefined)   // undefined
 * ```
 */
export function chooseReplica(
  replicas: readonly ReplicaCandidate[],
  start: number,
  required: bigint | undefined,
): { readonly index: number; readonly caughtUp: boolean } | undefined {
  let waiting: number | undefined
  for (let i = 0; i < replicas.length; i++) {
    const index = (start + i) % replicas.length
    const replica = replicas[index]
    if (replica === undefined || replica.state !== 'up') continue
    if (required === undefined) return { index, caughtUp: true }
    if (replica.replayed !== undefined && replica.replayed >= required) {
      return { index, caughtUp: true }
    }
    waiting ??= index
  }
  return waiting === undefined ? undefined : { index: waiting, caughtUp: false }
}
