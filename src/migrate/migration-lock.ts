import { createHash } from 'node:crypto'
import type { MigrationDatabase } from './migration-database'

// Design of the runner's locking:
//
// - Every migration runs in a read-committed transaction of its own that first takes the
//   transaction-level advisory lock MIGRATION_LOCK_KEY, then re-reads `schema_migrations` and
//   decides there whether the migration is still to do; its statements and its row insert (or
//   delete) commit together, and the commit releases the lock. The pool pins no session outside a
//   transaction, so a session-level lock held for a whole run would have no connection to live on.
// - Two runners therefore interleave migration by migration, never inside one: each migration is
//   applied once, by whichever runner locks first; the other sees the row and skips it. The creation
//   of `schema_migrations` happens under the same lock, so it cannot race either.
// - The lock is taken with pg_try_advisory_xact_lock, retried with backoff in a new transaction,
//   never with a blocking wait: see withMigrationLock for the CREATE INDEX CONCURRENTLY deadlock a
//   blocked waiter would cause.
// - A no-transaction migration keeps the lock transaction open (idle, without a snapshot) while its
//   statements run one by one through `executeScript` on other pooled connections, and records the
//   version in that transaction at the end.

/**
 * The key of the advisory lock that serialises migration runners on a database: the first 8 bytes
 * of SHA-256(`'kysely-entities:migrations'`) as a signed bigint, so it does not collide with small
 * keys an application uses.
 *
 * @example
 * ```ts
 * await db.raw(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ${MIGRATION_LOCK_KEY & 0xffffffffn}`)
 * // the session applying a migration right now, if any
 * ```
 */
export const MIGRATION_LOCK_KEY: bigint = createHash('sha256')
  .update('kysely-entities:migrations')
  .digest()
  .readBigInt64BE(0)

const NOT_LOCKED = Symbol('not locked')

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/**
 * Runs `fn` in a read-committed transaction that holds the migration advisory lock.
 *
 * Why a try-lock in a loop rather than a blocking `pg_advisory_xact_lock`: a runner blocked on the
 * lock sits inside a statement, holding a snapshot, and `CREATE INDEX CONCURRENTLY` run by the
 * lock's holder waits for every transaction with an older snapshot to end. The holder would wait
 * for its index, the index for the waiting runner, the runner for the holder: a deadlock that
 * PostgreSQL cannot see (one edge runs through the client). A waiting runner here only ever holds
 * a snapshot for a moment, and ends its transaction between attempts.
 *
 * Why read committed: the caller re-reads `schema_migrations` after the lock is taken, and must see
 * what the previous holder committed. A repeatable-read snapshot would date from the lock
 * statement itself, taken before the lock was granted.
 *
 * @example
 * ```ts
 * const applied = await withMigrationLock(db, (tx) => tx.raw('SELECT version FROM schema_migrations'))
 * // begin isolation level read committed; SELECT pg_try_advisory_xact_lock(...) AS locked; SELECT version ...; commit
 * ```
 */
export async function withMigrationLock<R>(
  db: MigrationDatabase,
  fn: (tx: MigrationDatabase) => Promise<R>,
): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await db.transaction(
      async (tx) => {
        const [row] = await tx.raw<{ locked: boolean }>(
          `SELECT pg_try_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint) AS locked`,
        )
        if (row?.locked !== true) return NOT_LOCKED
        return { value: await fn(tx) }
      },
      // On a transaction handle this is a savepoint, which runs with its parent's settings.
      db.isTransaction === true ? {} : { isolationLevel: 'read committed' },
    )
    if (outcome !== NOT_LOCKED) return outcome.value
    // 10 ms, doubling to 250 ms, with jitter so two waiting runners do not poll in step.
    await sleep(Math.min(250, 10 * 2 ** attempt) * (0.5 + Math.random() / 2))
  }
}

/**
 * Lets go of the snapshot the lock transaction still holds, before statements run outside it.
 *
 * Why: after a statement sent with the extended protocol (prepared), PostgreSQL keeps its unnamed
 * portal, and the portal's snapshot, until the next one; `CREATE INDEX CONCURRENTLY` would wait for
 * that snapshot, that is for the lock transaction, which waits for the index: a deadlock. A
 * simple-protocol statement replaces the portal and drops its own at once, so the transaction then
 * sits idle with no snapshot (read committed keeps none between statements).
 *
 * @example
 * ```ts
 * await withMigrationLock(db, async (tx) => {
 *   await releaseSnapshot(tx) // SELECT 1, unprepared
 *   await db.executeScript('CREATE INDEX CONCURRENTLY ...') // on another connection, waits for nothing of ours
 * })
 * ```
 */
export async function releaseSnapshot(tx: MigrationDatabase): Promise<void> {
  await tx.executeScript('SELECT 1')
}
