import type { CompiledQuery } from 'kysely'
import { describe, expect, it } from 'vitest'
import { c, Database, defineTable, Entity, EntityManager, InvalidQueryError } from '../../src/index'
import { LookupCoalescer } from '../../src/query/lookup-coalescer'
import { tableStatements } from '../../src/query/table-statements'
import { whereText } from '../../src/query/where-compiler'
import { captureExecutor, dummyKysely } from '../setup/capture-executor'

// The statements of point lookups (exact SQL), and the grouping and scheduling of the coalescer
// over an injected send function. What PostgreSQL answers is in
// test/integration/lookup-coalescing.test.ts.

const accounts = defineTable(
  'accounts',
  {
    id: c.bigserial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    email: c.citext().notNull().unique(),
    handle: c.varchar(40).notNull(),
    region: c.text().notNull(),
    seenAt: c.timestamptz().unique(),
    joined: c.timestamptz(),
    deletedAt: c.timestamptz(),
  },
  { softDelete: 'deletedAt', uniques: [['handle'], ['region', 'email']] },
)
const days = defineTable('days', { day: c.date().primaryKey(), note: c.text() })
const COLUMNS = '"id", "uuid", "email", "handle", "region", "seen_at", "joined", "deleted_at"'
const SELECT = `select ${COLUMNS} from "accounts"`
const col = (property: string) => accounts.$meta.byProperty.get(property)!
const UUID_A = '5f0c6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a'
const UUID_B = '0b5f6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3b'

describe('the statements of point lookups', () => {
  const s = tableStatements(accounts)

  it('has one and many texts for the primary key, the public id and single-column uniques', () => {
    expect(s.lookupOf(col('id'), false)).toEqual({
      column: col('id'),
      one: `${SELECT} where "id" = $1 and "deleted_at" is null`,
      many: `${SELECT} where "id" = any($1) and "deleted_at" is null`,
    })
    expect(s.lookupOf(col('id'), true)).toEqual({
      column: col('id'),
      one: `${SELECT} where "id" = $1`,
      many: `${SELECT} where "id" = any($1)`,
    })
    expect(s.lookupOf(col('uuid'), false)?.many).toBe(
      `${SELECT} where "uuid" = any($1) and "deleted_at" is null`,
    )
    expect(s.lookupOf(col('email'), true)?.many).toBe(`${SELECT} where "email" = any($1)`)
    // A one-column entry of `uniques` is a key too.
    expect(s.lookupOf(col('handle'), false)?.one).toBe(
      `${SELECT} where "handle" = $1 and "deleted_at" is null`,
    )
  })

  it('sends a lone key exactly as the by-id and by-uuid finders always did', () => {
    expect(s.lookupOf(col('id'), false)?.one).toBe(s.selectById)
    expect(s.lookupOf(col('id'), true)?.one).toBe(s.selectByIdWithDeleted)
    expect(s.lookupOf(col('uuid'), false)?.one).toBe(s.selectByPublicId)
    expect(s.lookupOf(col('uuid'), true)?.one).toBe(s.selectByPublicIdWithDeleted)
  })

  it('is computed once per table: the same objects on every call', () => {
    expect(s.lookupOf(col('uuid'), false)).toBe(s.lookupOf(col('uuid'), false))
    expect(s.lookupOfWhere(whereText(accounts, { uuid: UUID_A }), false)).toBe(
      s.lookupOf(col('uuid'), false),
    )
  })

  it('has none for a column that is not a key alone, or whose values do not compare as text', () => {
    expect(s.lookupOf(col('region'), false)).toBeUndefined() // only in a two-column unique
    expect(s.lookupOf(col('joined'), false)).toBeUndefined() // no key
    expect(s.lookupOf(col('seenAt'), false)).toBeUndefined() // unique, but a timestamp
    expect(tableStatements(days).lookupOf(days.$meta.primaryKey[0]!, false)).toBeUndefined()
  })

  it('recognises one equality on a key in a where input, and nothing else', () => {
    const of = (where: unknown, withDeleted = false) =>
      s.lookupOfWhere(whereText(accounts, where), withDeleted)
    expect(of({ email: 'a@x.io' })).toBe(s.lookupOf(col('email'), false))
    expect(of({ email: { eq: 'a@x.io' } })).toBe(s.lookupOf(col('email'), false))
    expect(of({ id: 7 }, true)).toBe(s.lookupOf(col('id'), true))
    expect(of({ email: ['a@x.io', 'b@x.io'] })).toBeUndefined()
    expect(of({ email: null })).toBeUndefined()
    expect(of({ email: { ne: 'a@x.io' } })).toBeUndefined()
    expect(of({ email: 'a@x.io', id: 7 })).toBeUndefined()
    expect(of({ or: [{ email: 'a@x.io' }, { id: 7 }] })).toBeUndefined()
    expect(of({ region: 'eu' })).toBeUndefined()
    expect(of({})).toBeUndefined()
  })
})

// A send function of the test's own: records each statement, answers from `rows`.
function fakeSend(rows: Record<string, unknown>[], fail?: (query: CompiledQuery) => unknown) {
  const sent: { sql: string; parameters: readonly unknown[] }[] = []
  const send = async (query: CompiledQuery) => {
    sent.push({ sql: query.sql, parameters: query.parameters })
    const error = fail?.(query)
    if (error !== undefined) throw error
    const [value] = query.parameters
    const keys = Array.isArray(value) ? value.map(String) : [String(value)]
    return { rows: rows.filter((r) => keys.includes(String(r.id))) }
  }
  return { sent, send }
}

describe('LookupCoalescer', () => {
  const byId = tableStatements(accounts).lookupOf(col('id'), false)!
  const byUuid = tableStatements(accounts).lookupOf(col('uuid'), false)!
  const row = (id: number, extra: Record<string, unknown> = {}) => ({ id: String(id), ...extra })

  it('sends the calls of one tick as one statement with the distinct keys, in call order', async () => {
    const { sent, send } = fakeSend([row(1), row(2), row(3)])
    const lookups = new LookupCoalescer(send, { retryEach: true })
    const results = await Promise.all([
      lookups.load(byId, 3n),
      lookups.load(byId, 1n),
      lookups.load(byId, 9n),
      lookups.load(byId, 3n),
    ])
    expect(sent).toEqual([{ sql: byId.many, parameters: [['3', '1', '9']] }])
    expect(results).toEqual([row(3), row(1), undefined, row(3)])
  })

  it('sends a lone call as the single-key statement', async () => {
    const { sent, send } = fakeSend([row(1)])
    const lookups = new LookupCoalescer(send, { retryEach: true })
    expect(await lookups.load(byId, 1n)).toEqual(row(1))
    expect(sent).toEqual([{ sql: byId.one, parameters: [1n] }])
  })

  it('sends nothing before the current microtasks have run; calls queued in them join', async () => {
    const { sent, send } = fakeSend([row(1), row(2)])
    const lookups = new LookupCoalescer(send, { retryEach: true })
    const first = lookups.load(byId, 1n)
    expect(sent).toEqual([])
    await Promise.resolve()
    const second = lookups.load(byId, 2n)
    await Promise.all([first, second])
    expect(sent).toEqual([{ sql: byId.many, parameters: [['1', '2']] }])
    // The next tick is a new group.
    await lookups.load(byId, 1n)
    expect(sent).toHaveLength(2)
    expect(sent[1]).toEqual({ sql: byId.one, parameters: [1n] })
  })

  it('keeps the lookups of each key column apart', async () => {
    const { sent, send } = fakeSend([row(1, { uuid: UUID_A })])
    const lookups = new LookupCoalescer(send, { retryEach: true })
    await Promise.all([lookups.load(byId, 1n), lookups.load(byUuid, UUID_A)])
    expect(sent.map((s) => s.sql).sort()).toEqual([byId.one, byUuid.one].sort())
  })

  it('gives each caller of a key its own copy of the row: no Date or document is shared', async () => {
    const joined = new Date('2024-01-02T03:04:05Z')
    const { send } = fakeSend([row(1, { joined, data: { tags: ['a'] }, bytes: Buffer.from('ab') })])
    const lookups = new LookupCoalescer(send, { retryEach: true })
    const [a, b] = await Promise.all([lookups.load(byId, 1n), lookups.load(byId, 1n)])
    expect(a).toEqual(b)
    expect(a).not.toBe(b)
    expect(a!.joined).not.toBe(b!.joined)
    expect(a!.data).not.toBe(b!.data)
    expect(Buffer.isBuffer(b!.bytes)).toBe(true)
    expect(a!.bytes).not.toBe(b!.bytes)
  })

  it('matches uuids whatever their case, and one key in two cases once', async () => {
    const sent: unknown[][] = []
    const lookups = new LookupCoalescer(
      async (query) => {
        sent.push(query.parameters as unknown[])
        return { rows: [{ uuid: UUID_A }, { uuid: UUID_B }] }
      },
      { retryEach: true },
    )
    const [a, upper, b] = await Promise.all([
      lookups.load(byUuid, UUID_A),
      lookups.load(byUuid, UUID_A.toUpperCase()),
      lookups.load(byUuid, UUID_B.toUpperCase()),
    ])
    expect(sent).toEqual([[[UUID_A, UUID_B.toUpperCase()]]])
    expect([a, upper, b]).toEqual([{ uuid: UUID_A }, { uuid: UUID_A }, { uuid: UUID_B }])
  })

  it('sends each key alone when the statement of several fails: each caller its own outcome', async () => {
    const bad = new Error('key 2 breaks')
    const { sent, send } = fakeSend([row(1), row(3)], (q) =>
      Array.isArray(q.parameters[0])
        ? new Error('connection lost')
        : q.parameters[0] === 2n
          ? bad
          : undefined,
    )
    const lookups = new LookupCoalescer(send, { retryEach: true })
    const results = await Promise.allSettled([
      lookups.load(byId, 1n),
      lookups.load(byId, 2n),
      lookups.load(byId, 3n),
      lookups.load(byId, 4n),
    ])
    expect(results).toEqual([
      { status: 'fulfilled', value: row(1) },
      { status: 'rejected', reason: bad },
      { status: 'fulfilled', value: row(3) },
      { status: 'fulfilled', value: undefined },
    ])
    expect(sent.map((s) => s.sql)).toEqual([byId.many, byId.one, byId.one, byId.one, byId.one])
  })

  it('in a transaction (no retry) gives every caller the error of the failed statement', async () => {
    const lost = new Error('connection lost')
    const { sent, send } = fakeSend([], () => lost)
    const lookups = new LookupCoalescer(send, { retryEach: false })
    const results = await Promise.allSettled([lookups.load(byId, 1n), lookups.load(byId, 2n)])
    expect(results).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ])
    expect(sent).toHaveLength(1)
  })

  it('asks alone for the keys left without a row when a row matched none of the keys', async () => {
    // As a column with a nondeterministic collation would answer: 'ABC' for the key 'abc'.
    const byHandle = tableStatements(accounts).lookupOf(col('handle'), false)!
    const sent: unknown[] = []
    const lookups = new LookupCoalescer(
      async (query) => {
        sent.push(query.parameters[0])
        return { rows: [{ handle: 'ABC' }, { handle: 'zed' }] }
      },
      { retryEach: true },
    )
    const [abc, zed] = await Promise.all([
      lookups.load(byHandle, 'abc'),
      lookups.load(byHandle, 'zed'),
    ])
    expect(sent).toEqual([['abc', 'zed'], 'abc'])
    expect(abc).toEqual({ handle: 'ABC' })
    expect(zed).toEqual({ handle: 'zed' })
  })
})

describe('managers and coalesced lookups', () => {
  class AccountEntity extends Entity.of(accounts) {}
  function setup() {
    const cap = captureExecutor([accounts])
    const lookups = new LookupCoalescer((q) => cap.executor.executeRead(q), { retryEach: true })
    const executor = { ...cap.executor, lookups }
    return { cap, m: new EntityManager(executor, AccountEntity) }
  }

  it('groups findById, findOne by the primary key and the same table in one statement', async () => {
    const { cap, m } = setup()
    await Promise.all([m.findById(1), m.findOne({ where: { id: 2n } }), m.findById(1)])
    expect(cap.sent).toEqual([
      { sql: `${SELECT} where "id" = any($1) and "deleted_at" is null`, parameters: [['1', '2']] },
    ])
  })

  it('takes the finder statement for findOne with an order, an offset, or a where that is no key', async () => {
    const { cap, m } = setup()
    await Promise.all([
      m.findOne({ where: { email: 'a@x.io' }, orderBy: 'id' }),
      m.findOne({ where: { email: 'a@x.io' }, offset: 1 }),
      m.findOne({ where: { region: 'eu' } }),
      m.findOne(),
    ])
    expect(cap.sent.map((s) => s.sql)).toEqual([
      `${SELECT} where "email" = $1 and "deleted_at" is null order by "id" asc limit 1`,
      `${SELECT} where "email" = $1 and "deleted_at" is null limit 1 offset $2`,
      `${SELECT} where "region" = $1 and "deleted_at" is null limit 1`,
      `${SELECT} where "deleted_at" is null limit 1`,
    ])
  })

  it('refuses a bad key before anything is queued, leaving the other calls alone', async () => {
    const { cap, m } = setup()
    const results = await Promise.allSettled([
      m.findByUuid('not-a-uuid'),
      m.findByUuid(UUID_A),
      m.findOne({ where: { email: 42 as never } }),
    ])
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(InvalidQueryError) })
    expect(results[1]).toEqual({ status: 'fulfilled', value: null })
    expect(results[2]).toMatchObject({ status: 'rejected', reason: expect.any(InvalidQueryError) })
    expect(cap.sent).toEqual([
      { sql: `${SELECT} where "uuid" = $1 and "deleted_at" is null`, parameters: [UUID_A] },
    ])
  })

  it('keeps the public view rules: an internal key is refused, a public one coalesces', async () => {
    const { cap, m } = setup()
    const pub = m.public()
    const results = await Promise.allSettled([
      pub.findOne({ where: { id: 1 } as never }),
      pub.findOne({ where: { uuid: UUID_A } }),
      pub.findByUuid(UUID_B),
    ])
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(InvalidQueryError) })
    expect(cap.sent).toEqual([
      {
        sql: `${SELECT} where "uuid" = any($1) and "deleted_at" is null`,
        parameters: [[UUID_A, UUID_B]],
      },
    ])
  })
})

describe('the coalesceLookups option', () => {
  it('gives every handle a coalescer by default, none with false, and refuses a non-boolean', () => {
    const tables = { accounts }
    expect(Database.fromKysely(dummyKysely(), { tables }).lookups).toBeInstanceOf(LookupCoalescer)
    const off = Database.fromKysely(dummyKysely(), { tables, coalesceLookups: false })
    expect(off.lookups).toBeUndefined()
    expect(() =>
      Database.fromKysely(dummyKysely(), { tables, coalesceLookups: 'no' as never }),
    ).toThrow(InvalidQueryError)
    expect(() =>
      Database.fromKysely(dummyKysely(), { tables, coalesceLookups: 'no' as never }),
    ).toThrow('coalesceLookups: expected a boolean, got a string')
  })

  it('shares the coalescer with the public view of a handle', () => {
    const db = Database.fromKysely(dummyKysely(), { tables: { accounts } })
    expect(db.public().lookups).toBe(db.lookups)
  })
})
