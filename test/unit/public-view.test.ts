// Issue 14, items 4 and 5 without a database: the exact SQL of public views, their refusals
// (identical to an unknown name's, nothing sent), and cursors bound to their query's shape.
import { describe, expect, it } from 'vitest'
import * as cp from '../../src/containerpub/index'
import { CursorCodec, EntityManager, EntityQuery, InvalidQueryError } from '../../src/index'
import { captureExecutor } from '../setup/capture-executor'

const FN_COLUMNS =
  '"id", "uuid", "user_id", "name", "status", "active_deployment_id", "analysis_result", "created_at", "updated_at"'

function setup() {
  const cap = captureExecutor(Object.values(cp.containerpubTables))
  const functions = new EntityManager(cap.executor, cp.FunctionEntity)
  const users = new EntityManager(cap.executor, cp.UserEntity)
  return { cap, functions, users, pubFunctions: functions.public(), pubUsers: users.public() }
}

function thrown(run: () => unknown): InvalidQueryError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidQueryError)
    return error as InvalidQueryError
  }
  throw new Error('accepted')
}

async function rejected(run: () => Promise<unknown>): Promise<InvalidQueryError> {
  const error = await run().then(
    () => new Error('accepted'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(InvalidQueryError)
  return error as InvalidQueryError
}

describe('public managers', () => {
  it('send the same SQL as trusted ones for public columns', async () => {
    const { cap, functions, pubFunctions } = setup()
    const options = {
      where: { status: 'active', name: { ilike: 'a%' } },
      orderBy: 'createdAt',
      orderDirection: 'desc',
      limit: 5,
    } as const
    await functions.findAll(options)
    await pubFunctions.findAll(options)
    expect(cap.sent[1]).toEqual(cap.sent[0])
    expect(cap.sent[1]).toEqual({
      sql: `select ${FN_COLUMNS} from "functions" where ("name" ilike $1 and "status" = $2) order by "created_at" desc limit 5`,
      parameters: ['a%', 'active'],
    })
  })

  it('refuse hidden columns with the error of an unknown one, sending nothing', async () => {
    const { cap, pubUsers, pubFunctions } = setup()
    const cases: [() => Promise<unknown>, () => Promise<unknown>, string][] = [
      [
        () => pubUsers.count({ where: { passwordHash: { like: 'h2%' } } } as any),
        () => pubUsers.count({ where: { nope: { like: 'h2%' } } } as any),
        'where',
      ],
      [
        () => pubFunctions.findAll({ where: { and: [{ userId: 1 }] } } as any),
        () => pubFunctions.findAll({ where: { and: [{ nope: 1 }] } } as any),
        'where.and[0]',
      ],
      [
        () => pubUsers.findAll({ orderBy: 'passwordHash' } as any),
        () => pubUsers.findAll({ orderBy: 'nope' } as any),
        'orderBy',
      ],
      [
        () => pubFunctions.paginateByCursor({ limit: 1, orderBy: 'activeDeploymentId' } as any),
        () => pubFunctions.paginateByCursor({ limit: 1, orderBy: 'nope' } as any),
        'orderBy',
      ],
    ]
    for (const [hidden, missing, prefix] of cases) {
      const a = await rejected(hidden)
      const b = await rejected(missing)
      expect(a.path.startsWith(prefix)).toBe(true)
      expect(a.code).toBe(b.code)
      expect(a.message.replace(/passwordHash|userId|activeDeploymentId/, 'nope')).toBe(b.message)
    }
    expect(
      (await rejected(() => pubUsers.findAll({ orderBy: 'passwordHash' } as any))).message,
    ).toBe('orderBy: unknown column "passwordHash" of users')
    expect(
      (await rejected(() => pubUsers.count({ where: { passwordHash: 'x' } } as any))).message,
    ).toBe('where.passwordHash: unknown column of users')
    expect(cap.sent).toEqual([])
  })

  it("paginate orders by the hidden primary key when the caller gives no order (the library's)", async () => {
    const { cap, pubFunctions } = setup()
    cap.respond([{ count: 0n }])
    await pubFunctions.paginate({ page: 2, pageSize: 10 })
    expect(cap.sent.map((s) => s.sql)).toContain(
      `select ${FN_COLUMNS} from "functions" order by "id" asc limit 10 offset $1`,
    )
  })

  it('refuse by-id methods when the primary key is internal', async () => {
    const { cap, pubFunctions } = setup()
    const error = await rejected(() => pubFunctions.findById(1))
    expect(error.message).toBe(
      'id: findById is not available in a public view: the primary key of functions is internal (use findByUuid)',
    )
    await pubFunctions.findByUuid('5f0c6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a')
    expect(cap.sent).toHaveLength(1)
  })

  it('is one view per manager, and a manager of a public executor is public', () => {
    const { cap, functions, pubFunctions } = setup()
    expect(functions.public()).toBe(pubFunctions)
    expect(pubFunctions.public()).toBe(pubFunctions)
    expect(functions.isPublic).toBe(false)
    const onPublic = new EntityManager({ ...cap.executor, publicOnly: true }, cp.FunctionEntity)
    expect(onPublic.isPublic).toBe(true)
    expect(onPublic.query().isPublic).toBe(true)
  })
})

describe('public queries', () => {
  const q = () => setup().pubFunctions.query('f')

  it('accept public references, joins on hidden keys, and keep the default selection', () => {
    expect(
      q()
        .select(['f.name', 'u.email as owner'])
        .join('users u', 'f.user_id', 'u.id')
        .where('f.status', 'active')
        .orderBy('f.created_at', 'desc')
        .toSQL(),
    ).toEqual({
      sql: 'select "f"."name", "u"."email" as "owner" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id" where "f"."status" = $1 order by "f"."created_at" desc',
      parameters: ['active'],
    })
    // Entities need every column: the default selection is the library's, not input.
    expect(q().toSQL().sql).toBe(`select ${FN_COLUMNS} from "functions" as "f"`)
  })

  it('refuse hidden references as unknown ones, and *', () => {
    const cases: [() => unknown, () => unknown, string][] = [
      [() => q().where('user_id', 1), () => q().where('nope' as any, 1), 'where[0].column'],
      [() => q().where('f.id', 1), () => q().where('f.nope', 1), 'where[0].column'],
      [() => q().orderBy('f.user_id'), () => q().orderBy('f.nope'), 'orderBy[0].column'],
      [() => q().select(['id']), () => q().select(['nope' as any]), 'select[0]'],
      [() => q().groupBy('f.id'), () => q().groupBy('f.nope'), 'groupBy[0]'],
    ]
    for (const [hidden, missing, path] of cases) {
      const a = thrown(hidden)
      const b = thrown(missing)
      expect(a.path).toBe(path)
      expect(a.message.replace(/user_id|"id"/, (m) => (m === 'user_id' ? 'nope' : '"nope"'))).toBe(
        b.message,
      )
    }
    expect(thrown(() => q().select(['*'])).message).toBe(
      'select[0]: * is not available in a public query: name the columns',
    )
    expect(thrown(() => q().select(['f.*'])).path).toBe('select[0]')
    // A bare name that is hidden in the base table is not looked up as the base table's.
    const joined = q().join('users u', 'f.user_id', 'u.id')
    expect(thrown(() => joined.where('password_hash' as any, 'x')).path).toBe('where[0].column')
    // Deferred references (a table joined later) are checked when the query compiles.
    const deferred = q().select(['u.password_hash']).join('users u', 'f.user_id', 'u.id')
    expect(thrown(() => deferred.toSQL()).path).toBe('select[0]')
  })

  it('an EntityQuery made directly takes publicOnly from its options or its executor', () => {
    const { cap } = setup()
    expect(new EntityQuery(cap.executor, cp.UserEntity, { publicOnly: true }).isPublic).toBe(true)
    expect(new EntityQuery(cap.executor, cp.UserEntity).isPublic).toBe(false)
    const pub = new EntityQuery({ ...cap.executor, publicOnly: true }, cp.UserEntity)
    expect(thrown(() => pub.where('password_hash', 'x')).path).toBe('where[0].column')
  })
})

describe('cursors bound to their shape', () => {
  const codec = new CursorCodec('unit tests')
  const { functions, users } = cp.containerpubTables
  const base = { columns: [functions.createdAt, functions.id], direction: 'desc' } as const

  it('decode only with the shape they were made for', () => {
    const token = codec.encode(['2024-01-02 03:04:05.123456', 7], base)
    expect(codec.decode(token, base)).toEqual(['2024-01-02 03:04:05.123456', 7])
    expect(codec.decode(token, { ...base, publicOnly: false })).toEqual([
      '2024-01-02 03:04:05.123456',
      7,
    ])
    for (const other of [
      { ...base, direction: 'asc' as const },
      { ...base, publicOnly: true },
      { ...base, columns: [functions.updatedAt, functions.id] },
      { ...base, columns: [users.createdAt, users.id] },
      { ...base, columns: [functions.id] },
    ]) {
      const error = thrown(() => codec.decode(token, other))
      expect(error.message).toBe(
        'after: invalid cursor: not a cursor of this query (made for another one, or altered)',
      )
    }
  })

  it('a posts-by-userId cursor is refused by users-by-age (the id oracle)', () => {
    const byUserId = { columns: [functions.userId, functions.id], direction: 'asc' } as const
    const token = codec.encode([42, 1], byUserId)
    const byCreated = { columns: [users.createdAt, users.id], direction: 'asc' } as const
    expect(thrown(() => codec.decode(token, byCreated)).path).toBe('after')
  })
})
