import type { CompiledQuery, Kysely, QueryResult } from 'kysely'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { mapDatabaseError } from '../errors/map-database-error'
import { checkKyselyPlugins } from '../kysely-plugins'
import { type ReplicaTuningOptions, replicaTuning } from './replica-options'
import { CURRENT_LSN, lsnOfResult } from './replica-pools'
import { type ReplicaPool, ReplicaSet } from './replica-set'
import { WriteTracker } from './write-tracker'

/**
 * The replica options of `Database.fromKysely`: a Kysely instance of yours per read replica (any
 * PostgreSQL dialect: pg, postgres.js, this package's `PostgresJsDialect`), and how they are used.
 *
 * @example
 * ```ts
 * const db = Database.fromKysely(primaryKysely, {
 *   tables,
 *   replicas: [new Kysely({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: replicaUrl }) }) })],
 *   maxReplayWait: 500,
 * })
 * ```
 */
export interface FromKyselyReplicaOptions extends ReplicaTuningOptions {
  /**
   * Read replicas (streaming standbys of the primary `kysely` reaches), each as a Kysely
   * instance: reads go to them as with `Database.connect({ replicas })` (finders, queries,
   * `executeRead`, read-only transactions, through each instance's own `transaction()`), and
   * everything else to the primary. Their plugins are checked as the primary's are (the same
   * `allowPlugins`). `close()` destroys them. In `db.replicas()` and replica events a replica is
   * named by its place: `replicas[0]`. The first read checks them first (nothing is sent before).
   */
  readonly replicas?: readonly Kysely<any>[]
}

/** The replica set of a `fromKysely` Database, and its read-your-writes scope. */
export interface KyselyReplicas {
  readonly set: ReplicaSet
  /** The Database's own read-your-writes scope (`readYourWrites: 'database'`), else undefined. */
  readonly tracker: WriteTracker | undefined
}

/**
 * The replica pool of a Kysely instance of the user's: statements through its `executeQuery`,
 * errors mapped to this package's (so that a replica that is down is told from a bad read),
 * and destroyed on close.
 *
 * @example
 * ```ts
 * const pool = kyselyReplicaPool(replicaKysely, 'replicas[0]')
 * await pool.execute(CompiledQuery.raw('select 1'), 'read')
 * ```
 */
export function kyselyReplicaPool(kysely: Kysely<any>, label: string): ReplicaPool {
  let closing: Promise<void> | undefined
  return {
    label,
    kysely,
    execute: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
      try {
        return await kysely.executeQuery<R>(query as CompiledQuery<R>)
      } catch (error) {
        throw mapDatabaseError(error)
      }
    },
    close: () => {
      closing ??= kysely.destroy()
      return closing
    },
  }
}

/**
 * Checks `Database.fromKysely`'s replica options (each replica a Kysely instance other than the
 * primary and than each other, with plugins the primary may have) and makes the replica set,
 * whose first health check waits for the first read. Undefined without replicas. A wrong value
 * is an {@link InvalidQueryError} (or, for a replica, the error `checkKyselyPlugins` gives for
 * the primary) naming it; nothing is sent.
 *
 * @example
 * ```ts
 * const replicas = kyselyReplicas(kysely, { replicas: [replicaKysely], maxReplayWait: 500 }, undefined)
 * await replicas?.set.read(query, replicas.tracker, () => kysely.executeQuery(query))
 * ```
 */
export function kyselyReplicas(
  primary: Kysely<any>,
  options: FromKyselyReplicaOptions,
  allowPlugins: unknown,
): KyselyReplicas | undefined {
  const list: unknown = options.replicas
  if (list === undefined) return undefined
  if (!Array.isArray(list)) {
    throw new InvalidQueryError(
      'Database.fromKysely: replicas',
      'expected an array of Kysely instances',
    )
  }
  if (list.length === 0) return undefined
  const seen = new Set<unknown>([primary])
  list.forEach((replica: unknown, i) => {
    checkKyselyPlugins(replica, allowPlugins, `replicas[${i}]`)
    if (seen.has(replica)) {
      throw new InvalidQueryError(
        `Database.fromKysely: replicas[${i}]`,
        replica === primary
          ? 'is the primary Kysely instance: give each replica its own instance'
          : 'is given twice: give each replica once',
      )
    }
    seen.add(replica)
  })
  const tuning = replicaTuning(options, 'Database.fromKysely')
  const primaryLsn = async () => {
    try {
      return lsnOfResult(await primary.executeQuery(CURRENT_LSN))
    } catch (error) {
      throw mapDatabaseError(error)
    }
  }
  const pools = (list as Kysely<any>[]).map((kysely, i) =>
    kyselyReplicaPool(kysely, `replicas[${i}]`),
  )
  const set = new ReplicaSet(pools, tuning, primaryLsn)
  set.startOnFirstRead()
  const tracker = tuning.readYourWrites === 'database' ? new WriteTracker(primaryLsn) : undefined
  return { set, tracker }
}
