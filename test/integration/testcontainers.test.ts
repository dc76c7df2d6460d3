import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { containerpubManagers, containerpubTables, UserEntity } from '../../src/containerpub/index'
import { Database, generateDDL, validateSchema } from '../../src/index'
import {
  buildPostgresImage,
  createTestDatabase,
  PostgresImageError,
  type PostgresServer,
  PostgresStartError,
  startPostgres,
} from '../../src/testing/index'
import { dockerProblem } from '../../src/testing/postgres-image'
import { type ComponentProbe, componentSuite, embeddedColumnOnly } from '../setup/component'

// No registry is reachable where CI runs: Testcontainers' reaper (Ryuk) cannot be pulled, and the
// provider removes its containers itself (stop(), or a watcher when the process dies).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'

const docker = async (...args: string[]) =>
  (await promisify(execFile)('docker', args, { timeout: 30_000 })).stdout.trim()

/** Docker reachable, @testcontainers/postgresql installed, and the local image there or buildable. */
async function probeContainers(): Promise<ComponentProbe> {
  if (process.platform !== 'linux')
    return { ok: false, reason: 'containers of the embedded binaries need Linux' }
  const problem = await dockerProblem()
  if (problem !== undefined) return { ok: false, reason: problem }
  try {
    await import('@testcontainers/postgresql')
  } catch {
    return { ok: false, reason: '@testcontainers/postgresql is not installed (npm ci)' }
  }
  try {
    await buildPostgresImage()
  } catch (e) {
    if (e instanceof PostgresImageError) return { ok: false, reason: e.message }
    throw e
  }
  return { ok: true }
}

/** The id of the one container that publishes this URL's port. */
async function containerOf(url: string): Promise<string> {
  const port = new URL(url).port
  const ids = (await docker('ps', '-q', '--no-trunc', '--filter', `publish=${port}`)).split('\n')
  expect(ids).toHaveLength(1)
  return ids[0] ?? ''
}

const probe =
  embeddedColumnOnly('a container of the embedded binaries') ?? (await probeContainers())

componentSuite('PostgreSQL in a container (Testcontainers)', probe, () => {
  let pg: PostgresServer
  const logged: string[] = []
  beforeAll(async () => {
    pg = await startPostgres({ provider: 'testcontainers', onLog: (line) => logged.push(line) })
  }, 150_000)
  afterAll(async () => {
    await pg?.stop()
  }, 90_000)

  it('is a server in a container of the local image, on a port Docker mapped', async () => {
    expect(pg).toMatchObject({ embedded: false, running: true, directory: undefined })
    const id = await containerOf(pg.url)
    const { image } = await buildPostgresImage()
    expect(await docker('inspect', '--format', '{{.Config.Image}}', id)).toBe(image)
    expect(logged.join('\n')).toMatch(/database system is ready to accept connections/)
  })

  it("runs the integration suite's smoke test: DDL, managers, transactions, the drift check", async () => {
    const test = await createTestDatabase(pg.url, { prefix: 'ke_container' })
    const db = await Database.connect({ url: test.url, tables: containerpubTables, max: 4 })
    try {
      // The server is the container's: it sees the client coming from Docker's bridge.
      const [where] = await db.raw<{ server: string; version: string }>(
        "SELECT host(inet_server_addr()) AS server, current_setting('server_version') AS version",
      )
      expect(where?.server).not.toBe('127.0.0.1')
      expect(where?.version).toMatch(/^18\./)

      await db.executeScript(generateDDL(Object.values(containerpubTables)))
      expect(await validateSchema(db, containerpubTables)).toEqual({ ok: true, issues: [] })

      const m = containerpubManagers(db)
      const user = await m.users.insert({ email: 'c@example.com', passwordHash: 'hash' })
      expect(user).toBeInstanceOf(UserEntity)
      expect((await m.users.findByUuid(user.uuid))?.email).toBe('c@example.com')
      const fn = await m.functions.insert({ userId: user.id, name: 'in-a-container' })
      expect(await m.functions.findAll({ where: { userId: user.id } })).toEqual([fn])

      // A committed transaction, and one rolled back by its error.
      await db.transaction(async (tx) => {
        await containerpubManagers(tx).functions.insert({ userId: user.id, name: 'committed' })
      })
      await expect(
        db.transaction(async (tx) => {
          await containerpubManagers(tx).functions.insert({ userId: user.id, name: 'rolled-back' })
          throw new Error('undo')
        }),
      ).rejects.toThrow('undo')
      const names = (
        await m.functions.findAll({ where: { userId: user.id }, orderBy: 'name' })
      ).map((f) => f.name)
      expect(names).toEqual(['committed', 'in-a-container'])
      expect(await m.functions.count({ where: { name: 'rolled-back' } })).toBe(0)
    } finally {
      await db.close()
      await test.drop()
    }
  })

  it('cannot be paused: that needs the embedded server', async () => {
    await expect(pg.pause()).rejects.toBeInstanceOf(PostgresStartError)
    await expect(pg.resume()).rejects.toThrow(/runs in a container/)
    await expect(pg.restart()).rejects.toThrow(/Only an embedded server/)
  })

  it('KYSELY_ENTITIES_TEST_PROVIDER chooses it; stop() removes the container', async () => {
    const saved = { ...process.env }
    process.env.KYSELY_ENTITIES_TEST_PROVIDER = 'testcontainers'
    delete process.env.DATABASE_URL
    let other: PostgresServer
    try {
      other = await startPostgres()
    } finally {
      process.env = saved
    }
    const id = await containerOf(other.url)
    expect(await docker('ps', '-a', '-q', '--no-trunc', '--filter', `id=${id}`)).toBe(id)
    await other.stop()
    expect(other.running).toBe(false)
    expect(await docker('ps', '-a', '-q', '--no-trunc', '--filter', `id=${id}`)).toBe('')
    await other.stop() // a second stop is harmless
  }, 150_000)

  it('an image that is not there and cannot be pulled fails with PostgresStartError', async () => {
    const start = startPostgres({
      provider: 'testcontainers',
      image: 'kysely-entities/absent:none',
    })
    await expect(start).rejects.toBeInstanceOf(PostgresStartError)
    await expect(start).rejects.toThrow(/kysely-entities\/absent:none/)
  }, 150_000)
})

componentSuite('buildPostgresImage (an image without a registry)', probe, () => {
  const tag = `kysely-entities/postgres-test:${process.pid}`
  afterAll(async () => {
    await docker('image', 'rm', '-f', tag).catch(() => '')
  }, 60_000)

  it('builds the image, keeps it when asked again, and makes it again on rebuild', async () => {
    await docker('image', 'rm', '-f', tag).catch(() => '')
    expect(await buildPostgresImage({ tag })).toEqual({ image: tag, built: true })
    const config = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', tag))
    expect(config).toMatchObject({
      User: 'postgres',
      Entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
      Cmd: ['postgres'],
    })
    const id = await docker('image', 'inspect', '--format', '{{.Id}}', tag)
    expect(await buildPostgresImage({ tag })).toEqual({ image: tag, built: false })
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', tag)).toBe(id)
    expect(await buildPostgresImage({ tag, rebuild: true })).toEqual({ image: tag, built: true })
  }, 150_000)

  it('has the shell tools and the pg_isready that the wait strategies run inside the container', async () => {
    await buildPostgresImage({ tag })
    // Testcontainers' port check, verbatim, while busybox's nc listens on 5432 (0x1538).
    const out = await docker(
      'run',
      '--rm',
      '--entrypoint',
      '/bin/sh',
      tag,
      '-c',
      "nc -l -p 5432 & sleep 0.5; cat /proc/net/tcp* | awk '{print $2}' | grep -i :1538 >/dev/null; " +
        'echo $?; command -v pg_isready; pg_isready; echo $?',
    )
    const [bound, isready, ready] = out.split('\n')
    expect(bound).toBe('0')
    expect(isready).toBe('/usr/local/bin/pg_isready')
    expect(ready).toBe('1') // no server runs: not ready
  }, 60_000)
})
