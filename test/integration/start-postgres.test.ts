import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresStartError, startPostgres } from '../../src/testing/index'
import { freePort, startEmbeddedPostgres } from '../../src/testing/start-postgres'
import { testDatabase } from '../setup/test-database'

describe('testing helpers', () => {
  let db: Awaited<ReturnType<typeof testDatabase>>
  beforeAll(async () => {
    db = await testDatabase('start_pg')
  })
  afterAll(async () => {
    await db.drop()
  })

  it('gives each file a fresh, empty database of its own', async () => {
    const sql = postgres(db.url, { max: 1 })
    try {
      const [row] = await sql`select current_database() as name, count(*)::int as tables
        from information_schema.tables where table_schema = 'public'`
      expect(row).toEqual({ name: db.name, tables: 0 })
    } finally {
      await sql.end()
    }
  })

  it('uses DATABASE_URL (or an explicit url) without starting anything', async () => {
    const server = await startPostgres({ url: 'postgres://u:p@example.invalid:5432/x' })
    expect(server).toMatchObject({ url: 'postgres://u:p@example.invalid:5432/x', embedded: false })
    await server.stop()
  })

  // url: '' forces an embedded server even when DATABASE_URL is set.
  it('explains why an embedded server cannot start (port taken)', async () => {
    const port = await freePort()
    const first = await startPostgres({ port, url: '' })
    try {
      const second = startPostgres({ port, url: '' })
      await expect(second).rejects.toBeInstanceOf(PostgresStartError)
      await expect(second).rejects.toThrow(/port/)
    } finally {
      await first.stop()
    }
  })
})

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/processes/${name}`, import.meta.url))

/** Runs a fixture program through tsx and resolves with its exit code. */
function runFixture(name: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(name)], {
    env: { ...process.env, DATABASE_URL: '' },
    stdio: 'ignore',
  })
  return new Promise((resolve) => child.on('close', resolve))
}

/** Polls `check` every 50 ms until it holds; fails after `ms` (a bound, not a measurement). */
async function waitUntil(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function accepts(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

describe('the embedded server and its process', () => {
  it('leaves the exit code of the process that started it alone', async () => {
    expect(await runFixture('start-stop-fail.ts')).toBe(1)
  })

  it('is stopped and removed when the process that started it is killed', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('start-and-hang.ts')], {
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const line = await new Promise<string>((resolve, reject) => {
      let text = ''
      child.stdout.on('data', (chunk) => {
        text += chunk
        if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')))
      })
      child.on('close', () => reject(new Error('the fixture ended before it started a server')))
    })
    const { url, directory } = JSON.parse(line) as { url: string; directory: string }
    expect(existsSync(join(directory, 'data', 'postmaster.pid'))).toBe(true)
    expect(await accepts(url)).toBe(true)
    child.kill('SIGKILL')
    await waitUntil('the folder is gone', async () => !existsSync(directory))
    expect(await accepts(url)).toBe(false)
  })

  it('resume() brings back a server whose process was killed, with its committed data', async () => {
    const own = await startPostgres({ url: '' })
    try {
      const directory = own.directory ?? ''
      const sql = postgres(own.url, { max: 1, onnotice: () => {} })
      await sql`create table kept (n int)`
      await sql`insert into kept values (42)`
      await sql`checkpoint`
      await sql.end()
      const pid = Number(
        (await readFile(join(directory, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0],
      )
      process.kill(pid, 'SIGKILL')
      await waitUntil('the handle sees the server gone', async () => !own.running)
      await own.resume()
      expect(own.running).toBe(true)
      const again = postgres(own.url, { max: 1, onnotice: () => {} })
      try {
        expect(await again`select n from kept`).toEqual([{ n: 42 }])
      } finally {
        await again.end()
      }
    } finally {
      await own.stop()
    }
    expect(existsSync(own.directory ?? '')).toBe(false)
  })

  it('reports a server that exits during its start as a PostgresStartError with its log', async () => {
    const start = startPostgres({ url: '', settings: { shared_buffers: 'lots' } })
    await expect(start).rejects.toBeInstanceOf(PostgresStartError)
    await expect(start).rejects.toThrow(/shared_buffers/)
  })

  it('reports programs that cannot be run as a PostgresStartError naming the cause, not a crash', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ke-fake-bin-'))
    try {
      await mkdir(join(root, 'native', 'bin'), { recursive: true })
      await mkdir(join(root, 'native', 'lib'), { recursive: true })
      for (const program of ['initdb', 'postgres']) {
        await writeFile(join(root, 'native', 'bin', program), '#!/bin/sh\nexit 0\n', {
          mode: 0o644,
        })
      }
      const binaries = {
        root: join(root, 'native'),
        initdb: join(root, 'native', 'bin', 'initdb'),
        postgres: join(root, 'native', 'bin', 'postgres'),
        version: 'fake',
      }
      const start = startEmbeddedPostgres(binaries, { url: '' })
      await expect(start).rejects.toBeInstanceOf(PostgresStartError)
      await expect(start).rejects.toThrow(/cannot be run \(EACCES\)/)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
