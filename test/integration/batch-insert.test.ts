import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  c,
  Database,
  defineTable,
  Entity,
  EntityValidationError,
  generateDDL,
  InvalidQueryError,
  UniqueViolationError,
} from '../../src/index'
import { batchInsert, insertStatements, parseRows } from '../../src/manager/batch-insert'
import { upsert, upsertMany } from '../../src/manager/upsert'
import { returningClause, unnestInsertSql } from '../../src/query/batch-statements'
import { everyKind, functions, users } from '../fixtures/tables'
import { testDatabase } from '../setup/test-database'

const items = defineTable('items', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  sku: c.varchar(40).notNull().unique(),
  qty: c.integer().notNull(),
  price: c.numeric(10, 2),
  note: c.text(),
  createdAt: c.timestamptz().defaultNow(),
})

class ItemEntity extends Entity.of(items) {}
class UserEntity extends Entity.of(users) {}
class FunctionEntity extends Entity.of(functions) {}
class EveryKindEntity extends Entity.of(everyKind) {}

const tables = { items, users, functions, everyKind }
let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>

beforeAll(async () => {
  test = await testDatabase('batch')
  db = await Database.connect({ url: test.url, tables, max: 4 })
  // The tables exactly as their definitions create them.
  await db.executeScript(generateDDL(Object.values(tables)))
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

beforeEach(async () => {
  await db.raw('TRUNCATE items, users, functions, every_kind RESTART IDENTITY CASCADE')
})

const count = async (table: string) =>
  Number((await db.rawOne<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))?.n)

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

// A deterministic shuffle, so input order is neither sorted by key nor by anything else.
const scrambled = (n: number) => Array.from({ length: n }, (_, i) => (i * 7_919) % n)

describe('batchInsert', () => {
  it('inserts 100,000 rows in one call, reporting progress, returning the count', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      sku: `sku-${i}`,
      qty: i,
      price: `${i % 1000}.${i % 100}`,
      note: i % 3 === 0 ? null : `note ${i}`,
    }))
    const progress: { done: number; total: number }[] = []
    const started = performance.now()
    const inserted = await batchInsert(db, ItemEntity, rows, {
      returning: false,
      onProgress: (p) => progress.push(p),
    })
    const ms = performance.now() - started
    console.log(`batchInsert: 100,000 rows in ${ms.toFixed(0)} ms`)
    expect(inserted).toBe(100_000)
    expect(await count('items')).toBe(100_000)
    expect(progress).toHaveLength(20)
    expect(progress[0]).toEqual({ done: 5_000, total: 100_000 })
    expect(progress.at(-1)).toEqual({ done: 100_000, total: 100_000 })
    const sample = await db.rawOne<{ qty: number; price: string; note: string | null }>(
      `SELECT qty, price, note FROM items WHERE sku = 'sku-99999'`,
    )
    expect(sample).toEqual({ qty: 99_999, price: '999.99', note: null })
  })

  it('returns entities in input order, with generated ids and uuids, across chunks', async () => {
    const order = scrambled(10_000)
    const rows = order.map((k) => ({ sku: `k${k}`, qty: k }))
    const entities = (await batchInsert(db, ItemEntity, rows, { chunkSize: 1_500 })) as ItemEntity[]
    expect(entities).toHaveLength(10_000)
    expect(entities.every((e, i) => e instanceof ItemEntity && e.sku === `k${order[i]}`)).toBe(true)
    expect(entities.every((e, i) => e.qty === order[i])).toBe(true)
    // Ids are handed out in input order; uuids are generated and distinct.
    expect(entities.every((e, i) => i === 0 || e.id > entities[i - 1]!.id)).toBe(true)
    expect(entities.every((e) => UUID_RE.test(e.uuid))).toBe(true)
    expect(new Set(entities.map((e) => e.uuid)).size).toBe(10_000)
    expect(entities[0]?.createdAt).toBeInstanceOf(Date)
  })

  it('prepares one statement for all chunks of the same shape', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ sku: `p${i}`, qty: i }))
    const prepared = await db.transaction(async (tx) => {
      // With returning: false the rows go by COPY; the INSERT form is the one that returns them.
      await batchInsert(tx, ItemEntity, rows, { chunkSize: 3 })
      // The connection may hold other shapes from earlier tests: count this exact text.
      return tx.rawOne<{ n: bigint }>(
        'SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = @text',
        { text: unnestInsertSql(items, [items.sku, items.qty], returningClause(items)) },
      )
    })
    expect(prepared?.n).toBe(1n)
    expect(await count('items')).toBe(10)
  })

  it('writes nothing when the last row fails, and throws the typed error', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ sku: `u${i}`, qty: i }))
    rows.push({ sku: 'u0', qty: -1 })
    const error = await batchInsert(db, ItemEntity, rows, { returning: false }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect((error as UniqueViolationError).columns).toEqual(['sku'])
    expect(await count('items')).toBe(0)
  })

  it('sends nothing when a row fails validation', async () => {
    const execute = vi.spyOn(db, 'execute')
    const transaction = vi.spyOn(db, 'transaction')
    try {
      const rows: unknown[] = Array.from({ length: 50 }, (_, i) => ({ sku: `v${i}`, qty: i }))
      rows[41] = { sku: 'v41', qty: 'many' }
      const error = await batchInsert(db, ItemEntity, rows).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EntityValidationError)
      expect((error as EntityValidationError).issues.map((i) => i.path)).toEqual(['rows[41].qty'])
      expect(execute).not.toHaveBeenCalled()
      expect(transaction).not.toHaveBeenCalled()
    } finally {
      execute.mockRestore()
      transaction.mockRestore()
    }
    expect(await count('items')).toBe(0)
  })

  it('runs inside an outer transaction: its rollback removes the batch', async () => {
    await expect(
      db.transaction(async (tx) => {
        await batchInsert(tx, ItemEntity, [
          { sku: 'a', qty: 1 },
          { sku: 'b', qty: 2 },
        ])
        expect(Number((await tx.rawOne<{ n: bigint }>('SELECT count(*) AS n FROM items'))?.n)).toBe(
          2,
        )
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(await count('items')).toBe(0)
  })

  it('is a savepoint inside an outer transaction: a failed batch leaves the rest', async () => {
    await db.transaction(async (tx) => {
      await tx.raw(`INSERT INTO items (sku, qty) VALUES ('kept', 1)`)
      await expect(
        batchInsert(tx, ItemEntity, [
          { sku: 'new', qty: 1 },
          { sku: 'kept', qty: 2 },
        ]),
      ).rejects.toBeInstanceOf(UniqueViolationError)
      await tx.raw(`INSERT INTO items (sku, qty) VALUES ('after', 1)`)
    })
    const skus = await db.raw<{ sku: string }>('SELECT sku FROM items ORDER BY id')
    expect(skus.map((r) => r.sku)).toEqual(['kept', 'after'])
  })

  it('falls back to VALUES with DEFAULT, keeping input order', async () => {
    await db.raw(`INSERT INTO users (email, password_hash) VALUES ('owner@x.io', 'h')`)
    const rows = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? { userId: 1, name: `f${i}`, status: `s${i}` }
        : { userId: 1, name: `f${i}`, analysisResult: { score: i, notes: ['a'] } },
    )
    const entities = (await batchInsert(db, FunctionEntity, rows, {
      chunkSize: 7,
    })) as FunctionEntity[]
    expect(entities.map((e) => e.name)).toEqual(rows.map((r) => r.name))
    expect(entities.map((e) => e.status)).toEqual(
      rows.map((_, i) => (i % 3 === 0 ? `s${i}` : 'active')),
    )
    expect(entities[1]?.analysisResult).toEqual({ score: 1, notes: ['a'] })
    expect(entities[0]?.analysisResult).toBeNull()
  })
})

describe('batchInsert from a stream', () => {
  type Item = { sku: string; qty: unknown }
  const item = (i: number): Item => ({ sku: `s${i}`, qty: i })

  /** `n` items from an async generator (bad ones replaced), counting what was pulled. */
  function stream(n: number, bad: Record<number, Item> = {}) {
    const state = { pulled: 0, closed: false }
    async function* rows() {
      try {
        for (let i = 0; i < n; i++) {
          if (i % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve))
          state.pulled++
          yield bad[i] ?? item(i)
        }
      } finally {
        state.closed = true
      }
    }
    return { rows: rows(), state }
  }

  it('inserts 50,000 rows from an async generator, one chunk at a time', async () => {
    const { rows, state } = stream(50_000)
    const progress: { done: number; total: number }[] = []
    const pulledAtProgress: number[] = []
    const inserted = await batchInsert(db, ItemEntity, rows, {
      returning: false,
      onProgress: (p) => {
        progress.push(p)
        pulledAtProgress.push(state.pulled)
      },
    })
    expect(inserted).toBe(50_000)
    expect(await count('items')).toBe(50_000)
    expect(progress.map((p) => p.done)).toEqual(
      Array.from({ length: 10 }, (_, k) => (k + 1) * 5_000),
    )
    expect(progress.every((p) => Number.isNaN(p.total))).toBe(true)
    // Read as it is sent: when a chunk is reported written, every row of it was read, and at most
    // the next chunk besides (it is read while this one is written; the one after only once this
    // write is done). How far into the next chunk the reader got depends on timing: not checked.
    pulledAtProgress.forEach((pulled, k) => {
      const { done } = progress[k]!
      expect(pulled).toBeGreaterThanOrEqual(done)
      expect(pulled).toBeLessThanOrEqual(Math.min(50_000, done + 5_000))
      if (k > 0) expect(pulled).toBeGreaterThanOrEqual(pulledAtProgress[k - 1]!)
    })
    expect(state.pulled).toBe(50_000)
    expect(state.closed).toBe(true)
    const last = await db.rawOne<{ id: number; qty: number }>(
      `SELECT id, qty FROM items WHERE sku = 's49999'`,
    )
    expect(last).toEqual({ id: 50_000, qty: 49_999 })
  })

  it('returns the entities of a generator in input order', async () => {
    const order = scrambled(12_000)
    function* rows() {
      for (const k of order) yield { sku: `g${k}`, qty: k }
    }
    const entities = (await batchInsert(db, ItemEntity, rows(), {
      chunkSize: 5_000,
    })) as ItemEntity[]
    expect(entities.map((e) => e.qty)).toEqual(order)
    expect(entities.every((e, i) => e instanceof ItemEntity && e.id === i + 1)).toBe(true)
  })

  it('rolls everything back at a bad row late in the stream, naming every bad row', async () => {
    const { rows, state } = stream(50_000, {
      46001: { sku: 'bad', qty: 'many' },
      49999: { sku: 'worse', qty: null },
    })
    const progress: number[] = []
    const error = await batchInsert(db, ItemEntity, rows, {
      returning: false,
      onProgress: ({ done }) => progress.push(done),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EntityValidationError)
    expect((error as EntityValidationError).issues.map((i) => i.path)).toEqual([
      'rows[46001].qty',
      'rows[49999].qty',
    ])
    // 40,000 rows were reported written before the bad chunk was read (the 45,000th was being
    // written by COPY while it was read, and not reported); all were rolled back.
    expect(progress.at(-1)).toBe(40_000)
    expect(await count('items')).toBe(0)
    // The rest of the stream was still read, to report every bad row.
    expect(state.pulled).toBe(50_000)
  })

  it('rolls back only its savepoint inside a transaction', async () => {
    const { rows } = stream(12_000, { 11000: { sku: 'bad', qty: -1.5 } })
    await db.transaction(async (tx) => {
      await tx.raw(`INSERT INTO items (sku, qty) VALUES ('kept', 1)`)
      await expect(batchInsert(tx, ItemEntity, rows, { returning: false })).rejects.toBeInstanceOf(
        EntityValidationError,
      )
      await tx.raw(`INSERT INTO items (sku, qty) VALUES ('after', 1)`)
    })
    const skus = await db.raw<{ sku: string }>('SELECT sku FROM items ORDER BY id')
    expect(skus.map((r) => r.sku)).toEqual(['kept', 'after'])
  })

  it('stops reading and closes the stream when a statement fails', async () => {
    const { rows, state } = stream(50_000, { 7000: item(3) })
    // The INSERT path (COPY's below): each chunk's statement is answered before the next is sent.
    const error = await batchInsert(db, ItemEntity, rows).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UniqueViolationError)
    // The failing second chunk, and the third read while it ran; no more.
    expect(state.pulled).toBe(15_000)
    expect(state.closed).toBe(true)
    expect(await count('items')).toBe(0)
  })
})

describe('value round trips', () => {
  const tricky = [
    'he said "hi", {ok}',
    'back\\slash \\" \\\\',
    'NULL',
    'null',
    '',
    ' spaced ',
    '{}',
    ',',
    '"',
    '\\',
    "it's",
    'line\nbreak\ttab\r',
    'unicode ✓ 日本語 🎉 é',
    '{"a":1}',
  ]

  const base = {
    int: 1,
    small: -32768,
    big: 2n ** 63n - 1n,
    bigAsNumber: Number.MAX_SAFE_INTEGER,
    price: '12345678.90',
    ratio: 0.5,
    score: 0.1,
    ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    at: new Date('2024-02-29T23:59:59.123Z'),
    atTz: new Date('1999-12-31T23:00:00.001Z'),
    day: '2024-02-29',
    ip: '::1',
    role: 'developer' as const,
    code: 'ü✓日',
    timestamp: new Date('1970-01-01T00:00:00.000Z'),
  }

  const rows = [
    ...tricky.map((body, i) => ({
      ...base,
      int: i,
      body,
      s3Key: body,
      tags: [body, 'x', ''],
      data: { text: body, nested: [body, null, true, 1.5] },
    })),
    {
      int: 100,
      flag: true,
      big: -(2n ** 63n),
      price: '-0.01',
      data: 'NULL',
      tags: [],
      counts: [1, -2, 2_147_483_647],
      ip: '10.0.0.0/8',
    },
    { int: 101, flag: false, data: [1, 'a', null], counts: [], price: '0', score: 1e-300 },
    { int: 102, data: true, body: null, tags: null, ref: null, at: null },
    { int: 103, data: 42, ip: '192.168.0.1' },
    { int: 104, data: { quote: '"', backslash: '\\', brace: '}', comma: ',' } },
  ]

  const expected = (row: (typeof rows)[number]) => {
    const out: Record<string, unknown> = { ...row }
    if (typeof out.ref === 'string') out.ref = (out.ref as string).toLowerCase()
    if (out.price === '0') out.price = '0.00'
    if (out.flag === undefined) out.flag = false
    return out
  }

  const check = (entities: EveryKindEntity[]) => {
    expect(entities).toHaveLength(rows.length)
    entities.forEach((entity, i) => {
      expect(entity).toMatchObject(expected(rows[i]!))
    })
  }

  it('round-trips every kind through the unnest form', async () => {
    // Every row gives `flag` or every row omits it per chunk: one chunk per statement shape.
    const same = rows.map((r) => ({ flag: false, ...r }))
    const options = { returning: true, chunkSize: 5_000 }
    const [form] = insertStatements(everyKind, parseRows(everyKind, same), 0, same.length, options)
    expect(form?.sql).toContain('from unnest(')
    const returned = (await batchInsert(db, EveryKindEntity, same)) as EveryKindEntity[]
    check(returned)
    // What is stored reads back the same.
    const stored = (await db.raw('SELECT * FROM every_kind ORDER BY id')).map((r) =>
      EveryKindEntity.fromMap(r),
    )
    check(stored)
    expect(stored[2]?.body).toBe('NULL')
    expect(stored[rows.length - 3]?.body).toBeNull()
    expect(stored[rows.length - 5]?.data).toBe('NULL')
  })

  it('round-trips every kind through the VALUES fallback', async () => {
    // `flag` has a default and only some rows give it: DEFAULT cells, VALUES form.
    const options = { returning: true, chunkSize: 5_000 }
    const [form] = insertStatements(everyKind, parseRows(everyKind, rows), 0, rows.length, options)
    expect(form?.sql).toMatch(/ values \(.*default/)
    const returned = (await batchInsert(db, EveryKindEntity, rows)) as EveryKindEntity[]
    check(returned)
    const stored = (await db.raw('SELECT * FROM every_kind ORDER BY id')).map((r) =>
      EveryKindEntity.fromMap(r),
    )
    check(stored)
  })

  it('reads a timestamp as its UTC wall clock whatever the session time zone', async () => {
    const other = await Database.connect({
      url: test.url,
      tables,
      max: 1,
      timezone: 'America/New_York',
    })
    try {
      const at = new Date('2024-06-01T12:00:00.000Z')
      await batchInsert(other, EveryKindEntity, [{ int: 1, at, atTz: at }])
      const row = await db.rawOne<{ at: Date; at_tz: Date }>('SELECT at, at_tz FROM every_kind')
      expect(row?.at).toEqual(at)
      expect(row?.at_tz).toEqual(at)
    } finally {
      await other.close()
    }
  })
})

describe('upsert', () => {
  // Backdates a row; the touch trigger would overwrite updated_at, so it is off meanwhile.
  const setOld = (email: string) =>
    db.transaction(async (tx) => {
      await tx.raw('ALTER TABLE users DISABLE TRIGGER users_updated_at_touch')
      await tx.raw(
        `UPDATE users SET updated_at = '2000-01-01', created_at = '2000-01-01' WHERE email = @email`,
        { email },
      )
      await tx.raw('ALTER TABLE users ENABLE TRIGGER users_updated_at_touch')
    })

  it('inserts, then updates the existing row', async () => {
    const first = (await upsert(
      db,
      UserEntity,
      { email: 'a@x.io', passwordHash: 'h1' },
      { conflictColumns: ['email'] },
    )) as UserEntity
    expect(first).toBeInstanceOf(UserEntity)
    expect(first.passwordHash).toBe('h1')
    await setOld('a@x.io')
    const second = (await upsert(
      db,
      UserEntity,
      { email: 'a@x.io', passwordHash: 'h2' },
      { conflictColumns: ['email'] },
    )) as UserEntity
    expect(second.id).toBe(first.id)
    expect(second.uuid).toBe(first.uuid)
    expect(second.passwordHash).toBe('h2')
    expect(second.updatedAt!.getTime()).toBeGreaterThan(new Date('2001-01-01').getTime())
    // Not listed by default: created_at is not given, so it keeps its value.
    expect(second.createdAt).toEqual(new Date('2000-01-01T00:00:00Z'))
    expect(await count('users')).toBe(1)
  })

  it('overwrites only the listed properties', async () => {
    await upsert(
      db,
      UserEntity,
      { email: 'b@x.io', passwordHash: 'h1' },
      { conflictColumns: ['email'] },
    )
    const row = (await upsert(
      db,
      UserEntity,
      { email: 'b@x.io', passwordHash: 'h2', createdAt: new Date('2010-01-01T00:00:00Z') },
      { conflictColumns: ['email'], update: ['createdAt'] },
    )) as UserEntity
    expect(row.passwordHash).toBe('h1')
    expect(row.createdAt).toEqual(new Date('2010-01-01T00:00:00Z'))
  })

  it('with update: [] returns the existing row unchanged (no UPDATE, no trigger)', async () => {
    await upsert(
      db,
      UserEntity,
      { email: 'c@x.io', passwordHash: 'h1' },
      { conflictColumns: ['email'] },
    )
    await setOld('c@x.io')
    const before = await db.raw('SELECT xmin::text AS x, * FROM users')
    const kept = (await upsert(
      db,
      UserEntity,
      { email: 'c@x.io', passwordHash: 'h2' },
      { conflictColumns: ['email'], update: [] },
    )) as UserEntity
    expect(kept.passwordHash).toBe('h1')
    expect(kept.updatedAt).toEqual(new Date('2000-01-01T00:00:00Z'))
    // The very same row version: nothing was written.
    expect(await db.raw('SELECT xmin::text AS x, * FROM users')).toEqual(before)
    // And a new key is inserted and returned.
    const fresh = (await upsert(
      db,
      UserEntity,
      { email: 'd@x.io', passwordHash: 'h3' },
      { conflictColumns: ['email'], update: [] },
    )) as UserEntity
    expect(fresh.email).toBe('d@x.io')
    expect(fresh.id).toBeGreaterThan(kept.id)
  })

  it('upsertMany mixes new and existing keys, in input order', async () => {
    const existing = Array.from({ length: 1_000 }, (_, i) => ({
      email: `e${i * 2}@x.io`,
      passwordHash: 'old',
    }))
    const before = (await batchInsert(db, UserEntity, existing)) as UserEntity[]
    const idOf = new Map(before.map((u) => [u.email, u.id]))
    const order = scrambled(2_000)
    const rows = order.map((k) => ({
      email: `e${k}@x.io`,
      passwordHash: `new${k}`,
      ...(k % 5 === 0 ? { createdAt: new Date('2011-01-01T00:00:00Z') } : {}),
    }))
    const progress: number[] = []
    const result = (await upsertMany(db, UserEntity, rows, {
      conflictColumns: ['email'],
      chunkSize: 300,
      onProgress: ({ done }) => progress.push(done),
    })) as UserEntity[]
    expect(result.map((u) => u.email)).toEqual(rows.map((r) => r.email))
    expect(result.every((u, i) => u.passwordHash === `new${order[i]}`)).toBe(true)
    result.forEach((u) => {
      const id = idOf.get(u.email)
      if (id !== undefined) expect(u.id).toBe(id)
    })
    expect(progress.at(-1)).toBe(2_000)
    expect(progress).toHaveLength(7)
    expect(await count('users')).toBe(2_000)
  })

  it('upsertMany with update: [] keeps existing rows and inserts new ones, in input order', async () => {
    await batchInsert(db, UserEntity, [
      { email: 'k1@x.io', passwordHash: 'old' },
      { email: 'k3@x.io', passwordHash: 'old' },
    ])
    const rows = ['k3', 'k2', 'k1', 'k4'].map((k) => ({ email: `${k}@x.io`, passwordHash: 'new' }))
    const result = (await upsertMany(db, UserEntity, rows, {
      conflictColumns: ['email'],
      update: [],
    })) as UserEntity[]
    expect(result.map((u) => [u.email, u.passwordHash])).toEqual([
      ['k3@x.io', 'old'],
      ['k2@x.io', 'new'],
      ['k1@x.io', 'old'],
      ['k4@x.io', 'new'],
    ])
  })

  it('uses composite conflict columns and updates only the listed property', async () => {
    await db.raw(
      `INSERT INTO users (email, password_hash) VALUES ('o1@x.io', 'h'), ('o2@x.io', 'h')`,
    )
    await batchInsert(db, FunctionEntity, [
      { userId: 1, name: 'api', status: 'active', analysisResult: { score: 1, notes: [] } },
      { userId: 2, name: 'api', status: 'active' },
    ])
    const result = (await upsertMany(
      db,
      FunctionEntity,
      [
        { userId: 2, name: 'web', status: 'new' },
        { userId: 1, name: 'api', status: 'paused', analysisResult: { score: 9, notes: ['x'] } },
      ],
      { conflictColumns: ['name', 'userId'], update: ['status'] },
    )) as FunctionEntity[]
    expect(result.map((f) => [f.userId, f.name, f.status])).toEqual([
      [2, 'web', 'new'],
      [1, 'api', 'paused'],
    ])
    expect(result[1]?.analysisResult).toEqual({ score: 1, notes: [] })
    expect(await count('functions')).toBe(3)
  })

  it('refuses two rows with one key before sending, and rolls back on a database error', async () => {
    await expect(
      upsertMany(
        db,
        UserEntity,
        [
          { email: 'z@x.io', passwordHash: 'a' },
          { email: 'y@x.io', passwordHash: 'b' },
          { email: 'z@x.io', passwordHash: 'c' },
        ],
        { conflictColumns: ['email'] },
      ),
    ).rejects.toThrow(InvalidQueryError)
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
    await expect(
      upsertMany(
        db,
        UserEntity,
        [
          { email: 'w1@x.io', passwordHash: 'a', uuid },
          { email: 'w2@x.io', passwordHash: 'b', uuid },
        ],
        { conflictColumns: ['email'], chunkSize: 1 },
      ),
    ).rejects.toBeInstanceOf(UniqueViolationError)
    expect(await count('users')).toBe(0)
  })
})
