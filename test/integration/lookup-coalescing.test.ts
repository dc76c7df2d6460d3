/**
 * Coalesced point lookups (issue 17, item 1) on a real PostgreSQL: the findById / findByUuid /
 * findOne-by-unique-key calls of one tick on one handle are one statement per table and key
 * column, and every caller gets what it would have got alone. Statements are counted with
 * `db.on('query')`.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  c,
  Database,
  DatabaseError,
  defineTable,
  Entity,
  generateDDL,
  InvalidQueryError,
  type QueryEvent,
} from '../../src/index'
import { tableStatements } from '../../src/query/table-statements'
import { testDatabase } from '../setup/test-database'

const people = defineTable(
  'lc_people',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    email: c.varchar(120).notNull().unique(),
    name: c.text().notNull(),
    profile: c.jsonb(),
    joinedAt: c.timestamptz().notNull().defaultNow(),
    deletedAt: c.timestamptz(),
  },
  { softDelete: 'deletedAt' },
)
const items = defineTable(
  'lc_items',
  {
    id: c.bigserial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    sku: c.text().notNull(),
  },
  { uniques: [['sku']] },
)
// A view over lc_flaky_base whose rows raise an error for key 2 (see beforeAll): a statement that
// reaches that row fails, the others do not.
const flaky = defineTable('lc_flaky', { id: c.integer().primaryKey(), name: c.text().notNull() })
class PersonEntity extends Entity.of(people) {}
class ItemEntity extends Entity.of(items) {}
class FlakyEntity extends Entity.of(flaky) {}
const tables = { people, items, flaky }

const MISSING = '00000000-0000-4000-8000-000000000000'

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
let plain: Database<typeof tables>
let events: QueryEvent[] = []
let plainEvents: QueryEvent[] = []
let alive: PersonEntity[]
let gone: PersonEntity

// The statements sent on a table (begin, commit and the like left out).
const on = (table: string, from: QueryEvent[] = events) =>
  from.filter((e) => e.text.includes(`from "${table}"`))

beforeAll(async () => {
  test = await testDatabase('lookup_coalescing')
  db = await Database.connect({ url: test.url, tables })
  plain = await Database.connect({ url: test.url, tables, coalesceLookups: false })
  db.on('query', (e) => events.push(e))
  plain.on('query', (e) => plainEvents.push(e))
  await db.executeScript(generateDDL([people, items]))
  await db.executeScript(`
    create table lc_flaky_base (id integer primary key, name text not null);
    insert into lc_flaky_base values (1, 'one'), (2, 'two'), (3, 'three');
    create function lc_flaky_check(key integer) returns boolean language plpgsql as $$
    begin
      if key = 2 then raise exception 'row 2 cannot be read'; end if;
      return true;
    end $$;
    create view lc_flaky as select * from lc_flaky_base where lc_flaky_check(id);
  `)
  const m = db.manager(PersonEntity)
  alive = await m.batchInsert(
    Array.from({ length: 6 }, (_, i) => ({
      email: `p${i}@x.io`,
      name: `person ${i}`,
      profile: { tags: [`t${i}`] },
    })),
  )
  gone = await m.insert({ email: 'gone@x.io', name: 'gone' })
  await m.deleteById(gone.id)
  gone = (await m.findById(gone.id, { withDeleted: true }))!
  await db
    .manager(ItemEntity)
    .batchInsert(Array.from({ length: 4 }, (_, i) => ({ sku: `sku-${i}` })))
})
afterAll(async () => {
  await db?.close()
  await plain?.close()
  await test?.drop()
})
beforeEach(() => {
  events = []
  plainEvents = []
})

describe('coalesced point lookups', () => {
  it('sends N concurrent findByUuid as one statement, and each caller gets its own row', async () => {
    const m = db.manager(PersonEntity)
    const found = await Promise.all(alive.map((p) => m.findByUuid(p.uuid)))
    expect(found.map((p) => p?.email)).toEqual(alive.map((p) => p.email))
    expect(found.every((p) => p instanceof PersonEntity)).toBe(true)
    const sent = on('lc_people')
    expect(sent.map((e) => e.text)).toEqual([
      `${tableStatements(people).lookupOf(people.$meta.publicId!, false)!.many}`,
    ])
    expect(sent[0]!.text).toContain('where "uuid" = any($1) and "deleted_at" is null')
    expect(sent[0]!.rowCount).toBe(alive.length)
  })

  it('sends a lone call as the single-key statement it always was', async () => {
    const found = await db.manager(PersonEntity).findByUuid(alive[0]!.uuid)
    expect(found?.id).toBe(alive[0]!.id)
    await db.manager(PersonEntity).findById(alive[1]!.id)
    expect(on('lc_people').map((e) => e.text)).toEqual([
      tableStatements(people).selectByPublicId,
      tableStatements(people).selectById,
    ])
  })

  it('gives duplicates distinct but equal entities, and missing keys null', async () => {
    const m = db.manager(PersonEntity)
    const u = alive[2]!.uuid
    const [a, b, missing, upper] = await Promise.all([
      m.findByUuid(u),
      m.findByUuid(u),
      m.findByUuid(MISSING),
      m.findByUuid(u.toUpperCase()),
    ])
    expect(a).toEqual(b)
    expect(a).toEqual(upper)
    expect(a).not.toBe(b)
    expect(a).not.toBe(upper)
    expect(a!.profile).not.toBe(b!.profile)
    expect(a!.joinedAt).not.toBe(b!.joinedAt)
    expect(missing).toBeNull()
    expect(on('lc_people')).toHaveLength(1)
  })

  it('leaves soft-deleted rows out unless withDeleted, which is a group of its own', async () => {
    const m = db.manager(PersonEntity)
    const [hidden, alsoHidden, shown, other] = await Promise.all([
      m.findByUuid(gone.uuid),
      m.findById(gone.id),
      m.findByUuid(gone.uuid, { withDeleted: true }),
      m.findByUuid(alive[0]!.uuid),
    ])
    expect(hidden).toBeNull()
    expect(alsoHidden).toBeNull()
    expect(shown?.deletedAt).toBeInstanceOf(Date)
    expect(other?.id).toBe(alive[0]!.id)
    // By uuid live (2 keys), by uuid with deleted (1), by id live (1).
    expect(on('lc_people')).toHaveLength(3)
  })

  it('coalesces findOne by a unique key with the other lookups of that key', async () => {
    const m = db.manager(PersonEntity)
    const [byEmail, byId, byWhereId, notUnique] = await Promise.all([
      m.findOne({ where: { email: 'p3@x.io' } }),
      m.findById(alive[4]!.id),
      m.findOne({ where: { id: { eq: alive[5]!.id } } }),
      m.findOne({ where: { name: 'person 1' } }),
    ])
    expect(byEmail?.id).toBe(alive[3]!.id)
    expect(byId?.id).toBe(alive[4]!.id)
    expect(byWhereId?.id).toBe(alive[5]!.id)
    expect(notUnique?.id).toBe(alive[1]!.id)
    const where = on('lc_people').map((e) => e.text.slice(e.text.indexOf(' where ')))
    expect(where.sort()).toEqual([
      ' where "email" = $1 and "deleted_at" is null',
      ' where "id" = any($1) and "deleted_at" is null',
      ' where "name" = $1 and "deleted_at" is null limit 1',
    ])
  })

  it('sends one statement per table when the tick mixes tables', async () => {
    const [person, item, byUnique, itemById, other] = await Promise.all([
      db.manager(PersonEntity).findByUuid(alive[0]!.uuid),
      db.manager(ItemEntity).findOne({ where: { sku: 'sku-1' } }),
      db.manager(ItemEntity).findOne({ where: { sku: 'sku-2' } }),
      db.manager(ItemEntity).findById(1n),
      db.manager(PersonEntity).findByUuid(alive[1]!.uuid),
    ])
    expect(person?.id).toBe(alive[0]!.id)
    expect(item?.sku).toBe('sku-1')
    expect(byUnique?.sku).toBe('sku-2')
    expect(itemById?.sku).toBe('sku-0')
    expect(other?.id).toBe(alive[1]!.id)
    expect(on('lc_people')).toHaveLength(1)
    const where = on('lc_items').map((e) => e.text.slice(e.text.indexOf(' where ')))
    expect(where.sort()).toEqual([' where "id" = $1', ' where "sku" = any($1)'])
  })

  it('shares one group between a handle and its public view', async () => {
    const [a, b] = await Promise.all([
      db.manager(PersonEntity).findByUuid(alive[0]!.uuid),
      db
        .public()
        .manager(PersonEntity)
        .findOne({ where: { uuid: alive[1]!.uuid } }),
    ])
    expect([a?.id, b?.id]).toEqual([alive[0]!.id, alive[1]!.id])
    expect(on('lc_people')).toHaveLength(1)
  })

  it('coalesces inside a transaction, which sees its own rows, and never mixes two transactions', async () => {
    // Two transactions open at once, each with an uncommitted row, each looking up both rows.
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const seen: Record<string, (string | null)[]> = {}
    const created: Record<string, string> = {}
    const run = (name: string) =>
      db.transaction(async (tx) => {
        const m = tx.manager(PersonEntity)
        created[name] = (await m.insert({ email: `${name}@tx.io`, name })).uuid
        await gate
        const found = await Promise.all([
          m.findByUuid(created.a!),
          m.findByUuid(created.b!),
          m.findByUuid(alive[0]!.uuid),
        ])
        seen[name] = found.map((p) => p?.name ?? null)
        throw new Error('roll back')
      })
    const done = Promise.allSettled([run('a'), run('b')])
    while (created.a === undefined || created.b === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    release()
    await done
    expect(seen).toEqual({ a: ['a', null, 'person 0'], b: [null, 'b', 'person 0'] })
    const lookups = on('lc_people').filter((e) => e.text.startsWith('select'))
    expect(lookups).toHaveLength(2)
    expect(lookups.every((e) => e.inTransaction && e.text.includes('= any($1)'))).toBe(true)
  })

  it('sends each key alone when the statement of several fails: each caller its own row or error', async () => {
    const m = db.manager(FlakyEntity)
    const results = await Promise.allSettled([m.findById(1), m.findById(2), m.findById(3)])
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { id: 1, name: 'one' } })
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(DatabaseError) })
    expect(results[2]).toMatchObject({ status: 'fulfilled', value: { id: 3, name: 'three' } })
    // The statement of three keys fails; then one statement per key (they end in any order).
    const sent = on('lc_flaky').map(
      (e) => `${e.text.slice(e.text.indexOf(' where '))} ${e.outcome}`,
    )
    expect(sent[0]).toBe(' where "id" = any($1) error')
    expect(sent.slice(1).sort()).toEqual([
      ' where "id" = $1 error',
      ' where "id" = $1 ok',
      ' where "id" = $1 ok',
    ])
  })

  it('in a transaction, a failed statement of several keys fails each of its callers', async () => {
    const results = await db
      .transaction(async (tx) => {
        const m = tx.manager(FlakyEntity)
        return Promise.allSettled([m.findById(1), m.findById(2)])
      })
      .catch((error: unknown) => error)
    expect(results).toEqual([
      { status: 'rejected', reason: expect.any(DatabaseError) },
      { status: 'rejected', reason: expect.any(DatabaseError) },
    ])
    expect(on('lc_flaky')).toHaveLength(1)
  })

  it('refuses a bad key before anything is queued, and the others still run together', async () => {
    const m = db.manager(PersonEntity)
    const results = await Promise.allSettled([
      m.findByUuid('nope'),
      m.findByUuid(alive[0]!.uuid),
      m.findByUuid(alive[1]!.uuid),
    ])
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(InvalidQueryError) })
    expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
    expect(on('lc_people')).toHaveLength(1)
  })

  it('with coalesceLookups: false sends one statement per call', async () => {
    const m = plain.manager(PersonEntity)
    const found = await Promise.all(alive.map((p) => m.findByUuid(p.uuid)))
    expect(found.map((p) => p?.id)).toEqual(alive.map((p) => p.id))
    const sent = on('lc_people', plainEvents)
    expect(sent).toHaveLength(alive.length)
    expect(new Set(sent.map((e) => e.text))).toEqual(
      new Set([tableStatements(people).selectByPublicId]),
    )
  })
})

// ------------------------------------------------------------------------ property

type Call =
  | {
      readonly kind: 'id'
      readonly table: 'people' | 'items'
      readonly key: number
      readonly withDeleted: boolean
    }
  | {
      readonly kind: 'uuid'
      readonly table: 'people' | 'items'
      readonly key: number
      readonly withDeleted: boolean
    }
  | {
      readonly kind: 'unique'
      readonly table: 'people' | 'items'
      readonly key: number
      readonly withDeleted: boolean
    }
  | {
      readonly kind: 'bad'
      readonly table: 'people' | 'items'
      readonly key: number
      readonly withDeleted: boolean
    }

describe('coalesced lookups give what one-by-one lookups give', () => {
  it('for random interleavings on two tables: duplicates, missing keys, soft-deleted rows, withDeleted', async () => {
    const peopleRows = [...alive, gone]
    const itemRows = await db.manager(ItemEntity).findAll({ orderBy: 'id' })
    // Keys by index: the rows, then one that matches nothing.
    const keyOf = (call: Call): unknown => {
      const rows: readonly { id: unknown; uuid: string }[] =
        call.table === 'people' ? peopleRows : itemRows
      const row = rows[call.key % (rows.length + 1)]
      switch (call.kind) {
        case 'id':
          return row?.id ?? 999_999
        case 'uuid':
          return call.key % 2 === 0 ? (row?.uuid ?? MISSING) : (row?.uuid ?? MISSING).toUpperCase()
        case 'unique':
          return row === undefined
            ? 'nobody'
            : call.table === 'people'
              ? (row as PersonEntity).email
              : (row as unknown as { sku: string }).sku
        case 'bad':
          return 'not a uuid'
      }
    }
    const invoke = (target: Database<typeof tables>, call: Call): Promise<unknown> => {
      const m: any = target.manager(call.table === 'people' ? PersonEntity : ItemEntity)
      const key = keyOf(call)
      const options = { withDeleted: call.withDeleted }
      switch (call.kind) {
        case 'id':
          return m.findById(key, options)
        case 'uuid':
        case 'bad':
          return m.findByUuid(key, options)
        case 'unique':
          return m.findOne({
            where: call.table === 'people' ? { email: key } : { sku: key },
            ...options,
          })
      }
    }
    const outcome = (settled: PromiseSettledResult<unknown>) =>
      settled.status === 'rejected'
        ? { error: (settled.reason as Error).constructor.name }
        : settled.value === null
          ? null
          : (settled.value as PersonEntity).toMap()
    const call = fc.record({
      kind: fc.constantFrom('id', 'uuid', 'unique', 'unique', 'bad'),
      table: fc.constantFrom('people', 'items'),
      key: fc.nat(12),
      withDeleted: fc.boolean(),
    }) as fc.Arbitrary<Call>
    // Ticks of calls: each tick's calls are made together, the next tick after they are done.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(call, { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 }),
        async (ticks) => {
          for (const tick of ticks) {
            const coalesced = await Promise.allSettled(tick.map((c) => invoke(db, c)))
            const alone: PromiseSettledResult<unknown>[] = []
            for (const c of tick) alone.push(...(await Promise.allSettled([invoke(plain, c)])))
            expect(coalesced.map(outcome)).toEqual(alone.map(outcome))
            // Every caller its own entity.
            const entities = coalesced.flatMap((r) =>
              r.status === 'fulfilled' && r.value !== null ? [r.value] : [],
            )
            expect(new Set(entities).size).toBe(entities.length)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
