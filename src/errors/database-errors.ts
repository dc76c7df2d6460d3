import { type ErrorCode, KyselyEntitiesError } from './kysely-entities-error'

/**
 * What PostgreSQL said about a failed statement, without the statement's parameters or any value
 * of a row: only names of objects and the SQLSTATE.
 */
export interface DatabaseErrorDetails {
  /** SQLSTATE, e.g. `23505`. */
  readonly sqlState: string | undefined
  readonly table: string | undefined
  readonly constraint: string | undefined
  readonly column: string | undefined
  /** The schema of `table` (or of the object at fault), e.g. `public`. */
  readonly schema?: string | undefined
  /** The name of the data type at fault, when PostgreSQL names one. */
  readonly dataType?: string | undefined
  /** The PostgreSQL source routine that reported the error, e.g. `_bt_check_unique`. */
  readonly routine?: string | undefined
}

/**
 * An error reported by PostgreSQL. The message is PostgreSQL's own message, which names objects;
 * a value it quotes (data exceptions, class 22) is cut out. The error is safe to log whole: it has
 * no `cause`, and nothing of it holds the statement's parameters, its text, or PostgreSQL's
 * `detail`, `hint` and `where` (which quote row values). The driver's own error, which holds all
 * of these, is returned by {@link DatabaseError.driverError} for whoever asks for it.
 *
 * @example
 * ```ts
 * try { await db.raw('SELECT @n::int', { n: 'abc' }) }
 * catch (e) {
 *   if (e instanceof DatabaseError) console.error(e) // sqlState '22P02', no 'abc' anywhere
 * }
 * // SELECT $1::int   -- ['abc']
 * ```
 */
export class DatabaseError extends KyselyEntitiesError implements DatabaseErrorDetails {
  readonly sqlState: string | undefined
  readonly table: string | undefined
  readonly constraint: string | undefined
  readonly column: string | undefined
  readonly schema: string | undefined
  readonly dataType: string | undefined
  readonly routine: string | undefined
  readonly #driverError: unknown

  /**
   * `options.driverError` is the driver's error, kept where no log reaches it (see
   * {@link DatabaseError.driverError}); `options.cause`, when given, is an ordinary `cause`.
   */
  constructor(
    message: string,
    details: DatabaseErrorDetails,
    options?: { cause?: unknown; code?: ErrorCode; driverError?: unknown },
  ) {
    super(options?.code ?? 'DATABASE', message, options)
    this.sqlState = details.sqlState
    this.table = details.table
    this.constraint = details.constraint
    this.column = details.column
    this.schema = details.schema
    this.dataType = details.dataType
    this.routine = details.routine
    this.#driverError = options?.driverError
  }

  /**
   * The error the driver (postgres.js or pg) threw, as it threw it, or `undefined`. UNSAFE TO LOG:
   * it holds every parameter of the statement (`parameters`), its text (`query`), and
   * PostgreSQL's `detail`, `hint` and `where`, which quote row values (`Key (email)=(a@x.io)
   * already exists.`). It is not a property, so neither `console.error(error)` nor
   * `JSON.stringify(error)` shows it.
   *
   * @example
   * ```ts
   * catch (e) {
   *   if (e instanceof UniqueViolationError) debugOnly((e.driverError() as { detail?: string }).detail)
   * }
   * // Key (email)=(a@x.io) already exists.
   * ```
   */
  driverError(): unknown {
    return this.#driverError
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
    driverError: unknown,
  ) {
    super(message, details, { driverError, code: 'UNIQUE_VIOLATION' })
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
    driverError: unknown,
  ) {
    super(message, details, { driverError, code: 'FOREIGN_KEY_VIOLATION' })
    this.columns = columns
  }
}

/** `23502`: NULL written to a NOT NULL column (`column` names it). */
export class NotNullViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, driverError: unknown) {
    super(message, details, { driverError, code: 'NOT_NULL_VIOLATION' })
  }
}

/** `23514`: a CHECK constraint rejected the row (`constraint` names it). */
export class CheckViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, driverError: unknown) {
    super(message, details, { driverError, code: 'CHECK_VIOLATION' })
  }
}

/**
 * `40001` (serialization failure) or `40P01` (deadlock detected): the transaction lost a race and
 * can be retried as a whole.
 */
export class SerializationFailureError extends DatabaseError {
  /** True for `40P01`. */
  readonly deadlock: boolean

  constructor(message: string, details: DatabaseErrorDetails, driverError: unknown) {
    super(message, details, { driverError, code: 'SERIALIZATION_FAILURE' })
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
  constructor(message: string, details: DatabaseErrorDetails, driverError: unknown) {
    super(message, details, { driverError, code: 'INSUFFICIENT_PRIVILEGE' })
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
  constructor(message: string, details: DatabaseErrorDetails, driverError: unknown) {
    super(message, details, { driverError, code: 'STATEMENT_TIMEOUT' })
  }
}

/**
 * `26000` (invalid SQL statement name) on a prepared statement: a statement the driver prepared on
 * a connection is not on the server connection that received it. The usual cause is a
 * transaction pooler (PgBouncer with `pool_mode=transaction`, a managed database's pooler port)
 * that this `Database` was not told about and did not detect: each statement may run on another
 * server connection, where the driver's prepared statements do not exist. The fix is
 * `Database.connect({ ..., pooler: 'transaction' })`, which never makes a named prepared
 * statement. (A `DEALLOCATE` or `DISCARD ALL` of your own raw SQL causes it too.) In a
 * transaction, the transaction is aborted with it.
 *
 * @example
 * ```ts
 * try { await db.transaction((tx) => tx.raw('SELECT @id::int AS id', { id: 1 })) }
 * catch (e) {
 *   if (e instanceof PreparedStatementLostError) console.error(e.message) // ... connect with pooler: 'transaction'
 * }
 * ```
 */
export class PreparedStatementLostError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails, driverError: unknown) {
    super(
      `${message}: a prepared statement of the driver is missing on the server connection, as ` +
        "behind a transaction pooler (PgBouncer pool_mode=transaction); connect with pooler: 'transaction'",
      details,
      { driverError, code: 'PREPARED_STATEMENT_LOST' },
    )
  }
}

/**
 * The database could not be reached, refused the connection, or the connection broke while a
 * statement ran. The message names the server (`host:port`), never the password. A server that
 * refused to open a session says why in `sqlState`: `28P01` (wrong password), `28000` (no
 * `pg_hba.conf` entry or role not allowed), `3D000` (the database does not exist), `53300` (too
 * many connections), `57P03` (the server is starting up). Like {@link DatabaseError}, it is safe to
 * log whole; the driver's error is returned by {@link ConnectionError.driverError}.
 *
 * @example
 * ```ts
 * await Database.connect({ url: 'postgres://app:secret@db.internal:5432/app', tables })
 * // ConnectionError: Connection to PostgreSQL failed: connect ECONNREFUSED 10.0.0.7:5432
 * // (wrong password: e.sqlState === '28P01', password authentication failed for user "app")
 * ```
 */
export class ConnectionError extends KyselyEntitiesError {
  /** The SQLSTATE when PostgreSQL refused or ended the session; `undefined` for a socket error. */
  readonly sqlState: string | undefined
  readonly #driverError: unknown

  constructor(
    message: string,
    options?: {
      cause?: unknown
      code?: ErrorCode
      sqlState?: string | undefined
      driverError?: unknown
    },
  ) {
    super(options?.code ?? 'CONNECTION', message, options)
    this.sqlState = options?.sqlState
    this.#driverError = options?.driverError
  }

  /**
   * The error the driver threw, as it threw it, or `undefined`. UNSAFE TO LOG: it can hold the
   * parameters and text of the statement that was running (see {@link DatabaseError.driverError}).
   *
   * @example
   * ```ts
   * catch (e) { if (e instanceof ConnectionError) debugOnly(e.driverError()) }
   * ```
   */
  driverError(): unknown {
    return this.#driverError
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
