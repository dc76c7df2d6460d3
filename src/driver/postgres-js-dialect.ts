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
import {
  type CloseOptions,
  type PostgresJsDialectConfig,
  PostgresJsDriver,
} from './postgres-js-driver'

/**
 * Kysely dialect for PostgreSQL through postgres.js: Kysely's own PostgreSQL compiler, adapter
 * and introspector on a {@link PostgresJsDriver}, which runs plain statements on the shared pool
 * and reserves a connection only for transactions. At most the client's `max` statements and
 * transactions use the pool at once; others wait in the driver, at most `poolTimeout` ms.
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
  #driver: PostgresJsDriver | undefined

  constructor(config: PostgresJsDialectConfig) {
    this.#config = { ...config }
  }

  /**
   * The driver made for the Kysely instance of this dialect (undefined until Kysely made it).
   * `Database` runs its plain statements straight on it.
   */
  get driver(): PostgresJsDriver | undefined {
    return this.#driver
  }

  createDriver(): Driver {
    this.#driver = new PostgresJsDriver(this.#config)
    return this.#driver
  }

  /**
   * Closes the driver of the Kysely instance made with this dialect gracefully (see
   * {@link PostgresJsDriver.close}): new statements are refused at once, running ones get up to
   * `timeout` ms to finish. Call `kysely.destroy()` afterwards as usual.
   *
   * @example
   * ```ts
   * const dialect = new PostgresJsDialect({ sql, ownsClient: true, poolTimeout: 5_000 })
   * const db = new Kysely<DB>({ dialect })
   * // ... on shutdown:
   * await dialect.close({ timeout: 10_000 })
   * await db.destroy()
   * ```
   */
  async close(options?: CloseOptions): Promise<void> {
    await this.#driver?.close(options)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  /**
   * Kysely's PostgreSQL introspector, for table and column metadata. `db` is the Kysely
   * instance without its plugins (`kysely.withoutPlugins()`), as Kysely passes it.
   */
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}
