export { createTestDatabase, type TestDatabase } from './create-test-database'
export { PostgresStartError } from './postgres-start-error'
export {
  freePort,
  type PostgresServer,
  type StartPostgresOptions,
  startPostgres,
} from './start-postgres'
