// A user's program: their own Kysely (another version than the one kysely-entities was developed
// with), handed to Database.fromKysely. With two copies of Kysely this does not type-check.
import { Kysely } from 'kysely'
import {
  createPostgresClient,
  Database,
  defineDto,
  generateDDL,
  type KyselyDatabase,
  PostgresJsDialect,
} from 'kysely-entities'
import { UserEntity, users } from './tables.js'

const tables = { users }
const url = process.env.DATABASE_URL
if (url === undefined) throw new Error('DATABASE_URL is not set')

const kysely = new Kysely<KyselyDatabase<typeof tables>>({
  dialect: new PostgresJsDialect({ sql: createPostgresClient({ url }), ownsClient: true }),
})
const db = Database.fromKysely(kysely, { tables })
await db.executeScript(generateDDL([users]))
const manager = db.manager(UserEntity)
const ada = await manager.insert({ email: 'ada@example.com', passwordHash: 'argon2$...' })
const found = await manager.findByUuid(ada.uuid)
const UserDto = defineDto(UserEntity, ['uuid', 'email'])
const count: number = await manager.count()
await db.close()
// Without @opentelemetry/api installed (an optional peer): events still work, nothing is traced.
const queries: string[] = []
const connected = await Database.connect({ url, tables, log: (e) => queries.push(e.text) })
await connected.raw('SELECT 1 AS one')
await connected.close()
process.stdout.write(
  `${JSON.stringify({ dto: found === null ? null : UserDto.from(found), count, queries })}\n`,
)
