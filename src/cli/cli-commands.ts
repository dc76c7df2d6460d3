// What each command of `kysely-entities` is, takes and says about itself: the one place its
// usage text, its options and its help come from.

/** An option of the command line, as `node:util` parseArgs takes it, with its help line. */
interface CliOption {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  readonly value?: string
  readonly help: string
}

/** Every option any command takes; a command lists the ones it accepts. */
export const CLI_OPTIONS = {
  url: { type: 'string', value: '<url>', help: 'database URL (default: DATABASE_URL)' },
  dir: { type: 'string', value: '<folder>', help: 'migrations folder (default: migrations)' },
  tables: {
    type: 'string',
    value: '<module>',
    help: 'definitions module (.js, or .ts with tsx installed in your project)',
  },
  export: {
    type: 'string',
    value: '<name>',
    help: 'only this export of the module (a table or a record of tables)',
  },
  out: {
    type: 'string',
    value: '<file>',
    help: 'pull: write the definitions to this file (default: print them)',
  },
  schema: { type: 'string', value: '<name>', help: 'the schema to read (default: public)' },
  steps: { type: 'string', value: '<n>', help: 'migrate down: how many (default 1)' },
  'allow-changed': {
    type: 'boolean',
    help: "apply even if an applied migration's file changed",
  },
  'allow-destructive': {
    type: 'boolean',
    help: 'diff: write statements that drop or narrow (refused without it)',
  },
  write: {
    type: 'string',
    value: '<folder>',
    help: 'diff: write the next NNN_<name>.up.sql and .down.sql there',
  },
  name: {
    type: 'string',
    value: '<name>',
    help: 'diff --write: the migration name (default schema_diff)',
  },
  json: { type: 'boolean', help: 'machine-readable output on stdout' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', short: 'v', help: 'the version of kysely-entities' },
} as const satisfies Record<string, CliOption>

/** The name of an option, without its dashes. */
export type CliOptionName = keyof typeof CLI_OPTIONS

/** A command: its usage line(s), a one-line summary and the options it accepts. */
interface CliCommand {
  readonly summary: string
  readonly usage: readonly (readonly [line: string, help: string])[]
  readonly options: readonly CliOptionName[]
}

const ALWAYS = ['json', 'help'] as const satisfies readonly CliOptionName[]

/** The commands, in the order the help lists them. */
export const CLI_COMMANDS = {
  migrate: {
    summary: 'apply, revert, inspect and create SQL migrations',
    usage: [
      ['migrate up', 'apply pending migrations'],
      ['migrate down [--steps N]', 'revert the last N migrations (default 1)'],
      ['migrate to <version>', 'migrate up or down to exactly <version> (0: everything down)'],
      ['migrate status', 'applied, pending and changed migrations (exit 1 if any changed)'],
      ['migrate create <name>', 'write the next NNN_<name>.up.sql and .down.sql'],
    ],
    options: ['url', 'dir', 'steps', 'allow-changed', ...ALWAYS],
  },
  validate: {
    summary: 'compare the live database with the definitions (exit 1 on drift)',
    usage: [['validate --tables <module>', 'compare the live database with the definitions']],
    options: ['url', 'tables', 'export', ...ALWAYS],
  },
  ddl: {
    summary: 'print the CREATE statements of the definitions',
    usage: [['ddl --tables <module>', 'print the CREATE statements of the definitions']],
    options: ['tables', 'export', ...ALWAYS],
  },
  diff: {
    summary: 'propose the SQL that brings the database in line with the definitions',
    usage: [['diff --tables <module>', 'print the up and down SQL from the database to them']],
    options: ['url', 'tables', 'export', 'allow-destructive', 'write', 'name', ...ALWAYS],
  },
  pull: {
    summary: 'write table definitions from an existing database',
    usage: [['pull [--out <file>]', 'write defineTable source for the tables of the database']],
    options: ['url', 'out', 'schema', ...ALWAYS],
  },
  help: {
    summary: 'this text, or the usage of one command',
    usage: [['help [command]', 'this text, or the usage of one command']],
    options: [...ALWAYS],
  },
} as const satisfies Record<string, CliCommand>

/** The name of a command. */
export type CliCommandName = keyof typeof CLI_COMMANDS

/** Whether `name` is a command. */
export const isCommand = (name: string | undefined): name is CliCommandName =>
  name !== undefined && Object.hasOwn(CLI_COMMANDS, name)

/** The options for `node:util` parseArgs: every option, so that each can be named in an error. */
export const PARSE_OPTIONS = Object.fromEntries(
  Object.entries(CLI_OPTIONS).map(([name, option]) => [
    name,
    'short' in option ? { type: option.type, short: option.short } : { type: option.type },
  ]),
) as { [K in CliOptionName]: { type: (typeof CLI_OPTIONS)[K]['type']; short?: string } }

const column = (rows: readonly (readonly [string, string])[]): string => {
  const width = Math.max(...rows.map(([left]) => left.length)) + 3
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}\n`).join('')
}

const optionRows = (names: readonly CliOptionName[]) =>
  names.map((name): readonly [string, string] => {
    const option: CliOption = CLI_OPTIONS[name]
    const flag = `${option.short === undefined ? '' : `-${option.short}, `}--${name}`
    return [option.value === undefined ? flag : `${flag} ${option.value}`, option.help]
  })

/** The help of the whole command line. */
export const USAGE = `usage: kysely-entities <command> [options]

commands:
${column(Object.entries(CLI_COMMANDS).map(([name, command]) => [name, command.summary]))}
options:
${column(optionRows(['help', 'version', 'json']))}
Run "kysely-entities <command> --help" for the usage and options of one command.
`

/** The help of one command: its usage lines and the options it takes. */
export function commandUsage(name: CliCommandName): string {
  const command: CliCommand = CLI_COMMANDS[name]
  return `usage: kysely-entities ${command.usage.length === 1 ? command.usage[0]?.[0] : `${name} <action>`} [options]

${command.summary}

${command.usage.length > 1 ? `actions:\n${column(command.usage.map(([line, help]) => [line, help]))}\n` : ''}options:
${column(optionRows(command.options))}`
}

/** The hint printed under a usage error: where the help of the command (or of all) is. */
export const usageHint = (name: CliCommandName | undefined): string =>
  name === undefined || name === 'help'
    ? 'run "kysely-entities help" for usage'
    : `run "kysely-entities ${name} --help" for its usage`
