import {
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  type DatabaseErrorDetails,
  ForeignKeyViolationError,
  InsufficientPrivilegeError,
  NotNullViolationError,
  SerializationFailureError,
  StatementTimeoutError,
  UniqueViolationError,
} from './database-errors'
import { KyselyEntitiesError } from './kysely-entities-error'

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
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
])

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
 * classes. Errors that are already ours pass through; anything unrecognised is returned as is.
 */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof KyselyEntitiesError || typeof error !== 'object' || error === null) {
    return error
  }
  const e = error as DriverError
  const code = str(e.code)
  const message = redactValues(str(e.message) ?? 'Database error', code)
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return new ConnectionError(`Connection to PostgreSQL failed: ${message}`, { cause: error })
  }
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return error
  const details: DatabaseErrorDetails = {
    sqlState: code,
    table: str(e.table_name) ?? str(e.table),
    constraint: str(e.constraint_name) ?? str(e.constraint),
    column: str(e.column_name) ?? str(e.column),
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
    case '57014':
      // query_canceled: only the server's statement_timeout is a timeout; a user cancel is not.
      return /statement timeout/i.test(message)
        ? new StatementTimeoutError(message, details, error)
        : new DatabaseError(message, details, { cause: error })
    default:
      return new DatabaseError(message, details, { cause: error })
  }
}
