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

/** The database could not be reached, or the connection broke while a statement ran. */
export class ConnectionError extends KyselyEntitiesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION', message, options)
  }
}
