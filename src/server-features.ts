import { UnsupportedServerError } from './errors/unsupported-server-error'

/**
 * What the connected PostgreSQL server has, read once per `Database` (see
 * `Database.serverFeatures()`): its `server_version_num` and, for each version-dependent feature,
 * whether it has it. Frozen.
 *
 * | feature            | since | what                                                         |
 * | ------------------ | ----- | ------------------------------------------------------------ |
 * | `nullsNotDistinct` | 15    | `UNIQUE NULLS NOT DISTINCT`                                  |
 * | `backupStart`      | 15    | `pg_backup_start()` / `pg_backup_stop()` (the standby helper) |
 * | `mergeReturning`   | 17    | `MERGE ... RETURNING`                                        |
 * | `jsonTable`        | 17    | `JSON_TABLE(...)`                                            |
 * | `uuidv7`           | 18    | a built-in `uuidv7()`                                        |
 *
 * @example
 * ```ts
 * const features = await db.serverFeatures()
 * // { version: 150020, nullsNotDistinct: true, backupStart: true, mergeReturning: false, jsonTable: false, uuidv7: false }
 * ```
 */
export interface ServerFeatures {
  /** `server_version_num`: `150020` for PostgreSQL 15.20, `180003` for 18.3. */
  readonly version: number
  readonly nullsNotDistinct: boolean
  readonly backupStart: boolean
  readonly mergeReturning: boolean
  readonly jsonTable: boolean
  readonly uuidv7: boolean
}

/** A version-dependent feature: a key of {@link ServerFeatures} other than `version`. */
export type ServerFeature = Exclude<keyof ServerFeatures, 'version'>

/**
 * The first `server_version_num` of each feature.
 *
 * @example
 * ```ts
 * FEATURE_VERSIONS.mergeReturning // 170000
 * ```
 */
export const FEATURE_VERSIONS: Readonly<Record<ServerFeature, number>> = Object.freeze({
  nullsNotDistinct: 150000,
  backupStart: 150000,
  mergeReturning: 170000,
  jsonTable: 170000,
  uuidv7: 180000,
})

/**
 * The one column `Database.connect` reads with its first statement (the pooler probe's round
 * trip); `Database.fromKysely` reads it at the first `serverFeatures()`.
 * @internal
 */
export const SERVER_VERSION_COLUMN = "current_setting('server_version_num')::int as server_version"

/**
 * The features of a server of `version` (a `server_version_num`).
 *
 * @example
 * ```ts
 * serverFeatures(170004).mergeReturning // true
 * serverFeatures(170004).uuidv7         // false
 * ```
 */
export function serverFeatures(version: number): ServerFeatures {
  const has = (feature: ServerFeature) => version >= FEATURE_VERSIONS[feature]
  return Object.freeze({
    version,
    nullsNotDistinct: has('nullsNotDistinct'),
    backupStart: has('backupStart'),
    mergeReturning: has('mergeReturning'),
    jsonTable: has('jsonTable'),
    uuidv7: has('uuidv7'),
  })
}

/**
 * `server_version_num` as people write it: `150020` is `'15.20'`, `90624` is `'9.6.24'`.
 *
 * @example
 * ```ts
 * versionName(180003) // '18.3'
 * ```
 */
export function versionName(version: number): string {
  if (version >= 100000) return `${Math.floor(version / 10000)}.${version % 10000}`
  return `${Math.floor(version / 10000)}.${Math.floor(version / 100) % 100}.${version % 100}`
}

/**
 * The `server_version` column of a row (an int4: a number, or its text from a driver that
 * returns text), as a number; undefined when the row has none.
 * @internal
 */
export function versionOfRow(row: unknown): number | undefined {
  const value = (row as { server_version?: unknown } | undefined)?.server_version
  const version = typeof value === 'string' ? Number(value) : value
  return typeof version === 'number' && Number.isInteger(version) && version > 0
    ? version
    : undefined
}

/**
 * Throws {@link UnsupportedServerError} unless the server of `features` has `feature`; `what`
 * says what needs it, for the message.
 *
 * @example
 * ```ts
 * requireFeature(await db.serverFeatures(), 'mergeReturning', 'this report')
 * // on PostgreSQL 15.20, throws UnsupportedServerError:
 * // this report needs MERGE ... RETURNING (PostgreSQL 17 or later); the server is PostgreSQL 15.20
 * ```
 */
export function requireFeature(
  features: ServerFeatures,
  feature: ServerFeature,
  what: string,
): void {
  if (features[feature]) return
  const required = FEATURE_VERSIONS[feature]
  throw new UnsupportedServerError(
    feature,
    required,
    features.version,
    `${what} needs ${FEATURE_TEXT[feature]} (PostgreSQL ${Math.floor(required / 10000)} or later); ` +
      `the server is PostgreSQL ${versionName(features.version)}`,
  )
}

const FEATURE_TEXT: Readonly<Record<ServerFeature, string>> = {
  nullsNotDistinct: 'UNIQUE NULLS NOT DISTINCT',
  backupStart: 'pg_backup_start',
  mergeReturning: 'MERGE ... RETURNING',
  jsonTable: 'JSON_TABLE',
  uuidv7: 'a built-in uuidv7()',
}
