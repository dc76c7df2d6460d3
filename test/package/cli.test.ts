import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDatabase } from '../setup/test-database'

// The command a user runs: the built dist/cli.js as a real process (npm test builds first), never
// the source through tsx. `.ts` definitions are loaded through this project's own tsx, as they
// are through a user's.
const root = fileURLToPath(new URL('../..', import.meta.url))
const migrations = join(root, 'sql/containerpub/migrations')
const definitions = join(root, 'src/containerpub/tables.ts')
const bin = join(root, 'dist/cli.js')

type Run = { code: number; stdout: string; stderr: string }
function cli(argv: string[], env: Record<string, string | undefined> = {}, cwd = root) {
  return new Promise<Run>((done) => {
    execFile(
      process.execPath,
      [bin, ...argv],
      { cwd, env: { PATH: process.env.PATH, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        done({ code, stdout, stderr })
      },
    )
  })
}

let test: Awaited<ReturnType<typeof testDatabase>>
let work: string

beforeAll(async () => {
  test = await testDatabase('cli')
  work = await mkdtemp(join(tmpdir(), 'ke-cli-'))
})
afterAll(async () => {
  await test?.drop()
  await rm(work, { recursive: true, force: true })
})

describe('kysely-entities CLI', () => {
  it('migrate up, validate (no drift), status, down, on the ContainerPub migrations', async () => {
    const up = await cli(['migrate', 'up', '--dir', migrations, '--url', test.url])
    expect(up).toMatchObject({ code: 0 })
    expect(up.stdout).toContain('5 migration(s) applied; now at version 5')
    expect(up.stderr).toContain('applied 001_initial_schema')

    const valid = await cli([
      'validate',
      '--tables',
      definitions,
      '--export',
      'containerpubTables',
      '--url',
      test.url,
      '--json',
    ])
    expect(valid.code).toBe(0)
    expect(JSON.parse(valid.stdout)).toEqual({ ok: true, issues: [] })

    const st = await cli(['migrate', 'status', '--dir', migrations], { DATABASE_URL: test.url })
    expect(st.code).toBe(0)
    expect(st.stdout).toContain('current version: 5')

    const back = await cli(['migrate', 'down', '--dir', migrations, '--url', test.url])
    expect(back.code).toBe(0)
    expect(back.stdout).toContain('now at version 4')

    const drift = await cli([
      'validate',
      '--tables',
      definitions,
      '--export',
      'containerpubTables',
      '--url',
      test.url,
    ])
    expect(drift.code).toBe(1)
    expect(drift.stdout).toContain('function_deployments')

    const json = await cli(['migrate', 'to', '0', '--dir', migrations, '--url', test.url, '--json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout).current).toBe(0)
  })

  it('ddl prints the CREATE statements of a definitions module', async () => {
    const ddl = await cli(['ddl', '--tables', definitions])
    expect(ddl.code).toBe(0)
    expect(ddl.stdout).toContain('CREATE TABLE IF NOT EXISTS "functions" (')
  })

  it('migrate create writes the next pair of files', async () => {
    const dir = join(work, 'migrations')
    await cp(migrations, dir, { recursive: true })
    const created = await cli(['migrate', 'create', 'add_api_keys', '--dir', dir])
    expect(created.code).toBe(0)
    expect((await readdir(dir)).filter((f) => f.startsWith('006_'))).toEqual([
      '006_add_api_keys.down.sql',
      '006_add_api_keys.up.sql',
    ])
    expect((await cli(['migrate', 'create', 'Bad Name', '--dir', dir])).code).toBe(2)
  })

  it.each([
    [['nope'], /unknown command "nope"/],
    [
      ['migrate', 'up', '--dir', '/definitely/not/here', '--url', 'postgres://x@localhost/x'],
      /migrations folder not found/,
    ],
    [['migrate', 'up', '--dir', migrations], /no database: pass --url or set DATABASE_URL/],
    [['migrate', 'up', '--dir', migrations, '--url', 'mysql://x'], /must look like postgres:/],
    [
      [
        'migrate',
        'down',
        '--steps',
        'two',
        '--dir',
        migrations,
        '--url',
        'postgres://x@localhost/x',
      ],
      /--steps must be/,
    ],
    [['validate', '--url', 'postgres://x@localhost/x'], /--tables <module> is required/],
    [['ddl', '--tables', 'missing.js'], /definitions module not found/],
    [['ddl', '--tables', definitions, '--export', 'nope'], /has no export named "nope"/],
    [['migrate', 'up', '--bogus'], /Unknown option '--bogus'$/],
    [['migrate'], /migrate needs an action: up, down, to, status, create/],
    [['migrate', 'sideways'], /unknown migrate action "sideways"/],
    [['migrate', 'up', 'extra', '--dir', migrations], /migrate up takes no argument/],
    [['migrate', 'up', '--steps', '2', '--dir', migrations], /--steps is for migrate down/],
    [['ddl', '--dir', 'migrations', '--tables', definitions], /ddl does not take --dir/],
    [['ddl', 'extra', '--tables', definitions], /ddl takes no argument/],
    [['help', 'nope'], /unknown command "nope"/],
  ])('a usage error exits 2 with one line and a hint: %j', async (argv, message) => {
    const result = await cli(argv as string[])
    expect(result.code).toBe(2)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^kysely-entities: /)
    expect(lines[0]).toMatch(message)
    const command = (argv as string[])[0]
    expect(lines[1]).toBe(
      command === 'help' || command === 'nope'
        ? 'run "kysely-entities help" for usage'
        : `run "kysely-entities ${command} --help" for its usage`,
    )
    expect(result.stdout).toBe('')
  })

  it('no command at all prints the whole usage to stderr, exit 2', async () => {
    const result = await cli([])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^kysely-entities: no command given\n\nusage: kysely-entities/)
  })

  it('--version and -v print the package version', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      version: string
    }
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    expect(await cli(['-v'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    expect(JSON.parse((await cli(['-v', '--json'])).stdout)).toEqual({ version })
  })

  it('help, --help and -h print the whole usage; help <command> and <command> --help its own', async () => {
    const all = await cli(['help'])
    expect(all.code).toBe(0)
    for (const command of ['migrate', 'validate', 'ddl', 'diff', 'pull', 'help']) {
      expect(all.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
    }
    expect(await cli(['--help'])).toEqual(all)
    expect(await cli(['-h'])).toEqual(all)
    const own = {
      migrate: ['migrate down [--steps N]', '--allow-changed', '--dir <folder>'],
      validate: ['usage: kysely-entities validate --tables <module>', '--url <url>'],
      ddl: ['usage: kysely-entities ddl --tables <module>', '--export <name>'],
      diff: ['usage: kysely-entities diff --tables <module>', '--url <url>'],
    }
    for (const [command, expected] of Object.entries(own)) {
      const help = await cli([command, '--help'])
      expect(help.code, command).toBe(0)
      for (const text of expected) expect(help.stdout, command).toContain(text)
      expect(await cli(['help', command])).toEqual(help)
      expect(await cli([command, '-h'])).toEqual(help)
    }
    expect((await cli(['ddl', '--help'])).stdout).not.toContain('--dir')
    expect((await cli(['migrate', 'up', '--help'])).stdout).toContain('migrate status')
    expect(JSON.parse((await cli(['help', 'ddl', '--json'])).stdout).usage).toContain(
      'usage: kysely-entities ddl',
    )
  })

  it('--json is honoured by every command, usage errors included', async () => {
    const ddl = await cli(['ddl', '--tables', definitions, '--json'])
    expect(ddl.code).toBe(0)
    const parsed = JSON.parse(ddl.stdout) as { tables: string[]; statements: string[] }
    expect(parsed.tables).toContain('functions')
    expect(
      parsed.statements.some((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "functions"')),
    ).toBe(true)
    const dir = join(work, 'json-create')
    const created = await cli(['migrate', 'create', 'first', '--dir', dir, '--json'])
    expect(JSON.parse(created.stdout)).toEqual({
      version: 1,
      created: [join(dir, '001_first.up.sql'), join(dir, '001_first.down.sql')],
    })
    const diff = await cli(['diff', '--tables', definitions, '--url', test.url, '--json'])
    expect(diff.code).toBe(0)
    expect(Object.keys(JSON.parse(diff.stdout))).toEqual(expect.arrayContaining(['up', 'down']))
    const usage = await cli(['nope', '--json'])
    expect(usage.code).toBe(2)
    expect(JSON.parse(usage.stdout)).toEqual({
      error: { code: 'USAGE', message: 'unknown command "nope"' },
    })
    const bogus = await cli(['ddl', '--bogus', '--json'])
    expect(JSON.parse(bogus.stdout).error.code).toBe('USAGE')
  })

  it('pull writes the definitions of a database; validate finds no drift against them', async () => {
    const source = await testDatabase('cli_pull')
    await mkdir(join(root, '.tmp'), { recursive: true })
    const local = await mkdtemp(join(root, '.tmp', 'cli-pull-'))
    try {
      expect(await cli(['migrate', 'up', '--dir', migrations, '--url', source.url])).toMatchObject({
        code: 0,
      })
      const out = join(local, 'tables.ts')
      const pulled = await cli(['pull', '--url', source.url, '--out', out])
      expect(pulled).toMatchObject({ code: 0, stdout: '' })
      expect(pulled.stderr).toBe(`pulled 8 table(s) to ${out}\n`)
      const text = await readFile(out, 'utf8')
      expect(text).toContain('import { c, defineTable } from "kysely-entities"')
      expect(text).toContain('export const functionDeployments = defineTable(')
      expect(text).not.toContain('schema_migrations')
      const valid = await cli(['validate', '--tables', out, '--url', source.url, '--json'])
      expect(valid.stderr).toBe('')
      expect(JSON.parse(valid.stdout)).toEqual({ ok: true, issues: [] })
      // Without --out the module goes to stdout; --json says what was pulled.
      const printed = await cli(['pull', '--url', source.url])
      expect(printed.stdout).toBe(text)
      const json = JSON.parse((await cli(['pull', '--url', source.url, '--json'])).stdout)
      expect(json.source).toBe(text)
      expect(json.tables).toContainEqual({ name: 'users', variable: 'users' })
      expect(json.skipped).toEqual([])
      const help = await cli(['pull', '--help'])
      expect(help.stdout).toContain('usage: kysely-entities pull [--out <file>] [options]')
      expect(help.stdout).toContain('--schema <name>')
      const noUrl = await cli(['pull'])
      expect(noUrl).toMatchObject({ code: 2 })
      expect(noUrl.stderr).toContain('no database: pass --url or set DATABASE_URL')
    } finally {
      await rm(local, { recursive: true, force: true })
      await source.drop()
    }
  })

  it('loads .ts definitions through the tsx of their project, and says when there is none', async () => {
    const lonely = await mkdtemp(join(tmpdir(), 'ke-no-tsx-'))
    try {
      await writeFile(join(lonely, 'tables.ts'), 'export const n: number = 1\n')
      const none = await cli(['ddl', '--tables', join(lonely, 'tables.ts')], {}, lonely)
      expect(none.code).toBe(2)
      expect(none.stderr).toContain('is TypeScript: install tsx in your project (npm i -D tsx)')
    } finally {
      await rm(lonely, { recursive: true, force: true })
    }
    // A broken definitions file reports its own error, not "install tsx".
    await mkdir(join(root, '.tmp'), { recursive: true })
    const local = await mkdtemp(join(root, '.tmp', 'cli-'))
    try {
      await writeFile(join(local, 'broken.ts'), 'export const n: number = \n')
      const broken = await cli(['ddl', '--tables', join(local, 'broken.ts')])
      expect(broken.code).toBe(1)
      expect(broken.stderr).toContain('broken.ts')
      expect(broken.stderr).not.toContain('install tsx')
    } finally {
      await rm(local, { recursive: true, force: true })
    }
  })

  it('a malformed migration file name is refused, naming the file', async () => {
    const dir = join(work, 'malformed')
    await cp(migrations, dir, { recursive: true })
    await writeFile(join(dir, '3_oops.up.sql'), 'SELECT 1;')
    const result = await cli(['migrate', 'up', '--dir', dir, '--url', test.url])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('3_oops.up.sql')
  })

  it('a refused connection exits 1 with the reason', async () => {
    const url = new URL(test.url)
    url.port = '1'
    const result = await cli([
      'migrate',
      'status',
      '--dir',
      migrations,
      '--url',
      url.toString(),
      '--json',
    ])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout).error.code).toBe('CONNECTION')
  })

  it('diff refuses destructive steps without --allow-destructive, and --write writes the next migration pair', async () => {
    const drifted = await testDatabase('cli-diff')
    const dir = join(work, 'diff-migrations')
    try {
      await cp(migrations, dir, { recursive: true })
      const last = (await readdir(dir))
        .filter((f) => f.endsWith('.up.sql'))
        .sort()
        .at(-1)!
      const next = Number(last.slice(0, 3)) + 1
      const label = (n: number, name: string) => `${String(n).padStart(3, '0')}_${name}`
      // An index the definitions do not declare, as a team adds one by hand.
      await writeFile(
        join(dir, `${label(next, 'extra_index')}.up.sql`),
        'CREATE INDEX idx_users_created_extra ON users (created_at, id);\n',
      )
      await writeFile(
        join(dir, `${label(next, 'extra_index')}.down.sql`),
        'DROP INDEX idx_users_created_extra;\n',
      )
      expect((await cli(['migrate', 'up', '--dir', dir, '--url', drifted.url])).code).toBe(0)
      const args = ['diff', '--tables', definitions, '--export', 'containerpubTables']
      const refused = await cli([...args, '--url', drifted.url])
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toContain('diff has 1 destructive step(s)')
      expect(refused.stderr).toContain('rerun with --allow-destructive')
      expect(refused.stderr).toContain('drops index "idx_users_created_extra"')
      expect(refused.stderr).toContain('DROP INDEX "idx_users_created_extra"')
      const json = await cli([...args, '--url', drifted.url, '--json', '--write', dir])
      expect(json.code).toBe(1)
      expect(JSON.parse(json.stdout).error.code).toBe('DESTRUCTIVE')
      // Refused: nothing written.
      expect((await readdir(dir)).filter((f) => f.startsWith(label(next + 1, '')))).toEqual([])

      const written = await cli([
        ...args,
        '--url',
        drifted.url,
        '--allow-destructive',
        '--write',
        dir,
        '--name',
        'drop_extra_index',
      ])
      expect(written).toEqual({
        code: 0,
        stdout: `created ${join(dir, `${label(next + 1, 'drop_extra_index')}.up.sql`)}\ncreated ${join(dir, `${label(next + 1, 'drop_extra_index')}.down.sql`)}\n`,
        stderr: '',
      })
      const up = await readFile(join(dir, `${label(next + 1, 'drop_extra_index')}.up.sql`), 'utf8')
      expect(up).toContain('-- DESTRUCTIVE: drops index "idx_users_created_extra"')
      expect(up).toContain('\nDROP INDEX "idx_users_created_extra";\n')
      const down = await readFile(
        join(dir, `${label(next + 1, 'drop_extra_index')}.down.sql`),
        'utf8',
      )
      expect(down).toContain('CREATE INDEX idx_users_created_extra ON public.users')
      // The written migration applies, and the database then matches the definitions.
      expect((await cli(['migrate', 'up', '--dir', dir, '--url', drifted.url])).code).toBe(0)
      const valid = await cli([
        'validate',
        '--tables',
        definitions,
        '--export',
        'containerpubTables',
        '--url',
        drifted.url,
      ])
      expect(valid.code).toBe(0)
      const nothing = await cli([...args, '--url', drifted.url, '--write', dir])
      expect(nothing).toEqual({
        code: 0,
        stdout: 'the database matches the definitions: nothing written\n',
        stderr: '',
      })
      expect((await cli([...args, '--name', 'x'])).code).toBe(2)
    } finally {
      await drifted.drop()
    }
  })
})
