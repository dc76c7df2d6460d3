import { createHash } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { MigrationError } from './migration-error'
import { leadingKeyword, type SqlStatement, splitSqlStatements } from './split-statements'

/**
 * One migration of a folder: the pair `NNN_description.up.sql` / `NNN_description.down.sql`.
 *
 * @example
 * ```ts
 * const [first] = await readMigrations('migrations')
 * // { version: 1, name: 'create_users', upPath: '/app/migrations/001_create_users.up.sql',
 * //   downPath: '/app/migrations/001_create_users.down.sql', up: 'CREATE TABLE ...', down: 'DROP TABLE users;',
 * //   checksum: '9f86d0…', transactional: true, downTransactional: true }
 * ```
 */
export interface MigrationFile {
  /** The number of the file name: `3` for `003_add_orders.up.sql`. */
  readonly version: number
  /** The description of the file name: `'add_orders'` for `003_add_orders.up.sql`. */
  readonly name: string
  /** Absolute path of the up file. */
  readonly upPath: string
  /** Absolute path of the down file. */
  readonly downPath: string
  /** The SQL of the up file (a leading byte-order mark removed). */
  readonly up: string
  /** The SQL of the down file (a leading byte-order mark removed). */
  readonly down: string
  /**
   * Hex SHA-256 of the up text with line endings normalised to `\n`, so a checkout that turns
   * them into `\r\n` does not look like an edit. Recorded when the migration is applied.
   */
  readonly checksum: string
  /**
   * False when the up file's first line is `-- kysely-entities: no-transaction`: its statements
   * then run one by one outside a transaction (`CREATE INDEX CONCURRENTLY`).
   */
  readonly transactional: boolean
  /** The same for the down file (`DROP INDEX CONCURRENTLY`). */
  readonly downTransactional: boolean
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.(up|down)\.sql$/
const NO_TRANSACTION = /^--\s*kysely-entities:\s*no-transaction\s*$/i
// Each migration runs in a transaction of the runner (or, without one, statement by statement on
// a pool): a transaction statement in the file would commit or abort the runner's transaction.
const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort'])

/**
 * Hex SHA-256 of `text` with `\r\n` and `\r` read as `\n`: see {@link MigrationFile.checksum}.
 * @example
 * ```ts
 * migrationChecksum('SELECT 1;\r\n') === migrationChecksum('SELECT 1;\n') // true
 * ```
 * @internal
 */
export function migrationChecksum(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n?/g, '\n'), 'utf8').digest('hex')
}

/**
 * True when the first line of `text` is the `-- kysely-entities: no-transaction` marker.
 * @example
 * ```ts
 * isNoTransaction('-- kysely-entities: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);') // true
 * ```
 * @internal
 */
export function isNoTransaction(text: string): boolean {
  const firstLine = /^[^\r\n]*/.exec(text)?.[0] ?? ''
  return NO_TRANSACTION.test(firstLine.trim())
}

/**
 * The statements of one migration file, checked: the file must lex (no unterminated string,
 * comment or dollar quote) and must not control transactions itself (`BEGIN`, `COMMIT`,
 * `ROLLBACK`, ...). Problems throw {@link MigrationError} naming `path` and the line.
 * @example
 * ```ts
 * migrationStatements('CREATE TABLE a (x int);\nCOMMIT;', '001_a.up.sql')
 * // throws MigrationError: 001_a.up.sql line 2: COMMIT is not allowed in a migration ...
 * ```
 * @internal
 */
export function migrationStatements(text: string, path: string): SqlStatement[] {
  let statements: SqlStatement[]
  try {
    statements = splitSqlStatements(text)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new MigrationError(`${basename(path)}: ${message}`, {
      file: path,
      ...(error instanceof MigrationError && error.line !== undefined ? { line: error.line } : {}),
      cause: error,
    })
  }
  for (const statement of statements) {
    const keyword = leadingKeyword(statement.text)
    if (TRANSACTION_CONTROL.has(keyword) && !/^rollback\s+to\b/i.test(statement.text)) {
      throw new MigrationError(
        `${basename(path)} line ${statement.line}: ${keyword.toUpperCase()} is not allowed in a migration: each migration runs in a transaction of its own (or, with the no-transaction marker, statement by statement)`,
        { file: path, line: statement.line, statement: statement.text },
      )
    }
  }
  return statements
}

interface ParsedName {
  readonly file: string
  readonly version: number
  readonly name: string
  readonly direction: 'up' | 'down'
}

/**
 * A version as migration file names write it: `3` is `'003'`.
 *
 * @example
 * ```ts
 * pad(3) // '003'
 * ```
 */
export const pad = (version: number): string => String(version).padStart(3, '0')

async function readText(path: string): Promise<string> {
  const text = await readFile(path, 'utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/**
 * Reads and checks a migration folder: every `.sql` file must be named
 * `NNN_description.up.sql` or `NNN_description.down.sql` (three digits from `001`, description
 * `[a-z0-9_]+`), every up needs its down and the reverse, and versions run 001, 002, ... with no
 * gap and no duplicate. Each file must lex and must not contain `BEGIN`/`COMMIT`/`ROLLBACK`. Other
 * files (a README) are ignored. Any problem throws {@link MigrationError} naming the file.
 *
 * @example
 * ```ts
 * const migrations = await readMigrations('./migrations')
 * migrations.map((m) => `${m.version} ${m.name}`) // ['1 create_users', '2 add_functions']
 * // 001_create_users.up.sql + 003_x.up.sql -> MigrationError: 003_x.up.sql: expected version 002 ...
 * ```
 */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  if (typeof dir !== 'string' || dir === '') {
    throw new MigrationError('readMigrations(): `dir` must be the path of the migrations folder')
  }
  const root = resolve(dir)
  let entries: Dirent[]
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch (error) {
    throw new MigrationError(`Cannot read the migrations folder ${root}`, { cause: error })
  }

  const parsed: ParsedName[] = []
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.sql')) continue
    const match = FILE_NAME.exec(entry.name)
    const version = Number(match?.[1])
    if (match === null || version === 0) {
      throw new MigrationError(
        `Malformed migration file name ${entry.name}: expected NNN_description.up.sql or NNN_description.down.sql (NNN from 001, description [a-z0-9_]+)`,
        { file: resolve(root, entry.name) },
      )
    }
    parsed.push({
      file: entry.name,
      version,
      name: match[2]!,
      direction: match[3] as 'up' | 'down',
    })
  }
  parsed.sort((a, b) => a.version - b.version || a.file.localeCompare(b.file))

  // version -> name -> the up and down file names
  const byVersion = new Map<number, Map<string, { up?: string; down?: string }>>()
  for (const p of parsed) {
    let names = byVersion.get(p.version)
    if (names === undefined) {
      names = new Map()
      byVersion.set(p.version, names)
    }
    const pair = names.get(p.name) ?? {}
    pair[p.direction] = p.file
    names.set(p.name, pair)
  }

  // version -> its one checked pair, in version order
  const migrations = new Map<number, { name: string; up: string; down: string }>()
  for (const [version, names] of byVersion) {
    if (names.size > 1) {
      const files = [...names.values()].flatMap((pair) =>
        [pair.up, pair.down].filter((f): f is string => f !== undefined),
      )
      const pairs = [...names.values()]
      const ups = pairs.filter((pair) => pair.up !== undefined).length
      const downs = pairs.filter((pair) => pair.down !== undefined).length
      const problem =
        ups <= 1 && downs <= 1
          ? `The up and down files of migration ${pad(version)} have different names`
          : `Duplicate migration version ${pad(version)}`
      throw new MigrationError(`${problem}: ${files.join(', ')}`, {
        files: files.map((f) => resolve(root, f)),
        version,
      })
    }
    for (const [name, { up, down }] of names) {
      if (up === undefined) {
        throw new MigrationError(
          `Migration ${down} has no up file: expected ${pad(version)}_${name}.up.sql next to it`,
          { file: resolve(root, down!), version },
        )
      }
      if (down === undefined) {
        throw new MigrationError(
          `Migration ${up} has no down file: expected ${pad(version)}_${name}.down.sql next to it`,
          { file: resolve(root, up), version },
        )
      }
      migrations.set(version, { name, up, down })
    }
  }

  let expected = 1
  for (const [version, { name, up }] of migrations) {
    if (version !== expected) {
      throw new MigrationError(
        `Migration ${up}: expected version ${pad(expected)} (migrations are numbered 001, 002, ... without gaps; ${pad(expected)} is missing before ${pad(version)}_${name})`,
        { file: resolve(root, up), version },
      )
    }
    expected++
  }

  return Promise.all(
    [...migrations].map(async ([version, { name, up: upFile, down: downFile }]) => {
      const upPath = resolve(root, upFile)
      const downPath = resolve(root, downFile)
      const [up, down] = await Promise.all([readText(upPath), readText(downPath)])
      migrationStatements(up, upPath)
      migrationStatements(down, downPath)
      const migration: MigrationFile = {
        version,
        name,
        upPath,
        downPath,
        up,
        down,
        checksum: migrationChecksum(up),
        transactional: !isNoTransaction(up),
        downTransactional: !isNoTransaction(down),
      }
      return Object.freeze(migration)
    }),
  )
}
