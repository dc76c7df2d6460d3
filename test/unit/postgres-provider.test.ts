import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildPostgresImage, findBusybox } from '../../src/testing/postgres-image'
import { PostgresImageError } from '../../src/testing/postgres-image-error'
import { chooseServer } from '../../src/testing/postgres-provider'
import { PostgresStartError } from '../../src/testing/postgres-start-error'
import { startPostgres } from '../../src/testing/start-postgres'

const URL_A = 'postgres://u:p@db.invalid:5432/a'
const URL_B = 'postgres://u:p@other.invalid:5432/b'

describe('chooseServer (which server startPostgres gives)', () => {
  it('an explicit url wins over everything and starts nothing', () => {
    const env = { DATABASE_URL: URL_B, KYSELY_ENTITIES_TEST_PROVIDER: 'testcontainers' }
    expect(chooseServer({ url: URL_A }, env)).toEqual({ kind: 'url', url: URL_A })
  })

  it('an explicit provider wins over DATABASE_URL', () => {
    expect(chooseServer({ provider: 'testcontainers' }, { DATABASE_URL: URL_B })).toEqual({
      kind: 'testcontainers',
      image: undefined,
    })
    expect(chooseServer({ provider: 'embedded' }, { DATABASE_URL: URL_B })).toEqual({
      kind: 'embedded',
    })
  })

  it('DATABASE_URL wins over the provider variable (workers of a run share its one server)', () => {
    const env = { DATABASE_URL: URL_B, KYSELY_ENTITIES_TEST_PROVIDER: 'testcontainers' }
    expect(chooseServer({}, env)).toEqual({ kind: 'url', url: URL_B })
  })

  it('the variables choose a container and its image when the code does not', () => {
    const env = {
      KYSELY_ENTITIES_TEST_PROVIDER: 'testcontainers',
      KYSELY_ENTITIES_TEST_IMAGE: 'postgres:18',
    }
    expect(chooseServer({}, env)).toEqual({ kind: 'testcontainers', image: 'postgres:18' })
    expect(chooseServer({ image: 'local/pg:1' }, env)).toEqual({
      kind: 'testcontainers',
      image: 'local/pg:1',
    })
    expect(chooseServer({}, { KYSELY_ENTITIES_TEST_PROVIDER: 'embedded' })).toEqual({
      kind: 'embedded',
    })
  })

  it("url: '' is an embedded server of one's own: neither DATABASE_URL nor the variable apply", () => {
    const env = { DATABASE_URL: URL_B, KYSELY_ENTITIES_TEST_PROVIDER: 'testcontainers' }
    expect(chooseServer({ url: '' }, env)).toEqual({ kind: 'embedded' })
    expect(chooseServer({ url: '', provider: 'testcontainers' }, env)).toEqual({
      kind: 'testcontainers',
      image: undefined,
    })
  })

  it('an image alone asks for a container; nothing set is the embedded server', () => {
    expect(chooseServer({ image: 'postgres:18' }, {})).toEqual({
      kind: 'testcontainers',
      image: 'postgres:18',
    })
    expect(chooseServer({}, {})).toEqual({ kind: 'embedded' })
    expect(chooseServer({}, { DATABASE_URL: '', KYSELY_ENTITIES_TEST_PROVIDER: '' })).toEqual({
      kind: 'embedded',
    })
  })

  it.each([
    [
      'a url and a provider',
      { url: URL_A, provider: 'testcontainers' as const },
      {},
      /both a `url`/,
    ],
    ['a url and an image', { url: URL_A, image: 'postgres:18' }, {}, /both a `url`/],
    [
      'an image for the embedded server',
      { provider: 'embedded' as const, image: 'x' },
      {},
      /no image/,
    ],
    ['an image while DATABASE_URL is set', { image: 'x' }, { DATABASE_URL: URL_B }, /DATABASE_URL/],
    ['a port for a container', { provider: 'testcontainers' as const, port: 5544 }, {}, /port/],
    [
      'an unknown provider variable',
      {},
      { KYSELY_ENTITIES_TEST_PROVIDER: 'docker' },
      /KYSELY_ENTITIES_TEST_PROVIDER must be/,
    ],
    ['an unknown provider option', { provider: 'docker' as 'embedded' }, {}, /provider/],
  ])('refuses %s with a PostgresStartError', (_, options, env, message) => {
    expect(() => chooseServer(options, env)).toThrow(PostgresStartError)
    expect(() => chooseServer(options, env)).toThrow(message)
  })

  it('startPostgres refuses contradicting options before starting anything', async () => {
    const start = startPostgres({ url: URL_A, provider: 'testcontainers' })
    await expect(start).rejects.toBeInstanceOf(PostgresStartError)
    await expect(start).rejects.toMatchObject({ code: 'POSTGRES_START' })
  })

  it('a server from a URL cannot be paused', async () => {
    const server = await startPostgres({ url: URL_A })
    await expect(server.pause()).rejects.toThrow(/comes from DATABASE_URL/)
    await server.stop()
    expect(server.running).toBe(true)
  })
})

describe('buildPostgresImage without what it needs', () => {
  it('names busybox-static when no busybox is found', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ke-no-busybox-'))
    try {
      expect(() => findBusybox(undefined, [empty])).toThrow(PostgresImageError)
      expect(() => findBusybox(undefined, [empty])).toThrow(/apt-get install busybox-static/)
      // The first directory that has one wins (a stand-in file: this machine may have none).
      const bin = join(empty, 'bin')
      await mkdir(bin)
      await writeFile(join(bin, 'busybox'), '')
      expect(findBusybox(undefined, [empty, 'relative/bin', bin])).toBe(join(bin, 'busybox'))
    } finally {
      await rm(empty, { recursive: true, force: true })
    }
  })

  it('refuses a busybox path that does not exist, before Docker is asked', async () => {
    const build = buildPostgresImage({
      tag: 'kysely-entities/never-built:unit',
      rebuild: true,
      busybox: '/nonexistent/busybox',
    })
    await expect(build).rejects.toBeInstanceOf(PostgresImageError)
    await expect(build).rejects.toMatchObject({ code: 'POSTGRES_IMAGE' })
    await expect(build).rejects.toThrow(/\/nonexistent\/busybox, does not exist/)
  })
})
