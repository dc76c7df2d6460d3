import type { MigrationDatabase } from './migration-database'
import { type MigrationFile, readMigrations } from './migration-files'
import { type AppliedMigration, highest, historyExists, readApplied } from './migration-history'
import { checkOptions, type StatusOptions } from './migration-options'

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
 * The applied migrations whose up file's checksum differs from the recorded one, by version.
 *
 * @example
 * ```ts
 * changedMigrations(await readMigrations('migrations'), applied).map((c) => c.file.upPath)
 * // ['/app/migrations/002_add_functions.up.sql']: edited after it was applied
 * ```
 */
export function changedMigrations(
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
  const applied = (await historyExists(db)) ? await readApplied(db) : []
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
