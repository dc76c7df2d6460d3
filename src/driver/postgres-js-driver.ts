import {
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Driver,
  IdentifierNode,
  type QueryCompiler,
  type QueryResult,
  RawNode,
  type TransactionSettings,
} from 'kysely'
import type postgres from 'postgres'
import { ConnectionError, PoolTimeoutError } from '../errors/database-errors'
import { DatabaseClosedError, InvalidQueryError } from '../errors/kysely-entities-error'
import { mapDatabaseError } from '../errors/map-database-error'
import { QueryDeadlineError } from '../errors/query-deadline-error'
import type {
  DatabaseObserver,
  StatementObserver,
  StatementProbe,
  TransactionProbe,
} from '../observability/database-observer'
import { type PoolStats, poolStats } from '../observability/pool-stats'
import type { ConnectionRole } from '../observability/query-event'
import { serverTarget } from '../observability/server-target'
import { checkParameterCount } from '../query/bindable'
import { SERVER_VERSION_COLUMN, versionOfRow } from '../server-features'
import { destroyBackendConnection } from './backend-sockets'
import {
  ConnectionGate,
  checkMilliseconds,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_POOL_TIMEOUT,
  PIPELINE_DEPTH,
} from './connection-gate'
import { copyIn } from './copy-in'
import { DeadlineList } from './deadline-list'
import { resolveQueryDeadline } from './query-deadline'
import { lastInFirstOut, repairConnectionQueue } from './queue-repair'
import { withoutLeadingHoles } from './row-holes'

/** Configuration of {@link PostgresJsDriver} and {@link PostgresJsDialect}. */
export interface PostgresJsDialectConfig {
  /** The postgres.js client whose pool runs the statements. */
  readonly sql: postgres.Sql<any>
  /** When true, `destroy()` (and so `Kysely.destroy()`) ends the client's pool. Default false. */
  readonly ownsClient?: boolean
  /**
   * Milliseconds a statement or a transaction waits for a free connection of the pool before it
   * fails with {@link PoolTimeoutError}, never having been sent. Default 30,000; `Infinity` waits
   * for ever. The driver lets at most the client's `max` statements and transactions use the
   * pool at once and queues the others itself, so postgres.js never queues a statement that
   * could run after its caller gave up (a read, below, excepted: it is harmless). Count on it
   * only when nothing else uses the client.
   */
  readonly poolTimeout?: number
  /**
   * Reads (`execute(query, 'read')`: the managers' finders) sent on one connection at once, 1 to
   * 100; default 8. With no connection idle, a read is pipelined behind busy statements, as
   * postgres.js does by itself: many reads in flight then run as fast as on postgres.js (S2 of
   * `npm run bench`). A pipelined read that has not started within `poolTimeout` (it is stuck
   * behind a slow statement) fails with {@link PoolTimeoutError}; it may still run later, which
   * a read can. Other statements and transactions wait for an idle connection. 1 turns it off.
   */
  readonly pipeline?: number
  /**
   * Milliseconds a statement waits for PostgreSQL's answer, once sent, before it fails with
   * {@link QueryDeadlineError} and its connection is closed, never to be used again (the next
   * statement gets a new one). A safety net for a server or network that stalls, where the
   * server's own `statement_timeout` cannot fire: by default the client's `statement_timeout`
   * plus 5,000 when it has one, else 300,000 (five minutes). `Infinity`: no deadline. A read
   * pipelined behind busy statements gets `poolTimeout` more. A stream (`streamQuery`) has it
   * for each chunk, counted while it waits for the server. The connection is closed when the
   * client was made by `createPostgresClient` for one host (with or without TLS); with several
   * hosts, or a client made otherwise, only the call fails and the stalled connection stays in
   * the pool until the network gives up on it.
   */
  readonly queryDeadline?: number
  /**
   * False: no named prepared statement is ever made; each statement is parsed anew in an unnamed
   * one (postgres.js's `prepare: false`), as a transaction pooler (PgBouncer `pool_mode=transaction`)
   * needs, since the next statement may run on another server connection. Default true.
   */
  readonly prepare?: boolean
}

/** Options of {@link PostgresJsDriver.close} (and of `Database.close`). */
export interface CloseOptions {
  /**
   * Milliseconds to let the statements and transactions already running finish before the pool
   * is ended anyway; those still running then fail with {@link DatabaseClosedError}.
   * Default 10,000.
   */
  readonly timeout?: number
}

const SCRIPTS = new WeakSet<CompiledQuery>()

/**
 * Marks a parameterless compiled query as a script of several statements (DDL, migrations): it
 * is sent with the simple query protocol, unprepared. Every other statement runs prepared.
 *
 * @example
 * ```ts
 * await kysely.executeQuery(asScript(CompiledQuery.raw('CREATE TABLE a (x int); CREATE TABLE b (y int)')))
 * ```
 */
export function asScript<Q extends CompiledQuery>(query: Q): Q {
  if (query.parameters.length > 0) throw new Error('A script cannot have parameters')
  SCRIPTS.add(query)
  return query
}

const COUNTED_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/** Milliseconds after which a pending `reserve()` is asked for again (see `#reserve`). */
const RESERVE_RETRY = 1_000

/** The part of postgres.js's internal connection object that tells when its socket closed. */
interface RawConnection {
  onclose: ((error: unknown) => void) | null
  /** Fails what the connection carries and ends its socket (postgres.js 3.4). */
  readonly terminate?: () => void
  /** The pool queue the connection is in (see queue-repair.ts). */
  readonly queue?: unknown
}

// Shared, frozen options: the plain statement path calls no postgres.js method that changes them.
// `onexecute` repairs the pool's queues the first time a statement meets them (queue-repair.ts).
const PREPARED = Object.freeze({
  prepare: true,
  simple: false,
  onexecute: repairConnectionQueue,
}) as postgres.UnsafeQueryOptions
// For a transaction pooler: the extended protocol with the unnamed statement, parsed each time.
const UNNAMED = Object.freeze({
  prepare: false,
  simple: false,
  onexecute: repairConnectionQueue,
}) as postgres.UnsafeQueryOptions
// postgres.js would send a statement without parameters unprepared (simple protocol): only an
// explicit script (several statements) goes that way.
const SCRIPT = Object.freeze({
  prepare: true,
  simple: true,
  onexecute: repairConnectionQueue,
}) as postgres.UnsafeQueryOptions

/** Sends one compiled statement through `target` (the pool or a reserved connection). */
function send(
  state: DriverState,
  target: postgres.Sql<any>,
  query: CompiledQuery,
): postgres.PendingQuery<any> {
  // postgres.js would throw an error of its own (MAX_PARAMETERS_EXCEEDED) for more.
  checkParameterCount(query.parameters.length, 'parameters')
  const options = SCRIPTS.has(query) ? SCRIPT : state.prepare ? PREPARED : UNNAMED
  return target.unsafe(query.sql, query.parameters as any[], options)
}

function toQueryResult<R>(result: postgres.RowList<any>): QueryResult<R> {
  const rows = withoutLeadingHoles(result as unknown as R[])
  return COUNTED_COMMANDS.has(result.command)
    ? { rows, numAffectedRows: BigInt(result.count) }
    : { rows }
}

/** What a connection handle shares with its driver. */
interface DriverState {
  readonly pool: postgres.Sql<any>
  readonly gate: ConnectionGate
  /** `host:port` of the server, for connection error messages (never the password). */
  readonly endpoint: string | undefined
  /** Milliseconds a sent statement waits for its answer (`queryDeadline`); Infinity: for ever. */
  readonly deadline: number
  /** The deadlines of statements sent at once (undefined without a deadline). */
  readonly deadlines: DeadlineList | undefined
  /** Those of reads pipelined behind busy statements: `poolTimeout` more. */
  readonly pipelinedDeadlines: DeadlineList | undefined
  /**
   * False: no named prepared statements (a transaction pooler). Set once, before the first
   * statement, by the driver's config or by {@link PostgresJsDriver.detectPooler}.
   */
  prepare: boolean
  /** Events and spans of statements (`Database.connect` sets it; see {@link observeDriver}). */
  observer: StatementObserver | undefined
  /** `server_version_num`, read by {@link PostgresJsDriver.detectPooler}; undefined before. */
  serverVersion: number | undefined
}

// Each driver's state, for observeDriver: the observer is no part of the public configuration.
const STATES = new WeakMap<PostgresJsDriver, DriverState>()

/**
 * Makes `driver` report each statement and transaction to `observer`, as the pool of `role`
 * (`Database.connect` does it for its pool). The observer decides per statement whether anything
 * is measured.
 */
export function observeDriver(
  driver: PostgresJsDriver,
  observer: DatabaseObserver,
  role: ConnectionRole,
): void {
  const state = STATES.get(driver)
  if (state === undefined) return
  state.observer = observer.target(role, state.endpoint, serverTarget(state.pool))
}

// What connect asks to tell a pooler: its process id, against the one the startup announced;
// and, in the same round trip, the server's version (see ServerFeatures).
const DETECT_POOLER = `select pg_backend_pid() as pid, ${SERVER_VERSION_COLUMN}`

// setTimeout fires at once for delays past 2^31 - 1 ms: longer deadlines are no deadline.
const MAX_TIMER = 2 ** 31 - 1

/**
 * Closes the connection `pending` was sent on, after it passed its deadline: reset, so that
 * postgres.js fails what else it carried and opens a new one for the next statement. A statement
 * not sent yet is cancelled instead (it then never runs). False when the connection could not be
 * reached (see {@link destroyBackendConnection}).
 */
function abandon(state: DriverState, pending: postgres.PendingQuery<any>): boolean {
  const backend = (pending as { state?: { pid?: unknown } | null }).state
  if (backend === null || backend === undefined) {
    pending.cancel()
    return true
  }
  return destroyBackendConnection(state.pool, backend.pid)
}

/**
 * Calls `onLate` once the deadline of `list` has passed, unless the returned function (call it
 * when the statement settled) came first. Nothing is watched without a list (no deadline).
 */
function watchDeadline(list: DeadlineList | undefined, onLate: () => void): () => void {
  if (list === undefined) return () => {}
  const entry = list.add(onLate)
  return () => list.remove(entry)
}

/** A list for deadlines of `ms`, or undefined when `ms` is too long to time (no deadline). */
function deadlineList(ms: number): DeadlineList | undefined {
  return ms <= MAX_TIMER ? new DeadlineList(ms) : undefined
}

/** `host:port` (each host of a multi-host URL) or the socket path of a postgres.js client. */
function endpointOf(sql: postgres.Sql<any>): string | undefined {
  const options = (sql as { options?: Partial<postgres.ParsedOptions<{}>> & { path?: unknown } })
    .options
  if (options === undefined) return undefined
  if (typeof options.path === 'string' && options.path !== '') return options.path
  const hosts = Array.isArray(options.host) ? options.host : []
  const ports = Array.isArray(options.port) ? options.port : []
  if (hosts.length === 0) return undefined
  return hosts.map((host, i) => `${host}:${ports[i] ?? ports[0] ?? 5432}`).join(',')
}

/**
 * The typed error for what postgres.js threw: a parameter it could not serialise is an
 * {@link InvalidQueryError}; a lost or refused connection names the server, and becomes a
 * {@link DatabaseClosedError} once a forced close cut it off; the rest as `mapDatabaseError` says.
 */
function failure(state: DriverState, error: unknown, onConnectionLost?: () => void): unknown {
  // postgres.js serialises parameters by the types PostgreSQL described: a value of the wrong
  // shape (a number for an array parameter) throws a TypeError there, before anything runs.
  if (error instanceof TypeError && typeof (error as { query?: unknown }).query === 'string') {
    return new InvalidQueryError(
      'parameters',
      'a parameter value cannot be sent as the type PostgreSQL expects for it (an array parameter needs an array)',
    )
  }
  const mapped = mapDatabaseError(error)
  if (!(mapped instanceof ConnectionError)) return mapped
  onConnectionLost?.()
  let connectionError = mapped
  const endpoint = state.endpoint
  if (endpoint !== undefined && !mapped.message.includes(endpoint)) {
    connectionError = new ConnectionError(`${mapped.message} (server ${endpoint})`, {
      sqlState: mapped.sqlState,
      driverError: mapped.driverError(),
    })
  }
  if (state.gate.forced) {
    return new DatabaseClosedError(
      'The database was closed (its close timeout ran out) before this statement finished',
      { cause: connectionError },
    )
  }
  return connectionError
}

/** What a pooled statement is to the gate: a read may be pipelined, a statement may not. */
export type StatementUse = 'statement' | 'read'

/**
 * Runs one statement on the shared pool during a turn of the gate. When a connection is idle the
 * statement is sent at once, with no promise of ours in between: this is every plain
 * statement's path, so it is kept to the one promise postgres.js returns.
 */
function runPooled<R>(
  state: DriverState,
  query: CompiledQuery,
  use: StatementUse,
): Promise<QueryResult<R>> {
  const probe = state.observer?.statement(query, false)
  if (probe !== undefined) return probe.observe(runPooledNow<R>(state, query, use, probe))
  return runPooledNow(state, query, use, undefined)
}

function runPooledNow<R>(
  state: DriverState,
  query: CompiledQuery,
  use: StatementUse,
  probe: StatementProbe | undefined,
): Promise<QueryResult<R>> {
  const admission = state.gate.tryAcquire(use)
  if (admission === 'idle') return runAdmitted(state, query)
  if (admission === 'pipelined') {
    return runPipelined(state, query, performance.now() + state.gate.timeout)
  }
  return runQueued(state, query, use, probe)
}

async function runQueued<R>(
  state: DriverState,
  query: CompiledQuery,
  use: StatementUse,
  probe: StatementProbe | undefined,
): Promise<QueryResult<R>> {
  const deadline = performance.now() + state.gate.timeout
  probe?.queued()
  const admission = await state.gate.acquire(use)
  probe?.admitted()
  return admission === 'idle' ? runAdmitted(state, query) : runPipelined(state, query, deadline)
}

/** postgres.js marks the statement a connection is running `active`; those queued behind are not. */
function started(pending: postgres.PendingQuery<any>): boolean {
  // Should a version of postgres.js not say, the read counts as started: its caller is then
  // never failed with a PoolTimeoutError while it might be running.
  return (pending as { active?: unknown }).active !== false
}

/**
 * Runs a read pipelined behind busy statements. Its caller waits at most until `deadline` for it
 * to start (the pool timeout); a read still queued behind a slow statement then fails with
 * {@link PoolTimeoutError}, and its turn is given back only when postgres.js is done with it.
 */
function runPipelined<R>(
  state: DriverState,
  query: CompiledQuery,
  deadline: number,
): Promise<QueryResult<R>> {
  const { gate } = state
  return new Promise<QueryResult<R>>((resolve, reject) => {
    let pending: postgres.PendingQuery<any>
    try {
      pending = send(state, state.pool, query)
    } catch (error) {
      gate.release('read')
      reject(failure(state, error))
      return
    }
    const watch = gate.watch(deadline, () => {
      if (!started(pending)) reject(new PoolTimeoutError(gate.timeout, gate.size))
    })
    // Queued behind busy statements, a read may wait up to the pool timeout before it starts.
    const settled = watchDeadline(state.pipelinedDeadlines, () => {
      reject(new QueryDeadlineError(state.deadline, state.endpoint))
      abandon(state, pending)
    })
    pending.then(
      (result) => {
        settled()
        gate.unwatch(watch)
        gate.release('read')
        resolve(toQueryResult<R>(result))
      },
      (error: unknown) => {
        settled()
        gate.unwatch(watch)
        gate.release('read')
        reject(failure(state, error))
      },
    )
  })
}

function runAdmitted<R>(state: DriverState, query: CompiledQuery): Promise<QueryResult<R>> {
  let pending: postgres.PendingQuery<any>
  try {
    pending = send(state, state.pool, query)
  } catch (error) {
    state.gate.release()
    return Promise.reject(failure(state, error))
  }
  if (state.deadlines !== undefined) return runWithDeadline(state, state.deadlines, pending)
  return pending.then(
    (result) => {
      state.gate.release()
      return toQueryResult<R>(result)
    },
    (error: unknown) => {
      state.gate.release()
      throw failure(state, error)
    },
  )
}

/**
 * {@link runAdmitted} with a deadline: past it, the call fails with {@link QueryDeadlineError} and
 * the connection is closed; the gate's turn is given back when postgres.js is done with it.
 */
function runWithDeadline<R>(
  state: DriverState,
  deadlines: DeadlineList,
  pending: postgres.PendingQuery<any>,
): Promise<QueryResult<R>> {
  return new Promise<QueryResult<R>>((resolve, reject) => {
    const entry = deadlines.add(() => {
      reject(new QueryDeadlineError(state.deadline, state.endpoint))
      abandon(state, pending)
    })
    pending.then(
      (result) => {
        deadlines.remove(entry)
        state.gate.release()
        resolve(toQueryResult<R>(result))
      },
      (error: unknown) => {
        deadlines.remove(entry)
        state.gate.release()
        reject(failure(state, error))
      },
    )
  })
}

/**
 * A Kysely connection handle. Until a transaction begins on it, every statement runs on the shared
 * postgres.js pool, taking a turn of the driver's {@link ConnectionGate} for its duration; from
 * `begin` until it is released, on one reserved connection, which holds one turn throughout.
 */
class PostgresJsConnection implements DatabaseConnection {
  readonly #state: DriverState
  #reserved: postgres.ReservedSql<any> | undefined
  #raw: RawConnection | undefined
  // postgres.js 3.4 hangs, then throws an uncaught TypeError, on a reserved connection whose
  // socket closed, and releasing one poisons the pool (porsager/postgres#1199, #1208): once
  // closed, it is neither used nor released (the pool reconnects it by itself).
  #closed = false
  // True from a successful gate.acquire() in begin() until release().
  #holding = false
  // The observed transaction, from begin() until release(); undefined when nothing observes.
  #transaction: TransactionProbe | undefined

  constructor(state: DriverState) {
    this.#state = state
  }

  /** True once the reserved connection of a transaction has been lost. */
  get closed(): boolean {
    return this.#closed
  }

  #fail(error: unknown): unknown {
    return failure(this.#state, error, () => {
      if (this.#reserved !== undefined) this.#closed = true
    })
  }

  async #run<R>(target: postgres.Sql<any>, compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return toQueryResult(await this.#answer(send(this.#state, target, compiledQuery)))
    } catch (error) {
      throw this.#fail(error)
    }
  }

  /**
   * `pending`, sent on the reserved connection, or a {@link QueryDeadlineError} once it passed the
   * deadline: the connection is then closed (the server rolls the transaction back with it) and
   * never released to the pool.
   */
  #answer<T>(pending: postgres.PendingQuery<any>): Promise<T> {
    return this.#within(pending, pending as unknown as Promise<T>)
  }

  #transactionTarget(): postgres.Sql<any> {
    if (this.#closed) {
      throw this.#fail(new ConnectionError('The connection of this transaction was closed'))
    }
    return this.#reserved as postgres.Sql<any>
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#reserved === undefined) return runPooled(this.#state, compiledQuery, 'statement')
    const probe = this.#state.observer?.statement(compiledQuery, true, this.#transaction)
    if (probe === undefined) return this.#run(this.#transactionTarget(), compiledQuery)
    return probe.observe(this.#runObserved<R>(compiledQuery))
  }

  // #run, with #transactionTarget's refusal as a failed statement the probe sees.
  async #runObserved<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.#run(this.#transactionTarget(), compiledQuery)
  }

  /** The transaction's commit or rollback succeeded: what its event and span report. */
  settled(outcome: 'commit' | 'rollback'): void {
    this.#transaction?.settled(outcome)
  }

  /**
   * Runs a `copy ... from stdin` on the transaction's connection, sending `chunks` as its data
   * (see {@link copyIn}); observed as one statement whose row count is the server's. Each chunk
   * written, and the server's answer at the end, has the deadline of a statement
   * (`queryDeadline`): past it the connection is closed and the transaction is over.
   */
  async copyIn(
    sql: string,
    chunks: AsyncIterable<string>,
    onWritten: () => void,
  ): Promise<number | undefined> {
    if (this.#reserved === undefined) throw new Error('COPY runs only in a transaction')
    const probe = this.#state.observer?.statement(CompiledQuery.raw(sql), true, this.#transaction)
    try {
      const count = await copyIn(this.#transactionTarget(), sql, chunks, onWritten, (copy, step) =>
        this.#within(copy, step),
      )
      probe?.ok(count ?? 0)
      return count
    } catch (error) {
      // A driver error is mapped; this package's own (a row that failed validation) pass as they are.
      const mapped = this.#fail(error)
      probe?.fail(mapped)
      throw mapped
    }
  }

  /**
   * `step` of `pending` (the statement's answer, or one step of a COPY), or a
   * {@link QueryDeadlineError} once past the deadline (see `#answer`).
   */
  #within<T>(pending: postgres.PendingQuery<any>, step: Promise<T>): Promise<T> {
    const { deadline, deadlines } = this.#state
    if (deadlines === undefined) return step
    return new Promise<T>((resolve, reject) => {
      const settled = watchDeadline(deadlines, () => {
        this.#closed = true
        reject(new QueryDeadlineError(deadline, this.#state.endpoint))
        if (!abandon(this.#state, pending)) this.#raw?.terminate?.()
      })
      step.then(
        (result) => {
          settled()
          resolve(result)
        },
        (error: unknown) => {
          settled()
          reject(error)
        },
      )
    })
  }

  /**
   * Streams the rows of `compiledQuery` in chunks of `chunkSize` (a server-side cursor). Each
   * chunk has its own deadline (`queryDeadline`), counted while the stream waits for the server,
   * never while the caller holds on to a chunk: a stream may run long as long as the server keeps
   * sending. A chunk past it fails the stream with {@link QueryDeadlineError}, and its connection
   * is closed as for a statement (in a transaction, the transaction is over).
   */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error('chunkSize must be a positive integer')
    }
    const pooled = this.#reserved === undefined
    const probe = this.#state.observer?.statement(compiledQuery, !pooled, this.#transaction)
    if (probe === undefined) {
      yield* this.#stream<R>(compiledQuery, chunkSize, pooled, undefined)
      return
    }
    let rowCount = 0
    try {
      for await (const chunk of this.#stream<R>(compiledQuery, chunkSize, pooled, probe)) {
        rowCount += chunk.rows.length
        yield chunk
      }
    } catch (error) {
      probe.fail(error)
      throw error
    } finally {
      // Also when the consumer stopped early: the rows it was given (after a failure: a no-op).
      probe.ok(rowCount)
    }
  }

  async *#stream<R>(
    compiledQuery: CompiledQuery,
    chunkSize: number,
    pooled: boolean,
    probe: StatementProbe | undefined,
  ): AsyncIterableIterator<QueryResult<R>> {
    const target = pooled ? this.#state.pool : this.#transactionTarget()
    if (pooled) {
      probe?.queued()
      await this.#state.gate.acquire()
      probe?.admitted()
    }
    // False once a chunk passed its deadline: the turn is then given back when postgres.js is
    // done with the abandoned cursor, as for a statement.
    let releaseNow = pooled
    try {
      checkParameterCount(compiledQuery.parameters.length, 'parameters')
      const query = target.unsafe(
        compiledQuery.sql,
        compiledQuery.parameters as any[],
        { prepare: this.#state.prepare, simple: false } as postgres.UnsafeQueryOptions,
      )
      const chunks = query.cursor(chunkSize)[Symbol.asyncIterator]()
      let finished = false
      try {
        for (;;) {
          let next: IteratorResult<readonly unknown[]>
          try {
            // postgres.js answers a finished cursor with a plain object, not a promise.
            next = await this.#chunk(query, Promise.resolve(chunks.next()), (settled) => {
              if (!pooled) return
              releaseNow = false
              const release = () => this.#state.gate.release()
              settled.then(release, release)
            })
          } catch (error) {
            finished = true
            throw error
          }
          if (next.done === true) {
            finished = true
            return
          }
          yield { rows: withoutLeadingHoles(next.value as unknown as R[]) }
        }
      } finally {
        // A consumer that stopped early (break, return): the cursor is closed, as for await does.
        if (!finished) await chunks.return?.()
      }
    } catch (error) {
      throw this.#fail(error)
    } finally {
      if (releaseNow) this.#state.gate.release()
    }
  }

  /**
   * The next chunk of the stream `query`, or a {@link QueryDeadlineError} once it waited longer
   * than the deadline: the connection is then closed (never released to the pool, in a
   * transaction), and `onLate` gets the abandoned chunk, which settles when postgres.js is done.
   */
  #chunk<T>(
    query: postgres.PendingQuery<any>,
    next: Promise<T>,
    onLate: (settled: Promise<T>) => void,
  ): Promise<T> {
    const { deadline, deadlines } = this.#state
    if (deadlines === undefined) return next
    return new Promise<T>((resolve, reject) => {
      const settled = watchDeadline(deadlines, () => {
        const inTransaction = this.#reserved !== undefined
        if (inTransaction) this.#closed = true
        reject(new QueryDeadlineError(deadline, this.#state.endpoint))
        onLate(next)
        if (!abandon(this.#state, query) && inTransaction) this.#raw?.terminate?.()
      })
      next.then(
        (result) => {
          settled()
          resolve(result)
        },
        (error: unknown) => {
          settled()
          reject(error)
        },
      )
    })
  }

  /** Takes a turn of the gate, reserves a connection and runs `statement` (a BEGIN) on it. */
  async begin(statement: string): Promise<void> {
    if (this.#reserved !== undefined || this.#holding) {
      throw new Error('A transaction is already open')
    }
    const { gate, pool, observer } = this.#state
    const transaction = observer?.transaction()
    this.#transaction = transaction
    const probe = observer?.statement(CompiledQuery.raw(statement), true, transaction)
    probe?.queued()
    const started = performance.now()
    try {
      await gate.acquire('transaction')
    } catch (error) {
      probe?.fail(error)
      this.#transaction = undefined
      transaction?.end()
      throw error
    }
    this.#holding = true
    try {
      this.#reserved = await this.#reserve(pool, started + gate.timeout)
      probe?.admitted()
      // `onexecute` (used by postgres.js's own sql.begin) hands over the internal connection.
      const onexecute = (raw: RawConnection) => {
        repairConnectionQueue(raw)
        this.#raw = raw
        raw.onclose = () => {
          this.#closed = true
        }
        return true
      }
      const prepare = this.#state.prepare
      await this.#answer(this.#reserved.unsafe(statement, [], { prepare, onexecute } as {}))
      probe?.ok(0)
    } catch (error) {
      const mapped = this.#fail(error)
      probe?.fail(mapped)
      this.release()
      throw mapped
    }
  }

  // postgres.js 3.4.9 can lose a reserve() for good: one queued while no connection was free
  // becomes the first request of a connection reopened after a close, and is dropped once that
  // connection is up (it then serves others). That happens after a server restart. So the
  // request is repeated every RESERVE_RETRY ms until one succeeds, one fails, or the pool
  // timeout is over; a connection that arrives too late goes straight back to the pool.
  async #reserve(pool: postgres.Sql<any>, deadline: number): Promise<postgres.ReservedSql<any>> {
    const attempts: Promise<postgres.ReservedSql<any>>[] = []
    let winner: postgres.ReservedSql<any> | undefined
    try {
      for (;;) {
        attempts.push(pool.reserve())
        const left = deadline - performance.now()
        let timer: ReturnType<typeof setTimeout> | undefined
        const wait = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.max(0, Math.min(RESERVE_RETRY, left)))
        })
        try {
          winner = await Promise.race([...attempts, wait])
        } finally {
          clearTimeout(timer)
        }
        if (winner !== undefined) return winner
        if (left <= RESERVE_RETRY) {
          throw new PoolTimeoutError(this.#state.gate.timeout, this.#state.gate.size)
        }
      }
    } finally {
      for (const attempt of attempts) {
        attempt.then(
          (late) => late !== winner && late.release(),
          () => {},
        )
      }
    }
  }

  /** Gives the reserved connection, if any and still open, back to the pool. */
  release(): void {
    const transaction = this.#transaction
    this.#transaction = undefined
    transaction?.end()
    const reserved = this.#reserved
    if (this.#raw !== undefined) this.#raw.onclose = null
    this.#reserved = this.#raw = undefined
    if (!this.#closed) reserved?.release()
    this.#closed = false
    if (this.#holding) {
      this.#holding = false
      this.#state.gate.release('transaction')
    }
  }
}

function asOwn(connection: DatabaseConnection): PostgresJsConnection {
  if (connection instanceof PostgresJsConnection) return connection
  throw new Error('Not a connection of this PostgresJsDriver')
}

async function runSavepointCommand(
  connection: DatabaseConnection,
  command: 'savepoint' | 'rollback to' | 'release',
  name: string,
  compileQuery: QueryCompiler['compileQuery'],
): Promise<void> {
  // IdentifierNode quotes the name, as Kysely's own parseSavepointCommand does.
  const node = RawNode.createWithChildren([
    RawNode.createWithSql(`${command} `),
    IdentifierNode.create(name),
  ])
  await connection.executeQuery(compileQuery(node, createQueryId()))
}

/**
 * Kysely driver on a postgres.js client. Plain statements run on the client's shared pool (no
 * connection is held between them); a connection is reserved only for a transaction, from
 * `begin` to commit or rollback. Every statement is prepared (postgres.js caches prepared
 * statements per connection by their text). Driver errors are mapped by `mapDatabaseError`.
 *
 * `db.connection()` therefore does not pin a session: use a transaction for anything that must
 * run on one connection (session `SET`, temporary tables, advisory session locks).
 *
 * @example
 * ```ts
 * const driver = new PostgresJsDriver({ sql: postgres(url) })
 * const conn = await driver.acquireConnection()
 * const { rows } = await conn.executeQuery(CompiledQuery.raw('select 1 as one'))
 * await driver.releaseConnection(conn)
 * ```
 */
export class PostgresJsDriver implements Driver {
  readonly #sql: postgres.Sql<any>
  readonly #ownsClient: boolean
  readonly #state: DriverState
  #closing: Promise<void> | undefined

  constructor(config: PostgresJsDialectConfig) {
    this.#sql = config.sql
    this.#ownsClient = config.ownsClient ?? false
    const max = (config.sql as { options?: { max?: unknown } }).options?.max
    const gate = new ConnectionGate(
      typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : 10,
      checkMilliseconds('poolTimeout', config.poolTimeout ?? DEFAULT_POOL_TIMEOUT),
      config.pipeline ?? PIPELINE_DEPTH,
    )
    const connection = (config.sql as { options?: { connection?: Record<string, unknown> } })
      .options?.connection
    const deadline = resolveQueryDeadline(config.queryDeadline, connection?.statement_timeout)
    this.#state = {
      pool: config.sql,
      gate,
      endpoint: endpointOf(config.sql),
      deadline,
      deadlines: deadlineList(deadline),
      pipelinedDeadlines: deadlineList(gate.timeout + deadline),
      prepare: true,
      observer: undefined,
      serverVersion: undefined,
    }
    STATES.set(this, this.#state)
    if (config.prepare === false) this.#unprepared()
  }

  /**
   * The pool's state now, by the driver's own accounting (see {@link PoolStats}).
   *
   * @example
   * ```ts
   * driver.stats() // { server: 'localhost:5432', size: 10, inUse: 1, idle: 9, transactions: 0, waiting: 0, pipelined: 0 }
   * ```
   */
  stats(): PoolStats {
    return poolStats(this.#state.gate, this.#state.endpoint)
  }

  /**
   * No named prepared statement from now on: the driver's statements are sent unnamed and, on a
   * client it owns, so are postgres.js's own (the array types it reads on each new connection).
   */
  #unprepared(): void {
    this.#state.prepare = false
    const options = (this.#sql as { options?: { prepare?: unknown } }).options
    if (this.#ownsClient && options !== undefined) options.prepare = false
  }

  async init(): Promise<void> {}

  /**
   * The server's `server_version_num` (`150020` for PostgreSQL 15.20), read by
   * {@link detectPooler} in its round trip; undefined before it ran.
   */
  get serverVersion(): number | undefined {
    return this.#state.serverVersion
  }

  /** False when the driver makes no named prepared statements (see `prepare` in its config). */
  get prepare(): boolean {
    return this.#state.prepare
  }

  /**
   * Asks the server its process id and compares it with the one the connection's startup
   * announced (BackendKeyData). PostgreSQL announces its own; a pooler that hands a client's
   * statements to server connections of its choosing (PgBouncer, whatever its pool mode)
   * announces one of its own making. When they differ, the driver stops making named prepared
   * statements (a transaction pooler would run a statement where its prepared statement is
   * missing) and true is returned. Run it before any other statement; it has the deadline of a
   * statement. (The array types postgres.js reads on the first connection, before this, stay a
   * named statement on whichever server connection ran them; it is never used again.)
   *
   * @example
   * ```ts
   * const driver = new PostgresJsDriver({ sql: postgres(pgbouncerUrl) })
   * await driver.detectPooler() // true: from now on, every statement is parsed in the unnamed statement
   * ```
   */
  async detectPooler(): Promise<boolean> {
    const state = this.#state
    // Seen by listeners and tracing as any statement of the pool (the first one they see).
    const probe = state.observer?.statement(CompiledQuery.raw(DETECT_POOLER), false)
    // The connection the probe runs on: on a pool of our own, nothing else runs yet, so once the
    // probe is answered it waits in the pool's queue of idle connections (see lastInFirstOut).
    let connection: RawConnection | undefined
    const pending = state.pool.unsafe(DETECT_POOLER, [], {
      ...UNNAMED,
      onexecute: (c: RawConnection) => {
        connection = c
        return repairConnectionQueue(c)
      },
    } as postgres.UnsafeQueryOptions)
    const rows = await new Promise<postgres.RowList<any>>((resolve, reject) => {
      const settled = watchDeadline(state.deadlines, () => {
        reject(new QueryDeadlineError(state.deadline, state.endpoint))
        abandon(state, pending)
      })
      pending.then(
        (result) => {
          settled()
          resolve(result)
        },
        (error: unknown) => {
          settled()
          reject(failure(state, error))
        },
      )
    }).catch((error: unknown) => {
      probe?.fail(error)
      throw error
    })
    probe?.ok(rows.length)
    if (this.#ownsClient) lastInFirstOut(connection?.queue)
    state.serverVersion = versionOfRow(rows[0])
    const announced = (pending as { state?: { pid?: unknown } | null }).state?.pid
    const actual: unknown = rows[0]?.pid
    const between = typeof announced === 'number' && announced !== actual
    if (between) this.#unprepared()
    return between
  }

  /**
   * Runs one statement on the pool, outside any transaction, without Kysely's connection
   * handling: the path `Database` takes for each plain statement. Same admission (`poolTimeout`),
   * preparation and error mapping as a statement through Kysely. `'read'` tells it the statement
   * only reads: it may then be pipelined (see {@link PostgresJsDialectConfig.pipeline}).
   *
   * @example
   * ```ts
   * const { rows } = await driver.execute(CompiledQuery.raw('select * from "users" where "uuid" = $1', [uuid]))
   * // select * from "users" where "uuid" = $1   -- prepared once per connection
   * ```
   */
  execute<R>(query: CompiledQuery, use: StatementUse = 'statement'): Promise<QueryResult<R>> {
    return runPooled(this.#state, query, use)
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PostgresJsConnection(this.#state)
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    let statement = 'start transaction'
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) statement += ` ${settings.accessMode}`
    await asOwn(connection).begin(statement)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
    asOwn(connection).settled('commit')
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const own = asOwn(connection)
    // A lost session has no transaction left to roll back.
    if (own.closed) return
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'))
      own.settled('rollback')
    } catch (error) {
      // Lost while rolling back: the server rolls the transaction back with the session.
      if (!own.closed) throw error
    }
  }

  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, 'savepoint', savepointName, compileQuery)
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, 'rollback to', savepointName, compileQuery)
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, 'release', savepointName, compileQuery)
  }

  /**
   * Runs `sql`, a `copy "t" (...) from stdin`, on `connection` (it must be in a transaction),
   * sending each chunk of `chunks` as COPY text data and calling `onWritten` after each chunk is
   * written; resolves to the server's row count. A constraint violation rejects with its typed
   * error (as a statement's would); an error thrown by `chunks` aborts the COPY and is rethrown.
   *
   * @example
   * ```ts
   * await driver.copyIn(connection, 'copy "items" ("sku", "qty") from stdin', chunks(), () => {})
   * // copy "items" ("sku", "qty") from stdin   -- data: 'a\t1\nb\t2\n'   -> 2
   * ```
   */
  copyIn(
    connection: DatabaseConnection,
    sql: string,
    chunks: AsyncIterable<string>,
    onWritten: () => void,
  ): Promise<number | undefined> {
    return asOwn(connection).copyIn(sql, chunks, onWritten)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    asOwn(connection).release()
  }

  /**
   * Closes gracefully: from now on new statements and transactions fail at once with
   * {@link DatabaseClosedError}; those already running (or already waiting for a connection)
   * may finish, for at most `timeout` ms. Then the pool is ended when the driver owns the client;
   * statements still running are cut off and fail with {@link DatabaseClosedError}. A client
   * that is not owned is left open. Calling it again returns the same promise.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => driver.close({ timeout: 5_000 }))
   * ```
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeout = checkMilliseconds('timeout', options.timeout ?? DEFAULT_CLOSE_TIMEOUT)
    this.#closing ??= this.#close(timeout)
    return this.#closing
  }

  async #close(timeout: number): Promise<void> {
    const deadline = performance.now() + timeout
    const drained = await this.#state.gate.close(timeout)
    if (!this.#ownsClient) return
    // postgres.js's end() waits for every connection, including one stuck reconnecting to a
    // server that is gone: bound it by what is left of the timeout (0 ends the pool at once).
    const left = drained ? Math.max(0, deadline - performance.now()) : 0
    await this.#sql.end(Number.isFinite(left) ? { timeout: left / 1000 } : {})
  }

  /** `close()` with its default timeout: Kysely's `destroy()` calls it. */
  async destroy(): Promise<void> {
    await this.close()
  }
}
