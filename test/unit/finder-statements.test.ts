import { PostgresQueryCompiler } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  CursorCodec,
  c,
  defineTable,
  Entity,
  EntityManager,
  InvalidQueryError,
  MAX_WHERE_CONDITIONS,
} from '../../src/index'
import { LiteralLimits, MAX_LITERAL_LIMITS } from '../../src/query/literal-limits'
import {
  STATEMENT_CACHE_KEY_LENGTH,
  STATEMENT_CACHE_SIZE,
  StatementCache,
} from '../../src/query/statement-cache'
import { tableStatements } from '../../src/query/table-statements'
import { numberPlaceholders, whereText } from '../../src/query/where-compiler'
import { captureExecutor } from '../setup/capture-executor'

// Each test defines its own table: statement caches are per table, and a fresh one starts empty.
function setup() {
  const table = defineTable(
    'items',
    {
      id: c.serial().primaryKey(),
      ownerId: c.integer().notNull(),
      name: c.varchar(100).notNull(),
      status: c.varchar(20),
      score: c.integer(),
      createdAt: c.timestamp(),
      deletedAt: c.timestamp(),
    },
    { softDelete: 'deletedAt' },
  )
  class Item extends Entity.of(table) {}
  const cap = captureExecutor([table])
  return { table, cap, items: new EntityManager(cap.executor, Item) }
}

const COLUMNS = '"id", "owner_id", "name", "status", "score", "created_at", "deleted_at"'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('finders: one SQL text per shape, written once', () => {
  it('a same-shaped call compiles nothing and writes no text: it only binds its values', async () => {
    const { table, cap, items } = setup()
    const compile = vi.spyOn(PostgresQueryCompiler.prototype, 'compileQuery')
    const write = vi.spyOn(StatementCache.prototype, 'set')
    const page = (ownerId: number, status: string, offset: number) =>
      items.findAll({
        where: { ownerId, status },
        orderBy: 'createdAt',
        orderDirection: 'desc',
        limit: 20,
        offset,
      })
    await page(1, 'active', 0)
    expect(write).toHaveBeenCalledTimes(1)
    await page(2, 'gone', 40)
    await page(3, 'x', 60)
    expect(write).toHaveBeenCalledTimes(1)
    expect(compile).not.toHaveBeenCalled()
    expect(tableStatements(table).cachedShapes).toBe(1)
    expect(cap.sent.map((s) => s.sql)).toEqual(Array(3).fill(cap.sent[0]!.sql))
    expect(cap.sent[0]!.sql).toBe(
      `select ${COLUMNS} from "items" where ("owner_id" = $1 and "status" = $2) and "deleted_at" is null order by "created_at" desc limit 20 offset $3`,
    )
    expect(cap.sent.map((s) => s.parameters)).toEqual([
      [1, 'active', 0],
      [2, 'gone', 40],
      [3, 'x', 60],
    ])
  })

  it('the key order of the input and the length of a list do not change the shape', async () => {
    const { table, cap, items } = setup()
    await items.findAll({ where: { status: ['a'], ownerId: 1 } })
    await items.findAll({ where: { ownerId: 2, status: ['b', 'c', 'd'] } })
    expect(cap.sent[0]!.sql).toBe(cap.sent[1]!.sql)
    expect(cap.sent[1]!.parameters).toEqual([2, ['b', 'c', 'd']])
    expect(tableStatements(table).cachedShapes).toBe(1)
  })

  it('every part of the shape gives its own text', async () => {
    const { table, cap, items } = setup()
    const shapes: object[] = [
      {},
      { where: { ownerId: 1 } },
      { where: { ownerId: [1] } },
      { where: { ownerId: { ne: 1 } } },
      { where: { status: null } },
      { where: { status: { ne: null } } },
      { where: { name: 'a' } },
      { where: { or: [{ ownerId: 1 }, { name: 'a' }] } },
      { where: { not: { ownerId: 1 } } },
      { where: { ownerId: 1 }, withDeleted: true },
      { orderBy: 'name' },
      { orderBy: 'name', orderDirection: 'desc' },
      { orderBy: ['name', 'id'] },
      { limit: 5 },
      { offset: 5 },
      { limit: 5, offset: 5 },
    ]
    for (const options of shapes) await items.findAll(options)
    const texts = cap.sent.map((s) => s.sql)
    expect(new Set(texts).size).toBe(shapes.length)
    expect(tableStatements(table).cachedShapes).toBe(shapes.length)
    // Again: every text comes from the cache, unchanged.
    for (const options of shapes) await items.findAll(options)
    expect(cap.sent.slice(shapes.length).map((s) => s.sql)).toEqual(texts)
    expect(tableStatements(table).cachedShapes).toBe(shapes.length)
  })

  it('count, exists and findOne share the cache, each with its own statement', async () => {
    const { table, cap, items } = setup()
    const compile = vi.spyOn(PostgresQueryCompiler.prototype, 'compileQuery')
    for (const ownerId of [1, 2]) {
      await items.count({ where: { ownerId } })
      await items.exists({ where: { ownerId } })
      await items.findOne({ where: { ownerId } })
    }
    expect(compile).not.toHaveBeenCalled()
    expect(cap.sent.map((s) => s.sql)).toEqual([
      'select count(*) as "count" from "items" where "owner_id" = $1 and "deleted_at" is null',
      'select exists (select 1 as "one" from "items" where "owner_id" = $1 and "deleted_at" is null) as "exists"',
      `select ${COLUMNS} from "items" where "owner_id" = $1 and "deleted_at" is null limit 1`,
      'select count(*) as "count" from "items" where "owner_id" = $1 and "deleted_at" is null',
      'select exists (select 1 as "one" from "items" where "owner_id" = $1 and "deleted_at" is null) as "exists"',
      `select ${COLUMNS} from "items" where "owner_id" = $1 and "deleted_at" is null limit 1`,
    ])
    expect(cap.sent[5]!.parameters).toEqual([2])
    expect(tableStatements(table).cachedShapes).toBe(3)
  })

  it('keyset pages: the first page and the pages after a cursor, each shape once', async () => {
    const { table, cap, items } = setup()
    const codec = new CursorCodec('unit tests')
    const compile = vi.spyOn(PostgresQueryCompiler.prototype, 'compileQuery')
    const options = { limit: 10, orderBy: 'createdAt', orderDirection: 'desc' } as const
    await items.paginateByCursor({ ...options, where: { ownerId: 1 } })
    await items.paginateByCursor({ ...options, where: { ownerId: 2 } })
    const after = codec.encode(['2024-01-02 03:04:05.123456', 9], {
      columns: [table.createdAt, table.id],
      direction: 'desc',
    })
    await items.paginateByCursor({ ...options, where: { ownerId: 1 }, after })
    await items.paginateByCursor({ ...options, where: { ownerId: 3 }, after })
    expect(compile).not.toHaveBeenCalled()
    expect(cap.sent[1]!.sql).toBe(cap.sent[0]!.sql)
    expect(cap.sent[3]!.sql).toBe(cap.sent[2]!.sql)
    expect(cap.sent[3]).toEqual({
      sql: `select ${COLUMNS}, "created_at"::text as "__ke_cursor_0" from "items" where "owner_id" = $1 and "deleted_at" is null and ("created_at", "id") < ($2, $3) order by "created_at" desc, "id" desc limit 11`,
      parameters: [3, '2024-01-02 03:04:05.123456', 9],
    })
    expect(tableStatements(table).cachedShapes).toBe(2)
  })

  it('stays bounded however many shapes it is shown', async () => {
    const { table, cap, items } = setup()
    const properties = ['id', 'ownerId', 'name', 'status', 'score', 'createdAt'] as const
    const operators = ['gt', 'gte', 'lt', 'lte', 'ne'] as const
    const VALUES = { id: 1, ownerId: 1, name: 'x', status: 'x', score: 1, createdAt: new Date(0) }
    let calls = 0
    for (const a of properties) {
      for (const b of properties) {
        for (const op of operators) {
          for (const orderDirection of ['asc', 'desc'] as const) {
            for (const limit of [undefined, 1]) {
              await items.findAll({
                where: { [a]: { [op]: VALUES[a] } } as never,
                orderBy: b,
                orderDirection,
                ...(limit === undefined ? {} : { limit }),
              })
              calls++
            }
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(2 * STATEMENT_CACHE_SIZE)
    expect(new Set(cap.sent.map((s) => s.sql)).size).toBe(calls)
    expect(tableStatements(table).cachedShapes).toBeLessThan(2 * STATEMENT_CACHE_SIZE)
  })

  it('does not keep a shape too long to be worth it, and still writes the same text for it', async () => {
    const { table, cap, items } = setup()
    const conditions = Math.min(MAX_WHERE_CONDITIONS - 1, 400)
    const where = { or: Array.from({ length: conditions }, (_, i) => ({ ownerId: i })) }
    expect(whereText(table, where)!.shape.length).toBeGreaterThan(STATEMENT_CACHE_KEY_LENGTH)
    await items.findAll({ where })
    await items.findAll({ where })
    expect(cap.sent[1]!.sql).toBe(cap.sent[0]!.sql)
    expect(cap.sent[0]!.sql.endsWith(`"owner_id" = $${conditions}) and "deleted_at" is null`)).toBe(
      true,
    )
    expect(tableStatements(table).cachedShapes).toBe(0)
  })

  it("writes a validated limit into the text, a table's first 16 distinct ones; later ones are $n", async () => {
    const { table, cap, items } = setup()
    for (let limit = 1; limit <= MAX_LITERAL_LIMITS; limit++) {
      await items.findAll({ where: { ownerId: 7 }, limit, offset: 3 })
    }
    expect(cap.sent.map((s) => s.sql.slice(s.sql.indexOf(' limit ')))).toEqual(
      Array.from({ length: MAX_LITERAL_LIMITS }, (_, i) => ` limit ${i + 1} offset $2`),
    )
    expect(cap.sent.every((s) => s.parameters.length === 2 && s.parameters[1] === 3)).toBe(true)
    // Limits past the first 16 travel as parameters: one more text, whatever the client sends.
    for (const limit of [17, 500, 10_000]) await items.findAll({ where: { ownerId: 7 }, limit })
    expect(cap.sent.slice(-3)).toEqual(
      [17, 500, 10_000].map((limit) => ({
        sql: `select ${COLUMNS} from "items" where "owner_id" = $1 and "deleted_at" is null limit $2`,
        parameters: [7, limit],
      })),
    )
    // A limit already written stays a literal; the keyset page's limit + 1 counts as one more.
    await items.findAll({ where: { ownerId: 8 }, limit: 5 })
    expect(cap.last()).toEqual({
      sql: `select ${COLUMNS} from "items" where "owner_id" = $1 and "deleted_at" is null limit 5`,
      parameters: [8],
    })
    await items.paginateByCursor({ limit: 4 })
    expect(cap.last()).toEqual({
      sql: `select ${COLUMNS} from "items" where "deleted_at" is null order by "id" asc limit 5`,
      parameters: [],
    })
    await items.paginateByCursor({ limit: 30 })
    expect(cap.last()).toEqual({
      sql: `select ${COLUMNS} from "items" where "deleted_at" is null order by "id" asc limit $1`,
      parameters: [31],
    })
    // 16 with an offset, `limit $2`, `limit 5` without offset, the two keyset pages.
    expect(tableStatements(table).cachedShapes).toBe(MAX_LITERAL_LIMITS + 4)
  })

  it('refuses a limit that is not an integer in range with the typed error, before any literal', async () => {
    const { cap, items } = setup()
    const refusals: [unknown, string][] = [
      [1.5, 'limit: expected an integer, got a number'],
      [Number.NaN, 'limit: expected an integer, got NaN'],
      [2 ** 53, 'limit: must be from 0 to 10000, got more'],
      [-1, 'limit: must be from 0 to 10000, got less'],
      ['20; drop table items', 'limit: expected an integer, got a string'],
      [20n, 'limit: expected an integer, got a bigint'],
    ]
    for (const [limit, message] of refusals) {
      for (const call of [
        () => items.findAll({ limit } as never),
        () => items.paginateByCursor({ limit } as never),
      ]) {
        const error = await call().catch((e) => e)
        expect(error).toBeInstanceOf(InvalidQueryError)
        expect(error.message).toBe(message)
      }
    }
    expect(cap.sent).toEqual([])
  })

  it('validates every call before the cache is consulted, with the same typed errors', async () => {
    const { cap, items } = setup()
    await items.findAll({ where: { ownerId: 1 }, limit: 5 })
    const refusals: [object, string, string][] = [
      [{ where: { ownerId: '1' } }, 'where.ownerId', 'expected an integer, got a string'],
      [{ where: { nope: 1 } }, 'where.nope', 'unknown column of items'],
      [{ where: { ownerId: 1 }, limit: 5.5 }, 'limit', 'expected an integer, got a number'],
      [{ where: { ownerId: { like: 'a' } } }, 'where.ownerId.like', 'like and ilike need'],
      [{ where: JSON.parse('{"__proto__":{"ownerId":1}}') }, 'where.__proto__', 'unknown column'],
      [{ orderBy: 'name; drop table items' }, 'orderBy', 'unknown column'],
    ]
    for (const [options, path, message] of refusals) {
      const error = await items.findAll(options as never).catch((e) => e)
      expect(error).toBeInstanceOf(InvalidQueryError)
      expect(error.path).toBe(path)
      expect(error.message).toContain(message)
    }
    expect(cap.sent).toHaveLength(1)
  })
})

describe('StatementCache', () => {
  it('keeps at most twice its size, the most recently used first', () => {
    const cache = new StatementCache(4)
    cache.set('hot', 'HOT')
    for (let i = 0; i < 100; i++) {
      cache.set(`k${i}`, `t${i}`)
      expect(cache.get('hot')).toBe('HOT')
      expect(cache.size).toBeLessThan(8)
    }
    expect(cache.get('k99')).toBe('t99')
    expect(cache.get('k0')).toBeUndefined()
  })

  it('returns what it stores, and does not store keys that are too long', () => {
    const cache = new StatementCache(4, 10)
    expect(cache.set('short', 'a')).toBe('a')
    expect(cache.set('much too long a key', 'b')).toBe('b')
    expect(cache.get('short')).toBe('a')
    expect(cache.get('much too long a key')).toBeUndefined()
    expect(cache.size).toBe(1)
  })
})

describe('LiteralLimits', () => {
  it('formats an integer from 0 to 10,001 itself, and gives nothing for anything else', () => {
    const limits = new LiteralLimits(100)
    expect([0, 1, 21, 10_000, 10_001].map((n) => limits.literal(n))).toEqual([
      '0',
      '1',
      '21',
      '10000',
      '10001',
    ])
    for (const n of [-1, 10_002, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 1e21]) {
      expect(limits.literal(n)).toBeUndefined()
    }
  })

  it('keeps the first `max` distinct limits, for good', () => {
    const limits = new LiteralLimits(2)
    expect([limits.literal(20), limits.literal(21), limits.literal(22)]).toEqual([
      '20',
      '21',
      undefined,
    ])
    expect([limits.literal(21), limits.literal(20), limits.literal(22)]).toEqual([
      '21',
      '20',
      undefined,
    ])
  })
})

describe('numberPlaceholders', () => {
  it('numbers each ? from the first placeholder', () => {
    expect(numberPlaceholders('("a" = ? and "b" = any(?))', 2, 3)).toBe(
      '("a" = $3 and "b" = any($4))',
    )
    expect(numberPlaceholders('"a" is null', 0, 1)).toBe('"a" is null')
  })

  it('refuses text whose placeholders do not match the values', () => {
    expect(() => numberPlaceholders('"a" = ?', 2, 1)).toThrow(/do not match/)
  })
})
