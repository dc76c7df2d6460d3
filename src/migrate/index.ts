export type { MigrationDatabase } from './migration-database'
export { MigrationError, type MigrationErrorDetails } from './migration-error'
export {
  isNoTransaction,
  type MigrationFile,
  migrationChecksum,
  migrationStatements,
  readMigrations,
} from './migration-files'
export type { AppliedMigration } from './migration-history'
export { MIGRATION_LOCK_KEY } from './migration-lock'
export type {
  DownOptions,
  MigrateOptions,
  StatusOptions,
  ToOptions,
} from './migration-options'
export type { MigrationProgressEvent, MigrationResult, MigrationStep } from './migration-result'
export { down, migrate, to } from './migration-runner'
export { type ChangedMigration, type MigrationStatus, status } from './migration-status'
export { leadingKeyword, type SqlStatement, splitSqlStatements } from './split-statements'
