import {
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  type DatabaseErrorDetails,
  ForeignKeyViolationError,
  InsufficientPrivilegeError,
  NotNullViolationError,
  PreparedStatementLostError,
  SerializationFailureError,
  StatementTimeoutError,
  UniqueViolationError,
} from './database-errors'
import { InvalidQueryError, KyselyEntitiesError } from './kysely-entities-error'

// Both postgres.js (`constraint_name`, `table_name`) and pg (`constraint`, `table`) spellings.
interface DriverError {
  readonly message?: unknown
  readonly code?: unknown
  readonly detail?: unknown
  readonly constraint_name?: unknown
  readonly constraint?: unknown
  readonly table_name?: unknown
  readonly table?: unknown
  readonly column_name?: unknown
  readonly column?: unknown
  readonly schema_name?: unknown
  readonly schema?: unknown
  readonly data_type_name?: unknown
  readonly dataType?: unknown
  readonly routine?: unknown
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // The server refused SSL where the client's `ssl` requires it (createPostgresClient).
  'SSL_REFUSED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  // The server refused to open a session: the connection could not be established.
  '28000', // invalid_authorization_specification (pg_hba.conf, role may not log in)
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name: the database does not exist
  '53300', // too_many_connections
])

// Node's TLS errors while a connection is made secure: the server's certificate could not be
// verified (OpenSSL's X509 verify codes), or the handshake failed (ERR_TLS_*, ERR_SSL_*).
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
])
const isTlsCode = (code: string): boolean =>
  TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')

// Errors postgres.js makes itself (not PostgreSQL's): their messages are fixed texts.
const DRIVER_CODES = new Set([
  'MAX_PARAMETERS_EXCEEDED',
  'UNDEFINED_VALUE',
  'NOT_TAGGED_CALL',
  'COPY_IN_PROGRESS',
  'UNSAFE_TRANSACTION',
  'SASL_SIGNATURE_MISMATCH',
  'MESSAGE_NOT_SUPPORTED',
  'AUTH_TYPE_NOT_IMPLEMENTED',
])

/** postgres.js attaches the statement (`query`) and its bind values (`parameters`) to its errors. */
function carriesStatement(error: object): boolean {
  return 'parameters' in error || 'query' in error
}

/**
 * An error of the driver that is not PostgreSQL's and not a lost connection: a typed error that
 * says what the driver refused, without its message (which may quote a value) or its statement.
 */
function driverFailure(error: object, code: string | undefined): KyselyEntitiesError {
  if (code === 'MAX_PARAMETERS_EXCEEDED') {
    return new InvalidQueryError(
      'parameters',
      'the statement has more than 65,534 parameters, the most PostgreSQL takes: send fewer values (split a long list, or bind it as one array)',
    )
  }
  if (code === 'UNDEFINED_VALUE') {
    return new InvalidQueryError('parameters', 'a parameter value is undefined: bind null instead')
  }
  const shown =
    code !== undefined && DRIVER_CODES.has(code)
      ? code
      : error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name)
        ? error.name
        : 'an error'
  return new DatabaseError(
    `The PostgreSQL driver failed with ${shown} (its message is left out: it may quote a value)`,
    { sqlState: undefined, table: undefined, constraint: undefined, column: undefined },
    { driverError: error },
  )
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/**
 * Reads the column names from a PostgreSQL detail such as `Key (user_id, name)=(1, x) already
 * exists.`, keeping only the names: the values are user data and stay out of our messages.
 */
export function columnsFromDetail(detail: string | undefined): readonly string[] {
  if (detail === undefined) return []
  const match = /^Key \(([^)]*)\)=/.exec(detail)
  if (match?.[1] === undefined) return []
  return match[1].split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'))
}

/**
 * PostgreSQL quotes the offending input in data exceptions (class 22), e.g.
 * `invalid input syntax for type uuid: "<value>"` or `value "<value>" is out of range for type
 * integer`; that value is user data, so it is cut.
 */
function redactValues(message: string, code: string | undefined): string {
  if (code === undefined || !code.startsWith('22')) return message
  return message
    .replace(/:\s+("[\s\S]*"|0x[0-9a-f ]+)$/i, '')
    .replace(/\b(value|zone) "[^"]*"/g, '$1 "…"')
}

/**
 * Turns an error thrown by a PostgreSQL driver (postgres.js or pg) into this package's error
 * classes, which are safe to log whole: the driver's error (with the statement's parameters and
 * PostgreSQL's `detail`) is not their `cause` but what their `driverError()` returns. Errors that
 * are already ours pass through, and so does anything that is not a driver's error (an error the
 * caller threw inside a transaction).
 *
 * @example
 * ```ts
 * const e = mapDatabaseError(driverError) // UniqueViolationError: duplicate key value violates ...
 * e.cause         // undefined
 * e.driverError() // the PostgresError, with its detail and parameters
 * ```
 */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof KyselyEntitiesError || typeof error !== 'object' || error === null) {
    return error
  }
  const e = error as DriverError
  const code = str(e.code)
  const message = redactValues(str(e.message) ?? 'Database error', code)
  if (code !== undefined && (CONNECTION_CODES.has(code) || isTlsCode(code))) {
    return new ConnectionError(`Connection to PostgreSQL failed: ${message}`, {
      sqlState: /^[0-9A-Z]{5}$/.test(code) ? code : undefined,
      driverError: error,
    })
  }
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) {
    return (code !== undefined && DRIVER_CODES.has(code)) || carriesStatement(error)
      ? driverFailure(error, code)
      : error
  }
  const details: DatabaseErrorDetails = {
    sqlState: code,
    table: str(e.table_name) ?? str(e.table),
    constraint: str(e.constraint_name) ?? str(e.constraint),
    column: str(e.column_name) ?? str(e.column),
    schema: str(e.schema_name) ?? str(e.schema),
    dataType: str(e.data_type_name) ?? str(e.dataType),
    routine: str(e.routine),
  }
  switch (code) {
    case '23505':
      return new UniqueViolationError(message, details, columnsFromDetail(str(e.detail)), error)
    case '23503':
      return new ForeignKeyViolationError(message, details, columnsFromDetail(str(e.detail)), error)
    case '23502':
      return new NotNullViolationError(message, details, error)
    case '23514':
      return new CheckViolationError(message, details, error)
    case '40001':
    case '40P01':
      return new SerializationFailureError(message, details, error)
    case '42501':
      return new InsufficientPrivilegeError(message, details, error)
    case '26000':
      // invalid_sql_statement_name: a prepared statement (the driver's, or an EXECUTE) is missing.
      return new PreparedStatementLostError(message, details, error)
    case '57014':
      // query_canceled: only the server's statement_timeout is a timeout; a user cancel is not.
      return /statement timeout/i.test(message)
        ? new StatementTimeoutError(message, details, error)
        : new DatabaseError(message, details, { driverError: error })
    default:
      return new DatabaseError(message, details, { driverError: error })
  }
}
