import type { CompiledQuery, QueryResult } from 'kysely'
import type { OpenSpan, ServerTarget, Tracing } from './open-telemetry'
import { shownParameters } from './parameter-redaction'
import type {
  ConnectionRole,
  DatabaseEventListener,
  DatabaseEventName,
  DatabaseEvents,
  QueryEventError,
  TransactionOutcome,
} from './query-event'
import { type StatementText, StatementTextCache } from './statement-text'

/** How a `Database` observes its statements. */
export interface ObserverOptions {
  /** Bound values in events (never those of statements that touch a secret). Default false. */
  readonly logParameters?: boolean
  /** The names that make a statement's values secret (see `secretNames`). */
  readonly secrets?: ReadonlySet<string>
  /** Spans through the global tracer provider; undefined: none. */
  readonly tracing?: Tracing | undefined
}

/** The listeners of one event. */
type Listeners = { [K in DatabaseEventName]: Set<DatabaseEventListener<K>> }

/**
 * The listeners and the tracing of one `Database`, shared by its pools (the primary's, and a
 * replica's): each pool's driver observes through a {@link StatementObserver} made by
 * {@link target}, which names the server.
 *
 * @example
 * ```ts
 * const observer = new DatabaseObserver({ secrets: secretNames(Object.values(tables)) })
 * observer.on('query', (e) => console.log(e.text))
 * const driver = new PostgresJsDriver({ sql, observer: observer.target('primary', sql) })
 * ```
 */
export class DatabaseObserver {
  readonly #listeners: Listeners = { query: new Set(), transaction: new Set(), replica: new Set() }
  readonly #logParameters: boolean
  readonly #secrets: ReadonlySet<string>
  readonly #tracing: Tracing | undefined
  readonly #texts = new StatementTextCache()
  #listening = false

  constructor(options: ObserverOptions = {}) {
    this.#logParameters = options.logParameters ?? false
    this.#secrets = options.secrets ?? new Set()
    this.#tracing = options.tracing
  }

  /** True while any listener is registered. */
  get listening(): boolean {
    return this.#listening
  }

  get tracing(): Tracing | undefined {
    return this.#tracing
  }

  get logParameters(): boolean {
    return this.#logParameters
  }

  get secrets(): ReadonlySet<string> {
    return this.#secrets
  }

  /** What observing needs from `sql`, remembered per text. */
  statementText(sql: string): StatementText {
    return this.#texts.get(sql)
  }

  on<K extends DatabaseEventName>(name: K, listener: DatabaseEventListener<K>): void {
    this.#set(name).add(listener)
    this.#listening = true
  }

  off<K extends DatabaseEventName>(name: K, listener: DatabaseEventListener<K>): void {
    this.#set(name).delete(listener)
    this.#listening = Object.values(this.#listeners).some((set) => set.size > 0)
  }

  #set<K extends DatabaseEventName>(name: K): Set<DatabaseEventListener<K>> {
    const set = (this.#listeners as Partial<Listeners>)[name]
    if (set === undefined) throw new TypeError(`Unknown event: ${String(name)}`)
    return set as Set<DatabaseEventListener<K>>
  }

  /** True while `name` has a listener. */
  wants(name: DatabaseEventName): boolean {
    return this.#listeners[name].size > 0
  }

  /** Calls each listener of `name`; what one throws is reported as a warning, never rethrown. */
  emit<K extends DatabaseEventName>(name: K, event: DatabaseEvents[K]): void {
    for (const listener of this.#listeners[name] as Set<DatabaseEventListener<K>>) {
      try {
        listener(event)
      } catch (error) {
        process.emitWarning(
          `A '${name}' listener of kysely-entities threw ${error instanceof Error ? error.name : typeof error}; the statement was not affected`,
        )
      }
    }
  }

  /** The observer of one pool: `role` and `server` go into its events, `target` into its spans. */
  target(
    role: ConnectionRole,
    server: string | undefined,
    target: ServerTarget,
  ): StatementObserver {
    return new StatementObserver(this, role, server, target)
  }
}

/**
 * What a driver calls for each statement and transaction of its pool. {@link statement} and
 * {@link transaction} return undefined while nobody listens and no tracer provider is registered:
 * then the driver measures nothing.
 */
export class StatementObserver {
  readonly observer: DatabaseObserver
  readonly role: ConnectionRole
  readonly server: string | undefined
  readonly target: ServerTarget

  constructor(
    observer: DatabaseObserver,
    role: ConnectionRole,
    server: string | undefined,
    target: ServerTarget,
  ) {
    this.observer = observer
    this.role = role
    this.server = server
    this.target = target
  }

  /** A probe for one statement, or undefined when nothing observes. */
  statement(
    query: CompiledQuery,
    inTransaction: boolean,
    transaction?: TransactionProbe,
  ): StatementProbe | undefined {
    const observer = this.observer
    const tracing = observer.tracing
    const traced = tracing?.active() === true
    if (!observer.listening && !traced) return undefined
    return new StatementProbe(this, query, inTransaction, transaction, traced ? tracing : undefined)
  }

  /** A probe for one transaction, from the call that begins it; undefined when nothing observes. */
  transaction(): TransactionProbe | undefined {
    const observer = this.observer
    const tracing = observer.tracing
    const traced = tracing?.active() === true
    if (!observer.listening && !traced) return undefined
    return new TransactionProbe(this, traced ? tracing : undefined)
  }
}

/** The rows a result counts: affected rows for a write, else the rows returned. */
export function rowCountOf(result: QueryResult<unknown>): number {
  const affected = result.numAffectedRows
  return affected === undefined ? result.rows.length : Number(affected)
}

/** The error of an event: the class name and SQLSTATE, never the message. */
export function eventError(error: unknown): QueryEventError {
  const name = error instanceof Error ? error.name : error === null ? 'null' : typeof error
  const sqlState = (error as { sqlState?: unknown } | null)?.sqlState
  return { name, sqlState: typeof sqlState === 'string' ? sqlState : undefined }
}

/**
 * One statement being observed: made when the call comes in, told when it had to wait for a
 * connection and when it got one, and ended once with its result or its error.
 */
export class StatementProbe {
  readonly #owner: StatementObserver
  readonly #query: CompiledQuery
  readonly #statement: StatementText
  readonly #inTransaction: boolean
  readonly #transaction: TransactionProbe | undefined
  readonly #tracing: Tracing | undefined
  readonly #span: OpenSpan['span'] | undefined
  readonly #start = performance.now()
  #queued = false
  #admitted: number | undefined
  #ended = false

  constructor(
    owner: StatementObserver,
    query: CompiledQuery,
    inTransaction: boolean,
    transaction: TransactionProbe | undefined,
    tracing: Tracing | undefined,
  ) {
    this.#owner = owner
    this.#query = query
    this.#statement = owner.observer.statementText(query.sql)
    this.#inTransaction = inTransaction
    this.#transaction = transaction
    this.#tracing = tracing
    transaction?.counted()
    this.#span = tracing?.startStatement(this.#statement, owner.target, transaction?.span)
  }

  /** The call waits in line for a connection (until {@link admitted}). */
  queued(): void {
    this.#queued = true
  }

  /** The call got its connection. */
  admitted(): void {
    this.#admitted ??= performance.now()
  }

  /** Ends the probe with `promise`'s outcome; returns the same outcome. */
  observe<R>(promise: Promise<QueryResult<R>>): Promise<QueryResult<R>> {
    return promise.then(
      (result) => {
        this.ok(rowCountOf(result))
        return result
      },
      (error: unknown) => {
        this.fail(error)
        throw error
      },
    )
  }

  ok(rowCount: number): void {
    this.#end(rowCount, undefined)
  }

  fail(error: unknown): void {
    this.#end(undefined, eventError(error))
  }

  #end(rowCount: number | undefined, error: QueryEventError | undefined): void {
    if (this.#ended) return
    this.#ended = true
    const end = performance.now()
    if (this.#span !== undefined) this.#tracing?.endStatement(this.#span, rowCount, error)
    const owner = this.#owner
    const observer = owner.observer
    if (!observer.wants('query')) return
    const statement = this.#statement
    const poolWait = this.#queued ? (this.#admitted ?? end) - this.#start : 0
    observer.emit('query', {
      text: statement.text,
      operation: statement.operation,
      collection: statement.collection,
      outcome: error === undefined ? 'ok' : 'error',
      error,
      rowCount,
      duration: end - this.#start,
      poolWait,
      connection: owner.role,
      server: owner.server,
      inTransaction: this.#inTransaction,
      ...(observer.logParameters
        ? { parameters: shownParameters(statement, this.#query.parameters, observer.secrets) }
        : {}),
    })
    if (this.#transaction !== undefined && this.#queued) this.#transaction.waited(poolWait)
  }
}

/** One transaction being observed, from the call that begins it to its release. */
export class TransactionProbe {
  readonly #owner: StatementObserver
  readonly #tracing: Tracing | undefined
  readonly #start = performance.now()
  /** The transaction's span, the parent of its statements' spans. */
  readonly span: OpenSpan | undefined
  #statements = 0
  #poolWait = 0
  #outcome: TransactionOutcome | undefined
  #ended = false

  constructor(owner: StatementObserver, tracing: Tracing | undefined) {
    this.#owner = owner
    this.#tracing = tracing
    this.span = tracing?.startTransaction(owner.target)
  }

  counted(): void {
    this.#statements++
  }

  waited(ms: number): void {
    this.#poolWait += ms
  }

  /** Its commit or rollback succeeded. */
  settled(outcome: 'commit' | 'rollback'): void {
    this.#outcome = outcome
  }

  /** The connection is released: the transaction is over, as {@link settled} said, else failed. */
  end(): void {
    if (this.#ended) return
    this.#ended = true
    const outcome = this.#outcome ?? 'error'
    if (this.span !== undefined) this.#tracing?.endTransaction(this.span, outcome)
    const owner = this.#owner
    if (!owner.observer.wants('transaction')) return
    owner.observer.emit('transaction', {
      outcome,
      duration: performance.now() - this.#start,
      poolWait: this.#poolWait,
      statements: this.#statements,
      connection: owner.role,
      server: owner.server,
    })
  }
}
