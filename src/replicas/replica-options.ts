import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { ReplicaEvent } from '../observability/replica-event'

/**
 * One read replica of `Database.connect({ replicas })`: its URL and, when they differ from the
 * primary's, its own pool size and credentials. Other connection options (`ssl`, `timezone`,
 * `statementTimeout`...) are the primary's.
 *
 * @example
 * ```ts
 * { url: 'postgres://app:secret@replica-1.internal:5432/app', max: 20 }
 * ```
 */
export interface ReplicaOptions {
  /** `postgres://user:password@host:port/database` of the replica. */
  readonly url: string
  /** Its pool size. Default: the primary's `max`. */
  readonly max?: number
  readonly user?: string
  readonly password?: string
}

/**
 * Read-your-writes for reads routed to replicas:
 * - `'database'` (default): a read through the Database sees every write through it that
 *   completed before the read began (statements, committed transactions), from any caller.
 * - `'session'`: only the writes of the same session (`db.session()`) are waited for: reads
 *   outside a session may return data older than writes made just before them.
 *
 * @example
 * ```ts
 * await Database.connect({ url, replicas: [replicaUrl], readYourWrites: 'session', tables })
 * ```
 */
export type ReadYourWrites = 'database' | 'session'

/**
 * How replicas are used, the same for `Database.connect({ replicas })` and
 * `Database.fromKysely(kysely, { replicas })`: when a replica is left out, how long a read waits
 * for one, whose writes it waits for, and what is reported.
 *
 * @example
 * ```ts
 * const tuning: ReplicaTuningOptions = { maxReplicaLag: 5_000, maxReplayWait: 500, readYourWrites: 'session' }
 * const db = await Database.connect({ url, replicas: [replicaUrl], ...tuning, tables })
 * ```
 */
export interface ReplicaTuningOptions {
  /**
   * Milliseconds of replication lag beyond which a replica is left out of reads until a later
   * check finds it closer (see `db.replicas()`). Default 10,000.
   */
  readonly maxReplicaLag?: number
  /**
   * Milliseconds a read that must see a write (see {@link ReadYourWrites}) waits for a replica to
   * replay it before it reads the primary instead. Default 1,000; 0 reads the primary at once
   * whenever no replica is known to have the write.
   */
  readonly maxReplayWait?: number
  /** Which writes a read waits for: see {@link ReadYourWrites}. Default `'database'`. */
  readonly readYourWrites?: ReadYourWrites
  /**
   * Milliseconds between health checks of the replicas (their state and lag; one statement on
   * the primary and one on each replica). A replica left out is tried again at each check.
   * Default 1,000.
   */
  readonly replicaCheckInterval?: number
  /** Called when a replica goes down, lags too far behind, or is back: see {@link ReplicaEvent}. */
  readonly onReplicaEvent?: (event: ReplicaEvent) => void
}

/**
 * The replica options of `Database.connect`: where reads go, and when a replica is left out.
 *
 * @example
 * ```ts
 * const db = await Database.connect({
 *   url: primaryUrl,
 *   replicas: [replicaUrl1, { url: replicaUrl2, max: 20 }],
 *   maxReplicaLag: 5_000,  // a replica further behind is left out until it catches up
 *   maxReplayWait: 1_000,  // a read after a write waits at most this long for a replica, then reads the primary
 *   tables,
 * })
 * ```
 */
export interface ReplicaConnectOptions extends ReplicaTuningOptions {
  /**
   * Read replicas (streaming standbys of the primary at `url`). With them, reads go to a replica
   * (round-robin among those that are well): the managers' finders, `count`, `exists`,
   * relation loads, `EntityQuery.all/first/count/paginate/execute`, `Database.executeRead`, and
   * transactions opened with `accessMode: 'read only'`. Everything else goes to the primary:
   * writes, `raw`, `executeScript`, read-write transactions, statements through `db.kysely`,
   * and everything done through `db.primary`. A replica that cannot run a read (down, shutting
   * down, its pool full, a conflict with recovery, a statement that writes) is not the caller's
   * problem: the read runs on the primary.
   */
  readonly replicas?: readonly (string | ReplicaOptions)[]
}

/** {@link ReplicaTuningOptions} checked, with their defaults: what a `ReplicaSet` needs. */
export interface ReplicaTuning {
  readonly maxReplicaLag: number
  readonly maxReplayWait: number
  readonly readYourWrites: ReadYourWrites
  readonly checkInterval: number
  readonly onEvent: (event: ReplicaEvent) => void
}

/** {@link ReplicaConnectOptions} checked, with their defaults. */
export interface ReplicaSettings extends ReplicaTuning {
  readonly replicas: readonly ReplicaOptions[]
}

function milliseconds(
  value: number | undefined,
  where: string,
  name: string,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidQueryError(
      `${where}: ${name}`,
      `expected a number of milliseconds >= 0, got ${typeof value === 'number' ? value : typeof value}`,
    )
  }
  return value
}

/**
 * Checks the replica options of `Database.connect` before any pool is opened; undefined when
 * no replica is given. A wrong value is an {@link InvalidQueryError} naming the option.
 *
 * @example
 * ```ts
 * replicaSettings({ replicas: ['postgres://r1/app'] })?.maxReplicaLag // 10_000
 * replicaSettings({ replicas: [42] }) // throws InvalidQueryError: Database.connect: replicas[0]: expected ...
 * ```
 */
export function replicaSettings(options: ReplicaConnectOptions): ReplicaSettings | undefined {
  const list = options.replicas
  if (list === undefined || list.length === 0) return undefined
  if (!Array.isArray(list)) {
    throw new InvalidQueryError('Database.connect: replicas', 'expected an array of URLs')
  }
  const replicas = list.map((entry, i): ReplicaOptions => {
    const replica = typeof entry === 'string' ? { url: entry } : entry
    if (typeof replica !== 'object' || replica === null || typeof replica.url !== 'string') {
      throw new InvalidQueryError(
        `Database.connect: replicas[${i}]`,
        'expected a postgres:// URL or { url }',
      )
    }
    if (!/^postgres(ql)?:\/\//.test(replica.url)) {
      throw new InvalidQueryError(
        `Database.connect: replicas[${i}].url`,
        'expected a postgres:// or postgresql:// URL',
      )
    }
    return replica
  })
  return { replicas, ...replicaTuning(options, 'Database.connect') }
}

/**
 * Checks the {@link ReplicaTuningOptions} of `where` (`'Database.connect'` or
 * `'Database.fromKysely'`), with their defaults; a wrong value is an {@link InvalidQueryError}
 * naming the option.
 *
 * @example
 * ```ts
 * replicaTuning({}, 'Database.fromKysely').maxReplayWait // 1_000
 * replicaTuning({ maxReplayWait: -1 }, 'Database.fromKysely') // throws InvalidQueryError: Database.fromKysely: maxReplayWait: ...
 * ```
 */
export function replicaTuning(options: ReplicaTuningOptions, where: string): ReplicaTuning {
  const readYourWrites = options.readYourWrites ?? 'database'
  if (readYourWrites !== 'database' && readYourWrites !== 'session') {
    throw new InvalidQueryError(`${where}: readYourWrites`, "expected 'database' or 'session'")
  }
  const interval = milliseconds(options.replicaCheckInterval, where, 'replicaCheckInterval', 1_000)
  if (interval < 10 || !Number.isFinite(interval)) {
    throw new InvalidQueryError(
      `${where}: replicaCheckInterval`,
      'expected a finite number of milliseconds >= 10',
    )
  }
  const onEvent = options.onReplicaEvent ?? (() => {})
  if (typeof onEvent !== 'function') {
    throw new InvalidQueryError(`${where}: onReplicaEvent`, 'expected a function')
  }
  return {
    maxReplicaLag: milliseconds(options.maxReplicaLag, where, 'maxReplicaLag', 10_000),
    maxReplayWait: milliseconds(options.maxReplayWait, where, 'maxReplayWait', 1_000),
    readYourWrites,
    checkInterval: interval,
    onEvent,
  }
}

/**
 * A URL without its password, to name a replica in events and `db.replicas()`.
 *
 * @example
 * ```ts
 * withoutPassword('postgres://app:secret@r1:5432/app') // 'postgres://app@r1:5432/app'
 * ```
 */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '(unparsable replica URL)'
  }
}
