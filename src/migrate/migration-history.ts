import { CompiledQuery } from 'kysely'
import type { MigrationDatabase } from './migration-database'
import type { MigrationFile } from './migration-files'

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

/**
 * The highest of `versions`: the version a database stands at; 0 when none is applied.
 *
 * @example
 * ```ts
 * highest([1, 3, 2]) // 3
 * highest([]) // 0
 * ```
 */
export const highest = (versions: Iterable<number>): number => Math.max(0, ...versions)

function toApplied(row: AppliedRow): AppliedMigration {
  return Object.freeze({
    version: Number(row.version),
    name: row.name,
    checksum: row.checksum,
    appliedAt: row.applied_at instanceof Date ? row.applied_at : new Date(row.applied_at),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  })
}

/**
 * Every row of `schema_migrations`, by version.
 *
 * @example
 * ```ts
 * await readApplied(db) // [{ version: 1, name: 'create_users', checksum: '9f86d0…', appliedAt, durationMs: 12 }]
 * ```
 */
export async function readApplied(db: MigrationDatabase): Promise<AppliedMigration[]> {
  const rows = await db.raw<AppliedRow>(
    'SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version',
  )
  return rows.map(toApplied)
}

/**
 * True when `schema_migrations` exists (on the search path).
 *
 * @example
 * ```ts
 * const applied = (await historyExists(db)) ? await readApplied(db) : []
 * ```
 */
export async function historyExists(db: MigrationDatabase): Promise<boolean> {
  const [row] = await db.raw<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  )
  return row?.present === true
}

/**
 * Creates `schema_migrations` unless it exists. Run it under the migration lock, so that two
 * runners never race to create it.
 *
 * @example
 * ```ts
 * await withMigrationLock(db, async (tx) => {
 *   await ensureHistory(tx) // CREATE TABLE schema_migrations (version integer PRIMARY KEY, ...)
 *   return readApplied(tx)
 * })
 * ```
 */
export async function ensureHistory(tx: MigrationDatabase): Promise<void> {
  if (!(await historyExists(tx))) await tx.execute(CompiledQuery.raw(CREATE_TABLE))
}

/**
 * The recorded versions, read under the lock (a fresh read-committed snapshot).
 *
 * @example
 * ```ts
 * await appliedVersions(tx) // Set { 1, 2 }
 * ```
 */
export async function appliedVersions(tx: MigrationDatabase): Promise<Set<number>> {
  const rows = await tx.raw<{ version: number }>('SELECT version FROM schema_migrations')
  return new Set(rows.map((r) => Number(r.version)))
}

/**
 * Records `file` as applied, with the time its statements took.
 *
 * @example
 * ```ts
 * await recordApplied(tx, file, 12)
 * // INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)
 * ```
 */
export async function recordApplied(
  tx: MigrationDatabase,
  file: MigrationFile,
  durationMs: number,
): Promise<void> {
  await tx.raw(
    'INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES (@version, @name, @checksum, @duration)',
    { version: file.version, name: file.name, checksum: file.checksum, duration: durationMs },
  )
}

/**
 * Deletes the record of `file`: it is reverted.
 *
 * @example
 * ```ts
 * await recordReverted(tx, file) // DELETE FROM schema_migrations WHERE version = $1
 * ```
 */
export async function recordReverted(tx: MigrationDatabase, file: MigrationFile): Promise<void> {
  await tx.raw('DELETE FROM schema_migrations WHERE version = @version', {
    version: file.version,
  })
}
