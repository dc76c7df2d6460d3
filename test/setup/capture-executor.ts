import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely'
import { defaultEntityClass } from '../../src/entity/entity'
import { type AnyTable, CursorCodec, InvalidQueryError, type QueryExecutor } from '../../src/index'

/** Kysely that compiles PostgreSQL SQL and never connects. */
export function dummyKysely(): Kysely<any> {
  return new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  })
}

/**
 * A QueryExecutor for unit tests: records every statement (text and parameters) and answers
 * with the rows queued by `respond`, or none. No database.
 */
export function captureExecutor(tables: readonly AnyTable[]) {
  const kysely = dummyKysely()
  const byName = new Map(tables.map((t) => [t.$name, t]))
  const sent: { sql: string; parameters: readonly unknown[] }[] = []
  const responses: { rows: Record<string, unknown>[]; numAffectedRows?: bigint }[] = []
  // The text of each statement sent through executeRead (a pure read, which may be pipelined).
  const reads: string[] = []
  const executor: QueryExecutor = {
    kysely,
    cursors: new CursorCodec('unit tests'),
    async execute<R>(query: CompiledQuery<unknown>) {
      sent.push({ sql: query.sql, parameters: query.parameters })
      const next = responses.shift() ?? { rows: [] }
      return next as unknown as { rows: R[]; numAffectedRows?: bigint }
    },
    executeRead<R>(query: CompiledQuery<unknown>) {
      reads.push(query.sql)
      return executor.execute<R>(query)
    },
    async raw<R>(text: string, params: Readonly<Record<string, unknown>> = {}) {
      sent.push({ sql: text, parameters: Object.values(params) })
      return (responses.shift()?.rows ?? []) as R[]
    },
    transaction: (fn) => fn(executor),
    table(name) {
      const table = byName.get(name)
      if (table === undefined) throw new InvalidQueryError('table', `no table ${name}`)
      return table
    },
    entityClass: (table) => defaultEntityClass(table),
  }
  return {
    executor,
    sent,
    reads,
    respond(rows: Record<string, unknown>[], numAffectedRows?: bigint) {
      responses.push(numAffectedRows === undefined ? { rows } : { rows, numAffectedRows })
    },
    last() {
      return sent[sent.length - 1]
    },
  }
}
