/**
 * Stable machine-readable codes carried by every error this package throws.
 * Branch on `error.code` (or on the class); messages are for people and may change.
 */
export type ErrorCode =
  | 'INVALID_DEFINITION'
  | 'ENTITY_VALIDATION'
  | 'MISSING_PARAMETER'
  | 'INVALID_QUERY'
  | 'NOT_FOUND'
  | 'DTO_DEFINITION'
  | 'DATABASE'
  | 'UNIQUE_VIOLATION'
  | 'FOREIGN_KEY_VIOLATION'
  | 'NOT_NULL_VIOLATION'
  | 'CHECK_VIOLATION'
  | 'SERIALIZATION_FAILURE'
  | 'INSUFFICIENT_PRIVILEGE'
  | 'CONNECTION'
  | 'STATEMENT_TIMEOUT'
  | 'PREPARED_STATEMENT_LOST'
  | 'POOL_TIMEOUT'
  | 'QUERY_DEADLINE'
  | 'UNSUPPORTED_PLUGIN'
  | 'UNSUPPORTED_SERVER'
  | 'DATABASE_CLOSED'
  | 'TRANSACTION_CLOSED'
  | 'UNSUPPORTED_OPERATION'
  | 'POSTGRES_START'
  | 'POSTGRES_IMAGE'
  | 'MIGRATION'

/**
 * Base of every error thrown by kysely-entities.
 *
 * @example
 * ```ts
 * try {
 *   await users.insert({ email })
 * } catch (e) {
 *   if (e instanceof KyselyEntitiesError && e.code === 'UNIQUE_VIOLATION') return conflict()
 *   throw e
 * }
 * ```
 */
export class KyselyEntitiesError extends Error {
  /** Stable code: see {@link ErrorCode}. */
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.name = new.target.name
  }
}

/**
 * A table or column definition that cannot work: a reserved property name, two properties on one
 * column, a `references()` to a column of another type. Thrown by `defineTable` at definition time.
 */
export class InvalidDefinitionError extends KyselyEntitiesError {
  constructor(message: string) {
    super('INVALID_DEFINITION', message)
  }
}

/**
 * Input that cannot become a safe query: an unknown column, an unknown operator, a non-integer
 * limit, an empty `in` list. Thrown before anything is sent to the database.
 */
export class InvalidQueryError extends KyselyEntitiesError {
  /** Where in the input the problem is, e.g. `where.createdAt.gt` or `limit`. */
  readonly path: string

  constructor(path: string, message: string) {
    super('INVALID_QUERY', path === '' ? message : `${path}: ${message}`)
    this.path = path
  }
}

/**
 * Raw SQL named a parameter (`@user_id`) that the parameters object does not bind.
 *
 * @example
 * ```ts
 * await db.raw('SELECT * FROM users WHERE id = @id', {}) // throws MissingParameterError: id
 * ```
 */
export class MissingParameterError extends KyselyEntitiesError {
  /** The parameter name without the `@`. */
  readonly parameter: string

  constructor(parameter: string) {
    super('MISSING_PARAMETER', `Missing value for named parameter @${parameter}`)
    this.parameter = parameter
  }
}

/** A `...OrThrow` finder found no row. */
export class NotFoundError extends KyselyEntitiesError {
  /** The SQL name of the table searched. */
  readonly table: string

  constructor(table: string, message = `No row found in ${table}`) {
    super('NOT_FOUND', message)
    this.table = table
  }
}

/**
 * The Database was closed: no new statement is accepted. Also the error of a statement still
 * running when `close({ timeout })` ran out of time and ended the pool (the connection error is
 * its `cause`).
 *
 * @example
 * ```ts
 * const closing = db.close()
 * await db.raw('SELECT 1') // throws DatabaseClosedError (code 'DATABASE_CLOSED') at once
 * ```
 */
export class DatabaseClosedError extends KyselyEntitiesError {
  constructor(message = 'The database is closed', options?: { cause?: unknown }) {
    super('DATABASE_CLOSED', message, options)
  }
}

/**
 * A transaction handle was used after its transaction ended (committed or rolled back), or while
 * a nested transaction of it was running: its statements would have run outside the transaction.
 */
export class TransactionClosedError extends KyselyEntitiesError {
  constructor(message = 'This transaction has already ended') {
    super('TRANSACTION_CLOSED', message)
  }
}

/**
 * A call this kind of `Database` cannot serve: `on`, `off` and `stats` need the pool of
 * `Database.connect`, which this package's driver runs; a `Database.fromKysely` database's
 * statements go through a driver it cannot see.
 *
 * @example
 * ```ts
 * Database.fromKysely(kysely, { tables }).on('query', log)
 * // throws UnsupportedOperationError: on('query') needs a Database.connect pool; ...
 * ```
 */
export class UnsupportedOperationError extends KyselyEntitiesError {
  constructor(message: string) {
    super('UNSUPPORTED_OPERATION', message)
  }
}
