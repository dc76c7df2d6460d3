export { createTestDatabase, type TestDatabase } from './create-test-database'
export {
  freePort,
  type PostgresServer,
  PostgresStartError,
  type StartPostgresOptions,
  startPostgres,
} from './start-postgres'
