// Uses the built package exactly as a CommonJS user would: `require('kysely-entities')`.
const { Database, Entity, c, defineTable, EntityValidationError } = require('kysely-entities')
const { createTestDatabase } = require('kysely-entities/testing')

const notes = defineTable('notes', {
  id: c.serial().primaryKey(),
  title: c.varchar(100).notNull(),
})
class NoteEntity extends Entity.of(notes) {}

async function main() {
  const test = await createTestDatabase(process.env.SERVER_URL, { prefix: 'pkg_cjs' })
  const db = await Database.connect({ url: test.url, tables: { notes } })
  try {
    await db.raw('CREATE TABLE notes (id serial PRIMARY KEY, title varchar(100) NOT NULL)')
    const row = await db.transaction((tx) =>
      tx.rawOne('INSERT INTO notes (title) VALUES (@title) RETURNING *', { title: 'cjs' }),
    )
    const note = NoteEntity.fromMap(row)
    let invalid = false
    try {
      NoteEntity.fromMap({ id: 1, title: 42 })
    } catch (e) {
      invalid = e instanceof EntityValidationError
    }
    console.log(JSON.stringify({ title: note.title, id: note.id, invalid }))
  } finally {
    await db.close()
    await test.drop()
  }
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
