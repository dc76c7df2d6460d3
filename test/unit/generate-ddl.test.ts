import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import * as cp from '../../src/containerpub/tables'
import { InvalidDefinitionError } from '../../src/index'
import { column as c } from '../../src/schema/columns'
import { defineTable } from '../../src/schema/define-table'
import { columnDDL, generateDDL, generateDDLStatements } from '../../src/schema/generate-ddl'
import { everyKind, functions, users } from '../fixtures/tables'

describe('columnDDL', () => {
  it.each([
    [users.id, '"id" serial PRIMARY KEY'],
    [users.uuid, '"uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE'],
    [users.email, '"email" varchar(255) NOT NULL UNIQUE'],
    [users.createdAt, '"created_at" timestamp DEFAULT CURRENT_TIMESTAMP'],
    [functions.userId, '"user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE'],
    [functions.status, `"status" varchar(50) DEFAULT 'active'`],
    [functions.analysisResult, '"analysis_result" jsonb'],
    [everyKind.id, '"id" bigserial PRIMARY KEY'],
    [everyKind.flag, '"flag" boolean NOT NULL DEFAULT false'],
    [everyKind.price, '"price" numeric(10,2)'],
    [everyKind.score, '"score" double precision'],
    [everyKind.tags, '"tags" text[]'],
    [everyKind.counts, '"counts" integer[]'],
    [everyKind.timestamp, '"ts" timestamp'],
    [everyKind.day, '"day" date'],
    [everyKind.atTz, '"at_tz" timestamptz'],
    [everyKind.ip, '"ip" inet'],
  ])('%#: %s', (column, expected) => {
    expect(columnDDL(column)).toBe(expected)
  })

  it('writes literal defaults safely quoted, and typed', () => {
    const t = defineTable('t', {
      a: c.text().default("it's"),
      b: c.integer().default(3),
      d: c.jsonb(z.object({ x: z.number() })).default({ x: 1 }),
      e: c.date().defaultNow(),
      f: c.integer().defaultSql('0'),
      g: c.bigint().default(9007199254740993n),
      h: c.textArray().default(['a', "b'c"]),
    })
    expect(t.$meta.columns.map((col) => columnDDL(col))).toEqual([
      `"a" text DEFAULT 'it''s'`,
      '"b" integer DEFAULT 3',
      `"d" jsonb DEFAULT '{"x":1}'::jsonb`,
      '"e" date DEFAULT CURRENT_DATE',
      '"f" integer DEFAULT 0',
      '"g" bigint DEFAULT 9007199254740993',
      `"h" text[] DEFAULT ARRAY['a', 'b''c']::text[]`,
    ])
  })
})

describe('generateDDL', () => {
  it('creates a table with constraints, indexes and its updated_at trigger', () => {
    expect(generateDDLStatements([users])).toEqual([
      `CREATE TABLE IF NOT EXISTS "users" (
  "id" serial PRIMARY KEY,
  "uuid" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  "email" varchar(255) NOT NULL UNIQUE,
  "password_hash" varchar(255) NOT NULL,
  "created_at" timestamp DEFAULT CURRENT_TIMESTAMP,
  "updated_at" timestamp DEFAULT CURRENT_TIMESTAMP
)`,
      'CREATE INDEX IF NOT EXISTS "idx_users_uuid" ON "users" ("uuid")',
      'CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")',
      'CREATE OR REPLACE FUNCTION "ke_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END $$',
      'DROP TRIGGER IF EXISTS "users_updated_at_touch" ON "users"',
      'CREATE TRIGGER "users_updated_at_touch" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"()',
    ])
  })

  it('writes multi-column UNIQUE and CHECK constraints with their names', () => {
    const [functionsTable] = generateDDLStatements([functions], { triggers: false })
    expect(functionsTable).toContain(
      '  CONSTRAINT "functions_user_id_name_key" UNIQUE ("user_id", "name")',
    )
    const [info] = generateDDLStatements([cp.userInformation], { triggers: false })
    expect(info).toContain(
      `  CONSTRAINT "user_information_role_check" CHECK ("role" IN ('developer', 'team', 'sub_team_developer'))`,
    )
  })

  it('orders tables so every foreign key points at a table created before it', () => {
    const statements = generateDDLStatements(
      [
        cp.functionInvocations,
        cp.functionDeployments,
        cp.functions,
        cp.organizationMembers,
        cp.organizations,
        cp.userInformation,
        cp.users,
      ],
      { triggers: false },
    ).filter((s) => s.startsWith('CREATE TABLE'))
    const order = statements.map((s) => /"([a-z_]+)"/.exec(s)?.[1])
    const precedes = (a: string, b: string) => order.indexOf(a) < order.indexOf(b)
    expect(order).toHaveLength(7)
    expect(precedes('users', 'functions')).toBe(true)
    expect(precedes('functions', 'function_deployments')).toBe(true)
    expect(precedes('functions', 'function_invocations')).toBe(true)
    expect(precedes('users', 'organizations')).toBe(true)
    expect(precedes('organizations', 'organization_members')).toBe(true)
    expect(precedes('users', 'user_information')).toBe(true)
  })

  it('adds the closing foreign key of a cycle afterwards, idempotently', () => {
    const a: any = defineTable('a', {
      id: c.serial().primaryKey(),
      bId: c.integer().references(() => b.id),
    })
    const b: any = defineTable('b', {
      id: c.serial().primaryKey(),
      aId: c.integer().references(() => a.id),
    })
    const statements = generateDDLStatements([a, b])
    expect(statements).toHaveLength(3)
    expect(statements[2]).toBe(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'b_a_id_fkey') THEN ALTER TABLE "b" ADD CONSTRAINT "b_a_id_fkey" FOREIGN KEY ("a_id") REFERENCES "a" ("id"); END IF; END $$`,
    )
  })

  it('joins statements into one script ended by semicolons', () => {
    const script = generateDDL([users], { triggers: false })
    expect(
      script.endsWith(');\n\nCREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email");\n'),
    ).toBe(true)
  })

  it('creates the extensions that defaults call, and none otherwise', () => {
    const legacy = defineTable('legacy', {
      id: c.uuid().primaryKey().defaultSql('uuid_generate_v4()'),
      token: c
        .text()
        .defaultSql("encode(gen_random_bytes(16), 'hex') || crypt('x', gen_salt('bf'))"),
    })
    const statements = generateDDLStatements([legacy])
    expect(statements.slice(0, 2)).toEqual([
      'CREATE EXTENSION IF NOT EXISTS "pgcrypto"',
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"',
    ])
    expect(generateDDLStatements([users]).some((s) => s.includes('EXTENSION'))).toBe(false)
  })

  it('refuses a table given twice', () => {
    expect(() => generateDDL([users, users])).toThrow(InvalidDefinitionError)
  })
})
