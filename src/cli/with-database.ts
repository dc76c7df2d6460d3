import { Database } from '../database'
import type { CliIo, CliValues } from './cli-context'
import { UsageError } from './usage-error'

function databaseUrl(values: CliValues, io: CliIo): string {
  const url = values.url ?? io.env.DATABASE_URL
  if (url === undefined || url === '') {
    throw new UsageError('no database: pass --url or set DATABASE_URL')
  }
  let protocol: string | undefined
  try {
    protocol = new URL(url).protocol
  } catch {
    protocol = undefined
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new UsageError(
      'the database URL must look like postgres://user:password@host:5432/database',
    )
  }
  return url
}

/** Connects to the database the command line names, runs `fn`, and always disconnects. */
export async function withDatabase<R>(
  values: CliValues,
  io: CliIo,
  fn: (db: Database) => Promise<R>,
): Promise<R> {
  // No client-side deadline: a migration statement (an index on a large table) may rightly run
  // for longer than the default five minutes, and an operator watches the command. A
  // `statement_timeout` given in the URL still applies on the server.
  const db = await Database.connect({
    url: databaseUrl(values, io),
    tables: {},
    max: 2,
    queryDeadline: Number.POSITIVE_INFINITY,
  })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}
