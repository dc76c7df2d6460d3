import { KyselyEntitiesError } from '../errors/kysely-entities-error'

/**
 * What a {@link MigrationError} is about; every field is optional.
 * @example
 * ```ts
 * new MigrationError('Migration 003_x.up.sql failed', { file, version: 3, statement, line: 7, cause })
 * ```
 */
export interface MigrationErrorDetails {
  /** The path of the migration file at fault (the first of `files` when there are several). */
  readonly file?: string
  /** Every file at fault, e.g. all applied migrations whose checksum changed. */
  readonly files?: readonly string[]
  /** The version of the migration at fault. */
  readonly version?: number
  /** The failing statement, trimmed, as it was sent. */
  readonly statement?: string
  /** The 1-based line of the file where the failing statement starts. */
  readonly line?: number
  /** The underlying error, e.g. the `DatabaseError` PostgreSQL reported. */
  readonly cause?: unknown
}

/**
 * A migration folder that is not well formed (a malformed name, an up without a down, a gap, a
 * duplicate version), a migration that failed, or a database whose recorded history no longer
 * matches the files. Code `MIGRATION`. `file` names the file; for a failed statement, `statement`
 * is its text and `cause` the database error.
 *
 * @example
 * ```ts
 * try {
 *   await migrate(db, { dir: 'migrations' })
 * } catch (e) {
 *   if (e instanceof MigrationError) console.error(e.file, e.line, e.statement, e.cause)
 *   // /app/migrations/003_orders.up.sql 7 ALTER TABLE orders ADD COLUMN ... error: column "x" ...
 *   throw e
 * }
 * ```
 */
export class MigrationError extends KyselyEntitiesError {
  /** The path of the migration file at fault, when there is one. */
  readonly file: string | undefined
  /** Every file at fault (`file` is the first); empty when the error is about no file. */
  readonly files: readonly string[]
  /** The version of the migration at fault, when there is one. */
  readonly version: number | undefined
  /** The statement that failed, trimmed, when a statement failed. */
  readonly statement: string | undefined
  /** The 1-based line of its file where `statement` starts. */
  readonly line: number | undefined

  constructor(message: string, details: MigrationErrorDetails = {}) {
    super('MIGRATION', message, details.cause === undefined ? undefined : { cause: details.cause })
    const files = details.files ?? (details.file === undefined ? [] : [details.file])
    this.files = Object.freeze([...files])
    this.file = details.file ?? files[0]
    this.version = details.version
    this.statement = details.statement
    this.line = details.line
  }
}
