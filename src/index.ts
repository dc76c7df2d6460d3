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
export { sql } from 'kysely'
export { type ConnectOptions, Database, type FromKyselyOptions } from './database'
export * from './drift/index'
export {
  asScript,
  type CloseOptions,
  createPostgresClient,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_POOL_TIMEOUT,
  PIPELINE_DEPTH,
  type PostgresClientOptions,
  PostgresJsDialect,
  type PostgresJsDialectConfig,
  PostgresJsDriver,
  type StatementUse,
} from './driver/index'
export * from './dto/index'
export * from './entity/index'
export * from './errors/index'
export type { KyselyPluginClass } from './kysely-plugins'
export * from './manager/index'
export * from './migrate/index'
export { CursorCodec } from './query/cursor'
export {
  type ColumnRef,
  type CompiledSql,
  EntityQuery,
  type EntityQueryOptions,
  type LoadedRelations,
  type OutputNameOf,
  type Page,
  type QueryPaginateOptions,
  type RelationNameOf,
  type SelectItem,
} from './query/entity-query'
export type { ExecuteResult, QueryExecutor } from './query/executor'
export {
  bindNamedParameters,
  type CompiledNamedSql,
  compileNamedSql,
  namedToPositional,
} from './query/named-parameters'
export * from './query/query-options'
export {
  loadRelation,
  type RelationLoadOptions,
  type ResolvedRelation,
  relationSql,
  resolveRelation,
} from './query/relation-loader'
export {
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  type ComparisonOperatorInput,
} from './query/sql-operator'
export {
  RELATION_PARENT_KEY,
  type RelationLink,
  TableStatements,
  tableStatements,
} from './query/table-statements'
export type { WhereText } from './query/where-compiler'
export * from './query/where-input'
export {
  compileRequestContext,
  type RequestContext,
  type RequestContextPlan,
  ROLE_NAME_RE,
  SETTING_NAME_RE,
} from './request-context'
export { column as c } from './schema/columns'
export * from './schema/index'
export type { TransactionOptions, WithContextOptions } from './transaction-options'
export {
  checkRetryOptions,
  DEFAULT_RETRY_DELAY,
  isRetryableTransactionError,
  MAX_RETRIES,
  type RetryDelay,
  type RetryEvent,
  type RetryPlan,
  retryDelayMs,
  runWithRetries,
} from './transaction-retry'
