import { c, Database, defineTable, Entity, generateDDL } from '/work/wt-copy/src/index'
import { startPostgres, createTestDatabase } from '/work/wt-copy/src/testing/index'
const N = 100_000
const bare = defineTable('m_bare', {
  functionId: c.integer().notNull(),
  status: c.varchar(50).notNull(),
  durationMs: c.integer(),
  error: c.text(),
  timestamp: c.timestamp(),
})
class BareEntity extends Entity.of(bare) {}
const server = await startPostgres({})
const database = await createTestDatabase(server.url, { prefix: 'copy_prof' })
const db = await Database.connect({ url: database.url, tables: { bare } })
await db.executeScript(generateDDL([bare]))
const statuses = ['success', 'error', 'timeout']
const rows = Array.from({ length: N }, (_, i) => ({
  functionId: 1 + (i % 100), status: statuses[i % 3]!, durationMs: i % 11 === 0 ? null : i % 5000,
  error: i % 3 === 1 ? `boom ${i}\tat line ${i % 97}` : null, timestamp: new Date(1_700_000_000_000 + i * 1000),
}))
for (let r = 0; r < 8; r++) { await db.raw('truncate m_bare'); const t = performance.now(); await db.manager(BareEntity).batchInsert(rows, { returning: false }); console.log(performance.now() - t) }
await db.close(); await database.drop(); await server.stop()
