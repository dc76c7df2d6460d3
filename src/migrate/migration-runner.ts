import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { CompiledQuery, type IsolationLevel } from 'kysely'
import { MigrationError } from './migration-error'
import { type MigrationFile, migrationStatements, readMigrations } from './migration-files'

// Design of the runner, and of its locking:
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

/**
 * A migration recorded in `schema_migrations`.
 *
 * @example
 * ```ts
 * (await status(db, { dir })).applied[0]
 * // { version: 1, name: 'create_users', checksum: '9f86d0…', appliedAt: 2025-01-01T10:00:00.000Z, durationMs: 12 }
 * ```
 */
export interface AppliedMigration {
  readonly version: number
  readonly name: string
  /** The checksum of the up file when it was applied. */
  readonly checksum: string
  readonly appliedAt: Date
  /** How long its statements took, in milliseconds (null when recorded by something else). */
  readonly durationMs: number | null
}

/**
 * An applied migration whose up file has changed since: `checksum` is the recorded one.
 *
 * @example
 * ```ts
 * for (const c of (await status(db, { dir })).changed) console.warn(`${c.file.upPath} edited after applying`)
 * ```
 */
export interface ChangedMigration extends AppliedMigration {
  /** The file as it is now (`file.checksum` differs from `checksum`). */
  readonly file: MigrationFile
}

/**
 * Where a database stands against a migrations folder.
 *
 * @example
 * ```ts
 * const s = await status(db, { dir: 'migrations' })
 * // { current: 2, applied: [{ version: 1, ... }, { version: 2, ... }], pending: [{ version: 3, ... }],
 * //   changed: [], missing: [] }
 * ```
 */
export interface MigrationStatus {
  /** Every recorded migration, by version (including changed and missing ones). */
  readonly applied: readonly AppliedMigration[]
  /** Files not recorded yet, by version. */
  readonly pending: readonly MigrationFile[]
  /** Applied migrations whose up file's checksum differs from the recorded one. */
  readonly changed: readonly ChangedMigration[]
  /** Applied migrations that have no file any more. */
  readonly missing: readonly AppliedMigration[]
  /** The highest applied version; 0 when none. */
  readonly current: number
}

/**
 * One migration applied or reverted by a run.
 *
 * @example
 * ```ts
 * (await migrate(db, { dir })).applied // [{ version: 3, name: 'add_orders', durationMs: 41 }]
 * ```
 */
export interface MigrationStep {
  readonly version: number
  readonly name: string
  /** How long its statements took, in milliseconds. */
  readonly durationMs: number
}

/**
 * What a run did.
 *
 * @example
 * ```ts
 * const { applied, reverted, current } = await to(db, { dir, version: 1 })
 * // applied: [], reverted: [{ version: 3, ... }, { version: 2, ... }], current: 1
 * ```
 */
export interface MigrationResult {
  /** Migrations this run applied, in order. */
  readonly applied: readonly MigrationStep[]
  /** Migrations this run reverted, in order (highest version first). */
  readonly reverted: readonly MigrationStep[]
  /** The highest applied version when the run ended; 0 when none. */
  readonly current: number
}

/**
 * Reported after each migration a run applied or reverted, or skipped because a concurrent
 * runner had done it first. For a progress line.
 *
 * @example
 * ```ts
 * await migrate(db, { dir, onProgress: (e) => console.log(e.type, e.version, e.name, e.durationMs) })
 * // apply 1 create_users 12
 * ```
 */
export interface MigrationProgressEvent {
  readonly type: 'apply' | 'revert' | 'skip'
  readonly version: number
  readonly name: string
  /** For `apply` and `revert`: how long the statements took, in milliseconds. */
  readonly durationMs?: number
}

interface RunOptions {
  /** The migrations folder. */
  readonly dir: string
  /**
   * Run even when applied migrations have changed since they were applied (their checksums
   * differ). Default false: such a database is refused with a {@link MigrationError}.
   */
  readonly allowChanged?: boolean
  /** Called after each migration applied, reverted or skipped. */
  readonly onProgress?: (event: MigrationProgressEvent) => void
}

/**
 * Options of {@link migrate}.
 * @example
 * ```ts
 * await migrate(db, { dir: 'migrations', allowChanged: false, onProgress: console.log })
 * ```
 */
export interface MigrateOptions extends RunOptions {}

/**
 * Options of {@link down}.
 * @example
 * ```ts
 * await down(db, { dir: 'migrations', steps: 2 })
 * ```
 */
export interface DownOptions extends RunOptions {
  /** How many applied migrations to revert, highest first. Default 1. */
  readonly steps?: number
}

/**
 * Options of {@link to}.
 * @example
 * ```ts
 * await to(db, { dir: 'migrations', version: 0 })
 * ```
 */
export interface ToOptions extends RunOptions {
  /** The version to end at: applied up to it, or reverted down to it (0: everything reverted). */
  readonly version: number
}

/**
 * Options of {@link status}.
 * @example
 * ```ts
 * await status(db, { dir: 'migrations' })
 * ```
 */
export interface StatusOptions {
  /** The migrations folder. */
  readonly dir: string
}

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

const CREATE_TABLE = `CREATE TABLE schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer
)`

interface AppliedRow {
  readonly version: number
  readonly name: string
  readonly checksum: string
  readonly applied_at: Date
  readonly duration_ms: number | null
}

const NOT_LOCKED = Symbol('not locked')

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

const pad = (version: number): string => String(version).padStart(3, '0')
const label = (file: { readonly version: number; readonly name: string }) =>
  `${pad(file.version)}_${file.name}`

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
 */
async function withMigrationLock<R>(
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

function toApplied(row: AppliedRow): AppliedMigration {
  return Object.freeze({
    version: Number(row.version),
    name: row.name,
    checksum: row.checksum,
    appliedAt: row.applied_at instanceof Date ? row.applied_at : new Date(row.applied_at),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  })
}

async function readApplied(db: MigrationDatabase): Promise<AppliedMigration[]> {
  const rows = await db.raw<AppliedRow>(
    'SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version',
  )
  return rows.map(toApplied)
}

async function tableExists(db: MigrationDatabase): Promise<boolean> {
  const [row] = await db.raw<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  )
  return row?.present === true
}

/** The recorded versions, read under the lock (a fresh read-committed snapshot). */
async function appliedVersions(tx: MigrationDatabase): Promise<Set<number>> {
  const rows = await tx.raw<{ version: number }>('SELECT version FROM schema_migrations')
  return new Set(rows.map((r) => Number(r.version)))
}

/**
 * Lets go of the snapshot the lock transaction still holds, before statements run outside it.
 *
 * Why: after a statement sent with the extended protocol (prepared), PostgreSQL keeps its unnamed
 * portal, and the portal's snapshot, until the next one; `CREATE INDEX CONCURRENTLY` would wait for
 * that snapshot, that is for the lock transaction, which waits for the index: a deadlock. A
 * simple-protocol statement replaces the portal and drops its own at once, so the transaction then
 * sits idle with no snapshot (read committed keeps none between statements).
 */
async function releaseSnapshot(tx: MigrationDatabase): Promise<void> {
  await tx.executeScript('SELECT 1')
}

const highest = (versions: Iterable<number>): number => Math.max(0, ...versions)

function checkOptions(options: { readonly dir?: unknown } | undefined, fn: string): void {
  if (options === null || typeof options !== 'object' || typeof options.dir !== 'string') {
    throw new MigrationError(`${fn}(): \`dir\` must be the path of the migrations folder`)
  }
}

function changedMigrations(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): ChangedMigration[] {
  const byVersion = new Map(files.map((f) => [f.version, f]))
  const changed: ChangedMigration[] = []
  for (const a of applied) {
    const file = byVersion.get(a.version)
    if (file !== undefined && file.checksum !== a.checksum) {
      changed.push(Object.freeze({ ...a, file }))
    }
  }
  return changed
}

/**
 * Reads the folder, then (under the lock, so two runners never race to create it) makes sure
 * `schema_migrations` exists and reads it; refuses changed migrations unless allowed.
 */
async function prepare(
  db: MigrationDatabase,
  options: RunOptions,
): Promise<{ files: MigrationFile[]; applied: AppliedMigration[] }> {
  const files = await readMigrations(options.dir)
  let applied: AppliedMigration[]
  try {
    applied = await withMigrationLock(db, async (tx) => {
      if (!(await tableExists(tx))) await tx.execute(CompiledQuery.raw(CREATE_TABLE))
      return readApplied(tx)
    })
  } catch (error) {
    if (error instanceof MigrationError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new MigrationError(`Cannot prepare the schema_migrations table: ${message}`, {
      cause: error,
    })
  }
  const changed = changedMigrations(files, applied)
  if (changed.length > 0 && options.allowChanged !== true) {
    throw new MigrationError(
      `Applied migrations have changed since they were applied (checksum differs): ${changed
        .map((c) => basename(c.file.upPath))
        .join(', ')}. Restore them, or pass allowChanged: true to run anyway.`,
      { files: changed.map((c) => c.file.upPath) },
    )
  }
  return { files, applied }
}

function preview(statement: string): string {
  const line = statement.replace(/\s+/g, ' ')
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}

/**
 * Runs the statements of one file one by one, so a failure names its statement. `run` is
 * `tx.execute` (prepared, one statement each) or, outside a transaction, `db.executeScript`.
 */
async function runFile(
  text: string,
  path: string,
  version: number,
  transactional: boolean,
  run: (statement: string) => Promise<unknown>,
): Promise<void> {
  for (const statement of migrationStatements(text, path)) {
    try {
      await run(statement.text)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const aftermath = transactional
        ? 'Its transaction was rolled back: nothing of it was applied.'
        : 'It ran without a transaction: the statements before this one stay applied, and the version was not recorded.'
      throw new MigrationError(
        `Migration ${basename(path)} failed at line ${statement.line}: ${reason}\n  ${preview(statement.text)}\n${aftermath}`,
        { file: path, version, statement: statement.text, line: statement.line, cause: error },
      )
    }
  }
}

function refuseInTransaction(db: MigrationDatabase, path: string, version: number): void {
  if (db.isTransaction === true) {
    throw new MigrationError(
      `Migration ${basename(path)} is marked no-transaction: run migrations on the root Database, not on a transaction handle`,
      { file: path, version },
    )
  }
}

type Outcome =
  | { readonly skipped: true; readonly current: number }
  | { readonly skipped: false; readonly current: number; readonly durationMs: number }

/**
 * Applies one migration: in a transaction holding the lock, re-reads `schema_migrations` (a
 * concurrent runner may have applied it meanwhile: then it is skipped), runs the statements and
 * records the version; the statements and the record commit together.
 *
 * A no-transaction migration runs its statements through `db.executeScript` on other pooled
 * connections, each on its own, while the lock transaction stays open (idle, without a snapshot,
 * so `CREATE INDEX CONCURRENTLY` does not wait for it); the version is recorded in that transaction
 * once every statement succeeded. This needs a pool of at least two connections.
 */
function applyOne(db: MigrationDatabase, file: MigrationFile): Promise<Outcome> {
  if (!file.transactional) refuseInTransaction(db, file.upPath, file.version)
  return withMigrationLock(db, async (tx): Promise<Outcome> => {
    const versions = await appliedVersions(tx)
    const current = highest(versions)
    if (versions.has(file.version)) return { skipped: true, current }
    if (current > file.version) {
      throw new MigrationError(
        `Cannot apply ${basename(file.upPath)}: version ${pad(current)} is already applied (another runner with other files?)`,
        { file: file.upPath, version: file.version },
      )
    }
    if (!file.transactional) await releaseSnapshot(tx)
    const started = performance.now()
    await runFile(file.up, file.upPath, file.version, file.transactional, (statement) =>
      file.transactional ? tx.execute(CompiledQuery.raw(statement)) : db.executeScript(statement),
    )
    const durationMs = Math.round(performance.now() - started)
    await tx.raw(
      'INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES (@version, @name, @checksum, @duration)',
      { version: file.version, name: file.name, checksum: file.checksum, duration: durationMs },
    )
    return { skipped: false, current: file.version, durationMs }
  })
}

/** Reverts one migration: {@link applyOne} in reverse, the version's row deleted with it. */
function revertOne(db: MigrationDatabase, file: MigrationFile): Promise<Outcome> {
  if (!file.downTransactional) refuseInTransaction(db, file.downPath, file.version)
  return withMigrationLock(db, async (tx): Promise<Outcome> => {
    const versions = await appliedVersions(tx)
    if (!versions.has(file.version)) return { skipped: true, current: highest(versions) }
    const current = highest(versions)
    if (current > file.version) {
      throw new MigrationError(
        `Cannot revert ${basename(file.downPath)}: version ${pad(current)} was applied after it (by another runner?)`,
        { file: file.downPath, version: file.version },
      )
    }
    if (!file.downTransactional) await releaseSnapshot(tx)
    const started = performance.now()
    await runFile(file.down, file.downPath, file.version, file.downTransactional, (statement) =>
      file.downTransactional
        ? tx.execute(CompiledQuery.raw(statement))
        : db.executeScript(statement),
    )
    const durationMs = Math.round(performance.now() - started)
    await tx.raw('DELETE FROM schema_migrations WHERE version = @version', {
      version: file.version,
    })
    versions.delete(file.version)
    return { skipped: false, current: highest(versions), durationMs }
  })
}

async function applyUpTo(
  db: MigrationDatabase,
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  target: number,
  onProgress: RunOptions['onProgress'],
): Promise<MigrationResult> {
  const recorded = new Set(applied.map((a) => a.version))
  let current = highest(recorded)
  const pending = files.filter((f) => !recorded.has(f.version) && f.version <= target)
  const behind = pending.filter((f) => f.version < current)
  if (behind.length > 0) {
    throw new MigrationError(
      `Pending migrations are older than the applied version ${pad(current)}: ${behind
        .map((f) => basename(f.upPath))
        .join(', ')}`,
      { files: behind.map((f) => f.upPath) },
    )
  }
  const steps: MigrationStep[] = []
  for (const file of pending) {
    const outcome = await applyOne(db, file)
    current = outcome.current
    if (outcome.skipped) {
      onProgress?.({ type: 'skip', version: file.version, name: file.name })
    } else {
      const step = { version: file.version, name: file.name, durationMs: outcome.durationMs }
      steps.push(step)
      onProgress?.({ type: 'apply', ...step })
    }
  }
  return { applied: steps, reverted: [], current }
}

async function revertVersions(
  db: MigrationDatabase,
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  versions: readonly number[],
  onProgress: RunOptions['onProgress'],
): Promise<MigrationResult> {
  const byVersion = new Map(files.map((f) => [f.version, f]))
  const missing = versions.filter((v) => !byVersion.has(v))
  if (missing.length > 0) {
    const names = new Map(applied.map((a) => [a.version, a.name]))
    throw new MigrationError(
      `Cannot revert applied migrations that have no files any more: ${missing
        .map((v) => label({ version: v, name: names.get(v) ?? '?' }))
        .join(', ')}`,
      { ...(missing.length === 1 ? { version: missing[0]! } : {}) },
    )
  }
  let current = highest(applied.map((a) => a.version))
  const steps: MigrationStep[] = []
  for (const version of versions) {
    const file = byVersion.get(version)!
    const outcome = await revertOne(db, file)
    current = outcome.current
    if (outcome.skipped) {
      onProgress?.({ type: 'skip', version: file.version, name: file.name })
    } else {
      const step = { version: file.version, name: file.name, durationMs: outcome.durationMs }
      steps.push(step)
      onProgress?.({ type: 'revert', ...step })
    }
  }
  return { applied: [], reverted: steps, current }
}

/**
 * Applies every pending migration of `dir`, in order, each in a transaction of its own together
 * with its `schema_migrations` row: a failing migration leaves no trace and stops the run with a
 * {@link MigrationError} naming the file and the statement, while the migrations applied before
 * it stay applied. Applied migrations whose file changed are refused unless `allowChanged`.
 *
 * Runners started at once on one database (several instances deploying) serialise on an advisory
 * lock taken by each migration's transaction, which re-reads `schema_migrations` under it: each
 * migration is applied exactly once, by whichever runner gets to it first; the others skip it.
 *
 * A file whose first line is `-- kysely-entities: no-transaction` runs statement by statement
 * outside a transaction (`CREATE INDEX CONCURRENTLY`), still under the lock; if one of its
 * statements fails, those before it stay applied (as in PostgreSQL itself) and the version is not
 * recorded. Such files need a pool of at least two connections.
 *
 * @example
 * ```ts
 * const result = await migrate(db, {
 *   dir: 'migrations',
 *   onProgress: (e) => console.log(`${e.type} ${e.version} ${e.name} ${e.durationMs ?? ''}`),
 * })
 * // apply 1 create_users 12
 * // apply 2 add_functions 8
 * // result: { applied: [{ version: 1, ... }, { version: 2, ... }], reverted: [], current: 2 }
 * ```
 */
export async function migrate(
  db: MigrationDatabase,
  options: MigrateOptions,
): Promise<MigrationResult> {
  checkOptions(options, 'migrate')
  const { files, applied } = await prepare(db, options)
  return applyUpTo(db, files, applied, Number.POSITIVE_INFINITY, options.onProgress)
}

/**
 * Reverts the last `steps` applied migrations (default 1), highest version first, each with its
 * down file in a transaction of its own that also deletes its `schema_migrations` row.
 *
 * @example
 * ```ts
 * await down(db, { dir: 'migrations' }) // reverts the latest migration
 * await down(db, { dir: 'migrations', steps: 2 }) // { reverted: [{ version: 3, ... }, { version: 2, ... }], current: 1 }
 * ```
 */
export async function down(db: MigrationDatabase, options: DownOptions): Promise<MigrationResult> {
  checkOptions(options, 'down')
  const steps = options.steps ?? 1
  if (!Number.isSafeInteger(steps) || steps < 0) {
    throw new MigrationError('down(): `steps` must be a non-negative integer')
  }
  const { files, applied } = await prepare(db, options)
  const versions = applied
    .map((a) => a.version)
    .sort((a, b) => b - a)
    .slice(0, steps)
  return revertVersions(db, files, applied, versions, options.onProgress)
}

/**
 * Migrates up or down to exactly `version`: applies the pending migrations up to it, or reverts
 * the applied ones above it (0 reverts everything).
 *
 * @example
 * ```ts
 * await to(db, { dir: 'migrations', version: 2 }) // from 0: applies 001, 002; from 5: reverts 005, 004, 003
 * await to(db, { dir: 'migrations', version: 0 }) // reverts everything
 * ```
 */
export async function to(db: MigrationDatabase, options: ToOptions): Promise<MigrationResult> {
  checkOptions(options, 'to')
  const target = options.version
  if (!Number.isSafeInteger(target) || target < 0) {
    throw new MigrationError('to(): `version` must be a non-negative integer')
  }
  const { files, applied } = await prepare(db, options)
  const current = highest(applied.map((a) => a.version))
  if (target > current) {
    if (target > files.length) {
      throw new MigrationError(
        `to(): there is no migration ${pad(target)} in ${options.dir} (the last is ${pad(files.length)})`,
      )
    }
    return applyUpTo(db, files, applied, target, options.onProgress)
  }
  const versions = applied
    .map((a) => a.version)
    .filter((v) => v > target)
    .sort((a, b) => b - a)
  return revertVersions(db, files, applied, versions, options.onProgress)
}

/**
 * Compares the database with the folder, without changing either (it does not create
 * `schema_migrations`; with no such table nothing is applied).
 *
 * @example
 * ```ts
 * const { current, pending, changed, missing } = await status(db, { dir: 'migrations' })
 * if (changed.length > 0) console.warn('edited after applying:', changed.map((c) => c.file.upPath))
 * ```
 */
export async function status(
  db: MigrationDatabase,
  options: StatusOptions,
): Promise<MigrationStatus> {
  checkOptions(options, 'status')
  const files = await readMigrations(options.dir)
  const applied = (await tableExists(db)) ? await readApplied(db) : []
  const recorded = new Set(applied.map((a) => a.version))
  const fileVersions = new Set(files.map((f) => f.version))
  return Object.freeze({
    applied: Object.freeze(applied),
    pending: Object.freeze(files.filter((f) => !recorded.has(f.version))),
    changed: Object.freeze(changedMigrations(files, applied)),
    missing: Object.freeze(applied.filter((a) => !fileVersions.has(a.version))),
    current: highest(recorded),
  })
}
