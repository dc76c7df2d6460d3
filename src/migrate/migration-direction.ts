import type { MigrationDatabase } from './migration-database'
import type { MigrationFile } from './migration-files'
import { recordApplied, recordReverted } from './migration-history'
import type { MigrationProgressEvent, MigrationResult, MigrationStep } from './migration-result'

/**
 * Which way a run goes, {@link UP} or {@link DOWN}: all that differs between applying migrations
 * and reverting them. The loop and the step under the lock are the same for both.
 *
 * @example
 * ```ts
 * UP.event // 'apply': UP runs file.up and inserts the version's row
 * DOWN.event // 'revert': DOWN runs file.down and deletes it
 * ```
 */
export interface MigrationDirection {
  /** The progress event of a step done; also the verb of its errors (`Cannot apply ...`). */
  readonly event: Exclude<MigrationProgressEvent['type'], 'skip'>
  /** The file of the migration this direction runs. */
  script(file: MigrationFile): MigrationScript
  /** True when, by the recorded versions, `file` needs nothing more (a concurrent runner did it). */
  isDone(file: MigrationFile, versions: ReadonlySet<number>): boolean
  /** Why a recorded version above `file`'s stops the step, after `version NNN`. */
  readonly laterVersion: string
  /** The bookkeeping of a step done, in its transaction: the row inserted or deleted. */
  record(tx: MigrationDatabase, file: MigrationFile, durationMs: number): Promise<void>
  /** The recorded versions once `version` is recorded. */
  recorded(versions: ReadonlySet<number>, version: number): Iterable<number>
  /** What a run of `steps` in this direction did. */
  result(steps: readonly MigrationStep[], current: number): MigrationResult
}

/**
 * The SQL of a migration that one direction runs: the up or the down file.
 *
 * @example
 * ```ts
 * DOWN.script(file) // { text: 'DROP TABLE users;', path: '/app/migrations/001_create_users.down.sql', transactional: true }
 * ```
 */
export interface MigrationScript {
  readonly text: string
  readonly path: string
  /** False for a `-- kysely-entities: no-transaction` file. */
  readonly transactional: boolean
}

/**
 * Applying: the up file, its row inserted into `schema_migrations`.
 *
 * @example
 * ```ts
 * UP.script(file).path // '/app/migrations/001_create_users.up.sql'
 * ```
 */
export const UP = Object.freeze<MigrationDirection>({
  event: 'apply',
  script: (file) => ({
    text: file.up,
    path: file.upPath,
    transactional: file.transactional,
  }),
  isDone: (file, versions) => versions.has(file.version),
  laterVersion: 'is already applied (another runner with other files?)',
  record: recordApplied,
  recorded: (versions, version) => [...versions, version],
  result: (steps, current) => ({
    applied: steps,
    reverted: [],
    current,
  }),
})

/**
 * Reverting: the down file, its row deleted from `schema_migrations`.
 *
 * @example
 * ```ts
 * DOWN.script(file).path // '/app/migrations/001_create_users.down.sql'
 * ```
 */
export const DOWN = Object.freeze<MigrationDirection>({
  event: 'revert',
  script: (file) => ({
    text: file.down,
    path: file.downPath,
    transactional: file.downTransactional,
  }),
  isDone: (file, versions) => !versions.has(file.version),
  laterVersion: 'was applied after it (by another runner?)',
  record: recordReverted,
  recorded: (versions, version) => [...versions].filter((v) => v !== version),
  result: (steps, current) => ({
    applied: [],
    reverted: steps,
    current,
  }),
})
