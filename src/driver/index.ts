export { createPostgresClient, type PostgresClientOptions } from './postgres-js-client'
export { PostgresJsDialect } from './postgres-js-dialect'
export { asScript, type PostgresJsDialectConfig, PostgresJsDriver } from './postgres-js-driver'
