import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Database,
  Entity,
  generateDDL,
  InvalidQueryError,
  NotFoundError,
  type QueryExecutor,
  sql,
} from '../../src/index'
import { EntityQuery } from '../../src/query/entity-query'
import { functionDeployments, functions, projects, projectTasks, users } from '../fixtures/tables'
import { countingExecutor } from '../setup/counting-executor'
import { testDatabase } from '../setup/test-database'

class UserEntity extends Entity.of(users) {}
class FunctionEntity extends Entity.of(functions) {}
class ProjectEntity extends Entity.of(projects) {}
class TaskEntity extends Entity.of(projectTasks) {}

const tables = { users, functions, functionDeployments, projects, projectTasks }

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof tables>
const ids: Record<string, number> = {}

/** The executor of `handle`, recording the text of every statement run through it. */
function counting(handle: Database<any> = db) {
  return countingExecutor(handle)
}

const fnQuery = (alias?: string, handle?: QueryExecutor) =>
  new EntityQuery(handle ?? db, FunctionEntity, alias === undefined ? {} : { alias })
const projectQuery = (handle?: QueryExecutor) => new EntityQuery(handle ?? db, ProjectEntity)

async function insert(text: string, params: Record<string, unknown>): Promise<number> {
  const row = await db.rawOne<{ id: number }>(`${text} RETURNING id`, params)
  return row!.id
}

beforeAll(async () => {
  test = await testDatabase('entity_query')
  db = await Database.connect({ url: test.url, tables, entities: [UserEntity], max: 4 })
  // The tables exactly as their definitions create them.
  await db.executeScript(generateDDL(Object.values(tables)))

  const user = (email: string) =>
    insert('INSERT INTO users (email, password_hash) VALUES (@email, @hash)', { email, hash: 'h' })
  ids.ada = await user('ada@x.io')
  ids.bob = await user('bob@x.io')
  ids.cy = await user('cy@x.io')
  const fn = (user: number, name: string, status: string, day: number, analysis: unknown = null) =>
    insert(
      `INSERT INTO functions (user_id, name, status, created_at, analysis_result)
       VALUES (@user, @name, @status, @at, @analysis)`,
      {
        user,
        name,
        status,
        at: new Date(Date.UTC(2024, 0, day)),
        analysis,
      },
    )
  ids.a1 = await fn(ids.ada, 'a1', 'active', 10, { score: 9, notes: ['fast'] })
  ids.a2 = await fn(ids.ada, 'a2', 'active', 20)
  ids.a3 = await fn(ids.ada, 'a3', 'inactive', 5)
  ids.b1 = await fn(ids.bob, 'b1', 'active', 15)
  for (const [f, version] of [
    [ids.a1, 1],
    [ids.a1, 2],
    [ids.a1, 3],
    [ids.a2, 1],
  ] as const) {
    await insert('INSERT INTO function_deployments (function_id, version) VALUES (@f, @version)', {
      f,
      version,
    })
  }
  const project = (user: number, name: string, deleted: boolean) =>
    insert('INSERT INTO projects (user_id, name, deleted_at) VALUES (@user, @name, @deleted)', {
      user,
      name,
      deleted: deleted ? new Date() : null,
    })
  ids.p1 = await project(ids.ada, 'p1', false)
  ids.p2 = await project(ids.ada, 'p2', true)
  ids.p3 = await project(ids.bob, 'p3', false)
  const task = (p: number, title: string, assignee: number | null, deleted = false) =>
    insert(
      `INSERT INTO project_tasks (project_id, title, assignee_id, deleted_at)
       VALUES (@p, @title, @assignee, @deleted)`,
      { p, title, assignee, deleted: deleted ? new Date() : null },
    )
  await task(ids.p1, 't1', ids.bob)
  await task(ids.p1, 't2', ids.bob, true)
  await task(ids.p1, 't3', null)
  await task(ids.p3, 't4', ids.ada)
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

describe('entities: all, first, firstOrThrow', () => {
  it('all() returns entities of the query class, filtered and ordered', async () => {
    const active = await fnQuery().where('status', 'active').orderBy('created_at', 'desc').all()
    expect(active.map((f) => f.name)).toEqual(['a2', 'b1', 'a1'])
    expect(active[0]).toBeInstanceOf(FunctionEntity)
    expect(active[0]?.createdAt).toEqual(new Date(Date.UTC(2024, 0, 20)))
    expect(active[2]?.analysisResult).toEqual({ score: 9, notes: ['fast'] })
  })

  it('all() over a join returns the base entities', async () => {
    const fns = await fnQuery('f')
      .join('users u', 'f.user_id', 'u.id')
      .where('u.email', 'bob@x.io')
      .all()
    expect(fns.map((f) => f.name)).toEqual(['b1'])
    expect(fns[0]?.userId).toBe(ids.bob)
  })

  it('first() and firstOrThrow()', async () => {
    expect((await fnQuery().orderBy('created_at').first())?.name).toBe('a3')
    expect(await fnQuery().where('name', 'nope').first()).toBeNull()
    expect((await fnQuery().where('name', 'b1').firstOrThrow()).userId).toBe(ids.bob)
    await expect(fnQuery().where('name', 'nope').firstOrThrow()).rejects.toBeInstanceOf(
      NotFoundError,
    )
  })

  it('in, not in, null, like and orWhere on real rows', async () => {
    const names = async (q: EntityQuery<typeof FunctionEntity>) =>
      (await q.orderBy('name').all()).map((f) => f.name)
    expect(await names(fnQuery().whereIn('name', ['a1', 'b1', 'zz']))).toEqual(['a1', 'b1'])
    expect(await names(fnQuery().whereNotIn('name', ['a1', 'b1']))).toEqual(['a2', 'a3'])
    expect(await names(fnQuery().whereNotNull('analysis_result'))).toEqual(['a1'])
    expect(
      await names(fnQuery().whereNull('active_deployment_id').where('name', 'ilike', 'A%')),
    ).toEqual(['a1', 'a2', 'a3'])
    // (user = bob and active) or inactive
    expect(
      await names(
        fnQuery().where('user_id', ids.bob).where('status', 'active').orWhere('status', 'inactive'),
      ),
    ).toEqual(['a3', 'b1'])
    expect(await names(fnQuery().where('analysis_result', '@>', { score: 9 }))).toEqual(['a1'])
    expect(
      await names(fnQuery().where('created_at', '>', new Date(Date.UTC(2024, 0, 12)))),
    ).toEqual(['a2', 'b1'])
  })

  it('whereRaw binds its interpolated values', async () => {
    const fns = await fnQuery()
      .whereRaw(sql<boolean>`length(name) = ${2} and name like ${'b%'}`)
      .all()
    expect(fns.map((f) => f.name)).toEqual(['b1'])
  })

  it('hostile input is refused before anything is sent', async () => {
    const { executor, statements } = counting()
    const q = fnQuery(undefined, executor)
    expect(() => q.where('name; drop table functions' as any, 1)).toThrow(InvalidQueryError)
    expect(() => q.where('name', 'or 1=1 --' as any, 1)).toThrow(InvalidQueryError)
    expect(() => q.where('id', 'in', [])).toThrow(InvalidQueryError)
    await expect(q.where('u.id', 1).all()).rejects.toBeInstanceOf(InvalidQueryError)
    const evil = "x'); DROP TABLE functions; --"
    expect(await q.where('name', evil).all()).toEqual([])
    expect(statements).toHaveLength(1)
    expect(await fnQuery().count()).toBe(4)
  })
})

describe('count and paginate', () => {
  it('count() counts the filtered rows, ignoring order, limit and offset', async () => {
    expect(await fnQuery().count()).toBe(4)
    expect(await fnQuery().where('status', 'active').orderBy('id').limit(1).offset(1).count()).toBe(
      3,
    )
    expect(
      await fnQuery('f')
        .join('function_deployments fd', 'f.id', 'fd.function_id')
        .where('f.user_id', ids.ada)
        .count(),
    ).toBe(4)
  })

  it('count() with groupBy counts the groups, with having the remaining ones', async () => {
    const grouped = fnQuery('f').groupBy('f.user_id')
    expect(await grouped.count()).toBe(2)
    expect(await grouped.having(sql`count(*)`, '>', 1).count()).toBe(1)
  })

  it('paginate() returns a page, the total and whether more follow', async () => {
    const q = fnQuery().orderBy('name')
    const first = await q.paginate({ page: 1, pageSize: 3 })
    expect(first.items.map((f) => f.name)).toEqual(['a1', 'a2', 'a3'])
    expect(first).toMatchObject({ total: 4, page: 1, pageSize: 3, hasMore: true })
    const second = await q.paginate({ page: 2, pageSize: 3 })
    expect(second.items.map((f) => f.name)).toEqual(['b1'])
    expect(second.hasMore).toBe(false)
    expect((await q.paginate({ page: 9, pageSize: 3 })).items).toEqual([])
  })
})

describe('joins, aggregates and custom selections', () => {
  it('runs the Dart complex query with joins', async () => {
    const rows = await fnQuery('f')
      .select(['f.*', 'u.email', sql<bigint>`count(fd.id)`.as('deployment_count')])
      .join('users u', 'f.user_id', 'u.id')
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .where('f.status', '=', 'active')
      .where('f.created_at', '>', new Date(Date.UTC(2023, 0, 1)))
      .groupBy('f.id', 'u.email')
      .orderBy('f.created_at', 'desc')
      .limit(20)
      .execute<{ name: string; email: string; deployment_count: bigint; user_id: number }>()
    expect(rows.map((r) => [r.name, r.email, r.deployment_count])).toEqual([
      ['a2', 'ada@x.io', 1n],
      ['b1', 'bob@x.io', 0n],
      ['a1', 'ada@x.io', 3n],
    ])
    expect(rows[0]?.user_id).toBe(ids.ada)
  })

  it('groupBy + having on an aggregate, ordered by a selected name', async () => {
    const rows = await fnQuery('f')
      .select(['f.name', sql<number>`count(fd.id)::int`.as('n')])
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .groupBy('f.id')
      .having(sql`count(fd.id)`, '>=', 1)
      .orderBy('n', 'desc')
      .execute<{ name: string; n: number }>()
    expect(rows).toEqual([
      { name: 'a1', n: 3 },
      { name: 'a2', n: 1 },
    ])
  })

  it('execute() returns custom rows with renamed columns; right join keeps unmatched rows', async () => {
    const rows = await fnQuery('f')
      .select(['u.email as owner', 'f.name'])
      .rightJoin('users u', 'f.user_id', 'u.id')
      .orderBy('owner')
      .orderBy('f.name')
      .execute()
    expect(rows).toEqual([
      { owner: 'ada@x.io', name: 'a1' },
      { owner: 'ada@x.io', name: 'a2' },
      { owner: 'ada@x.io', name: 'a3' },
      { owner: 'bob@x.io', name: 'b1' },
      { owner: 'cy@x.io', name: null },
    ])
  })

  it('all() refuses a custom selection', async () => {
    await expect(fnQuery().select('id').all()).rejects.toThrow(/execute\(\)/)
  })
})

describe('soft delete', () => {
  it('leaves out soft-deleted rows unless withDeleted()', async () => {
    expect((await projectQuery().orderBy('name').all()).map((p) => p.name)).toEqual(['p1', 'p3'])
    expect(await projectQuery().count()).toBe(2)
    expect((await projectQuery().withDeleted().orderBy('name').all()).map((p) => p.name)).toEqual([
      'p1',
      'p2',
      'p3',
    ])
    expect(await projectQuery().withDeleted().count()).toBe(3)
  })

  it('orWhere does not bring deleted rows back', async () => {
    const q = projectQuery().where('name', 'p3').orWhere('name', 'p2')
    expect((await q.all()).map((p) => p.name)).toEqual(['p3'])
    expect((await q.withDeleted().orderBy('name').all()).map((p) => p.name)).toEqual(['p2', 'p3'])
  })
})

describe('with: eager loading', () => {
  it('loads each relation level with one query, whatever the number of entities', async () => {
    const { executor, statements } = counting()
    const list = await projectQuery(executor)
      .withDeleted()
      .orderBy('name')
      .with('owner', 'tasks.assignee')
      .all()
    // projects, owners, tasks, assignees: one statement each.
    expect(statements).toHaveLength(4)
    expect(statements[1]).toMatch(/from "users" where "id" = any\(\$1\)/)
    expect(statements[2]).toMatch(/from "project_tasks" where "project_id" = any\(\$1\)/)
    expect(list).toHaveLength(3)
    const [p1, p2, p3] = list as [
      (typeof list)[number],
      (typeof list)[number],
      (typeof list)[number],
    ]
    expect((p1.owner as UserEntity).email).toBe('ada@x.io')
    // The owner comes as the registered entity class.
    expect(p1.owner).toBeInstanceOf(UserEntity)
    expect(p1.owner).toBe(p2.owner)
    const tasks = p1.tasks as (TaskEntity & { assignee: UserEntity | null })[]
    // Soft-deleted tasks are left out.
    expect(tasks.map((t) => t.title).sort()).toEqual(['t1', 't3'])
    expect(tasks.find((t) => t.title === 't1')?.assignee?.email).toBe('bob@x.io')
    expect(tasks.find((t) => t.title === 't3')?.assignee).toBeNull()
    expect(p2.tasks).toEqual([])
    expect(((p3.tasks as TaskEntity[])[0] as any).assignee.email).toBe('ada@x.io')
  })

  it('first() loads relations too; belongsTo through a nested path', async () => {
    const { executor, statements } = counting()
    const task = await new EntityQuery(executor, TaskEntity)
      .where('title', 't4')
      .with('project.owner')
      .firstOrThrow()
    expect(statements).toHaveLength(3)
    expect(
      ((task.project as ProjectEntity & { owner: UserEntity }).owner as UserEntity).email,
    ).toBe('bob@x.io')
  })

  it('paginate() loads relations for the page only', async () => {
    const { executor, statements } = counting()
    const page = await fnQuery(undefined, executor)
      .orderBy('name')
      .with('owner')
      .paginate({ page: 2, pageSize: 3 })
    expect(page.items.map((f) => (f.owner as UserEntity).email)).toEqual(['bob@x.io'])
    expect(statements).toHaveLength(3)
  })
})

describe('executors', () => {
  it('runs on a transaction handle and sees its uncommitted rows', async () => {
    await db
      .transaction(async (tx) => {
        await tx.raw(
          "INSERT INTO functions (user_id, name, status) VALUES (@user, 'tx', 'active')",
          { user: ids.cy },
        )
        expect(await fnQuery(undefined, tx).where('user_id', ids.cy).count()).toBe(1)
        throw new Error('rollback')
      })
      .catch((error: Error) => expect(error.message).toBe('rollback'))
    expect(await fnQuery().where('user_id', ids.cy).count()).toBe(0)
  })

  it('the kysely escape hatch runs the same statement', async () => {
    const q = fnQuery().where('status', 'active').orderBy('name')
    const rows = await q.kysely.execute()
    expect(rows.map((r: any) => r.name)).toEqual(['a1', 'a2', 'b1'])
  })
})
