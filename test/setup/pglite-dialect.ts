import type { PGlite, Results } from '@electric-sql/pglite'
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

// Commands whose tag carries the rows they changed (what Kysely reports as numAffectedRows).
const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/** The one connection of a PGlite instance, as Kysely's connection. */
class PGliteConnection implements DatabaseConnection {
  readonly #db: PGlite
  constructor(db: PGlite) {
    this.#db = db
  }
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters, the simple protocol (several statements allowed), as pg does: the
    // last statement's result is the result (db.executeScript sends DDL scripts this way).
    const result: Results<R> =
      query.parameters.length === 0
        ? (((await this.#db.exec(query.sql)).at(-1) as Results<R> | undefined) ?? {
            rows: [],
            fields: [],
          })
        : await this.#db.query<R>(query.sql, [...query.parameters])
    return COUNTED.has(result.command ?? '')
      ? { rows: result.rows, numAffectedRows: BigInt(result.rowCount ?? 0) }
      : { rows: result.rows }
  }
  // biome-ignore lint/correctness/useYield: a stream is refused before it starts
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the PGlite test dialect does not stream')
  }
}

/**
 * PGlite has one connection: a caller waits until the previous one released it, so that a
 * transaction's statements never interleave with another caller's.
 */
class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection
  readonly #db: PGlite
  #tail: Promise<void> = Promise.resolve()
  #release: (() => void) | undefined
  constructor(db: PGlite) {
    this.#db = db
    this.#connection = new PGliteConnection(db)
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail
    let release = () => {}
    this.#tail = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    this.#release = release
    return this.#connection
  }
  async releaseConnection(): Promise<void> {
    const release = this.#release
    this.#release = undefined
    release?.()
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    let statement = 'start transaction'
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) statement += ` ${settings.accessMode}`
    await connection.executeQuery(CompiledQuery.raw(statement))
  }
  async commitTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }
  async destroy(): Promise<void> {
    if (!this.#db.closed) await this.#db.close()
  }
}

/**
 * A Kysely dialect over a PGlite instance (PostgreSQL in WASM, in the process): Kysely's own
 * PostgreSQL compiler, adapter and introspector, and a driver for PGlite's single connection.
 * The published ones (`kysely-pglite-dialect` 1.3, peer PGlite below 0.5; `kysely-pglite` 0.6,
 * which brings a CLI and codegen along) do not fit PGlite 0.5 and this package's dev setup.
 *
 * @example
 * ```ts
 * const kysely = new Kysely<any>({ dialect: new PGliteDialect(await PGlite.create()) })
 * ```
 */
export class PGliteDialect implements Dialect {
  readonly #db: PGlite
  constructor(db: PGlite) {
    this.#db = db
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#db)
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
}
