import { createServer, type Server, type Socket } from 'node:net'
import { CompiledQuery } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConnectionError,
  c,
  Database,
  DatabaseClosedError,
  DatabaseError,
  defineTable,
  Entity,
  generateDDL,
  PoolTimeoutError,
  StatementTimeoutError,
} from '../../src/index'
import { type PostgresServer, PostgresStartError, startPostgres } from '../../src/testing/index'

// Fault tests: this file stops and restarts PostgreSQL, so it runs a server of its own
// (`url: ''`) and leaves the run's shared server alone. Bounds on time are generous on purpose
// ("settled within 10 s"), never tight: the point is that nothing hangs.

const parents = defineTable('parents', {
  id: c.serial().primaryKey(),
  tag: c.text().notNull().unique(),
})
const children = defineTable('children', {
  id: c.serial().primaryKey(),
  parentId: c
    .integer()
    .notNull()
    .references(() => parents.id),
  n: c.integer().notNull(),
})
const items = defineTable('items', {
  id: c.serial().primaryKey(),
  batch: c.text().notNull(),
  n: c.integer().notNull(),
})
const marks = defineTable('marks', {
  id: c.serial().primaryKey(),
  tag: c.text().notNull(),
})
class ItemEntity extends Entity.of(items) {}
class MarkEntity extends Entity.of(marks) {}

const tables = { parents, children, items, marks }
const CHILDREN = 5
/** What "fast" means here: every call settles within this, far below the 30 s connect timeout. */
const SETTLE_MS = 10_000

let pg: PostgresServer
let db: Database<typeof tables>

beforeAll(async () => {
  pg = await startPostgres({ url: '' })
  db = await Database.connect({ url: pg.url, tables, max: 4, poolTimeout: 15_000 })
  await db.executeScript(generateDDL([parents, children, items, marks]))
}, 120_000)

afterAll(async () => {
  await db?.close({ timeout: 5_000 })
  await pg?.stop()
})

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it holds; fails, saying what was awaited, after `ms`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > deadline)
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`)
    await sleep(25)
  }
}

/** `promise`, or a failure naming `what` when it has not settled within `ms`. */
async function within<T>(what: string, promise: Promise<T>, ms = SETTLE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

type Outcome<T> =
  | { readonly ok: true; readonly value: T; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number }

/** Runs `fn`, recording how it settled and how long it took; never rejects. */
async function outcome<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  const start = performance.now()
  try {
    const value = await fn()
    return { ok: true, value, ms: performance.now() - start }
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const count = async (sql: string, params: Record<string, unknown> = {}) =>
  Number((await db.rawOne<{ n: bigint }>(sql, params))?.n)

/** Statements of the server running `pg_sleep` with this marker in their text. */
const sleeping = (marker: string) =>
  count(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE state = 'active' AND query LIKE '%pg_sleep%' AND query LIKE @like`,
    { like: `%${marker}%` },
  )

describe('a server stopped in the middle of a workload', () => {
  type Phase = 'up' | 'down' | 'restarted'
  interface Call {
    readonly kind: 'transaction' | 'select'
    readonly tag: string
    readonly phase: Phase
    readonly result: Outcome<unknown>
  }

  it('fails calls fast with ConnectionError, recovers by itself, and writes nothing partly', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (error: unknown) => unhandled.push(error)
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUnhandled)
    try {
      const calls: Call[] = []
      let phase: Phase = 'up'
      let running = true
      let sequence = 0

      // Each transaction writes a parent and CHILDREN children, awaiting between statements so
      // that the stop can land anywhere inside it.
      const transaction = (tag: string) =>
        db.transaction(async (tx) => {
          const parent = await tx.rawOne<{ id: number }>(
            'INSERT INTO parents (tag) VALUES (@tag) RETURNING id',
            { tag },
          )
          for (let n = 0; n < CHILDREN; n++) {
            await tx.raw('INSERT INTO children (parent_id, n) VALUES (@parent, @n)', {
              parent: parent?.id,
              n,
            })
          }
        })
      const worker = async (w: number) => {
        while (running) {
          const kind = w % 3 === 2 ? 'select' : 'transaction'
          const tag = `w${w}-${sequence++}`
          const started = phase
          const result = await outcome<unknown>(() =>
            kind === 'transaction' ? transaction(tag) : db.raw('SELECT count(*) FROM parents'),
          )
          calls.push({ kind, tag, phase: started, result })
          if (!result.ok) await sleep(20) // a client backing off a little
        }
      }
      const workers = Array.from({ length: 6 }, (_, w) => worker(w))
      const succeeded = (p: Phase) => calls.filter((x) => x.phase === p && x.result.ok).length
      await waitFor('30 calls to succeed', () => succeeded('up') >= 30)

      // A batch inserted inside a transaction that the stop interrupts before its commit.
      const inserted = deferred()
      const stopped = deferred()
      const interrupted = outcome(() =>
        db.transaction(async (tx) => {
          await tx.manager(ItemEntity).batchInsert(
            Array.from({ length: 2_000 }, (_, n) => ({ batch: 'interrupted', n })),
            { returning: false },
          )
          inserted.resolve()
          await stopped.promise
          await tx.raw('SELECT 1')
        }),
      )
      await within('the interrupted batch', inserted.promise, 30_000)
      // And one racing the stop: it commits before it, or leaves nothing.
      const racing = outcome(() =>
        db.manager(ItemEntity).batchInsert(
          Array.from({ length: 60_000 }, (_, n) => ({ batch: 'racing', n })),
          { returning: false, chunkSize: 2_000 },
        ),
      )

      await pg.pause()
      phase = 'down'
      stopped.resolve()
      expect(pg.running).toBe(false)

      // While it is down: a typed ConnectionError, fast, for a statement and a transaction.
      const select = await within(
        'a statement while down',
        outcome(() => db.raw('SELECT 1')),
      )
      expect(select.ok).toBe(false)
      expect(!select.ok && select.error).toBeInstanceOf(ConnectionError)
      const tx = await within(
        'a transaction while down',
        outcome(() => transaction('down')),
      )
      expect(!tx.ok && tx.error).toBeInstanceOf(ConnectionError)
      await waitFor(
        'calls started while down to fail',
        () => calls.filter((x) => x.phase === 'down' && !x.result.ok).length >= 6,
      )

      await pg.resume()
      phase = 'restarted'
      // The same Database recovers by itself.
      await waitFor('calls to succeed after the restart', () => succeeded('restarted') >= 30)
      running = false
      await within('the workers', Promise.all(workers), 30_000)
      expect(await db.raw<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }])

      // Fast, typed failures: every call settled in time, every failure a ConnectionError.
      const failures = calls.filter((x) => !x.result.ok)
      expect(failures.length).toBeGreaterThan(0)
      for (const call of calls) {
        expect(call.result.ms, `${call.tag} settled in time`).toBeLessThan(SETTLE_MS)
        if (!call.result.ok) {
          expect(call.result.error, `${call.tag} failed typed`).toBeInstanceOf(ConnectionError)
        }
      }

      // No partial writes: each parent has all its children; committed ones are all there.
      const partial = await db.raw(
        `SELECT p.tag, count(ch.id) AS children FROM parents p
         LEFT JOIN children ch ON ch.parent_id = p.id GROUP BY p.tag HAVING count(ch.id) <> @n`,
        { n: CHILDREN },
      )
      expect(partial).toEqual([])
      const present = new Set(
        (await db.raw<{ tag: string }>('SELECT tag FROM parents')).map((r) => r.tag),
      )
      const committed = calls.filter((x) => x.kind === 'transaction' && x.result.ok)
      expect(committed.length).toBeGreaterThan(0)
      expect(committed.filter((x) => !present.has(x.tag))).toEqual([])
      expect(present.has('down')).toBe(false)

      const interruptedResult = await within('the interrupted batch', interrupted)
      expect(!interruptedResult.ok && interruptedResult.error).toBeInstanceOf(ConnectionError)
      expect(await count(`SELECT count(*) AS n FROM items WHERE batch = 'interrupted'`)).toBe(0)
      const racingResult = await within('the racing batch', racing, 60_000)
      const racingRows = await count(`SELECT count(*) AS n FROM items WHERE batch = 'racing'`)
      if (racingResult.ok) expect(racingRows).toBe(60_000)
      else {
        expect(racingResult.error).toBeInstanceOf(ConnectionError)
        expect(racingRows).toBe(0)
      }

      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      process.off('uncaughtException', onUnhandled)
      if (!pg.running) await pg.resume()
    }
  }, 180_000)

  it('pauses and resumes only an embedded server', async () => {
    const external = await startPostgres({ url: 'postgres://u:p@example.invalid:5432/x' })
    await expect(external.pause()).rejects.toBeInstanceOf(PostgresStartError)
    await expect(external.resume()).rejects.toBeInstanceOf(PostgresStartError)
    expect(external.running).toBe(true)
    // Resuming a running server, or pausing twice, does nothing.
    await pg.resume()
    expect(pg.running).toBe(true)
  })
})

describe('poolTimeout', () => {
  it('fails a call that gets no connection in time with PoolTimeoutError; it never runs later', async () => {
    const small = await Database.connect({ url: pg.url, tables, max: 2, poolTimeout: 1_000 })
    try {
      // Two transactions hold both connections until `hold` resolves.
      const hold = deferred()
      let holding = 0
      const holders = [1, 2].map((i) =>
        small.transaction(async (tx) => {
          await tx.raw('INSERT INTO marks (tag) VALUES (@tag)', { tag: `holder-${i}` })
          holding++
          await hold.promise
        }),
      )
      await waitFor('both holders', () => holding === 2)

      const insert = await within(
        'an INSERT with no connection free',
        outcome(() => small.raw(`INSERT INTO marks (tag) VALUES ('timed-out')`)),
      )
      expect(insert.ok).toBe(false)
      const error = !insert.ok ? insert.error : undefined
      expect(error).toBeInstanceOf(PoolTimeoutError)
      expect(error).toMatchObject({ code: 'POOL_TIMEOUT', timeout: 1_000, poolSize: 2 })
      expect(insert.ms).toBeGreaterThanOrEqual(900) // it did wait for poolTimeout
      const third = await within(
        'a transaction with no connection free',
        outcome(() =>
          small.transaction(async (tx) => tx.raw(`INSERT INTO marks (tag) VALUES ('timed-out')`)),
        ),
      )
      expect(!third.ok && third.error).toBeInstanceOf(PoolTimeoutError)

      hold.resolve()
      await within('the holders', Promise.all(holders))
      // Both connections are free again; several rounds of statements on them would have run
      // anything left queued behind the holders.
      for (let round = 0; round < 5; round++) {
        await Promise.all([small.raw('SELECT 1'), small.raw('SELECT 2')])
      }
      await small.transaction((tx) => tx.raw('SELECT 1'))
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag LIKE 'holder-%'`)).toBe(2)
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'timed-out'`)).toBe(0)
    } finally {
      await small.close()
    }
  })

  it('does not queue behind busy statements either (postgres.js would pipeline onto them)', async () => {
    const small = await Database.connect({ url: pg.url, tables, max: 2, poolTimeout: 500 })
    try {
      const sleepers = [1, 2].map(() => small.raw(`SELECT pg_sleep(3) /* pool-busy */`))
      await waitFor('both sleepers on the server', async () => (await sleeping('pool-busy')) === 2)
      const insert = await within(
        'an INSERT behind busy statements',
        outcome(() => small.raw(`INSERT INTO marks (tag) VALUES ('behind-busy')`)),
      )
      expect(!insert.ok && insert.error).toBeInstanceOf(PoolTimeoutError)
      await within('the sleepers', Promise.all(sleepers))
      await Promise.all([small.raw('SELECT 1'), small.raw('SELECT 2')])
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'behind-busy'`)).toBe(0)
    } finally {
      await small.close()
    }
  })

  it('pipelines reads behind busy statements; one stuck past poolTimeout fails, writes still wait', async () => {
    const piped = await Database.connect({ url: pg.url, tables, max: 1, poolTimeout: 300 })
    const marksOf = piped.manager(MarkEntity)
    try {
      const sleeper = piped.raw(`SELECT pg_sleep(1) /* pipelined-busy */`)
      await waitFor(
        'the sleeper on the server',
        async () => (await sleeping('pipelined-busy')) === 1,
      )
      // A finder is a read: it is sent behind the sleeper at once, and fails when it has not
      // started within poolTimeout; it did not wait for the sleeper to finish.
      const read = outcome(() => marksOf.findAll({ where: { tag: 'none' } }))
      // A write waits for an idle connection, and times out unsent.
      const write = outcome(() => piped.raw(`INSERT INTO marks (tag) VALUES ('pipelined')`))
      // A transaction needs a connection of its own: it times out too.
      const tx = outcome(() => piped.transaction((t) => t.raw('SELECT 1')))
      const [r, w, t] = await within('the calls behind the sleeper', Promise.all([read, write, tx]))
      for (const o of [r, w, t]) expect(!o.ok && o.error).toBeInstanceOf(PoolTimeoutError)
      expect(r.ms).toBeGreaterThanOrEqual(290)
      expect(r.ms).toBeLessThan(900) // failed at poolTimeout, before the sleeper was done
      await within('the sleeper', sleeper)
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'pipelined'`)).toBe(0)

      // A read that has started is not failed: it runs past poolTimeout to its result.
      const short = piped.raw(`SELECT pg_sleep(0.1) /* pipelined-short */`)
      const long = await within(
        'a pipelined read that starts in time',
        outcome(() =>
          piped.executeRead<{ one: number }>(
            CompiledQuery.raw('SELECT 1 AS one FROM pg_sleep(0.6) /* pipelined-long */'),
          ),
        ),
      )
      await short
      expect(long.ok && long.value.rows).toEqual([{ one: 1 }])
      expect(long.ms).toBeGreaterThanOrEqual(600)
      // Many reads at once on the one connection all arrive.
      const users = await within(
        '64 reads on one connection',
        Promise.all(Array.from({ length: 64 }, () => marksOf.count())),
      )
      expect(new Set(users).size).toBe(1)
    } finally {
      await piped.close()
    }
  })

  it('pipeline: 1 sends no read behind a busy statement', async () => {
    const strict = await Database.connect({
      url: pg.url,
      tables,
      max: 1,
      poolTimeout: 300,
      pipeline: 1,
    })
    try {
      const sleeper = strict.raw(`SELECT pg_sleep(1) /* strict-busy */`)
      await waitFor('the sleeper on the server', async () => (await sleeping('strict-busy')) === 1)
      const read = await within(
        'a read behind the sleeper',
        outcome(() => strict.manager(MarkEntity).count()),
      )
      expect(!read.ok && read.error).toBeInstanceOf(PoolTimeoutError)
      await within('the sleeper', sleeper)
    } finally {
      await strict.close()
    }
    await expect(Database.connect({ url: pg.url, tables, pipeline: 0 })).rejects.toThrow(
      /pipeline must be an integer from 1 to 100/,
    )
  })

  it('refuses a poolTimeout that is not a number of milliseconds', async () => {
    await expect(Database.connect({ url: pg.url, tables, poolTimeout: -1 })).rejects.toThrow(
      /poolTimeout/,
    )
  })
})

describe('statementTimeout', () => {
  it('cancels a slow statement with StatementTimeoutError; a user cancel stays a DatabaseError', async () => {
    const strict = await Database.connect({ url: pg.url, tables, max: 2, statementTimeout: 300 })
    try {
      const slow = await within(
        'a statement past statement_timeout',
        outcome(() => strict.raw('SELECT pg_sleep(5)')),
      )
      const error = !slow.ok ? slow.error : undefined
      expect(error).toBeInstanceOf(StatementTimeoutError)
      expect(error).toBeInstanceOf(DatabaseError)
      expect(error).toMatchObject({ code: 'STATEMENT_TIMEOUT', sqlState: '57014' })

      // In a transaction: the transaction is rolled back, the Database goes on.
      const tx = await within(
        'a transaction past statement_timeout',
        outcome(() =>
          strict.transaction(async (t) => {
            await t.raw(`INSERT INTO marks (tag) VALUES ('in-timed-out-tx')`)
            await t.raw('SELECT pg_sleep(5)')
          }),
        ),
      )
      expect(!tx.ok && tx.error).toBeInstanceOf(StatementTimeoutError)
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'in-timed-out-tx'`)).toBe(0)
      expect(await strict.raw('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await strict.close()
    }

    const cancelled = outcome(() => db.raw('SELECT pg_sleep(10) /* user-cancel */'))
    await waitFor('the statement to cancel', async () => (await sleeping('user-cancel')) === 1)
    await db.raw(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
       WHERE query LIKE '%user-cancel%' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`,
    )
    const result = await within('the cancelled statement', cancelled)
    const error = !result.ok ? result.error : undefined
    expect(error).toBeInstanceOf(DatabaseError)
    expect(error).not.toBeInstanceOf(StatementTimeoutError)
    expect(error).toMatchObject({ code: 'DATABASE', sqlState: '57014' })
  })
})

describe('close({ timeout })', () => {
  it('refuses new calls at once, lets running ones finish, then resolves', async () => {
    const closable = await Database.connect({ url: pg.url, tables, max: 6 })
    const order: string[] = []
    const slow = Array.from({ length: 5 }, (_, i) =>
      closable
        .raw<{ i: number }>('SELECT pg_sleep(2), @i::int AS i /* drain-me */', { i })
        .then((rows) => {
          order.push(`query ${i}`)
          return rows
        }),
    )
    // A transaction in flight too: it may go on running statements while the close drains.
    const proceed = deferred()
    let begun = false
    const tx = closable.transaction(async (t) => {
      await t.raw(`INSERT INTO marks (tag) VALUES ('drained-1')`)
      begun = true
      await proceed.promise
      await t.raw(`INSERT INTO marks (tag) VALUES ('drained-2')`)
      order.push('transaction')
    })
    await waitFor('the running calls', async () => begun && (await sleeping('drain-me')) === 5)

    const closing = closable.close({ timeout: 30_000 }).then(() => order.push('closed'))
    const refused = await outcome(() => closable.raw('SELECT 1'))
    const refusedTx = await outcome(() => closable.transaction(async () => {}))
    order.push('refused')
    expect(!refused.ok && refused.error).toBeInstanceOf(DatabaseClosedError)
    expect(!refusedTx.ok && refusedTx.error).toBeInstanceOf(DatabaseClosedError)

    proceed.resolve()
    await within('close()', closing, 30_000)
    expect((await Promise.all(slow)).map((rows) => rows[0]?.i)).toEqual([0, 1, 2, 3, 4])
    await tx
    expect(order[0]).toBe('refused')
    expect(order.at(-1)).toBe('closed')
    expect(order).toHaveLength(8)
    expect(await count(`SELECT count(*) AS n FROM marks WHERE tag LIKE 'drained-%'`)).toBe(2)
    await expect(closable.raw('SELECT 1')).rejects.toBeInstanceOf(DatabaseClosedError)
    await closable.close() // again: nothing left to do
  })

  it('ends the pool when the timeout runs out; what still runs fails with DatabaseClosedError', async () => {
    const closable = await Database.connect({ url: pg.url, tables, max: 4 })
    const slow = [1, 2].map(() => outcome(() => closable.raw('SELECT pg_sleep(20) /* cut-off */')))
    const proceed = deferred()
    let begun = false
    const tx = outcome(() =>
      closable.transaction(async (t) => {
        await t.raw(`INSERT INTO marks (tag) VALUES ('cut-off')`)
        begun = true
        await proceed.promise
        await t.raw('SELECT 1')
      }),
    )
    await waitFor('the running calls', async () => begun && (await sleeping('cut-off')) === 2)

    const closed = await within(
      'close() past its timeout',
      outcome(() => closable.close({ timeout: 300 })),
    )
    expect(closed.ok).toBe(true)
    for (const result of await Promise.all(slow)) {
      expect(result.ok).toBe(false)
      expect(!result.ok && result.error).toBeInstanceOf(DatabaseClosedError)
      expect(result.ms).toBeLessThan(SETTLE_MS) // not the 20 s of pg_sleep
    }
    proceed.resolve()
    const txResult = await within('the cut-off transaction', tx)
    expect(!txResult.ok && txResult.error).toBeInstanceOf(DatabaseClosedError)
    expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'cut-off'`)).toBe(0)
  })
})

describe('connection errors at connect', () => {
  const password = 'sekret-pw-123'
  let silent: Server
  const sockets = new Set<Socket>()

  beforeAll(async () => {
    // Accepts TCP connections and never answers: only connectTimeout can end the wait.
    silent = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  })

  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent?.close(resolve))
  })

  it('honours connectTimeout and names host and port, never the password', async () => {
    const address = silent.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const url = `postgres://app:${password}@127.0.0.1:${port}/app`
    const result = await within(
      'connect to a server that never answers',
      outcome(() => Database.connect({ url, tables, connectTimeout: 1 })),
    )
    const error = !result.ok ? (result.error as Error) : undefined
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error?.message).toContain(`127.0.0.1:${port}`)
    expect(error?.message).toMatch(/CONNECT_TIMEOUT/)
    expect(error?.message).not.toContain(password)
    expect(result.ms).toBeGreaterThanOrEqual(900) // it waited for connectTimeout, not for ever
  })

  it('reports a refused connection with host and port, never the password', async () => {
    const url = new URL(pg.url)
    url.password = password
    url.port = '1'
    const result = await within(
      'connect to a closed port',
      outcome(() => Database.connect({ url: url.toString(), tables })),
    )
    const error = !result.ok ? (result.error as Error) : undefined
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error?.message).toContain('127.0.0.1:1')
    expect(error?.message).not.toContain(password)
  })
})
