import { basename } from 'node:path'
import { CompiledQuery } from 'kysely'
import type { MigrationDatabase } from './migration-database'
import { MigrationError } from './migration-error'
import { type MigrationFile, migrationStatements, readMigrations } from './migration-files'
import {
  type AppliedMigration,
  appliedVersions,
  ensureHistory,
  highest,
  readApplied,
  recordApplied,
  recordReverted,
} from './migration-history'
import { releaseSnapshot, withMigrationLock } from './migration-lock'
import {
  checkOptions,
  type DownOptions,
  type MigrateOptions,
  type RunOptions,
  type ToOptions,
} from './migration-options'
import type { MigrationResult, MigrationStep } from './migration-result'
import { changedMigrations } from './migration-status'

const pad = (version: number): string => String(version).padStart(3, '0')
const label = (file: { readonly version: number; readonly name: string }) =>
  `${pad(file.version)}_${file.name}`

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
      await ensureHistory(tx)
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
    await recordApplied(tx, file, durationMs)
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
    await recordReverted(tx, file)
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
