import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'
import { Database, type TableRecord } from '../../src/index'

/**
 * A `Database` for unit tests (`Database.fromKysely` on a driver that never connects): it
 * records every statement sent (text and parameters) and answers each with the rows queued by
 * `respond`, in order, or none. What a helper built on `Database` sends, exactly, without a server.
 */
export function captureDatabase<T extends TableRecord>(tables: T) {
  const sent: { sql: string; parameters: readonly unknown[] }[] = []
  const responses: QueryResult<unknown>[] = []
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      sent.push({ sql: query.sql, parameters: query.parameters })
      return (responses.shift() ?? { rows: [] }) as QueryResult<R>
    },
    // biome-ignore lint/correctness/useYield: streaming is not used by these tests
    async *streamQuery() {
      throw new Error('streamQuery is not captured')
    },
  }
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return connection
    },
    async beginTransaction() {
      sent.push({ sql: 'begin', parameters: [] })
    },
    async commitTransaction() {
      sent.push({ sql: 'commit', parameters: [] })
    },
    async rollbackTransaction() {
      sent.push({ sql: 'rollback', parameters: [] })
    },
    async releaseConnection() {},
    async destroy() {},
  }
  const kysely = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  })
  return {
    db: Database.fromKysely(kysely, { tables }),
    sent,
    /** Queues the rows (and affected count) of the next statement's answer. */
    respond(rows: Record<string, unknown>[], numAffectedRows?: bigint) {
      responses.push(numAffectedRows === undefined ? { rows } : { rows, numAffectedRows })
    },
  }
}
