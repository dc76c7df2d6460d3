import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  activateDeployment,
  containerpubManagers,
  containerpubTables,
  FunctionDataEntity,
  functionData,
} from '../../src/containerpub/index'
import {
  c,
  Database,
  defineTable,
  generateDDL,
  InvalidQueryError,
  type RetryEvent,
  SerializationFailureError,
  UniqueViolationError,
} from '../../src/index'
import { DEFAULT_RETRY_DELAY, retryDelayMs } from '../../src/transaction-retry'
import { testDatabase } from '../setup/test-database'

// Every race here is decided by PostgreSQL's locks and by barriers in the callbacks, never by
// timing: the assertions hold whatever order the scheduler picks.

const accounts = defineTable('accounts', {
  id: c.integer().primaryKey(),
  balance: c.bigint().notNull(),
})
// One row per transfer that committed: proves a transfer was applied once and only once.
const transferLog = defineTable('transfer_log', {
  id: c.integer().primaryKey(),
})

const tables = { ...containerpubTables, functionData, accounts, transferLog }

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>

beforeAll(async () => {
  test = await testDatabase('concurrency')
  // PostgreSQL looks for deadlocks after deadlock_timeout (1 s by default); the tests below
  // provoke many, so a shorter wait keeps them quick. It needs a superuser: without one the
  // default stays and the tests are only slower.
  const admin = await Database.connect({ url: test.url, tables: {}, max: 1 })
  await admin
    .executeScript(`ALTER DATABASE "${test.name}" SET deadlock_timeout = '50ms'`)
    .catch(() => {})
  await admin.close()
  db = await Database.connect({ url: test.url, tables, max: 8 })
  await db.executeScript(generateDDL(Object.values(tables)))
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

/** A deterministic PRNG (mulberry32), so every run draws the same transfers and orders. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** Resolves for everyone once `n` callers have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return () => {
    arrived++
    if (arrived === n) open()
    return opened
  }
}

async function setBalances(balances: readonly bigint[]) {
  await db.raw('DELETE FROM accounts')
  await db.raw('DELETE FROM transfer_log')
  await db.raw(
    'INSERT INTO accounts (id, balance) SELECT i, b FROM unnest(@ids::int[], @balances::int8[]) AS s(i, b)',
    { ids: balances.map((_, i) => i + 1), balances: balances.map(String) },
  )
}

const balanceOf = async (id: number) =>
  (await db.rawOne<{ balance: bigint }>('SELECT balance FROM accounts WHERE id = @id', { id }))!
    .balance

describe('transaction retries: options', () => {
  it('documents its schedule: a random wait in [c/2, c) with c = min(max, base * 2^(k-1))', () => {
    const delay = { base: 10, max: 1_000 }
    expect(DEFAULT_RETRY_DELAY).toEqual(delay)
    expect(retryDelayMs(1, delay, () => 0)).toBe(5)
    expect(retryDelayMs(1, delay, () => 0.999)).toBeLessThan(10)
    expect(retryDelayMs(4, delay, () => 0.5)).toBe(60)
    expect(retryDelayMs(8, delay, () => 0)).toBe(500)
    expect(retryDelayMs(100, delay, () => 0.999)).toBeLessThan(1_000)
    for (let k = 1; k <= 12; k++) {
      const ceiling = Math.min(1_000, 10 * 2 ** (k - 1))
      const wait = retryDelayMs(k, delay)
      expect(wait).toBeGreaterThanOrEqual(ceiling / 2)
      expect(wait).toBeLessThan(ceiling)
    }
  })

  it('refuses bad retry options before anything is sent', async () => {
    const noop = async () => 1
    for (const retries of [-1, 1.5, 101, Number.NaN, '3']) {
      await expect(db.transaction(noop, { retries: retries as number })).rejects.toThrow(
        InvalidQueryError,
      )
    }
    await expect(
      db.transaction(noop, { retries: 1, retryDelay: { base: 100, max: 10 } }),
    ).rejects.toThrow(/retryDelay: base is larger than max/)
    await expect(
      db.transaction(noop, { retries: 1, retryDelay: { base: -1, max: 10 } }),
    ).rejects.toThrow(InvalidQueryError)
    await expect(db.transaction(noop, { retries: 1, onRetry: 'x' as any })).rejects.toThrow(
      /onRetry/,
    )
  })

  it('refuses retries on a nested transaction: only the outermost level can replay its work', async () => {
    let caught: unknown
    await db.transaction(async (tx) => {
      caught = await tx.transaction(async () => 1, { retries: 3 }).catch((e: unknown) => e)
      expect(
        await tx.transaction(async () => 1, { retryDelay: { base: 1, max: 2 } }).catch((e) => e),
      ).toBeInstanceOf(InvalidQueryError)
      // The refusal sent nothing: the transaction is still usable.
      expect(await tx.rawOne('SELECT 1 AS one')).toEqual({ one: 1 })
    })
    expect(caught).toBeInstanceOf(InvalidQueryError)
    expect((caught as InvalidQueryError).path).toBe('retries')
  })

  it('retries only SerializationFailureError, and rethrows the last one when retries run out', async () => {
    let calls = 0
    const events: RetryEvent[] = []
    const failures: SerializationFailureError[] = []
    const error = await db
      .transaction(
        async (tx) => {
          calls++
          await tx.raw('INSERT INTO accounts (id, balance) VALUES (@id, 0)', { id: 1_000 + calls })
          const failure = new SerializationFailureError(
            `attempt ${calls}`,
            { sqlState: '40001', table: undefined, constraint: undefined, column: undefined },
            undefined,
          )
          failures.push(failure)
          throw failure
        },
        { retries: 3, retryDelay: { base: 1, max: 4 }, onRetry: (e) => events.push(e) },
      )
      .catch((e: unknown) => e)
    expect(calls).toBe(4)
    expect(error).toBe(failures[3])
    expect(events.map((e) => e.retry)).toEqual([1, 2, 3])
    expect(events.map((e) => e.error)).toEqual(failures.slice(0, 3))
    for (const e of events) {
      const ceiling = Math.min(4, 2 ** (e.retry - 1))
      expect(e.delayMs).toBeGreaterThanOrEqual(ceiling / 2)
      expect(e.delayMs).toBeLessThan(ceiling)
    }
    // Every attempt was rolled back.
    expect(await db.raw('SELECT id FROM accounts WHERE id > 1000')).toEqual([])

    let otherCalls = 0
    await setBalances([0n])
    const unique = await db
      .transaction(
        async (tx) => {
          otherCalls++
          await tx.raw('INSERT INTO accounts (id, balance) VALUES (1, 0)')
        },
        { retries: 5 },
      )
      .catch((e: unknown) => e)
    expect(unique).toBeInstanceOf(UniqueViolationError)
    expect(otherCalls).toBe(1)

    let plainCalls = 0
    await expect(
      db.transaction(
        async () => {
          plainCalls++
          throw new Error('not a serialization failure')
        },
        { retries: 5 },
      ),
    ).rejects.toThrow('not a serialization failure')
    expect(plainCalls).toBe(1)
  })

  it('without retries, a serialization failure is thrown at once', async () => {
    let calls = 0
    await expect(
      db.transaction(async () => {
        calls++
        throw new SerializationFailureError(
          'lost',
          { sqlState: '40001', table: undefined, constraint: undefined, column: undefined },
          undefined,
        )
      }),
    ).rejects.toBeInstanceOf(SerializationFailureError)
    expect(calls).toBe(1)
  })
})

describe('transaction retries against real conflicts', () => {
  it('retries a serializable transaction that lost a write race, and it then succeeds', async () => {
    await setBalances([100n])
    const bothRead = barrier(2)
    const events: RetryEvent[] = []
    const attempts = { a: 0, b: 0 }
    // `b` reads, waits until `a` has committed its write to the same row, then writes: under
    // serializable its snapshot is stale, so PostgreSQL refuses it with 40001.
    let aDone!: Promise<void>
    const a = db.transaction(
      async (tx) => {
        attempts.a++
        await tx.raw('SELECT balance FROM accounts WHERE id = 1')
        await bothRead()
        await tx.raw('UPDATE accounts SET balance = balance + 10 WHERE id = 1')
      },
      { isolationLevel: 'serializable' },
    )
    aDone = a.then(() => {})
    const b = db.transaction(
      async (tx) => {
        const attempt = ++attempts.b
        await tx.raw('SELECT balance FROM accounts WHERE id = 1')
        if (attempt === 1) {
          await bothRead()
          await aDone
        }
        await tx.raw('UPDATE accounts SET balance = balance + 1 WHERE id = 1')
        return attempt
      },
      { isolationLevel: 'serializable', retries: 3, onRetry: (e) => events.push(e) },
    )
    await a
    expect(await b).toBe(2)
    expect(events).toHaveLength(1)
    expect(events[0]!.error).toBeInstanceOf(SerializationFailureError)
    expect(events[0]!.error.deadlock).toBe(false)
    expect(events[0]!.error.sqlState).toBe('40001')
    expect(await balanceOf(1)).toBe(111n)
  })

  it('retries the victim of a deliberate deadlock, and both transactions succeed', async () => {
    await setBalances([0n, 0n])
    const bothLocked = barrier(2)
    const events: RetryEvent[] = []
    const attempts = [0, 0]
    // Each locks its first row, waits until the other holds its own, then wants the other's:
    // a cycle PostgreSQL breaks by aborting one of them with 40P01.
    const run = (i: 0 | 1, first: number, second: number) =>
      db.transaction(
        async (tx) => {
          const attempt = ++attempts[i]!
          await tx.raw('UPDATE accounts SET balance = balance + 1 WHERE id = @id', { id: first })
          if (attempt === 1) await bothLocked()
          await tx.raw('UPDATE accounts SET balance = balance + 10 WHERE id = @id', {
            id: second,
          })
        },
        { retries: 2, retryDelay: { base: 5, max: 20 }, onRetry: (e) => events.push(e) },
      )
    await Promise.all([run(0, 1, 2), run(1, 2, 1)])
    expect(events).toHaveLength(1)
    expect(events[0]!.error).toBeInstanceOf(SerializationFailureError)
    expect(events[0]!.error.deadlock).toBe(true)
    expect(events[0]!.error.sqlState).toBe('40P01')
    expect(attempts[0]! + attempts[1]!).toBe(3)
    // Both applied exactly once.
    expect(await balanceOf(1)).toBe(11n)
    expect(await balanceOf(2)).toBe(11n)
  })

  it('64 concurrent serializable transfers between 8 accounts keep the total, each applied once or failed', async () => {
    const initial = 1_000n
    await setBalances(Array.from({ length: 8 }, () => initial))
    const random = prng(7)
    const transfers = Array.from({ length: 64 }, (_, id) => {
      const from = 1 + Math.floor(random() * 8)
      const to = 1 + ((from + Math.floor(random() * 7)) % 8)
      return { id, from, to, amount: BigInt(1 + Math.floor(random() * 400)) }
    })
    let retries = 0
    let deadlocks = 0
    const outcomes = await Promise.allSettled(
      transfers.map((t) =>
        db.transaction(
          async (tx) => {
            const row = await tx.rawOne<{ balance: bigint }>(
              'SELECT balance FROM accounts WHERE id = @id',
              { id: t.from },
            )
            if (row!.balance < t.amount) return 'insufficient' as const
            await tx.raw('UPDATE accounts SET balance = balance - @amount WHERE id = @id', {
              amount: t.amount,
              id: t.from,
            })
            await tx.raw('UPDATE accounts SET balance = balance + @amount WHERE id = @id', {
              amount: t.amount,
              id: t.to,
            })
            await tx.raw('INSERT INTO transfer_log (id) VALUES (@id)', { id: t.id })
            return 'applied' as const
          },
          {
            isolationLevel: 'serializable',
            retries: 30,
            retryDelay: { base: 2, max: 50 },
            onRetry: (e) => {
              retries++
              if (e.error.deadlock) deadlocks++
            },
          },
        ),
      ),
    )
    const applied = new Set<number>()
    let insufficient = 0
    let failed = 0
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        // Only a serialization failure may survive the retries; anything else is a bug.
        expect(outcome.reason).toBeInstanceOf(SerializationFailureError)
        failed++
      } else if (outcome.value === 'applied') applied.add(i)
      else insufficient++
    })
    expect(applied.size + insufficient + failed).toBe(64)
    expect(applied.size).toBeGreaterThan(0)

    // Applied once: exactly the applied transfers are in the log; nothing else committed.
    const logged = await db.raw<{ id: number }>('SELECT id FROM transfer_log ORDER BY id')
    expect(logged.map((r) => r.id)).toEqual([...applied].sort((x, y) => x - y))

    // The balances are the initial ones moved by exactly the applied transfers.
    const expected = new Map<number, bigint>()
    for (let id = 1; id <= 8; id++) expected.set(id, initial)
    for (const i of applied) {
      const t = transfers[i]!
      expected.set(t.from, expected.get(t.from)! - t.amount)
      expected.set(t.to, expected.get(t.to)! + t.amount)
    }
    const rows = await db.raw<{ id: number; balance: bigint }>(
      'SELECT id, balance FROM accounts ORDER BY id',
    )
    expect(new Map(rows.map((r) => [r.id, r.balance]))).toEqual(expected)
    expect(rows.reduce((sum, r) => sum + r.balance, 0n)).toBe(8n * initial)
    for (const r of rows) expect(r.balance).toBeGreaterThanOrEqual(0n)
    console.info(
      `transfers: ${applied.size} applied, ${insufficient} insufficient, ${failed} failed after retries; ` +
        `${retries} retries (${deadlocks} deadlocks)`,
    )
  })
})

describe('concurrent upserts', () => {
  // Batches that write overlapping keys in different orders deadlock each other (each holds
  // keys the other wants) so often that retries do not always get through: a writer of a big
  // batch can lose 50 times running. upsertMany writes in conflict-key order whatever the input
  // order, so they queue instead: no deadlock at all.
  it('32 concurrent upsertMany of overlapping keys in different orders: no deadlock, one row per key', async () => {
    const random = prng(11)
    const keys = Array.from({ length: 24 }, (_, i) => `key-${String(i).padStart(2, '0')}`)
    const writers = Array.from({ length: 32 }, (_, writer) => {
      const own = shuffle(keys, random).slice(0, 8 + Math.floor(random() * 16))
      return { writer, functionId: 1 + (writer % 2), keys: own }
    })
    let deadlocks = 0
    const results = await Promise.all(
      writers.map((w) =>
        // The retry is the safety net should two batches still collide.
        db.transaction(
          (tx) =>
            tx.manager(FunctionDataEntity).upsertMany(
              w.keys.map((key) => ({ functionId: w.functionId, key, value: { writer: w.writer } })),
              { conflictColumns: ['functionId', 'key'], chunkSize: 5 },
            ),
          {
            retries: 50,
            retryDelay: { base: 2, max: 50 },
            onRetry: (e) => {
              if (e.error.deadlock) deadlocks++
            },
          },
        ),
      ),
    )
    results.forEach((rows, i) => {
      expect(rows.map((r) => r.key)).toEqual(writers[i]!.keys)
    })

    const stored = await db.raw<{ function_id: number; key: string; n: bigint }>(
      'SELECT function_id, key, count(*) AS n FROM function_data GROUP BY function_id, key',
    )
    const expected = new Set(writers.flatMap((w) => w.keys.map((k) => `${w.functionId}/${k}`)))
    expect(stored).toHaveLength(expected.size)
    for (const row of stored) {
      expect(row.n).toBe(1n)
      expect(expected.has(`${row.function_id}/${row.key}`)).toBe(true)
    }
    // The value of each key is that of one of the writers of that key.
    const values = await db.manager(FunctionDataEntity).findAll()
    for (const entry of values) {
      const writer = (entry.value as { writer: number }).writer
      expect(writers[writer]!.functionId).toBe(entry.functionId)
      expect(writers[writer]!.keys).toContain(entry.key)
    }
    expect(deadlocks).toBe(0)
  })

  it('concurrent single upserts of one key, updating or keeping, end with one row', async () => {
    const data = db.manager(FunctionDataEntity)
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        data.upsert(
          { functionId: 99, key: 'shared', value: i },
          i % 2 === 0
            ? { conflictColumns: ['functionId', 'key'] }
            : { conflictColumns: ['functionId', 'key'], update: [] },
        ),
      ),
    )
    const rows = await data.findAll({ where: { functionId: 99 } })
    expect(rows).toHaveLength(1)
    // Every caller got that one row back (same id), whatever value won.
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([rows[0]!.id]))
  })
})

describe('concurrent deployment activation', () => {
  async function seedFunctions(prefix: string, count: number, deploymentsEach: number) {
    const m = containerpubManagers(db)
    const user = await m.users.insert({ email: `${prefix}@x.io`, passwordHash: 'h' })
    const fns = await m.functions.batchInsert(
      Array.from({ length: count }, (_, i) => ({ userId: user.id, name: `${prefix}-${i}` })),
    )
    const deployments = await m.functionDeployments.batchInsert(
      fns.flatMap((fn) =>
        Array.from({ length: deploymentsEach }, (_, v) => ({
          functionId: fn.id,
          version: v + 1,
          imageTag: `img:${v + 1}`,
          s3Key: `s3/${fn.uuid}/${v + 1}`,
        })),
      ),
    )
    return { fns, deployments }
  }

  async function expectOneActivePerFunction(fnIds: readonly number[], activated: Set<string>) {
    const m = containerpubManagers(db)
    for (const fnId of fnIds) {
      const fn = await m.functions.findById(fnId)
      const active = await m.functionDeployments.findAll({
        where: { functionId: fnId, isActive: true },
      })
      expect(active).toHaveLength(1)
      expect(fn!.activeDeploymentId).toBe(active[0]!.id)
      expect(fn!.status).toBe('active')
      expect(activated.has(active[0]!.uuid)).toBe(true)
      // Statuses agree with the flag: the active one `active`, every other one that was
      // activated at some point `disabled`, the never activated ones still `building`.
      const all = await m.functionDeployments.findAll({ where: { functionId: fnId } })
      for (const d of all) {
        const expected = d.isActive ? 'active' : activated.has(d.uuid) ? 'disabled' : 'building'
        expect(`${d.version}:${d.status}`).toBe(`${d.version}:${expected}`)
      }
    }
  }

  it('racing activateDeployment calls leave exactly one active deployment per function', async () => {
    const { fns, deployments } = await seedFunctions('race', 4, 8)
    const random = prng(3)
    const picks = Array.from(
      { length: 64 },
      () => deployments[Math.floor(random() * deployments.length)]!,
    )
    const results = await Promise.all(picks.map((d) => activateDeployment(db, d.uuid)))
    for (const [i, r] of results.entries()) {
      expect(r.deployment.uuid).toBe(picks[i]!.uuid)
      expect(r.deployment.isActive).toBe(true)
    }
    await expectOneActivePerFunction(
      fns.map((f) => f.id),
      new Set(picks.map((d) => d.uuid)),
    )
  })

  it('the same race inside serializable transactions with retries', async () => {
    const { fns, deployments } = await seedFunctions('race-serializable', 3, 6)
    const random = prng(5)
    const picks = Array.from(
      { length: 48 },
      () => deployments[Math.floor(random() * deployments.length)]!,
    )
    let retries = 0
    await Promise.all(
      picks.map((d) =>
        db.transaction((tx) => activateDeployment(tx, d.uuid), {
          isolationLevel: 'serializable',
          retries: 50,
          retryDelay: { base: 2, max: 50 },
          onRetry: () => {
            retries++
          },
        }),
      ),
    )
    await expectOneActivePerFunction(
      fns.map((f) => f.id),
      new Set(picks.map((d) => d.uuid)),
    )
    console.info(`serializable activations: ${retries} retries`)
  })
})
