import { parseArgs } from 'node:util'
import { formatSchemaReport } from '../drift/schema-report'
import { validateSchema } from '../drift/validate-schema'
import { KyselyEntitiesError } from '../errors/kysely-entities-error'
import { generateDDLStatements } from '../schema/generate-ddl'
import {
  CLI_COMMANDS,
  type CliCommandName,
  type CliOptionName,
  commandUsage,
  isCommand,
  PARSE_OPTIONS,
  USAGE,
  usageHint,
} from './cli-commands'
import type { CliIo, CliValues } from './cli-context'
import { diffCommand } from './diff-command'
import { loadTables } from './load-tables'
import { migrateCommand } from './migrate-command'
import { pullCommand } from './pull-command'
import { UsageError } from './usage-error'
import { withDatabase } from './with-database'

export { USAGE } from './cli-commands'
export type { CliIo } from './cli-context'

async function tablesOf(values: CliValues) {
  if (values.tables === undefined) throw new UsageError('--tables <module> is required')
  return loadTables(values.tables, values.export)
}

async function runCommand(
  command: CliCommandName,
  args: readonly string[],
  values: CliValues,
  io: CliIo,
): Promise<number> {
  const json = (result: unknown) => `${JSON.stringify(result)}\n`
  if (command !== 'migrate' && command !== 'help' && args.length > 0) {
    throw new UsageError(`${command} takes no argument`)
  }
  switch (command) {
    case 'migrate':
      return migrateCommand(args, values, io)
    case 'validate': {
      const tables = await tablesOf(values)
      return withDatabase(values, io, async (db) => {
        const result = await validateSchema(db, tables)
        io.stdout(values.json ? json(result) : formatSchemaReport(result))
        return result.ok ? 0 : 1
      })
    }
    case 'ddl': {
      const tables = await tablesOf(values)
      const statements = generateDDLStatements(tables)
      io.stdout(
        values.json
          ? json({ tables: tables.map((table) => table.$name), statements })
          : `${statements.join(';\n\n')};\n`,
      )
      return 0
    }
    case 'diff':
      return diffCommand(values, io)
    case 'pull':
      return pullCommand(values, io)
    case 'help': {
      const [about, ...extra] = args
      if (extra.length > 0) throw new UsageError('help takes at most one command')
      if (about !== undefined && !isCommand(about)) {
        throw new UsageError(`unknown command ${JSON.stringify(about)}`)
      }
      const text = about === undefined ? USAGE : commandUsage(about)
      io.stdout(values.json ? json({ usage: text }) : text)
      return 0
    }
  }
}

/** The first sentence of a parseArgs error: its advice on `--` is noise here. */
const firstSentence = (message: string) => message.replace(/\.\s.*$/s, '')

/**
 * Runs the `kysely-entities` command line and returns its exit code: 0 success, 1 failure
 * (drift found, a migration failed, the database refused), 2 a command line that cannot run, for
 * which it prints one line and where the help is.
 *
 * @example
 * ```sh
 * npx kysely-entities migrate up --dir sql/containerpub/migrations
 * npx kysely-entities validate --tables dist/containerpub/index.js --json
 * npx kysely-entities ddl --help
 * npx kysely-entities pull --url postgres://localhost/app --out src/tables.ts
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let values: CliValues = {}
  let command: CliCommandName | undefined
  const usageError = (message: string) => {
    if (values.json) io.stdout(`${JSON.stringify({ error: { code: 'USAGE', message } })}\n`)
    io.stderr(`kysely-entities: ${message}\n${usageHint(command)}\n`)
    return 2
  }
  let parsed: { values: CliValues; positionals: string[] }
  try {
    parsed = parseArgs({
      args: [...argv],
      options: PARSE_OPTIONS,
      allowPositionals: true,
      strict: true,
    }) as { values: CliValues; positionals: string[] }
  } catch (error) {
    const first = argv.find((arg) => !arg.startsWith('-'))
    command = isCommand(first) ? first : undefined
    values = { json: argv.includes('--json') }
    return usageError(firstSentence((error as Error).message))
  }
  values = parsed.values
  const [name, ...args] = parsed.positionals
  if (values.version) {
    const version = io.version ?? 'unknown'
    io.stdout(values.json ? `${JSON.stringify({ version })}\n` : `${version}\n`)
    return 0
  }
  if (name === undefined) {
    if (values.help) {
      io.stdout(values.json ? `${JSON.stringify({ usage: USAGE })}\n` : USAGE)
      return 0
    }
    io.stderr(`kysely-entities: no command given\n\n${USAGE}`)
    return 2
  }
  if (!isCommand(name)) return usageError(`unknown command ${JSON.stringify(name)}`)
  command = name
  if (values.help) return runCommand('help', [name], { json: values.json }, io)
  const accepted: readonly CliOptionName[] = CLI_COMMANDS[name].options
  for (const option of Object.keys(values) as CliOptionName[]) {
    if (values[option] !== undefined && !accepted.includes(option)) {
      return usageError(`${name} does not take --${option}`)
    }
  }
  try {
    return await runCommand(name, args, values, io)
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message)
    const message = error instanceof Error ? error.message : String(error)
    if (values.json) {
      const code = error instanceof KyselyEntitiesError ? error.code : 'ERROR'
      io.stdout(`${JSON.stringify({ error: { code, message } })}\n`)
    }
    io.stderr(`kysely-entities: ${message}\n`)
    return 1
  }
}
