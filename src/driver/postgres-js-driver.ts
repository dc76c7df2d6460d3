import {
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Driver,
  IdentifierNode,
  type QueryCompiler,
  type QueryResult,
  RawNode,
  type TransactionSettings,
} from 'kysely'
import type postgres from 'postgres'
import { ConnectionError } from '../errors/database-errors'
import { mapDatabaseError } from '../errors/map-database-error'

/** Configuration of {@link PostgresJsDriver} and {@link PostgresJsDialect}. */
export interface PostgresJsDialectConfig {
  /** The postgres.js client whose pool runs the statements. */
  readonly sql: postgres.Sql<any>
  /** When true, `destroy()` (and so `Kysely.destroy()`) ends the client's pool. Default false. */
  readonly ownsClient?: boolean
}

const SCRIPTS = new WeakSet<CompiledQuery>()

/**
 * Marks a parameterless compiled query as a script of several statements (DDL, migrations): it
 * is sent with the simple query protocol, unprepared. Every other statement runs prepared.
 *
 * @example
 * ```ts
 * await kysely.executeQuery(asScript(CompiledQuery.raw('CREATE TABLE a (x int); CREATE TABLE b (y int)')))
 * ```
 */
export function asScript<Q extends CompiledQuery>(query: Q): Q {
  if (query.parameters.length > 0) throw new Error('A script cannot have parameters')
  SCRIPTS.add(query)
  return query
}

const COUNTED_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

/** The part of postgres.js's internal connection object that tells when its socket closed. */
interface RawConnection {
  onclose: ((error: unknown) => void) | null
}

/**
 * A Kysely connection handle. Until a transaction begins on it, every statement runs on the shared
 * postgres.js pool; from `begin` until it is released, on one reserved connection.
 */
class PostgresJsConnection implements DatabaseConnection {
  readonly #pool: postgres.Sql<any>
  #reserved: postgres.ReservedSql<any> | undefined
  #raw: RawConnection | undefined
  // postgres.js 3.4 hangs, then throws an uncaught TypeError, on a reserved connection whose
  // socket closed, and releasing one poisons the pool (porsager/postgres#1199, #1208): once
  // closed, it is neither used nor released (the pool reconnects it by itself).
  #closed = false

  constructor(pool: postgres.Sql<any>) {
    this.#pool = pool
  }

  /** True once the reserved connection of a transaction has been lost. */
  get closed(): boolean {
    return this.#closed
  }

  #target(): postgres.Sql<any> {
    if (this.#closed) throw new ConnectionError('The connection of this transaction was closed')
    return this.#reserved ?? this.#pool
  }

  #fail(error: unknown): unknown {
    const mapped = mapDatabaseError(error)
    if (this.#reserved !== undefined && mapped instanceof ConnectionError) this.#closed = true
    return mapped
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#target()
    try {
      const result = await target.unsafe(
        compiledQuery.sql,
        compiledQuery.parameters as any[],
        {
          prepare: true,
          // postgres.js would send a statement without parameters unprepared (simple protocol):
          // only an explicit script (several statements) goes that way.
          simple: SCRIPTS.has(compiledQuery),
        } as postgres.UnsafeQueryOptions,
      )
      const rows = result as unknown as R[]
      return COUNTED_COMMANDS.has(result.command)
        ? { rows, numAffectedRows: BigInt(result.count) }
        : { rows }
    } catch (error) {
      throw this.#fail(error)
    }
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error('chunkSize must be a positive integer')
    }
    const query = this.#target().unsafe(
      compiledQuery.sql,
      compiledQuery.parameters as any[],
      {
        prepare: true,
        simple: false,
      } as postgres.UnsafeQueryOptions,
    )
    try {
      for await (const rows of query.cursor(chunkSize)) yield { rows: rows as unknown as R[] }
    } catch (error) {
      throw this.#fail(error)
    }
  }

  /** Reserves a connection of the pool and runs `statement` (a BEGIN) on it. */
  async begin(statement: string): Promise<void> {
    if (this.#reserved !== undefined) throw new Error('A transaction is already open')
    try {
      this.#reserved = await this.#pool.reserve()
      // `onexecute` (used by postgres.js's own sql.begin) hands over the internal connection.
      const onexecute = (raw: RawConnection) => {
        this.#raw = raw
        raw.onclose = () => {
          this.#closed = true
        }
        return true
      }
      await this.#reserved.unsafe(statement, [], { prepare: true, onexecute } as {})
    } catch (error) {
      const mapped = this.#fail(error)
      this.release()
      throw mapped
    }
  }

  /** Gives the reserved connection, if any and still open, back to the pool. */
  release(): void {
    const reserved = this.#reserved
    if (this.#raw !== undefined) this.#raw.onclose = null
    this.#reserved = this.#raw = undefined
    if (!this.#closed) reserved?.release()
    this.#closed = false
  }
}

function asOwn(connection: DatabaseConnection): PostgresJsConnection {
  if (connection instanceof PostgresJsConnection) return connection
  throw new Error('Not a connection of this PostgresJsDriver')
}

async function runSavepointCommand(
  connection: DatabaseConnection,
  command: 'savepoint' | 'rollback to' | 'release',
  name: string,
  compileQuery: QueryCompiler['compileQuery'],
): Promise<void> {
  // IdentifierNode quotes the name, as Kysely's own parseSavepointCommand does.
  const node = RawNode.createWithChildren([
    RawNode.createWithSql(`${command} `),
    IdentifierNode.create(name),
  ])
  await connection.executeQuery(compileQuery(node, createQueryId()))
}

/**
 * Kysely driver on a postgres.js client. Plain statements run on the client's shared pool (no
 * connection is held between them); a connection is reserved only for a transaction, from
 * `begin` to commit or rollback. Every statement is prepared (postgres.js caches prepared
 * statements per connection by their text). Driver errors are mapped by `mapDatabaseError`.
 *
 * `db.connection()` therefore does not pin a session: use a transaction for anything that must
 * run on one connection (session `SET`, temporary tables, advisory session locks).
 *
 * @example
 * ```ts
 * const driver = new PostgresJsDriver({ sql: postgres(url) })
 * const conn = await driver.acquireConnection()
 * const { rows } = await conn.executeQuery(CompiledQuery.raw('select 1 as one'))
 * await driver.releaseConnection(conn)
 * ```
 */
export class PostgresJsDriver implements Driver {
  readonly #sql: postgres.Sql<any>
  readonly #ownsClient: boolean

  constructor(config: PostgresJsDialectConfig) {
    this.#sql = config.sql
    this.#ownsClient = config.ownsClient ?? false
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PostgresJsConnection(this.#sql)
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    let statement = 'start transaction'
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`
    if (settings.accessMode) statement += ` ${settings.accessMode}`
    await asOwn(connection).begin(statement)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A lost session has no transaction left to roll back.
    if (asOwn(connection).closed) return
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, 'savepoint', savepointName, compileQuery)
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, 'rollback to', savepointName, compileQuery)
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, 'release', savepointName, compileQuery)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    asOwn(connection).release()
  }

  async destroy(): Promise<void> {
    if (this.#ownsClient) await this.#sql.end()
  }
}
