/**
 * Issue 14, item 5: a keyset cursor is bound to the query shape that issued it (table, sort
 * columns, direction, public or trusted view). fast-check draws an issuing shape and a replaying
 * shape among every combination of two tables, their sortable properties (hidden ones included,
 * in the trusted view), both directions and both views: a replay on any other shape is refused
 * with InvalidQueryError before anything is sent, a replay on the same shape gives the next page.
 *
 * FUZZ_RUNS (default 5000, the fuzz suite's total) sets the number of cases here to a twentieth
 * of it (at least 100); FUZZ_SEED replays a run:
 * `FUZZ_SEED=<seed> npx vitest run --project integration test/integration/fuzz-cursors.test.ts`.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { c, Database, defineTable, Entity, generateDDL, InvalidQueryError } from '../../src/index'
import { loggedDatabase } from '../setup/logged-database'
import { testDatabase } from '../setup/test-database'

const TOTAL_RUNS = positiveInt(process.env.FUZZ_RUNS, 5000)
const RUNS = Math.max(100, Math.round(TOTAL_RUNS / 20))
const SEED =
  process.env.FUZZ_SEED === undefined
    ? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0
    : Number(process.env.FUZZ_SEED)

function positiveInt(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error('FUZZ_RUNS must be a positive integer')
  return n
}

const users = defineTable('fc_users', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.varchar(255).notNull(),
  age: c.integer().notNull(),
  passwordHash: c.varchar(255).notNull().secret(),
})
const posts = defineTable('fc_posts', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  userId: c
    .integer()
    .notNull()
    .references(() => users.id),
  title: c.text().notNull(),
  score: c.integer().notNull(),
})
class UserEntity extends Entity.of(users) {}
class PostEntity extends Entity.of(posts) {}
const tables = { users, posts }

/** One query shape: what a cursor is bound to. */
interface Shape {
  readonly table: 'users' | 'posts'
  readonly orderBy: string | undefined
  readonly orderDirection: 'asc' | 'desc'
  readonly view: 'trusted' | 'public'
}

const SORTABLE = {
  users: [undefined, 'id', 'uuid', 'email', 'age', 'passwordHash'],
  posts: [undefined, 'id', 'uuid', 'userId', 'title', 'score'],
} as const
const HIDDEN = new Set(['id', 'passwordHash', 'userId'])

/** Every shape: hidden sort columns only in the trusted view, where they are accepted. */
const SHAPES: Shape[] = (['users', 'posts'] as const).flatMap((table) =>
  SORTABLE[table].flatMap((orderBy) =>
    (['asc', 'desc'] as const).flatMap((orderDirection) =>
      (['trusted', 'public'] as const)
        .filter((view) => view === 'trusted' || orderBy === undefined || !HIDDEN.has(orderBy))
        .map((view) => ({ table, orderBy, orderDirection, view })),
    ),
  ),
)

/** `orderBy: 'id'` and no orderBy sort alike: the same shape (the primary key alone). */
function sameShape(a: Shape, b: Shape): boolean {
  const key = (s: Shape) => (s.orderBy === undefined ? 'id' : s.orderBy)
  return (
    a.table === b.table &&
    key(a) === key(b) &&
    a.orderDirection === b.orderDirection &&
    a.view === b.view
  )
}

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
const statements: string[] = []

function page(shape: Shape, after?: string | null) {
  const handle = shape.view === 'public' ? db.public() : db
  const manager = shape.table === 'users' ? handle.manager(UserEntity) : handle.manager(PostEntity)
  return manager.paginateByCursor({
    limit: 1,
    ...(shape.orderBy === undefined ? {} : { orderBy: shape.orderBy as never }),
    orderDirection: shape.orderDirection,
    ...(after === undefined ? {} : { after }),
  })
}

beforeAll(async () => {
  test = await testDatabase('fuzz_cursors')
  // Every statement sent is recorded: a refusal must send none.
  db = loggedDatabase(test.url, tables, 'fuzz cursors', statements)
  await db.executeScript(generateDDL([users, posts]))
  const [a, b] = await db.manager(UserEntity).batchInsert([
    { email: 'a@example.com', age: 42, passwordHash: 'h1' },
    { email: 'b@example.com', age: 7, passwordHash: 'h2' },
  ])
  await db.manager(PostEntity).batchInsert([
    { userId: a!.id, title: 'one', score: 3 },
    { userId: b!.id, title: 'two', score: 1 },
    { userId: a!.id, title: 'three', score: 2 },
  ])
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

describe('fuzz: keyset cursors are bound to the query that issued them', () => {
  it('a posts cursor by userId is refused by users ordered by age (no id oracle)', async () => {
    const issued = await db.manager(PostEntity).paginateByCursor({ limit: 1, orderBy: 'userId' })
    expect(issued.nextCursor).not.toBeNull()
    const before = statements.length
    const error = await db
      .manager(UserEntity)
      .paginateByCursor({ limit: 5, orderBy: 'age', after: issued.nextCursor })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidQueryError)
    expect((error as InvalidQueryError).path).toBe('after')
    expect(statements.length).toBe(before)
  })

  it(`replays across tables, orders, directions and views: ${RUNS} cases (FUZZ_SEED=${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SHAPES),
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...SHAPES) },
          // The same shape, often: it must keep working.
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        async (issuer, other) => {
          const replay = other ?? issuer
          const first = await page(issuer)
          expect(first.nextCursor).not.toBeNull()
          const before = statements.length
          const outcome = await page(replay, first.nextCursor).then(
            (next) => ({ next }),
            (error: unknown) => ({ error }),
          )
          if (sameShape(issuer, replay)) {
            if ('error' in outcome) throw outcome.error
            // The next page: another row than the first.
            expect(outcome.next.items).toHaveLength(1)
            expect(outcome.next.items[0]!.uuid).not.toBe(first.items[0]!.uuid)
          } else {
            expect('error' in outcome && outcome.error instanceof InvalidQueryError).toBe(true)
            expect((outcome as { error: InvalidQueryError }).error.path).toBe('after')
            expect(statements.length).toBe(before)
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    )
  }, 120_000)

  it('across Database instances: valid with the same cursorSecret, refused with another or none', async () => {
    const issued = await db.manager(UserEntity).paginateByCursor({ limit: 1, orderBy: 'age' })
    const open = (cursorSecret?: string) =>
      Database.connect({
        url: test.url,
        tables,
        max: 1,
        ...(cursorSecret === undefined ? {} : { cursorSecret }),
      })
    const same = await open('fuzz cursors')
    const other = await open('another secret')
    const random = await open()
    try {
      const next = await same
        .manager(UserEntity)
        .paginateByCursor({ limit: 1, orderBy: 'age', after: issued.nextCursor })
      expect(next.items[0]!.age).toBe(42)
      for (const instance of [other, random]) {
        await expect(
          instance
            .manager(UserEntity)
            .paginateByCursor({ limit: 1, orderBy: 'age', after: issued.nextCursor }),
        ).rejects.toBeInstanceOf(InvalidQueryError)
      }
    } finally {
      await Promise.all([same.close(), other.close(), random.close()])
    }
  })
})
