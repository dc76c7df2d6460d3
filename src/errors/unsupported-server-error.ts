import { KyselyEntitiesError } from './kysely-entities-error'

/**
 * The PostgreSQL server is too old for something asked of it: a feature that first came in
 * `requiredVersion` (a `server_version_num`, `150000` for 15) on a server of `serverVersion`.
 * Thrown before the statement that needs it is sent; the message names the feature and both
 * versions, never a value.
 *
 * @example
 * ```ts
 * await startPostgres({ url: pg14Url, standbys: 1 })
 * // throws UnsupportedServerError (code 'UNSUPPORTED_SERVER'):
 * // a standby's base backup needs pg_backup_start (PostgreSQL 15 or later); the server is PostgreSQL 14.12
 * ```
 */
export class UnsupportedServerError extends KyselyEntitiesError {
  /** The feature, as in `ServerFeatures`: `'backupStart'`, `'mergeReturning'`, ... */
  readonly feature: string
  /** The first `server_version_num` with it: `150000` for PostgreSQL 15. */
  readonly requiredVersion: number
  /** The server's `server_version_num`: `140012` for PostgreSQL 14.12. */
  readonly serverVersion: number

  constructor(feature: string, requiredVersion: number, serverVersion: number, message: string) {
    super('UNSUPPORTED_SERVER', message)
    this.feature = feature
    this.requiredVersion = requiredVersion
    this.serverVersion = serverVersion
  }
}
