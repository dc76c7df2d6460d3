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
