export { MigrationError, type MigrationErrorDetails } from './migration-error'
export {
  isNoTransaction,
  type MigrationFile,
  migrationChecksum,
  migrationStatements,
  readMigrations,
} from './migration-files'
export {
  type AppliedMigration,
  type ChangedMigration,
  type DownOptions,
  down,
  MIGRATION_LOCK_KEY,
  type MigrateOptions,
  type MigrationDatabase,
  type MigrationProgressEvent,
  type MigrationResult,
  type MigrationStatus,
  type MigrationStep,
  migrate,
  type StatusOptions,
  status,
  type ToOptions,
  to,
} from './migration-runner'
export { leadingKeyword, type SqlStatement, splitSqlStatements } from './split-statements'
