// Alternating runs of postgres.js COPY and batchInsert(returning: false), both S5 tables.
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import postgres from 'postgres'
import { c, Database, defineTable, Entity, generateDDL } from '/work/wt-copy/src/index'
import { startPostgres, createTestDatabase } from '/work/wt-copy/src/testing/index'

const N = Number(process.env.ROWS ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const fns = defineTable('m_functions', { id: c.serial().primaryKey(), name: c.text() })
const indexed = defineTable('m_inv', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  functionId: c.integer().notNull().references(() => fns.id, { onDelete: 'cascade' }),
  status: c.varchar(50).notNull(),
  durationMs: c.integer(),
  error: c.text(),
  timestamp: c.timestamp().defaultNow(),
}, { indexes: [['functionId'], ['timestamp']] })
const bare = defineTable('m_bare', {
  functionId: c.integer().notNull(),
  status: c.varchar(50).notNull(),
  durationMs: c.integer(),
  error: c.text(),
  timestamp: c.timestamp(),
})
class IndexedEntity extends Entity.of(indexed) {}
class BareEntity extends Entity.of(bare) {}

const server = await startPostgres({ settings: { shared_buffers: '1GB', max_wal_size: '8GB', work_mem: '16MB' } })
const database = await createTestDatabase(server.url, { prefix: 'copy_measure' })
const db = await Database.connect({ url: database.url, tables: { fns, indexed, bare } })
await db.executeScript(generateDDL([fns, indexed, bare]))
await db.raw(`INSERT INTO m_functions (name) SELECT 'f' || g FROM generate_series(1, 100) g`)
const raw = postgres(database.url, { max: 4, onnotice: () => {} })
const statuses = ['success', 'error', 'timeout']
const rows = Array.from({ length: N }, (_, i) => ({
  functionId: 1 + (i % 100),
  status: statuses[i % 3]!,
  durationMs: i % 11 === 0 ? null : i % 5000,
  error: i % 3 === 1 ? `boom ${i}\tat line ${i % 97}` : null,
  timestamp: new Date(1_700_000_000_000 + i * 1000),
}))
const copyText = (s: string) =>
  /[\\\t\n\r]/.test(s) ? s.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r') : s
function* lines() {
  for (let i = 0; i < rows.length; i += 1_000) {
    let text = ''
    for (let j = i; j < Math.min(rows.length, i + 1_000); j++) {
      const r = rows[j]!
      text += `${r.functionId}\t${copyText(r.status)}\t${r.durationMs ?? '\\N'}\t${r.error === null ? '\\N' : copyText(r.error)}\t${r.timestamp.toISOString()}\n`
    }
    yield text
  }
}
const variants = {
  copy: async (table: string) => {
    const stream = await raw`copy ${raw(table)} (function_id, status, duration_ms, error, timestamp) from stdin`.writable()
    await pipeline(Readable.from(lines()), stream)
  },
  batchInsert: async (table: string) => {
    const entity = table === 'm_inv' ? IndexedEntity : BareEntity
    await db.manager(entity).batchInsert(rows, { returning: false })
  },
}
for (const table of ['m_inv', 'm_bare']) {
  const times: Record<string, number[]> = { copy: [], batchInsert: [] }
  for (let r = 0; r < ROUNDS + 1; r++) {
    for (const [name, run] of Object.entries(variants)) {
      await raw`truncate ${raw(table)} restart identity`
      ;(globalThis as any).gc?.()
      const t = performance.now()
      await run(table)
      const ms = performance.now() - t
      if (r > 0) times[name]!.push(ms)
      const [{ n }] = await raw`select count(*)::int as n from ${raw(table)}`
      if (n !== N) throw new Error(`${name} wrote ${n}`)
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const copy = med(times.copy!), bi = med(times.batchInsert!)
  console.log(`${table}: COPY ${Math.round(N / copy * 1000)} rows/s (${copy.toFixed(0)} ms), batchInsert ${Math.round(N / bi * 1000)} rows/s (${bi.toFixed(0)} ms), ratio ${(bi / copy).toFixed(2)}x  all: copy ${times.copy!.map(Math.round)} bi ${times.batchInsert!.map(Math.round)}`)
}
await raw.end()
await db.close()
await database.drop()
await server.stop()
