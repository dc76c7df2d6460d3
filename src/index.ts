export { sql } from 'kysely'
export { type ConnectOptions, Database, type TransactionOptions } from './database'
export {
  createPostgresClient,
  type PostgresClientOptions,
  PostgresJsDialect,
  type PostgresJsDialectConfig,
  PostgresJsDriver,
} from './driver/index'
export * from './entity/index'
export * from './errors/index'
export {
  bindNamedParameters,
  type CompiledNamedSql,
  compileNamedSql,
  namedToPositional,
} from './query/named-parameters'
export { column as c } from './schema/columns'
export * from './schema/index'
