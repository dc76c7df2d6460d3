import { type ErrorCode, KyselyEntitiesError } from './kysely-entities-error'

/** What PostgreSQL said about a failed statement, without the statement's parameters. */
export interface DatabaseErrorDetails {
  /** SQLSTATE, e.g. `23505`. */
  readonly sqlState: string | undefined
  readonly table: string | undefined
  readonly constraint: string | undefined
  readonly column: string | undefined
}

/**
 * An error reported by PostgreSQL or by the connection to it. The message is PostgreSQL's own
 * message, which names objects but never the statement's parameters; the driver's error is the `cause`.
 */
export class DatabaseError extends KyselyEntitiesError implements DatabaseErrorDetails {
  readonly sqlState: string | undefined
  readonly table: string | undefined
  readonly constraint: string | undefined
  readonly column: string | undefined

  constructor(
    message: string,
    details: DatabaseErrorDetails,
    options?: { cause?: unknown; code?: ErrorCode },
  ) {
    super(options?.code ?? 'DATABASE', message, options)
    this.sqlState = details.sqlState
    this.table = details.table
    this.constraint = details.constraint
    this.column = details.column
  }
}

/**
 * `23505`: a row would duplicate a UNIQUE or PRIMARY KEY constraint.
 *
 * @example
 * ```ts
 * try { await users.insert({ email: 'taken@x.io', passwordHash }) }
 * catch (e) { if (e instanceof UniqueViolationError) console.log(e.constraint, e.columns) }
 * // users_email_key [ 'email' ]
 * ```
 */
export class UniqueViolationError extends DatabaseError {
  /** The SQL names of the columns of the violated constraint, when PostgreSQL reports them. */
  readonly columns: readonly string[]

  constructor(
    message: string,
    details: DatabaseErrorDetails,
    columns: readonly string[],
    cause: unknown,
  ) {
    super(message, details, { cause, code: 'UNIQUE_VIOLATION' })
    this.columns = columns
  }
}

/** `23503`: a foreign key points at a row that does not exist, or a referenced row is in use. */
export class ForeignKeyViolationError extends DatabaseError {
  /** The SQL names of the referencing columns, when PostgreSQL reports them. */
  readonly columns: readonly string[]

  constructor(
    message: string,
    details: DatabaseErrorDetails,
    columns: readonly string[],
    cause: unknown,
  ) {
    super(message, details, { cause, code: 'FOREIGN_KEY_VIOLATION' })
    this.columns = columns
  }
}

/** `23502`: NULL written to a NOT NULL column (`column` names it). */
export class NotNullViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, cause: unknown) {
    super(message, details, { cause, code: 'NOT_NULL_VIOLATION' })
  }
}

/** `23514`: a CHECK constraint rejected the row (`constraint` names it). */
export class CheckViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, cause: unknown) {
    super(message, details, { cause, code: 'CHECK_VIOLATION' })
  }
}

/**
 * `40001` (serialization failure) or `40P01` (deadlock detected): the transaction lost a race and
 * can be retried as a whole.
 */
export class SerializationFailureError extends DatabaseError {
  /** True for `40P01`. */
  readonly deadlock: boolean

  constructor(message: string, details: DatabaseErrorDetails, cause: unknown) {
    super(message, details, { cause, code: 'SERIALIZATION_FAILURE' })
    this.deadlock = details.sqlState === '40P01'
  }
}

/**
 * `42501` (insufficient privilege): the role may not do this, or a Row Level Security policy
 * refused the row (`new row violates row-level security policy for table "functions"`). Under
 * `db.withContext`, the usual sign of a request touching another tenant's data.
 *
 * @example
 * ```ts
 * try {
 *   await db.withContext({ settings: { 'app.user_uuid': me } }, (tx) => tx.manager(FunctionEntity).insert(foreign))
 * } catch (e) {
 *   if (e instanceof InsufficientPrivilegeError) return forbidden()
 *   throw e
 * }
 * ```
 */
export class InsufficientPrivilegeError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, cause: unknown) {
    super(message, details, { cause, code: 'INSUFFICIENT_PRIVILEGE' })
  }
}

/**
 * `57014` raised by the server's `statement_timeout` (the `statementTimeout` option of
 * `Database.connect`): PostgreSQL cancelled a statement that ran too long. Inside a transaction,
 * the transaction is aborted with it. A cancel for any other reason (`pg_cancel_backend`, a user
 * request) stays a plain {@link DatabaseError} with `sqlState` `57014`.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url, tables, statementTimeout: 5_000 })
 * try { await db.raw('SELECT pg_sleep(60)') }
 * catch (e) { if (e instanceof StatementTimeoutError) return tooSlow() } // e.code === 'STATEMENT_TIMEOUT'
 * ```
 */
export class StatementTimeoutError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, cause: unknown) {
    super(message, details, { cause, code: 'STATEMENT_TIMEOUT' })
  }
}

/**
 * The database could not be reached, or the connection broke while a statement ran. The message
 * names the server (`host:port`), never the password.
 *
 * @example
 * ```ts
 * await Database.connect({ url: 'postgres://app:secret@db.internal:5432/app', tables })
 * // ConnectionError: Connection to PostgreSQL failed: connect ECONNREFUSED 10.0.0.7:5432
 * ```
 */
export class ConnectionError extends KyselyEntitiesError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'CONNECTION', message, options)
  }
}

/**
 * No connection of the pool became free within `poolTimeout` milliseconds (an option of
 * `Database.connect`): every connection was busy with other statements or held by transactions.
 * The statement or transaction was never sent to the server, and never will be.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url, tables, max: 10, poolTimeout: 2_000 })
 * try { await db.raw('SELECT 1') }
 * catch (e) { if (e instanceof PoolTimeoutError) return serviceUnavailable() } // e.code === 'POOL_TIMEOUT'
 * ```
 */
export class PoolTimeoutError extends KyselyEntitiesError {
  /** How long the call waited for a connection, in milliseconds. */
  readonly timeout: number
  /** The number of connections of the pool, all of which were in use. */
  readonly poolSize: number

  constructor(timeout: number, poolSize: number) {
    super(
      'POOL_TIMEOUT',
      `No connection of the pool (${poolSize} in all) became free within ${timeout} ms: ` +
        'the statement was not run. Raise `max` or `poolTimeout`, or hold transactions for less time',
    )
    this.timeout = timeout
    this.poolSize = poolSize
  }
}
