import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { containerpubTables } from '../../src/containerpub/tables'
import {
  c,
  Database,
  defineTable,
  diffSchema,
  generateDDL,
  type IndexInput,
  validateSchema,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

// The drift check reads each part of an index's shape from the catalog (direction, NULLS,
// operator class, method, INCLUDE, predicate): a difference is reported, a match is not. The
// live side is written by hand, the way a team writes its SQL, never by generateDDL.
// Runs on the embedded PostgreSQL 18, and on any other server through DATABASE_URL.

const columns = {
  id: c.serial().primaryKey(),
  userId: c.integer().notNull(),
  version: c.integer().notNull(),
  status: c.text(),
  kind: c.varchar(20),
  name: c.text(),
  data: c.jsonb(),
  deletedAt: c.timestamp(),
}
type Columns = typeof columns

const TABLE_SQL = `CREATE TABLE ix (id serial PRIMARY KEY, user_id integer NOT NULL,
  version integer NOT NULL, status text, kind varchar(20), name text, data jsonb,
  deleted_at timestamp)`

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database

beforeAll(async () => {
  test = await testDatabase('index_shape')
  db = await Database.connect({ url: test.url, tables: {}, max: 2 })
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

function ix(index: IndexInput<Columns>) {
  return defineTable('ix', columns, { indexes: [index] })
}

/** The index issues of `index` against table `ix` created with `indexSql` (written by hand). */
async function indexIssues(index: IndexInput<Columns>, indexSql: string) {
  await db.executeScript(`DROP TABLE IF EXISTS ix; ${TABLE_SQL}; ${indexSql};`)
  const result = await validateSchema(db, [ix(index)])
  // Only index issues: the table itself is written to match.
  expect(result.issues.filter((i) => i.kind !== 'index')).toEqual([])
  return result.issues.map((i) => i.message)
}

const versionDesc: IndexInput<Columns> = {
  columns: ['userId', { column: 'version', order: 'desc' }],
}

describe.each([
  [
    'direction (DESC declared)',
    versionDesc,
    'CREATE INDEX idx_ix_user_id_version ON ix (user_id, version DESC)',
    'CREATE INDEX idx_ix_user_id_version ON ix (user_id, version)',
    'index "idx_ix_user_id_version" differs: order of "version"',
  ],
  [
    'direction (ascending declared, DESC live)',
    ['deletedAt'] as IndexInput<Columns>,
    'CREATE INDEX idx_ix_deleted_at ON ix (deleted_at ASC)',
    'CREATE INDEX idx_ix_deleted_at ON ix ("deleted_at" DESC)',
    'index "idx_ix_deleted_at" differs: order of "deleted_at"',
  ],
  [
    'NULLS placement',
    { columns: [{ column: 'version', order: 'desc', nulls: 'last' }] } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_version ON ix (version DESC NULLS LAST)',
    'CREATE INDEX idx_ix_version ON ix (version DESC)',
    'index "idx_ix_version" differs: nulls of "version"',
  ],
  [
    'NULLS FIRST on an ascending key',
    { columns: [{ column: 'name', nulls: 'first' }] } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_name ON ix (name NULLS FIRST)',
    'CREATE INDEX idx_ix_name ON ix (name NULLS LAST)',
    'index "idx_ix_name" differs: nulls of "name"',
  ],
  [
    'operator class (btree)',
    { columns: [{ column: 'name', opclass: 'text_pattern_ops' }] } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_name ON ix (name text_pattern_ops)',
    'CREATE INDEX idx_ix_name ON ix (name)',
    'index "idx_ix_name" differs: opclass of "name"',
  ],
  [
    'operator class (gin)',
    {
      columns: [{ column: 'data', opclass: 'jsonb_path_ops' }],
      using: 'gin',
    } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_data ON ix USING GIN (data jsonb_path_ops)',
    'CREATE INDEX idx_ix_data ON ix USING gin (data)',
    'index "idx_ix_data" differs: opclass of "data"',
  ],
  [
    'operator class not declared, a non-default one live',
    ['name'] as IndexInput<Columns>,
    'CREATE INDEX idx_ix_name ON ix (name text_ops)',
    'CREATE INDEX idx_ix_name ON ix (name text_pattern_ops)',
    'index "idx_ix_name" differs: opclass of "name"',
  ],
  [
    'method (brin)',
    { columns: ['version'], using: 'brin' } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_version ON ix USING brin (version)',
    'CREATE INDEX idx_ix_version ON ix (version)',
    'index "idx_ix_version" differs: method',
  ],
  [
    'method (hash)',
    { columns: ['name'], using: 'hash' } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_name ON ix USING hash (name)',
    'CREATE INDEX idx_ix_name ON ix USING btree (name)',
    'index "idx_ix_name" differs: method',
  ],
  [
    'INCLUDE columns',
    { columns: ['userId'], include: ['status', 'name'] } as IndexInput<Columns>,
    'CREATE INDEX idx_ix_user_id ON ix (user_id) INCLUDE (status, name)',
    'CREATE INDEX idx_ix_user_id ON ix (user_id) INCLUDE (status)',
    'index "idx_ix_user_id" differs: include',
  ],
  [
    'predicate',
    {
      columns: ['userId'],
      where: "deleted_at IS NULL AND status = 'active'",
    } as IndexInput<Columns>,
    `CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE ("deleted_at" IS NULL) AND (status = 'active'::text)`,
    'CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE deleted_at IS NULL',
    'index "idx_ix_user_id" differs: predicate',
  ],
  [
    'predicate on a varchar IN list (deparsed as = ANY (ARRAY[...]))',
    { columns: ['userId'], where: "kind IN ('a', 'b')", unique: true } as IndexInput<Columns>,
    `CREATE UNIQUE INDEX idx_ix_user_id ON ix (user_id) WHERE kind IN ('a', 'b')`,
    `CREATE UNIQUE INDEX idx_ix_user_id ON ix (user_id) WHERE kind IN ('a', 'c')`,
    'index "idx_ix_user_id" differs: predicate',
  ],
  [
    'predicate precedence (PostgreSQL parses both texts)',
    {
      columns: ['userId'],
      where: "deleted_at IS NULL AND (version > 0 OR status = 'x')",
    } as IndexInput<Columns>,
    `CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE ((deleted_at IS NULL) AND ((version > 0) OR (status = 'x'::text)))`,
    `CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE (deleted_at IS NULL AND version > 0) OR status = 'x'`,
    'index "idx_ix_user_id" differs: predicate',
  ],
  [
    'predicate with a one-value IN list (PostgreSQL reads it as =)',
    { columns: ['userId'], where: "kind IN ('a')" } as IndexInput<Columns>,
    `CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE kind = 'a'`,
    `CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE kind = 'b'`,
    'index "idx_ix_user_id" differs: predicate',
  ],
  [
    'no predicate declared, a partial index live',
    ['userId'] as IndexInput<Columns>,
    'CREATE INDEX idx_ix_user_id ON ix (user_id)',
    'CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE version > 0',
    'index "idx_ix_user_id" differs: predicate',
  ],
])('%s', (_label, index, same, different, message) => {
  it('is not reported when the database has it', async () => {
    expect(await indexIssues(index, same)).toEqual([])
  })

  it('is reported, naming the index and what differs, when the database differs', async () => {
    expect(await indexIssues(index, different)).toEqual([message])
  })

  it('is not reported for what generateDDL creates', async () => {
    await db.executeScript(`DROP TABLE IF EXISTS ix; ${generateDDL([ix(index)])}`)
    expect(await validateSchema(db, [ix(index)])).toEqual({ ok: true, issues: [] })
  })
})

describe('the whole shape at once', () => {
  const full: IndexInput<Columns> = {
    columns: ['userId', { column: 'deletedAt', order: 'desc', nulls: 'last' }],
    include: ['status'],
    where: 'deleted_at IS NOT NULL',
    name: 'ix_recent',
    unique: true,
  }

  it('reports every difference of one index in one issue, with both shapes', async () => {
    await db.executeScript(
      `DROP TABLE IF EXISTS ix; ${TABLE_SQL}; CREATE INDEX ix_recent ON ix (user_id, deleted_at);`,
    )
    const { issues } = await validateSchema(db, [ix(full)])
    expect(issues).toEqual([
      {
        table: 'ix',
        kind: 'index',
        expected:
          'UNIQUE INDEX ix_recent (user_id, deleted_at DESC NULLS LAST) INCLUDE (status) WHERE deleted_at IS NOT NULL',
        actual: 'INDEX ix_recent (user_id, deleted_at)',
        message: 'index "ix_recent" differs: unique, order of "deleted_at", include, predicate',
      },
    ])
  })

  it('diffSchema drops and recreates the index with its full shape, and down restores it', async () => {
    const diff = await diffSchema(db, [ix(full)])
    expect(diff.up).toContain('DROP INDEX "ix_recent"')
    expect(diff.up).toContain(
      'CREATE UNIQUE INDEX "ix_recent" ON "ix" ("user_id", "deleted_at" DESC NULLS LAST) INCLUDE ("status") WHERE deleted_at IS NOT NULL',
    )
    await db.executeScript(diff.up)
    expect(await validateSchema(db, [ix(full)])).toEqual({ ok: true, issues: [] })
    await db.executeScript(diff.down)
    expect((await validateSchema(db, [ix(full)])).issues.map((i) => i.message)).toEqual([
      'index "ix_recent" differs: unique, order of "deleted_at", include, predicate',
    ])
  })

  it('diffSchema fixes a DESC key read as ascending (the ContainerPub case)', async () => {
    await db.executeScript(
      `DROP TABLE IF EXISTS ix; ${TABLE_SQL}; CREATE INDEX idx_ix_user_id_version ON ix (user_id, version);`,
    )
    const diff = await diffSchema(db, [ix(versionDesc)])
    expect(diff.up).toContain(
      'CREATE INDEX "idx_ix_user_id_version" ON "ix" ("user_id", "version" DESC)',
    )
    await db.executeScript(diff.up)
    expect(await validateSchema(db, [ix(versionDesc)])).toEqual({ ok: true, issues: [] })
  })
})

describe('predicates the server refuses', () => {
  const unknown: IndexInput<Columns> = { columns: ['userId'], where: 'no_such_column > 0' }

  it('are compared as text, and a transaction the check runs in stays usable', async () => {
    await db.executeScript(
      `DROP TABLE IF EXISTS ix; ${TABLE_SQL}; CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE version > 0;`,
    )
    const seen = await db.transaction(async (tx) => {
      const { issues } = await validateSchema(tx, [ix(unknown)])
      // The transaction is not aborted: it still reads.
      const rows = await tx.raw<{ n: number }>('SELECT count(*)::int AS n FROM ix')
      return { messages: issues.map((i) => i.message), rows }
    })
    expect(seen).toEqual({
      messages: ['index "idx_ix_user_id" differs: predicate'],
      rows: [{ n: 0 }],
    })
  })

  it('inside a transaction, a matching predicate is still judged by the server', async () => {
    const oneValue: IndexInput<Columns> = { columns: ['userId'], where: "kind IN ('a')" }
    await db.executeScript(
      `DROP TABLE IF EXISTS ix; ${TABLE_SQL}; CREATE INDEX idx_ix_user_id ON ix (user_id) WHERE kind = 'a';`,
    )
    const result = await db.transaction((tx) => validateSchema(tx, [ix(oneValue)]))
    expect(result).toEqual({ ok: true, issues: [] })
  })
})

describe('ContainerPub indexes', () => {
  it('the generated DDL validates with zero drift', async () => {
    await db.executeScript('DROP TABLE IF EXISTS ix')
    await db.executeScript(generateDDL(containerpubTables))
    expect(await validateSchema(db, containerpubTables)).toEqual({ ok: true, issues: [] })
  })

  it('the original SQL of the deployment indexes, under its own names, validates with zero drift', async () => {
    await db.executeScript(`
      DROP INDEX idx_function_deployments_function_id_is_active;
      DROP INDEX idx_function_deployments_function_id_version;
      CREATE INDEX idx_deployments_function_active ON function_deployments(function_id, is_active);
      CREATE INDEX idx_deployments_function_version ON function_deployments(function_id, version DESC);
    `)
    expect(await validateSchema(db, containerpubTables)).toEqual({ ok: true, issues: [] })
  })

  it('an ascending version index is reported', async () => {
    await db.executeScript(`
      DROP INDEX idx_deployments_function_version;
      CREATE INDEX idx_deployments_function_version ON function_deployments(function_id, version);
    `)
    const { issues } = await validateSchema(db, containerpubTables)
    expect(issues.map((i) => i.message)).toEqual([
      'index "idx_function_deployments_function_id_version" is missing',
      'index "idx_deployments_function_version" is not in the definition',
    ])
  })
})
