export { DEFAULT_CLOSE_TIMEOUT, DEFAULT_POOL_TIMEOUT, PIPELINE_DEPTH } from './connection-gate'
export { createPostgresClient, type PostgresClientOptions } from './postgres-js-client'
export { PostgresJsDialect } from './postgres-js-dialect'
export {
  asScript,
  type CloseOptions,
  type PostgresJsDialectConfig,
  PostgresJsDriver,
  type StatementUse,
} from './postgres-js-driver'
