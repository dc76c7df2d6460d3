// The `kysely-entities` command: migrate, validate, ddl and diff arrive with the migration work.
const [command] = process.argv.slice(2)
process.stderr.write(
  `kysely-entities: ${command === undefined ? 'no command given' : `unknown command "${command}"`}\n` +
    'usage: kysely-entities <migrate|validate|ddl|diff> [options]\n',
)
process.exitCode = 1
