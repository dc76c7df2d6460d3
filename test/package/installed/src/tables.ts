// A user's definitions module, in TypeScript, as `kysely-entities ddl --tables src/tables.ts` reads it.
import { c, defineTable, Entity } from 'kysely-entities'

export const users = defineTable('users', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.varchar(255).notNull().unique(),
  passwordHash: c.varchar(255).notNull().secret(),
  createdAt: c.timestamp().defaultNow(),
})

export class UserEntity extends Entity.of(users) {}
