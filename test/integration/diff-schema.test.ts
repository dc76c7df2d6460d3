import { describe, expect, it } from 'vitest'
import { containerpubTables } from '../../src/containerpub/index'
import { diffSchema } from '../../src/drift/diff-schema'
import type { SchemaValidationResult } from '../../src/drift/schema-issue'
import { normalizeExpression } from '../../src/drift/sql-normalization'
import { validateSchema } from '../../src/drift/validate-schema'
import { type AnyTable, c, Database, defineTable, generateDDL } from '../../src/index'
import { testDatabase } from '../setup/test-database'

const containerpub = Object.values(containerpubTables)

async function freshDatabase(sql: string, tables: readonly AnyTable[] = containerpub) {
  const test = await testDatabase('diff')
  const db = await Database.connect({ url: test.url, tables: {}, max: 2 })
  await db.executeScript(generateDDL(tables))
  if (sql !== '') await db.executeScript(sql)
  return {
    db,
    async close() {
      await db.close()
      await test.drop()
    },
  }
}

/** A script as diffSchema writes it: entries apart by a blank line, a final newline. */
function script(...entries: string[]): string {
  return `${entries.join('\n\n')}\n`
}

/**
 * The issues with `actual` loosely normalised: a constraint `down` re-adds from its printed
 * definition is the same constraint, though PostgreSQL may print it with other casts.
 */
function loosely(result: SchemaValidationResult) {
  return result.issues.map((i) => ({
    ...i,
    actual: i.actual === null ? null : normalizeExpression(i.actual),
  }))
}

/**
 * Drifts `sql`, then checks that `up` clears every issue and `down` brings back exactly the
 * drifted state. Returns the diff for further checks.
 */
async function roundTrip(sql: string, tables: readonly AnyTable[] = containerpub) {
  const fresh = await freshDatabase(sql, tables)
  try {
    const drifted = await validateSchema(fresh.db, tables)
    expect(drifted.ok).toBe(false)
    const diff = await diffSchema(fresh.db, tables)
    expect(diff.destructive).toEqual([])
    // Every statement runs: what is destructive (a drop) is marked, not commented out.
    expect(diff.steps.every((s) => s.applied)).toBe(true)
    expect(diff.up).not.toContain('-- DESTRUCTIVE, review')
    await fresh.db.executeScript(diff.up)
    expect(await validateSchema(fresh.db, tables)).toEqual({ ok: true, issues: [] })
    expect(await diffSchema(fresh.db, tables)).toEqual({
      up: '',
      down: '',
      destructive: [],
      steps: [],
    })
    await fresh.db.executeScript(diff.down)
    expect(loosely(await validateSchema(fresh.db, tables))).toEqual(loosely(drifted))
    return diff
  } finally {
    await fresh.close()
  }
}

describe('diffSchema', () => {
  it('proposes nothing for a database generateDDL created', async () => {
    const fresh = await freshDatabase('')
    try {
      expect(await diffSchema(fresh.db, containerpubTables)).toEqual({
        up: '',
        down: '',
        destructive: [],
        steps: [],
      })
    } finally {
      await fresh.close()
    }
  })

  it('adds a missing column, unique, foreign key, index and check, and removes them again', async () => {
    const diff = await roundTrip(
      [
        'ALTER TABLE function_logs DROP COLUMN level',
        'ALTER TABLE organizations DROP CONSTRAINT organizations_name_key',
        'ALTER TABLE functions DROP CONSTRAINT functions_user_id_name_key',
        'ALTER TABLE functions DROP CONSTRAINT functions_user_id_fkey',
        'DROP INDEX idx_function_logs_timestamp',
        'ALTER TABLE user_information DROP CONSTRAINT user_information_role_check',
      ].join(';\n'),
    )
    expect(diff.up).toBe(
      script(
        `ALTER TABLE "function_logs" ADD COLUMN "level" varchar(20) NOT NULL;`,
        `ALTER TABLE "user_information" ADD CONSTRAINT "user_information_role_check" CHECK ("role" IN ('developer', 'team', 'sub_team_developer'));`,
        `ALTER TABLE "organizations" ADD CONSTRAINT "organizations_name_key" UNIQUE ("name");`,
        `ALTER TABLE "functions" ADD CONSTRAINT "functions_user_id_name_key" UNIQUE ("user_id", "name");`,
        `ALTER TABLE "functions" ADD CONSTRAINT "functions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE;`,
        `CREATE INDEX "idx_function_logs_timestamp" ON "function_logs" ("timestamp" DESC);`,
      ),
    )
    expect(diff.down).toBe(
      script(
        `DROP INDEX "idx_function_logs_timestamp";`,
        `ALTER TABLE "functions" DROP CONSTRAINT "functions_user_id_fkey";`,
        `ALTER TABLE "functions" DROP CONSTRAINT "functions_user_id_name_key";`,
        `ALTER TABLE "organizations" DROP CONSTRAINT "organizations_name_key";`,
        `ALTER TABLE "user_information" DROP CONSTRAINT "user_information_role_check";`,
        `ALTER TABLE "function_logs" DROP COLUMN "level";`,
      ),
    )
  })

  it('sets and drops NOT NULL and defaults, and widens a varchar', async () => {
    const diff = await roundTrip(
      [
        'ALTER TABLE function_logs ALTER COLUMN message DROP NOT NULL',
        'ALTER TABLE functions ALTER COLUMN status SET NOT NULL',
        "ALTER TABLE functions ALTER COLUMN status SET DEFAULT 'inactive'",
        'ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT',
        "ALTER TABLE function_invocations ALTER COLUMN error SET DEFAULT ''",
        'ALTER TABLE user_information ALTER COLUMN city TYPE varchar(50)',
      ].join(';\n'),
    )
    expect(diff.up).toBe(
      script(
        `ALTER TABLE "users" ALTER COLUMN "created_at" SET DEFAULT CURRENT_TIMESTAMP;`,
        `ALTER TABLE "user_information" ALTER COLUMN "city" TYPE character varying(100);`,
        `ALTER TABLE "functions" ALTER COLUMN "status" DROP NOT NULL;`,
        `ALTER TABLE "functions" ALTER COLUMN "status" SET DEFAULT 'active';`,
        `-- DESTRUCTIVE: narrows column "message" to NOT NULL: fails if a row has NULL\nALTER TABLE "function_logs" ALTER COLUMN "message" SET NOT NULL;`,
        `ALTER TABLE "function_invocations" ALTER COLUMN "error" DROP DEFAULT;`,
      ),
    )
    expect(diff.down).toContain(
      `ALTER TABLE "functions" ALTER COLUMN "status" SET DEFAULT 'inactive'::character varying;`,
    )
    expect(diff.down).toContain(
      `ALTER TABLE "user_information" ALTER COLUMN "city" TYPE character varying(50);`,
    )
  })

  it('replaces a foreign key, check and index that differ, and drops extra ones', async () => {
    await roundTrip(
      [
        'ALTER TABLE function_logs DROP CONSTRAINT function_logs_function_id_fkey, ' +
          'ADD CONSTRAINT function_logs_function_id_fkey FOREIGN KEY (function_id) REFERENCES functions (id) ON DELETE RESTRICT',
        'ALTER TABLE user_information DROP CONSTRAINT user_information_role_check, ' +
          "ADD CONSTRAINT user_information_role_check CHECK (role IN ('developer', 'team'))",
        'DROP INDEX idx_function_logs_timestamp',
        'CREATE INDEX idx_function_logs_timestamp ON function_logs (function_id, "timestamp")',
        'CREATE INDEX function_logs_level_idx ON function_logs (level)',
        "ALTER TABLE functions ADD CONSTRAINT functions_name_check CHECK (name <> '')",
        'ALTER TABLE function_logs ADD CONSTRAINT function_logs_level_key UNIQUE (level)',
        'ALTER TABLE functions ADD CONSTRAINT functions_active_deployment_id_fkey ' +
          'FOREIGN KEY (active_deployment_id) REFERENCES function_deployments (id)',
      ].join(';\n'),
    )
  })

  it('restores a primary key and a serial sequence, past the ids already used', async () => {
    const fresh = await freshDatabase(
      [
        'ALTER TABLE function_logs DROP CONSTRAINT function_logs_pkey',
        'ALTER TABLE function_logs ALTER COLUMN id DROP DEFAULT',
        'DROP SEQUENCE function_logs_id_seq',
        "INSERT INTO users (email, password_hash) VALUES ('a@x.io', 'h')",
        "INSERT INTO functions (user_id, name) SELECT id, 'f' FROM users",
        "INSERT INTO function_logs (id, function_id, level, message) SELECT 41, id, 'info', 'm' FROM functions",
      ].join(';\n'),
    )
    try {
      const drifted = await validateSchema(fresh.db, containerpub)
      expect(drifted.issues.map((i) => i.kind)).toEqual(['default', 'primary_key'])
      const diff = await diffSchema(fresh.db, containerpub)
      await fresh.db.executeScript(diff.up)
      expect(await validateSchema(fresh.db, containerpub)).toEqual({ ok: true, issues: [] })
      const row = await fresh.db.rawOne<{ id: number }>(
        "INSERT INTO function_logs (function_id, level, message) SELECT id, 'info', 'n' FROM functions RETURNING id",
      )
      expect(row?.id).toBe(42)
      await fresh.db.executeScript('DELETE FROM function_logs WHERE id = 42')
      await fresh.db.executeScript(diff.down)
      expect(await validateSchema(fresh.db, containerpub)).toEqual(drifted)
    } finally {
      await fresh.close()
    }
  })

  it('creates missing tables in foreign-key order, and drops them in reverse', async () => {
    const diff = await roundTrip(
      'DROP TABLE function_logs; DROP TABLE function_invocations; DROP TABLE functions CASCADE',
    )
    const at = (text: string) => diff.up.indexOf(text)
    expect(at('CREATE TABLE IF NOT EXISTS "functions"')).toBeGreaterThan(-1)
    expect(at('CREATE TABLE IF NOT EXISTS "functions"')).toBeLessThan(
      at('CREATE TABLE IF NOT EXISTS "function_logs"'),
    )
    // function_deployments still exists: its foreign key to functions comes after the table.
    expect(at('CREATE TABLE IF NOT EXISTS "function_invocations"')).toBeLessThan(
      at(
        'ALTER TABLE "function_deployments" ADD CONSTRAINT "function_deployments_function_id_fkey"',
      ),
    )
    expect(diff.down.indexOf('DROP TABLE "function_logs"')).toBeLessThan(
      diff.down.indexOf('DROP TABLE "functions"'),
    )
  })

  it('adds a column with its key to a table, and a table that references it', async () => {
    const owners = defineTable('owners', { name: c.text().notNull() })
    const pets = defineTable('pets', {
      id: c.serial().primaryKey(),
      ownerId: c.integer().references(() => ownersWithId.id, { onDelete: 'set null' }),
    })
    const ownersWithId = defineTable('owners', {
      id: c.serial().primaryKey(),
      name: c.text().notNull(),
      tags: c.textArray().notNull().default([]),
    })
    const fresh = await freshDatabase("INSERT INTO owners (name) VALUES ('ada'), ('bob')", [owners])
    try {
      const tables = [pets, ownersWithId]
      const diff = await diffSchema(fresh.db, tables)
      expect(diff.up).toBe(
        script(
          `ALTER TABLE "owners" ADD COLUMN "id" serial NOT NULL;`,
          `ALTER TABLE "owners" ADD COLUMN "tags" text[] NOT NULL DEFAULT ARRAY[]::text[];`,
          `ALTER TABLE "owners" ADD CONSTRAINT "owners_pkey" PRIMARY KEY ("id");`,
          `CREATE TABLE IF NOT EXISTS "pets" (\n  "id" serial PRIMARY KEY,\n  "owner_id" integer REFERENCES "owners" ("id") ON DELETE SET NULL\n);`,
        ),
      )
      await fresh.db.executeScript(diff.up)
      expect(await validateSchema(fresh.db, tables)).toEqual({ ok: true, issues: [] })
      await fresh.db.executeScript(diff.down)
      expect(await validateSchema(fresh.db, [owners])).toEqual({ ok: true, issues: [] })
    } finally {
      await fresh.close()
    }
  })

  it('only comments what is destructive, and lists it', async () => {
    const sql = [
      'ALTER TABLE users ADD COLUMN nickname text',
      'ALTER TABLE function_invocations ALTER COLUMN duration_ms TYPE bigint',
      'ALTER TABLE user_information ALTER COLUMN city TYPE varchar(200)',
      'ALTER TABLE function_invocations ALTER COLUMN duration_ms SET DEFAULT 0',
      'CREATE TABLE audit (id integer)',
    ].join(';\n')
    const fresh = await freshDatabase(sql)
    try {
      const before = await validateSchema(fresh.db, containerpub)
      const diff = await diffSchema(fresh.db, containerpub)
      expect(diff.destructive).toEqual([
        'ALTER TABLE "user_information" ALTER COLUMN "city" TYPE character varying(100)',
        'ALTER TABLE "function_invocations" ALTER COLUMN "duration_ms" TYPE integer USING "duration_ms"::integer',
        'ALTER TABLE "users" DROP COLUMN "nickname"',
        'DROP TABLE "audit"',
      ])
      expect(diff.up).toBe(
        script(
          '-- DESTRUCTIVE: narrows column "city" from character varying(200) to character varying(100): longer values are refused\n-- DESTRUCTIVE, review: ALTER TABLE "user_information" ALTER COLUMN "city" TYPE character varying(100);',
          '-- DESTRUCTIVE: changes the type of column "duration_ms" from bigint to integer: values are cast, and refused or changed where the cast fails or loses precision\n-- DESTRUCTIVE, review: ALTER TABLE "function_invocations" ALTER COLUMN "duration_ms" TYPE integer USING "duration_ms"::integer;',
          '-- review, after the type change above: ALTER TABLE "function_invocations" ALTER COLUMN "duration_ms" DROP DEFAULT;',
          '-- DESTRUCTIVE: drops column "nickname", which the definitions do not have: its data is lost\n-- DESTRUCTIVE, review: ALTER TABLE "users" DROP COLUMN "nickname";',
          '-- DESTRUCTIVE: drops table "audit", which the definitions do not have: its rows are lost\n-- DESTRUCTIVE, review: DROP TABLE "audit";',
        ),
      )
      expect(diff.down).toBe('')
      // Running it changes nothing: every statement is a comment.
      await fresh.db.executeScript(diff.up)
      expect(await validateSchema(fresh.db, containerpub)).toEqual(before)
    } finally {
      await fresh.close()
    }
  })

  it('writes the same output for the same database', async () => {
    const sql = 'DROP INDEX idx_users_email; ALTER TABLE users ADD COLUMN nickname text'
    const fresh = await freshDatabase(sql)
    try {
      const first = await diffSchema(fresh.db, containerpubTables)
      expect(await diffSchema(fresh.db, containerpub)).toEqual(first)
    } finally {
      await fresh.close()
    }
  })

  it('works in another schema', async () => {
    const test = await testDatabase('diff')
    const db = await Database.connect({ url: test.url, tables: {}, max: 1 })
    try {
      await db.executeScript(
        `CREATE SCHEMA app; SET search_path TO app; ${generateDDL(containerpub)} RESET search_path`,
      )
      await db.executeScript('DROP INDEX app.idx_users_email; DROP TABLE app.function_logs')
      const options = { schema: 'app' }
      const drifted = await validateSchema(db, containerpub, options)
      expect(drifted.issues.map((i) => [i.table, i.kind])).toEqual([
        ['users', 'index'],
        ['function_logs', 'missing_table'],
      ])
      const diff = await diffSchema(db, containerpub, options)
      const searchPath = await db.rawOne('SHOW search_path')
      await db.executeScript(diff.up)
      expect(await validateSchema(db, containerpub, options)).toEqual({ ok: true, issues: [] })
      // Nothing was created in public, and the connection's search path is back.
      const inPublic = await db.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
      expect(inPublic).toEqual([])
      expect(await db.rawOne('SHOW search_path')).toEqual(searchPath)
      await db.executeScript(diff.down)
      expect(await validateSchema(db, containerpub, options)).toEqual(drifted)
    } finally {
      await db.close()
      await test.drop()
    }
  })
})
