// Type-checked against the shipped .d.ts files (module/moduleResolution nodenext), not src/.
import { c, Database, defineTable, Entity, type InsertProps } from 'kysely-entities'
import { startPostgres } from 'kysely-entities/testing'

const users = defineTable('users', {
  id: c.serial().primaryKey(),
  email: c.varchar(255).notNull(),
  createdAt: c.timestamp().defaultNow(),
})
export class UserEntity extends Entity.of(users) {}

export async function main(): Promise<string> {
  const server = await startPostgres()
  const db = await Database.connect({ url: server.url, tables: { users } })
  const rows = await db.kysely.selectFrom('users').select(['email', 'created_at']).execute()
  const first: { email: string; created_at: Date | null } | undefined = rows[0]
  const insert: InsertProps<typeof users> = { email: 'a@x.io' }
  const user = UserEntity.fromMap({ id: 1, email: insert.email, created_at: null })
  const email: string = user.email
  await db.close()
  await server.stop()
  return first?.email ?? email
}
