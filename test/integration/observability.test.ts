import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ConnectOptions,
  createPostgresClient,
  Database,
  Entity,
  generateDDL,
  PostgresJsDialect,
  type QueryEvent,
  REDACTED,
  type TransactionEvent,
  UniqueViolationError,
  UnsupportedOperationError,
} from '../../src/index'
import { functions, users } from '../fixtures/tables'
import { sleep, waitFor, within } from '../setup/hang-guards'
import { testDatabase } from '../setup/test-database'

class UserEntity extends Entity.of(users) {}

const tables = { users, functions }
// A value no event or span may carry: it is bound for the secret column password_hash.
const SECRET = 'hash-that-must-never-be-logged-7f3a'

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
const events: QueryEvent[] = []
const transactions: TransactionEvent[] = []
const opened: Database<any>[] = []

async function connect(
  options: Omit<ConnectOptions<typeof tables>, 'tables' | 'url'> = {},
): Promise<Database<typeof tables>> {
  const handle = await Database.connect({ url: test.url, tables, max: 4, ...options })
  opened.push(handle)
  return handle
}

/** The events of what `fn` runs (the listener is on `db`). */
async function eventsOf(fn: () => Promise<unknown>): Promise<QueryEvent[]> {
  const from = events.length
  await fn().catch(() => {})
  return events.slice(from)
}

beforeAll(async () => {
  test = await testDatabase('observe')
  db = await connect({ log: (event) => events.push(event) })
  db.on('transaction', (event) => transactions.push(event))
  await db.executeScript(generateDDL([users, functions]))
})

afterAll(async () => {
  await Promise.all(opened.map((handle) => handle.close()))
  await test?.drop()
})

describe('query events', () => {
  it('the log option sees the check that connect sends before it returns', () => {
    expect(events[0]).toMatchObject({
      text: "select pg_backend_pid() as pid, current_setting('?')::int as server_version",
      operation: 'SELECT',
      outcome: 'ok',
      rowCount: 1,
      connection: 'primary',
      inTransaction: false,
      error: undefined,
    })
    expect(events[0]?.server).toMatch(/:\d+$/)
    expect(events[0]?.duration).toBeGreaterThanOrEqual(0)
    expect(events[0]?.poolWait).toBe(0)
  })

  it('sees every statement of a transaction, the driver own start transaction and commit included', async () => {
    const seen = await eventsOf(() =>
      db.transaction(async (tx) => {
        await tx.manager(UserEntity).insert({ email: 'tx@x.io', passwordHash: SECRET })
        await tx.transaction(async (inner) => {
          await inner.raw('SELECT count(*) FROM users')
        })
      }),
    )
    expect(seen.map((e) => e.operation)).toEqual([
      'START',
      'INSERT',
      'SAVEPOINT',
      'SELECT',
      'RELEASE',
      'COMMIT',
    ])
    expect(seen.every((e) => e.inTransaction && e.outcome === 'ok')).toBe(true)
    expect(seen[0]?.text).toBe('start transaction')
    expect(seen[1]).toMatchObject({ collection: 'users', rowCount: 1 })
    expect(transactions.at(-1)).toMatchObject({
      outcome: 'commit',
      statements: 6,
      connection: 'primary',
    })
  })

  it('a transaction whose callback throws ends with a rollback event', async () => {
    const seen = await eventsOf(() =>
      db.transaction(async (tx) => {
        await tx.raw('SELECT 1')
        throw new Error('no')
      }),
    )
    expect(seen.map((e) => e.text)).toEqual(['start transaction', 'SELECT 1', 'rollback'])
    expect(transactions.at(-1)).toMatchObject({ outcome: 'rollback', statements: 3 })
  })

  it('sees statements of db.kysely and of a stream, with their row counts', async () => {
    await db.raw(
      "INSERT INTO users (email, password_hash) VALUES ('a@x.io', 'h'), ('b@x.io', 'h'), ('c@x.io', 'h')",
    )
    const insert = events.at(-1)
    expect(insert).toMatchObject({ operation: 'INSERT', collection: 'users', rowCount: 3 })
    // String literals never reach an event: the text has '?' for each.
    expect(insert?.text).toBe(
      "INSERT INTO users (email, password_hash) VALUES ('?', '?'), ('?', '?'), ('?', '?')",
    )
    const selected = await eventsOf(() => db.kysely.selectFrom('users').select('email').execute())
    expect(selected).toHaveLength(1)
    expect(selected[0]).toMatchObject({ operation: 'SELECT', collection: 'users', rowCount: 4 })
    const streamed = await eventsOf(async () => {
      let rows = 0
      for await (const _row of db.kysely.selectFrom('users').select('id').stream(2)) rows++
      expect(rows).toBe(4)
    })
    expect(streamed).toHaveLength(1)
    expect(streamed[0]).toMatchObject({ operation: 'SELECT', rowCount: 4, outcome: 'ok' })
    const updated = await eventsOf(() => db.raw("UPDATE users SET email = email || '.org'"))
    expect(updated[0]).toMatchObject({ operation: 'UPDATE', collection: 'users', rowCount: 4 })
  })

  it('a failed statement has outcome error with its SQLSTATE and error class, and no row count', async () => {
    await db.manager(UserEntity).insert({ email: 'dup@x.io', passwordHash: SECRET })
    const failed = await eventsOf(() =>
      db.manager(UserEntity).insert({ email: 'dup@x.io', passwordHash: SECRET }),
    )
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      outcome: 'error',
      error: { name: UniqueViolationError.name, sqlState: '23505' },
      rowCount: undefined,
    })
    const syntax = await eventsOf(() => db.raw('SELEC 1'))
    expect(syntax[0]?.error).toEqual({ name: 'DatabaseError', sqlState: '42601' })
  })

  it('carries no parameter values unless asked for', async () => {
    const seen = await eventsOf(() =>
      db.raw('SELECT @v::text AS v, @n::int AS n', { v: 'visible', n: 7 }),
    )
    expect(seen[0]).not.toHaveProperty('parameters')
    expect(JSON.stringify(events)).not.toContain(SECRET)
    expect(JSON.stringify(events)).not.toContain('visible')
  })

  it('with logParameters, values are shown, except every value of a statement that touches a secret', async () => {
    const seen: QueryEvent[] = []
    const logged = await connect({ logParameters: true, log: (e) => seen.push(e) })
    await logged.raw('SELECT @v::text AS v, @n::int AS n', { v: 'visible', n: 7 })
    expect(seen.at(-1)?.parameters).toEqual(['visible', 7])
    await logged.manager(UserEntity).insert({ email: 'p@x.io', passwordHash: SECRET })
    const insert = seen.at(-1)
    expect(insert?.operation).toBe('INSERT')
    expect(insert?.parameters?.length).toBeGreaterThan(1)
    expect(insert?.parameters?.every((value) => value === REDACTED)).toBe(true)
    // A statement that names the secret column alone is redacted too.
    await logged.raw('SELECT 1 FROM users WHERE password_hash = @h', { h: SECRET })
    expect(seen.at(-1)?.parameters).toEqual([REDACTED])
    expect(JSON.stringify(seen)).not.toContain(SECRET)
  })

  it('reports the wait for a connection when the pool is exhausted', async () => {
    const seen: QueryEvent[] = []
    const small = await connect({ max: 1, log: (e) => seen.push(e) })
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let started!: () => void
    const begun = new Promise<void>((resolve) => {
      started = resolve
    })
    const transaction = small.transaction(async (tx) => {
      await tx.raw('SELECT 1')
      started()
      await held
    })
    await within('the transaction to begin', begun)
    expect(small.stats().primary).toMatchObject({ inUse: 1, idle: 0, transactions: 1 })
    const waiting = small.raw('SELECT 2 AS two')
    await waitFor('the statement to wait for the connection', async () => {
      return small.stats().primary.waiting === 1
    })
    await sleep(20)
    release()
    await within('the transaction', transaction)
    await within('the waiting statement', waiting)
    const two = seen.find((e) => e.text === 'SELECT 2 AS two')
    expect(two?.poolWait).toBeGreaterThan(0)
    expect(two?.duration).toBeGreaterThanOrEqual(two?.poolWait ?? Number.POSITIVE_INFINITY)
    expect(seen.find((e) => e.text === 'SELECT 1')?.poolWait).toBe(0)
    expect(small.stats()).toEqual({
      primary: {
        server: events[0]?.server,
        size: 1,
        inUse: 0,
        idle: 1,
        transactions: 0,
        waiting: 0,
        pipelined: 0,
      },
      replicas: [],
    })
  })

  it('off removes a listener; a listener that throws changes nothing', async () => {
    const seen: QueryEvent[] = []
    const listener = (e: QueryEvent) => seen.push(e)
    db.on('query', listener)
    const thrower = () => {
      throw new Error('listener bug')
    }
    db.on('query', thrower)
    await expect(db.raw('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }])
    db.off('query', listener).off('query', thrower)
    await db.raw('SELECT 1 AS one')
    expect(seen).toHaveLength(1)
  })

  it('a fromKysely database has no events or stats to give: UnsupportedOperationError', async () => {
    const kysely = new Kysely<any>({
      dialect: new PostgresJsDialect({ sql: createPostgresClient({ url: test.url, max: 1 }) }),
    })
    const other = Database.fromKysely(kysely, { tables })
    opened.push(other)
    expect(() => other.on('query', () => {})).toThrow(UnsupportedOperationError)
    expect(() => other.stats()).toThrow(UnsupportedOperationError)
  })
})

describe('OpenTelemetry spans (the real SDK, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter()
  const contextManager = new AsyncLocalStorageContextManager()
  let traced: Database<typeof tables>

  beforeAll(async () => {
    contextManager.enable()
    context.setGlobalContextManager(contextManager)
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    )
    traced = await connect()
  })

  afterAll(() => {
    trace.disable()
    context.disable()
  })

  const byName = (spans: readonly ReadableSpan[], name: string) =>
    spans.filter((span) => span.name === name)
  const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId

  it('a transaction span parents its statements; the caller active span parents the transaction', async () => {
    exporter.reset()
    const tracer = trace.getTracer('test')
    await tracer.startActiveSpan('request', async (request) => {
      await traced.transaction(async (tx) => {
        await tx.manager(UserEntity).insert({ email: 'span@x.io', passwordHash: SECRET })
        await tx.manager(UserEntity).findAll({ where: { email: 'span@x.io' } })
      })
      await traced.raw('SELECT 1')
      request.end()
    })
    const spans = exporter.getFinishedSpans()
    const request = byName(spans, 'request')[0]
    const transaction = byName(spans, 'transaction')[0]
    const insert = byName(spans, 'INSERT users')[0]
    const select = byName(spans, 'SELECT users')[0]
    expect([request, transaction, insert, select].map((span) => span?.name)).toEqual([
      'request',
      'transaction',
      'INSERT users',
      'SELECT users',
    ])
    expect(parentOf(transaction)).toBe(request?.spanContext().spanId)
    for (const name of ['START', 'INSERT users', 'SELECT users', 'COMMIT']) {
      const span = byName(spans, name)[0]
      expect(parentOf(span), name).toBe(transaction?.spanContext().spanId)
      expect(span?.spanContext().traceId).toBe(request?.spanContext().traceId)
    }
    // A statement outside the transaction is a child of the request.
    expect(parentOf(byName(spans, 'SELECT')[0])).toBe(request?.spanContext().spanId)
    expect(transaction?.attributes['kysely_entities.transaction.outcome']).toBe('commit')
    expect(insert?.kind).toBe(2) // SpanKind.CLIENT
    expect(insert?.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': test.name,
      'db.operation.name': 'INSERT',
      'db.collection.name': 'users',
      'server.address': expect.any(String),
      'server.port': expect.any(Number),
      'db.response.returned_rows': 1,
    })
    expect(String(insert?.attributes['db.query.text'])).toMatch(/^insert into "users" \(/)
    // No value anywhere in any span: attributes, events, status.
    const everything = JSON.stringify(
      spans.map((s) => [s.name, s.attributes, s.events, s.status, s.links]),
    )
    expect(everything).not.toContain(SECRET)
    expect(everything).not.toContain('span@x.io')
  })

  it('a failed statement has an error span with error.type and db.response.status_code', async () => {
    exporter.reset()
    await expect(
      traced.manager(UserEntity).insert({ email: 'span@x.io', passwordHash: SECRET }),
    ).rejects.toThrow(UniqueViolationError)
    const [span] = byName(exporter.getFinishedSpans(), 'INSERT users')
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'UniqueViolationError' })
    expect(span?.attributes).toMatchObject({
      'error.type': '23505',
      'db.response.status_code': '23505',
    })
    expect(JSON.stringify([span?.attributes, span?.events])).not.toContain(SECRET)
  })

  it('records nothing once no tracer provider is registered', async () => {
    trace.disable()
    exporter.reset()
    await traced.raw('SELECT 1')
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
