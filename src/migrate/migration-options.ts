import { MigrationError } from './migration-error'
import type { MigrationProgressEvent } from './migration-result'

/**
 * What every run ({@link migrate}, {@link down}, {@link to}) takes.
 *
 * @example
 * ```ts
 * { dir: 'migrations', allowChanged: false, onProgress: (e) => console.log(e.type, e.version) }
 * ```
 */
export interface RunOptions {
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
 * Throws a {@link MigrationError} unless `options` is an object with a string `dir`; `fn` names
 * the function called in the message.
 *
 * @example
 * ```ts
 * checkOptions(undefined, 'migrate') // throws MigrationError: migrate(): `dir` must be the path of the migrations folder
 * ```
 */
export function checkOptions(options: { readonly dir?: unknown } | undefined, fn: string): void {
  if (options === null || typeof options !== 'object' || typeof options.dir !== 'string') {
    throw new MigrationError(`${fn}(): \`dir\` must be the path of the migrations folder`)
  }
}
