import { CompiledQuery } from 'kysely'
import { describe, expect, it, vi } from 'vitest'
import {
  c,
  defineTable,
  Entity,
  EntityValidationError,
  InvalidQueryError,
  type ValidationIssue,
} from '../../src/index'
import {
  arrayLiteral,
  batchInsert,
  checkBatchOptions,
  insertStatements,
  MAX_PARAMETERS,
  parseRows,
  serializeValue,
  valuesRowsPerStatement,
} from '../../src/manager/batch-insert'
import {
  checkUpsertOptions,
  conflictKeys,
  findDuplicateKey,
  lockOrder,
  upsert,
  upsertMany,
  upsertStatements,
} from '../../src/manager/upsert'
import {
  castType,
  onConflictClause,
  selectByKeysSql,
  unnestInsertSql,
  valuesInsert,
} from '../../src/query/batch-statements'
import type { QueryExecutor } from '../../src/query/executor'
import { tableStatements } from '../../src/query/table-statements'
import { everyKind, functions, users } from '../fixtures/tables'

class UserEntity extends Entity.of(users) {}
class FunctionEntity extends Entity.of(functions) {}

const USERS_RETURNING =
  ' returning "id", "uuid", "email", "password_hash", "created_at", "updated_at"'

const user = (i: number) => ({ email: `u${i}@x.io`, passwordHash: `h${i}` })

/**
 * An executor that records statements and answers each with one fake row per input row;
 * `beforeEach` runs before each statement is answered (and may throw, as a failed statement).
 */
function recordingExecutor(beforeEach?: () => void) {
  const statements: { sql: string; parameters: readonly unknown[] }[] = []
  let transactions = 0
  let nextId = 1
  const executor = {
    execute: async (query: CompiledQuery) => {
      beforeEach?.()
      statements.push({ sql: query.sql, parameters: query.parameters })
      const match = /unnest\(\$1::[^,)]+\)?/.exec(query.sql)
      // One row per element of the first array parameter, or per VALUES tuple.
      const rows = match
        ? (JSON.parse(
            `[${String(query.parameters[0]).slice(1, -1).replaceAll('NULL', 'null')}]`,
          ) as unknown[])
        : (query.sql.match(/\),? \(|values \(/g) ?? [])
      return {
        rows: query.sql.includes('returning')
          ? rows.map(() => ({ id: nextId++, email: 'e', uuid: 'u' }))
          : [],
        numAffectedRows: BigInt(rows.length),
      }
    },
    transaction: async <R>(fn: (e: QueryExecutor) => Promise<R>) => {
      transactions++
      return fn(executor as unknown as QueryExecutor).catch((error: unknown) => {
        rollbacks++
        throw error
      })
    },
  }
  let rollbacks = 0
  return {
    executor: executor as unknown as QueryExecutor,
    statements,
    transactions: () => transactions,
    rollbacks: () => rollbacks,
  }
}

/** An executor that must not be reached: validation fails before anything is sent. */
const unreachable = new Proxy({} as QueryExecutor, {
  get: () => {
    throw new Error('nothing may be sent')
  },
})

function validationError(fn: () => unknown): EntityValidationError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(EntityValidationError)
    return error as EntityValidationError
  }
  throw new Error('expected an EntityValidationError')
}

const paths = (issues: readonly ValidationIssue[]) => issues.map((i) => i.path)

describe('the unnest form', () => {
  it('is one array parameter per column, ordered by ordinality, with RETURNING', () => {
    expect(unnestInsertSql(users, [users.email, users.passwordHash], USERS_RETURNING)).toBe(
      'insert into "users" ("email", "password_hash") select s.c1, s.c2 from ' +
        'unnest($1::varchar[], $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i' +
        USERS_RETURNING,
    )
  })

  it('casts to the base type of each column (no typmods), arrays travel as text[] literals', () => {
    const columns = [
      everyKind.id,
      everyKind.price,
      everyKind.score,
      everyKind.code,
      everyKind.atTz,
      everyKind.data,
      everyKind.tags,
      everyKind.counts,
    ]
    expect(unnestInsertSql(everyKind, columns)).toBe(
      'insert into "every_kind" ("id", "price", "score", "code", "at_tz", "data", "tags", "counts") ' +
        'select s.c1, s.c2, s.c3, s.c4, s.c5, s.c6, s.c7::text[], s.c8::integer[] from unnest(' +
        '$1::bigint[], $2::numeric[], $3::double precision[], $4::varchar[], $5::timestamptz[], ' +
        '$6::jsonb[], $7::text[], $8::text[]) with ordinality as s(c1, c2, c3, c4, c5, c6, c7, c8, i) ' +
        'order by s.i',
    )
    expect(castType(users.id)).toBe('integer')
    expect(castType(everyKind.id)).toBe('bigint')
    expect(castType(everyKind.price)).toBe('numeric')
  })

  it('builds each text once per table and shape', () => {
    const build = vi.fn(() => 'SELECT 1')
    const table = defineTable('cache_probe', { id: c.serial().primaryKey() })
    expect(tableStatements(table).cached('k', build)).toBe('SELECT 1')
    expect(tableStatements(table).cached('k', build)).toBe('SELECT 1')
    expect(build).toHaveBeenCalledTimes(1)
    expect(tableStatements(users).cached('k', () => 'other')).toBe('other')
  })

  it('sends the same text for every chunk, with one array literal per column', () => {
    const parsed = parseRows(users, [user(1), user(2), user(3)])
    const [first, second] = [
      insertStatements(users, parsed, 0, 2, { returning: true, chunkSize: 2 }),
      insertStatements(users, parsed, 2, 3, { returning: true, chunkSize: 2 }),
    ]
    expect(first).toHaveLength(1)
    expect(first[0]?.sql).toBe(second[0]?.sql)
    expect(first[0]?.parameters).toEqual(['{"u1@x.io","u2@x.io"}', '{"h1","h2"}'])
    expect(second[0]?.rows).toEqual([2])
  })

  it('omits RETURNING with returning: false', () => {
    const parsed = parseRows(users, [user(1)])
    const [statement] = insertStatements(users, parsed, 0, 1, { returning: false, chunkSize: 10 })
    expect(statement?.sql.endsWith('order by s.i')).toBe(true)
  })

  it('writes NULL for an omitted column without a default, and leaves out columns no row gives', () => {
    const parsed = parseRows(functions, [
      { userId: 1, name: 'a', activeDeploymentId: 5 },
      { userId: 1, name: 'b' },
    ])
    const [statement, more] = insertStatements(functions, parsed, 0, 2, {
      returning: false,
      chunkSize: 10,
    })
    expect(more).toBeUndefined()
    expect(statement?.sql).toContain('("user_id", "name", "active_deployment_id") select')
    expect(statement?.parameters).toEqual(['{"1","1"}', '{"a","b"}', '{"5",NULL}'])
  })
})

describe('the VALUES fallback', () => {
  it('writes DEFAULT where a row omits a defaulted column that another row gives', () => {
    const parsed = parseRows(functions, [
      { userId: 1, name: 'a' },
      { userId: 2, name: 'b', status: 'paused' },
    ])
    const statements = insertStatements(functions, parsed, 0, 2, {
      returning: true,
      chunkSize: 10,
    })
    expect(statements).toHaveLength(1)
    expect(statements[0]?.sql).toBe(
      'insert into "functions" ("user_id", "name", "status") values ' +
        '($1::text::integer, $2::text::varchar, default), ' +
        '($3::text::integer, $4::text::varchar, $5::text::varchar) returning "id", "uuid", ' +
        '"user_id", "name", "status", "active_deployment_id", "analysis_result", "created_at"',
    )
    expect(statements[0]?.parameters).toEqual(['1', 'a', '2', 'b', 'paused'])
    expect(statements[0]?.rows).toEqual([0, 1])
  })

  it('hops booleans and jsonb through text so the driver cannot re-serialise them', () => {
    const { sql, parameters } = valuesInsert(
      everyKind,
      [everyKind.flag, everyKind.data, everyKind.body],
      [['t', '{"a":1}', null]],
    )
    expect(sql).toBe(
      'insert into "every_kind" ("flag", "data", "body") values ($1::text::boolean, $2::text::jsonb, $3::text)',
    )
    expect(parameters).toEqual(['t', '{"a":1}', null])
  })

  it('uses DEFAULT in one column for rows that give nothing', () => {
    const table = defineTable('only_defaults', {
      id: c.serial().primaryKey(),
      at: c.timestamp().defaultNow(),
    })
    const parsed = parseRows(table, [{}, {}])
    const [statement] = insertStatements(table, parsed, 0, 2, { returning: false, chunkSize: 9 })
    expect(statement?.sql).toBe('insert into "only_defaults" ("id") values (default), (default)')
    expect(statement?.parameters).toEqual([])
  })

  it('is used per chunk: a chunk whose rows agree goes back to unnest', () => {
    const parsed = parseRows(functions, [
      { userId: 1, name: 'a' },
      { userId: 1, name: 'b', status: 'x' },
      { userId: 1, name: 'c' },
      { userId: 1, name: 'd' },
    ])
    const options = { returning: false, chunkSize: 2 }
    expect(insertStatements(functions, parsed, 0, 2, options)[0]?.sql).toContain('values')
    expect(insertStatements(functions, parsed, 2, 4, options)[0]?.sql).toContain('unnest(')
  })
})

describe('chunk sizing', () => {
  it('keeps VALUES statements within the parameter limit', () => {
    expect(MAX_PARAMETERS).toBe(65_533)
    expect(valuesRowsPerStatement(5, 100_000)).toBe(13_106)
    expect(valuesRowsPerStatement(5, 1_000)).toBe(1_000)
    expect(valuesRowsPerStatement(1, 100_000)).toBe(65_533)
    expect(valuesRowsPerStatement(1_600, 5_000)).toBe(40)
    expect(valuesRowsPerStatement(0, 7)).toBe(7)
  })

  it('splits a large VALUES chunk into statements under the limit', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) =>
      i % 2 === 0 ? { userId: 1, name: `n${i}` } : { userId: 1, name: `n${i}`, status: 's' },
    )
    const parsed = parseRows(functions, rows)
    const statements = insertStatements(functions, parsed, 0, 30_000, {
      returning: false,
      chunkSize: 100_000,
    })
    // 3 columns: 21,844 rows per statement.
    expect(statements.map((s) => s.rows.length)).toEqual([21_844, 8_156])
    for (const s of statements) expect(s.parameters.length).toBeLessThanOrEqual(MAX_PARAMETERS)
    expect(statements[1]?.rows[0]).toBe(21_844)
  })

  it('checks the options', () => {
    expect(checkBatchOptions(undefined)).toEqual({
      returning: true,
      chunkSize: 5_000,
      onProgress: undefined,
    })
    expect(() => checkBatchOptions({ chunkSize: 0 })).toThrow(
      /chunkSize: must be from 1 to 100000, got 0/,
    )
    expect(() => checkBatchOptions({ chunkSize: 100_001 })).toThrow(InvalidQueryError)
    expect(() => checkBatchOptions({ chunkSize: 1.5 })).toThrow(/chunkSize: expected an integer/)
    expect(() => checkBatchOptions({ returning: 'no' })).toThrow(/returning: expected a boolean/)
    expect(() => checkBatchOptions({ onProgress: 1 })).toThrow(/onProgress: expected a function/)
    expect(() => checkBatchOptions('x')).toThrow(InvalidQueryError)
  })

  it('runs chunk by chunk in one transaction and reports progress', async () => {
    const { executor, statements, transactions } = recordingExecutor()
    const progress: unknown[] = []
    const count = await batchInsert(
      executor,
      UserEntity,
      Array.from({ length: 7 }, (_, i) => user(i)),
      { returning: false, chunkSize: 3, onProgress: (p) => progress.push(p) },
    )
    expect(count).toBe(7)
    expect(transactions()).toBe(1)
    expect(statements).toHaveLength(3)
    expect(new Set(statements.map((s) => s.sql)).size).toBe(1)
    expect(statements.every((s) => s.parameters.length === 2)).toBe(true)
    expect(progress).toEqual([
      { done: 3, total: 7 },
      { done: 6, total: 7 },
      { done: 7, total: 7 },
    ])
  })

  it('resolves to [] or 0 for no rows without a query', async () => {
    const { executor, statements, transactions } = recordingExecutor()
    expect(await batchInsert(executor, UserEntity, [])).toEqual([])
    expect(await batchInsert(executor, UserEntity, [], { returning: false })).toBe(0)
    expect(await upsertMany(executor, UserEntity, [], { conflictColumns: ['email'] })).toEqual([])
    expect(statements).toHaveLength(0)
    expect(transactions()).toBe(0)
  })

  it('returns entities built from the returned rows', async () => {
    const { executor } = recordingExecutor()
    const entities = await batchInsert(executor, UserEntity, [user(1), user(2)])
    expect(entities).toHaveLength(2)
    expect((entities as UserEntity[])[0]).toBeInstanceOf(UserEntity)
    expect((entities as UserEntity[]).map((e) => e.id)).toEqual([1, 2])
  })
})

describe('values as text', () => {
  it('quotes and escapes every array element', () => {
    expect(arrayLiteral(['a,b', 'say "hi"', 'back\\slash', 'NULL', '{x}', '', null])).toBe(
      '{"a,b","say \\"hi\\"","back\\\\slash","NULL","{x}","",NULL}',
    )
    expect(arrayLiteral([])).toBe('{}')
  })

  it('serialises each kind as PostgreSQL reads it', () => {
    expect(serializeValue(everyKind.flag, true)).toBe('t')
    expect(serializeValue(everyKind.flag, false)).toBe('f')
    expect(serializeValue(everyKind.at, new Date('2024-01-02T03:04:05.678Z'))).toBe(
      '2024-01-02T03:04:05.678Z',
    )
    expect(serializeValue(everyKind.big, 2n ** 63n - 1n)).toBe('9223372036854775807')
    expect(serializeValue(everyKind.data, { a: [1, 'x'] })).toBe('{"a":[1,"x"]}')
    expect(serializeValue(everyKind.data, 'str')).toBe('"str"')
    expect(serializeValue(everyKind.score, -0)).toBe('-0')
    expect(serializeValue(everyKind.tags, ['a', 'b,"c"', 'NULL'])).toBe('{"a","b,\\"c\\"","NULL"}')
    expect(serializeValue(everyKind.counts, [1, -2])).toBe('{"1","-2"}')
    expect(serializeValue(everyKind.body, null)).toBeNull()
    expect(serializeValue(everyKind.body, undefined)).toBeNull()
    // An array literal nested as an element of the outer text[] literal.
    expect(arrayLiteral([serializeValue(everyKind.tags, ['a"b'])])).toBe('{"{\\"a\\\\\\"b\\"}"}')
  })
})

describe('validation before anything is sent', () => {
  it('reports every bad row with its index', () => {
    const error = validationError(() =>
      parseRows(users, [user(0), { email: 42, passwordHash: 'h' }, { passwordHash: 'h' }]),
    )
    expect(paths(error.issues)).toEqual(['rows[1].email', 'rows[2].email'])
    expect(error.message).toMatch(/^users: rows\[1\]\.email: /)
  })

  it('refuses unknown keys, wrong types and rows that are not objects', () => {
    const error = validationError(() =>
      parseRows(users, [
        { ...user(0), role: 'admin' },
        'not a row',
        null,
        [],
        { email: 'x@y.z', passwordHash: 'h', createdAt: 'yesterday' },
      ]),
    )
    expect(error.issues).toEqual([
      { path: 'rows[0]', message: 'unknown key "role"' },
      { path: 'rows[1]', message: expect.stringMatching(/expected object/) },
      { path: 'rows[2]', message: expect.stringMatching(/expected object/) },
      { path: 'rows[3]', message: expect.stringMatching(/expected object/) },
      { path: 'rows[4].createdAt', message: expect.any(String) },
    ])
  })

  it('uses the parsed values (a bigint from a string, a Date from ISO text)', () => {
    const [row] = parseRows(everyKind, [{ int: 1, big: '12', at: '2024-01-02T03:04:05Z' }])
    expect(row?.big).toBe(12n)
    expect(row?.at).toEqual(new Date('2024-01-02T03:04:05Z'))
  })

  it('throws typed errors from batchInsert without reaching the executor', async () => {
    await expect(batchInsert(unreachable, UserEntity, 'rows' as never)).rejects.toThrow(
      /rows: expected an array of rows, got a string/,
    )
    await expect(
      batchInsert(unreachable, UserEntity, [user(0), { email: 1 }]),
    ).rejects.toBeInstanceOf(EntityValidationError)
    await expect(
      batchInsert(unreachable, UserEntity, [user(0)], { chunkSize: 0 }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
  })
})

describe('rows from an iterable, a chunk at a time', () => {
  const rows = (n: number, bad?: Record<number, unknown>) =>
    Array.from({ length: n }, (_, i): unknown => bad?.[i] ?? user(i))

  function* generate(n: number, bad?: Record<number, unknown>) {
    for (let i = 0; i < n; i++) yield bad?.[i] ?? user(i)
  }

  async function* generateAsync(n: number, bad?: Record<number, unknown>) {
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) await Promise.resolve()
      yield bad?.[i] ?? user(i)
    }
  }

  const send = async (input: unknown, options: object = {}) => {
    const recorded = recordingExecutor()
    const progress: { done: number; total: number }[] = []
    const result = await batchInsert(recorded.executor, UserEntity, input as never, {
      onProgress: (p) => progress.push(p),
      ...options,
    })
    return { ...recorded, result, progress }
  }

  it('sends the same statements for a generator, an async generator, a Set and an array', async () => {
    const options = { returning: false, chunkSize: 4 }
    const array = await send(rows(10), options)
    expect(array.statements).toHaveLength(3)
    expect(array.statements[0]).toEqual({
      sql:
        'insert into "users" ("email", "password_hash") select s.c1, s.c2 from ' +
        'unnest($1::varchar[], $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i',
      parameters: ['{"u0@x.io","u1@x.io","u2@x.io","u3@x.io"}', '{"h0","h1","h2","h3"}'],
    })
    for (const input of [generate(10), generateAsync(10), new Set(rows(10))]) {
      const streamed = await send(input, options)
      expect(streamed.result).toBe(10)
      expect(streamed.statements).toEqual(array.statements)
      expect(streamed.transactions()).toBe(1)
    }
  })

  it('returns the entities of a stream in input order', async () => {
    const { result } = await send(generateAsync(7), { chunkSize: 3 })
    expect((result as UserEntity[]).map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect((result as UserEntity[])[0]).toBeInstanceOf(UserEntity)
  })

  it('reports NaN as the total of a stream, the length of an array', async () => {
    const streamed = await send(generate(5), { returning: false, chunkSize: 2 })
    expect(streamed.progress.map((p) => p.done)).toEqual([2, 4, 5])
    expect(streamed.progress.every((p) => Number.isNaN(p.total))).toBe(true)
    const array = await send(rows(5), { returning: false, chunkSize: 2 })
    expect(array.progress).toEqual([
      { done: 2, total: 5 },
      { done: 4, total: 5 },
      { done: 5, total: 5 },
    ])
  })

  it('reads an array one chunk ahead of what is sent, not all of it first', async () => {
    const input = rows(10_000)
    const read = new Set<number>()
    const watched = new Proxy(input, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) read.add(Number(key))
        return Reflect.get(target, key, receiver)
      },
    })
    const readAtStatement: number[] = []
    const { executor } = recordingExecutor(() => readAtStatement.push(read.size))
    await batchInsert(executor, UserEntity, watched, { returning: false, chunkSize: 1_000 })
    // Statement k (from 0) is sent when k + 1 chunks have been read.
    expect(readAtStatement).toEqual(Array.from({ length: 10 }, (_, k) => (k + 1) * 1_000))
  })

  it('pulls a generator lazily and holds one chunk at a time', async () => {
    let pulled = 0
    function* counted() {
      for (let i = 0; i < 2_500; i++) {
        pulled++
        yield user(i)
      }
    }
    const pulledAtStatement: number[] = []
    const { executor } = recordingExecutor(() => pulledAtStatement.push(pulled))
    expect(
      await batchInsert(executor, UserEntity, counted(), { returning: false, chunkSize: 1_000 }),
    ).toBe(2_500)
    expect(pulledAtStatement).toEqual([1_000, 2_000, 2_500])
  })

  it('rolls back at a bad row in a later chunk and names every bad row with its index', async () => {
    const bad = { 7: { email: 1, passwordHash: 'h' }, 11: { passwordHash: 'h' } }
    for (const input of [rows(13, bad), generate(13, bad), generateAsync(13, bad)]) {
      const recorded = recordingExecutor()
      const error = await batchInsert(recorded.executor, UserEntity, input as never, {
        returning: false,
        chunkSize: 3,
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EntityValidationError)
      expect(paths((error as EntityValidationError).issues)).toEqual([
        'rows[7].email',
        'rows[11].email',
      ])
      expect((error as EntityValidationError).message).toMatch(/^users: rows\[7\]\.email: /)
      // Chunks 0-2 and 3-5 were sent, in the one transaction that was then rolled back.
      expect(recorded.statements).toHaveLength(2)
      expect(recorded.transactions()).toBe(1)
      expect(recorded.rollbacks()).toBe(1)
    }
  })

  it('sends nothing when the first chunk of a stream has a bad row', async () => {
    const error = await batchInsert(
      unreachable,
      UserEntity,
      generateAsync(10, { 1: 'not a row' }),
      {
        chunkSize: 5,
      },
    ).catch((e: unknown) => e)
    expect(paths((error as EntityValidationError).issues)).toEqual(['rows[1]'])
    expect(await batchInsert(unreachable, UserEntity, generate(0))).toEqual([])
    expect(await batchInsert(unreachable, UserEntity, new Set(), { returning: false })).toBe(0)
  })

  it('closes a generator left early by a failed statement, and passes its errors on', async () => {
    let closed = false
    let pulled = 0
    function* endless() {
      try {
        // Bounded, so a regression fails instead of running forever.
        for (let i = 0; i < 1_000; i++) {
          pulled++
          yield user(i)
        }
      } finally {
        closed = true
      }
    }
    let sent = 0
    const failing = recordingExecutor(() => {
      if (++sent === 2) throw new Error('connection lost')
    })
    await expect(
      batchInsert(failing.executor, UserEntity, endless(), { returning: false, chunkSize: 3 }),
    ).rejects.toThrow('connection lost')
    expect(closed).toBe(true)
    // Chunks 1 and 2 sent; chunk 3 read while the second statement ran; no more.
    expect(pulled).toBe(9)
    expect(failing.rollbacks()).toBe(1)

    async function* broken() {
      yield user(0)
      throw new Error('read failed')
    }
    const recorded = recordingExecutor()
    await expect(batchInsert(recorded.executor, UserEntity, broken())).rejects.toThrow(
      'read failed',
    )
    expect(recorded.statements).toHaveLength(0)
  })

  it('refuses a value that is not an array or an iterable of rows', async () => {
    for (const [input, got] of [
      [{ email: 'a@x.io' }, 'an object'],
      ['rows', 'a string'],
      [42, 'a number'],
      [null, 'null'],
      [undefined, 'a undefined'],
    ] as const) {
      const error = await batchInsert(unreachable, UserEntity, input as never).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(InvalidQueryError)
      expect((error as Error).message).toBe(
        `rows: expected an array of rows, got ${got}; an Iterable or AsyncIterable of rows works too`,
      )
    }
    const notAnIterator = { [Symbol.iterator]: () => 42 }
    await expect(batchInsert(unreachable, UserEntity, notAnIterator as never)).rejects.toThrow(
      'rows: its iterator is not an object with a next() method',
    )
  })
})

describe('upsert SQL', () => {
  const byEmail = checkUpsertOptions(users, { conflictColumns: ['email'] })

  it('overwrites every given property but the keys, and touches onUpdateNow columns', () => {
    expect(onConflictClause(users, byEmail, [users.email, users.passwordHash])).toBe(
      ' on conflict ("email") do update set "password_hash" = excluded."password_hash", ' +
        '"updated_at" = CURRENT_TIMESTAMP',
    )
    // The primary key is never in the default list.
    expect(onConflictClause(users, byEmail, [users.id, users.email, users.passwordHash])).toBe(
      ' on conflict ("email") do update set "password_hash" = excluded."password_hash", ' +
        '"updated_at" = CURRENT_TIMESTAMP',
    )
  })

  it('uses an onUpdateNow value the rows give instead of the current time', () => {
    expect(
      onConflictClause(users, byEmail, [users.email, users.passwordHash, users.updatedAt]),
    ).toBe(
      ' on conflict ("email") do update set "password_hash" = excluded."password_hash", ' +
        '"updated_at" = excluded."updated_at"',
    )
  })

  it('overwrites only the listed properties the rows give', () => {
    const plan = checkUpsertOptions(users, { conflictColumns: ['email'], update: ['createdAt'] })
    expect(onConflictClause(users, plan, [users.email, users.passwordHash, users.createdAt])).toBe(
      ' on conflict ("email") do update set "created_at" = excluded."created_at", ' +
        '"updated_at" = CURRENT_TIMESTAMP',
    )
    // Nothing listed is given: nothing to overwrite.
    expect(onConflictClause(users, plan, [users.email, users.passwordHash])).toBe(
      ' on conflict ("email") do nothing',
    )
  })

  it('keeps the row with update: [] (DO NOTHING, then a SELECT by key in input order)', () => {
    const plan = checkUpsertOptions(functions, { conflictColumns: ['userId', 'name'], update: [] })
    expect(onConflictClause(functions, plan, [functions.userId, functions.name])).toBe(
      ' on conflict ("user_id", "name") do nothing',
    )
    const parsed = parseRows(functions, [{ userId: 1, name: 'a', status: 'x' }])
    const [statement] = upsertStatements(functions, plan, parsed, 0, 1)
    expect(statement?.kind).toBe('keep')
    expect(statement?.sql).toBe(
      'insert into "functions" ("user_id", "name", "status") select s.c1, s.c2, s.c3 from ' +
        'unnest($1::integer[], $2::varchar[], $3::varchar[]) with ordinality as s(c1, c2, c3, i) ' +
        'order by s.i on conflict ("user_id", "name") do nothing',
    )
    expect(statement?.kind === 'keep' && statement.selectSql).toBe(
      'select "functions"."id", "functions"."uuid", "functions"."user_id", "functions"."name", ' +
        '"functions"."status", "functions"."active_deployment_id", "functions"."analysis_result", ' +
        '"functions"."created_at" from unnest($1::integer[], $2::varchar[]) with ordinality as ' +
        's(c1, c2, i) join "functions" on "functions"."user_id" = s.c1 and "functions"."name" = s.c2 ' +
        'order by s.i',
    )
    expect(statement?.kind === 'keep' && statement.selectParameters).toEqual(['{"1"}', '{"a"}'])
  })

  it('compares numeric keys at the column precision', () => {
    const prices = defineTable('prices', { amount: c.numeric(10, 2).primaryKey() })
    expect(selectByKeysSql(prices, [prices.amount])).toContain(
      '"prices"."amount" = s.c1::numeric(10,2)',
    )
  })

  it('is one unnest statement per set of given properties', () => {
    const parsed = parseRows(users, [user(0), { ...user(1), createdAt: new Date(0) }, user(2)])
    const statements = upsertStatements(users, byEmail, parsed, 0, 3)
    expect(statements.map((s) => s.rows)).toEqual([[0, 2], [1]])
    expect(statements[0]?.sql).toBe(
      'insert into "users" ("email", "password_hash") select s.c1, s.c2 from ' +
        'unnest($1::varchar[], $2::varchar[]) with ordinality as s(c1, c2, i) order by s.i ' +
        'on conflict ("email") do update set "password_hash" = excluded."password_hash", ' +
        `"updated_at" = CURRENT_TIMESTAMP${USERS_RETURNING}`,
    )
    expect(statements[1]?.sql).toContain(
      'do update set "password_hash" = excluded."password_hash", "created_at" = excluded."created_at", "updated_at" = CURRENT_TIMESTAMP',
    )
  })
})

describe('upsert options', () => {
  it('accepts the primary key, single-column uniques, uniques entries and unique indexes', () => {
    expect(checkUpsertOptions(users, { conflictColumns: ['id'] }).conflict).toEqual([users.id])
    expect(checkUpsertOptions(users, { conflictColumns: ['uuid'] }).conflict).toEqual([users.uuid])
    // As a set: the order given is the order written.
    expect(checkUpsertOptions(functions, { conflictColumns: ['name', 'userId'] }).conflict).toEqual(
      [functions.name, functions.userId],
    )
    const indexed = defineTable(
      'indexed',
      { id: c.serial().primaryKey(), a: c.text(), b: c.text() },
      { indexes: [{ columns: ['a', 'b'], unique: true }] },
    )
    expect(() => checkUpsertOptions(indexed, { conflictColumns: ['b', 'a'] })).not.toThrow()
  })

  it('refuses conflict columns that are not exactly a constraint', () => {
    expect(() => checkUpsertOptions(functions, { conflictColumns: ['name'] })).toThrow(
      'conflictColumns: ["name"] is not the primary key or a unique constraint of functions; ' +
        'use one of ["id"], ["uuid"], ["userId", "name"]',
    )
    expect(() =>
      checkUpsertOptions(functions, { conflictColumns: ['userId', 'name', 'status'] }),
    ).toThrow(InvalidQueryError)
    expect(() => checkUpsertOptions(users, { conflictColumns: [] })).toThrow(
      /conflictColumns: expected at least one property/,
    )
    expect(() => checkUpsertOptions(users, { conflictColumns: ['nope'] })).toThrow(
      /conflictColumns\[0\]: unknown column "nope" of users/,
    )
    expect(() => checkUpsertOptions(users, { conflictColumns: 'email' })).toThrow(
      /conflictColumns: expected an array/,
    )
    expect(() => checkUpsertOptions(users, { conflictColumns: ['email', 'email'] })).toThrow(
      /conflictColumns\[1\]: "email" is listed twice/,
    )
    expect(() => checkUpsertOptions(users, undefined)).toThrow(InvalidQueryError)
  })

  it('refuses update lists naming unknown, conflict or primary key columns', () => {
    const base = { conflictColumns: ['email'] }
    expect(() => checkUpsertOptions(users, { ...base, update: ['nope'] })).toThrow(
      /update\[0\]: unknown column "nope"/,
    )
    expect(() => checkUpsertOptions(users, { ...base, update: ['passwordHash', 'email'] })).toThrow(
      /update\[1\]: "email" is a conflict column/,
    )
    expect(() => checkUpsertOptions(users, { ...base, update: ['id'] })).toThrow(
      /update\[0\]: "id" is part of the primary key/,
    )
    expect(() => checkUpsertOptions(users, { ...base, update: 'passwordHash' })).toThrow(
      /update: expected an array/,
    )
  })

  it('upsertMany writes rows in conflict-key order (one lock order for every caller), returns them in input order', async () => {
    const recorded = recordingExecutor()
    const emails = ['c@x.io', 'a@x.io', 'b@x.io']
    const entities = (await upsertMany(
      recorded.executor,
      UserEntity,
      emails.map((email) => ({ email, passwordHash: 'h' })),
      { conflictColumns: ['email'] },
    )) as { id: number }[]
    const sent = String(recorded.statements[0]!.parameters[0])
    expect(sent.indexOf('a@x.io')).toBeLessThan(sent.indexOf('b@x.io'))
    expect(sent.indexOf('b@x.io')).toBeLessThan(sent.indexOf('c@x.io'))
    // The recording executor numbers returned rows in the order they were sent.
    expect(entities.map((e) => e.id)).toEqual([3, 1, 2])
    expect(
      lockOrder(
        conflictKeys(
          [users.$meta.columns.find((c) => c.name === 'email')!],
          [{ email: 'b' }, { email: 'a' }, { email: 'c' }],
        ),
      ),
    ).toEqual([1, 0, 2])
  })

  it('refuses rows without a conflict value, or with a null one', async () => {
    const error = await upsertMany(
      unreachable,
      FunctionEntity,
      [
        { userId: 1, name: 'a' },
        { userId: 1, name: 'b', activeDeploymentId: 'x' },
      ],
      { conflictColumns: ['id'] },
    ).catch((e: unknown) => e as EntityValidationError)
    expect(error).toBeInstanceOf(EntityValidationError)
    expect(paths((error as EntityValidationError).issues)).toEqual([
      'rows[0].id',
      'rows[1].activeDeploymentId',
    ])
    const single = await upsert(unreachable, UserEntity, user(0), {
      conflictColumns: ['id'],
    }).catch((e: unknown) => e as EntityValidationError)
    expect((single as EntityValidationError).issues).toEqual([
      { path: 'id', message: 'required: it is a conflict column' },
    ])
  })

  it('finds two rows with one conflict key, as PostgreSQL compares them', async () => {
    const parsed = parseRows(functions, [
      { userId: 1, name: 'a' },
      { userId: 2, name: 'a' },
      { userId: 1, name: 'b' },
      { userId: 2, name: 'a' },
    ])
    expect(findDuplicateKey(conflictKeys([functions.userId, functions.name], parsed))).toEqual([
      1, 3,
    ])
    const uuids = parseRows(users, [
      { ...user(0), uuid: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' },
      { ...user(1), uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
    ])
    expect(findDuplicateKey(conflictKeys([users.uuid], uuids))).toEqual([0, 1])
    const prices = defineTable('prices2', { amount: c.numeric().primaryKey() })
    expect(
      findDuplicateKey(
        conflictKeys([prices.amount], parseRows(prices, [{ amount: '1.50' }, { amount: '01.5' }])),
      ),
    ).toEqual([0, 1])
    expect(
      findDuplicateKey(
        conflictKeys([prices.amount], parseRows(prices, [{ amount: '-0.0' }, { amount: '0' }])),
      ),
    ).toEqual([0, 1])
    expect(
      findDuplicateKey(conflictKeys([users.email], parseRows(users, [user(0), user(1)]))),
    ).toBeUndefined()

    await expect(
      upsertMany(unreachable, FunctionEntity, parsed as never, {
        conflictColumns: ['userId', 'name'],
      }),
    ).rejects.toThrow(
      'rows[3]: rows[1] and rows[3] have the same conflict key (userId, name); ' +
        'PostgreSQL cannot insert or update one row twice in a statement',
    )
  })

  it('checks the options before the rows', async () => {
    await expect(
      upsertMany(unreachable, UserEntity, [{ bad: 1 }], { conflictColumns: ['passwordHash'] }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(
      upsertMany(unreachable, UserEntity, [user(0)], {
        conflictColumns: ['email'],
        chunkSize: -1,
      }),
    ).rejects.toThrow(/chunkSize/)
  })
})

it('compiles through CompiledQuery.raw with every parameter a string or null', async () => {
  const { executor, statements } = recordingExecutor()
  await batchInsert(executor, Entity.of(everyKind), [
    { int: 1, flag: true, at: new Date(0), data: { a: 1 }, big: 5n, tags: ['x'] },
  ])
  expect(statements[0]?.parameters.every((p) => p === null || typeof p === 'string')).toBe(true)
  expect(CompiledQuery.raw('x', []).sql).toBe('x')
})
