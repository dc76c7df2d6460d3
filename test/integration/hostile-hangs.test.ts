import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConnectionError,
  c,
  Database,
  defineTable,
  generateDDL,
  QueryDeadlineError,
} from '../../src/index'
import { PostgresStartError, startPostgres, type TestDatabase } from '../../src/testing/index'
import { track, waitFor, whileStopped, within } from '../setup/hang-guards'
import { testDatabase } from '../setup/test-database'

// Hangs: a server that stops answering must not hang a call. Each test stops one backend
// process of the shared server (SIGSTOP, the one serving a connection of its own Database) and
// always continues it (SIGCONT) in a `finally`. No assertion is on elapsed time: `within` is a
// hang guard only, far above the deadlines used.

const marks = defineTable('hang_marks', {
  id: c.serial().primaryKey(),
  tag: c.text().notNull(),
})
const tables = { marks }

let test: TestDatabase
let observer: Database<typeof tables>

beforeAll(async () => {
  test = await testDatabase('hangs')
  observer = await Database.connect({ url: test.url, tables, max: 2 })
  await observer.executeScript(generateDDL([marks]))
})

afterAll(async () => {
  await observer?.close()
  await test?.drop()
})

const backendPid = async (db: Database<typeof tables>) =>
  Number((await db.rawOne<{ pid: number }>('SELECT pg_backend_pid() AS pid'))?.pid)

const alive = async (pid: number) =>
  Number(
    (
      await observer.rawOne<{ n: bigint }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE pid = @pid',
        { pid },
      )
    )?.n,
  ) === 1

const marked = async (tag: string) =>
  Number(
    (
      await observer.rawOne<{ n: bigint }>(
        'SELECT count(*) AS n FROM hang_marks WHERE tag = @tag',
        {
          tag,
        },
      )
    )?.n,
  )

describe('a stalled backend (queryDeadline)', () => {
  it('fails a pooled call with QueryDeadlineError, closes its connection, and the next call gets a new one', async () => {
    const db = await Database.connect({ url: test.url, tables, max: 1, queryDeadline: 1_000 })
    try {
      const stalled = await backendPid(db)
      const call = track(db.raw(`INSERT INTO hang_marks (tag) VALUES ('pooled-stalled')`))
      await whileStopped(stalled, async () => {
        await within('the call on the stopped backend', call.done)
        expect(call.settled.outcome).toBe('rejected')
        expect(call.settled.error).toBeInstanceOf(QueryDeadlineError)
        expect(call.settled.error).toBeInstanceOf(ConnectionError)
        expect(call.settled.error).toMatchObject({ code: 'QUERY_DEADLINE', deadline: 1_000 })
        // The pool's only connection was replaced: the next call runs on another backend.
        const fresh = await within('a call after the deadline', backendPid(db))
        expect(fresh).not.toBe(stalled)
      })
      // Continued, the stalled backend reads what was already in its socket (the INSERT may run:
      // whether it did is unknown to the caller, as the error says), finds its connection reset
      // and ends. Its answer never reaches the call that gave up on it.
      await waitFor('the stalled backend to end', async () => !(await alive(stalled)))
      expect(call.settled.outcome).toBe('rejected')
      expect(call.settled.error).toBeInstanceOf(QueryDeadlineError)
      expect(await db.raw<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await db.close({ timeout: 5_000 })
    }
  })

  it('fails a transaction whose statement passes its deadline, and never reuses its connection', async () => {
    const db = await Database.connect({ url: test.url, tables, max: 1, queryDeadline: 1_000 })
    try {
      let stalled = 0
      const tx = track(
        db.transaction(async (t) => {
          await t.raw(`INSERT INTO hang_marks (tag) VALUES ('tx-before-stall')`)
          stalled = await backendPid(t)
          await whileStopped(stalled, () =>
            t.raw(`INSERT INTO hang_marks (tag) VALUES ('tx-stalled')`),
          )
        }),
      )
      await within('the stalled transaction', tx.done)
      expect(tx.settled.outcome).toBe('rejected')
      expect(tx.settled.error).toBeInstanceOf(QueryDeadlineError)
      expect(stalled).toBeGreaterThan(0)
      const fresh = await within('a call after the failed transaction', backendPid(db))
      expect(fresh).not.toBe(stalled)
      await waitFor('the stalled backend to end', async () => !(await alive(stalled)))
      // The transaction was rolled back with its session: nothing of it is left.
      expect(await marked('tx-before-stall')).toBe(0)
      expect(await marked('tx-stalled')).toBe(0)
      expect(tx.settled.outcome).toBe('rejected')
      // And the pool goes on with transactions.
      await db.transaction((t) => t.raw(`INSERT INTO hang_marks (tag) VALUES ('tx-after')`))
      expect(await marked('tx-after')).toBe(1)
    } finally {
      await db.close({ timeout: 5_000 })
    }
  })

  it('derives the default deadline from statementTimeout, and refuses one that is not > 0', async () => {
    // With statementTimeout, the server's own timeout comes first: a StatementTimeoutError.
    const strict = await Database.connect({ url: test.url, tables, max: 1, statementTimeout: 200 })
    try {
      await expect(strict.raw('SELECT pg_sleep(3)')).rejects.toMatchObject({
        code: 'STATEMENT_TIMEOUT',
      })
    } finally {
      await strict.close()
    }
    for (const bad of [0, -1, Number.NaN, '1000']) {
      await expect(
        Database.connect({ url: test.url, tables, queryDeadline: bad as number }),
      ).rejects.toBeInstanceOf(RangeError)
    }
  })
})

/** The postmaster's process id, from its data directory. */
async function postmasterPid(directory: string): Promise<number> {
  return Number((await readFile(join(directory, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0])
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

describe('startPostgres(): resume() after the server process was killed', () => {
  for (const variant of ['SIGKILL', 'SIGSTOP then SIGKILL'] as const) {
    it(`${variant}, then resume() at once: a server runs again, or it throws; stop() leaves no files`, async () => {
      const own = await startPostgres({ url: '' })
      const directory = own.directory ?? ''
      try {
        expect(existsSync(directory)).toBe(true)
        const pid = await postmasterPid(directory)
        if (variant === 'SIGSTOP then SIGKILL') process.kill(pid, 'SIGSTOP')
        process.kill(pid, 'SIGKILL')
        // No waiting for the handle to notice: resume() must find out itself.
        const resumed = await within(
          'resume()',
          own.resume().then(
            () => undefined,
            (error: unknown) => error,
          ),
          90_000,
        )
        if (resumed === undefined) {
          expect(own.running).toBe(true)
          expect(await answers(own.url)).toBe(true)
        } else expect(resumed).toBeInstanceOf(PostgresStartError)
      } finally {
        await own.stop()
      }
      expect(existsSync(directory)).toBe(false)
    }, 120_000)
  }

  it('stop() removes a paused server whose process was stopped (SIGSTOP)', async () => {
    const own = await startPostgres({ url: '' })
    const directory = own.directory ?? ''
    const pid = await postmasterPid(directory)
    process.kill(pid, 'SIGSTOP')
    await within('stop() of a stopped server', own.stop(), 90_000)
    expect(existsSync(directory)).toBe(false)
    expect(own.running).toBe(false)
  }, 120_000)
})
