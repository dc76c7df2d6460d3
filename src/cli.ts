#!/usr/bin/env node
// The `kysely-entities` command: migrations, the drift check, DDL and diffs.
import { readFileSync } from 'node:fs'
import { runCli } from './cli/run-cli'

// This file is src/cli.ts or dist/cli.js: the package's package.json is one folder up from both.
const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string }

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  version,
})
