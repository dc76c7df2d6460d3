import { inspect } from 'node:util'
import { CompiledQuery } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  c,
  Database,
  DatabaseError,
  defineTable,
  Entity,
  EntityValidationError,
  generateDDL,
  InvalidQueryError,
  MAX_WHERE_LIST,
  MAX_WHERE_VALUES,
} from '../../src/index'
import { assertNoLeak, newCanary } from '../setup/leak-check'
import { testDatabase } from '../setup/test-database'

// Hostile input on a real PostgreSQL (issue 14, items 7, 8 and 9): oversized values are refused
// before they are read, values of the wrong type are refused or bound as meant, and whatever a
// getter or a proxy throws becomes a typed error naming the path. Nothing is written or sent.

const people = defineTable('hostile_people', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.varchar(255).notNull(),
  age: c.integer(),
  meta: c.jsonb(),
  tags: c.textArray(),
})
class Person extends Entity.of(people) {}

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ people: typeof people }>
const manager = () => db.manager(Person)
const SECRET = 'S3CR3T-canary'

beforeAll(async () => {
  test = await testDatabase('hostile_input')
  db = await Database.connect({ url: test.url, tables: { people }, max: 2 })
  await db.executeScript(generateDDL([people]))
  await manager().insert({ email: 'a@x.io', age: 42, meta: { k: 1 }, tags: ['a'] })
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

/** The error `promise` rejects with, checked to be of `type`, and safe to log (no canary). */
async function rejection<E>(promise: Promise<unknown>, type: new (...args: never[]) => E) {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(type)
  expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
    SECRET,
  )
  return error as E
}

/** An array of `length` copies of `value` whose element reads are counted. */
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

const rowCount = async () =>
  Number((await db.rawOne<{ n: bigint }>('select count(*) as n from hostile_people'))!.n)

describe('work before refusal', () => {
  it('refuses a varchar(255) value of a million characters unread, and writes nothing', async () => {
    const before = await rowCount()
    const iterator = String.prototype[Symbol.iterator]
    let iterated = 0
    String.prototype[Symbol.iterator] = function (this: string) {
      iterated++
      return iterator.call(this)
    }
    try {
      const error = await rejection(
        manager().insert({ email: `${SECRET}${'x'.repeat(1_000_000)}` }),
        EntityValidationError,
      )
      expect(error.issues).toEqual([{ path: 'email', message: 'at most 255 characters' }])
    } finally {
      String.prototype[Symbol.iterator] = iterator
    }
    expect(iterated).toBe(0)
    expect(await rowCount()).toBe(before)
  })

  it('refuses 999 lists of 100,000 ages after validating 100,000 values at most', async () => {
    const { list, reads } = countedList(MAX_WHERE_LIST, 42)
    const where = { or: Array.from({ length: 999 }, () => ({ age: { in: list } })) }
    const error = await rejection(manager().findAll({ where: where as never }), InvalidQueryError)
    expect(error.path).toBe('where.or[1].age.in')
    expect(reads.count).toBe(MAX_WHERE_VALUES)
  })

  it("refuses the builder's whereIn of 1,000,000 values unread", async () => {
    const { list, reads } = countedList(1_000_000, 1)
    const error = await rejection(
      Promise.resolve().then(() => manager().query().whereIn('age', list).all()),
      InvalidQueryError,
    )
    expect(error.path).toBe('where[0].values')
    expect(reads.count).toBe(0)
  })
})

describe('type confusion', () => {
  it("refuses the builder's where('email', '=', [...]), which matched nothing", async () => {
    const error = await rejection(
      Promise.resolve().then(() => manager().query().where('email', '=', ['a@x.io', SECRET]).all()),
      InvalidQueryError,
    )
    expect(error.path).toBe('where[0].value')
    expect(error.message).toContain('use in for a list')
    expect(await manager().query().where('email', 'in', ['a@x.io', SECRET]).count()).toBe(1)
    expect(await manager().query().where('tags', '=', ['a']).count()).toBe(1)
  })

  it.each([
    [
      'a class instance',
      new (class Token {
        readonly value = SECRET
      })(),
    ],
    ['a Map', new Map([['k', SECRET]])],
    ['a Set', new Set([SECRET])],
    ['a RegExp', new RegExp(SECRET)],
    ['a boxed string', Object(SECRET)],
    ['an Int32Array', Int32Array.of(1, 2)],
    ['bytes in an array', [Buffer.from(SECRET)]],
    ['bytes in a JSON value', { file: Buffer.from(SECRET) }],
    ['a Date in a JSON value', { at: new Date(0), note: SECRET }],
    ['NaN in a JSON value', { n: Number.NaN, note: SECRET }],
  ])('refuses %s as a raw parameter, naming it, before anything is sent', async (_, value) => {
    const error = await rejection(db.raw('select @p::text as v', { p: value }), InvalidQueryError)
    expect(error.path).toBe('parameters.p')
  })

  it('binds a Buffer or Uint8Array as bytea', async () => {
    const row = await db.rawOne<{ same: boolean; v: Buffer }>(
      `select @b = '\\x6869'::bytea as same, @b as v`,
      { b: Buffer.from('hi') },
    )
    expect(row!.same).toBe(true)
    expect(Buffer.from(row!.v).toString()).toBe('hi')
    const u8 = await db.rawOne<{ same: boolean }>(`select @b = '\\x0102'::bytea as same`, {
      b: Uint8Array.of(1, 2),
    })
    expect(u8!.same).toBe(true)
  })

  it('refuses a plain object bound as text (it would be "[object Object]"), typed', async () => {
    const error = await rejection(
      db.raw('select @p::text as v', { p: { k: SECRET } }),
      InvalidQueryError,
    )
    expect(error.path).toBe('parameters')
  })

  it('takes a string cast to jsonb as JSON text, as code ported from Dart passes it', async () => {
    const text = JSON.stringify({ k: 1 })
    const row = await db.rawOne<{ contained: boolean; kind: string }>(
      `select '{"k":1,"x":2}'::jsonb @> @p::jsonb as contained, jsonb_typeof(@p::JSONB) as kind`,
      { p: text },
    )
    expect(row).toEqual({ contained: true, kind: 'object' })
    const json = await db.rawOne<{ kind: string }>('select json_typeof(@p :: json) as kind', {
      p: '[1,2]',
    })
    expect(json!.kind).toBe('array')
  })

  it('stores JSON text, objects, arrays, numbers, booleans and null through @p::jsonb', async () => {
    const inserted = await db.raw<{ meta: unknown }>(
      `insert into hostile_people (email, meta) values
         ('j1@x.io', @text::jsonb), ('j2@x.io', @object::jsonb), ('j3@x.io', @list::jsonb),
         ('j4@x.io', @number::jsonb), ('j5@x.io', @flag::jsonb), ('j6@x.io', @none::jsonb),
         ('j7@x.io', @scalar::jsonb)
       returning meta`,
      {
        text: '{"k":1}',
        object: { k: 2, nested: [1, { a: null }] },
        list: ['a', 1],
        number: 5,
        flag: true,
        none: null,
        scalar: '"just a string"',
      },
    )
    expect(inserted.map((r) => r.meta)).toEqual([
      { k: 1 },
      { k: 2, nested: [1, { a: null }] },
      ['a', 1],
      5,
      true,
      null,
      'just a string',
    ])
    // A bigint is a JSON number, every digit kept.
    const big = await db.rawOne<{ t: string }>('select @big::jsonb::text as t', {
      big: 12345678901234567890n,
    })
    expect(big!.t).toBe('12345678901234567890')
    const matched = await db.raw('select email from hostile_people where meta @> @p::jsonb', {
      p: '{"k":1}',
    })
    expect(matched.length).toBe(2)
  })

  it('refuses text that is not JSON with the database error, and a Date for a json parameter', async () => {
    const before = await rowCount()
    const canary = newCanary()
    const invalid = await rejection(
      db.raw("insert into hostile_people (email, meta) values ('bad@x.io', @m::jsonb)", {
        m: `{not json ${canary}`,
      }),
      DatabaseError,
    )
    // PostgreSQL's error quotes the text; the package's error, logged whole, does not.
    assertNoLeak(invalid, [canary])
    const error = await rejection(
      db.raw("insert into hostile_people (email, meta) values ('bad@x.io', @m::jsonb)", {
        m: new Date(0),
      }),
      InvalidQueryError,
    )
    expect(error.path).toBe('parameters.m')
    expect(await rowCount()).toBe(before)
  })
})

describe('untyped errors', () => {
  it('refuses raw SQL with 70,000 parameters before sending it', async () => {
    const names = Array.from({ length: 70_000 }, (_, i) => `@p${i}`)
    const params = Object.fromEntries(names.map((n) => [n.slice(1), 1]))
    const error = await rejection(db.raw(`select ${names.join(', ')}`, params), InvalidQueryError)
    expect(error.path).toBe('parameters')
    expect(error.message).toContain('more than 65533 bind parameters')
  })

  it('refuses a compiled statement of 70,000 parameters before sending it', async () => {
    const parameters = Array.from({ length: 70_000 }, () => 1)
    const text = `select ${parameters.map((_, i) => `$${i + 1}::int`).join(', ')}`
    const error = await rejection(
      db.execute(CompiledQuery.raw(text, parameters)),
      InvalidQueryError,
    )
    expect(error.path).toBe('parameters')
    const viaKysely = await db.kysely.executeQuery(CompiledQuery.raw(text, parameters)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(viaKysely).toBeInstanceOf(InvalidQueryError)
  })

  const throwing = () => {
    throw new Error(SECRET)
  }

  it('refuses a where input whose proxy ownKeys trap throws', async () => {
    const where = new Proxy({}, { ownKeys: throwing })
    const error = await rejection(manager().findAll({ where }), InvalidQueryError)
    expect(error.path).toBe('where')
    const nested = await rejection(
      manager().findAll({ where: { or: [{ age: 1 }, new Proxy({}, { ownKeys: throwing })] } }),
      InvalidQueryError,
    )
    expect(nested.path).toBe('where.or[1]')
  })

  it('refuses a where list whose element getter throws', async () => {
    const list = new Proxy([1, 2], {
      get: (target, key, receiver) =>
        key === '1' ? throwing() : Reflect.get(target, key, receiver),
    })
    const error = await rejection(
      manager().findAll({ where: { age: { in: list } } }),
      InvalidQueryError,
    )
    expect(error.path).toBe('where')
  })

  it('refuses insert data with a throwing getter or ownKeys trap, naming the path, writing nothing', async () => {
    const before = await rowCount()
    const data = { email: 'g@x.io' } as Record<string, unknown>
    Object.defineProperty(data, 'age', { enumerable: true, get: throwing })
    const error = await rejection(manager().insert(data as never), EntityValidationError)
    expect(error.issues).toEqual([
      { path: 'data.age', message: 'could not be read (a getter or proxy trap threw)' },
    ])
    const proxied = await rejection(
      manager().insert(new Proxy({ email: 'p@x.io' }, { ownKeys: throwing }) as never),
      EntityValidationError,
    )
    expect(proxied.issues.map((i) => i.path)).toEqual(['data'])
    const batch = await rejection(
      manager().batchInsert([{ email: 'b@x.io' }, data as never]),
      EntityValidationError,
    )
    expect(batch.issues.map((i) => i.path)).toEqual(['rows[1].age'])
    expect(await rowCount()).toBe(before)
  })

  it('refuses raw params with a throwing getter, at the top or inside a value', async () => {
    const params = { id: 1 } as Record<string, unknown>
    Object.defineProperty(params, 'p', { enumerable: true, get: throwing })
    const error = await rejection(db.raw('select @p::text as v', params), InvalidQueryError)
    expect(error.path).toBe('parameters.p')
    const inner = {} as Record<string, unknown>
    Object.defineProperty(inner, 'k', { enumerable: true, get: throwing })
    const nested = await rejection(db.raw('select @p::jsonb as v', { p: inner }), InvalidQueryError)
    expect(nested.path).toBe('parameters.p')
    const trapped = await rejection(
      db.raw('select @p as v', new Proxy({}, { getOwnPropertyDescriptor: throwing })),
      InvalidQueryError,
    )
    expect(trapped.path).toBe('parameters.p')
  })
})
