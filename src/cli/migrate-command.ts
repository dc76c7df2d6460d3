import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readMigrations } from '../migrate/migration-files'
import { down, migrate, to } from '../migrate/migration-runner'
import { status } from '../migrate/migration-status'
import type { CliIo, CliValues } from './cli-context'
import { UsageError } from './usage-error'
import { withDatabase } from './with-database'

const ACTIONS = ['up', 'down', 'to', 'status', 'create'] as const

function integerArgument(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new UsageError(`${what} must be a non-negative integer`)
  }
  return Number(text)
}

/**
 * Writes the next `NNN_<name>.up.sql` / `.down.sql` pair of `dir` (created if absent), each file
 * refused if it exists; `texts` gives their contents from the base name (`003_add_orders`).
 */
export async function writeMigrationPair(
  dir: string,
  name: string,
  what: string,
  texts: (base: string) => readonly [up: string, down: string],
): Promise<{ readonly version: number; readonly created: readonly [string, string] }> {
  if (!/^[a-z0-9_]+$/.test(name)) {
    throw new UsageError(`${what} needs a name of lower-case letters, digits and _`)
  }
  await mkdir(dir, { recursive: true })
  const existing = await readMigrations(dir)
  const version = (existing[existing.length - 1]?.version ?? 0) + 1
  if (version > 999) throw new UsageError('migration versions are three digits: 999 is the last')
  const base = `${String(version).padStart(3, '0')}_${name}`
  const created = [join(dir, `${base}.up.sql`), join(dir, `${base}.down.sql`)] as const
  const [up, down] = texts(base)
  await writeFile(created[0], up, { flag: 'wx' })
  try {
    await writeFile(created[1], down, { flag: 'wx' })
  } catch (error) {
    // Nothing half-written: the up file goes when its down file cannot be written.
    await rm(created[0], { force: true })
    throw error
  }
  return { version, created }
}

async function createMigration(
  dir: string,
  name: string | undefined,
  values: CliValues,
  io: CliIo,
): Promise<number> {
  const { version, created } = await writeMigrationPair(
    dir,
    name ?? '',
    'migrate create',
    (base) => [`-- ${base}: what this migration does\n`, `-- ${base}: how to undo it\n`],
  )
  io.stdout(
    values.json
      ? `${JSON.stringify({ version, created })}\n`
      : created.map((file) => `created ${file}\n`).join(''),
  )
  return 0
}

const label = (m: { version: number; name: string }) =>
  `${String(m.version).padStart(3, '0')}_${m.name}`

/** `kysely-entities migrate <action>`: returns the exit code. */
export async function migrateCommand(
  args: readonly string[],
  values: CliValues,
  io: CliIo,
): Promise<number> {
  const [action, argument, ...extra] = args
  if (!ACTIONS.includes(action as never)) {
    throw new UsageError(
      action === undefined
        ? `migrate needs an action: ${ACTIONS.join(', ')}`
        : `unknown migrate action ${JSON.stringify(action)}`,
    )
  }
  const takesArgument = action === 'to' || action === 'create'
  if (extra.length > 0 || (!takesArgument && argument !== undefined)) {
    throw new UsageError(
      `migrate ${action} takes ${takesArgument ? 'one argument' : 'no argument'}`,
    )
  }
  if (values.steps !== undefined && action !== 'down') {
    throw new UsageError(`--steps is for migrate down, not migrate ${action}`)
  }
  const dir = values.dir ?? 'migrations'
  if (action === 'create') return createMigration(dir, argument, values, io)
  if (!existsSync(dir)) throw new UsageError(`migrations folder not found: ${dir}`)
  // Arguments are checked before connecting: a typo is a usage error, not a failed run.
  const steps = values.steps === undefined ? 1 : integerArgument(values.steps, '--steps')
  const version = action === 'to' ? integerArgument(argument, 'the version') : 0
  const allowChanged = values['allow-changed'] === true
  const onProgress = values.json
    ? undefined
    : (event: { type: string; version: number; name: string; durationMs?: number }) => {
        const took = event.durationMs === undefined ? '' : ` (${event.durationMs} ms)`
        const verb =
          event.type === 'revert' ? 'reverted' : event.type === 'skip' ? 'skipped' : 'applied'
        io.stderr(`${verb} ${label(event)}${took}\n`)
      }
  const print = (result: unknown, text: string) =>
    io.stdout(values.json ? `${JSON.stringify(result)}\n` : text)
  return withDatabase(values, io, async (db) => {
    switch (action) {
      case 'up': {
        const result = await migrate(db, { dir, allowChanged, onProgress })
        print(
          result,
          `${result.applied.length} migration(s) applied; now at version ${result.current}\n`,
        )
        return 0
      }
      case 'down': {
        const result = await down(db, { dir, steps, onProgress })
        print(
          result,
          `${result.reverted.length} migration(s) reverted; now at version ${result.current}\n`,
        )
        return 0
      }
      case 'to': {
        const result = await to(db, { dir, version, allowChanged, onProgress })
        print(result, `now at version ${result.current}\n`)
        return 0
      }
      default: {
        const result = await status(db, { dir })
        let text = `current version: ${result.current}\n`
        for (const [title, list] of [
          ['applied', result.applied],
          ['pending', result.pending],
          ['changed since applied', result.changed],
          ['applied but missing', result.missing],
        ] as const) {
          if (list.length > 0) text += `${title}:\n${list.map((m) => `  ${label(m)}`).join('\n')}\n`
        }
        print(result, text)
        return result.changed.length > 0 || result.missing.length > 0 ? 1 : 0
      }
    }
  })
}
