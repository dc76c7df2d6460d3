import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Database, generateDDL } from '../../src/index'
import { compileWhere } from '../../src/query/where-clause'
import type { AnyTable } from '../../src/schema/define-table'
import { everyKind, functions, users } from '../fixtures/tables'
import { testDatabase } from '../setup/test-database'

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ users: typeof users; functions: typeof functions; everyKind: typeof everyKind }>
const uuids: Record<string, string> = {}
const BIG = 9007199254740993n // 2^53 + 1: not a JavaScript number

beforeAll(async () => {
  test = await testDatabase('where_input')
  db = await Database.connect({ url: test.url, tables: { users, functions, everyKind }, max: 2 })
  // The tables exactly as their definitions create them.
  await db.executeScript(generateDDL([users, functions, everyKind]))
  await db.raw(`INSERT INTO users (email, password_hash) VALUES ('a@x.io', 'h'), ('b@x.io', 'h')`)
  await db.raw(`INSERT INTO functions (user_id, name, status, analysis_result, created_at) VALUES
    (1, 'api-alpha', 'active', '{"score": 0.9, "notes": ["fast", "cheap"]}', '2024-01-01 00:00:00'),
    (1, 'API-beta', 'building', '{"score": 0.5, "notes": ["slow"]}', '2024-02-01 00:00:00'),
    (2, 'worker', NULL, NULL, '2024-03-01 00:00:00'),
    (2, 'cron', 'failed', '{"score": 0.1, "notes": []}', '2024-04-01 00:00:00')`)
  for (const row of await db.raw<{ name: string; uuid: string }>(
    'SELECT name, uuid FROM functions',
  )) {
    uuids[row.name] = row.uuid
  }
  await db.raw(`INSERT INTO every_kind (int, big, flag, body, at, at_tz, day, data, tags, counts, role) VALUES
    (1, ${BIG}, true, 'Hello', '2024-01-01 10:00:00', '2024-01-01 10:00:00+00', '2024-01-01',
      '{"k": "v", "n": [1, 2]}', '{a,b}', '{1,2,3}', 'team'),
    (2, 2, false, 'hello world', '2024-06-01 00:00:00', '2024-06-01 02:00:00+02', '2024-06-01',
      '5', '{b,c}', '{3}', 'developer'),
    (3, NULL, false, NULL, NULL, NULL, NULL, 'true', NULL, NULL, NULL)`)
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

/** Runs the compiled where input and returns `column` of the matching rows, by id. */
async function select(table: AnyTable, input: unknown, column: string): Promise<unknown[]> {
  const clause = compileWhere(table, input)!
  const rows = await db.kysely
    .selectFrom(table.$name as 'functions')
    .selectAll()
    .where(clause.expression)
    .orderBy('id')
    .execute()
  return rows.map((row) => (row as Record<string, unknown>)[column])
}

const names = (input: unknown) => select(functions, input, 'name')
const ints = (input: unknown) => select(everyKind, input, 'int')

describe('compileWhere against PostgreSQL', () => {
  it('matches a list of integers with = any', async () => {
    expect(await names({ userId: [1] })).toEqual(['api-alpha', 'API-beta'])
    expect(await names({ userId: { notIn: [1] } })).toEqual(['worker', 'cron'])
  })

  it('matches a list of varchars and of uuids with = any', async () => {
    expect(await names({ status: ['active', 'failed'] })).toEqual(['api-alpha', 'cron'])
    expect(await names({ uuid: { in: [uuids.worker!, uuids['api-alpha']!] } })).toEqual([
      'api-alpha',
      'worker',
    ])
  })

  it('compares timestamps given as Dates or ISO strings', async () => {
    const input = {
      createdAt: { gte: '2024-02-01T00:00:00Z', lt: new Date('2024-04-01T00:00:00Z') },
    }
    expect(await names(input)).toEqual(['API-beta', 'worker'])
    expect(await ints({ atTz: new Date('2024-06-01T00:00:00Z') })).toEqual([2])
    expect(await ints({ at: [new Date('2024-01-01T10:00:00Z'), '2024-06-01T00:00:00Z'] })).toEqual([
      1, 2,
    ])
    expect(await ints({ day: { gte: '2024-03-01' } })).toEqual([2])
  })

  it('matches text patterns with like and ilike', async () => {
    expect(await names({ name: { ilike: 'api%' } })).toEqual(['api-alpha', 'API-beta'])
    expect(await names({ name: { like: 'api%' } })).toEqual(['api-alpha'])
    expect(await ints({ role: { ilike: 'TEAM' } })).toEqual([1])
  })

  it('finds jsonb documents with contains and eq', async () => {
    expect(await names({ analysisResult: { contains: { notes: ['fast'] } } })).toEqual([
      'api-alpha',
    ])
    expect(await ints({ data: { eq: { n: [1, 2], k: 'v' } } })).toEqual([1])
    expect(await ints({ data: 5 })).toEqual([2])
    expect(await ints({ data: { eq: true } })).toEqual([3])
    expect(await ints({ data: { in: [5, true] } })).toEqual([2, 3])
    expect(await ints({ data: { contains: { k: 'v' } } })).toEqual([1])
  })

  it('matches text[] and integer[] columns by equality and contains', async () => {
    expect(await ints({ tags: { contains: ['b'] } })).toEqual([1, 2])
    expect(await ints({ tags: ['a', 'b'] })).toEqual([1])
    expect(await ints({ counts: { contains: [3] } })).toEqual([1, 2])
  })

  it('sends lists of bigints and booleans that postgres.js would mistype', async () => {
    expect(await ints({ big: [BIG, '2'] })).toEqual([1, 2])
    expect(await ints({ big: BIG })).toEqual([1])
    expect(await ints({ flag: [true] })).toEqual([1])
    expect(await ints({ flag: { notIn: [true] } })).toEqual([2, 3])
  })

  it('follows SQL null semantics: ne skips NULL rows, null means is null', async () => {
    expect(await names({ status: { ne: 'active' } })).toEqual(['API-beta', 'cron'])
    expect(await names({ status: null })).toEqual(['worker'])
    expect(await names({ status: { ne: null, notIn: ['building'] } })).toEqual([
      'api-alpha',
      'cron',
    ])
  })

  it('nests or, and, not', async () => {
    const input = {
      or: [{ status: null }, { not: { status: { in: ['active', 'building'] } } }],
    }
    expect(await names(input)).toEqual(['worker', 'cron'])
    const deep = {
      or: [
        { and: [{ int: { gte: 2 } }, { flag: false }, { body: { ilike: 'HELLO%' } }] },
        { not: { body: { isNull: false } } },
      ],
    }
    expect(await ints(deep)).toEqual([2, 3])
    expect(await names({ not: { or: [{ userId: 2 }, { name: { like: '%beta' } }] } })).toEqual([
      'api-alpha',
    ])
  })

  it('qualifies columns for a query with a table alias and a join', async () => {
    const clause = compileWhere(functions, { status: 'active' }, { qualifier: 'f' })!
    const rows = await db.kysely
      .selectFrom('functions as f')
      .innerJoin('users as u', 'u.id', 'f.user_id')
      .select(['f.name', 'u.email'])
      .where(clause.expression)
      .execute()
    expect(rows).toEqual([{ name: 'api-alpha', email: 'a@x.io' }])
  })

  it('reuses one statement for lists of any length', async () => {
    const one = compileWhere(functions, { userId: [1] })!
    const many = compileWhere(functions, { userId: Array.from({ length: 10_000 }, (_, i) => i) })!
    expect(many.shape).toBe(one.shape)
    expect(await names({ userId: Array.from({ length: 10_000 }, (_, i) => i) })).toHaveLength(4)
  })
})
