import { CompiledQuery, type ControlledTransaction, Kysely, sql } from 'kysely'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  asScript,
  CheckViolationError,
  ConnectionError,
  createPostgresClient,
  DatabaseError,
  ForeignKeyViolationError,
  KyselyEntitiesError,
  NotNullViolationError,
  PostgresJsDialect,
  SerializationFailureError,
  UniqueViolationError,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

let test: Awaited<ReturnType<typeof testDatabase>>
let client: postgres.Sql
let db: Kysely<any>

/** The error `work` rejects with (fails the test if it resolves). */
async function caught(work: Promise<unknown>): Promise<any> {
  try {
    await work
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

function expectMapped(error: unknown, type: abstract new (...args: any[]) => DatabaseError) {
  expect(error).toBeInstanceOf(type)
  expect(error).toBeInstanceOf(DatabaseError)
  expect(error).toBeInstanceOf(KyselyEntitiesError)
  // The driver's error is kept out of logs: not the cause, but there when asked for.
  expect((error as Error).cause).toBeUndefined()
  expect((error as DatabaseError).driverError()).toBeDefined()
}

beforeAll(async () => {
  test = await testDatabase('db_errors')
  client = createPostgresClient({ url: test.url, max: 4 })
  db = new Kysely<any>({ dialect: new PostgresJsDialect({ sql: client }) })
  // Several statements in one text: a script (simple protocol), not a prepared statement.
  await db.executeQuery(
    asScript(
      CompiledQuery.raw(`
    create table users (id serial primary key, email text not null unique);
    create table tags (
      id serial primary key,
      user_id int not null references users (id),
      name text not null,
      unique (user_id, name));
    create table products (id serial primary key, price numeric constraint price_positive check (price > 0));
    create table accounts (id int primary key, balance int not null);
    insert into users (email) values ('a@x.io');
    insert into accounts values (1, 100), (2, 100);
  `),
    ),
  )
})

afterAll(async () => {
  await db?.destroy()
  await client?.end()
  await test?.drop()
})

describe('database errors through the driver', () => {
  it('UniqueViolationError names the constraint, its columns and the table', async () => {
    await db.insertInto('tags').values({ user_id: 1, name: 'red' }).execute()
    const error = await caught(db.insertInto('tags').values({ user_id: 1, name: 'red' }).execute())
    expectMapped(error, UniqueViolationError)
    expect(error).toMatchObject({
      code: 'UNIQUE_VIOLATION',
      sqlState: '23505',
      constraint: 'tags_user_id_name_key',
      columns: ['user_id', 'name'],
      table: 'tags',
    })
  })

  it('ForeignKeyViolationError', async () => {
    const error = await caught(db.insertInto('tags').values({ user_id: 999, name: 'x' }).execute())
    expectMapped(error, ForeignKeyViolationError)
    expect(error).toMatchObject({
      code: 'FOREIGN_KEY_VIOLATION',
      sqlState: '23503',
      constraint: 'tags_user_id_fkey',
      columns: ['user_id'],
      table: 'tags',
    })
  })

  it('NotNullViolationError names the column', async () => {
    const error = await caught(db.insertInto('users').values({ email: null }).execute())
    expectMapped(error, NotNullViolationError)
    expect(error).toMatchObject({ code: 'NOT_NULL_VIOLATION', column: 'email', table: 'users' })
  })

  it('CheckViolationError names the constraint', async () => {
    const error = await caught(db.insertInto('products').values({ price: -1 }).execute())
    expectMapped(error, CheckViolationError)
    expect(error).toMatchObject({ code: 'CHECK_VIOLATION', constraint: 'price_positive' })
  })

  it('SerializationFailureError for a serialization failure (40001)', async () => {
    const start = () => db.startTransaction().setIsolationLevel('serializable').execute()
    const [t1, t2] = await Promise.all([start(), start()])
    const total = (trx: ControlledTransaction<any>) =>
      trx
        .selectFrom('accounts')
        .select((eb) => eb.fn.sum('balance').as('total'))
        .execute()
    await total(t1)
    await total(t2)
    await t1.updateTable('accounts').set({ balance: 0 }).where('id', '=', 1).execute()
    const error = await caught(
      (async () => {
        await t2.updateTable('accounts').set({ balance: 0 }).where('id', '=', 2).execute()
        await t1.commit().execute()
        await t2.commit().execute()
      })(),
    )
    if (!t1.isCommitted) await t1.rollback().execute()
    await t2.rollback().execute()
    expectMapped(error, SerializationFailureError)
    expect(error).toMatchObject({
      code: 'SERIALIZATION_FAILURE',
      sqlState: '40001',
      deadlock: false,
    })
  })

  it('SerializationFailureError with deadlock for a deadlock (40P01)', async () => {
    const [t1, t2] = await Promise.all([
      db.startTransaction().execute(),
      db.startTransaction().execute(),
    ])
    const lock = (trx: ControlledTransaction<any>, id: number) =>
      trx.updateTable('accounts').set({ balance: 1 }).where('id', '=', id).execute()
    await lock(t1, 1)
    await lock(t2, 2)
    // The victim rolls back at once, so that the other can go on.
    const outcome = (trx: ControlledTransaction<any>, id: number) =>
      lock(trx, id).then(
        () => undefined,
        async (error: unknown) => {
          await trx.rollback().execute()
          return error
        },
      )
    const results = await Promise.all([outcome(t1, 2), outcome(t2, 1)])
    const errors = results.filter((e) => e !== undefined)
    expect(errors).toHaveLength(1)
    expectMapped(errors[0], SerializationFailureError)
    expect(errors[0]).toMatchObject({ sqlState: '40P01', deadlock: true })
    for (const trx of [t1, t2]) if (!trx.isRolledBack) await trx.rollback().execute()
  })

  it('a plain DatabaseError for anything else, e.g. a syntax error', async () => {
    const error = await caught(sql`selec 1`.execute(db))
    expectMapped(error, DatabaseError)
    expect(error.constructor).toBe(DatabaseError)
    expect(error).toMatchObject({ code: 'DATABASE', sqlState: '42601' })
  })

  it('a statement timeout is a DatabaseError 57014', async () => {
    const timed = createPostgresClient({ url: test.url, max: 1, statementTimeout: 50 })
    const k = new Kysely<any>({ dialect: new PostgresJsDialect({ sql: timed, ownsClient: true }) })
    try {
      const error = await caught(sql`select pg_sleep(2)`.execute(k))
      expectMapped(error, DatabaseError)
      expect(error).toMatchObject({ sqlState: '57014' })
    } finally {
      await k.destroy()
    }
  })

  it('ConnectionError when the server cannot be reached', async () => {
    const nowhere = createPostgresClient({ url: 'postgres://u:p@127.0.0.1:1/x', max: 1 })
    const k = new Kysely<any>({
      dialect: new PostgresJsDialect({ sql: nowhere, ownsClient: true }),
    })
    const refused = await caught(sql`select 1`.execute(k))
    await k.destroy()
    expect(refused).toBeInstanceOf(ConnectionError)
    expect(refused).toBeInstanceOf(KyselyEntitiesError)
    expect(refused).toMatchObject({ code: 'CONNECTION' })
    expect(refused.cause).toBeUndefined()
    expect(refused.driverError()).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('ConnectionError when the connection of a transaction breaks mid-statement', async () => {
    const one = createPostgresClient({ url: test.url, max: 1 })
    const k = new Kysely<any>({ dialect: new PostgresJsDialect({ sql: one, ownsClient: true }) })
    try {
      const trx = await k.startTransaction().execute()
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)
      const sleeping = caught(sql`select pg_sleep(10)`.execute(trx))
      // Terminated only once the server runs the statement: mid-statement, whatever the timing.
      await expect
        .poll(
          async () =>
            (
              await sql<{ query: string }>`select query from pg_stat_activity
                where pid = ${rows[0]?.pid}::int and state = 'active'`.execute(db)
            ).rows[0]?.query,
          { timeout: 30_000 },
        )
        .toContain('pg_sleep')
      await sql`select pg_terminate_backend(${rows[0]?.pid}::int)`.execute(db)
      expect(await sleeping).toBeInstanceOf(ConnectionError)
      // Later statements fail at once instead of hanging on the dead connection.
      expect(await caught(sql`select 1`.execute(trx))).toBeInstanceOf(ConnectionError)
      await trx.rollback().execute()
      // postgres.js 3.4.9 may hand the killed session's FATAL error to the next statement on
      // the reconnected connection, once; after that the pool of one works again.
      const first = await caught(sql`select 1`.execute(k)).catch(() => undefined)
      if (first !== undefined) expect(first).toBeInstanceOf(ConnectionError)
      expect((await sql`select 1 as one`.execute(k)).rows).toEqual([{ one: 1 }])
    } finally {
      await k.destroy()
    }
  })

  it('never puts parameter values in messages', async () => {
    const email = 'SECRET-token-4f1c@x.io'
    await db.insertInto('users').values({ email }).execute()
    const unique = await caught(db.insertInto('users').values({ email }).execute())
    expectMapped(unique, UniqueViolationError)
    const uuid = await caught(sql`select ${'not-a-uuid-SECRET'}::uuid`.execute(db))
    expectMapped(uuid, DatabaseError)
    expect(uuid).toMatchObject({ sqlState: '22P02' })
    for (const error of [unique, uuid]) {
      expect(error.message).not.toContain('SECRET')
      expect(String(error)).not.toContain('SECRET')
    }
  })
})
