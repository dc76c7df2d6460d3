import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MigrationError, readMigrations } from '../../src/index'
import { isNoTransaction, migrationChecksum } from '../../src/migrate/migration-files'
import { splitSqlStatements } from '../../src/migrate/split-statements'

const dirs: string[] = []

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

/** A temporary folder holding `files` (name -> content). */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ke-migrations-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return dir
}

async function failure(dir: string): Promise<MigrationError> {
  const error = await readMigrations(dir).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(MigrationError)
  expect((error as MigrationError).code).toBe('MIGRATION')
  return error as MigrationError
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('readMigrations', () => {
  it('reads a well-formed folder in version order, ignoring other files', async () => {
    const dir = await folder({
      '002_add_posts.up.sql': 'CREATE TABLE posts (id int);\n',
      '002_add_posts.down.sql': 'DROP TABLE posts;\n',
      '001_create_users.up.sql': 'CREATE TABLE users (id int);\n',
      '001_create_users.down.sql': 'DROP TABLE users;\n',
      '010_notes.txt': 'not a migration',
      'README.md': '# migrations',
    })
    await mkdir(join(dir, '003_a_folder.up.sql'))
    const migrations = await readMigrations(dir)
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [1, 'create_users'],
      [2, 'add_posts'],
    ])
    const [first] = migrations
    expect(first).toEqual({
      version: 1,
      name: 'create_users',
      upPath: join(dir, '001_create_users.up.sql'),
      downPath: join(dir, '001_create_users.down.sql'),
      up: 'CREATE TABLE users (id int);\n',
      down: 'DROP TABLE users;\n',
      checksum: sha256('CREATE TABLE users (id int);\n'),
      transactional: true,
      downTransactional: true,
    })
    expect(Object.isFrozen(first)).toBe(true)
  })

  it('reads an empty folder as no migrations, and a missing folder as an error', async () => {
    expect(await readMigrations(await folder({}))).toEqual([])
    const error = await failure(join(tmpdir(), 'ke-no-such-folder-9f3a'))
    expect(error.message).toContain('Cannot read the migrations folder')
  })

  it.each([
    '1_create.up.sql',
    '0001_create.up.sql',
    '001-create.up.sql',
    '001_Create.up.sql',
    '001_create-users.up.sql',
    '001_.up.sql',
    '001_create.sql',
    '001_create.UP.sql',
    '001_create.up.SQL',
    '000_create.up.sql',
  ])('refuses the malformed name %s, naming the file', async (name) => {
    const dir = await folder({ [name]: 'SELECT 1;', '001_ok.down.sql': 'SELECT 1;' })
    const error = await failure(dir)
    expect(error.message).toContain(`Malformed migration file name ${name}`)
    expect(error.file).toBe(join(dir, name))
  })

  it('refuses an up without its down, and a down without its up', async () => {
    const noDown = await folder({
      '001_a.up.sql': 'SELECT 1;',
      '001_a.down.sql': 'SELECT 1;',
      '002_b.up.sql': 'SELECT 2;',
    })
    const error = await failure(noDown)
    expect(error.message).toBe(
      'Migration 002_b.up.sql has no down file: expected 002_b.down.sql next to it',
    )
    expect(error.file).toBe(join(noDown, '002_b.up.sql'))
    expect(error.version).toBe(2)

    const noUp = await folder({ '001_a.down.sql': 'SELECT 1;' })
    expect((await failure(noUp)).message).toContain('001_a.down.sql has no up file')

    const mismatched = await folder({ '001_a.up.sql': 'SELECT 1;', '001_b.down.sql': 'SELECT 1;' })
    const pairError = await failure(mismatched)
    expect(pairError.message).toContain('have different names: 001_a.up.sql, 001_b.down.sql')
  })

  it('refuses a gap in the versions, naming the file after it', async () => {
    const dir = await folder({
      '001_a.up.sql': 'SELECT 1;',
      '001_a.down.sql': 'SELECT 1;',
      '003_c.up.sql': 'SELECT 3;',
      '003_c.down.sql': 'SELECT 3;',
    })
    const error = await failure(dir)
    expect(error.message).toMatch(/^Migration 003_c\.up\.sql: expected version 002/)
    expect(error.file).toBe(join(dir, '003_c.up.sql'))

    const late = await folder({ '002_b.up.sql': 'SELECT 1;', '002_b.down.sql': 'SELECT 1;' })
    expect((await failure(late)).message).toContain('expected version 001')
  })

  it('refuses two migrations with one version, naming both', async () => {
    const dir = await folder({
      '001_a.up.sql': 'SELECT 1;',
      '001_a.down.sql': 'SELECT 1;',
      '002_b.up.sql': 'SELECT 2;',
      '002_b.down.sql': 'SELECT 2;',
      '002_c.up.sql': 'SELECT 3;',
      '002_c.down.sql': 'SELECT 3;',
    })
    const error = await failure(dir)
    expect(error.message).toContain('Duplicate migration version 002')
    expect(error.message).toContain('002_b.up.sql')
    expect(error.message).toContain('002_c.up.sql')
    expect(error.files).toEqual(
      ['002_b.up.sql', '002_b.down.sql', '002_c.up.sql', '002_c.down.sql'].map((f) => join(dir, f)),
    )
  })

  it('gives a stable checksum of the up text that ignores line endings and the down file', async () => {
    const text = 'CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);\n'
    const a = await folder({ '001_t.up.sql': text, '001_t.down.sql': 'DROP TABLE t;' })
    const b = await folder({
      '001_t.up.sql': text.replaceAll('\n', '\r\n'),
      '001_t.down.sql': 'DROP TABLE t; -- another down',
    })
    const c = await folder({ '001_t.up.sql': `${text} `, '001_t.down.sql': 'DROP TABLE t;' })
    const [first] = await readMigrations(a)
    const [again] = await readMigrations(a)
    const [crlf] = await readMigrations(b)
    const [edited] = await readMigrations(c)
    expect(first?.checksum).toBe(sha256(text))
    expect(first?.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(again?.checksum).toBe(first?.checksum)
    expect(crlf?.checksum).toBe(first?.checksum)
    expect(edited?.checksum).not.toBe(first?.checksum)
    expect(migrationChecksum('\uFEFFx')).not.toBe(migrationChecksum('x'))
    // A byte-order mark is not part of the text.
    const bom = await folder({ '001_t.up.sql': `\uFEFF${text}`, '001_t.down.sql': 'SELECT 1;' })
    const [withBom] = await readMigrations(bom)
    expect(withBom?.up).toBe(text)
    expect(withBom?.checksum).toBe(first?.checksum)
  })

  it('reads the no-transaction marker on the first line of each file', async () => {
    const dir = await folder({
      '001_index.up.sql':
        '-- kysely-entities: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n',
      '001_index.down.sql': 'DROP INDEX i;\n',
      '002_later.up.sql': 'SELECT 1;\n-- kysely-entities: no-transaction\n',
      '002_later.down.sql': '--kysely-entities:no-transaction\r\nDROP INDEX CONCURRENTLY j;',
    })
    const [index, later] = await readMigrations(dir)
    expect(index?.transactional).toBe(false)
    expect(index?.downTransactional).toBe(true)
    expect(later?.transactional).toBe(true)
    expect(later?.downTransactional).toBe(false)
    expect(isNoTransaction('  -- kysely-entities: no-transaction  \nSELECT 1')).toBe(true)
    expect(isNoTransaction('-- kysely-entities: no-transactions\nSELECT 1')).toBe(false)
  })

  it('refuses transaction statements in a file, naming the file and line', async () => {
    const dir = await folder({
      '001_a.up.sql': 'BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n',
      '001_a.down.sql': 'DROP TABLE a;',
    })
    const error = await failure(dir)
    expect(error.message).toMatch(/^001_a\.up\.sql line 1: BEGIN is not allowed/)
    expect(error.file).toBe(join(dir, '001_a.up.sql'))
    const savepoints = await folder({
      '001_a.up.sql': 'SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nRELEASE s;',
      '001_a.down.sql': 'ROLLBACK;',
    })
    expect((await failure(savepoints)).message).toMatch(/^001_a\.down\.sql line 1: ROLLBACK/)
  })

  it('refuses a file that does not lex, naming the file and the line', async () => {
    const dir = await folder({
      '001_a.up.sql': "CREATE TABLE a (x int);\nINSERT INTO a VALUES ('oops);\n",
      '001_a.down.sql': 'DROP TABLE a;',
    })
    const error = await failure(dir)
    expect(error.message).toBe('001_a.up.sql: unterminated string literal starting at line 2')
    expect(error.file).toBe(join(dir, '001_a.up.sql'))
    expect(error.line).toBe(2)
  })
})

describe('splitSqlStatements', () => {
  const texts = (sql: string) => splitSqlStatements(sql).map((s) => s.text)

  it('splits on semicolons, trims, drops empty statements and keeps a last one without ;', () => {
    expect(texts('SELECT 1; SELECT 2;;\n\n  SELECT 3  ')).toEqual([
      'SELECT 1',
      'SELECT 2',
      'SELECT 3',
    ])
    expect(texts('')).toEqual([])
    expect(texts(' ;\n; ')).toEqual([])
  })

  it('leaves semicolons inside strings, E-strings and quoted identifiers alone', () => {
    expect(
      texts(
        `INSERT INTO t VALUES ('a;b', 'it''s; fine');
         INSERT INTO t VALUES (E'x\\';y', e'\\\\'), (E'z'';w', 'q');
         CREATE TABLE "odd;name" ("col""; x" int);
         SELECT U&'d\\0061t;a', B'1010', X'1F'`,
      ),
    ).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      "INSERT INTO t VALUES (E'x\\';y', e'\\\\'), (E'z'';w', 'q')",
      'CREATE TABLE "odd;name" ("col""; x" int)',
      "SELECT U&'d\\0061t;a', B'1010', X'1F'",
    ])
    // In a standard string a backslash is an ordinary character.
    expect(texts("SELECT 'C:\\'; SELECT 2")).toEqual(["SELECT 'C:\\'", 'SELECT 2'])
  })

  it('leaves dollar-quoted bodies alone, nested tags included', () => {
    const fn = `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  EXECUTE $$SELECT 1; SELECT 'x;'$$;
  RETURN NEW;
END;
$body$`
    expect(
      texts(`${fn};\nCREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;`),
    ).toEqual([fn, 'CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$'])
    // `$1` is a parameter and `a$b` an identifier, not dollar quotes.
    expect(texts('PREPARE p AS SELECT $1; SELECT a$b$c FROM t; SELECT 1')).toEqual([
      'PREPARE p AS SELECT $1',
      'SELECT a$b$c FROM t',
      'SELECT 1',
    ])
  })

  it('ignores semicolons and quotes in comments and starts each statement at its first token', () => {
    const statements = splitSqlStatements(`-- header; with 'a quote
/* block; /* nested; */ still 'comment' ; */
CREATE TABLE a (
  x int -- the x; column
);
/* between */ -- and more
INSERT INTO a VALUES (1) /* ; */;
-- trailing comment; only`)
    expect(statements).toEqual([
      { text: 'CREATE TABLE a (\n  x int -- the x; column\n)', line: 3 },
      { text: 'INSERT INTO a VALUES (1) /* ; */', line: 7 },
    ])
    expect(texts('-- only a comment\n/* and another */')).toEqual([])
  })

  it('keeps BEGIN ATOMIC bodies and parenthesised rule actions whole', () => {
    const atomic = `CREATE OR REPLACE FUNCTION total(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;
  SELECT x + 1;
END`
    const rule =
      'CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO c VALUES (2))'
    const plain = 'SELECT CASE WHEN true THEN 1 END'
    expect(texts(`${atomic};\n${rule};\n${plain};\nSELECT 2`)).toEqual([
      atomic,
      rule,
      plain,
      'SELECT 2',
    ])
    // BEGIN outside a routine definition is a statement of its own.
    expect(texts('BEGIN; SELECT 1; END;')).toEqual(['BEGIN', 'SELECT 1', 'END'])
  })

  it('reports line numbers across CRLF files', () => {
    expect(splitSqlStatements('SELECT 1;\r\n\r\nSELECT\r\n2;').map((s) => s.line)).toEqual([1, 3])
  })

  it.each([
    ["SELECT 'abc", 'unterminated string literal starting at line 1'],
    ['SELECT 1;\nSELECT "abc', 'unterminated quoted identifier starting at line 2'],
    ["SELECT E'abc\\'", "unterminated escape string (E'...') starting at line 1"],
    ['SELECT $x$ abc $y$', 'unterminated dollar-quoted string $x$ starting at line 1'],
    ['SELECT 1 /* a /* b */', 'unterminated block comment starting at line 1'],
  ])('throws MigrationError on %j', (sql, message) => {
    expect(() => splitSqlStatements(sql)).toThrow(MigrationError)
    expect(() => splitSqlStatements(sql)).toThrow(message)
  })
})
