// batchInsert with returning: false sends its rows by COPY ... FROM STDIN (text format) on a
// Database.connect pool: what is stored, what is refused, and what is rolled back.
import { Kysely, PostgresDialect } from 'kysely'
import { Pool } from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  containerpubTables,
  FunctionEntity,
  FunctionInvocationEntity,
  UserEntity,
} from '../../src/containerpub/index'
import {
  CheckViolationError,
  c,
  Database,
  defineTable,
  Entity,
  EntityValidationError,
  ForeignKeyViolationError,
  generateDDL,
  type QueryEvent,
  UniqueViolationError,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

const items = defineTable('copy_items', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  sku: c.varchar(40).notNull().unique(),
  qty: c.integer().notNull(),
  note: c.text(),
  createdAt: c.timestamptz().defaultNow(),
})

// Every column kind but citext (an extension) and the serials, which are the keys.
const kinds = defineTable('copy_kinds', {
  id: c.bigserial().primaryKey(),
  n: c.integer().notNull(),
  small: c.smallint(),
  big: c.bigint(),
  bigAsNumber: c.bigint({ mode: 'number' }),
  price: c.numeric(12, 3),
  ratio: c.real(),
  score: c.doublePrecision(),
  flag: c.boolean(),
  body: c.text(),
  code: c.varchar(10),
  role: c.varchar(20).enum(['developer', 'team']),
  ref: c.uuid(),
  at: c.timestamp(),
  atTz: c.timestamptz(),
  day: c.date(),
  data: c.jsonb(),
  ip: c.inet(),
  bytes: c.bytea(),
  tags: c.textArray(),
  counts: c.integerArray(),
})

class ItemEntity extends Entity.of(items) {}
class KindEntity extends Entity.of(kinds) {}

const tables = { items, kinds }
let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
const events: QueryEvent[] = []

beforeAll(async () => {
  test = await testDatabase('copy')
  db = await Database.connect({ url: test.url, tables, max: 3 })
  await db.executeScript(generateDDL(Object.values(tables)))
  await db.executeScript('ALTER TABLE copy_items ADD CONSTRAINT qty_small CHECK (qty < 1000000)')
  db.on('query', (event) => events.push(event))
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

beforeEach(async () => {
  await db.raw('TRUNCATE copy_items, copy_kinds RESTART IDENTITY')
  events.length = 0
})

const count = async (table: string) =>
  Number((await db.rawOne<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))?.n)
const texts = () => events.map((e) => e.text)
const item = (i: number) => ({ sku: `s${i}`, qty: i })
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error,
  )

describe('batchInsert by COPY', () => {
  it('sends returning: false rows with one COPY, and returning: true rows with INSERT', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => item(i))
    expect(await db.manager(ItemEntity).batchInsert(rows, { returning: false })).toBe(12_000)
    expect(texts()).toContain('copy "copy_items" ("sku", "qty") from stdin')
    expect(texts().some((t) => t.startsWith('insert'))).toBe(false)
    const copy = events.find((e) => e.operation === 'COPY')
    expect(copy?.rowCount).toBe(12_000)
    expect(copy?.inTransaction).toBe(true)
    // Server defaults applied: serial ids in input order, uuids, timestamps.
    const last = await db.rawOne<{ id: number; uuid: string; created_at: Date }>(
      `SELECT id, uuid, created_at FROM copy_items WHERE sku = 's11999'`,
    )
    expect(last?.id).toBe(12_000)
    expect(last?.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(last?.created_at).toBeInstanceOf(Date)

    events.length = 0
    await db.manager(ItemEntity).batchInsert([item(-1)], { returning: true })
    expect(texts().some((t) => t.startsWith('copy'))).toBe(false)
    expect(texts().some((t) => t.startsWith('insert into "copy_items"'))).toBe(true)
  })

  it('decides per chunk: a new COPY when the columns change, INSERT where defaults mix', async () => {
    const at = new Date('2024-01-02T03:04:05.678Z')
    const rows = [
      ...Array.from({ length: 4 }, (_, i) => item(i)),
      // createdAt given by some rows of the chunk and not others: DEFAULT per cell, VALUES form.
      { ...item(4), createdAt: at },
      item(5),
      { ...item(6), createdAt: at },
      { ...item(7), createdAt: at },
    ]
    const n = await db.manager(ItemEntity).batchInsert(rows, { returning: false, chunkSize: 2 })
    expect(n).toBe(8)
    expect(texts().filter((t) => /^(copy|insert)/.test(t))).toEqual([
      'copy "copy_items" ("sku", "qty") from stdin',
      expect.stringMatching(/^insert into "copy_items" \("sku", "qty", "created_at"\) values /),
      'copy "copy_items" ("sku", "qty", "created_at") from stdin',
    ])
    const stored = await db.raw<{ sku: string; created_at: Date }>(
      'SELECT sku, created_at FROM copy_items ORDER BY id',
    )
    expect(stored.map((r) => r.sku)).toEqual(rows.map((r) => r.sku))
    expect(stored[4]?.created_at).toEqual(at)
    expect(stored[5]?.created_at).not.toEqual(at)
    expect(stored[7]?.created_at).toEqual(at)
  })

  it('keeps the INSERT path on Database.fromKysely (no COPY through another dialect)', async () => {
    const kysely = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new Pool({ connectionString: test.url, max: 2 }) }),
    })
    const other = Database.fromKysely(kysely, { tables })
    try {
      expect(
        await other.manager(ItemEntity).batchInsert([item(1), item(2)], { returning: false }),
      ).toBe(2)
      expect(await count('copy_items')).toBe(2)
    } finally {
      await kysely.destroy()
    }
  })
})

describe('values through COPY', () => {
  const nasty = [
    'back\\slash',
    'tab\there',
    'new\nline',
    'carriage\rreturn',
    'crlf\r\n',
    '\\N',
    '\\.',
    '\\\\N',
    '',
    'NULL',
    ' ',
    'unicode ✓ 日本語 é',
    'emoji 🎉👩‍💻',
    '"quoted", {braced}',
    "it's",
    '\u0001\u0007\b\f\v',
  ]

  const rows = [
    ...nasty.map((body, i) => ({
      n: i,
      body,
      code: body.slice(0, 10),
      tags: [body, '', 'NULL', 'a,b', '{x}', '"'],
      data: { text: body, [body]: [body, null, true, 1.5], nested: { quote: '"', back: '\\' } },
    })),
    {
      n: 100,
      small: -32768,
      big: 2n ** 63n - 1n,
      bigAsNumber: Number.MAX_SAFE_INTEGER,
      price: '-123456789.125',
      ratio: -0,
      score: 1e-300,
      flag: true,
      role: 'developer' as const,
      ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      at: new Date('2024-02-29T23:59:59.123Z'),
      atTz: new Date('0001-01-01T00:00:00.000Z'),
      day: '2024-02-29',
      data: 'a string',
      ip: '10.0.0.0/8',
      bytes: Uint8Array.of(0, 1, 0x5c, 0x09, 0x0a, 0x0d, 0xff),
      tags: [],
      counts: [1, -2, 2_147_483_647],
    },
    {
      n: 101,
      big: -(2n ** 63n),
      flag: false,
      data: [1, 'two', null, { '\\': '\t' }],
      ip: '::1',
      bytes: new Uint8Array(0),
      counts: [],
      price: '0',
    },
    { n: 102, data: null, body: null, tags: null, bytes: null, at: null, role: null },
    { n: 103, data: 42 },
    { n: 104, data: true },
  ]

  const select = 'SELECT * FROM copy_kinds ORDER BY n'

  it('stores every kind as the INSERT path does, nasty strings included', async () => {
    const kindsManager = db.manager(KindEntity)
    // The INSERT path (returning: true) is the reference.
    await kindsManager.batchInsert(rows, { returning: true })
    const byInsert = (await db.raw(select)).map((r) => KindEntity.fromMap(r).toMap())
    await db.raw('TRUNCATE copy_kinds RESTART IDENTITY')
    events.length = 0
    expect(await kindsManager.batchInsert(rows, { returning: false })).toBe(rows.length)
    expect(events.some((e) => e.operation === 'COPY')).toBe(true)
    const byCopy = (await db.raw(select)).map((r) => KindEntity.fromMap(r).toMap())
    expect(byCopy).toEqual(byInsert)
    // And as given.
    const stored = (await db.raw(select)).map((r) => KindEntity.fromMap(r))
    nasty.forEach((body, i) => {
      expect(stored[i]?.body).toBe(body)
      expect(stored[i]?.tags).toEqual([body, '', 'NULL', 'a,b', '{x}', '"'])
      expect(stored[i]?.data).toEqual(rows[i]!.data)
    })
    const full = stored[nasty.length]!
    expect(full.big).toBe(2n ** 63n - 1n)
    expect(full.price).toBe('-123456789.125')
    expect(Object.is(full.ratio, -0)).toBe(true)
    expect(full.ref).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
    expect(full.at).toEqual(new Date('2024-02-29T23:59:59.123Z'))
    expect(full.atTz).toEqual(new Date('0001-01-01T00:00:00.000Z'))
    expect(Buffer.from(full.bytes!)).toEqual(Buffer.from([0, 1, 0x5c, 0x09, 0x0a, 0x0d, 0xff]))
    expect(full.counts).toEqual([1, -2, 2_147_483_647])
    expect(stored[nasty.length + 1]?.data).toEqual([1, 'two', null, { '\\': '\t' }])
    expect(stored[nasty.length + 1]?.bytes?.byteLength).toBe(0)
    // Empty string and NULL stay apart; '\N' as text is text.
    expect(stored[nasty.indexOf('')]?.body).toBe('')
    expect(stored[nasty.indexOf('\\N')]?.body).toBe('\\N')
    expect(stored[nasty.length + 2]?.body).toBeNull()
    expect(stored[nasty.length + 2]?.data).toBeNull()
  })

  it.each([
    ['a NUL in text', { n: 1, body: 'a\u0000b' }, 'rows[2].body'],
    ['a lone surrogate in text', { n: 1, body: 'a\uD800b' }, 'rows[2].body'],
    ['a NUL in jsonb', { n: 1, data: { k: 'a\u0000' } }, 'rows[2].data'],
    ['a lone surrogate in a jsonb key', { n: 1, data: { '\uDC00': 1 } }, 'rows[2].data'],
    ['a NUL in a text array', { n: 1, tags: ['ok', '\u0000'] }, 'rows[2].tags.1'],
    ['a lone surrogate in a text array', { n: 1, tags: ['\uD83D'] }, 'rows[2].tags.0'],
  ])('refuses %s with the typed error, naming the row, writing nothing', async (_, bad, path) => {
    const error = await failure(
      db.manager(KindEntity).batchInsert([{ n: 0 }, { n: 1 }, bad, { n: 3 }], { returning: false }),
    )
    expect(error).toBeInstanceOf(EntityValidationError)
    expect((error as EntityValidationError).issues.map((i) => i.path)).toEqual([path])
    expect((error as Error).message).not.toContain('\u0000')
    expect(await count('copy_kinds')).toBe(0)
    expect(events.some((e) => e.operation === 'COPY')).toBe(false)
  })
})

describe('atomicity of a COPY', () => {
  it('writes nothing when a row in the middle fails validation, naming every bad row', async () => {
    const rows: unknown[] = Array.from({ length: 20_000 }, (_, i) => item(i))
    rows[12_345] = { sku: 'bad', qty: 'many' }
    rows[19_999] = { sku: 'worse' }
    const error = await failure(
      db.manager(ItemEntity).batchInsert(rows as never[], { returning: false }),
    )
    expect(error).toBeInstanceOf(EntityValidationError)
    expect((error as EntityValidationError).issues.map((i) => i.path)).toEqual([
      'rows[12345].qty',
      'rows[19999].qty',
    ])
    // The COPY had begun (the first chunks were sent) and was aborted.
    const copy = events.find((e) => e.operation === 'COPY')
    expect(copy?.outcome).toBe('error')
    expect(await count('copy_items')).toBe(0)
    // The connection is fine afterwards.
    expect(await db.manager(ItemEntity).batchInsert([item(1)], { returning: false })).toBe(1)
  })

  it.each([
    [
      'unique',
      (rows: { sku: string; qty: number }[]) => rows.push(item(9_000)),
      UniqueViolationError,
    ],
    [
      'check',
      (rows: { sku: string; qty: number }[]) =>
        rows.splice(7_000, 0, { sku: 'big', qty: 5_000_000 }),
      CheckViolationError,
    ],
  ] as const)('writes nothing on a %s violation, with the typed error', async (_, spoil, type) => {
    const rows = Array.from({ length: 15_000 }, (_, i) => item(i))
    spoil(rows)
    const error = await failure(db.manager(ItemEntity).batchInsert(rows, { returning: false }))
    expect(error).toBeInstanceOf(type)
    if (error instanceof UniqueViolationError) expect(error.columns).toEqual(['sku'])
    expect(await count('copy_items')).toBe(0)
    expect(await db.manager(ItemEntity).batchInsert([item(1)], { returning: false })).toBe(1)
  })

  it('is rolled back with the caller transaction, and is a savepoint inside it', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.raw(`INSERT INTO copy_items (sku, qty) VALUES ('kept', 1)`)
        const bad = [...Array.from({ length: 6_000 }, (_, i) => item(i)), item(10)]
        await expect(
          tx.manager(ItemEntity).batchInsert(bad, { returning: false }),
        ).rejects.toBeInstanceOf(UniqueViolationError)
        // Only the savepoint was rolled back.
        expect(
          await tx.manager(ItemEntity).batchInsert([item(1), item(2)], { returning: false }),
        ).toBe(2)
        expect(
          Number((await tx.rawOne<{ n: bigint }>('SELECT count(*) AS n FROM copy_items'))?.n),
        ).toBe(3)
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    const copies = events.filter((e) => e.operation === 'COPY')
    expect(copies).toHaveLength(2)
    expect(copies.every((e) => e.inTransaction)).toBe(true)
    expect(await count('copy_items')).toBe(0)
  })
})

describe('COPY from a stream', () => {
  it('streams an async generator, reporting each chunk as it is written', async () => {
    const state = { pulled: 0 }
    async function* rows() {
      for (let i = 0; i < 23_000; i++) {
        if (i % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve))
        state.pulled++
        yield item(i)
      }
    }
    const progress: { done: number; total: number }[] = []
    const pulled: number[] = []
    const n = await db.manager(ItemEntity).batchInsert(rows(), {
      returning: false,
      chunkSize: 4_000,
      onProgress: (p) => {
        progress.push(p)
        pulled.push(state.pulled)
      },
    })
    expect(n).toBe(23_000)
    expect(progress.map((p) => p.done)).toEqual([4_000, 8_000, 12_000, 16_000, 20_000, 23_000])
    expect(progress.every((p) => Number.isNaN(p.total))).toBe(true)
    // A chunk is reported once written; the reader is at most one chunk ahead.
    progress.forEach(({ done }, k) => {
      expect(pulled[k]).toBeGreaterThanOrEqual(done)
      expect(pulled[k]).toBeLessThanOrEqual(Math.min(23_000, done + 4_000))
    })
    expect(texts().filter((t) => t.startsWith('copy'))).toHaveLength(1)
    expect(await count('copy_items')).toBe(23_000)
  })

  it('closes the stream and writes nothing when the server refuses a row', async () => {
    const state = { closed: false }
    async function* rows() {
      try {
        for (let i = 0; i < 30_000; i++) yield i === 20_000 ? item(3) : item(i)
      } finally {
        state.closed = true
      }
    }
    const error = await failure(db.manager(ItemEntity).batchInsert(rows(), { returning: false }))
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(state.closed).toBe(true)
    expect(await count('copy_items')).toBe(0)
  })
})

describe('ContainerPub function_invocations by COPY', () => {
  it('inserts invocations with their defaults, refusing an unknown function', async () => {
    const cp = await Database.connect({ url: test.url, tables: containerpubTables, max: 2 })
    try {
      await cp.executeScript(generateDDL(Object.values(containerpubTables)))
      const copies: string[] = []
      cp.on('query', (e) => e.operation === 'COPY' && copies.push(e.text))
      const user = await cp.manager(UserEntity).insert({ email: 'a@x.io', passwordHash: 'h' })
      const fn = await cp.manager(FunctionEntity).insert({ userId: user.id, name: 'f' })
      const at = new Date('2024-05-06T07:08:09.010Z')
      const rows = Array.from({ length: 25_000 }, (_, i) => ({
        functionId: fn.id,
        status: i % 10 === 0 ? 'error' : 'success',
        durationMs: i % 7 === 0 ? null : i,
        error: i % 10 === 0 ? `line 1\n\tline 2 \\ ${i}` : null,
        timestamp: at,
      }))
      const invocations = cp.manager(FunctionInvocationEntity)
      expect(await invocations.batchInsert(rows, { returning: false })).toBe(25_000)
      expect(copies).toEqual([
        'copy "function_invocations" ("function_id", "status", "duration_ms", "error", "timestamp") from stdin',
      ])
      const stored = await cp.raw<{
        uuid: string
        duration_ms: number | null
        error: string | null
        timestamp: Date
      }>('SELECT uuid, duration_ms, error, timestamp FROM function_invocations ORDER BY id')
      expect(stored).toHaveLength(25_000)
      expect(new Set(stored.map((r) => r.uuid)).size).toBe(25_000)
      expect(stored[10]?.error).toBe('line 1\n\tline 2 \\ 10')
      expect(stored[7]?.duration_ms).toBeNull()
      expect(stored[8]?.duration_ms).toBe(8)
      expect(stored[24_999]?.timestamp).toEqual(at)
      // The foreign key: a row of a function that does not exist rolls the batch back.
      const error = await failure(
        invocations.batchInsert([...rows.slice(0, 9_000), { ...rows[0]!, functionId: fn.id + 1 }], {
          returning: false,
        }),
      )
      expect(error).toBeInstanceOf(ForeignKeyViolationError)
      expect(
        Number(
          (await cp.rawOne<{ n: bigint }>('SELECT count(*) AS n FROM function_invocations'))?.n,
        ),
      ).toBe(25_000)
    } finally {
      await cp.close()
    }
  })
})
