import { describe, expect, it } from 'vitest'
import { containerpubTables } from '../../src/containerpub/index'
import { readCatalog } from '../../src/drift/catalog'
import type { SchemaIssue } from '../../src/drift/schema-issue'
import { formatSchemaReport } from '../../src/drift/schema-report'
import { validateSchema } from '../../src/drift/validate-schema'
import { type AnyTable, c, Database, defineTable, generateDDL } from '../../src/index'
import { everyKind } from '../fixtures/tables'
import { testDatabase } from '../setup/test-database'

const containerpub = Object.values(containerpubTables)

/** A default of every kind generateDDL writes, as PostgreSQL will print it back differently. */
const defaults = defineTable('defaults', {
  id: c.serial().primaryKey(),
  big: c.bigserial(),
  status: c.varchar(20).notNull().default('active'),
  quote: c.text().default("it's"),
  negative: c.integer().default(-1),
  large: c.bigint().default(10_000_000_000n),
  small: c.smallint().default(3),
  price: c.numeric(10, 2).default('1.50'),
  ratio: c.real().default(0.5),
  tiny: c.doublePrecision().default(1e-7),
  flag: c.boolean().notNull().default(true),
  ref: c.uuid().default('00000000-0000-0000-0000-000000000001'),
  key: c.uuid().notNull().unique().defaultRandom(),
  at: c.timestamp().default(new Date('2020-01-02T03:04:05.000Z')),
  atTz: c.timestamptz().default(new Date('2020-01-02T03:04:05.000Z')),
  now: c.timestamp().defaultNow(),
  nowTz: c.timestamptz().defaultNow(),
  day: c.date().default('2020-01-02'),
  today: c.date().defaultNow(),
  data: c.jsonb().default({ b: 1, a: [1, 2], s: "it's" }),
  ip: c.inet().default('10.0.0.1'),
  tags: c.textArray().default(['a', "b'c"]),
  empty: c.textArray().default([]),
  counts: c.integerArray().default([1, -2]),
  expression: c.integer().defaultSql('(1 + 2)'),
  nothing: c.varchar(5).defaultSql('NULL'),
})

/** Constraints and indexes beyond the ContainerPub ones: composite keys, checks, partial indexes. */
const nodes = defineTable(
  'nodes',
  {
    tenant: c.integer().notNull(),
    id: c.integer().notNull(),
    parentId: c
      .integer()
      .references(() => defaults.id, { onDelete: 'set null', onUpdate: 'cascade' }),
    name: c.varchar(50).notNull(),
    level: c.varchar(10),
    message: c.text(),
    weight: c.numeric(6, 2),
    deletedAt: c.timestamp(),
    kind: c.text().enum(['leaf', "it's"]),
  },
  {
    primaryKey: ['tenant', 'id'],
    uniques: [['tenant', 'name']],
    checks: {
      nodes_level_check:
        "char_length(level) between 1 and 10 and level not in ('x', 'y') and message like 'a%' and level != 'z'",
      nodes_weight_check: 'weight >= 0 AND weight IS NOT NULL OR weight IS NULL',
    },
    indexes: [
      ['name'],
      { columns: ['tenant', 'deletedAt'], name: 'nodes_live', where: 'deleted_at IS NULL' },
      { columns: ['level', 'name'], unique: true },
    ],
  },
)

async function freshDatabase(tables: readonly AnyTable[], sql = '') {
  const test = await testDatabase('validate')
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

/** The issues of a fresh ContainerPub database after `sql`. */
async function issuesAfter(sql: string, tables: readonly AnyTable[] = containerpub) {
  const fresh = await freshDatabase(tables, sql)
  try {
    return (await validateSchema(fresh.db, tables)).issues
  } finally {
    await fresh.close()
  }
}

describe('validateSchema on a database generateDDL created', () => {
  it('finds no issue in the ContainerPub schema', async () => {
    const fresh = await freshDatabase(containerpub)
    try {
      const result = await validateSchema(fresh.db, containerpubTables)
      expect(result).toEqual({ ok: true, issues: [] })
      expect(formatSchemaReport(result)).toBe('Schema matches the definitions: no issues.\n')
    } finally {
      await fresh.close()
    }
  })

  it('finds no issue in a table of every column kind, every default, composite keys and checks', async () => {
    const tables = [everyKind, defaults, nodes]
    const fresh = await freshDatabase(tables)
    try {
      expect(await validateSchema(fresh.db, tables)).toEqual({ ok: true, issues: [] })
    } finally {
      await fresh.close()
    }
  })

  it('reads the catalog in four queries whatever the number of tables, plus the predicate checks', async () => {
    const tables = [...containerpub, everyKind, defaults, nodes]
    const fresh = await freshDatabase(tables)
    try {
      const sent: string[] = []
      const counting = {
        raw: <R>(text: string, params?: Readonly<Record<string, unknown>>) => {
          sent.push(text)
          return fresh.db.raw<R>(text, params)
        },
      }
      expect((await validateSchema(counting, tables)).ok).toBe(true)
      // One partial index (nodes_live): one EXPLAIN for each of its two predicate texts, the
      // declared one and the live one; outside a transaction, no savepoint (nothing to abort).
      expect(sent.map((text) => text.trim().split(/\s/)[0])).toEqual([
        'SELECT',
        'SELECT',
        'SELECT',
        'SELECT',
        'EXPLAIN',
        'EXPLAIN',
      ])
    } finally {
      await fresh.close()
    }
  })

  it('gives a result that is JSON as is, and a catalog that is too', async () => {
    const fresh = await freshDatabase(containerpub, 'ALTER TABLE users ADD COLUMN nickname text')
    try {
      const result = await validateSchema(fresh.db, containerpub)
      expect(JSON.parse(JSON.stringify(result))).toEqual(result)
      const catalog = await readCatalog(fresh.db)
      expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog)
      expect(catalog.constraints.find((k) => k.name === 'functions_user_id_fkey')).toEqual({
        table: 'functions',
        name: 'functions_user_id_fkey',
        kind: 'foreign_key',
        columns: ['user_id'],
        definition: 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
        references: { table: 'users', columns: ['id'], onDelete: 'cascade', onUpdate: 'no action' },
      })
    } finally {
      await fresh.close()
    }
  })

  it('reads another schema when told', async () => {
    const test = await testDatabase('validate')
    const db = await Database.connect({ url: test.url, tables: {}, max: 1 })
    try {
      await db.executeScript(
        `CREATE SCHEMA app; SET search_path TO app; ${generateDDL(containerpub)} SET search_path TO public`,
      )
      expect(await validateSchema(db, containerpub, { schema: 'app' })).toEqual({
        ok: true,
        issues: [],
      })
      const publicResult = await validateSchema(db, containerpub)
      expect(publicResult.issues.map((i) => i.kind)).toEqual(
        containerpub.map(() => 'missing_table'),
      )
    } finally {
      await db.close()
      await test.drop()
    }
  })
})

/** An issue as the check reports it. */
function issue(fields: Omit<SchemaIssue, 'message'> & { message: string }): SchemaIssue {
  return fields
}

describe('validateSchema finds each kind of drift', () => {
  it('a missing table', async () => {
    expect(await issuesAfter('DROP TABLE function_invocations')).toEqual([
      issue({
        table: 'function_invocations',
        kind: 'missing_table',
        expected: 'function_invocations',
        actual: null,
        message: 'table "function_invocations" is missing',
      }),
    ])
  })

  it('an extra table, but never schema_migrations nor an ignored table', async () => {
    const sql = 'CREATE TABLE audit (id integer); CREATE TABLE schema_migrations (version text)'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'audit',
        kind: 'extra_table',
        expected: null,
        actual: 'audit',
        message: 'table "audit" is not in the definitions',
      }),
    ])
    const fresh = await freshDatabase(containerpub, sql)
    try {
      expect(await validateSchema(fresh.db, containerpub, { ignoreTables: ['audit'] })).toEqual({
        ok: true,
        issues: [],
      })
    } finally {
      await fresh.close()
    }
  })

  it('a missing column', async () => {
    expect(await issuesAfter('ALTER TABLE function_logs DROP COLUMN level')).toEqual([
      issue({
        table: 'function_logs',
        column: 'level',
        kind: 'missing_column',
        expected: 'character varying(20)',
        actual: null,
        message: 'column "level" is missing',
      }),
    ])
  })

  it('an extra column', async () => {
    expect(await issuesAfter('ALTER TABLE users ADD COLUMN nickname text')).toEqual([
      issue({
        table: 'users',
        column: 'nickname',
        kind: 'extra_column',
        expected: null,
        actual: 'text',
        message: 'column "nickname" is not in the definition',
      }),
    ])
  })

  it('a type change', async () => {
    const sql = 'ALTER TABLE function_invocations ALTER COLUMN duration_ms TYPE bigint'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_invocations',
        column: 'duration_ms',
        kind: 'type',
        expected: 'integer',
        actual: 'bigint',
        message: 'column "duration_ms" type differs',
      }),
    ])
  })

  it('a serial column turned into a bigint', async () => {
    const sql = 'ALTER TABLE function_logs ALTER COLUMN id TYPE bigint'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        column: 'id',
        kind: 'type',
        expected: 'integer',
        actual: 'bigint',
        message: 'column "id" type differs',
      }),
    ])
  })

  it('a varchar length', async () => {
    const sql = 'ALTER TABLE user_information ALTER COLUMN city TYPE varchar(50)'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'user_information',
        column: 'city',
        kind: 'length',
        expected: 'character varying(100)',
        actual: 'character varying(50)',
        message: 'column "city" length differs',
      }),
    ])
  })

  it('nullability, both ways', async () => {
    expect(
      await issuesAfter('ALTER TABLE function_logs ALTER COLUMN message DROP NOT NULL'),
    ).toEqual([
      issue({
        table: 'function_logs',
        column: 'message',
        kind: 'nullability',
        expected: 'NOT NULL',
        actual: 'NULL',
        message: 'column "message" nullability differs',
      }),
    ])
    expect(await issuesAfter('ALTER TABLE functions ALTER COLUMN status SET NOT NULL')).toEqual([
      issue({
        table: 'functions',
        column: 'status',
        kind: 'nullability',
        expected: 'NULL',
        actual: 'NOT NULL',
        message: 'column "status" nullability differs',
      }),
    ])
  })

  it('a default changed', async () => {
    const sql = "ALTER TABLE functions ALTER COLUMN status SET DEFAULT 'inactive'"
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'functions',
        column: 'status',
        kind: 'default',
        expected: "'active'",
        actual: "'inactive'::character varying",
        message: 'column "status" default differs',
      }),
    ])
  })

  it('a default dropped, and one added', async () => {
    expect(await issuesAfter('ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT')).toEqual([
      issue({
        table: 'users',
        column: 'created_at',
        kind: 'default',
        expected: 'CURRENT_TIMESTAMP',
        actual: null,
        message: 'column "created_at" default differs',
      }),
    ])
    expect(
      await issuesAfter("ALTER TABLE function_invocations ALTER COLUMN error SET DEFAULT ''"),
    ).toEqual([
      issue({
        table: 'function_invocations',
        column: 'error',
        kind: 'default',
        expected: null,
        actual: "''::text",
        message: 'column "error" default differs',
      }),
    ])
  })

  it("a serial column's sequence default dropped", async () => {
    expect(await issuesAfter('ALTER TABLE function_logs ALTER COLUMN id DROP DEFAULT')).toEqual([
      issue({
        table: 'function_logs',
        column: 'id',
        kind: 'default',
        expected: "nextval('function_logs_id_seq'::regclass)",
        actual: null,
        message: 'column "id" default differs',
      }),
    ])
  })

  it('accepts an identity column for a serial', async () => {
    const sql =
      'ALTER TABLE function_logs ALTER COLUMN id DROP DEFAULT; DROP SEQUENCE function_logs_id_seq; ' +
      'ALTER TABLE function_logs ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY'
    expect(await issuesAfter(sql)).toEqual([])
  })

  it('a primary key dropped', async () => {
    const sql = 'ALTER TABLE function_logs DROP CONSTRAINT function_logs_pkey'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        column: 'id',
        kind: 'primary_key',
        expected: 'PRIMARY KEY (id)',
        actual: null,
        message: 'primary key is missing',
      }),
    ])
  })

  it('a single-column unique dropped; a unique index stands in for it', async () => {
    expect(
      await issuesAfter('ALTER TABLE organizations DROP CONSTRAINT organizations_name_key'),
    ).toEqual([
      issue({
        table: 'organizations',
        column: 'name',
        kind: 'unique',
        expected: 'UNIQUE (name)',
        actual: null,
        message: 'unique constraint on (name) is missing',
      }),
    ])
    const replaced =
      'ALTER TABLE organizations DROP CONSTRAINT organizations_name_key; ' +
      'CREATE UNIQUE INDEX organizations_name_unique ON organizations (name)'
    expect(await issuesAfter(replaced)).toEqual([])
  })

  it('a multi-column unique dropped', async () => {
    const sql = 'ALTER TABLE functions DROP CONSTRAINT functions_user_id_name_key'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'functions',
        kind: 'unique',
        expected: 'UNIQUE (user_id, name)',
        actual: null,
        message: 'unique constraint on (user_id, name) is missing',
      }),
    ])
  })

  it('an extra unique constraint', async () => {
    const sql = 'ALTER TABLE function_logs ADD CONSTRAINT function_logs_level_key UNIQUE (level)'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        column: 'level',
        kind: 'unique',
        expected: null,
        actual: 'UNIQUE (level)',
        message: 'unique constraint on (level) is not in the definition',
      }),
    ])
  })

  it('a foreign key dropped', async () => {
    const sql = 'ALTER TABLE function_logs DROP CONSTRAINT function_logs_function_id_fkey'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        column: 'function_id',
        kind: 'foreign_key',
        expected: 'FOREIGN KEY (function_id) REFERENCES functions(id) ON DELETE CASCADE',
        actual: null,
        message: 'foreign key on (function_id) is missing',
      }),
    ])
  })

  it('a foreign key with another ON DELETE', async () => {
    const sql =
      'ALTER TABLE function_logs DROP CONSTRAINT function_logs_function_id_fkey, ' +
      'ADD CONSTRAINT function_logs_function_id_fkey FOREIGN KEY (function_id) REFERENCES functions (id) ON DELETE RESTRICT'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        column: 'function_id',
        kind: 'foreign_key',
        expected: 'FOREIGN KEY (function_id) REFERENCES functions(id) ON DELETE CASCADE',
        actual: 'FOREIGN KEY (function_id) REFERENCES functions(id) ON DELETE RESTRICT',
        message: 'foreign key on (function_id) differs',
      }),
    ])
  })

  it('a foreign key to another column', async () => {
    const sql =
      'ALTER TABLE organizations DROP CONSTRAINT organizations_owner_id_fkey, ' +
      'ADD CONSTRAINT organizations_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES user_information (uuid) ON DELETE CASCADE'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'organizations',
        column: 'owner_id',
        kind: 'foreign_key',
        expected: 'FOREIGN KEY (owner_id) REFERENCES users(uuid) ON DELETE CASCADE',
        actual: 'FOREIGN KEY (owner_id) REFERENCES user_information(uuid) ON DELETE CASCADE',
        message: 'foreign key on (owner_id) differs',
      }),
    ])
  })

  it('an extra foreign key', async () => {
    const sql =
      'ALTER TABLE functions ADD CONSTRAINT functions_active_deployment_id_fkey ' +
      'FOREIGN KEY (active_deployment_id) REFERENCES function_deployments (id)'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'functions',
        column: 'active_deployment_id',
        kind: 'foreign_key',
        expected: null,
        actual: 'FOREIGN KEY (active_deployment_id) REFERENCES function_deployments(id)',
        message: 'foreign key on (active_deployment_id) is not in the definition',
      }),
    ])
  })

  it('an index dropped; a renamed one still counts', async () => {
    expect(await issuesAfter('DROP INDEX idx_function_logs_timestamp')).toEqual([
      issue({
        table: 'function_logs',
        column: 'timestamp',
        kind: 'index',
        expected: 'INDEX idx_function_logs_timestamp (timestamp DESC)',
        actual: null,
        message: 'index "idx_function_logs_timestamp" is missing',
      }),
    ])
    expect(
      await issuesAfter('ALTER INDEX idx_function_logs_timestamp RENAME TO function_logs_ts'),
    ).toEqual([])
  })

  it('an index of the declared name over other columns', async () => {
    const sql =
      'DROP INDEX idx_function_logs_timestamp; ' +
      'CREATE INDEX idx_function_logs_timestamp ON function_logs (function_id, "timestamp")'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        column: 'timestamp',
        kind: 'index',
        expected: 'INDEX idx_function_logs_timestamp (timestamp DESC)',
        actual: 'INDEX idx_function_logs_timestamp (function_id, timestamp)',
        message: 'index "idx_function_logs_timestamp" differs: key columns',
      }),
    ])
  })

  it('an extra index', async () => {
    expect(
      await issuesAfter('CREATE INDEX function_logs_level_idx ON function_logs (level)'),
    ).toEqual([
      issue({
        table: 'function_logs',
        column: 'level',
        kind: 'index',
        expected: null,
        actual: 'INDEX function_logs_level_idx (level)',
        message: 'index "function_logs_level_idx" is not in the definition',
      }),
    ])
    const sql = 'CREATE INDEX function_logs_lower ON function_logs USING hash (lower(message))'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'function_logs',
        kind: 'index',
        expected: null,
        actual: 'INDEX function_logs_lower USING hash (lower(message))',
        message: 'index "function_logs_lower" is not in the definition',
      }),
    ])
  })

  it('a check dropped', async () => {
    const sql = 'ALTER TABLE user_information DROP CONSTRAINT user_information_role_check'
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'user_information',
        column: 'role',
        kind: 'check',
        expected: `user_information_role_check CHECK ("role" IN ('developer', 'team', 'sub_team_developer'))`,
        actual: null,
        message: 'check "user_information_role_check" is missing',
      }),
    ])
  })

  it('a check with another expression, and one under another name', async () => {
    const changed =
      'ALTER TABLE user_information DROP CONSTRAINT user_information_role_check, ' +
      "ADD CONSTRAINT user_information_role_check CHECK (role IN ('developer', 'team'))"
    expect(await issuesAfter(changed)).toEqual([
      issue({
        table: 'user_information',
        column: 'role',
        kind: 'check',
        expected: `user_information_role_check CHECK ("role" IN ('developer', 'team', 'sub_team_developer'))`,
        actual:
          "user_information_role_check CHECK (((role)::text = ANY ((ARRAY['developer'::character varying, 'team'::character varying])::text[])))",
        message: 'check "user_information_role_check" differs',
      }),
    ])
    const renamed =
      'ALTER TABLE user_information RENAME CONSTRAINT user_information_role_check TO role_values'
    expect(await issuesAfter(renamed)).toEqual([])
  })

  it('an extra check', async () => {
    const sql = "ALTER TABLE functions ADD CONSTRAINT functions_name_check CHECK (name <> '')"
    expect(await issuesAfter(sql)).toEqual([
      issue({
        table: 'functions',
        column: 'name',
        kind: 'check',
        expected: null,
        actual: "functions_name_check CHECK (((name)::text <> ''::text))",
        message: 'check "functions_name_check" is not in the definition',
      }),
    ])
  })

  it('lists several issues in a stable order and reports them', async () => {
    const sql = [
      'DROP INDEX idx_users_email',
      'ALTER TABLE users ADD COLUMN nickname text',
      'ALTER TABLE users ALTER COLUMN email TYPE varchar(100)',
      'CREATE TABLE audit (id integer)',
    ].join(';\n')
    const fresh = await freshDatabase(containerpub, sql)
    try {
      const result = await validateSchema(fresh.db, containerpub)
      expect(result.ok).toBe(false)
      expect(result.issues.map((i) => [i.table, i.kind, i.column])).toEqual([
        ['users', 'length', 'email'],
        ['users', 'extra_column', 'nickname'],
        ['users', 'index', 'email'],
        ['audit', 'extra_table', undefined],
      ])
      expect(formatSchemaReport(result)).toBe(
        [
          'Schema drift: 4 issues in 2 tables',
          '',
          'users',
          '  [length] column "email" length differs',
          '    + character varying(255)',
          '    - character varying(100)',
          '  [extra_column] column "nickname" is not in the definition',
          '    - text',
          '  [index] index "idx_users_email" is missing',
          '    + INDEX idx_users_email (email)',
          '',
          'audit',
          '  [extra_table] table "audit" is not in the definitions',
          '    - audit',
          '',
        ].join('\n'),
      )
    } finally {
      await fresh.close()
    }
  })
})
