import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ConnectionError,
  c,
  Database,
  DatabaseClosedError,
  defineTable,
  Entity,
  generateDDL,
  InvalidDefinitionError,
  InvalidQueryError,
  MissingParameterError,
  PostgresJsDriver,
  TransactionClosedError,
  UniqueViolationError,
} from '../../src/index'
import { functions, users } from '../fixtures/tables'
import { testDatabase } from '../setup/test-database'

class UserEntity extends Entity.of(users) {}

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ users: typeof users; functions: typeof functions }>

beforeAll(async () => {
  test = await testDatabase('database')
  db = await Database.connect({ url: test.url, tables: { users, functions }, max: 4 })
  // The tables exactly as their definitions create them.
  await db.executeScript(generateDDL([users, functions]))
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

const countUsers = async (handle: Database<any> = db) =>
  Number((await handle.rawOne<{ n: bigint }>('SELECT count(*) AS n FROM users'))?.n)

async function addUser(handle: Database<any>, email: string) {
  const row = await handle.rawOne<{ id: number }>(
    'INSERT INTO users (email, password_hash) VALUES (@email, @hash) RETURNING id',
    { email, hash: 'h' },
  )
  return row!.id
}

describe('plain statements go straight to the driver', () => {
  it('outside a transaction no statement takes a Kysely connection; inside one they all share one', async () => {
    const acquire = vi.spyOn(PostgresJsDriver.prototype, 'acquireConnection')
    try {
      const rows = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.rawOne<{ n: number }>('SELECT @n::int AS n', { n: i }),
        ),
      )
      expect(rows.map((r) => r?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      await db.manager(UserEntity).count()
      expect(acquire).not.toHaveBeenCalled()
      await db.transaction(async (tx) => {
        await tx.raw('SELECT 1')
        await tx.raw('SELECT 2')
      })
      expect(acquire).toHaveBeenCalledTimes(1)
    } finally {
      acquire.mockRestore()
    }
  })
})

describe('Database.connect', () => {
  it('fails fast with a ConnectionError when the server is not there', async () => {
    const url = new URL(test.url)
    url.port = '1'
    await expect(
      Database.connect({ url: url.toString(), tables: { users }, connectTimeout: 5 }),
    ).rejects.toBeInstanceOf(ConnectionError)
  })

  it('refuses tables that are not definitions, or two definitions of one table', async () => {
    await expect(
      Database.connect({ url: test.url, tables: { users: { name: 'users' } as any } }),
    ).rejects.toBeInstanceOf(InvalidDefinitionError)
    await expect(
      Database.connect({ url: test.url, tables: { a: users, b: users } }),
    ).rejects.toThrow(/both define table "users"/)
  })

  it('gives a typed Kysely instance over the definitions', async () => {
    await addUser(db, 'kysely@x.io')
    const rows = await db.kysely
      .selectFrom('users')
      .select(['uuid', 'email', 'created_at'])
      .where('email', '=', 'kysely@x.io')
      .execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]?.email).toBe('kysely@x.io')
    expect(rows[0]?.created_at).toBeInstanceOf(Date)
    const entity = UserEntity.fromMap(
      await db.kysely
        .selectFrom('users')
        .selectAll()
        .where('email', '=', 'kysely@x.io')
        .executeTakeFirstOrThrow(),
    )
    expect(entity).toBeInstanceOf(UserEntity)
    expect(entity.email).toBe('kysely@x.io')
  })
})

describe('raw SQL with named parameters', () => {
  it('binds named parameters, repeated names once', async () => {
    const rows = await db.raw<{ a: number; b: string; again: number }>(
      'SELECT @a::int AS a, @b::text AS b, @a::int + 1 AS again',
      { a: 41, b: "it's" },
    )
    expect(rows).toEqual([{ a: 41, b: "it's", again: 42 }])
  })

  it('leaves @ in strings, comments, dollar quotes and operators alone', async () => {
    const row = await db.rawOne<Record<string, unknown>>(
      `SELECT 'mail@example.com' AS literal, -- @not_a_param
         $$ body @x $$ AS dollar, /* @nope */ '{"a":1}'::jsonb @> '{"a":1}'::jsonb AS contains,
         @value::text AS value`,
      { value: 'v' },
    )
    expect(row).toEqual({
      literal: 'mail@example.com',
      dollar: ' body @x ',
      contains: true,
      value: 'v',
    })
  })

  it('throws MissingParameterError before sending anything', async () => {
    await expect(
      db.raw("INSERT INTO users (email, password_hash) VALUES (@email, 'h')", {}),
    ).rejects.toBeInstanceOf(MissingParameterError)
    await expect(db.raw('SELECT @constructor::text AS x', {})).rejects.toBeInstanceOf(
      MissingParameterError,
    )
    expect(await db.rawOne('SELECT count(*)::int AS n FROM users WHERE email IS NULL')).toEqual({
      n: 0,
    })
  })

  it('sends hostile values as values, never as SQL', async () => {
    const evil = "x'); DROP TABLE users; --"
    const row = await db.rawOne<{ v: string }>('SELECT @v::text AS v', { v: evil })
    expect(row?.v).toBe(evil)
    expect(await countUsers()).toBeGreaterThanOrEqual(1)
  })

  it('rawOne returns null when there is no row', async () => {
    expect(await db.rawOne('SELECT 1 AS one WHERE false')).toBeNull()
  })

  it('maps database errors to typed errors', async () => {
    await addUser(db, 'dup@x.io')
    const error = await addUser(db, 'dup@x.io').catch((e) => e)
    expect(error).toBeInstanceOf(UniqueViolationError)
    expect(error.columns).toEqual(['email'])
    expect(String(error.message)).not.toContain('dup@x.io')
  })
})

describe('transactions', () => {
  it('commits what the callback did and returns its result', async () => {
    const before = await countUsers()
    const id = await db.transaction(async (tx) => {
      expect(tx.isTransaction).toBe(true)
      return addUser(tx, 'commit@x.io')
    })
    expect(typeof id).toBe('number')
    expect(await countUsers()).toBe(before + 1)
  })

  it('rolls back everything when the callback throws, and rethrows', async () => {
    const before = await countUsers()
    const boom = new Error('boom')
    await expect(
      db.transaction(async (tx) => {
        await addUser(tx, 'rollback1@x.io')
        await tx.kysely
          .insertInto('users')
          .values({ email: 'rollback2@x.io', password_hash: 'h' })
          .execute()
        expect(await countUsers(tx)).toBe(before + 2)
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await countUsers()).toBe(before)
  })

  it('rolls back when a statement fails, with the typed error', async () => {
    const before = await countUsers()
    await addUser(db, 'taken@x.io')
    await expect(
      db.transaction(async (tx) => {
        await addUser(tx, 'fresh@x.io')
        await addUser(tx, 'taken@x.io')
      }),
    ).rejects.toBeInstanceOf(UniqueViolationError)
    expect(await countUsers()).toBe(before + 1)
  })

  it('isolates uncommitted work from other connections', async () => {
    await db
      .transaction(async (tx) => {
        await addUser(tx, 'invisible@x.io')
        const outside = await db.rawOne('SELECT 1 AS x FROM users WHERE email = @e', {
          e: 'invisible@x.io',
        })
        expect(outside).toBeNull()
        throw new Error('discard')
      })
      .catch(() => {})
    expect(
      await db.rawOne('SELECT 1 FROM users WHERE email = @e', { e: 'invisible@x.io' }),
    ).toBeNull()
  })

  it('applies the isolation level and access mode', async () => {
    const level = await db.transaction(
      async (tx) =>
        (await tx.rawOne<{ transaction_isolation: string }>('SHOW transaction_isolation'))
          ?.transaction_isolation,
      { isolationLevel: 'serializable' },
    )
    expect(level).toBe('serializable')
    const repeatable = await db.transaction(
      async (tx) =>
        (await tx.rawOne<{ transaction_isolation: string }>('SHOW transaction_isolation'))
          ?.transaction_isolation,
      { isolationLevel: 'repeatable read' },
    )
    expect(repeatable).toBe('repeatable read')
    await expect(
      db.transaction((tx) => addUser(tx, 'readonly@x.io'), { accessMode: 'read only' }),
    ).rejects.toThrow(/read-only transaction/)
  })

  it('refuses unknown isolation levels before starting anything', async () => {
    await expect(
      db.transaction(async () => 1, { isolationLevel: 'chaos' as any }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
  })

  it('nested transactions are savepoints: an inner throw rolls back only the inner level', async () => {
    const before = await countUsers()
    await db.transaction(async (tx) => {
      await addUser(tx, 'outer@x.io')
      await expect(
        tx.transaction(async (inner) => {
          await addUser(inner, 'inner-discarded@x.io')
          throw new Error('inner')
        }),
      ).rejects.toThrow('inner')
      await tx.transaction(async (inner) => {
        await addUser(inner, 'inner-kept@x.io')
        await inner.transaction(async (deeper) => {
          await addUser(deeper, 'deeper-kept@x.io')
        })
      })
    })
    const emails = (
      await db.raw<{ email: string }>(
        "SELECT email FROM users WHERE email IN ('outer@x.io','inner-discarded@x.io','inner-kept@x.io','deeper-kept@x.io') ORDER BY email",
      )
    ).map((r) => r.email)
    expect(emails).toEqual(['deeper-kept@x.io', 'inner-kept@x.io', 'outer@x.io'])
    expect(await countUsers()).toBe(before + 3)
  })

  it('a savepoint that fails with a database error leaves the outer transaction usable', async () => {
    await addUser(db, 'exists@x.io')
    const result = await db.transaction(async (tx) => {
      const failed = await tx
        .transaction(async (inner) => addUser(inner, 'exists@x.io'))
        .catch((e) => e)
      expect(failed).toBeInstanceOf(UniqueViolationError)
      return addUser(tx, 'after-savepoint@x.io')
    })
    expect(typeof result).toBe('number')
  })

  it('an outer rollback discards released savepoints too', async () => {
    const before = await countUsers()
    await db
      .transaction(async (tx) => {
        await tx.transaction((inner) => addUser(inner, 'released@x.io'))
        throw new Error('outer fails')
      })
      .catch(() => {})
    expect(await countUsers()).toBe(before)
  })

  it('a transaction handle cannot be used after its transaction ends', async () => {
    let escaped: Database<any> | undefined
    await db.transaction(async (tx) => {
      escaped = tx
    })
    await expect(escaped!.raw('SELECT 1')).rejects.toBeInstanceOf(TransactionClosedError)
    expect(() => escaped!.kysely).toThrow(TransactionClosedError)
  })

  it('the parent handle is refused while a nested transaction runs, and nested options are refused', async () => {
    await db.transaction(async (tx) => {
      await tx.transaction(async () => {
        await expect(tx.raw('SELECT 1')).rejects.toBeInstanceOf(TransactionClosedError)
      })
      await expect(
        tx.transaction(async () => 1, { isolationLevel: 'serializable' }),
      ).rejects.toBeInstanceOf(InvalidQueryError)
    })
  })

  it('runs many transactions concurrently on a small pool without leaking connections', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.raw('SELECT pg_sleep(0.005)')
          return i
        }),
      ),
    )
    expect(results).toEqual(Array.from({ length: 24 }, (_, i) => i))
  })
})

describe('scripts and prepared statements', () => {
  it('executeScript runs several statements (DDL with a dollar-quoted body) at once', async () => {
    await db.executeScript(`
      CREATE TABLE script_a (x int);
      CREATE FUNCTION script_f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
      INSERT INTO script_a VALUES (41), (1);`)
    expect(await db.rawOne('SELECT sum(x)::int + script_f() AS total FROM script_a')).toEqual({
      total: 43,
    })
  })

  it('generateDDL creates the extension a legacy uuid_generate_v4() default needs', async () => {
    const legacy = defineTable('legacy_ids', {
      id: c.uuid().primaryKey().defaultSql('uuid_generate_v4()'),
      note: c.text(),
    })
    await db.executeScript(generateDDL([legacy]))
    const row = await db.rawOne<{ id: string }>(
      "INSERT INTO legacy_ids (note) VALUES ('x') RETURNING id",
    )
    expect(row?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/)
  })

  it('a statement without parameters still runs prepared; several statements need executeScript', async () => {
    const single = await Database.connect({ url: test.url, tables: {}, max: 1 })
    try {
      await single.raw('SELECT 12345 AS marker')
      const prepared = await single.raw<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements WHERE statement = @text',
        { text: 'SELECT 12345 AS marker' },
      )
      expect(prepared).toHaveLength(1)
      await expect(single.raw('SELECT 1; SELECT 2')).rejects.toThrow(/multiple commands/)
    } finally {
      await single.close()
    }
  })
})

describe('close', () => {
  it('ends the pool; later calls throw DatabaseClosedError', async () => {
    const other = await Database.connect({ url: test.url, tables: { users } })
    expect(await other.rawOne('SELECT 1 AS one')).toEqual({ one: 1 })
    await other.close()
    await expect(other.raw('SELECT 1')).rejects.toBeInstanceOf(DatabaseClosedError)
    await other.close()
  })
})
