import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
} from 'kysely'
import { type PostgresJsDialectConfig, PostgresJsDriver } from './postgres-js-driver'

/**
 * Kysely dialect for PostgreSQL through postgres.js: Kysely's own PostgreSQL compiler, adapter
 * and introspector on a {@link PostgresJsDriver}, which runs plain statements on the shared pool
 * and reserves a connection only for transactions.
 *
 * @example
 * ```ts
 * const sql = createPostgresClient({ url: process.env.DATABASE_URL })
 * const db = new Kysely<DB>({ dialect: new PostgresJsDialect({ sql, ownsClient: true }) })
 * await db.selectFrom('users').selectAll().execute()
 * await db.destroy() // ends the pool because ownsClient is true
 * ```
 */
export class PostgresJsDialect implements Dialect {
  readonly #config: PostgresJsDialectConfig

  constructor(config: PostgresJsDialectConfig) {
    this.#config = { ...config }
  }

  createDriver(): Driver {
    return new PostgresJsDriver(this.#config)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}
