import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { containerpubTables } from '../../src/containerpub/index'
import { diffSchema } from '../../src/drift/diff-schema'
import { validateSchema } from '../../src/drift/validate-schema'
import { type AnyTable, c, Database, defineTable, generateDDL } from '../../src/index'
import { pullSchema } from '../../src/pull/pull-schema'
import { testDatabase } from '../setup/test-database'

// The drift rules of issue 15 on a real PostgreSQL: triggers and their functions, equivalent
// defaults, and diff's destructive steps.

const containerpub: readonly AnyTable[] = Object.values(containerpubTables)
const touched = containerpub.filter((t) => t.$meta.onUpdateNow.length > 0).map((t) => t.$name)

// The ContainerPub schema as the original writes it: uuid_generate_v4() from uuid-ossp, and its
// own trigger function and trigger names.
const ORIGINAL = [
  'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"',
  generateDDL(containerpub, { triggers: false }).replaceAll(
    'gen_random_uuid()',
    'uuid_generate_v4()',
  ),
  `CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    -- keep updated_at current
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ language 'plpgsql'`,
  ...touched.map(
    (t) =>
      `CREATE TRIGGER update_${t}_updated_at BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`,
  ),
].join(';\n')

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<Record<string, never>>

/** A schema of its own for each test, built from `sql`, the search path set to it. */
async function schemaOf(name: string, sql: string): Promise<{ readonly schema: string }> {
  await db.executeScript(
    `CREATE SCHEMA ${name}; SET search_path TO ${name}, public; ${sql}; RESET search_path`,
  )
  return { schema: name }
}

beforeAll(async () => {
  test = await testDatabase('drift_rules')
  db = await Database.connect({ url: test.url, tables: {}, max: 1 })
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

describe('triggers and their functions', () => {
  it("the original's trigger names and uuid_generate_v4() validate, reported as equivalent", async () => {
    const options = await schemaOf('original', ORIGINAL)
    const result = await validateSchema(db, containerpub, options)
    expect(result.issues).toEqual([])
    expect(result.ok).toBe(true)
    const notes = result.notes ?? []
    expect(notes.every((n) => n.kind === 'equivalent')).toBe(true)
    const triggers = notes.filter((n) => n.expected?.includes('EXECUTE FUNCTION'))
    expect(triggers.map((n) => n.table).sort()).toEqual([...touched].sort())
    expect(triggers.find((n) => n.table === 'users')).toEqual({
      table: 'users',
      column: 'updated_at',
      kind: 'equivalent',
      expected:
        'users_updated_at_touch BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION ke_touch_updated_at() (sets updated_at to CURRENT_TIMESTAMP)',
      actual:
        'update_users_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
      message:
        'trigger "update_users_updated_at" does what "users_updated_at_touch" does: it sets "updated_at" to the current time on every update',
    })
    const uuids = notes.filter((n) => n.column === 'uuid')
    expect(uuids.length).toBe(containerpub.filter((t) => t.$meta.byName.has('uuid')).length)
    expect(uuids[0]).toMatchObject({
      kind: 'equivalent',
      expected: 'gen_random_uuid()',
      // The extension went to the first schema of the search path: qualified, still equivalent.
      actual: 'original.uuid_generate_v4()',
    })
    expect(uuids[0]!.message).toContain('random (version 4) uuid')
    // Nothing to do, so diff proposes nothing.
    expect((await diffSchema(db, containerpub, options)).steps).toEqual([])
  })

  it('a missing updated_at trigger is reported, and diff creates it', async () => {
    const options = await schemaOf(
      'missing_trigger',
      `${generateDDL(containerpub)}; DROP TRIGGER functions_updated_at_touch ON functions`,
    )
    const result = await validateSchema(db, containerpub, options)
    expect(result.issues).toEqual([
      {
        table: 'functions',
        column: 'updated_at',
        kind: 'trigger',
        expected:
          'functions_updated_at_touch BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION ke_touch_updated_at() (sets updated_at to CURRENT_TIMESTAMP)',
        actual: null,
        message: 'trigger "functions_updated_at_touch" is missing',
      },
    ])
    const diff = await diffSchema(db, containerpub, options)
    expect(diff.steps.every((s) => s.applied && s.destructive === null)).toBe(true)
    await db.executeScript(diff.up)
    expect(await validateSchema(db, containerpub, options)).toEqual({ ok: true, issues: [] })
    await db.executeScript(diff.down)
    expect((await validateSchema(db, containerpub, options)).issues).toEqual(result.issues)
  })

  it('a trigger of the expected name that does something else differs; another clock is not now()', async () => {
    const options = await schemaOf(
      'other_clock',
      `${generateDDL(containerpub)};
      CREATE FUNCTION wall_clock() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.updated_at = clock_timestamp(); RETURN NEW; END $$;
      DROP TRIGGER users_updated_at_touch ON users;
      CREATE TRIGGER users_updated_at_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION wall_clock()`,
    )
    const result = await validateSchema(db, containerpub, options)
    expect(result.issues.map((i) => [i.table, i.kind, i.message])).toEqual([
      [
        'users',
        'trigger',
        'trigger "users_updated_at_touch" differs: it does not set "updated_at" to the current time before every update',
      ],
    ])
    const diff = await diffSchema(db, containerpub, options)
    expect(diff.steps[0]).toMatchObject({
      sql: `DROP TRIGGER "users_updated_at_touch" ON "users"`,
      applied: true,
    })
    expect(diff.steps[0]!.destructive).toContain('to replace it')
    await db.executeScript(diff.up)
    expect(await validateSchema(db, containerpub, options)).toEqual({ ok: true, issues: [] })
  })

  it('an extra touch trigger is drift (destructive to drop); any other trigger is noted, not compared', async () => {
    const audit = defineTable('audited', {
      id: c.serial().primaryKey(),
      seenAt: c.timestamp(),
    })
    const options = await schemaOf(
      'extra_trigger',
      `${generateDDL([audit])};
      CREATE FUNCTION touch_seen() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.seen_at := CURRENT_TIMESTAMP; RETURN NEW; END $$;
      CREATE TRIGGER audited_seen BEFORE UPDATE ON audited FOR EACH ROW EXECUTE FUNCTION touch_seen();
      CREATE FUNCTION log_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
      CREATE TRIGGER audited_log AFTER INSERT ON audited FOR EACH STATEMENT EXECUTE FUNCTION log_insert()`,
    )
    const result = await validateSchema(db, [audit], options)
    expect(result.issues.map((i) => [i.kind, i.column, i.message])).toEqual([
      ['trigger', 'seen_at', 'trigger "audited_seen" is not in the definition'],
    ])
    expect(result.notes).toEqual([
      {
        table: 'audited',
        kind: 'not_compared',
        expected: null,
        actual: 'audited_log AFTER INSERT FOR EACH STATEMENT EXECUTE FUNCTION log_insert()',
        message:
          'trigger "audited_log" is not compared: the definitions cannot express what it does',
      },
    ])
    const diff = await diffSchema(db, [audit], options)
    expect(diff.steps).toEqual([
      {
        sql: 'DROP TRIGGER "audited_seen" ON "audited"',
        applied: true,
        destructive:
          'drops trigger "audited_seen", which keeps "seen_at" current where the definitions do not ask for it (no onUpdateNow())',
        guess: null,
      },
    ])
  })
})

describe('diff on a real database', () => {
  it('marks dropping the original composite index destructive, and creating its replacement not', async () => {
    const options = await schemaOf(
      'composite',
      `${generateDDL(containerpub)};
      DROP INDEX idx_users_email;
      CREATE INDEX idx_users_email_created ON users (email, created_at DESC)`,
    )
    const diff = await diffSchema(db, containerpub, options)
    expect(diff.steps.map((s) => [s.sql, s.destructive !== null])).toEqual([
      ['DROP INDEX "idx_users_email_created"', true],
      ['CREATE INDEX "idx_users_email" ON "users" ("email")', false],
    ])
    expect(diff.up).toContain(
      '-- DESTRUCTIVE: drops index "idx_users_email_created" (CREATE INDEX idx_users_email_created ON composite.users USING btree (email, created_at DESC)), which the definitions do not declare',
    )
  })

  it('compares CHECK expressions after the server reads them, not by their text', async () => {
    const priced = defineTable(
      'priced',
      { id: c.serial().primaryKey(), price: c.integer().notNull(), kind: c.text() },
      {
        checks: {
          priced_price_range: 'price BETWEEN 0 AND 100',
          priced_kind: "kind IN ('a') OR kind IS NULL",
        },
      },
    )
    // Written by hand, as a team would: other names for one check, other spelling for both.
    const options = await schemaOf(
      'checks',
      `CREATE TABLE priced (id serial PRIMARY KEY, price integer NOT NULL, kind text,
        CONSTRAINT price_between CHECK (price >= 0 AND price <= 100),
        CONSTRAINT priced_kind CHECK (kind = 'a' OR kind IS NULL))`,
    )
    expect(await validateSchema(db, [priced], options)).toEqual({ ok: true, issues: [] })
    await db.executeScript(
      'ALTER TABLE checks.priced DROP CONSTRAINT price_between, ADD CONSTRAINT price_between CHECK (price > 0 AND price <= 100)',
    )
    const drifted = await validateSchema(db, [priced], options)
    expect(drifted.issues.map((i) => [i.kind, i.message])).toEqual([
      ['check', 'check "priced_price_range" is missing'],
      ['check', 'check "price_between" is not in the definition'],
    ])
  })

  it('compares defaults after the server folds them, also on a transaction handle', async () => {
    const tagged = defineTable('tagged', {
      id: c.serial().primaryKey(),
      labels: c.textArray().defaultSql('ARRAY[]::text[]'),
      size: c.integer().defaultSql('1 + 1'),
      code: c.varchar(10).default('x'),
    })
    // Written by hand: the same values, spelled as the stored defaults of another tool.
    const options = await schemaOf(
      'defaults',
      `CREATE TABLE tagged (id serial PRIMARY KEY, labels text[] DEFAULT '{}',
        size integer DEFAULT 2, code varchar(10) DEFAULT 'x'::text)`,
    )
    expect(await validateSchema(db, [tagged], options)).toEqual({ ok: true, issues: [] })
    await db.transaction(async (tx) => {
      expect(await validateSchema(tx, [tagged], options)).toEqual({ ok: true, issues: [] })
      // The transaction is still usable after the checks.
      expect(await tx.raw('SELECT 1 AS one')).toEqual([{ one: 1 }])
    })
    await db.executeScript('ALTER TABLE defaults.tagged ALTER size SET DEFAULT 3')
    const drifted = await validateSchema(db, [tagged], options)
    expect(drifted.issues.map((i) => [i.kind, i.column, i.expected, i.actual])).toEqual([
      ['default', 'size', '1 + 1', '3'],
    ])
  })

  it('an exclusion constraint is listed as not compared, and pull lists it as not pulled', async () => {
    const bookings = defineTable('bookings', {
      id: c.serial().primaryKey(),
      room: c.integer().notNull(),
    })
    const options = await schemaOf(
      'exclusion',
      `CREATE TABLE bookings (id serial PRIMARY KEY, room integer NOT NULL,
        CONSTRAINT one_booking_per_room EXCLUDE USING btree (room WITH =))`,
    )
    const result = await validateSchema(db, [bookings], options)
    // Its index belongs to the constraint: not reported as an extra index either.
    expect(result.issues).toEqual([])
    expect(result.notes).toEqual([
      {
        table: 'bookings',
        kind: 'not_compared',
        expected: null,
        actual: 'one_booking_per_room EXCLUDE USING btree (room WITH =)',
        message:
          'exclusion constraint "one_booking_per_room" is not compared: a table definition cannot declare one',
      },
    ])
    expect((await diffSchema(db, [bookings], options)).steps).toEqual([])
    const pulled = await pullSchema(db, options)
    expect(pulled.skipped).toEqual([
      {
        table: 'bookings',
        what: 'exclusion constraint "one_booking_per_room"',
        reason: 'a table definition cannot declare one; keep it in a migration',
      },
    ])
    expect(pulled.source).toContain(
      '// Not pulled: exclusion constraint "one_booking_per_room": a table definition cannot declare one; keep it in a migration.',
    )
  })

  it("a guessed rename carries the column's other changes; applied, the schema validates", async () => {
    const notesTable = defineTable(
      'notes',
      { id: c.serial().primaryKey(), body: c.text().notNull().default('') },
      { indexes: [['body']] },
    )
    const options = await schemaOf(
      'renamed',
      `CREATE TABLE notes (id serial PRIMARY KEY, content text);
       CREATE INDEX idx_notes_body ON notes (content);
       INSERT INTO notes (content) VALUES ('kept')`,
    )
    const diff = await diffSchema(db, [notesTable], { ...options, allowDestructive: true })
    expect(diff.steps.map((s) => s.sql)).toEqual([
      'ALTER TABLE "notes" RENAME COLUMN "content" TO "body"',
      'ALTER TABLE "notes" ALTER COLUMN "body" SET NOT NULL',
      `ALTER TABLE "notes" ALTER COLUMN "body" SET DEFAULT ''`,
    ])
    await db.executeScript(diff.up)
    expect(await validateSchema(db, [notesTable], options)).toEqual({ ok: true, issues: [] })
    expect(await db.raw('SELECT body FROM renamed.notes')).toEqual([{ body: 'kept' }])
  })
})
