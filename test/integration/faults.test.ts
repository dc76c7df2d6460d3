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
// (`url: ''`) and leaves the run's shared server alone. No assertion depends on timing: a
// statement that must still be running when something else happens is blocked on an advisory
// lock the test holds, never in a pg_sleep that a slow machine could outlast; the only bounds on
// time are hang guards (`within`, `waitFor`) and lower bounds that a timeout cannot undercut.

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
/** How long `within` waits for something that must settle before it reports a hang. */
const SETTLE_MS = 30_000

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

/** Statements of the server waiting for a lock with this marker in their text. */
const waiting = (marker: string) =>
  count(
    `SELECT count(*) AS n FROM pg_stat_activity
     WHERE state = 'active' AND wait_event_type = 'Lock' AND query LIKE @like`,
    { like: `%${marker}%` },
  )

/** A statement that runs until the advisory lock `key` is free (see {@link holdLock}). */
const blockedOn = (key: number, marker: string) =>
  `SELECT 1 AS one FROM pg_advisory_xact_lock_shared(${key}) /* ${marker} */`

/**
 * Holds the advisory lock `key` in a transaction of `db` until `release()`: statements that take
 * it (see {@link blockedOn}) run until then, however fast or slow the machine is.
 */
async function holdLock(key: number): Promise<{ release: () => Promise<void> }> {
  const held = deferred()
  const release = deferred()
  const done = db.transaction(async (tx) => {
    await tx.raw('SELECT pg_advisory_xact_lock(@key)', { key })
    held.resolve()
    await release.promise
  })
  await Promise.race([held.promise, done])
  return {
    release: async () => {
      release.resolve()
      await done
    },
  }
}

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
      const succeeded = (p: Phase, kind?: Call['kind']) =>
        calls.filter((x) => x.phase === p && x.result.ok && (kind ?? x.kind) === x.kind).length
      await waitFor(
        '10 transactions and 10 statements to succeed',
        () => succeeded('up', 'transaction') >= 10 && succeeded('up', 'select') >= 10,
      )

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

      // Fast, typed failures: every failure a ConnectionError for a refused or broken
      // connection, none for having waited out a connect timeout.
      const failures = calls.filter((x) => !x.result.ok)
      expect(failures.length).toBeGreaterThan(0)
      for (const call of failures) {
        const error = !call.result.ok ? call.result.error : undefined
        expect(error, `${call.tag} failed typed`).toBeInstanceOf(ConnectionError)
        expect((error as Error).message, `${call.tag} did not wait`).not.toMatch(/TIMEOUT/)
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
      expect(committed.length).toBeGreaterThanOrEqual(10)
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
    const lock = await holdLock(1)
    try {
      const busy = [1, 2].map(() => small.raw(blockedOn(1, 'pool-busy')))
      await waitFor(
        'both busy statements on the server',
        async () => (await waiting('pool-busy')) === 2,
      )
      const insert = await within(
        'an INSERT behind busy statements',
        outcome(() => small.raw(`INSERT INTO marks (tag) VALUES ('behind-busy')`)),
      )
      expect(!insert.ok && insert.error).toBeInstanceOf(PoolTimeoutError)
      await lock.release()
      await within('the busy statements', Promise.all(busy))
      await Promise.all([small.raw('SELECT 1'), small.raw('SELECT 2')])
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'behind-busy'`)).toBe(0)
    } finally {
      await lock.release()
      await small.close()
    }
  })

  it('pipelines reads behind busy statements; one stuck past poolTimeout fails, writes still wait', async () => {
    const piped = await Database.connect({ url: pg.url, tables, max: 1, poolTimeout: 300 })
    const marksOf = piped.manager(MarkEntity)
    const lock = await holdLock(2)
    try {
      const busy = piped.raw(blockedOn(2, 'pipelined-busy'))
      await waitFor('the busy statement on the server', async () => {
        return (await waiting('pipelined-busy')) === 1
      })
      // A finder is a read: it is sent behind the busy statement at once, and fails when it has
      // not started within poolTimeout; it did not wait for the busy statement to finish.
      const read = outcome(() => marksOf.findAll({ where: { tag: 'none' } }))
      // A write waits for an idle connection, and times out unsent.
      const write = outcome(() => piped.raw(`INSERT INTO marks (tag) VALUES ('pipelined')`))
      // A transaction needs a connection of its own: it times out too.
      const tx = outcome(() => piped.transaction((t) => t.raw('SELECT 1')))
      const [r, w, t] = await within(
        'the calls behind the busy one',
        Promise.all([read, write, tx]),
      )
      for (const o of [r, w, t]) expect(!o.ok && o.error).toBeInstanceOf(PoolTimeoutError)
      expect(r.ms).toBeGreaterThanOrEqual(290) // it waited for poolTimeout first
      // ... and failed while the statement it was queued behind still ran: the test holds its lock.
      expect(await waiting('pipelined-busy')).toBe(1)
      await lock.release()
      await within('the busy statement', busy)
      expect(await count(`SELECT count(*) AS n FROM marks WHERE tag = 'pipelined'`)).toBe(0)
    } finally {
      await lock.release()
      await piped.close()
    }
  })

  it('a pipelined read that has started is not failed at its poolTimeout: it runs to its result', async () => {
    // poolTimeout is the time a read behind `first` has to start once `first` is let go: 2 s,
    // for one statement on an idle local server to end.
    const patient = await Database.connect({ url: pg.url, tables, max: 1, poolTimeout: 2_000 })
    const firstLock = await holdLock(3)
    const longLock = await holdLock(4)
    try {
      const first = patient.raw(blockedOn(3, 'started-first'))
      await waitFor('the first statement on the server', async () => {
        return (await waiting('started-first')) === 1
      })
      const long = outcome(() =>
        patient.executeRead<{ one: number }>(CompiledQuery.raw(blockedOn(4, 'started-long'))),
      )
      // Queued behind `long`, so it cannot start before `long` ends; its deadline comes after
      // `long`'s, and deadlines are checked in order.
      const behind = outcome(() => patient.manager(MarkEntity).count())
      await firstLock.release()
      await within('the first statement', first)
      await waitFor('the started read on the server', async () => {
        return (await waiting('started-long')) === 1
      })
      const late = await within('the read queued behind it', behind)
      expect(!late.ok && late.error).toBeInstanceOf(PoolTimeoutError)
      // So `long`'s deadline has passed too, while it ran: it still runs, and is not failed.
      expect(await waiting('started-long')).toBe(1)
      await longLock.release()
      const result = await within('the started read', long)
      expect(result.ok && result.value.rows).toEqual([{ one: 1 }])
    } finally {
      await firstLock.release()
      await longLock.release()
      await patient.close()
    }
  })

  it('many reads pipelined on one connection all arrive', async () => {
    const one = await Database.connect({ url: pg.url, tables, max: 1 })
    try {
      const counts = await within(
        '64 reads on one connection',
        Promise.all(Array.from({ length: 64 }, () => one.manager(MarkEntity).count())),
      )
      expect(new Set(counts).size).toBe(1)
    } finally {
      await one.close()
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
    const lock = await holdLock(5)
    try {
      const busy = strict.raw(blockedOn(5, 'strict-busy'))
      await waitFor('the busy statement on the server', async () => {
        return (await waiting('strict-busy')) === 1
      })
      const read = await within(
        'a read behind the busy statement',
        outcome(() => strict.manager(MarkEntity).count()),
      )
      expect(!read.ok && read.error).toBeInstanceOf(PoolTimeoutError)
      await lock.release()
      await within('the busy statement', busy)
    } finally {
      await lock.release()
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

    const lock = await holdLock(6)
    const cancelled = outcome(() => db.raw(blockedOn(6, 'user-cancel')))
    await waitFor('the statement to cancel', async () => (await waiting('user-cancel')) === 1)
    await db.raw(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
       WHERE query LIKE '%user-cancel%' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    )
    const result = await within('the cancelled statement', cancelled)
    await lock.release()
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
    // Five statements that run until the test lets them go, after the close has begun.
    const lock = await holdLock(7)
    const slow = Array.from({ length: 5 }, (_, i) =>
      closable
        .raw<{ i: number }>(
          'SELECT @i::int AS i FROM pg_advisory_xact_lock_shared(7) /* drain-me */',
          { i },
        )
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
    await waitFor('the running calls', async () => begun && (await waiting('drain-me')) === 5)

    const closing = closable.close({ timeout: 30_000 }).then(() => order.push('closed'))
    const refused = await outcome(() => closable.raw('SELECT 1'))
    const refusedTx = await outcome(() => closable.transaction(async () => {}))
    order.push('refused')
    expect(!refused.ok && refused.error).toBeInstanceOf(DatabaseClosedError)
    expect(!refusedTx.ok && refusedTx.error).toBeInstanceOf(DatabaseClosedError)

    proceed.resolve()
    await lock.release()
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
    // Two statements still running when the close runs out of time: the test holds their lock.
    const lock = await holdLock(8)
    const slow = [1, 2].map(() => outcome(() => closable.raw(blockedOn(8, 'cut-off'))))
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
    await waitFor('the running calls', async () => begun && (await waiting('cut-off')) === 2)

    const closed = await within(
      'close() past its timeout',
      outcome(() => closable.close({ timeout: 300 })),
    )
    expect(closed.ok).toBe(true)
    // Failed while their statements still ran on the server: cut off, not finished.
    for (const result of await within('the cut-off statements', Promise.all(slow))) {
      expect(result.ok).toBe(false)
      expect(!result.ok && result.error).toBeInstanceOf(DatabaseClosedError)
    }
    await lock.release()
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
