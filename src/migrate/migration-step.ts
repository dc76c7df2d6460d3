import { basename } from 'node:path'
import { CompiledQuery } from 'kysely'
import type { MigrationDatabase } from './migration-database'
import type { MigrationDirection, MigrationScript } from './migration-direction'
import { MigrationError } from './migration-error'
import { type MigrationFile, migrationStatements, pad } from './migration-files'
import { appliedVersions, highest } from './migration-history'
import { releaseSnapshot, withMigrationLock } from './migration-lock'

/**
 * What one step did: skipped (a concurrent runner had done it), or done in `durationMs`; either
 * way the version the database then stands at.
 *
 * @example
 * ```ts
 * await runStep(db, file, UP) // { skipped: false, current: 3, durationMs: 41 }
 * ```
 */
export type StepOutcome =
  | { readonly skipped: true; readonly current: number }
  | { readonly skipped: false; readonly current: number; readonly durationMs: number }

function preview(statement: string): string {
  const line = statement.replace(/\s+/g, ' ')
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}

/**
 * Runs the statements of one file one by one, so a failure names its statement. `run` is
 * `tx.execute` (prepared, one statement each) or, outside a transaction, `db.executeScript`.
 */
async function runScript(
  script: MigrationScript,
  version: number,
  run: (statement: string) => Promise<unknown>,
): Promise<void> {
  for (const statement of migrationStatements(script.text, script.path)) {
    try {
      await run(statement.text)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const aftermath = script.transactional
        ? 'Its transaction was rolled back: nothing of it was applied.'
        : 'It ran without a transaction: the statements before this one stay applied, and the version was not recorded.'
      throw new MigrationError(
        `Migration ${basename(script.path)} failed at line ${statement.line}: ${reason}\n  ${preview(statement.text)}\n${aftermath}`,
        {
          file: script.path,
          version,
          statement: statement.text,
          line: statement.line,
          cause: error,
        },
      )
    }
  }
}

function refuseInTransaction(db: MigrationDatabase, path: string, version: number): void {
  if (db.isTransaction === true) {
    throw new MigrationError(
      `Migration ${basename(path)} is marked no-transaction: run migrations on the root Database, not on a transaction handle`,
      { file: path, version },
    )
  }
}

/**
 * Applies or reverts one migration: in a transaction holding the lock, re-reads
 * `schema_migrations` (a concurrent runner may have done it meanwhile: then it is skipped), runs
 * the statements and records the version (inserts or deletes its row); the statements and the
 * record commit together.
 *
 * A no-transaction migration runs its statements through `db.executeScript` on other pooled
 * connections, each on its own, while the lock transaction stays open (idle, without a snapshot,
 * so `CREATE INDEX CONCURRENTLY` does not wait for it); the version is recorded in that transaction
 * once every statement succeeded. This needs a pool of at least two connections.
 *
 * @example
 * ```ts
 * await runStep(db, file, UP) // begin; lock; SELECT version ...; <001_create_users.up.sql>; INSERT ...; commit
 * await runStep(db, file, DOWN) // begin; lock; SELECT version ...; <001_create_users.down.sql>; DELETE ...; commit
 * ```
 */
export function runStep(
  db: MigrationDatabase,
  file: MigrationFile,
  direction: MigrationDirection,
): Promise<StepOutcome> {
  const script = direction.script(file)
  if (!script.transactional) refuseInTransaction(db, script.path, file.version)
  return withMigrationLock(db, async (tx): Promise<StepOutcome> => {
    const versions = await appliedVersions(tx)
    const current = highest(versions)
    if (direction.isDone(file, versions)) return { skipped: true, current }
    if (current > file.version) {
      throw new MigrationError(
        `Cannot ${direction.event} ${basename(script.path)}: version ${pad(current)} ${direction.laterVersion}`,
        { file: script.path, version: file.version },
      )
    }
    if (!script.transactional) await releaseSnapshot(tx)
    const started = performance.now()
    await runScript(script, file.version, (statement) =>
      script.transactional ? tx.execute(CompiledQuery.raw(statement)) : db.executeScript(statement),
    )
    const durationMs = Math.round(performance.now() - started)
    await direction.record(tx, file, durationMs)
    return {
      skipped: false,
      current: highest(direction.recorded(versions, file.version)),
      durationMs,
    }
  })
}
