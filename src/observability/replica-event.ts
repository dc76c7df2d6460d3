/**
 * What a replica's state became, for logs and metrics: `replica_down` (it refused or broke a
 * connection, or is not a standby), `replica_lagging` (its replay is further behind the primary
 * than `maxReplicaLag`), `replica_up` (it answers and is close enough again). Reads leave out a
 * replica that is down or lagging. `replica` is its address without the password.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url, replicas: [replicaUrl], tables,
 *   onReplicaEvent: (e) => log.warn(`${e.type} ${e.replica}: ${e.reason}`) })
 * // replica_down postgres://app@10.0.0.8:5432/app: Connection to PostgreSQL failed: connect ECONNREFUSED ...
 * ```
 */
export interface ReplicaEvent {
  readonly type: 'replica_down' | 'replica_up' | 'replica_lagging'
  /** The replica's URL without its password; with `Database.fromKysely`, its place: `replicas[0]`. */
  readonly replica: string
  /** Why, in one line (an error message, or the lag seen). */
  readonly reason: string
}
