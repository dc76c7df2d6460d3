import { KyselyEntitiesError } from '../errors/kysely-entities-error'

/**
 * The local PostgreSQL image for containers could not be built or found: Docker is missing or not
 * running, `busybox` or `ldd` is missing, or `docker import` failed. The message names what is
 * missing and how to get it (for busybox: Debian's `busybox-static` package). Code
 * `POSTGRES_IMAGE`.
 *
 * @example
 * ```ts
 * try {
 *   await buildPostgresImage()
 * } catch (e) {
 *   if (e instanceof PostgresImageError) console.error(e.message) // "... no busybox ... apt-get install busybox-static ..."
 * }
 * ```
 */
export class PostgresImageError extends KyselyEntitiesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POSTGRES_IMAGE', message, options)
  }
}
