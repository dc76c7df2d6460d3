import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Database } from '../database'
import { KyselyEntitiesError } from '../errors/kysely-entities-error'
import { down, migrate, readMigrations, status, to } from '../migrate/index'
import { diffSchema } from '../schema/diff-schema'
import { generateDDL } from '../schema/generate-ddl'
import { formatSchemaReport } from '../schema/schema-report'
import { validateSchema } from '../schema/validate-schema'
import { loadTables } from './load-tables'
import { UsageError } from './usage-error'

/** Where the command writes; the process streams by default. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The usage text. */
export const USAGE = `usage: kysely-entities <command> [options]

commands:
  migrate up                 apply pending migrations
  migrate down [--steps N]   revert the last N migrations (default 1)
  migrate to <version>       migrate up or down to exactly <version> (0: everything down)
  migrate status             applied, pending and changed migrations
  migrate create <name>      write the next NNN_<name>.up.sql and .down.sql
  validate                   compare the live database with the definitions (exit 1 on drift)
  ddl                        print the CREATE statements of the definitions
  diff                       propose the SQL that brings the database in line

options:
  --url <url>        database URL (default: DATABASE_URL)
  --dir <folder>     migrations folder (default: migrations)
  --tables <module>  definitions module (.js, or .ts with tsx installed)
  --export <name>    only this export of the module (a table or a record of tables)
  --allow-changed    apply even if an applied migration's file changed
  --json             machine-readable output
  -h, --help         this text
`

const OPTIONS = {
  url: { type: 'string' },
  dir: { type: 'string', default: 'migrations' },
  tables: { type: 'string' },
  export: { type: 'string' },
  steps: { type: 'string' },
  json: { type: 'boolean', default: false },
  'allow-changed': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const

type Values = {
  readonly url?: string
  readonly dir: string
  readonly tables?: string
  readonly export?: string
  readonly steps?: string
  readonly json: boolean
  readonly 'allow-changed': boolean
  readonly help: boolean
}

function integerArgument(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) {
    throw new UsageError(`${what} must be a non-negative integer, got ${text ?? 'nothing'}`)
  }
  return Number(text)
}

function databaseUrl(values: Values, io: CliIo): string {
  const url = values.url ?? io.env.DATABASE_URL
  if (url === undefined || url === '') {
    throw new UsageError('no database: pass --url or set DATABASE_URL')
  }
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error()
  } catch {
    throw new UsageError(
      'the database URL must look like postgres://user:password@host:5432/database',
    )
  }
  return url
}

async function withDatabase<R>(
  values: Values,
  io: CliIo,
  fn: (db: Database) => Promise<R>,
): Promise<R> {
  const db = await Database.connect({ url: databaseUrl(values, io), tables: {}, max: 2 })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

function requireDir(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`migrations folder not found: ${dir}`)
}

async function createMigration(dir: string, name: string | undefined, io: CliIo): Promise<number> {
  if (name === undefined || !/^[a-z0-9_]+$/.test(name)) {
    throw new UsageError('migrate create needs a name of lower-case letters, digits and _')
  }
  await mkdir(dir, { recursive: true })
  const existing = await readMigrations(dir)
  const version = (existing[existing.length - 1]?.version ?? 0) + 1
  if (version > 999) throw new UsageError('migration versions are three digits: 999 is the last')
  const base = `${String(version).padStart(3, '0')}_${name}`
  await writeFile(join(dir, `${base}.up.sql`), `-- ${base}: what this migration does\n`, {
    flag: 'wx',
  })
  await writeFile(join(dir, `${base}.down.sql`), `-- ${base}: how to undo it\n`, { flag: 'wx' })
  io.stdout(`created ${join(dir, `${base}.up.sql`)}\ncreated ${join(dir, `${base}.down.sql`)}\n`)
  return 0
}

async function migrateCommand(args: readonly string[], values: Values, io: CliIo): Promise<number> {
  const [action, argument] = args
  const dir = values.dir
  if (action === 'create') return createMigration(dir, argument, io)
  requireDir(dir)
  const progress = values.json
    ? undefined
    : (event: { type: string; version: number; name: string; durationMs?: number }) => {
        const label = `${String(event.version).padStart(3, '0')}_${event.name}`
        const took = event.durationMs === undefined ? '' : ` (${event.durationMs} ms)`
        io.stderr(
          `${event.type === 'revert' ? 'reverted' : event.type === 'skip' ? 'skipped' : 'applied'} ${label}${took}\n`,
        )
      }
  // Arguments are checked before connecting: a typo is a usage error, not a failed run.
  const steps = values.steps === undefined ? 1 : integerArgument(values.steps, '--steps')
  const version = action === 'to' ? integerArgument(argument, 'the version') : 0
  if (!['up', 'down', 'to', 'status'].includes(action ?? '')) {
    throw new UsageError(`unknown migrate action ${JSON.stringify(action ?? '')}`)
  }
  return withDatabase(values, io, async (db) => {
    switch (action) {
      case 'up': {
        const result = await migrate(db, {
          dir,
          allowChanged: values['allow-changed'],
          onProgress: progress,
        })
        if (values.json) io.stdout(`${JSON.stringify(result)}\n`)
        else
          io.stdout(
            `${result.applied.length} migration(s) applied; now at version ${result.current}\n`,
          )
        return 0
      }
      case 'down': {
        const result = await down(db, { dir, steps, onProgress: progress })
        if (values.json) io.stdout(`${JSON.stringify(result)}\n`)
        else
          io.stdout(
            `${result.reverted.length} migration(s) reverted; now at version ${result.current}\n`,
          )
        return 0
      }
      case 'to': {
        const result = await to(db, {
          dir,
          version,
          allowChanged: values['allow-changed'],
          onProgress: progress,
        })
        if (values.json) io.stdout(`${JSON.stringify(result)}\n`)
        else io.stdout(`now at version ${result.current}\n`)
        return 0
      }
      case 'status': {
        const result = await status(db, { dir })
        if (values.json) {
          io.stdout(`${JSON.stringify(result)}\n`)
        } else {
          const line = (m: { version: number; name: string }) =>
            `  ${String(m.version).padStart(3, '0')}_${m.name}`
          io.stdout(`current version: ${result.current}\n`)
          for (const [title, list] of [
            ['applied', result.applied],
            ['pending', result.pending],
            ['changed since applied', result.changed],
            ['applied but missing', result.missing],
          ] as const) {
            if (list.length > 0) io.stdout(`${title}:\n${list.map(line).join('\n')}\n`)
          }
        }
        return result.changed.length > 0 || result.missing.length > 0 ? 1 : 0
      }
      default:
        throw new UsageError(`unknown migrate action ${JSON.stringify(action ?? '')}`)
    }
  })
}

async function tablesOf(values: Values) {
  if (values.tables === undefined) throw new UsageError('--tables <module> is required')
  return loadTables(values.tables, values.export)
}

/**
 * Runs the `kysely-entities` command line and returns its exit code: 0 success, 1 failure
 * (drift found, a migration failed, the database refused), 2 a command line that cannot run.
 *
 * @example
 * ```sh
 * npx kysely-entities migrate up --dir sql/containerpub/migrations
 * npx kysely-entities validate --tables dist/containerpub/index.js --json
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }) as {
      values: Values
      positionals: string[]
    }
  } catch (error) {
    io.stderr(`kysely-entities: ${(error as Error).message}\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...rest] = positionals
  if (values.help) {
    io.stdout(USAGE)
    return 0
  }
  try {
    switch (command) {
      case 'migrate':
        return await migrateCommand(rest, values, io)
      case 'validate': {
        const tables = await tablesOf(values)
        return await withDatabase(values, io, async (db) => {
          const result = await validateSchema(db, tables)
          io.stdout(values.json ? `${JSON.stringify(result)}\n` : formatSchemaReport(result))
          return result.ok ? 0 : 1
        })
      }
      case 'ddl':
        io.stdout(generateDDL(await tablesOf(values)))
        return 0
      case 'diff': {
        const tables = await tablesOf(values)
        return await withDatabase(values, io, async (db) => {
          const result = await diffSchema(db, tables)
          io.stdout(
            values.json
              ? `${JSON.stringify(result)}\n`
              : `-- up\n${result.up}\n\n-- down\n${result.down}\n`,
          )
          return 0
        })
      }
      default:
        throw new UsageError(
          command === undefined ? 'no command given' : `unknown command ${JSON.stringify(command)}`,
        )
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`kysely-entities: ${error.message}\n${USAGE}`)
      return 2
    }
    const message = error instanceof Error ? error.message : String(error)
    if (values.json) {
      const code = error instanceof KyselyEntitiesError ? error.code : 'ERROR'
      io.stdout(`${JSON.stringify({ error: { code, message } })}\n`)
    }
    io.stderr(`kysely-entities: ${message}\n`)
    return 1
  }
}
