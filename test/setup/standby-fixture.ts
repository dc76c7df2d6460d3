import { column as c, defineTable, Entity } from '../../src/index'
import { type PostgresServer, startPostgres } from '../../src/testing/index'
import type { ComponentProbe } from './component'

/**
 * A primary and a streaming standby of its own, started from the embedded binaries: the standby
 * is the component of the replica suites. A machine where it cannot start reports why.
 */
export async function startWithStandby(): Promise<
  { readonly ok: true; readonly pg: PostgresServer } | Extract<ComponentProbe, { ok: false }>
> {
  return startPostgres({ url: '', standbys: 1 }).then(
    (pg) => ({ ok: true as const, pg }),
    (error: unknown) => ({
      ok: false as const,
      reason: `a streaming standby could not be started: ${error instanceof Error ? error.message : String(error)}`,
    }),
  )
}

/** The table the replica suites write on the primary and read on the standby. */
export const notes = defineTable('notes', {
  id: c.serial().primaryKey(),
  body: c.text().notNull(),
})
export class NoteEntity extends Entity.of(notes) {}

/** Which server answered: true on the standby. */
export const IS_STANDBY = 'select pg_is_in_recovery() as standby'
