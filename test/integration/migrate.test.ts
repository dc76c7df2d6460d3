import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  Database,
  DatabaseError,
  down,
  MigrationError,
  type MigrationProgressEvent,
  migrate,
  readMigrations,
  status,
  to,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A fresh database of its own for one test: the runner's table lives in the database. */
async function freshDatabase(prefix: string) {
  const test = await testDatabase(prefix)
  cleanups.push(() => test.drop())
  const open = async () => {
    const db = await Database.connect({ url: test.url, tables: {}, max: 4 })
    cleanups.push(() => db.close())
    return db
  }
  return { db: await open(), open }
}

/** A temporary migrations folder; `files` maps `NNN_name` to [up, down]. */
async function migrations(files: Record<string, readonly [string, string]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ke-migrate-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  await write(dir, files)
  return dir
}

async function write(dir: string, files: Record<string, readonly [string, string]>) {
  for (const [base, [up, down]] of Object.entries(files)) {
    await writeFile(join(dir, `${base}.up.sql`), up)
    await writeFile(join(dir, `${base}.down.sql`), down)
  }
}

async function failure(work: Promise<unknown>): Promise<MigrationError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(MigrationError)
  return error as MigrationError
}

const recorded = async (db: Database) =>
  (await db.raw<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map(
    (r) => r.version,
  )

const exists = async (db: Database, name: string) =>
  (await db.rawOne<{ present: boolean }>('SELECT to_regclass(@name) IS NOT NULL AS present', {
    name,
  }))!.present

const BASIC = {
  '001_create_users': [
    'CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n',
    'DROP TABLE users;\n',
  ],
  '002_create_posts': [
    `CREATE TABLE posts (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id));
CREATE INDEX posts_user_id_idx ON posts (user_id);`,
    'DROP TABLE posts;',
  ],
  '003_seed': [
    "INSERT INTO users (email) VALUES ('ada@example.com'), ('me@x.io; not a statement end');",
    'DELETE FROM users;',
  ],
} as const

describe('migrate, down, to, status', () => {
  it('applies pending migrations in order, records them, and reverts them', async () => {
    const { db } = await freshDatabase('migrate_basic')
    const dir = await migrations(BASIC)

    const before = await status(db, { dir })
    expect(before).toMatchObject({ current: 0, applied: [], changed: [], missing: [] })
    expect(before.pending.map((m) => m.version)).toEqual([1, 2, 3])
    // status only reads: it does not create the table.
    expect(await exists(db, 'schema_migrations')).toBe(false)

    const events: MigrationProgressEvent[] = []
    const result = await migrate(db, { dir, onProgress: (e) => events.push(e) })
    expect(result.current).toBe(3)
    expect(result.reverted).toEqual([])
    expect(result.applied.map((s) => [s.version, s.name])).toEqual([
      [1, 'create_users'],
      [2, 'create_posts'],
      [3, 'seed'],
    ])
    for (const step of result.applied) expect(step.durationMs).toBeGreaterThanOrEqual(0)
    expect(events.map((e) => `${e.type} ${e.version} ${e.name}`)).toEqual([
      'apply 1 create_users',
      'apply 2 create_posts',
      'apply 3 seed',
    ])
    expect(events.every((e) => typeof e.durationMs === 'number')).toBe(true)
    expect(await db.rawOne('SELECT count(*)::int AS n FROM users')).toEqual({ n: 2 })

    const files = await readMigrations(dir)
    const rows = await db.raw<Record<string, unknown>>(
      'SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version',
    )
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
      files.map((f) => [f.version, f.name, f.checksum]),
    )
    expect(rows[0]?.applied_at).toBeInstanceOf(Date)
    expect(typeof rows[0]?.duration_ms).toBe('number')

    // Nothing left to do.
    expect(await migrate(db, { dir })).toEqual({ applied: [], reverted: [], current: 3 })
    const after = await status(db, { dir })
    expect(after.current).toBe(3)
    expect(after.applied.map((a) => [a.version, a.name, a.checksum])).toEqual(
      files.map((f) => [f.version, f.name, f.checksum]),
    )
    expect(after.applied[0]?.appliedAt).toBeInstanceOf(Date)
    expect(after).toMatchObject({ pending: [], changed: [], missing: [] })

    const reverted = await down(db, { dir, onProgress: (e) => events.push(e) })
    expect(reverted.reverted.map((s) => s.version)).toEqual([3])
    expect(reverted.current).toBe(2)
    expect(events.at(-1)).toMatchObject({ type: 'revert', version: 3, name: 'seed' })
    expect(await db.rawOne('SELECT count(*)::int AS n FROM users')).toEqual({ n: 0 })
    expect(await recorded(db)).toEqual([1, 2])

    expect(await down(db, { dir, steps: 0 })).toEqual({ applied: [], reverted: [], current: 2 })
    const all = await down(db, { dir, steps: 5 })
    expect(all.reverted.map((s) => s.version)).toEqual([2, 1])
    expect(all.current).toBe(0)
    expect(await exists(db, 'users')).toBe(false)
    expect(await exists(db, 'posts')).toBe(false)
    expect(await recorded(db)).toEqual([])
    expect(await down(db, { dir })).toEqual({ applied: [], reverted: [], current: 0 })
  })

  it('to() goes up or down to exactly the version asked', async () => {
    const { db } = await freshDatabase('migrate_to')
    const dir = await migrations(BASIC)

    const two = await to(db, { dir, version: 2 })
    expect(two.applied.map((s) => s.version)).toEqual([1, 2])
    expect(two.current).toBe(2)
    expect(await recorded(db)).toEqual([1, 2])

    expect((await to(db, { dir, version: 3 })).applied.map((s) => s.version)).toEqual([3])
    expect(await to(db, { dir, version: 3 })).toEqual({ applied: [], reverted: [], current: 3 })

    const one = await to(db, { dir, version: 1 })
    expect(one.reverted.map((s) => s.version)).toEqual([3, 2])
    expect(one.current).toBe(1)
    expect(await exists(db, 'posts')).toBe(false)
    expect(await exists(db, 'users')).toBe(true)

    const zero = await to(db, { dir, version: 0 })
    expect(zero.reverted.map((s) => s.version)).toEqual([1])
    expect(zero.current).toBe(0)
    expect(await recorded(db)).toEqual([])

    expect((await failure(to(db, { dir, version: 4 }))).message).toContain(
      'there is no migration 004',
    )
    await failure(to(db, { dir, version: -1 }))
    await failure(to(db, { dir, version: 1.5 }))
    await failure(down(db, { dir, steps: -1 }))
  })

  it('a failing migration leaves no trace of itself and stops the run; earlier ones stay', async () => {
    const { db } = await freshDatabase('migrate_failing')
    const dir = await migrations({
      '001_create_users': BASIC['001_create_users'],
      '002_create_posts': BASIC['002_create_posts'],
      '003_broken': [
        `CREATE TABLE first_of_three (x int);
INSERT INTO first_of_three VALUES (1);

-- the next statement fails: the table does not exist
INSERT INTO no_such_table
  VALUES (1);
CREATE TABLE last_of_three (x int);`,
        'DROP TABLE last_of_three; DROP TABLE first_of_three;',
      ],
      '004_never': ['CREATE TABLE never (x int);', 'DROP TABLE never;'],
    })
    const events: MigrationProgressEvent[] = []
    const error = await failure(migrate(db, { dir, onProgress: (e) => events.push(e) }))
    expect(error.code).toBe('MIGRATION')
    expect(error.file).toBe(join(dir, '003_broken.up.sql'))
    expect(error.version).toBe(3)
    expect(error.statement).toBe('INSERT INTO no_such_table\n  VALUES (1)')
    expect(error.line).toBe(5)
    expect(error.message).toContain('Migration 003_broken.up.sql failed at line 5')
    expect(error.message).toContain('relation "no_such_table" does not exist')
    expect(error.message).toContain('INSERT INTO no_such_table VALUES (1)')
    expect(error.message).toContain('nothing of it was applied')
    expect(error.cause).toBeInstanceOf(DatabaseError)
    expect((error.cause as DatabaseError).sqlState).toBe('42P01')

    expect(events.map((e) => `${e.type} ${e.version}`)).toEqual(['apply 1', 'apply 2'])
    expect(await recorded(db)).toEqual([1, 2])
    expect(await exists(db, 'users')).toBe(true)
    expect(await exists(db, 'posts')).toBe(true)
    expect(await exists(db, 'first_of_three')).toBe(false)
    expect(await exists(db, 'last_of_three')).toBe(false)
    expect(await exists(db, 'never')).toBe(false)

    // Fixed, the run resumes where it stopped.
    await write(dir, {
      '003_broken': ['CREATE TABLE first_of_three (x int);', 'DROP TABLE first_of_three;'],
    })
    const resumed = await migrate(db, { dir })
    expect(resumed.applied.map((s) => s.version)).toEqual([3, 4])
    expect(await exists(db, 'first_of_three')).toBe(true)
  })

  it('refuses applied migrations whose file changed, unless allowChanged', async () => {
    const { db } = await freshDatabase('migrate_changed')
    const dir = await migrations({
      '001_create_users': BASIC['001_create_users'],
      '002_create_posts': BASIC['002_create_posts'],
    })
    await migrate(db, { dir })
    await write(dir, {
      '001_create_users': [
        'CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text);',
        'DROP TABLE users;',
      ],
      '002_create_posts': [`${BASIC['002_create_posts'][0]}\n-- edited`, 'DROP TABLE posts;'],
      '003_more': ['CREATE TABLE more (x int);', 'DROP TABLE more;'],
    })

    const error = await failure(migrate(db, { dir }))
    expect(error.message).toContain(
      'Applied migrations have changed since they were applied (checksum differs): 001_create_users.up.sql, 002_create_posts.up.sql',
    )
    expect(error.files).toEqual([
      join(dir, '001_create_users.up.sql'),
      join(dir, '002_create_posts.up.sql'),
    ])
    expect(await exists(db, 'more')).toBe(false)
    await failure(down(db, { dir }))
    await failure(to(db, { dir, version: 3 }))

    const report = await status(db, { dir })
    expect(report.changed.map((c) => c.version)).toEqual([1, 2])
    const files = await readMigrations(dir)
    expect(report.changed[0]?.file.checksum).toBe(files[0]?.checksum)
    expect(report.changed[0]?.checksum).not.toBe(files[0]?.checksum)
    expect(report.pending.map((m) => m.version)).toEqual([3])

    const allowed = await migrate(db, { dir, allowChanged: true })
    expect(allowed.applied.map((s) => s.version)).toEqual([3])
    expect(await exists(db, 'more')).toBe(true)
    // The record keeps what was applied: still changed.
    expect((await status(db, { dir })).changed.map((c) => c.version)).toEqual([1, 2])
  })

  it('status lists applied, pending, changed and missing migrations', async () => {
    const { db } = await freshDatabase('migrate_status')
    const dir = await migrations(BASIC)
    await to(db, { dir, version: 3 })
    await unlink(join(dir, '003_seed.up.sql'))
    await unlink(join(dir, '003_seed.down.sql'))
    await write(dir, {
      '002_create_posts': ['CREATE TABLE posts (id int);', 'DROP TABLE posts;'],
    })

    const report = await status(db, { dir })
    expect(report.current).toBe(3)
    expect(report.applied.map((a) => a.version)).toEqual([1, 2, 3])
    expect(report.pending).toEqual([])
    expect(report.changed.map((c) => [c.version, c.name])).toEqual([[2, 'create_posts']])
    expect(report.missing.map((m) => [m.version, m.name])).toEqual([[3, 'seed']])

    await write(dir, { '003_other': ['SELECT 1;', 'SELECT 1;'] })
    // 003 is recorded as "seed"; the folder's 003 is another file: the record's checksum differs.
    expect((await status(db, { dir })).changed.map((c) => c.version)).toEqual([2, 3])

    await unlink(join(dir, '003_other.up.sql'))
    await unlink(join(dir, '003_other.down.sql'))
    const error = await failure(down(db, { dir, allowChanged: true }))
    expect(error.message).toContain('no files any more: 003_seed')
    expect(await recorded(db)).toEqual([1, 2, 3])
  })
})

describe('concurrent runners', () => {
  it('apply each migration exactly once and both end at the final version', async () => {
    const { db, open } = await freshDatabase('migrate_concurrent')
    const [a, b] = await Promise.all([open(), open()])
    const dir = await migrations({
      '001_log': [
        'CREATE TABLE applied_log (version int NOT NULL);\nINSERT INTO applied_log VALUES (1);',
        'DROP TABLE applied_log;',
      ],
      '002_slow': [
        'SELECT pg_sleep(0.2);\nINSERT INTO applied_log VALUES (2);',
        'DELETE FROM applied_log WHERE version = 2;',
      ],
      '003_index': [
        `-- kysely-entities: no-transaction
CREATE INDEX CONCURRENTLY applied_log_version_idx ON applied_log (version);
INSERT INTO applied_log VALUES (3);`,
        '-- kysely-entities: no-transaction\nDROP INDEX CONCURRENTLY applied_log_version_idx;',
      ],
      '004_last': [
        'INSERT INTO applied_log VALUES (4);\nSELECT pg_sleep(0.1);',
        'DELETE FROM applied_log WHERE version = 4;',
      ],
    })
    const events: Record<'a' | 'b', MigrationProgressEvent[]> = { a: [], b: [] }
    const [ra, rb] = await Promise.all([
      migrate(a, { dir, onProgress: (e) => events.a.push(e) }),
      migrate(b, { dir, onProgress: (e) => events.b.push(e) }),
    ])

    const counts = await db.raw<{ version: number; n: number }>(
      'SELECT version, count(*)::int AS n FROM applied_log GROUP BY version ORDER BY version',
    )
    expect(counts).toEqual([1, 2, 3, 4].map((version) => ({ version, n: 1 })))
    expect(ra.current).toBe(4)
    expect(rb.current).toBe(4)
    const appliedBy = [...ra.applied, ...rb.applied].map((s) => s.version).sort()
    expect(appliedBy).toEqual([1, 2, 3, 4])
    // What one runner skipped, the other applied.
    for (const [mine, theirs] of [
      [events.a, events.b],
      [events.b, events.a],
    ] as const) {
      for (const skip of mine.filter((e) => e.type === 'skip')) {
        expect(theirs).toContainEqual(
          expect.objectContaining({ type: 'apply', version: skip.version }),
        )
      }
    }
    expect(await recorded(db)).toEqual([1, 2, 3, 4])
    expect(
      await db.rawOne(
        "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'applied_log_version_idx'::regclass",
      ),
    ).toEqual({ valid: true })

    // And back to 2, at once: 004 and 003 are each reverted once.
    const [ta, tb] = await Promise.all([to(a, { dir, version: 2 }), to(b, { dir, version: 2 })])
    expect([...ta.reverted, ...tb.reverted].map((s) => s.version).sort()).toEqual([3, 4])
    expect(ta.current).toBe(2)
    expect(tb.current).toBe(2)
    expect(await recorded(db)).toEqual([1, 2])
    expect(await exists(db, 'applied_log_version_idx')).toBe(false)
  })
})

describe('no-transaction migrations', () => {
  it('run CREATE INDEX CONCURRENTLY outside a transaction, and its down too', async () => {
    const { db } = await freshDatabase('migrate_concurrently')
    const dir = await migrations({
      '001_create_users': BASIC['001_create_users'],
      '002_email_index': [
        '-- kysely-entities: no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
        '-- kysely-entities: no-transaction\nDROP INDEX CONCURRENTLY users_email_idx;\n',
      ],
    })
    const result = await migrate(db, { dir })
    expect(result.applied.map((s) => s.version)).toEqual([1, 2])
    expect(await recorded(db)).toEqual([1, 2])
    expect(
      await db.rawOne(
        "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass",
      ),
    ).toEqual({ valid: true })

    expect((await down(db, { dir })).reverted.map((s) => s.version)).toEqual([2])
    expect(await exists(db, 'users_email_idx')).toBe(false)
    expect(await recorded(db)).toEqual([1])

    // Refused on a transaction handle, where it could not run.
    const inTransaction = await failure(db.transaction((tx) => migrate(tx, { dir })))
    expect(inTransaction.message).toContain('002_email_index.up.sql is marked no-transaction')
    expect(await recorded(db)).toEqual([1])
  })

  it('without the marker CREATE INDEX CONCURRENTLY fails inside the transaction, named', async () => {
    const { db } = await freshDatabase('migrate_no_marker')
    const dir = await migrations({
      '001_create_users': BASIC['001_create_users'],
      '002_email_index': [
        'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        'DROP INDEX users_email_idx;',
      ],
    })
    const error = await failure(migrate(db, { dir }))
    expect(error.file).toBe(join(dir, '002_email_index.up.sql'))
    expect(error.statement).toBe('CREATE INDEX CONCURRENTLY users_email_idx ON users (email)')
    expect(error.message).toContain('cannot run inside a transaction block')
    expect(await recorded(db)).toEqual([1])
  })

  it('a failing no-transaction migration keeps its earlier statements and is not recorded', async () => {
    const { db } = await freshDatabase('migrate_no_tx_failing')
    const dir = await migrations({
      '001_partial': [
        `-- kysely-entities: no-transaction
CREATE TABLE kept (x int);
INSERT INTO missing_table VALUES (1);
CREATE TABLE not_reached (x int);`,
        'DROP TABLE IF EXISTS not_reached; DROP TABLE IF EXISTS kept;',
      ],
    })
    const error = await failure(migrate(db, { dir }))
    expect(error.statement).toBe('INSERT INTO missing_table VALUES (1)')
    expect(error.line).toBe(3)
    expect(error.message).toContain('the statements before this one stay applied')
    expect(await exists(db, 'kept')).toBe(true)
    expect(await exists(db, 'not_reached')).toBe(false)
    expect(await recorded(db)).toEqual([])
  })
})

describe('on a transaction handle', () => {
  it('runs transactional migrations as savepoints of the caller’s transaction', async () => {
    const { db } = await freshDatabase('migrate_in_tx')
    const dir = await migrations(BASIC)
    await db
      .transaction(async (tx) => {
        const result = await migrate(tx, { dir })
        expect(result.current).toBe(3)
        expect(await recorded(tx)).toEqual([1, 2, 3])
        throw new Error('roll it all back')
      })
      .catch(() => {})
    expect(await exists(db, 'schema_migrations')).toBe(false)
    expect(await exists(db, 'users')).toBe(false)
  })
})
