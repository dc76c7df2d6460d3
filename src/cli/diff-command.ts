import { diffSchema, type SchemaDiffStep } from '../drift/diff-schema'
import type { CliIo, CliValues } from './cli-context'
import { loadTables } from './load-tables'
import { writeMigrationPair } from './migrate-command'
import { UsageError } from './usage-error'
import { withDatabase } from './with-database'

const NAME = /^[a-z0-9_]+$/

/** The refusal printed when the diff has destructive steps and `--allow-destructive` is absent. */
function refusal(steps: readonly SchemaDiffStep[]): string {
  const lines = steps.map((s) => `  - ${s.destructive}\n    ${s.sql.replaceAll('\n', '\n    ')}`)
  return `diff has ${steps.length} destructive step(s); review them, then rerun with --allow-destructive to write them:\n${lines.join('\n')}`
}

/**
 * `kysely-entities diff`: prints the SQL from the live database to the definitions, or with
 * `--write <folder>` writes it as the folder's next migration pair. Refuses (exit 1, nothing
 * printed or written) when a step is destructive and `--allow-destructive` is absent; with it,
 * the destructive statements are written as real statements, each after its reason.
 *
 * @example
 * ```sh
 * npx kysely-entities diff --tables dist/tables.js --write migrations --name add_indexes
 * # created migrations/003_add_indexes.up.sql
 * # created migrations/003_add_indexes.down.sql
 * ```
 */
export async function diffCommand(values: CliValues, io: CliIo): Promise<number> {
  if (values.tables === undefined) throw new UsageError('--tables <module> is required')
  if (values.name !== undefined && values.write === undefined) {
    throw new UsageError('--name is for diff --write')
  }
  const name = values.name ?? 'schema_diff'
  if (!NAME.test(name)) {
    throw new UsageError('diff --write needs a name of lower-case letters, digits and _')
  }
  const tables = await loadTables(values.tables, values.export)
  const allowDestructive = values['allow-destructive'] === true
  return withDatabase(values, io, async (db) => {
    const diff = await diffSchema(db, tables, { allowDestructive })
    const destructive = diff.steps.filter((s) => s.destructive !== null)
    if (destructive.length > 0 && !allowDestructive) {
      const message = refusal(destructive)
      if (values.json) {
        io.stdout(
          `${JSON.stringify({ error: { code: 'DESTRUCTIVE', message, steps: destructive } })}\n`,
        )
      }
      io.stderr(`kysely-entities: ${message}\n`)
      return 1
    }
    if (values.write === undefined) {
      io.stdout(
        values.json ? `${JSON.stringify(diff)}\n` : `-- up\n${diff.up}\n\n-- down\n${diff.down}\n`,
      )
      return 0
    }
    if (diff.up === '') {
      io.stdout(
        values.json
          ? `${JSON.stringify({ version: null, created: [], steps: [] })}\n`
          : 'the database matches the definitions: nothing written\n',
      )
      return 0
    }
    const { version, created } = await writeMigrationPair(
      values.write,
      name,
      'diff --write',
      (base) => [
        `-- ${base}: written by kysely-entities diff; review before applying\n\n${diff.up}`,
        `-- ${base}: undoes ${base}.up.sql\n\n${diff.down}`,
      ],
    )
    io.stdout(
      values.json
        ? `${JSON.stringify({ version, created, steps: diff.steps })}\n`
        : created.map((file) => `created ${file}\n`).join(''),
    )
    return 0
  })
}
