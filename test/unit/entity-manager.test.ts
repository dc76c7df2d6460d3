import { describe, expect, it } from 'vitest'
import * as cp from '../../src/containerpub/index'
import {
  CursorCodec,
  c,
  defineTable,
  Entity,
  EntityManager,
  EntityValidationError,
  InvalidDefinitionError,
  InvalidQueryError,
} from '../../src/index'
import { captureExecutor } from '../setup/capture-executor'

const UUID = '5f0c6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a'
const FN_COLUMNS =
  '"id", "uuid", "user_id", "name", "status", "active_deployment_id", "analysis_result", "created_at", "updated_at"'
const USER_COLUMNS = '"id", "uuid", "email", "password_hash", "created_at", "updated_at"'

const notes = defineTable(
  'notes',
  {
    id: c.serial().primaryKey(),
    body: c.text().notNull(),
    deletedAt: c.timestamp(),
  },
  { softDelete: 'deletedAt' },
)
class NoteEntity extends Entity.of(notes) {}

function setup() {
  const cap = captureExecutor([...Object.values(cp.containerpubTables), notes])
  return {
    cap,
    functions: new EntityManager(cap.executor, cp.FunctionEntity),
    users: new EntityManager(cap.executor, cp.UserEntity),
    orgs: new EntityManager(cap.executor, cp.OrganizationEntity),
    notes: new EntityManager(cap.executor, NoteEntity),
  }
}

// The capture executor's codec uses this secret: these cursors are valid for it.
const codec = new CursorCodec('unit tests')
// Cursors of functions' keyset pages: by id, or (with two values) by createdAt then id.
const encodeCursor = (values: unknown[], direction: 'asc' | 'desc' = 'asc') =>
  codec.encode(values, {
    columns: values.length === 1 ? [cp.functions.id] : [cp.functions.createdAt, cp.functions.id],
    direction,
  })

const fnRow = {
  id: 1,
  uuid: UUID,
  user_id: 2,
  name: 'n',
  status: null,
  active_deployment_id: null,
  analysis_result: null,
  created_at: null,
  updated_at: null,
}

describe('fixed-shape statements (compiled once per table)', () => {
  it('findById / findByUuid', async () => {
    const { cap, functions, users } = setup()
    cap.respond([fnRow])
    const found = await functions.findById(1)
    expect(found).toBeInstanceOf(cp.FunctionEntity)
    expect(cap.sent[0]).toEqual({
      sql: `select ${FN_COLUMNS} from "functions" where "id" = $1`,
      parameters: [1],
    })
    expect(await users.findByUuid(UUID)).toBeNull()
    expect(cap.last()).toEqual({
      sql: `select ${USER_COLUMNS} from "users" where "uuid" = $1`,
      parameters: [UUID],
    })
  })

  it('reuses the very same statement text for every call', async () => {
    const { cap, functions } = setup()
    await functions.findById(1)
    await functions.findById(2)
    expect(cap.sent[0]!.sql).toBe(cap.sent[1]!.sql)
  })

  it('existsById', async () => {
    const { cap, functions, notes: m } = setup()
    cap.respond([{ exists: true }])
    expect(await functions.existsById(4)).toBe(true)
    expect(cap.last()).toEqual({
      sql: 'select exists (select 1 as "one" from "functions" where "id" = $1) as "exists"',
      parameters: [4],
    })
    expect(await m.existsById(4)).toBe(false)
    expect(cap.last()?.sql).toBe(
      'select exists (select 1 as "one" from "notes" where "id" = $1 and "deleted_at" is null) as "exists"',
    )
  })

  it('deleteById, count without filter', async () => {
    const { cap, functions } = setup()
    cap.respond([], 1n)
    expect(await functions.deleteById(3)).toBe(true)
    expect(cap.last()).toEqual({ sql: 'delete from "functions" where "id" = $1', parameters: [3] })
    cap.respond([{ count: 12n }])
    expect(await functions.count()).toBe(12)
    expect(cap.last()).toEqual({
      sql: 'select count(*) as "count" from "functions"',
      parameters: [],
    })
  })

  it('soft delete: finders exclude deleted rows; delete sets the column; restore and forceDelete', async () => {
    const { cap, notes: m } = setup()
    await m.findById(1)
    expect(cap.last()?.sql).toBe(
      'select "id", "body", "deleted_at" from "notes" where "id" = $1 and "deleted_at" is null',
    )
    await m.findById(1, { withDeleted: true })
    expect(cap.last()?.sql).toBe('select "id", "body", "deleted_at" from "notes" where "id" = $1')
    await m.deleteById(1)
    expect(cap.last()?.sql).toBe(
      'update "notes" set "deleted_at" = CURRENT_TIMESTAMP where "id" = $1 and "deleted_at" is null',
    )
    await m.delete({ where: { body: 'x' } })
    expect(cap.last()).toEqual({
      sql: 'update "notes" set "deleted_at" = CURRENT_TIMESTAMP where "body" = $1 and "deleted_at" is null',
      parameters: ['x'],
    })
    await m.restore({ where: { body: 'x' } })
    expect(cap.last()?.sql).toBe(
      'update "notes" set "deleted_at" = null where "body" = $1 and "deleted_at" is not null',
    )
    expect(cap.last()?.parameters).toEqual(['x'])
    await m.restoreById(4)
    expect(cap.last()).toEqual({
      sql: 'update "notes" set "deleted_at" = null where "id" = $1 and "deleted_at" is not null',
      parameters: [4],
    })
    await m.forceDelete({ where: { id: 4 } })
    expect(cap.last()).toEqual({ sql: 'delete from "notes" where "id" = $1', parameters: [4] })
    await m.findAll({ where: { body: 'x' } })
    expect(cap.last()?.sql).toBe(
      'select "id", "body", "deleted_at" from "notes" where "body" = $1 and "deleted_at" is null',
    )
    await m.count({ where: { body: 'x' }, withDeleted: true })
    expect(cap.last()?.sql).toBe('select count(*) as "count" from "notes" where "body" = $1')
    await m.count()
    expect(cap.last()?.sql).toBe(
      'select count(*) as "count" from "notes" where "deleted_at" is null',
    )
  })

  it('restore on a table without soft delete is refused', async () => {
    const { functions } = setup()
    await expect(functions.restore({ where: { id: 1 } })).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(functions.restoreById(1)).rejects.toBeInstanceOf(InvalidQueryError)
  })
})

describe('findAll / count / exists', () => {
  it('where, order, limit and offset', async () => {
    const { cap, functions } = setup()
    await functions.findAll({
      where: { userId: 7, status: 'active' },
      orderBy: 'createdAt',
      orderDirection: 'desc',
      limit: 20,
      offset: 40,
    })
    expect(cap.last()).toEqual({
      sql: `select ${FN_COLUMNS} from "functions" where ("user_id" = $1 and "status" = $2) order by "created_at" desc limit 20 offset $3`,
      parameters: [7, 'active', 40],
    })
  })

  it('a list is one = any($1) parameter; several order columns', async () => {
    const { cap, functions } = setup()
    await functions.findAll({ where: { status: ['active', 'building'] }, orderBy: ['name', 'id'] })
    expect(cap.last()).toEqual({
      sql: `select ${FN_COLUMNS} from "functions" where "status" = any($1) order by "name" asc, "id" asc`,
      parameters: [['active', 'building']],
    })
  })

  it('findOne adds limit 1', async () => {
    const { cap, functions } = setup()
    await functions.findOne({ where: { name: 'x' } })
    expect(cap.last()).toEqual({
      sql: `select ${FN_COLUMNS} from "functions" where "name" = $1 limit 1`,
      parameters: ['x'],
    })
  })

  it('count and exists with a filter', async () => {
    const { cap, functions } = setup()
    await functions.count({ where: { status: 'active' } })
    expect(cap.last()).toEqual({
      sql: 'select count(*) as "count" from "functions" where "status" = $1',
      parameters: ['active'],
    })
    cap.respond([{ exists: true }])
    expect(await functions.exists({ where: { name: 'x' } })).toBe(true)
    expect(cap.last()).toEqual({
      sql: 'select exists (select 1 as "one" from "functions" where "name" = $1) as "exists"',
      parameters: ['x'],
    })
  })

  it.each([
    [{ limit: -1 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ limit: '5' }, 'limit'],
    [{ limit: 10_001 }, 'limit'],
    [{ offset: -3 }, 'offset'],
    [{ offset: Number.NaN }, 'offset'],
    [{ orderBy: 'nope' }, 'orderBy'],
    [{ orderBy: 'name; drop table users' }, 'orderBy'],
    [{ orderBy: ['name', 'nope'] }, 'orderBy[1]'],
    [{ orderBy: 'name', orderDirection: 'up' }, 'orderDirection'],
    [{ where: { nope: 1 } }, 'where.nope'],
    [{ where: { userId: '1' } }, 'where.userId'],
  ])('refuses %j before sending (%s)', async (options, path) => {
    const { cap, functions } = setup()
    const error = await functions.findAll(options as any).catch((e) => e)
    expect(error).toBeInstanceOf(InvalidQueryError)
    expect(error.path).toBe(path)
    expect(cap.sent).toHaveLength(0)
  })
})

describe('insert / update / delete', () => {
  it('insert sends only the given columns, jsonb as JSON text, and returns every column', async () => {
    const { cap, functions } = setup()
    cap.respond([fnRow])
    await functions.insert({ userId: 1, name: 'hello', analysisResult: { a: [1] } })
    expect(cap.last()).toEqual({
      sql: `insert into "functions" ("user_id", "name", "analysis_result") values ($1, $2, $3::text::jsonb) returning ${FN_COLUMNS}`,
      parameters: [1, 'hello', '{"a":[1]}'],
    })
  })

  it('insert refuses invalid data, naming the field, without sending', async () => {
    const { cap, functions } = setup()
    const error = await functions.insert({ userId: 'one', name: 'x' } as any).catch((e) => e)
    expect(error).toBeInstanceOf(EntityValidationError)
    expect(error.issues[0].path).toBe('userId')
    await expect(functions.insert(null as any)).rejects.toBeInstanceOf(EntityValidationError)
    await expect(functions.insert({ userId: 1, name: 'x', id2: 1 } as any)).rejects.toThrow(
      /unknown key/,
    )
    expect(cap.sent).toHaveLength(0)
  })

  it('update sets onUpdateNow columns and returns rows', async () => {
    const { cap, functions } = setup()
    await functions.update({ status: 'inactive' }, { where: { userId: 7 } })
    expect(cap.last()).toEqual({
      sql: `update "functions" set "status" = $1, "updated_at" = CURRENT_TIMESTAMP where "user_id" = $2 returning ${FN_COLUMNS}`,
      parameters: ['inactive', 7],
    })
    await functions.update({ status: 'x' }, { where: { all: true } })
    expect(cap.last()?.sql).toBe(
      `update "functions" set "status" = $1, "updated_at" = CURRENT_TIMESTAMP returning ${FN_COLUMNS}`,
    )
    await functions.updateById(3, { name: 'n' })
    expect(cap.last()).toEqual({
      sql: `update "functions" set "name" = $1, "updated_at" = CURRENT_TIMESTAMP where "id" = $2 returning ${FN_COLUMNS}`,
      parameters: ['n', 3],
    })
  })

  it('an explicit value for an onUpdateNow column wins', async () => {
    const { cap, functions } = setup()
    const at = new Date('2020-01-01T00:00:00Z')
    await functions.updateById(3, { updatedAt: at })
    expect(cap.last()?.sql).toBe(
      `update "functions" set "updated_at" = $1 where "id" = $2 returning ${FN_COLUMNS}`,
    )
    expect(cap.last()?.parameters).toEqual([at, 3])
  })

  it.each([
    ['no options', undefined],
    ['no where', {}],
    ['where null', { where: null }],
    ['empty where', { where: {} }],
  ])('update and delete refuse %s: a missing filter never wipes a table', async (_, options) => {
    const { cap, functions } = setup()
    await expect(functions.update({ status: 'x' }, options as any)).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    await expect(functions.delete(options as any)).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(functions.forceDelete(options as any)).rejects.toBeInstanceOf(InvalidQueryError)
    expect(cap.sent).toHaveLength(0)
  })

  it('delete with a filter, and { all: true }', async () => {
    const { cap, functions } = setup()
    cap.respond([], 2n)
    expect(await functions.delete({ where: { status: 'gone' } })).toBe(2)
    expect(cap.last()).toEqual({
      sql: 'delete from "functions" where "status" = $1',
      parameters: ['gone'],
    })
    await functions.delete({ where: { all: true } })
    expect(cap.last()).toEqual({ sql: 'delete from "functions"', parameters: [] })
  })

  it('an empty patch and bad ids are refused', async () => {
    const { functions } = setup()
    await expect(functions.updateById(1, {})).rejects.toThrow(/nothing to update/)
    await expect(functions.updateById('1' as any, { name: 'x' })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    await expect(functions.deleteById(null)).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(functions.findById(2 ** 31)).rejects.toBeInstanceOf(InvalidQueryError)
  })
})

describe('pagination', () => {
  it('paginate: a count and a page ordered by the primary key unless told', async () => {
    const { cap, functions } = setup()
    cap.respond([{ count: 25n }])
    cap.respond([fnRow])
    const page = await functions.paginate({ page: 2, pageSize: 10, where: { userId: 1 } })
    expect(cap.sent).toEqual([
      { sql: 'select count(*) as "count" from "functions" where "user_id" = $1', parameters: [1] },
      {
        sql: `select ${FN_COLUMNS} from "functions" where "user_id" = $1 order by "id" asc limit 10 offset $2`,
        parameters: [1, 10],
      },
    ])
    expect(page).toMatchObject({ total: 25, page: 2, pageSize: 10, hasMore: true })
  })

  it('keyset: first page, then rows after the cursor (row comparison on NOT NULL keys)', async () => {
    const { cap, functions } = setup()
    await functions.paginateByCursor({ limit: 20, after: encodeCursor([5]) })
    expect(cap.last()).toEqual({
      sql: `select ${FN_COLUMNS} from "functions" where ("id") > ($1) order by "id" asc limit 21`,
      parameters: [5],
    })
  })

  it('keyset on a nullable timestamp, newest first: exact text cursor values, one row comparison (nulls sort first)', async () => {
    const { cap, functions } = setup()
    const rows = Array.from({ length: 3 }, (_, i) => ({
      ...fnRow,
      id: i + 1,
      created_at: new Date(0),
      __ke_cursor_0: `2024-01-02 03:04:05.12345${i}`,
    }))
    cap.respond(rows)
    const first = await functions.paginateByCursor({
      limit: 2,
      orderBy: 'createdAt',
      orderDirection: 'desc',
    })
    expect(cap.last()).toEqual({
      sql: `select ${FN_COLUMNS}, "created_at"::text as "__ke_cursor_0" from "functions" order by "created_at" desc, "id" desc limit 3`,
      parameters: [],
    })
    expect(first.items).toHaveLength(2)
    const shape = { columns: [cp.functions.createdAt, cp.functions.id], direction: 'desc' } as const
    expect(codec.decode(first.nextCursor, shape)).toEqual(['2024-01-02 03:04:05.123451', 2])
    await functions.paginateByCursor({
      limit: 2,
      orderBy: 'createdAt',
      orderDirection: 'desc',
      after: first.nextCursor,
    })
    expect(cap.last()).toEqual({
      sql: `select ${FN_COLUMNS}, "created_at"::text as "__ke_cursor_0" from "functions" where ("created_at", "id") < ($1, $2) order by "created_at" desc, "id" desc limit 3`,
      parameters: ['2024-01-02 03:04:05.123451', 2],
    })
  })

  it('keyset ascending on a nullable column: rows after the cursor, then the NULLs', async () => {
    const { cap, functions } = setup()
    const after = encodeCursor(['2024-01-02 03:04:05', 7])
    await functions.paginateByCursor({ limit: 2, orderBy: 'createdAt', after })
    expect(cap.last()?.sql).toContain(
      'where (("created_at", "id") > ($1, $2) or "created_at" is null) order by "created_at" asc, "id" asc limit 3',
    )
    await functions.paginateByCursor({
      limit: 2,
      orderBy: 'createdAt',
      after: encodeCursor([null, 7]),
    })
    expect(cap.last()?.sql).toContain('where ("created_at" is null and "id" > $1) order by')
    await functions.paginateByCursor({
      limit: 2,
      orderBy: 'createdAt',
      orderDirection: 'desc',
      after: encodeCursor([null, 7], 'desc'),
    })
    expect(cap.last()?.sql).toContain(
      'where (("created_at" is null and "id" < $1) or "created_at" is not null) order by "created_at" desc',
    )
  })

  it('the last page has no next cursor', async () => {
    const { cap, functions } = setup()
    cap.respond([fnRow])
    expect((await functions.paginateByCursor({ limit: 5 })).nextCursor).toBeNull()
  })

  it('a cursor reveals nothing: encrypted, different each time, the id not readable', async () => {
    const { cap, functions } = setup()
    cap.respond([
      { ...fnRow, id: 987654321 },
      { ...fnRow, id: 987654322 },
    ])
    const page = await functions.paginateByCursor({ limit: 1 })
    const cursor = page.nextCursor!
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toContain('987654321')
    expect(cursor).not.toBe(encodeCursor([987654321]))
    expect(codec.decode(cursor, { columns: [cp.functions.id], direction: 'asc' })).toEqual([
      987654321,
    ])
  })

  it.each([
    ['not base64', 'garbage!'],
    ['not JSON', Buffer.from('{{{').toString('base64url')],
    ['plain base64 JSON (forged)', Buffer.from(JSON.stringify([5])).toString('base64url')],
    [
      'made with another secret',
      new CursorCodec('another secret').encode([5], {
        columns: [cp.functions.id],
        direction: 'asc',
      }),
    ],
    [
      'altered',
      (() => {
        const bytes = Buffer.from(encodeCursor([5]), 'base64url')
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1)
        return bytes.toString('base64url')
      })(),
    ],
    ['wrong arity', encodeCursor([1, 2])],
    ['SQL in a value', encodeCursor(['1; drop table users'])],
    ['a number too big', encodeCursor([2 ** 40])],
    ['an object', encodeCursor([{ x: 1 }])],
    ['too long', 'A'.repeat(5000)],
  ])('refuses a tampered cursor: %s', async (_, after) => {
    const { cap, functions } = setup()
    const error = await functions.paginateByCursor({ limit: 5, after }).catch((e) => e)
    expect(error).toBeInstanceOf(InvalidQueryError)
    expect(error.path).toBe('after')
    expect(cap.sent).toHaveLength(0)
  })

  it.each([
    [{ page: 0, pageSize: 10 }, 'page'],
    [{ page: 1.5, pageSize: 10 }, 'page'],
    [{ page: 1, pageSize: 0 }, 'pageSize'],
    [{ page: 1, pageSize: 10_001 }, 'pageSize'],
  ])('paginate refuses %j', async (options, path) => {
    const { functions } = setup()
    const error = await functions.paginate(options).catch((e) => e)
    expect(error).toBeInstanceOf(InvalidQueryError)
    expect(error.path).toBe(path)
  })
})

describe('relations: one statement per relation, whatever the number of parents', () => {
  const fn = (id: number, userId: number) =>
    cp.FunctionEntity.fromRow({ ...fnRow, id, user_id: userId })

  it('hasMany with order', async () => {
    const { cap, functions } = setup()
    cap.respond([
      {
        id: 10,
        uuid: UUID,
        function_id: 1,
        version: 2,
        image_tag: 'i',
        s3_key: 'k',
        status: null,
        is_active: null,
        build_logs: null,
        deployed_at: null,
      },
    ])
    const list = await functions.hasMany('deployments', fn(1, 2), {
      orderBy: 'version',
      orderDirection: 'desc',
    })
    expect(cap.last()).toEqual({
      sql: 'select "id", "uuid", "function_id", "version", "image_tag", "s3_key", "status", "is_active", "build_logs", "deployed_at" from "function_deployments" where "function_id" = any($1) order by "version" desc',
      parameters: [[1]],
    })
    expect(list).toHaveLength(1)
  })

  it('belongsTo, and load() for many parents sends distinct keys once', async () => {
    const { cap, functions } = setup()
    await functions.belongsTo('owner', fn(1, 2))
    expect(cap.last()).toEqual({
      sql: `select ${USER_COLUMNS} from "users" where "id" = any($1)`,
      parameters: [[2]],
    })
    cap.respond([
      {
        id: 2,
        uuid: UUID,
        email: 'a@x.io',
        password_hash: 'h',
        created_at: null,
        updated_at: null,
      },
    ])
    const loaded = await functions.load([fn(1, 2), fn(2, 2), fn(3, 9)], 'owner')
    expect(cap.last()?.parameters).toEqual([[2, 9]])
    expect(loaded.map((f) => f.owner?.email ?? null)).toEqual(['a@x.io', 'a@x.io', null])
  })

  it('a related row meets its parent whether a key comes back as a number or a bigint', async () => {
    const { cap, functions } = setup()
    const big = 2n ** 60n
    const parents = [
      fn(1, 2),
      fn(2, 3),
      cp.FunctionEntity.fromRow({ ...fnRow, id: 3, user_id: big }),
    ]
    const user = { uuid: UUID, email: '', password_hash: 'h', created_at: null, updated_at: null }
    cap.respond([
      { ...user, id: 2n, email: 'two@x.io' },
      { ...user, id: 3, email: 'three@x.io' },
      { ...user, id: big, email: 'big@x.io' },
    ])
    const loaded = await functions.load(parents, 'owner')
    expect(loaded.map((f) => f.owner?.email)).toEqual(['two@x.io', 'three@x.io', 'big@x.io'])
  })

  it('manyToMany joins through the junction table', async () => {
    const { cap, orgs } = setup()
    const org = cp.OrganizationEntity.fromRow({
      id: 1,
      uuid: UUID,
      name: 'o',
      owner_id: UUID,
      created_at: null,
      updated_at: null,
    })
    await orgs.manyToMany('members', org, { orderBy: 'email' })
    expect(cap.last()).toEqual({
      sql: 'select t."id", t."uuid", t."email", t."password_hash", t."created_at", t."updated_at", j."organization_id" as "__ke_parent_key" from "users" t join "organization_members" j on j."user_id" = t."uuid" where j."organization_id" = any($1) order by t."email" asc',
      parameters: [[UUID]],
    })
  })

  it('no parents, or parents without keys: no statement', async () => {
    const { cap, functions } = setup()
    expect(await functions.load([], 'deployments')).toEqual([])
    expect(cap.sent).toHaveLength(0)
  })

  it('refuses unknown relations, the wrong kind, a bad orderBy', async () => {
    const { functions } = setup()
    await expect(functions.hasMany('nope' as any, fn(1, 2))).rejects.toThrow(
      /has no relation "nope"/,
    )
    await expect(functions.belongsTo('deployments' as any, fn(1, 2))).rejects.toThrow(
      /hasMany relation/,
    )
    await expect(
      functions.hasMany('deployments', fn(1, 2), { orderBy: 'x; drop' }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(functions.load('x' as any, 'deployments')).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
  })
})

describe('definition errors', () => {
  it('findByUuid needs a public id; findById a single primary key', async () => {
    const pair = defineTable(
      'pair',
      { a: c.integer().notNull(), b: c.integer().notNull() },
      { primaryKey: ['a', 'b'] },
    )
    class Pair extends Entity.of(pair) {}
    const cap = captureExecutor([pair])
    const m = new EntityManager(cap.executor, Pair)
    await expect(m.findByUuid(UUID)).rejects.toBeInstanceOf(InvalidDefinitionError)
    await expect(m.findById(1)).rejects.toBeInstanceOf(InvalidDefinitionError)
  })
})

describe('which statements are reads (may be pipelined behind busy statements)', () => {
  const fn = cp.FunctionEntity.fromRow(fnRow)

  it('every finder reads through executeRead', async () => {
    const { cap, functions, users } = setup()
    const finders: [string, () => Promise<unknown>][] = [
      ['findById', () => functions.findById(1)],
      ['findByUuid', () => users.findByUuid(UUID)],
      ['findAll', () => functions.findAll({ where: { userId: 2 }, limit: 5 })],
      ['findOne', () => functions.findOne({ where: { name: 'n' } })],
      ['count', () => functions.count({ where: { userId: 2 } })],
      ['count all', () => functions.count()],
      ['exists', () => functions.exists({ where: { userId: 2 } })],
      ['existsById', () => functions.existsById(1)],
      ['paginateByCursor', () => functions.paginateByCursor({ limit: 5 })],
      ['hasMany', () => functions.hasMany('deployments', fn)],
      ['load', () => functions.load([fn], 'owner')],
    ]
    for (const [name, call] of finders) {
      const before = cap.sent.length
      await call()
      expect(cap.sent.length, name).toBe(before + 1)
      expect(cap.reads.at(-1), name).toBe(cap.last()?.sql)
    }
    expect(cap.reads).toHaveLength(finders.length)
  })

  it('no write, and no raw statement, is a read', async () => {
    const { cap, functions } = setup()
    cap.respond([fnRow])
    await functions.insert({ userId: 2, name: 'n' })
    await functions.update({ name: 'm' }, { where: { id: 1 } })
    await functions.updateById(1, { name: 'm' })
    await functions.delete({ where: { id: 1 } })
    await functions.deleteById(1)
    cap.respond([]) // the INSERT ... ON CONFLICT, then the SELECT of the kept row
    cap.respond([fnRow])
    await functions.upsert({ userId: 2, name: 'n' }, { conflictColumns: ['userId', 'name'] })
    await functions.raw('SELECT * FROM functions')
    expect(cap.sent.length).toBeGreaterThanOrEqual(7)
    expect(cap.reads).toEqual([])
  })
})
