import { execFile } from 'node:child_process'
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresClient } from '../../src/driver/postgres-js-client'
import { mapDatabaseError } from '../../src/errors/map-database-error'
import {
  ConnectionError,
  c,
  Database,
  defineTable,
  generateDDL,
  QueryDeadlineError,
} from '../../src/index'
import { type PostgresServer, startPostgres, type TestDatabase } from '../../src/testing/index'
import { isRoot, serverUser } from '../../src/testing/server-user'
import { sleep, track, waitFor, whileStopped, within } from '../setup/hang-guards'
import { testDatabase } from '../setup/test-database'

// Hangs over TLS, and in streams: a statement (or a stream's chunk) past its queryDeadline fails
// with QueryDeadlineError and its connection is reset, never reused, on an encrypted connection
// too. TLS tests run on an embedded server of their own with ssl on (a self-signed certificate
// made with the openssl CLI); one without SSL checks a refusal. Backends are stopped with SIGSTOP
// and always continued in a `finally`. No assertion is on elapsed time: `within` is a hang guard.

const run = promisify(execFile)

const marks = defineTable('tls_marks', {
  id: c.serial().primaryKey(),
  tag: c.text().notNull(),
})
const tables = { marks }

let certs: string
let secure: PostgresServer
let plain: PostgresServer
let shared: TestDatabase

beforeAll(async () => {
  certs = await mkdtemp(join(tmpdir(), 'kysely-entities-tls-'))
  await chmod(certs, 0o755)
  const cert = join(certs, 'server.crt')
  const key = join(certs, 'server.key')
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  // PostgreSQL reads the key only when its owner alone can.
  await chmod(key, 0o600)
  if (isRoot()) {
    const user = await serverUser()
    await chown(key, user.uid, user.gid)
  }
  ;[secure, plain, shared] = await Promise.all([
    startPostgres({ url: '', settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key } }),
    startPostgres({ url: '', settings: { ssl: 'off' } }),
    testDatabase('tls'),
  ])
  for (const url of [secure.url, shared.url]) {
    const setup = await Database.connect({ url, tables, max: 1 })
    await setup.executeScript(generateDDL([marks]))
    // Rows to stream.
    await setup.raw(`INSERT INTO tls_marks (tag) SELECT 'stream' FROM generate_series(1, 1000)`)
    await setup.close()
  }
})

afterAll(async () => {
  await Promise.allSettled([secure?.stop(), plain?.stop(), shared?.drop()])
  if (certs !== undefined) await rm(certs, { recursive: true, force: true })
})

type Db = Database<typeof tables>

const backendPid = async (db: Db) =>
  Number((await db.rawOne<{ pid: number }>('SELECT pg_backend_pid() AS pid'))?.pid)

const encrypted = async (db: Db) =>
  (await db.rawOne<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'))
    ?.ssl

/** True while the backend `pid` is a session of the server `db` runs on. */
const alive = async (db: Db, pid: number) =>
  Number(
    (
      await db.rawOne<{ n: bigint }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE pid = @pid',
        {
          pid,
        },
      )
    )?.n,
  ) === 1

describe('TLS (createPostgresClient negotiates SSL itself)', () => {
  it("connects with ssl 'require', and with sslmode=require in the URL, on encrypted sessions", async () => {
    const byOption = await Database.connect({ url: secure.url, tables, max: 2, ssl: 'require' })
    const byUrl = await Database.connect({ url: `${secure.url}?sslmode=require`, tables, max: 2 })
    try {
      expect(await encrypted(byOption)).toBe(true)
      expect(await encrypted(byUrl)).toBe(true)
      // Each connection of the pool is encrypted, a transaction's too.
      const [a, b] = await Promise.all([
        byOption.transaction(async (t) => {
          await sleep(50)
          return encrypted(t)
        }),
        byOption.transaction(async (t) => {
          await sleep(50)
          return encrypted(t)
        }),
      ])
      expect([a, b]).toEqual([true, true])
    } finally {
      await Promise.all([byOption.close(), byUrl.close()])
    }
  })

  it('fails a statement on a stalled TLS backend with QueryDeadlineError, resets its connection, and the next call gets a new one', async () => {
    const db = await Database.connect({
      url: secure.url,
      tables,
      max: 1,
      ssl: 'require',
      queryDeadline: 1_000,
    })
    const observer = await Database.connect({ url: secure.url, tables, max: 1, ssl: 'require' })
    try {
      expect(await encrypted(db)).toBe(true)
      const stalled = await backendPid(db)
      const call = track(db.raw(`INSERT INTO tls_marks (tag) VALUES ('tls-stalled')`))
      await whileStopped(stalled, async () => {
        await within('the call on the stopped backend', call.done)
        expect(call.settled.outcome).toBe('rejected')
        expect(call.settled.error).toBeInstanceOf(QueryDeadlineError)
        expect(call.settled.error).toMatchObject({ code: 'QUERY_DEADLINE', deadline: 1_000 })
        // The pool's only connection was replaced: the next call runs on another backend.
        const fresh = await within('a call after the deadline', backendPid(db))
        expect(fresh).not.toBe(stalled)
        expect(await encrypted(db)).toBe(true)
      })
      // Continued, the stalled backend finds its connection reset and ends; its answer never
      // reaches the call that gave up on it.
      await waitFor('the stalled backend to end', async () => !(await alive(observer, stalled)))
      expect(call.settled.error).toBeInstanceOf(QueryDeadlineError)
      expect(await db.raw<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await Promise.all([db.close({ timeout: 5_000 }), observer.close()])
    }
  })

  it('fails a TLS transaction whose statement passes its deadline, and never reuses its connection', async () => {
    const db = await Database.connect({
      url: secure.url,
      tables,
      max: 1,
      ssl: 'require',
      queryDeadline: 1_000,
    })
    const observer = await Database.connect({ url: secure.url, tables, max: 1, ssl: 'require' })
    try {
      let stalled = 0
      const tx = track(
        db.transaction(async (t) => {
          stalled = await backendPid(t)
          await whileStopped(stalled, () => t.raw(`INSERT INTO tls_marks (tag) VALUES ('tls-tx')`))
        }),
      )
      await within('the stalled transaction', tx.done)
      expect(tx.settled.error).toBeInstanceOf(QueryDeadlineError)
      expect(stalled).toBeGreaterThan(0)
      expect(await within('a call after the transaction', backendPid(db))).not.toBe(stalled)
      await waitFor('the stalled backend to end', async () => !(await alive(observer, stalled)))
      const left = await observer.raw("SELECT id FROM tls_marks WHERE tag = 'tls-tx'")
      expect(left).toEqual([])
    } finally {
      await Promise.all([db.close({ timeout: 5_000 }), observer.close()])
    }
  })

  it("fails with a ConnectionError (SSL_REFUSED) when the server refuses SSL and ssl is 'require', every time, without hanging", async () => {
    const connect = track(Database.connect({ url: plain.url, tables, max: 1, ssl: 'require' }))
    await within('Database.connect refused SSL', connect.done)
    expect(connect.settled.error).toBeInstanceOf(ConnectionError)
    expect((connect.settled.error as ConnectionError).message).toMatch(/does not accept SSL/)
    expect((connect.settled.error as ConnectionError).driverError()).toMatchObject({
      code: 'SSL_REFUSED',
    })
    // The pool's connection is not left connecting for ever: each call fails the same way.
    const sql = createPostgresClient({ url: plain.url, max: 1, ssl: 'require' })
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const call = track(Promise.resolve(sql`select 1`))
        await within('a call refused SSL', call.done)
        expect(call.settled.outcome).toBe('rejected')
        expect(mapDatabaseError(call.settled.error)).toBeInstanceOf(ConnectionError)
        expect(call.settled.error).toMatchObject({ code: 'SSL_REFUSED' })
      }
    } finally {
      await sql.end({ timeout: 1 })
    }
    // 'prefer' goes on unencrypted, as postgres.js does.
    const prefer = await Database.connect({ url: plain.url, tables, max: 1, ssl: 'prefer' })
    try {
      expect(await encrypted(prefer)).toBe(false)
    } finally {
      await prefer.close()
    }
  })

  it("fails with a ConnectionError when ssl 'verify-full' meets a certificate it cannot verify", async () => {
    const connect = track(Database.connect({ url: secure.url, tables, max: 1, ssl: 'verify-full' }))
    await within('Database.connect on an unverified server', connect.done)
    expect(connect.settled.error).toBeInstanceOf(ConnectionError)
    expect((connect.settled.error as ConnectionError).driverError()).toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    })
  })
})

describe('streams (a deadline per chunk)', () => {
  it.each([
    ['plain', () => shared.url, {}],
    ['TLS', () => secure.url, { ssl: 'require' as const }],
  ])(
    'fails a %s stream whose server stalls mid-stream with QueryDeadlineError, resets its connection, and the next call gets a new one',
    async (_, url, ssl) => {
      const db = await Database.connect({
        url: url(),
        tables,
        max: 1,
        queryDeadline: 1_000,
        ...ssl,
      })
      const observer = await Database.connect({ url: url(), tables, max: 1, ...ssl })
      try {
        const stalled = await backendPid(db)
        const stream = db.kysely
          .selectFrom('tls_marks')
          .select('id')
          .where('tag', '=', 'stream')
          .orderBy('id')
          .stream(10)
        const chunks: number[] = []
        const read = track(
          (async () => {
            for await (const row of stream) {
              chunks.push(row.id)
              if (chunks.length === 25) {
                // Mid-stream: the server stops; the next chunk never comes.
                process.kill(stalled, 'SIGSTOP')
              }
            }
          })(),
        )
        try {
          await within('the stalled stream', read.done)
        } finally {
          process.kill(stalled, 'SIGCONT')
        }
        expect(read.settled.outcome).toBe('rejected')
        expect(read.settled.error).toBeInstanceOf(QueryDeadlineError)
        expect(read.settled.error).toMatchObject({ code: 'QUERY_DEADLINE', deadline: 1_000 })
        expect(chunks.length).toBeGreaterThanOrEqual(25)
        expect(chunks.length).toBeLessThan(1000)
        const fresh = await within('a call after the stream', backendPid(db))
        expect(fresh).not.toBe(stalled)
        await waitFor('the stalled backend to end', async () => !(await alive(observer, stalled)))
      } finally {
        await Promise.all([db.close({ timeout: 5_000 }), observer.close()])
      }
    },
  )

  it('does not count the time a slow consumer holds a chunk: a stream slower than its deadline completes', async () => {
    const db = await Database.connect({ url: shared.url, tables, max: 1, queryDeadline: 300 })
    try {
      const stream = db.kysely
        .selectFrom('tls_marks')
        .select('id')
        .where('tag', '=', 'stream')
        .orderBy('id')
        .limit(6)
        .stream(2)
      const seen: number[] = []
      for await (const row of stream) {
        seen.push(row.id)
        // Each chunk is held longer than the deadline; the stream takes about 3 deadlines.
        if (seen.length % 2 === 0) await sleep(400)
      }
      expect(seen).toHaveLength(6)
      expect(new Set(seen).size).toBe(6)
      expect(await db.raw<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await db.close()
    }
  })
})
