// The `kysely-entities` command: migrations, the drift check, DDL and diffs.
import { runCli } from './cli/run-cli'

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
})
