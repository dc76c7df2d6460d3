/**
 * Issue 17, item 4: `defaultRandom({ version: 7 })` gives version 7 uuids on the server this run
 * uses: PostgreSQL 18's own uuidv7(), or on an older server (DATABASE_URL pointing at 15, say) the
 * uuidv7() function generateDDL creates there. Either way the default reads back as `uuidv7()`:
 * the drift check finds nothing, diff proposes nothing, pull writes `defaultRandom({ version: 7 })`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  c,
  Database,
  defineTable,
  diffSchema,
  Entity,
  generateDDL,
  pullSchema,
  randomUuidV7,
  validateSchema,
} from '../../src/index'
import { UUIDV7_FUNCTION } from '../../src/schema/generate-ddl'
import { testDatabase } from '../setup/test-database'

const events = defineTable('v7_events', {
  id: c.uuid().primaryKey().defaultRandom({ version: 7 }),
  name: c.text().notNull(),
})
class EventEntity extends Entity.of(events) {}
const tables = { events }

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
let version: number

beforeAll(async () => {
  test = await testDatabase('uuid_v7')
  db = await Database.connect({ url: test.url, tables })
  version = (await db.rawOne<{ v: number }>(
    "SELECT current_setting('server_version_num')::int AS v",
  ))!.v
  // Twice: every statement can run again harmlessly.
  await db.executeScript(generateDDL(tables))
  await db.executeScript(generateDDL(tables))
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

/** Version and variant of each id, read by the server from the uuid's text. */
async function versions(): Promise<{ version: string; variant: string; n: bigint }[]> {
  return db.raw(`
    SELECT substr(id::text, 15, 1) AS version,
           substr((('x' || substr(id::text, 20, 1))::bit(4))::text, 1, 2) AS variant, count(*) AS n
    FROM v7_events GROUP BY 1, 2`)
}

describe('defaultRandom({ version: 7 })', () => {
  it('uses the built-in uuidv7() on 18 and its own function before 18', async () => {
    const own = await db.raw<{ schema: string }>(
      "SELECT DISTINCT n.nspname AS schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = 'uuidv7'",
    )
    expect(own.map((r) => r.schema)).toEqual([version >= 180000 ? 'pg_catalog' : 'public'])
  })

  it('gives version 7 uuids, in time order, through the manager, batchInsert and raw SQL', async () => {
    const manager = db.manager(EventEntity)
    const one = await manager.insert({ name: 'one' })
    const many = await manager.batchInsert(
      Array.from({ length: 500 }, (_, i) => ({ name: `b${i}` })),
    )
    await db.executeScript(
      "INSERT INTO v7_events (name) SELECT 'raw' || g FROM generate_series(1, 500) g",
    )
    expect(await versions()).toEqual([{ version: '7', variant: '10', n: 1001n }])
    // The first 48 bits are the insert time in milliseconds.
    const ms = Number.parseInt(one.id.replaceAll('-', '').slice(0, 12), 16)
    expect(Math.abs(ms - Date.now())).toBeLessThan(10 * 60_000)
    expect(many.every((e) => e.id.slice(0, 8) >= one.id.slice(0, 8))).toBe(true)
    if (version >= 180000) {
      const built = await db.rawOne<{ n: bigint }>(
        'SELECT count(*) AS n FROM v7_events WHERE uuid_extract_version(id) = 7',
      )
      expect(built!.n).toBe(1001n)
    }
  })

  it('takes a client-made randomUuidV7() as it is', async () => {
    const id = randomUuidV7()
    const made = await db.manager(EventEntity).insert({ id, name: 'client' })
    expect(made.id).toBe(id)
  })

  it('round-trips: check finds nothing, diff proposes nothing, pull writes version 7', async () => {
    expect(await validateSchema(db, tables)).toEqual({ ok: true, issues: [] })
    const diff = await diffSchema(db, tables)
    expect(diff.up).toBe('')
    const pulled = await pullSchema(db)
    expect(pulled.source).toContain('id: c.uuid().primaryKey().defaultRandom({ version: 7 }),')
  })

  it('reports a v4 default where v7 is defined as drift, and diff repairs it', async () => {
    await db.executeScript('ALTER TABLE v7_events ALTER COLUMN id SET DEFAULT gen_random_uuid()')
    const result = await validateSchema(db, tables)
    expect(result.ok).toBe(false)
    expect(result.issues.map((i) => [i.kind, i.expected, i.actual])).toEqual([
      ['default', 'uuidv7()', 'gen_random_uuid()'],
    ])
    // diff sets it back, creating uuidv7() first (a no-op on 18), and the check is clean again.
    const diff = await diffSchema(db, tables)
    expect(diff.steps.map((s) => s.sql)).toEqual([
      UUIDV7_FUNCTION,
      'ALTER TABLE "v7_events" ALTER COLUMN "id" SET DEFAULT uuidv7()',
    ])
    await db.executeScript(diff.up)
    expect(await validateSchema(db, tables)).toEqual({ ok: true, issues: [] })
  })
})
