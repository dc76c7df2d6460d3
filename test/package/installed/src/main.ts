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
  randomUuidV7,
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
// Issue 17 and 18 from the packed package: COPY, coalesced lookups, v7 ids, server features.
const people = connected.manager(UserEntity)
const copied = await people.batchInsert(
  [
    { email: 'bo@example.com', passwordHash: 'argon2$...' },
    { email: 'cy@example.com', passwordHash: 'argon2$...' },
  ],
  { returning: false },
)
const everyone = await people.findAll({ orderBy: 'id' })
const looked = await Promise.all([
  ...everyone.map((u) => people.findByUuid(u.uuid)),
  people.findByUuid(randomUuidV7()),
])
const features = await connected.serverFeatures()
await connected.close()
process.stdout.write(
  `${JSON.stringify({
    dto: found === null ? null : UserDto.from(found),
    count,
    queries: queries.slice(0, 2),
    copied,
    copies: queries.filter((q) => q.startsWith('copy ')).length,
    looked: looked.map((u) => u?.email ?? null),
    coalesced: queries.filter((q) => q.includes('= any($1)')).length,
    v7: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/.test(randomUuidV7()),
    version: typeof features.version,
  })}\n`,
)
