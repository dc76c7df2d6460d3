import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, inject, it } from 'vitest'
import { createTestDatabase } from '../../src/testing/index'

// These run the built package (dist/), resolved through package.json "exports" by its own name.
const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const consumer = (file: string) => fileURLToPath(new URL(`./consumer/${file}`, import.meta.url))

describe('the built package', () => {
  it('has been built (npm test builds first)', () => {
    for (const file of [
      'index.js',
      'index.cjs',
      'index.d.ts',
      'index.d.cts',
      'testing/index.js',
      'containerpub/index.cjs',
      'cli.js',
    ]) {
      expect(existsSync(`${root}/dist/${file}`), file).toBe(true)
    }
  })

  it('works from an ES module', async () => {
    const { stdout } = await run(process.execPath, [consumer('esm-consumer.mjs')], {
      cwd: root,
      env: { ...process.env, SERVER_URL: inject('databaseUrl') },
    })
    expect(JSON.parse(stdout)).toEqual({
      title: 'esm',
      isEntity: true,
      createdAtIsDate: true,
      duplicate: true,
    })
  })

  it('works from CommonJS', async () => {
    const { stdout } = await run(process.execPath, [consumer('cjs-consumer.cjs')], {
      cwd: root,
      env: { ...process.env, SERVER_URL: inject('databaseUrl') },
    })
    expect(JSON.parse(stdout)).toEqual({ title: 'cjs', id: 1, invalid: true })
  })

  it.each([
    ['an ES module', 'traced-consumer.mjs'],
    ['CommonJS', 'traced-consumer.cjs'],
  ])('from %s, loads the optional @opentelemetry/api: spans and events', async (_, file) => {
    const { stdout } = await run(process.execPath, [consumer(file)], {
      cwd: root,
      env: { ...process.env, SERVER_URL: inject('databaseUrl') },
    })
    expect(JSON.parse(stdout)).toEqual({
      spans: [
        ['SELECT', 'postgresql'],
        ['SELECT', 'postgresql'],
      ],
      queries: [
        "select pg_backend_pid() as pid, current_setting('?')::int as server_version",
        'SELECT 1 AS one',
      ],
    })
  })

  it('type-checks a consumer against the shipped declarations', async () => {
    const tsc = `${root}/node_modules/typescript/bin/tsc`
    const result = await run(process.execPath, [tsc, '-p', consumer('tsconfig.json')], {
      cwd: root,
    }).catch((e: { stdout: string; code: number }) => e)
    expect('code' in result ? result.stdout : '').toBe('')
  })

  it('npx kysely-entities migrate up, then validate: no drift on a fresh database', async () => {
    const test = await createTestDatabase(inject('databaseUrl'), { prefix: 'pkg_cli' })
    try {
      const env = { ...process.env, DATABASE_URL: test.url }
      // npx finds the package's own bin, as it does for a user who installed it.
      const npx = (args: string[]) =>
        run('npx', ['--no-install', 'kysely-entities', ...args], { cwd: root, env })
      const up = await npx(['migrate', 'up', '--dir', 'sql/containerpub/migrations'])
      expect(up.stdout).toContain('now at version 5')
      const valid = await npx([
        'validate',
        '--tables',
        'dist/containerpub/index.js',
        '--export',
        'containerpubTables',
      ])
      expect(valid.stdout).toContain('Schema matches the definitions: no issues.')
    } finally {
      await test.drop()
    }
  })
})
