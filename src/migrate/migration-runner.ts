import { basename } from 'node:path'
import type { MigrationDatabase } from './migration-database'
import { DOWN, type MigrationDirection, UP } from './migration-direction'
import { MigrationError } from './migration-error'
import { type MigrationFile, pad, readMigrations } from './migration-files'
import { type AppliedMigration, ensureHistory, highest, readApplied } from './migration-history'
import { withMigrationLock } from './migration-lock'
import {
  checkOptions,
  type DownOptions,
  type MigrateOptions,
  type RunOptions,
  type ToOptions,
} from './migration-options'
import type { MigrationResult, MigrationStep } from './migration-result'
import { changedMigrations } from './migration-status'
import { runStep } from './migration-step'

const label = (file: { readonly version: number; readonly name: string }) =>
  `${pad(file.version)}_${file.name}`

/**
 * The run: each file in turn, one {@link runStep} in `direction`, each reported to `onProgress`
 * as done or skipped.
 */
async function run(
  db: MigrationDatabase,
  direction: MigrationDirection,
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  onProgress: RunOptions['onProgress'],
): Promise<MigrationResult> {
  let current = highest(applied.map((a) => a.version))
  const steps: MigrationStep[] = []
  for (const file of files) {
    const outcome = await runStep(db, file, direction)
    current = outcome.current
    if (outcome.skipped) {
      onProgress?.({ type: 'skip', version: file.version, name: file.name })
    } else {
      const step = { version: file.version, name: file.name, durationMs: outcome.durationMs }
      steps.push(step)
      onProgress?.({ type: direction.event, ...step })
    }
  }
  return direction.result(steps, current)
}

/** The files to apply: those not recorded, up to `target`, in order; none older than the applied version. */
function toApply(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  target: number,
): MigrationFile[] {
  const recorded = new Set(applied.map((a) => a.version))
  const current = highest(recorded)
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
  return pending
}

/** The files to revert: those of `versions`, in that order; each must still have its files. */
function toRevert(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
  versions: readonly number[],
): MigrationFile[] {
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
  return versions.map((v) => byVersion.get(v)!)
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
  const pending = toApply(files, applied, Number.POSITIVE_INFINITY)
  return run(db, UP, pending, applied, options.onProgress)
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
  return run(db, DOWN, toRevert(files, applied, versions), applied, options.onProgress)
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
    return run(db, UP, toApply(files, applied, target), applied, options.onProgress)
  }
  const versions = applied
    .map((a) => a.version)
    .filter((v) => v > target)
    .sort((a, b) => b - a)
  return run(db, DOWN, toRevert(files, applied, versions), applied, options.onProgress)
}
