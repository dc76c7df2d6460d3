import { readFileSync } from 'node:fs'
import { CompiledQuery } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DatabaseObserver, rowCountOf } from '../../src/observability/database-observer'
import { errorAttributes, statementSpan } from '../../src/observability/open-telemetry'
import {
  secretNames,
  shownParameters,
  touchesSecret,
} from '../../src/observability/parameter-redaction'
import { poolStats } from '../../src/observability/pool-stats'
import { type QueryEvent, REDACTED } from '../../src/observability/query-event'
import { serverTarget } from '../../src/observability/server-target'
import { analyzeStatement } from '../../src/observability/statement-text'
import { tableStatements } from '../../src/query/table-statements'
import { PACKAGE_VERSION } from '../../src/version'
import { functions, users } from '../fixtures/tables'

const target = { database: 'app', address: 'db.internal', port: 5432 }

describe('analyzeStatement', () => {
  it('masks every kind of string literal and keeps parameters, identifiers and numbers', () => {
    const statement = analyzeStatement(
      `select 'a''b', E'c\\'d', $$e$$, $tag$ f $tag$, "x""y", $1, 42 from t -- 'comment'`,
    )
    expect(statement.text).toBe(`select '?', '?', '?', '?', "x""y", $1, 42 from t -- 'comment'`)
    expect(statement.names).toEqual(new Set(['select', 'x"y', 'from', 't']))
  })

  it('an unterminated literal masks the rest of the text', () => {
    expect(analyzeStatement("select 'secret").text).toBe("select '?'")
    expect(analyzeStatement('select $$secret').text).toBe("select '?'")
  })

  it.each([
    ['select "id" from "users" where "uuid" = $1', 'SELECT', 'users'],
    ['SELECT * FROM public.users u WHERE u.id = $1', 'SELECT', 'public.users'],
    ['insert into "users" ("email") values ($1) returning "id"', 'INSERT', 'users'],
    ['update only "users" set "email" = $1', 'UPDATE', 'users'],
    ['delete from "functions" where "id" = $1', 'DELETE', 'functions'],
    ['select * from a join b on a.id = b.id', 'SELECT', undefined],
    ['select * from a, b', 'SELECT', undefined],
    ['select * from a x, b', 'SELECT', undefined],
    ['select (select 1 from b) from a', 'SELECT', undefined],
    ['select 1', 'SELECT', undefined],
    ['with x as (select 1) select * from x', 'WITH', undefined],
    ['start transaction isolation level serializable', 'START', undefined],
    ['savepoint "ke_sp_1"', 'SAVEPOINT', undefined],
    ['  -- lead\n/* c */ commit', 'COMMIT', undefined],
    ['', undefined, undefined],
  ])('%s: operation %s, collection %s', (sql, operation, collection) => {
    const statement = analyzeStatement(sql)
    expect(statement.operation).toBe(operation)
    expect(statement.collection).toBe(collection)
  })
})

describe('parameter redaction', () => {
  const secrets = secretNames([users, functions])

  it('names each table with a secret column and each secret column, nothing else', () => {
    // functions has no secret column.
    expect(secrets).toEqual(new Set(['users', 'password_hash']))
  })

  it('redacts every value of each statement a manager sends for a table with a secret column', () => {
    const statements = tableStatements(users)
    const insert = statements.insert(
      [users.$meta.byProperty.get('email')!, users.$meta.byProperty.get('passwordHash')!],
      ['a@x.io', 'hash'],
    )
    const statement = analyzeStatement(insert.sql)
    expect(shownParameters(statement, insert.parameters, secrets)).toEqual([REDACTED, REDACTED])
    expect(touchesSecret(analyzeStatement(statements.selectById!), secrets)).toBe(true)
  })

  it('redacts raw SQL that names the secret column or the table, in any case or quoting', () => {
    for (const sql of [
      'UPDATE accounts SET x = (SELECT Password_Hash FROM t WHERE id = $1)',
      'insert into "users" values ($1, $2)',
      'select * from PUBLIC.USERS where email = $1',
    ]) {
      expect(touchesSecret(analyzeStatement(sql), secrets), sql).toBe(true)
    }
  })

  it('shows the values of other statements, copied and frozen; a literal or comment naming users changes nothing', () => {
    const parameters = ['f', 1]
    for (const sql of [
      'select * from "functions" where "name" = $1 and "id" = $2',
      "select 'users' from functions where name = $1",
      'select 1 /* users */ where $1::int = $2',
    ]) {
      const shown = shownParameters(analyzeStatement(sql), parameters, secrets)
      expect(shown, sql).toEqual(['f', 1])
      expect(shown).not.toBe(parameters)
      expect(Object.isFrozen(shown)).toBe(true)
    }
    // A quoted identifier is compared as written: "Users" is another table.
    expect(touchesSecret(analyzeStatement('select * from "Users"'), secrets)).toBe(false)
  })
})

describe('span attributes', () => {
  it('follow the database semantic conventions, the text without values', () => {
    const statement = analyzeStatement(
      `select * from "users" where "email" = 'a@x.io' and "id" = $1`,
    )
    expect(statementSpan(statement, target)).toEqual({
      name: 'SELECT users',
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'app',
        'server.address': 'db.internal',
        'server.port': 5432,
        'db.operation.name': 'SELECT',
        'db.collection.name': 'users',
        'db.query.text': `select * from "users" where "email" = '?' and "id" = $1`,
      },
    })
  })

  it('name the span by its operation alone, or postgresql, when that is all there is', () => {
    const none = { database: undefined, address: undefined, port: undefined }
    expect(statementSpan(analyzeStatement('commit'), none)).toEqual({
      name: 'COMMIT',
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': 'COMMIT',
        'db.query.text': 'commit',
      },
    })
    expect(statementSpan(analyzeStatement('(select 1)'), none).name).toBe('postgresql')
  })

  it('an error is typed by its SQLSTATE when there is one, else by its class', () => {
    expect(errorAttributes({ name: 'UniqueViolationError', sqlState: '23505' })).toEqual({
      'error.type': '23505',
      'db.response.status_code': '23505',
    })
    expect(errorAttributes({ name: 'PoolTimeoutError', sqlState: undefined })).toEqual({
      'error.type': 'PoolTimeoutError',
    })
  })
})

describe('DatabaseObserver', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const query = CompiledQuery.raw('select * from "functions" where "name" = $1', ['f'])

  it('measures nothing while nobody listens and nothing traces', () => {
    const observer = new DatabaseObserver()
    const pool = observer.target('primary', 'db:5432', target)
    const now = vi.spyOn(performance, 'now')
    expect(pool.statement(query, false)).toBeUndefined()
    expect(pool.transaction()).toBeUndefined()
    expect(now).not.toHaveBeenCalled()
    const listener = () => {}
    observer.on('query', listener)
    expect(pool.statement(query, false)).toBeDefined()
    observer.off('query', listener)
    expect(pool.statement(query, false)).toBeUndefined()
  })

  it('shapes one event per statement: no parameters by default; no message, only class and SQLSTATE', async () => {
    const observer = new DatabaseObserver()
    const seen: QueryEvent[] = []
    observer.on('query', (event) => seen.push(event))
    const pool = observer.target('primary', 'db:5432', target)
    await pool.statement(query, false)?.observe(Promise.resolve({ rows: [{}, {}] }))
    const failure = Object.assign(new Error('duplicate key value (email)=(a@x.io)'), {
      name: 'UniqueViolationError',
      sqlState: '23505',
    })
    await expect(pool.statement(query, true)?.observe(Promise.reject(failure))).rejects.toBe(
      failure,
    )
    expect(seen).toHaveLength(2)
    expect(seen[0]).toMatchObject({
      text: query.sql,
      operation: 'SELECT',
      collection: 'functions',
      outcome: 'ok',
      error: undefined,
      rowCount: 2,
      poolWait: 0,
      connection: 'primary',
      server: 'db:5432',
      inTransaction: false,
    })
    expect(seen[0]).not.toHaveProperty('parameters')
    expect(seen[1]).toMatchObject({
      outcome: 'error',
      error: { name: 'UniqueViolationError', sqlState: '23505' },
      rowCount: undefined,
      inTransaction: true,
    })
    expect(JSON.stringify(seen)).not.toContain('a@x.io')
  })

  it('with logParameters shows values, redacted for statements touching a secret', () => {
    const observer = new DatabaseObserver({ logParameters: true, secrets: secretNames([users]) })
    const seen: QueryEvent[] = []
    observer.on('query', (event) => seen.push(event))
    const pool = observer.target('primary', undefined, target)
    pool.statement(query, false)?.ok(1)
    pool.statement(CompiledQuery.raw('update users set password_hash = $1', ['h']), false)?.ok(1)
    expect(seen.map((event) => event.parameters)).toEqual([['f'], [REDACTED]])
  })

  it('counts pool wait only for a call that queued, until it was admitted', () => {
    const observer = new DatabaseObserver()
    const seen: QueryEvent[] = []
    observer.on('query', (event) => seen.push(event))
    const pool = observer.target('primary', undefined, target)
    const clock = vi.spyOn(performance, 'now')
    clock.mockReturnValueOnce(100) // start
    const probe = pool.statement(query, false)
    probe?.queued()
    clock.mockReturnValueOnce(130) // admitted
    probe?.admitted()
    clock.mockReturnValueOnce(150) // end
    probe?.ok(0)
    expect(seen[0]).toMatchObject({ duration: 50, poolWait: 30 })
  })

  it('a transaction event says how it ended and how many statements it sent', () => {
    const observer = new DatabaseObserver()
    const ended: unknown[] = []
    observer.on('transaction', (event) => ended.push(event))
    const pool = observer.target('primary', 'db:5432', target)
    const committed = pool.transaction()
    pool.statement(CompiledQuery.raw('start transaction'), true, committed)?.ok(0)
    pool.statement(CompiledQuery.raw('commit'), true, committed)?.ok(0)
    committed?.settled('commit')
    committed?.end()
    committed?.end() // once only
    pool.transaction()?.end() // never settled: the connection was lost
    expect(ended).toMatchObject([
      { outcome: 'commit', statements: 2, connection: 'primary', server: 'db:5432' },
      { outcome: 'error', statements: 0 },
    ])
  })

  it('a listener that throws is reported as a warning; the others still run', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    const observer = new DatabaseObserver()
    const seen: QueryEvent[] = []
    observer.on('query', () => {
      throw new RangeError('bug')
    })
    observer.on('query', (event) => seen.push(event))
    observer.target('primary', undefined, target).statement(query, false)?.ok(0)
    expect(seen).toHaveLength(1)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('RangeError'))
  })

  it('refuses an unknown event name', () => {
    expect(() => new DatabaseObserver().on('replica' as 'query', () => {})).toThrow(TypeError)
  })
})

describe('rowCountOf', () => {
  it('counts affected rows of a write, else the rows returned', () => {
    expect(rowCountOf({ rows: [], numAffectedRows: 3n })).toBe(3)
    expect(rowCountOf({ rows: [{}, {}] })).toBe(2)
  })
})

describe('poolStats', () => {
  it('splits statements into running and pipelined, transactions holding their connections', () => {
    expect(poolStats({ size: 2, active: 5, transactions: 1, waiting: 3 }, 'db:5432')).toEqual({
      server: 'db:5432',
      size: 2,
      inUse: 2,
      idle: 0,
      transactions: 1,
      waiting: 3,
      pipelined: 3,
    })
    expect(poolStats({ size: 10, active: 0, transactions: 0, waiting: 0 }, undefined)).toEqual({
      server: undefined,
      size: 10,
      inUse: 0,
      idle: 10,
      transactions: 0,
      waiting: 0,
      pipelined: 0,
    })
  })
})

describe('serverTarget', () => {
  it('reads database, host and port of a client, never its user or password', () => {
    const sql = {
      options: { database: 'shop', host: ['db', 'db2'], port: [6432, 6433], user: 'u', pass: 'p' },
    }
    expect(serverTarget(sql)).toEqual({ database: 'shop', address: 'db', port: 6432 })
    expect(serverTarget({ options: { path: '/run/pg/.s.PGSQL.5432', database: 'x' } })).toEqual({
      database: 'x',
      address: '/run/pg/.s.PGSQL.5432',
      port: undefined,
    })
    expect(serverTarget({})).toEqual({ database: undefined, address: undefined, port: undefined })
  })
})

it('PACKAGE_VERSION is the version in package.json (the tracer is named with it)', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  expect(PACKAGE_VERSION).toBe(manifest.version)
})
