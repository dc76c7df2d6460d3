import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  containerpubTables,
  FunctionDeploymentEntity,
  FunctionEntity,
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from '../../src/containerpub/index'
import {
  Database,
  EntityManager,
  EntityValidationError,
  ForeignKeyViolationError,
  InvalidQueryError,
  NotFoundError,
  TransactionClosedError,
  UniqueViolationError,
} from '../../src/index'
import { containerpubDatabase } from '../setup/containerpub-database'
import { countingExecutor } from '../setup/counting-executor'

let env: Awaited<ReturnType<typeof containerpubDatabase>>
let db: Database<any>

beforeAll(async () => {
  env = await containerpubDatabase('manager')
  db = env.db
})
afterAll(async () => {
  await env?.close()
})

const users = () => db.manager(UserEntity)
const fns = () => db.manager(FunctionEntity)
const deployments = () => db.manager(FunctionDeploymentEntity)

async function newUser(email: string) {
  return users().insert({ email, passwordHash: 'hash' })
}

describe('insert and finders', () => {
  it('insert returns the entity with database-supplied values', async () => {
    const user = await newUser('insert@x.io')
    expect(user).toBeInstanceOf(UserEntity)
    expect(typeof user.id).toBe('number')
    expect(user.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(user.createdAt).toBeInstanceOf(Date)
  })

  it('insert validates before sending: unknown keys, wrong types, missing required', async () => {
    const before = await users().count()
    await expect(users().insert({ email: 'x@x.io' } as any)).rejects.toBeInstanceOf(
      EntityValidationError,
    )
    await expect(
      users().insert({ email: 'x@x.io', passwordHash: 'h', isAdmin: true } as any),
    ).rejects.toThrow(/unknown key "isAdmin"/)
    await expect(users().insert({ email: 42, passwordHash: 'h' } as any)).rejects.toThrow(/email/)
    expect(await users().count()).toBe(before)
  })

  it('insert maps constraint violations', async () => {
    await newUser('twice@x.io')
    await expect(newUser('twice@x.io')).rejects.toBeInstanceOf(UniqueViolationError)
    await expect(fns().insert({ userId: 999_999, name: 'orphan' })).rejects.toBeInstanceOf(
      ForeignKeyViolationError,
    )
  })

  it('jsonb values are stored as JSON documents, not strings (objects, arrays, true, null)', async () => {
    const owner = await newUser('jsonb@x.io')
    const values = [{ score: 1, notes: ['a'] }, [1, 'two', { three: 3 }], true, 'text', 42]
    for (const [i, value] of values.entries()) {
      const fn = await fns().insert({ userId: owner.id, name: `json-${i}`, analysisResult: value })
      expect(fn.analysisResult).toEqual(value)
      const row = await db.rawOne<{ type: string }>(
        'SELECT jsonb_typeof(analysis_result) AS type FROM functions WHERE id = @id',
        { id: fn.id },
      )
      expect(row?.type).toBe(['object', 'array', 'boolean', 'string', 'number'][i])
      const [updated] = await fns().update(
        { analysisResult: { updated: value } },
        { where: { id: fn.id } },
      )
      expect(updated?.analysisResult).toEqual({ updated: value })
    }
    const cleared = await fns().insert({
      userId: owner.id,
      name: 'json-null',
      analysisResult: null,
    })
    expect(cleared.analysisResult).toBeNull()
  })

  it('findById and findByUuid', async () => {
    const user = await newUser('find@x.io')
    expect((await users().findById(user.id))?.email).toBe('find@x.io')
    expect((await users().findByUuid(user.uuid))?.id).toBe(user.id)
    expect(await users().findById(2_000_000)).toBeNull()
    expect(await users().findByUuid('00000000-0000-0000-0000-000000000000')).toBeNull()
  })

  it('finders refuse malformed keys with a typed error before sending', async () => {
    await expect(users().findByUuid('not-a-uuid')).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(users().findById('1' as any)).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(users().findById(1.5)).rejects.toBeInstanceOf(InvalidQueryError)
  })

  it('findAll filters, sorts, limits and offsets', async () => {
    const owner = await newUser('findall@x.io')
    for (const [name, status] of [
      ['a', 'active'],
      ['b', 'inactive'],
      ['c', 'active'],
      ['d', 'building'],
    ] as const) {
      await fns().insert({ userId: owner.id, name, status })
    }
    const active = await fns().findAll({
      where: { userId: owner.id, status: 'active' },
      orderBy: 'name',
      orderDirection: 'DESC',
    })
    expect(active.map((f) => f.name)).toEqual(['c', 'a'])
    const some = await fns().findAll({
      where: { userId: owner.id, status: ['active', 'building'] },
      orderBy: 'name',
      limit: 2,
      offset: 1,
    })
    expect(some.map((f) => f.name)).toEqual(['c', 'd'])
    const notActive = await fns().findAll({
      where: { userId: owner.id, status: { ne: 'active' } },
      orderBy: 'name',
    })
    expect(notActive.map((f) => f.name)).toEqual(['b', 'd'])
    expect(
      (
        await fns().findAll({
          where: { userId: owner.id, or: [{ name: 'a' }, { name: 'd' }] },
          orderBy: 'name',
        })
      ).map((f) => f.name),
    ).toEqual(['a', 'd'])
  })

  it('findAll refuses bad input with typed errors', async () => {
    await expect(fns().findAll({ where: { nope: 1 } as any })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    await expect(
      fns().findAll({ orderBy: 'name; drop table users' as any }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(
      fns().findAll({ orderDirection: 'sideways' as any, orderBy: 'name' }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().findAll({ limit: -1 })).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().findAll({ limit: 2.5 })).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().findAll({ limit: 10_001 })).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().findAll({ offset: '1' as any })).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().findAll({ where: { userId: '1' } as any })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
  })

  it('findOne, findOneOrThrow, count, exists', async () => {
    const user = await newUser('one@x.io')
    expect((await users().findOne({ where: { email: 'one@x.io' } }))?.id).toBe(user.id)
    expect(await users().findOne({ where: { email: 'none@x.io' } })).toBeNull()
    await expect(users().findOneOrThrow({ where: { email: 'none@x.io' } })).rejects.toBeInstanceOf(
      NotFoundError,
    )
    expect(await users().count({ where: { email: { like: '%@x.io' } } })).toBeGreaterThan(1)
    expect(await users().exists({ where: { email: 'one@x.io' } })).toBe(true)
    expect(await users().exists({ where: { email: 'none@x.io' } })).toBe(false)
  })

  it('raw returns validated entities', async () => {
    const user = await newUser('raw@x.io')
    const rows = await users().raw('SELECT * FROM users WHERE email = @email', {
      email: 'raw@x.io',
    })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toBeInstanceOf(UserEntity)
    expect(rows[0]?.id).toBe(user.id)
    await expect(users().raw('SELECT id FROM users LIMIT 1')).rejects.toBeInstanceOf(
      EntityValidationError,
    )
  })
})

describe('update and delete', () => {
  it('update needs a where filter; {} is refused; { all: true } is explicit', async () => {
    await expect(fns().update({ status: 'x' }, {} as any)).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().update({ status: 'x' }, { where: {} })).rejects.toThrow(/all: true/)
    await expect(fns().delete({ where: {} })).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().delete(undefined as any)).rejects.toBeInstanceOf(InvalidQueryError)
  })

  it('update returns updated entities and touches updated_at', async () => {
    const owner = await newUser('update@x.io')
    const fn = await fns().insert({ userId: owner.id, name: 'upd' })
    // A known old updated_at (past the table's touch trigger), so that "touched" does not depend
    // on the clock moving between two calls.
    const old = new Date('2001-02-03T04:05:06Z')
    await db.transaction(async (tx) => {
      await tx.raw('ALTER TABLE functions DISABLE TRIGGER functions_updated_at_touch')
      await tx.raw('UPDATE functions SET updated_at = @old WHERE id = @id', { old, id: fn.id })
      await tx.raw('ALTER TABLE functions ENABLE TRIGGER functions_updated_at_touch')
    })
    expect((await fns().findById(fn.id))?.updatedAt).toEqual(old)
    const [updated] = await fns().update({ status: 'inactive' }, { where: { id: fn.id } })
    expect(updated?.status).toBe('inactive')
    expect(updated!.updatedAt!.getTime()).toBeGreaterThan(old.getTime())
    const byId = await fns().updateById(fn.id, { name: 'renamed' })
    expect(byId?.name).toBe('renamed')
    expect(await fns().updateById(9_999_999, { name: 'nobody' })).toBeNull()
    await expect(fns().updateById(fn.id, {})).rejects.toThrow(/nothing to update/)
    await expect(fns().updateById(fn.id, { userId: 'x' } as any)).rejects.toBeInstanceOf(
      EntityValidationError,
    )
  })

  it('delete and deleteById return what they deleted', async () => {
    const owner = await newUser('delete@x.io')
    await fns().insert({ userId: owner.id, name: 'd1' })
    await fns().insert({ userId: owner.id, name: 'd2' })
    const d3 = await fns().insert({ userId: owner.id, name: 'd3' })
    expect(await fns().delete({ where: { userId: owner.id, name: ['d1', 'd2'] } })).toBe(2)
    expect(await fns().deleteById(d3.id)).toBe(true)
    expect(await fns().deleteById(d3.id)).toBe(false)
    expect(await fns().count({ where: { userId: owner.id } })).toBe(0)
  })
})

describe('relations', () => {
  it('hasMany, belongsTo, hasOne and manyToMany load entities', async () => {
    const owner = await newUser('rel@x.io')
    const fn = await fns().insert({ userId: owner.id, name: 'rel' })
    for (const version of [1, 2, 3]) {
      await deployments().insert({
        functionId: fn.id,
        version,
        imageTag: `t${version}`,
        s3Key: `k${version}`,
      })
    }
    const list = await fns().hasMany('deployments', fn, {
      orderBy: 'version',
      orderDirection: 'desc',
    })
    expect(list.map((d) => d.version)).toEqual([3, 2, 1])
    expect(list[0]).toBeInstanceOf(FunctionDeploymentEntity)
    const ownerOf = await fns().belongsTo('owner', fn)
    expect(ownerOf).toBeInstanceOf(UserEntity)
    expect(ownerOf?.email).toBe('rel@x.io')

    await db
      .manager(UserInformationEntity)
      .insert({ userId: owner.uuid, firstName: 'Ada', lastName: 'Lovelace', role: 'team' })
    const info = await users().hasMany('information', owner)
    expect(info).toBeInstanceOf(UserInformationEntity)

    const org = await db
      .manager(OrganizationEntity)
      .insert({ name: 'org-rel', ownerId: owner.uuid })
    const member = await newUser('member@x.io')
    await db
      .manager(OrganizationMemberEntity)
      .insert({ organizationId: org.uuid, userId: owner.uuid })
    await db
      .manager(OrganizationMemberEntity)
      .insert({ organizationId: org.uuid, userId: member.uuid })
    const members = await db
      .manager(OrganizationEntity)
      .manyToMany('members', org, { orderBy: 'email' })
    expect(members.map((u) => u.email)).toEqual(['member@x.io', 'rel@x.io'])
  })

  it('refuses an unknown relation or the wrong kind', async () => {
    const fn = (await fns().findOne())!
    await expect(fns().hasMany('nope' as any, fn)).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(fns().belongsTo('deployments' as any, fn)).rejects.toThrow(/hasMany relation/)
  })

  it('load() loads a relation for 1,000 parents in one query', async () => {
    const owner = await newUser('many@x.io')
    const parents = await fns().batchInsert(
      Array.from({ length: 1000 }, (_, i) => ({ userId: owner.id, name: `bulk-${i}` })),
    )
    await deployments().batchInsert(
      parents.flatMap((p, i) =>
        i % 2 === 0 ? [{ functionId: p.id, version: 1, imageTag: 'i', s3Key: 'k' }] : [],
      ),
    )
    const counter = counting(db)
    const loaded = await new EntityManager(counter.executor, FunctionEntity).load(
      parents,
      'deployments',
    )
    expect(counter.statements()).toBe(1)
    expect(loaded).toHaveLength(1000)
    expect(loaded[0]).toBeInstanceOf(FunctionEntity)
    expect(loaded[0]!.deployments).toHaveLength(1)
    expect(loaded[1]!.deployments).toEqual([])
    expect(loaded.filter((f) => f.deployments.length === 1)).toHaveLength(500)
    expect((parents[0] as any).deployments).toBeUndefined()
    const owners = await fns().load(parents.slice(0, 3), 'owner')
    expect(owners.every((f) => f.owner?.id === owner.id)).toBe(true)
    // Loads chain: a relation attached by an earlier load stays.
    const both = await fns().load(await fns().load(parents.slice(0, 2), 'deployments'), 'owner')
    expect(both[0]!.deployments).toHaveLength(1)
    expect(both[0]!.owner?.id).toBe(owner.id)
  })
})

// A QueryExecutor that counts the statements managers send through it.
function counting(inner: Database<any>) {
  const { executor, statements } = countingExecutor(inner)
  return { executor, statements: () => statements.length }
}

describe('pagination', () => {
  it('paginate returns a page with its total and hasMore', async () => {
    const owner = await newUser('page@x.io')
    await fns().batchInsert(
      Array.from({ length: 45 }, (_, i) => ({
        userId: owner.id,
        name: `p-${String(i).padStart(2, '0')}`,
      })),
    )
    const page = await fns().paginate({
      page: 3,
      pageSize: 20,
      where: { userId: owner.id },
      orderBy: 'name',
    })
    expect(page.total).toBe(45)
    expect(page.items.map((f) => f.name)).toEqual(['p-40', 'p-41', 'p-42', 'p-43', 'p-44'])
    expect(page.hasMore).toBe(false)
    expect(
      (await fns().paginate({ page: 1, pageSize: 20, where: { userId: owner.id } })).hasMore,
    ).toBe(true)
    await expect(fns().paginate({ page: 0, pageSize: 20 })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    await expect(fns().paginate({ page: 1, pageSize: 0 })).rejects.toBeInstanceOf(InvalidQueryError)
  })

  it('keyset pagination walks every row once, stable while rows are inserted', async () => {
    const owner = await newUser('cursor@x.io')
    await fns().batchInsert(
      Array.from({ length: 25 }, (_, i) => ({ userId: owner.id, name: `k-${i}` })),
    )
    const seen: number[] = []
    let after: string | null = null
    let pages = 0
    do {
      const page: Awaited<ReturnType<ReturnType<typeof fns>['paginateByCursor']>> =
        await fns().paginateByCursor({
          limit: 10,
          after,
          where: { userId: owner.id },
          orderBy: 'createdAt',
          orderDirection: 'desc',
        })
      seen.push(...page.items.map((f) => f.id))
      after = page.nextCursor
      pages++
      // Rows inserted while paging sort before the cursor (newer): they do not shift later pages.
      if (pages === 1) await fns().insert({ userId: owner.id, name: 'late' })
    } while (after !== null)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(25)
    expect(new Set(seen).size).toBe(25)
  })

  it('cursors are readable by every Database sharing the cursorSecret, and by no other', async () => {
    const owner = await newUser('secret-cursor@x.io')
    await fns().batchInsert(
      Array.from({ length: 4 }, (_, i) => ({ userId: owner.id, name: `s-${i}` })),
    )
    const open = (cursorSecret?: string) =>
      Database.connect({ url: env.url, tables: containerpubTables, cursorSecret, max: 1 })
    const [a, b, other, unset] = await Promise.all([
      open('shared'),
      open('shared'),
      open('other'),
      open(),
    ])
    try {
      const where = { userId: owner.id }
      const first = await a.manager(FunctionEntity).paginateByCursor({ limit: 2, where })
      const second = await b
        .manager(FunctionEntity)
        .paginateByCursor({ limit: 2, where, after: first.nextCursor })
      expect(second.items.map((f) => f.name)).toEqual(['s-2', 's-3'])
      for (const stranger of [other, unset]) {
        await expect(
          stranger
            .manager(FunctionEntity)
            .paginateByCursor({ limit: 2, where, after: first.nextCursor }),
        ).rejects.toBeInstanceOf(InvalidQueryError)
      }
    } finally {
      await Promise.all([a, b, other, unset].map((d) => d.close()))
    }
  })

  it('keyset walks a nullable sort column with NULLs in both directions, every row once, in order', async () => {
    const owner = await newUser('nulls@x.io')
    const base = Date.UTC(2024, 0, 1)
    const rows = Array.from({ length: 11 }, (_, i) => ({
      userId: owner.id,
      name: `n-${i}`,
      // three NULLs and two ties
      createdAt: i % 4 === 3 ? null : new Date(base + Math.floor(i / 2) * 1000),
    }))
    const inserted = await fns().batchInsert(rows)
    const where = { userId: owner.id }
    for (const orderDirection of ['asc', 'desc'] as const) {
      const seen: number[] = []
      let after: string | null = null
      do {
        const page: { items: { id: number }[]; nextCursor: string | null } =
          await fns().paginateByCursor({
            limit: 3,
            where,
            orderBy: 'createdAt',
            orderDirection,
            after,
          })
        seen.push(...page.items.map((f) => f.id))
        after = page.nextCursor
      } while (after !== null)
      const expected = (
        await db.raw<{ id: number }>(
          `SELECT id FROM functions WHERE user_id = @u ORDER BY created_at ${orderDirection}, id ${orderDirection}`,
          { u: owner.id },
        )
      ).map((r) => r.id)
      expect(seen).toEqual(expected)
      expect(new Set(seen).size).toBe(inserted.length)
    }
  })

  it('refuses a tampered cursor', async () => {
    await expect(fns().paginateByCursor({ limit: 5, after: 'garbage!' })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    const forged = Buffer.from(JSON.stringify(['1; drop table users'])).toString('base64url')
    await expect(fns().paginateByCursor({ limit: 5, after: forged })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
  })
})

describe('transactions reach managers', () => {
  it('tx.manager runs inside the transaction; a rollback undoes it', async () => {
    const before = await users().count()
    await db
      .transaction(async (tx) => {
        await tx.manager(UserEntity).insert({ email: 'tx1@x.io', passwordHash: 'h' })
        expect(await tx.manager(UserEntity).count()).toBe(before + 1)
        // The root manager does not see the uncommitted row: it never joins the transaction.
        expect(await users().count()).toBe(before)
        throw new Error('rollback')
      })
      .catch(() => {})
    expect(await users().count()).toBe(before)
  })

  it('nested transactions: an inner savepoint failure rolls back only its own work', async () => {
    await db.transaction(async (tx) => {
      await tx.manager(UserEntity).insert({ email: 'outer-tx@x.io', passwordHash: 'h' })
      await tx
        .transaction(async (inner) => {
          await inner.manager(UserEntity).insert({ email: 'inner-tx@x.io', passwordHash: 'h' })
          await inner.manager(UserEntity).insert({ email: 'outer-tx@x.io', passwordHash: 'h' })
        })
        .catch((e) => expect(e).toBeInstanceOf(UniqueViolationError))
    })
    expect(await users().exists({ where: { email: 'outer-tx@x.io' } })).toBe(true)
    expect(await users().exists({ where: { email: 'inner-tx@x.io' } })).toBe(false)
  })

  it('a manager from an ended transaction refuses to run', async () => {
    let escaped: ReturnType<typeof users> | undefined
    await db.transaction(async (tx) => {
      escaped = tx.manager(UserEntity)
    })
    await expect(escaped!.count()).rejects.toBeInstanceOf(TransactionClosedError)
  })
})
