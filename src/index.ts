/**
 * Tables, entities, managers, DTOs, the query builder, the driver, migrations and the drift
 * check: everything but the ContainerPub schema and the test helpers.
 *
 * ```ts
 * import { Database, Entity, c, defineDto, defineTable } from 'kysely-entities'
 * ```
 *
 * @module kysely-entities
 */

// Every public name, by name, from the module that defines it (in the order of those modules'
// paths). test/unit/public-api.test.ts holds the list: a name added or removed by accident fails.

// Kysely's `sql` tag (whereRaw, select, db.kysely), from your own Kysely: it is a peer dependency.
export { sql } from 'kysely'
// Database: connect or fromKysely, raw SQL, transactions, managers, close.
export {
  type ConnectOptions,
  Database,
  type FromKyselyOptions,
  type ManagerOf,
  type PoolerMode,
} from './database'
// The drift check: a live database compared with the definitions.
export type { CatalogExecutor } from './drift/catalog'
export type { SchemaCheckOptions, TableList } from './drift/compare-schema'
export {
  diffSchema,
  type SchemaDiff,
  type SchemaDiffOptions,
  type SchemaDiffStep,
} from './drift/diff-schema'
export {
  ISSUE_KINDS,
  type IssueKind,
  NOTE_KINDS,
  type NoteKind,
  type SchemaIssue,
  type SchemaNote,
  type SchemaValidationResult,
} from './drift/schema-issue'
export { formatSchemaReport, type SchemaReportOptions } from './drift/schema-report'
export { validateSchema } from './drift/validate-schema'
// The postgres.js driver: a Kysely dialect, and a client with this package's value conventions.
export { createPostgresClient, type PostgresClientOptions } from './driver/postgres-js-client'
export { PostgresJsDialect } from './driver/postgres-js-dialect'
export {
  asScript,
  type CloseOptions,
  type PostgresJsDialectConfig,
  PostgresJsDriver,
  type StatementUse,
} from './driver/postgres-js-driver'
// DTOs: what leaves the server, without internal ids or secrets.
export { defineDto } from './dto/define-dto'
export type { AnyDto, ContextArgs, Dto, DtoContext, DtoOutput } from './dto/dto'
export { DtoDefinitionError } from './dto/dto-definition-error'
export {
  type AnyDtoField,
  type ComputeSource,
  type DtoField,
  dtoField,
  type FieldPredicate,
  type FieldSpec,
  type PropertySource,
  type RefSource,
  type RelationSource,
} from './dto/dto-field'
export type {
  DtoFields,
  DtoFieldsContext,
  DtoFieldsNeeds,
  DtoOf,
  DtoOutputOf,
  PublicProperty,
} from './dto/dto-types'
export type { Jsonify } from './dto/json-output'
// Entities: fromMap, toMap, copyWith, validation.
export {
  type AnyEntityClass,
  Entity,
  type EntityClass,
  type EntityConstructor,
  type EntityMethods,
  type EntityOf,
  type EntityStatics,
  type TableOfEntity,
} from './entity/entity'
export { EntityValidationError, type ValidationIssue } from './entity/entity-validation-error'
// Errors: each a KyselyEntitiesError with a stable `code`.
export {
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  type DatabaseErrorDetails,
  ForeignKeyViolationError,
  InsufficientPrivilegeError,
  NotNullViolationError,
  PoolTimeoutError,
  PreparedStatementLostError,
  SerializationFailureError,
  StatementTimeoutError,
  UniqueViolationError,
} from './errors/database-errors'
export {
  DatabaseClosedError,
  type ErrorCode,
  InvalidDefinitionError,
  InvalidQueryError,
  KyselyEntitiesError,
  MissingParameterError,
  NotFoundError,
  TransactionClosedError,
  UnsupportedOperationError,
} from './errors/kysely-entities-error'
export { QueryDeadlineError } from './errors/query-deadline-error'
export { UnsupportedPluginError } from './errors/unsupported-plugin-error'
export { UnsupportedServerError } from './errors/unsupported-server-error'
// Database.fromKysely's `allowPlugins`.
export type { KyselyPluginClass } from './kysely-plugins'
// Managers: finders, writes, batches, upserts, pages, relations.
export type { BatchInsertOptions } from './manager/batch-insert'
export {
  type CursorOptions,
  type CursorPage,
  EntityManager,
  type EntityManagerOptions,
  type FindOptions,
  type PaginateOptions,
  type RequiredWhere,
  type WriteOptions,
} from './manager/entity-manager'
export type { BatchRows } from './manager/row-chunks'
export type { UpsertOptions } from './manager/upsert'
export type { MigrationDatabase } from './migrate/migration-database'
// Migrations: NNN_name.up.sql / .down.sql files.
export { MigrationError, type MigrationErrorDetails } from './migrate/migration-error'
export { type MigrationFile, readMigrations } from './migrate/migration-files'
export type { AppliedMigration } from './migrate/migration-history'
export { MIGRATION_LOCK_KEY } from './migrate/migration-lock'
export type {
  DownOptions,
  MigrateOptions,
  StatusOptions,
  ToOptions,
} from './migrate/migration-options'
export type {
  MigrationProgressEvent,
  MigrationResult,
  MigrationStep,
} from './migrate/migration-result'
export { down, migrate, to } from './migrate/migration-runner'
export { type ChangedMigration, type MigrationStatus, status } from './migrate/migration-status'
// Observability: statement and transaction events, pool stats (spans go through OpenTelemetry).
export type { DatabaseStats, PoolStats } from './observability/pool-stats'
export {
  type ConnectionRole,
  type DatabaseEventListener,
  type DatabaseEventName,
  type DatabaseEvents,
  type QueryEvent,
  type QueryEventError,
  type QueryOutcome,
  REDACTED,
  type TransactionEvent,
  type TransactionOutcome,
} from './observability/query-event'
// Read replicas: Database.connect({ replicas }), db.replicas(), onReplicaEvent.
export type { ReplicaEvent } from './observability/replica-event'
// pull: an existing database becomes table definitions.
export {
  type PullOptions,
  type PullResult,
  type PullSkipped,
  pullSchema,
} from './pull/pull-schema'
// Queries: keyset cursors, the query builder, raw SQL's named parameters, where input, relations.
export { CursorCodec, type CursorShape } from './query/cursor'
export { type CompiledSql, EntityQuery, type EntityQueryOptions } from './query/entity-query'
export type { ExecuteResult, QueryExecutor } from './query/executor'
export type { KeyLookup, LookupCoalescer, LookupCoalescerOptions } from './query/lookup-coalescer'
export { namedToPositional } from './query/named-parameters'
export type { Page, QueryPaginateOptions } from './query/page'
export { MAX_LIMIT, MAX_OFFSET, type OrderDirection } from './query/query-options'
export { loadRelation, type RelationLoadOptions } from './query/relation-loader'
export type {
  LoadedRelations,
  Related,
  RelationName,
  RelationNameOf,
  RelationsOf,
  WithRelation,
} from './query/relation-types'
export type { ColumnRef, OutputNameOf, SelectItem } from './query/selection'
export {
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  type ComparisonOperatorInput,
} from './query/sql-operator'
export { compileWhere, type WhereClause } from './query/where-clause'
export {
  type CompileWhereOptions,
  MAX_WHERE_CONDITIONS,
  MAX_WHERE_DEPTH,
  MAX_WHERE_LIST,
  MAX_WHERE_VALUES,
} from './query/where-compiler'
export type {
  ColumnOperators,
  ColumnWhere,
  ContainsOperator,
  EqualityOperators,
  ListOperators,
  PatternOperators,
  RangeOperators,
  WhereAll,
  WhereInput,
} from './query/where-input'
// Read replicas: Database.connect({ replicas }), Database.fromKysely(kysely, { replicas }),
// db.replicas().
export type { FromKyselyReplicaOptions } from './replicas/kysely-replicas'
export type { ReplicaStatus } from './replicas/replica-event'
export type {
  ReadYourWrites,
  ReplicaConnectOptions,
  ReplicaOptions,
  ReplicaTuningOptions,
} from './replicas/replica-options'
// db.withContext's settings and role.
export type { RequestContext } from './request-context'
// Tables: column builders, defineTable, relations, the types derived from a table, DDL.
export {
  type AnyColumnBuilder,
  ColumnBuilder,
  type ColumnConfig,
  type ColumnDefault,
  type ColumnKind,
  type ColumnReference,
  type ColumnState,
  type ColumnTarget,
  type DefaultRandomOptions,
  type ReferentialAction,
  type SetState,
  type StateOf,
} from './schema/column-builder'
// The column-type registry: what each column kind means.
export {
  type Clock,
  COLUMN_TYPES,
  type ColumnType,
  type ColumnTypes,
  type DefaultComparison,
  type IntegerKind,
  type KindsWith,
  type WhereFamily,
} from './schema/column-types'
export type { PlainValue } from './schema/column-value-schema'
export {
  type ColumnBuilderOf,
  type ColumnFactory,
  column as c,
  column,
  type JsonValue,
} from './schema/columns'
export { defineTable, type IndexInput, type TableOptions } from './schema/define-table'
export { type GenerateDDLOptions, generateDDL, generateDDLStatements } from './schema/generate-ddl'
export type { IndexColumnInput, IndexOptions } from './schema/index-shape'
export {
  type ManyToManyOptions,
  type RelationBuilder,
  type RelationOptions,
  relationBuilder,
} from './schema/relations'
export type {
  AnyTable,
  CheckDefinition,
  Column,
  ColumnBuilders,
  IndexDefinition,
  IndexKey,
  IndexMethod,
  RelationDefinition,
  RelationKind,
  RelationRecord,
  RelationTarget,
  Table,
  TableBase,
  TableColumns,
  TableMeta,
  UniqueDefinition,
} from './schema/table'
export type {
  ColumnNameOf,
  ColumnsOf,
  EntityProps,
  InsertProps,
  KyselyDatabase,
  KyselyTable,
  PropertyOf,
  PublicPropertyOf,
  RowOf,
  SqlNameOf,
  TableRecord,
  UpdateProps,
  ValueOf,
} from './schema/table-types'
// What the server has by its version (db.serverFeatures()), and the check that refuses early.
export {
  FEATURE_VERSIONS,
  requireFeature,
  type ServerFeature,
  type ServerFeatures,
} from './server-features'
// db.transaction's options, and its retries.
export type { TransactionOptions, WithContextOptions } from './transaction-options'
export type { RetryDelay, RetryEvent } from './transaction-retry'
// Version 7 uuids made in the process, for ids needed before an insert is sent.
export { randomUuidV7 } from './values/uuid-v7'
