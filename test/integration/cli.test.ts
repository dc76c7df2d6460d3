import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli'
import { testDatabase } from '../setup/test-database'

const root = fileURLToPath(new URL('../..', import.meta.url))
const migrations = join(root, 'sql/containerpub/migrations')
const definitions = join(root, 'src/containerpub/tables.ts')
const run = promisify(execFile)

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t
    },
    stderr: (t) => {
      stderr += t
    },
    env,
  })
  return { code, stdout, stderr }
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
    expect(up.stdout).toContain('2 migration(s) applied; now at version 2')
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
    expect(st.stdout).toContain('current version: 2')

    const back = await cli(['migrate', 'down', '--dir', migrations, '--url', test.url])
    expect(back.code).toBe(0)
    expect(back.stdout).toContain('now at version 1')

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
    expect(drift.stdout).toContain('user_information')

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
    expect((await readdir(dir)).filter((f) => f.startsWith('003_'))).toEqual([
      '003_add_api_keys.down.sql',
      '003_add_api_keys.up.sql',
    ])
    expect((await cli(['migrate', 'create', 'Bad Name', '--dir', dir])).code).toBe(2)
  })

  it.each([
    [['nope'], /unknown command "nope"/],
    [[], /no command given/],
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
    [['migrate', 'up', '--bogus'], /Unknown option/],
  ])('usage errors exit 2 with a clear message: %j', async (argv, message) => {
    const result = await cli(argv as string[])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
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

  it('runs as a real process with exit codes (tsx on the source)', async () => {
    const tsx = join(root, 'node_modules/.bin/tsx')
    const ok = await run(tsx, ['src/cli.ts', 'migrate', 'up', '--dir', migrations], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: test.url },
    })
    expect(ok.stdout).toContain('now at version 2')
    const failed = await run(tsx, ['src/cli.ts', 'unknown'], { cwd: root }).catch((e) => e)
    expect(failed.code).toBe(2)
  })
})
