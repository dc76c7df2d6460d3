import type { ReplicaEvent } from './replica-event'

/**
 * Which server of a `Database` ran a statement: the primary, or a read replica of
 * `Database.connect({ replicas })`.
 */
export type ConnectionRole = 'primary' | 'replica'

/** How a statement ended: `'ok'` with rows, or `'error'` (then {@link QueryEvent.error} says which). */
export type QueryOutcome = 'ok' | 'error'

/**
 * What went wrong with a statement, without its message (a message may quote a value): the error
 * class this package threw and, when PostgreSQL answered with one, the SQLSTATE.
 *
 * @example
 * ```ts
 * db.on('query', (e) => {
 *   if (e.error?.sqlState === '23505') uniqueViolations.inc() // e.error.name: 'UniqueViolationError'
 * })
 * ```
 */
export interface QueryEventError {
  /** The class name of the error the call failed with, e.g. `'UniqueViolationError'`. */
  readonly name: string
  /** PostgreSQL's SQLSTATE (`'23505'`), or undefined for a failure of the client side. */
  readonly sqlState: string | undefined
}

/**
 * One statement, as `db.on('query', ...)` and `Database.connect({ log })` receive it: every
 * statement the driver sends, those it sends by itself included (`start transaction`, `commit`,
 * `rollback`, savepoints, the `select 1` of `connect`, streams).
 *
 * `text` is the statement as sent with its values bound as parameters (`$1`), and string literals
 * written into the SQL replaced by `'?'`: an event never carries a value unless you ask for
 * {@link parameters} (`logParameters: true`).
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url, tables, log: (e) => console.log(e.text, e.duration) })
 * await db.manager(UserEntity).findByUuid(uuid)
 * // { text: 'select "id", ... from "users" where "uuid" = $1', operation: 'SELECT',
 * //   collection: 'users', outcome: 'ok', rowCount: 1, duration: 0.41, poolWait: 0,
 * //   connection: 'primary', server: 'localhost:5432', inTransaction: false }
 * ```
 */
export interface QueryEvent {
  /** The SQL text: parameters as `$1`, `$2`; string literals as `'?'`. */
  readonly text: string
  /** The statement's first keyword in upper case (`'SELECT'`, `'INSERT'`, `'COMMIT'`). */
  readonly operation: string | undefined
  /** The one table the statement reads or writes, when the text names exactly one. */
  readonly collection: string | undefined
  /** `'ok'`, or `'error'` with {@link error}. */
  readonly outcome: QueryOutcome
  /** The error, when {@link outcome} is `'error'`. */
  readonly error: QueryEventError | undefined
  /** Rows returned, or affected by an `insert`/`update`/`delete`/`merge`; undefined on error. */
  readonly rowCount: number | undefined
  /** Milliseconds from the call to its end, waiting for a connection included. */
  readonly duration: number
  /**
   * Milliseconds of {@link duration} spent waiting for a connection of the pool (for a
   * transaction's `start transaction`: the wait for the connection the transaction holds).
   * 0 inside a transaction, and for a read pipelined behind busy statements.
   */
  readonly poolWait: number
  /** The server that ran it: `'primary'`, or `'replica'` once reads are routed to replicas. */
  readonly connection: ConnectionRole
  /** `host:port` of that server (never a password), when known. */
  readonly server: string | undefined
  /** True for statements of a transaction, its `start transaction` and `commit`/`rollback` included. */
  readonly inTransaction: boolean
  /**
   * The bound values, only with `logParameters: true`. A statement whose text names a table that
   * has a `secret()` column, or names such a column, has every value replaced by
   * {@link REDACTED}: secrets never reach a listener.
   */
  readonly parameters?: readonly unknown[]
}

/** How a transaction ended: committed, rolled back, or failed without either (a lost connection). */
export type TransactionOutcome = 'commit' | 'rollback' | 'error'

/**
 * One transaction, from its `start transaction` to its `commit` or `rollback`, as
 * `db.on('transaction', ...)` receives it (each statement of it is a {@link QueryEvent} too).
 *
 * @example
 * ```ts
 * db.on('transaction', (t) => { if (t.outcome !== 'commit') console.warn('rolled back after', t.duration, 'ms') })
 * ```
 */
export interface TransactionEvent {
  /** `'commit'`, `'rollback'`, or `'error'` when the transaction could not even be ended. */
  readonly outcome: TransactionOutcome
  /** Milliseconds from the call that began it to the end of its `commit` or `rollback`. */
  readonly duration: number
  /** Milliseconds of it spent waiting for the connection the transaction held. */
  readonly poolWait: number
  /** Statements sent in it, `start transaction` and `commit`/`rollback` included. */
  readonly statements: number
  /** As in {@link QueryEvent.connection}. */
  readonly connection: ConnectionRole
  /** As in {@link QueryEvent.server}. */
  readonly server: string | undefined
}

/**
 * The events a `Database` emits, by name: `db.on(name, listener)` gives the listener the payload
 * type listed here. New kinds of events (replica health) are new entries.
 *
 * @example
 * ```ts
 * const listener = (e: DatabaseEvents['query']) => histogram.record(e.duration, { op: e.operation })
 * db.on('query', listener)
 * db.off('query', listener)
 * ```
 */
export interface DatabaseEvents {
  /** Each statement, when it ends. */
  readonly query: QueryEvent
  /** Each transaction, when it ends. */
  readonly transaction: TransactionEvent
  /** A read replica of `Database.connect({ replicas })` went down, came back or fell behind. */
  readonly replica: ReplicaEvent
}

/** The name of an event of {@link DatabaseEvents}. */
export type DatabaseEventName = keyof DatabaseEvents

/**
 * A listener of event `K`: called synchronously when the statement or transaction ends. What it
 * throws is caught (reported with `process.emitWarning`) and never changes the call's outcome.
 *
 * @example
 * ```ts
 * const onQuery: DatabaseEventListener<'query'> = (e) => { if (e.duration > 100) slow.push(e.text) }
 * ```
 */
export type DatabaseEventListener<K extends DatabaseEventName> = (event: DatabaseEvents[K]) => void

/**
 * What stands in for a bound value that may be a secret in {@link QueryEvent.parameters}.
 *
 * @example
 * ```ts
 * db.on('query', (e) => e.parameters?.includes(REDACTED)) // true for statements on `users`
 * ```
 */
export const REDACTED = '[redacted]'
