import type { CompiledQuery, Kysely } from 'kysely'
import type { AnyEntityClass } from '../entity/entity'
import type { AnyTable } from '../schema/define-table'
import type { CursorCodec } from './cursor'
import type { ExecuteResult } from './execute-result'
import type { LookupCoalescer } from './lookup-coalescer'

export type { ExecuteResult } from './execute-result'

/**
 * What queries and managers need from a `Database` handle, the root one or a transaction's. A
 * manager runs every statement through the handle it was made from, so a manager from `tx` is in
 * that transaction and one from the root never is.
 */
export interface QueryExecutor {
  /** The Kysely instance of this handle (in a transaction: the transaction). */
  readonly kysely: Kysely<any>
  /** Runs a compiled statement on this handle, mapping driver errors to typed errors. */
  execute<R>(query: CompiledQuery<unknown>): Promise<ExecuteResult<R>>
  /**
   * Runs a statement that only reads (a finder's, a query's terminal): outside a transaction it
   * may be pipelined behind busy statements, and with replicas it goes to one (see
   * `Database.executeRead`).
   */
  executeRead<R>(query: CompiledQuery<unknown>): Promise<ExecuteResult<R>>
  /** Raw SQL with `@named` parameters on this handle. */
  raw<R = Record<string, unknown>>(
    text: string,
    params?: Readonly<Record<string, unknown>>,
  ): Promise<R[]>
  /** Runs `fn` in a transaction on this handle: a savepoint when it is already in one. */
  transaction<R>(fn: (executor: QueryExecutor) => Promise<R>): Promise<R>
  /** The served table with this SQL name; throws `InvalidQueryError` when there is none. */
  table(name: string): AnyTable
  /** Encrypts and checks keyset cursors (one key per database: `cursorSecret`). */
  readonly cursors: CursorCodec
  /** The entity class for rows of `table`: a registered subclass, else `Entity.of(table)`. */
  entityClass(table: AnyTable): AnyEntityClass
  /**
   * True when {@link copyIn} can run on this handle (a transaction of a `Database.connect` pool).
   * Absent means false.
   * @internal
   */
  readonly canCopy?: boolean
  /**
   * Runs a `copy ... from stdin` in this handle's transaction, sending `chunks` as its text data;
   * `onWritten` after each chunk is written. Resolves to the server's row count.
   * @internal
   */
  copyIn?(
    sql: string,
    chunks: AsyncIterable<string>,
    onWritten: () => void,
  ): Promise<number | undefined>
  /**
   * True on a public view (`db.public()`): managers and queries made on it treat secret and
   * internal columns as unknown in request input. Absent means false.
   */
  readonly publicOnly?: boolean
  /**
   * Coalesces the managers' point lookups (`findById`, `findByUuid`, `findOne` by a unique key)
   * made on this handle in the same tick into one statement per table and key (see
   * {@link LookupCoalescer}). Absent (or `Database.connect({ coalesceLookups: false })`): each
   * lookup is its own statement.
   */
  readonly lookups?: LookupCoalescer | undefined
}
