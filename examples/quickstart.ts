// The README quickstart as a program: `npm test` runs it (test/integration/examples.test.ts).
import { c, Database, defineTable, Entity } from 'kysely-entities'
import { startPostgres } from 'kysely-entities/testing'

export const users = defineTable('users', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.varchar(255).notNull().unique(),
  passwordHash: c.varchar(255).notNull().secret(),
  createdAt: c.timestamp().defaultNow(),
})

export class UserEntity extends Entity.of(users) {}

/** Runs the quickstart against `url` (default: DATABASE_URL, else an embedded PostgreSQL). */
export async function quickstart(url?: string) {
  const pg = await startPostgres({ url })
  const db = await Database.connect({ url: pg.url, tables: { users } })
  try {
    await db.raw(`CREATE TABLE users (
      id serial PRIMARY KEY, uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      email varchar(255) NOT NULL UNIQUE, password_hash varchar(255) NOT NULL,
      created_at timestamp DEFAULT CURRENT_TIMESTAMP)`)

    const row = await db.rawOne(
      'INSERT INTO users (email, password_hash) VALUES (@email, @hash) RETURNING *',
      { email: 'ada@example.com', hash: 'argon2$...' },
    )
    const ada = UserEntity.fromMap(row)
    const renamed = ada.copyWith({ email: 'a@x.io' })

    const emails = await db.kysely.selectFrom('users').select(['uuid', 'email']).execute()

    await db.transaction(
      async (tx) => {
        await tx.raw('UPDATE users SET email = @email WHERE id = @id', {
          email: 'b@x.io',
          id: ada.id,
        })
        await tx.transaction(async (inner) => {
          await inner.raw('SELECT 1')
        })
      },
      { isolationLevel: 'serializable' },
    )
    const after = await db.rawOne<{ email: string }>('SELECT email FROM users WHERE id = @id', {
      id: ada.id,
    })
    return { ada, renamed, emails, emailAfterTransaction: after?.email, json: JSON.stringify(ada) }
  } finally {
    await db.close()
    await pg.stop()
  }
}
