import { describe, expect, it } from 'vitest'
import { defaultEntityClass } from '../../src/entity/entity'
import {
  CursorCodec,
  c,
  InvalidQueryError,
  MAX_WHERE_LIST,
  MAX_WHERE_VALUES,
} from '../../src/index'
import { MAX_BIND_PARAMETERS } from '../../src/query/bindable'
import { EntityQuery } from '../../src/query/entity-query'
import type { QueryExecutor } from '../../src/query/executor'
import { namedToPositional } from '../../src/query/named-parameters'
import { compileWhere } from '../../src/query/where-clause'
import { columnValueSchema } from '../../src/schema/column-types'
import type { AnyTable } from '../../src/schema/define-table'
import { everyKind, functions, users } from '../fixtures/tables'
import { dummyKysely } from '../setup/capture-executor'

// Hostile input refused with bounded work and typed errors: nothing of a value is read past the
// point where its size alone proves it too big (issue 14, items 7, 8 and 9).

const served = new Map<string, AnyTable>([users, functions, everyKind].map((t) => [t.$name, t]))
const executor: QueryExecutor = {
  kysely: dummyKysely(),
  cursors: new CursorCodec('unit tests'),
  execute: async () => {
    throw new Error('unit tests do not run SQL')
  },
  executeRead: async () => {
    throw new Error('unit tests do not run SQL')
  },
  raw: async () => {
    throw new Error('unit tests do not run SQL')
  },
  transaction: async () => {
    throw new Error('unit tests do not run SQL')
  },
  table(name: string): AnyTable {
    const table = served.get(name)
    if (table === undefined) throw new InvalidQueryError('table', 'not served')
    return table
  },
  entityClass: (table: AnyTable) => defaultEntityClass(table),
}
const query = (table: AnyTable = functions, alias?: string) =>
  new EntityQuery(executor, defaultEntityClass(table), alias === undefined ? {} : { alias })

/** The InvalidQueryError `fn` throws. */
function invalid(fn: () => unknown): InvalidQueryError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidQueryError)
    return error as InvalidQueryError
  }
  throw new Error('expected an InvalidQueryError')
}

/** An array of `length` copies of `value` whose element reads are counted in `reads.count`. */
function countedList(length: number, value: unknown) {
  const reads = { count: 0 }
  const list = new Proxy(new Array<unknown>(length).fill(value), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads.count++
      return Reflect.get(target, key, receiver)
    },
  })
  return { list, reads }
}

/** Runs `fn` with String.prototype's iterator and `includes` counted. */
function countStringScans<R>(fn: () => R): { result: R; iterated: number; searched: number } {
  const proto = String.prototype as unknown as Record<PropertyKey, unknown>
  const iterator = proto[Symbol.iterator] as (this: string) => Iterator<string>
  const includes = proto.includes as (this: string, ...args: unknown[]) => boolean
  let iterated = 0
  let searched = 0
  proto[Symbol.iterator] = function (this: string) {
    iterated++
    return iterator.call(this)
  }
  proto.includes = function (this: string, ...args: unknown[]) {
    searched++
    return includes.apply(this, args)
  }
  try {
    return { result: fn(), iterated, searched }
  } finally {
    proto[Symbol.iterator] = iterator
    proto.includes = includes
  }
}

describe('varchar(n): a string whose UTF-16 length proves it too long is refused unread', () => {
  const schema = columnValueSchema(c.varchar(255).config)

  it('refuses more than 2n code units without iterating or scanning the string', () => {
    const long = 'x'.repeat(511)
    const { result, iterated, searched } = countStringScans(() => schema.safeParse(long))
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.message)).toEqual(['at most 255 characters'])
    expect(iterated).toBe(0)
    expect(searched).toBe(0)
  })

  it('still counts code points, not code units, between n and 2n units, without iterating', () => {
    const emoji = '\u{1F600}'
    const { result, iterated } = countStringScans(() => ({
      fits: schema.safeParse(emoji.repeat(255)).success,
      over: schema.safeParse(emoji.repeat(256)).success,
      mixed: schema.safeParse(`${'a'.repeat(254)}${emoji}`).success,
    }))
    expect(result).toEqual({ fits: true, over: false, mixed: true })
    expect(iterated).toBe(0)
  })

  it('refuses through a where input with the typed error, before any scan', () => {
    const { result, iterated } = countStringScans(() =>
      invalid(() => compileWhere(users, { email: 'x'.repeat(100_000) })),
    )
    expect(result.path).toBe('where.email')
    expect(result.message).toBe('where.email: invalid varchar(255) value: at most 255 characters')
    expect(iterated).toBe(0)
  })
})

describe('where inputs: a budget of values, counted before they are validated', () => {
  it('refuses the second 100,000-value list before reading any of its values', () => {
    const first = countedList(MAX_WHERE_LIST, 7)
    const second = countedList(MAX_WHERE_LIST, 7)
    const error = invalid(() =>
      compileWhere(everyKind, { or: [{ int: { in: first.list } }, { int: { in: second.list } }] }),
    )
    expect(error.path).toBe('where.or[1].int.in')
    expect(error.message).toBe(`where.or[1].int.in: more than ${MAX_WHERE_VALUES} values in all`)
    expect(first.reads.count).toBe(MAX_WHERE_LIST)
    expect(second.reads.count).toBe(0)
  })

  it('validates at most MAX_WHERE_VALUES values of 999 lists of 100,000', () => {
    const shared = countedList(MAX_WHERE_LIST, 42)
    const input = { or: Array.from({ length: 999 }, () => ({ int: { in: shared.list } })) }
    const error = invalid(() => compileWhere(everyKind, input))
    expect(error.path).toBe('where.or[1].int.in')
    expect(shared.reads.count).toBe(MAX_WHERE_VALUES)
  })

  it('counts plain arrays, array-column values and scalars against the same budget', () => {
    const half = Array.from({ length: MAX_WHERE_VALUES / 2 }, (_, i) => i)
    const error = invalid(() =>
      compileWhere(everyKind, { int: half, counts: { contains: half }, small: 1 }),
    )
    expect(error.path).toBe('where.small')
    expect(error.message).toBe(`where.small: more than ${MAX_WHERE_VALUES} values in all`)
  })

  it('counts the elements of jsonb values, refusing a second big document unwalked', () => {
    const document = Array.from({ length: 60_000 }, (_, i) => i)
    const second = countedList(60_000, 1)
    const error = invalid(() =>
      compileWhere(everyKind, {
        or: [{ data: { contains: document } }, { data: { contains: second.list } }],
      }),
    )
    expect(error.path).toBe('where.or[1].data.contains')
    expect(error.message).toBe(
      `where.or[1].data.contains: more than ${MAX_WHERE_VALUES} values in all`,
    )
    expect(second.reads.count).toBe(0)
  })

  it('accepts exactly MAX_WHERE_VALUES values', () => {
    const list = Array.from({ length: MAX_WHERE_VALUES }, (_, i) => i)
    const clause = compileWhere(everyKind, { int: { in: list } })!
    expect(clause.values).toEqual([list])
  })
})

describe('query builder lists: whereIn has the where limits', () => {
  it('refuses a list longer than MAX_WHERE_LIST before reading it', () => {
    const { list, reads } = countedList(1_000_000, 1)
    const error = invalid(() => query().whereIn('id', list))
    expect(error.path).toBe('where[0].values')
    expect(error.message).toBe(`where[0].values: more than ${MAX_WHERE_VALUES} values in all`)
    expect(reads.count).toBe(0)
  })

  it('refuses whereNotIn past the budget across conditions, the new list unread', () => {
    const base = query().whereIn(
      'id',
      Array.from({ length: 60_000 }, (_, i) => i),
    )
    const { list, reads } = countedList(60_000, 1)
    const error = invalid(() => base.whereNotIn('user_id', list))
    expect(error.path).toBe('where[1].values')
    expect(reads.count).toBe(0)
  })

  it('counts having values too', () => {
    const base = query().whereIn(
      'id',
      Array.from({ length: MAX_WHERE_VALUES }, (_, i) => i),
    )
    const error = invalid(() => base.groupBy('id').having('id', '>', 1))
    expect(error.path).toBe('having[0].value')
  })

  it('keeps a list of MAX_WHERE_LIST values as one parameter', () => {
    const list = Array.from({ length: MAX_WHERE_LIST }, (_, i) => i)
    const { sql, parameters } = query().whereIn('id', list).toSQL()
    expect(sql).toMatch(/ where "id" = any\(\$1\)$/)
    expect(parameters).toEqual([list])
  })
})

describe('query builder: an array compared with = is refused unless the column holds arrays', () => {
  it('refuses = and <> with an array for a varchar column, naming the value', () => {
    const eq = invalid(() => query(users).where('email', '=', ['a', 'b']))
    expect(eq.path).toBe('where[0].value')
    expect(eq.message).toBe(
      'where[0].value: = needs a single value for a varchar(255) column, got an array: use in for a list',
    )
    expect(invalid(() => query(users).where('email', ['a'])).path).toBe('where[0].value')
    expect(invalid(() => query(users).orWhere('email', '<>', ['a'])).message).toContain(
      'use not in for a list',
    )
    expect(invalid(() => query().where('created_at', '>', [new Date(0)])).path).toBe(
      'where[0].value',
    )
  })

  it('refuses it for a column of a table joined after the condition, when compiled', () => {
    const q = query(functions, 'f')
      .where('u.email', '=', ['a'])
      .join('users u', 'f.user_id', 'u.id')
    expect(invalid(() => q.toSQL()).path).toBe('where[0].value')
  })

  it('refuses it in having on a column', () => {
    const error = invalid(() => query().groupBy('id').having('id', '=', [1, 2]))
    expect(error.path).toBe('having[0].value')
  })

  it('binds an array for an array column and a jsonb column, and in lists, as one parameter', () => {
    expect(query(everyKind).where('tags', '=', ['a', 'b']).toSQL()).toEqual({
      sql: `select ${everyKind.$meta.selectList} from "every_kind" where "tags" = $1`,
      parameters: [['a', 'b']],
    })
    expect(query(everyKind).where('data', '=', [1]).toSQL().parameters).toEqual([[1]])
    expect(query(users).where('email', 'in', ['a', 'b']).toSQL()).toEqual({
      sql: `select ${users.$meta.selectList} from "users" where "email" = any($1)`,
      parameters: [['a', 'b']],
    })
  })
})

describe('raw SQL: json casts, parameter types and counts', () => {
  it('rewrites a parameter cast to json/jsonb as text cast, and sends JSON text', () => {
    const text =
      'SELECT \'{"k":1}\'::jsonb @> @p::jsonb, @q :: JSON, @p::jsonb[], @r::jsonbx, @p, @s::text'
    expect(namedToPositional(text, { p: '{"k":1}', q: { k: [1, null] }, r: 'x', s: 5 })).toEqual({
      sql: 'SELECT \'{"k":1}\'::jsonb @> $1::text::jsonb, $2::text :: JSON, $1::jsonb[], $3::jsonbx, $1, $4::text',
      parameters: ['{"k":1}', '{"k":[1,null]}', 'x', 5],
    })
    expect(
      namedToPositional('SELECT @n::jsonb, @b::jsonb, @z::json', { n: 5, b: true, z: null }),
    ).toEqual({
      sql: 'SELECT $1::text::jsonb, $2::text::jsonb, $3::text::json',
      parameters: ['5', 'true', null],
    })
  })

  it('binds bytes as they are and copies JSON objects without prototype', () => {
    const bytes = Buffer.from('hi')
    const [b, o] = namedToPositional('SELECT @b, @o', { b: bytes, o: { k: 'v' } }).parameters
    expect(b).toBe(bytes)
    expect(Object.getPrototypeOf(o)).toBeNull()
    expect(JSON.stringify(o)).toBe('{"k":"v"}')
  })

  it('refuses a Map, naming the parameter and never the value', () => {
    const error = invalid(() =>
      namedToPositional('SELECT @m::text', { m: new Map([['k', 'S3CR3T']]) }),
    )
    expect(error.path).toBe('parameters.m')
    expect(error.message).toMatch(/^parameters\.m: a Map cannot be bound as a parameter; allowed: /)
    expect(error.message).not.toContain('S3CR3T')
  })

  it('refuses more than MAX_BIND_PARAMETERS names before reading any value', () => {
    const names = Array.from({ length: MAX_BIND_PARAMETERS + 1 }, (_, i) => `@p${i}`)
    let reads = 0
    const params = new Proxy(
      {},
      {
        getOwnPropertyDescriptor: () => {
          reads++
          return { value: 1, enumerable: true, configurable: true, writable: true }
        },
      },
    )
    const error = invalid(() => namedToPositional(`SELECT ${names.join(',')}`, params))
    expect(error.path).toBe('parameters')
    expect(reads).toBe(0)
  })
})
