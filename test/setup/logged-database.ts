import { Kysely } from 'kysely'
import { type AnyTable, createPostgresClient, Database, PostgresJsDialect } from '../../src/index'

/**
 * A Database on `url` whose every statement sent is pushed to `statements` (through Kysely's
 * log), for tests that check a refusal sent nothing.
 */
export function loggedDatabase<T extends Record<string, AnyTable>>(
  url: string,
  tables: T,
  cursorSecret: string,
  statements: string[],
): Database<T> {
  const kysely = new Kysely<any>({
    dialect: new PostgresJsDialect({
      sql: createPostgresClient({ url, max: 2 }),
      ownsClient: true,
    }),
    log: (event) => {
      statements.push(event.query.sql)
    },
  })
  return Database.fromKysely(kysely, { tables, cursorSecret })
}
