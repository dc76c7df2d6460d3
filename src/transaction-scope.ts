import type { AccessMode, ControlledTransaction, IsolationLevel, Kysely } from 'kysely'
import { TransactionClosedError } from './errors/kysely-entities-error'
import { mapDatabaseError } from './errors/map-database-error'

/**
 * One level of a transaction: the outermost one (depth 1) or a savepoint inside it. The handle
 * given to that level's callback refuses work once its scope has ended, and while a nested
 * transaction of it runs (`busy`).
 *
 * @example
 * ```ts
 * { ended: false, busy: false, depth: 1, trx, savepoints: 0 } // an outermost transaction, just begun
 * ```
 */
export interface TransactionScope {
  ended: boolean
  busy: boolean
  readonly depth: number
  readonly trx: ControlledTransaction<any, string[]>
  /** How many savepoints this level has opened: the last part of their names. */
  savepoints: number
}

/**
 * Makes the handle that a transaction level's callback receives (a `Database` on `trx`).
 *
 * @example
 * ```ts
 * const open: OpenHandle<Database<T>> = (trx, scope) => new Database(trx, tables, root, scope)
 * ```
 */
export type OpenHandle<H> = (
  trx: ControlledTransaction<any, string[]>,
  scope: TransactionScope,
) => H

/**
 * Throws {@link TransactionClosedError} when the handle of `scope` cannot take work: its
 * transaction has ended, or a nested transaction of it is running. No scope (the root handle) passes.
 *
 * @example
 * ```ts
 * assertScopeOpen(undefined) // passes: not a transaction handle
 * assertScopeOpen({ ...scope, ended: true }) // throws TransactionClosedError
 * ```
 */
export function assertScopeOpen(scope: TransactionScope | undefined): void {
  if (scope === undefined) return
  if (scope.ended) throw new TransactionClosedError()
  if (scope.busy) {
    throw new TransactionClosedError(
      'This transaction has a nested transaction running: use the handle that nested transaction received',
    )
  }
}

/**
 * Runs `fn` on the handle of `scope`, then ends the scope either way: `commit` when `fn` returns,
 * `rollback` when it (or `commit`) throws; the error is rethrown mapped to this package's classes.
 */
async function runInScope<H, R>(
  scope: TransactionScope,
  open: OpenHandle<H>,
  fn: (tx: H) => Promise<R>,
  end: { readonly commit: () => Promise<unknown>; readonly rollback: () => Promise<unknown> },
): Promise<R> {
  const tx = open(scope.trx, scope)
  try {
    const result = await fn(tx)
    scope.ended = true
    await end.commit()
    return result
  } catch (error) {
    scope.ended = true
    await end.rollback()
    throw mapDatabaseError(error)
  }
}

/**
 * One attempt of an outermost transaction: begin (with the settings given), `fn`, commit; or
 * rollback and rethrow.
 *
 * @example
 * ```ts
 * await runTransaction(kysely, 'serializable', undefined, open, (tx) => tx.raw('...'))
 * // begin isolation level serializable; ...; commit
 * ```
 */
export async function runTransaction<H, R>(
  kysely: Kysely<any>,
  isolationLevel: IsolationLevel | undefined,
  accessMode: AccessMode | undefined,
  open: OpenHandle<H>,
  fn: (tx: H) => Promise<R>,
): Promise<R> {
  let builder = kysely.startTransaction()
  if (isolationLevel !== undefined) builder = builder.setIsolationLevel(isolationLevel)
  if (accessMode !== undefined) builder = builder.setAccessMode(accessMode)
  let trx: ControlledTransaction<any, string[]>
  try {
    trx = (await builder.execute()) as ControlledTransaction<any, string[]>
  } catch (error) {
    throw mapDatabaseError(error)
  }
  const scope: TransactionScope = { ended: false, busy: false, depth: 1, trx, savepoints: 0 }
  return runInScope(scope, open, fn, {
    commit: () => trx.commit().execute(),
    rollback: async () => {
      if (!trx.isCommitted && !trx.isRolledBack) {
        await trx
          .rollback()
          .execute()
          .catch(() => {})
      }
    },
  })
}

/**
 * A nested transaction of `scope`: a savepoint, released when `fn` returns and rolled back to
 * when it throws. One at a time: `scope`'s own handle is busy meanwhile.
 *
 * @example
 * ```ts
 * await runSavepoint(scope, open, (inner) => inner.raw('...'))
 * // SAVEPOINT ke_sp_1_1; ...; RELEASE SAVEPOINT ke_sp_1_1
 * ```
 */
export async function runSavepoint<H, R>(
  scope: TransactionScope,
  open: OpenHandle<H>,
  fn: (tx: H) => Promise<R>,
): Promise<R> {
  if (scope.busy) {
    throw new TransactionClosedError(
      'A nested transaction is already running on this transaction: await it before starting another',
    )
  }
  // Our own counter, never user input, names the savepoint.
  const name = `ke_sp_${scope.depth}_${++scope.savepoints}`
  scope.busy = true
  try {
    const sp = (await scope.trx.savepoint(name).execute()) as ControlledTransaction<any, string[]>
    const child: TransactionScope = {
      ended: false,
      busy: false,
      depth: scope.depth + 1,
      trx: sp,
      savepoints: 0,
    }
    return await runInScope(child, open, fn, {
      commit: () => (sp as any).releaseSavepoint(name).execute(),
      rollback: () => (sp as any).rollbackToSavepoint(name).execute(),
    })
  } finally {
    scope.busy = false
  }
}
