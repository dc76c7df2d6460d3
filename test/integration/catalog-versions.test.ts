import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  c,
  Database,
  defineTable,
  diffSchema,
  generateDDL,
  pullSchema,
  validateSchema,
} from '../../src/index'
import type { TestDatabase } from '../../src/testing/index'
import { testDatabase } from '../setup/test-database'

// Catalog differences between the versions CI runs (15 and 18), on the run's server: the drift
// check, diffSchema and pull must give the same answer on each.

const owners = defineTable('cv_owners', {
  id: c.serial().primaryKey(),
  email: c.varchar(255).notNull().unique(),
})

const items = defineTable(
  'cv_items',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom({ version: 7 }),
    ownerId: c
      .integer()
      .notNull()
      .references(() => owners.id, { onDelete: 'cascade' }),
    name: c.varchar(100).notNull(),
    status: c.varchar(20).notNull().default('active'),
    tags: c.jsonb().notNull().default([]),
    createdAt: c.timestamptz().notNull().defaultNow(),
  },
  {
    indexes: [{ columns: ['ownerId', 'createdAt'] }],
    uniques: [['ownerId', 'name']],
    checks: { cv_items_name_not_empty: "name <> ''" },
  },
)

let test: TestDatabase
let sql: postgres.Sql
let db: Database<{ owners: typeof owners; items: typeof items }>
let version: number

beforeAll(async () => {
  test = await testDatabase('catalog_versions')
  sql = postgres(test.url, { max: 1, onnotice: () => {} })
  db = await Database.connect({ url: test.url, tables: { owners, items }, max: 2 })
  version = (await db.serverFeatures()).version
  await db.executeScript(generateDDL([owners, items]))
})

afterAll(async () => {
  await db?.close()
  await sql?.end({ timeout: 5 })
  await test?.drop()
})

describe('catalog differences between PostgreSQL 15 and 18', () => {
  it("NOT NULL: its own pg_constraint row (contype 'n') from 18, none on 15; the drift check reads neither way the same", async () => {
    const [row] = await sql`select count(*)::int as n from pg_constraint
      where conrelid = 'cv_items'::regclass and contype = 'n'`
    // id (primary key) and every notNull column: 7 from 18 on, none before.
    expect(row?.n).toBe(version >= 180000 ? 7 : 0)
    const result = await validateSchema(db, [owners, items])
    expect(result.issues).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('diffSchema of the definitions against what they created is empty on this version', async () => {
    const diff = await diffSchema(db, [owners, items])
    expect(diff.steps).toEqual([])
  })

  it('a NOT NULL dropped behind the drift check is found on this version', async () => {
    await sql`alter table cv_items alter column name drop not null`
    try {
      const result = await validateSchema(db, [owners, items])
      expect(result.issues).toEqual([
        expect.objectContaining({ table: 'cv_items', column: 'name' }),
      ])
    } finally {
      await sql`alter table cv_items alter column name set not null`
    }
  })

  it('pull reads the same definitions back: uuidv7() (built in on 18, the SQL function before), jsonb default, check, composite unique', async () => {
    const { source, skipped } = await pullSchema(db)
    expect(skipped).toEqual([])
    expect(source).toContain('.defaultRandom({ version: 7 })')
    expect(source).toMatch(/tags: c\.jsonb\(\)\.notNull\(\)\.default\(\[\]\)/)
    expect(source).toContain('cv_items_name_not_empty')
    expect(source).toMatch(/uniques: \[\['ownerId', 'name'\]\]|uniques: \[\["ownerId", "name"\]\]/)
  })
})
