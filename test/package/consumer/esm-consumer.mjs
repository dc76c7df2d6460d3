// Uses the built package exactly as an ESM user would: `import ... from 'kysely-entities'`.
import { c, Database, defineTable, Entity, UniqueViolationError } from 'kysely-entities'
import { createTestDatabase } from 'kysely-entities/testing'

const notes = defineTable('notes', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  title: c.varchar(100).notNull().unique(),
  createdAt: c.timestamp().defaultNow(),
})
class NoteEntity extends Entity.of(notes) {}

const test = await createTestDatabase(process.env.SERVER_URL, { prefix: 'pkg_esm' })
const db = await Database.connect({ url: test.url, tables: { notes } })
try {
  await db.raw(`CREATE TABLE notes (id serial PRIMARY KEY, uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    title varchar(100) NOT NULL UNIQUE, created_at timestamp DEFAULT CURRENT_TIMESTAMP)`)
  const row = await db.rawOne('INSERT INTO notes (title) VALUES (@title) RETURNING *', {
    title: 'esm',
  })
  const note = NoteEntity.fromMap(row)
  const duplicate = await db
    .raw('INSERT INTO notes (title) VALUES (@title)', { title: 'esm' })
    .catch((e) => e)
  console.log(
    JSON.stringify({
      title: note.title,
      isEntity: note instanceof NoteEntity,
      createdAtIsDate: note.createdAt instanceof Date,
      duplicate: duplicate instanceof UniqueViolationError,
    }),
  )
} finally {
  await db.close()
  await test.drop()
}
