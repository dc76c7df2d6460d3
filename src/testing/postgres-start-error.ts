import { KyselyEntitiesError } from '../errors/kysely-entities-error'

/**
 * An embedded PostgreSQL could not start, pause or resume. The message names the cause and the
 * fix (a taken port, a directory the server's OS user cannot reach, binaries that are missing or
 * cannot run); the server's own log lines that explain it are in the message too.
 *
 * @example
 * ```ts
 * try {
 *   await startPostgres({ port: 5432, url: '' })
 * } catch (e) {
 *   if (e instanceof PostgresStartError) console.error(e.message) // "... port 5432 is already in use ..."
 * }
 * ```
 */
export class PostgresStartError extends KyselyEntitiesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POSTGRES_START', message, options)
  }
}
