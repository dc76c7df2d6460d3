import { randomBytes } from 'node:crypto'
import postgres from 'postgres'

/** A database of its own for one test file, on a shared server. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string
  /** Its name. */
  readonly name: string
  /** Drops it (closing any connection still open to it). */
  drop(): Promise<void>
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/**
 * Creates a fresh, empty database on the server at `serverUrl`, so that test files can run in
 * parallel without seeing each other's rows.
 *
 * @example
 * ```ts
 * const pg = await startPostgres()
 * const test = await createTestDatabase(pg.url)
 * const db = await Database.connect({ url: test.url, tables })
 * // ... CREATE DATABASE "ke_test_3f9a1c2b7d"
 * await db.close(); await test.drop()
 * ```
 */
export async function createTestDatabase(
  serverUrl: string,
  options: { readonly prefix?: string } = {},
): Promise<TestDatabase> {
  const prefix = (options.prefix ?? 'ke_test').replace(/[^a-z0-9_]/gi, '_').slice(0, 40)
  const name = `${prefix}_${randomBytes(6).toString('hex')}`.toLowerCase()
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`)
  } finally {
    await admin.end()
  }
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: async () => {
      const sql = postgres(serverUrl, { max: 1, onnotice: () => {} })
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await sql.end()
      }
    },
  }
}
