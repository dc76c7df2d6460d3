import type { CompiledQuery, IsolationLevel } from 'kysely'

/**
 * What the runner needs of a database: a `Database` (from `Database.connect` or `fromKysely`), or
 * anything with the same methods. Statements of a transactional migration run through the `tx`
 * its `transaction` gives; those of a no-transaction migration through `executeScript`.
 *
 * On a transaction handle (`tx`), each migration is a savepoint of the caller's transaction, which
 * decides in the end; no-transaction migrations are refused there.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url: process.env.DATABASE_URL, tables: {} })
 * await migrate(db, { dir: 'migrations' }) // a Database is a MigrationDatabase
 * ```
 */
export interface MigrationDatabase {
  /** Raw SQL with `@named` parameters (the runner's own bookkeeping). */
  raw<R = Record<string, unknown>>(
    text: string,
    params?: Readonly<Record<string, unknown>>,
  ): Promise<R[]>
  /** Runs one compiled statement (prepared, on this handle). */
  execute<R>(query: CompiledQuery<unknown>): Promise<{ readonly rows: readonly R[] }>
  /** Runs SQL unprepared, outside any transaction when called on the root handle. */
  executeScript(text: string): Promise<void>
  /** Runs `fn` in a transaction on a connection of its own. */
  transaction<R>(
    fn: (tx: MigrationDatabase) => Promise<R>,
    options?: { readonly isolationLevel?: IsolationLevel },
  ): Promise<R>
  /** True on a transaction handle: no-transaction migrations cannot run there. */
  readonly isTransaction?: boolean
}
