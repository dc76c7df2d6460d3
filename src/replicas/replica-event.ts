/**
 * One replica as `db.replicas()` reports it.
 *
 * @example
 * ```ts
 * db.replicas()
 * // [{ url: 'postgres://app@10.0.0.8:5432/app', state: 'up', healthy: true, lagMs: 0, reason: undefined }]
 * ```
 */
export interface ReplicaStatus {
  /** The replica's URL without its password; with `Database.fromKysely`, its place: `replicas[0]`. */
  readonly url: string
  /** `up`: reads may go there; `down` or `lagging`: left out until a later check finds it well. */
  readonly state: 'up' | 'down' | 'lagging'
  /** `state === 'up'`. */
  readonly healthy: boolean
  /**
   * How far behind the primary its data was at the last check, in milliseconds: 0 when it had
   * replayed everything the primary had written at the previous check, undefined when unknown.
   */
  readonly lagMs: number | undefined
  /** Why it is down or lagging; undefined when up. */
  readonly reason: string | undefined
}
