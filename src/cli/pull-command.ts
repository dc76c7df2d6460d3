import { rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pullSchema } from '../pull/pull-schema'
import type { CliIo, CliValues } from './cli-context'
import { withDatabase } from './with-database'

/** Writes `text` to `file` whole or not at all: a temporary file beside it, then a rename. */
async function writeWhole(file: string, text: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`)
  try {
    await writeFile(temporary, text, { flag: 'wx' })
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/**
 * `kysely-entities pull [--out <file>] [--schema <name>]`: reads the database and writes its
 * table definitions to the file (or prints them), then says what it did not pull on stderr.
 * @example
 * ```sh
 * npx kysely-entities pull --url postgres://localhost/app --out src/tables.ts
 * # pulled 8 tables to src/tables.ts
 * ```
 */
export async function pullCommand(values: CliValues, io: CliIo): Promise<number> {
  return withDatabase(values, io, async (db) => {
    const result = await pullSchema(
      db,
      values.schema === undefined ? {} : { schema: values.schema },
    )
    const out = values.out
    if (out !== undefined) await writeWhole(out, result.source)
    if (values.json) {
      const { source, ...rest } = result
      io.stdout(`${JSON.stringify(out === undefined ? result : { ...rest, out })}\n`)
    } else if (out === undefined) {
      io.stdout(result.source)
    }
    const where = out === undefined ? '' : ` to ${out}`
    const lines = [`pulled ${result.tables.length} table(s)${where}`]
    for (const s of result.skipped) lines.push(`  not pulled: ${s.what}: ${s.reason}`)
    io.stderr(`${lines.join('\n')}\n`)
    return 0
  })
}
