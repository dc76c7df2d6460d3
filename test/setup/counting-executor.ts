import type { QueryExecutor } from '../../src/index'

/**
 * Wraps an executor (a Database or a tx) and records the text of every statement run through
 * it, so a test can assert how many statements an operation sends.
 */
export function countingExecutor(inner: QueryExecutor) {
  const statements: string[] = []
  const executor: QueryExecutor = {
    get kysely() {
      return inner.kysely
    },
    get cursors() {
      return inner.cursors
    },
    execute: (query) => {
      statements.push(query.sql)
      return inner.execute(query)
    },
    executeRead: (query) => {
      statements.push(query.sql)
      return inner.executeRead(query)
    },
    raw: (text, params) => {
      statements.push(text)
      return inner.raw(text, params)
    },
    transaction: (fn) => inner.transaction(fn),
    table: (name) => inner.table(name),
    entityClass: (table) => inner.entityClass(table),
  }
  return { executor, statements }
}
