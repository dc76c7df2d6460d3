/**
 * The state of one connection pool, from the driver's own accounting: how many of its `size`
 * connections statements and transactions hold, how many calls wait in line, and how many reads
 * are pipelined behind busy statements.
 *
 * @example
 * ```ts
 * const { primary } = db.stats()
 * if (primary.waiting > 0) console.warn(`${primary.waiting} calls wait for one of ${primary.size} connections`)
 * ```
 */
export interface PoolStats {
  /** `host:port` of the server, when known. */
  readonly server: string | undefined
  /** Connections the pool may open (`max`). */
  readonly size: number
  /** Connections running a statement or held by a transaction. */
  readonly inUse: number
  /**
   * Connections free for the next statement: `size - inUse` (postgres.js opens them on demand, so
   * some may not be open yet).
   */
  readonly idle: number
  /** Of {@link inUse}, those held by transactions. */
  readonly transactions: number
  /** Calls waiting for a connection (`poolTimeout` bounds their wait). */
  readonly waiting: number
  /** Reads sent behind busy statements on connections in use (see the `pipeline` option). */
  readonly pipelined: number
}

/**
 * Every pool of a `Database`: the primary's, and one entry per read replica (none yet).
 *
 * @example
 * ```ts
 * db.stats() // { primary: { server: 'localhost:5432', size: 10, inUse: 2, idle: 8, transactions: 1, waiting: 0, pipelined: 0 }, replicas: [] }
 * ```
 */
export interface DatabaseStats {
  readonly primary: PoolStats
  readonly replicas: readonly PoolStats[]
}

/** What {@link poolStats} reads from a pool's gate. */
export interface GateCounts {
  readonly size: number
  /** Statements (pipelined reads included) and transactions admitted. */
  readonly active: number
  readonly transactions: number
  readonly waiting: number
}

/**
 * The {@link PoolStats} of a gate's counts: statements beyond the connections not held by
 * transactions are pipelined.
 *
 * @example
 * ```ts
 * poolStats({ size: 2, active: 5, transactions: 1, waiting: 0 }, 'db:5432')
 * // { server: 'db:5432', size: 2, inUse: 2, idle: 0, transactions: 1, waiting: 0, pipelined: 3 }
 * ```
 */
export function poolStats(gate: GateCounts, server: string | undefined): PoolStats {
  const statements = gate.active - gate.transactions
  const free = gate.size - gate.transactions
  const running = Math.min(statements, free)
  const inUse = gate.transactions + running
  return {
    server,
    size: gate.size,
    inUse,
    idle: gate.size - inUse,
    transactions: gate.transactions,
    waiting: gate.waiting,
    pipelined: statements - running,
  }
}
