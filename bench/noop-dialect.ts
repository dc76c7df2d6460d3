import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely'

/** What a {@link noopKysely} saw: compilations and the last statement it was asked to run. */
export interface NoopStats {
  compiles: number
  executed: number
  last: CompiledQuery | undefined
}

/**
 * A Kysely instance on a driver that runs nothing (every statement returns no rows) and whose
 * compiler counts compilations: S8 measures what building and compiling cost without a database,
 * and whether a call compiles at all.
 */
export function noopKysely<DB>(): { kysely: Kysely<DB>; stats: NoopStats } {
  const stats: NoopStats = { compiles: 0, executed: 0, last: undefined }
  class CountingCompiler extends PostgresQueryCompiler {
    override compileQuery(...args: Parameters<PostgresQueryCompiler['compileQuery']>) {
      stats.compiles++
      return super.compileQuery(...args)
    }
  }
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      stats.executed++
      stats.last = query
      return { rows: [] }
    },
    async *streamQuery() {},
  }
  class CapturingDriver extends DummyDriver {
    override async acquireConnection(): Promise<DatabaseConnection> {
      return connection
    }
  }
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new CapturingDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new CountingCompiler(),
  }
  return { kysely: new Kysely<DB>({ dialect }), stats }
}
