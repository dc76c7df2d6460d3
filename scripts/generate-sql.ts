// `npm run sql:generate`: writes the ContainerPub SQL files from the table definitions.
import { writeFileSync } from 'node:fs'
import { containerpubFunctionsDbSql, containerpubInitSql } from 'kysely-entities/containerpub'

const files = {
  'sql/containerpub/init-db.sql': containerpubInitSql(),
  'sql/containerpub/functions-db.sql': containerpubFunctionsDbSql(),
}
for (const [path, text] of Object.entries(files)) {
  writeFileSync(new URL(`../${path}`, import.meta.url), text)
  console.log(`wrote ${path} (${text.split('\n').length} lines)`)
}
