import { CompiledQuery, type Kysely, type QueryResult } from 'kysely'
import type { PoolStats } from '../observability/pool-stats'
import type { ReplicaEvent } from '../observability/replica-event'
import type { ExecuteResult } from '../query/executor'
import { parseLsn } from './lsn'
import { chooseReplica } from './replica-choice'
import type { ReplicaStatus } from './replica-event'
import { replicaFailure } from './replica-failure'
import { type PrimarySample, pruneSamples, replicaLag } from './replica-lag'
import type { ReplicaTuning } from './replica-options'
import type { WriteTracker } from './write-tracker'

/** One replica's pool, as the replica set uses it. */
export interface ReplicaPool {
  /** The replica's address without its password. */
  readonly label: string
  /** A Kysely instance on the replica's pool, for read-only transactions. */
  readonly kysely: Kysely<any>
  /** Runs a statement on the pool; errors are this package's typed errors. */
  execute<R>(query: CompiledQuery, use: 'read' | 'statement'): Promise<QueryResult<R>>
  /** Ends the pool, letting running statements finish for up to `timeout` ms. */
  close(timeout: number | undefined): Promise<void>
  /** The pool's connections and queue now, when the package can see them. */
  stats?(): PoolStats
}

interface Node {
  readonly pool: ReplicaPool
  state: 'up' | 'down' | 'lagging'
  lagMs: number | undefined
  reason: string | undefined
  /** The highest WAL position it was seen to have replayed. */
  replayed: bigint | undefined
  /** A running read of its replay position, shared by the reads that wait for it. */
  polling: Promise<bigint | undefined> | undefined
}

const REPLAY_POSITION = CompiledQuery.raw(
  'select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as lsn',
)
/** A health check that has not answered within this long counts the replica as down. */
const CHECK_TIMEOUT_MS = 5_000
const MAX_SAMPLES = 1_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/**
 * The read replicas of a `Database`: which one a read goes to, whether it has replayed the
 * writes the read must see, and which replicas are well. A replica is `up` until a read or a
 * health check finds it unreachable (`down`) or further behind the primary than
 * `maxReplicaLag` (`lagging`); the health check (every `checkInterval` ms, in the background)
 * tries the others again and brings them back. Reads that no replica can serve run on the
 * primary: with every replica down, all of them.
 *
 * @example
 * ```ts
 * const set = new ReplicaSet(pools, settings, primaryLsn)
 * await set.start()
 * await set.read(query, tracker, () => primary.execute(query)) // a replica, else the primary
 * await set.close(10_000)
 * ```
 */
export class ReplicaSet {
  readonly #nodes: Node[]
  readonly #settings: ReplicaTuning
  readonly #primaryLsn: () => Promise<bigint | undefined>
  #samples: PrimarySample[] = []
  #next = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  #checking: Promise<void> | undefined
  /** {@link startOnFirstRead}: 'deferred' until the first read, then that read's first check. */
  #first: 'deferred' | Promise<void> | undefined

  constructor(
    pools: readonly ReplicaPool[],
    settings: ReplicaTuning,
    primaryLsn: () => Promise<bigint | undefined>,
  ) {
    this.#nodes = pools.map((pool) => ({
      pool,
      state: 'up',
      lagMs: undefined,
      reason: undefined,
      replayed: undefined,
      polling: undefined,
    }))
    this.#settings = settings
    this.#primaryLsn = primaryLsn
  }

  /** Checks every replica once (a replica down is not an error), then every `checkInterval` ms. */
  async start(): Promise<void> {
    await this.check()
    this.#schedule()
  }

  /**
   * {@link start}, deferred to the first read (or read-only transaction), which waits for that
   * first check: a replica that is down, lagging or not a standby is never read, and nothing is
   * sent before the Database is used (`Database.fromKysely` is synchronous). Until then
   * {@link status} reports every replica `up`, its lag unknown.
   */
  startOnFirstRead(): void {
    this.#first = 'deferred'
  }

  async #firstCheck(): Promise<void> {
    if (this.#first === 'deferred') {
      const first = this.start().finally(() => {
        if (this.#first === first) this.#first = undefined
      })
      this.#first = first
    }
    await this.#first
  }

  /** The primary's current WAL position (for a session's read-your-writes). */
  primaryLsn(): Promise<bigint | undefined> {
    return this.#primaryLsn()
  }

  /** The pool statistics of each replica the package can see, in the order given. */
  stats(): PoolStats[] {
    return this.#nodes.flatMap((node) => (node.pool.stats === undefined ? [] : [node.pool.stats()]))
  }

  /** The replicas' state as of the last check or read. */
  status(): ReplicaStatus[] {
    return this.#nodes.map((node) => ({
      url: node.pool.label,
      state: node.state,
      healthy: node.state === 'up',
      lagMs: node.lagMs,
      reason: node.reason,
    }))
  }

  /**
   * Runs a read on a replica that is up and has replayed what `tracker` requires (waiting up to
   * `maxReplayWait` for one to), else with `onPrimary`. A replica that fails the read because it
   * is down, or cannot run it, is left out and the read runs elsewhere: only an error the
   * primary would give as well reaches the caller.
   */
  async read<R>(
    query: CompiledQuery,
    tracker: WriteTracker | undefined,
    onPrimary: () => Promise<ExecuteResult<R>>,
  ): Promise<ExecuteResult<R>> {
    return this.#route<ExecuteResult<R>>(
      tracker,
      (node) => node.pool.execute<R>(query, 'read'),
      onPrimary,
    )
  }

  /**
   * Runs a read-only transaction on a replica (`run` gets its Kysely instance), as {@link read}
   * chooses one; if the replica fails it as a replica (down, a conflict with recovery), the
   * whole transaction runs again with `onPrimary`: its callback may run twice.
   */
  transaction<R>(
    tracker: WriteTracker | undefined,
    run: (kysely: Kysely<any>) => Promise<R>,
    onPrimary: () => Promise<R>,
  ): Promise<R> {
    return this.#route(tracker, (node) => run(node.pool.kysely), onPrimary)
  }

  async #route<T>(
    tracker: WriteTracker | undefined,
    run: (node: Node) => Promise<T>,
    onPrimary: () => Promise<T>,
  ): Promise<T> {
    if (this.#first !== undefined && !this.#closed) await this.#firstCheck()
    if (this.#closed || !this.#nodes.some((n) => n.state === 'up')) return onPrimary()
    let required: bigint | undefined
    try {
      required = await tracker?.required()
    } catch {
      // The primary's position could not be read: only the primary is known to have the writes.
      return onPrimary()
    }
    for (let tries = 0; tries < this.#nodes.length; tries++) {
      const choice = chooseReplica(this.#nodes, this.#next++ % this.#nodes.length, required)
      if (choice === undefined) break
      const node = this.#nodes[choice.index] as Node
      if (!choice.caughtUp && !(await this.#waitForReplay(node, required as bigint))) break
      try {
        return await run(node)
      } catch (error) {
        const failure = replicaFailure(error)
        if (failure === undefined) throw error
        if (failure === 'elsewhere') break
        this.#set(node, 'down', message(error))
      }
    }
    return onPrimary()
  }

  // Polls the replica's replay position until it reaches `required`, at most maxReplayWait ms.
  async #waitForReplay(node: Node, required: bigint): Promise<boolean> {
    const deadline = Date.now() + this.#settings.maxReplayWait
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      // A replica that stalls does not hold the read past maxReplayWait.
      const left = Math.max(deadline - Date.now(), 1)
      const replayed = await timeout(this.#replayed(node), left, 'the replica').catch(
        () => undefined,
      )
      if (replayed !== undefined && replayed >= required) return true
      if (node.state !== 'up' || Date.now() + pause > deadline) return false
      await sleep(pause)
    }
  }

  #replayed(node: Node): Promise<bigint | undefined> {
    node.polling ??= node.pool
      .execute<{ lsn: string | null }>(REPLAY_POSITION, 'read')
      .then(
        ({ rows }) => {
          const lsn = parseLsn(rows[0]?.lsn)
          if (lsn !== undefined && (node.replayed === undefined || lsn > node.replayed)) {
            node.replayed = lsn
          }
          return node.replayed
        },
        (error: unknown) => {
          if (replicaFailure(error) === 'down') this.#set(node, 'down', message(error))
          return undefined
        },
      )
      .finally(() => {
        node.polling = undefined
      })
    return node.polling
  }

  /**
   * One health check of every replica: the primary's WAL position, then each replica's replay
   * position, from which its lag (see {@link replicaLag}) and state follow. Never throws.
   */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined
    })
    return this.#checking
  }

  async #check(): Promise<void> {
    const startedAt = Date.now()
    const primary = await timeout(this.#primaryLsn(), CHECK_TIMEOUT_MS, 'the primary').catch(
      () => undefined,
    )
    if (primary !== undefined) {
      this.#samples.push({ lsn: primary, at: startedAt })
      const keep = Math.min(2 * this.#settings.maxReplicaLag, 600_000)
      this.#samples = pruneSamples(this.#samples, Date.now(), keep, MAX_SAMPLES)
    }
    await Promise.all(this.#nodes.map((node) => this.#checkNode(node)))
  }

  async #checkNode(node: Node): Promise<void> {
    let row: { standby?: unknown; lsn?: unknown } | undefined
    try {
      const result = await timeout(
        node.pool.execute<{ standby: boolean; lsn: string | null }>(REPLAY_POSITION, 'read'),
        CHECK_TIMEOUT_MS,
        'the replica',
      )
      row = result.rows[0]
    } catch (error) {
      this.#set(node, 'down', message(error))
      return
    }
    if (row?.standby !== true) {
      this.#set(node, 'down', 'not a standby: pg_is_in_recovery() is false (promoted?)')
      return
    }
    const replayed = parseLsn(row.lsn)
    node.replayed = replayed
    node.lagMs = replicaLag(this.#samples, replayed, Date.now())
    if (node.lagMs !== undefined && node.lagMs > this.#settings.maxReplicaLag) {
      this.#set(
        node,
        'lagging',
        `replays ${node.lagMs} ms behind the primary (maxReplicaLag ${this.#settings.maxReplicaLag})`,
      )
    } else {
      this.#set(node, 'up', undefined)
    }
  }

  // Changes a replica's state, and says so through onReplicaEvent when it changed.
  #set(node: Node, state: Node['state'], reason: string | undefined): void {
    const changed = node.state !== state
    node.state = state
    node.reason = reason
    if (state === 'down') node.lagMs = undefined
    if (!changed || this.#closed) return
    const event: ReplicaEvent = {
      type: state === 'up' ? 'replica_up' : state === 'down' ? 'replica_down' : 'replica_lagging',
      replica: node.pool.label,
      reason: reason ?? 'answers and replays within maxReplicaLag',
    }
    try {
      this.#settings.onEvent(event)
    } catch {
      // An observer's error must not fail a read.
    }
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => {
      void this.check().then(() => this.#schedule())
    }, this.#settings.checkInterval)
    this.#timer.unref?.()
  }

  /**
   * Stops the checks and closes the replicas' pools gracefully: new reads go to the primary
   * (which refuses them once it is closing), running ones get up to `timeoutMs` to finish.
   */
  async drain(timeoutMs: number | undefined): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    // A health check under way (bounded by its own timeout) sends nothing once the pools end.
    await this.#checking?.catch(() => {})
    await Promise.all(this.#nodes.map((node) => node.pool.close(timeoutMs).catch(() => {})))
  }

  /** {@link drain} with no time left: ends the pools at once (done after a drain). */
  close(timeoutMs: number | undefined): Promise<void> {
    return this.drain(timeoutMs)
  }
}
