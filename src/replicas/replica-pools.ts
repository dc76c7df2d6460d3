import { CompiledQuery, Kysely } from 'kysely'
import { createPostgresClient, type PostgresClientOptions } from '../driver/postgres-js-client'
import { PostgresJsDialect } from '../driver/postgres-js-dialect'
import type { PostgresJsDialectConfig, PostgresJsDriver } from '../driver/postgres-js-driver'
import { parseLsn } from './lsn'
import type { ReplicaSettings } from './replica-options'
import { withoutPassword } from './replica-options'
import { type ReplicaPool, ReplicaSet } from './replica-set'

/** The pool settings of the primary that the replicas' pools share. */
export type ReplicaPoolConfig = Pick<
  PostgresJsDialectConfig,
  'poolTimeout' | 'pipeline' | 'queryDeadline' | 'prepare'
>

/**
 * Opens a pool per replica (the primary's connection options, with the replica's URL, and its
 * own `max`, `user`, `password` when given) and the {@link ReplicaSet} over them, after a first
 * health check: a replica that is down at the start is left out, not an error.
 * `primary` runs a statement on the primary, for its WAL position.
 *
 * @example
 * ```ts
 * const set = await openReplicaSet(settings, { max: 10, ssl: 'require' }, {}, (q) => driver.execute(q))
 * ```
 */
export async function openReplicaSet(
  settings: ReplicaSettings,
  connection: PostgresClientOptions,
  poolConfig: ReplicaPoolConfig,
  primaryLsn: () => Promise<bigint | undefined>,
  /** Called with each replica pool's driver as it opens (the Database observes it). */
  onDriver: (driver: PostgresJsDriver) => void = () => {},
): Promise<ReplicaSet> {
  // The primary's host, port and database come from its url or options: not the replica's.
  const { url: _url, host: _host, port: _port, database: _database, ...shared } = connection
  const pools = settings.replicas.map((replica): ReplicaPool => {
    const dialect = new PostgresJsDialect({
      sql: createPostgresClient({
        ...shared,
        url: replica.url,
        ...(replica.max === undefined ? {} : { max: replica.max }),
        ...(replica.user === undefined ? {} : { user: replica.user }),
        ...(replica.password === undefined ? {} : { password: replica.password }),
      }),
      ownsClient: true,
      ...poolConfig,
    })
    const kysely = new Kysely<any>({ dialect })
    const driver = dialect.driver
    if (driver === undefined) throw new Error('the replica pool has no driver')
    onDriver(driver)
    let closing: Promise<void> | undefined
    return {
      label: withoutPassword(replica.url),
      kysely,
      execute: (query, use) => driver.execute(query, use),
      stats: () => driver.stats(),
      close: (timeout) => {
        closing ??= (async () => {
          await dialect.close(timeout === undefined ? {} : { timeout })
          await kysely.destroy()
        })()
        return closing
      },
    }
  })
  const set = new ReplicaSet(pools, settings, primaryLsn)
  await set.start()
  return set
}

/**
 * The statement that reads the primary's WAL position: `pg_current_wal_insert_lsn()`, the end of
 * the WAL inserted so far. Not `pg_current_wal_lsn()` (what was written out): with
 * `synchronous_commit = off`, a commit that has returned may not be written out yet, and a
 * replica that replayed up to that position could still miss it.
 */
export const CURRENT_LSN = CompiledQuery.raw('select pg_current_wal_insert_lsn()::text as lsn')

/**
 * The WAL position in the first row of {@link CURRENT_LSN}'s result.
 *
 * @example
 * ```ts
 * lsnOfResult({ rows: [{ lsn: '0/3000148' }] }) // 0x3000148n
 * ```
 */
export function lsnOfResult(result: { readonly rows: readonly unknown[] }): bigint | undefined {
  return parseLsn((result.rows[0] as { lsn?: unknown } | undefined)?.lsn)
}
