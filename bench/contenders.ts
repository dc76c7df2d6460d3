import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import knexFactory, { type Knex } from 'knex'
import { Kysely } from 'kysely'
import { Database } from 'kysely-entities'
import { PostgresJSDialect } from 'kysely-postgres-js'
import postgres from 'postgres'
import { type BenchDB, benchTables, drizzleSchema } from './schema'

/** The libraries compared. postgres.js (hand-written SQL) is the baseline. */
export const CONTENDERS = ['postgres.js', 'kysely', 'drizzle', 'knex', 'kysely-entities'] as const
export type Contender = (typeof CONTENDERS)[number]

/** What each contender runs on. */
export const CONTENDER_STACK: Readonly<Record<Contender, string>> = {
  'postgres.js': 'postgres.js tagged templates (prepared)',
  kysely: 'Kysely + kysely-postgres-js on postgres.js',
  drizzle: 'Drizzle ORM on postgres.js (query builder, prepared statements, relational queries)',
  knex: 'Knex on pg',
  'kysely-entities': 'kysely-entities: Database.connect + managers (own postgres.js driver)',
}

/** One client per contender, each with its own pool of `pool` connections. */
export interface Clients {
  readonly raw: postgres.Sql
  readonly kysely: Kysely<BenchDB>
  readonly drizzle: PostgresJsDatabase<typeof drizzleSchema>
  readonly knex: Knex
  readonly ke: Database<typeof benchTables>
  /** kysely-entities with `pipeline: 1` (no read pipelined): measured next to the default in S1/S2. */
  readonly keUnpipelined: Database<typeof benchTables>
  close(): Promise<void>
}

export async function openClients(url: string, pool: number): Promise<Clients> {
  const quiet = { onnotice: () => {} }
  const raw = postgres(url, { max: pool, ...quiet })
  const kyselySql = postgres(url, { max: pool, ...quiet })
  const kysely = new Kysely<BenchDB>({ dialect: new PostgresJSDialect({ postgres: kyselySql }) })
  const drizzleSql = postgres(url, { max: pool, ...quiet })
  const db = drizzle({ client: drizzleSql, schema: drizzleSchema })
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: pool } })
  const ke = await Database.connect({ url, tables: benchTables, max: pool })
  const keUnpipelined = await Database.connect({
    url,
    tables: benchTables,
    max: pool,
    pipeline: 1,
  })
  return {
    raw,
    kysely,
    drizzle: db,
    knex,
    ke,
    keUnpipelined,
    async close() {
      await Promise.allSettled([
        raw.end(),
        kysely.destroy(),
        drizzleSql.end(),
        knex.destroy(),
        ke.close(),
        keUnpipelined.close(),
      ])
    },
  }
}
