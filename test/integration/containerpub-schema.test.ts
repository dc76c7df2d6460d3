import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  activateDeployment,
  containerpubManagers,
  containerpubTables,
  FunctionDataEntity,
  functionsDbManagers,
  functionsDbTables,
  getFunctionDetails,
  getFunctionStats,
  getFunctionsPaginated,
} from '../../src/containerpub/index'
import {
  CheckViolationError,
  Database,
  ForeignKeyViolationError,
  NotFoundError,
  UniqueViolationError,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

const file = (name: string) =>
  readFileSync(new URL(`../../sql/containerpub/${name}`, import.meta.url), 'utf8')

let main: Awaited<ReturnType<typeof testDatabase>>
let fdb: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof containerpubTables>
let functionsDb: Database<typeof functionsDbTables>

beforeAll(async () => {
  ;[main, fdb] = await Promise.all([testDatabase('cp_main'), testDatabase('cp_functions')])
  db = await Database.connect({ url: main.url, tables: containerpubTables, max: 8 })
  functionsDb = await Database.connect({ url: fdb.url, tables: functionsDbTables })
  // The committed files, applied twice: the second run must be harmless.
  for (let i = 0; i < 2; i++) {
    await db.executeScript(file('init-db.sql'))
    await functionsDb.executeScript(file('functions-db.sql'))
  }
})
afterAll(async () => {
  await db?.close()
  await functionsDb?.close()
  await main?.drop()
  await fdb?.drop()
})

async function seedFunction(email: string) {
  const m = containerpubManagers(db)
  const user = await m.users.insert({ email, passwordHash: 'hash' })
  const fn = await m.functions.insert({ userId: user.id, name: `fn-${email}` })
  const deployments = await m.functionDeployments.batchInsert(
    [1, 2, 3].map((version) => ({
      functionId: fn.id,
      version,
      imageTag: `img:${version}`,
      s3Key: `k/${version}`,
    })),
  )
  return { user, fn, deployments }
}

describe('the ContainerPub schema from the generated SQL', () => {
  it('creates every table with the spec columns', async () => {
    const rows = await db.raw<{ table_name: string; n: number }>(
      `SELECT table_name, count(*)::int AS n FROM information_schema.columns
        WHERE table_schema = 'public' GROUP BY table_name ORDER BY table_name`,
    )
    expect(rows).toEqual([
      { table_name: 'function_deployments', n: 10 },
      { table_name: 'function_invocations', n: 7 },
      { table_name: 'function_logs', n: 6 },
      { table_name: 'functions', n: 9 },
      { table_name: 'organization_members', n: 4 },
      { table_name: 'organizations', n: 6 },
      { table_name: 'user_information', n: 14 },
      { table_name: 'users', n: 6 },
    ])
  })

  it('enforces its constraints: unique (user_id, name), role check, uuid foreign keys, one org per user', async () => {
    const m = containerpubManagers(db)
    const { user, fn } = await seedFunction('constraints@x.io')
    await expect(m.functions.insert({ userId: user.id, name: fn.name })).rejects.toBeInstanceOf(
      UniqueViolationError,
    )
    await expect(
      db.raw(
        "INSERT INTO user_information (user_id, first_name, last_name, role) VALUES (@u, 'A', 'B', 'admin')",
        { u: user.uuid },
      ),
    ).rejects.toBeInstanceOf(CheckViolationError)
    await expect(
      m.organizations.insert({
        name: 'ghost-org',
        ownerId: '00000000-0000-0000-0000-000000000000',
      }),
    ).rejects.toBeInstanceOf(ForeignKeyViolationError)
    const org = await m.organizations.insert({ name: 'acme', ownerId: user.uuid })
    const other = await m.organizations.insert({ name: 'globex', ownerId: user.uuid })
    await m.organizationMembers.insert({ organizationId: org.uuid, userId: user.uuid })
    await expect(
      m.organizationMembers.insert({ organizationId: other.uuid, userId: user.uuid }),
    ).rejects.toBeInstanceOf(UniqueViolationError)
  })

  it('every manager works on it, relations included', async () => {
    const m = containerpubManagers(db)
    const { user, fn } = await seedFunction('managers@x.io')
    const info = await m.userInformation.insert({
      userId: user.uuid,
      firstName: 'Ada',
      lastName: 'Lovelace',
      role: 'team',
    })
    expect(info.role).toBe('team')
    await m.functionLogs.batchInsert([
      { functionId: fn.id, level: 'info', message: 'started' },
      { functionId: fn.id, level: 'error', message: 'failed' },
    ])
    await m.functionInvocations.insert({ functionId: fn.id, status: 'success', durationMs: 12 })
    expect(await m.functionLogs.count({ where: { functionId: fn.id } })).toBe(2)
    expect((await m.users.hasMany('information', user))?.uuid).toBe(info.uuid)
    expect(await m.functions.hasMany('invocations', fn)).toHaveLength(1)
    expect(await m.functions.hasMany('logs', fn, { orderBy: 'level' })).toHaveLength(2)
    // ON DELETE CASCADE from users down to functions, deployments and logs
    await m.users.deleteById(user.id)
    expect(await m.functions.findById(fn.id)).toBeNull()
    expect(await m.functionLogs.count({ where: { functionId: fn.id } })).toBe(0)
  })

  it('the updated_at trigger touches rows updated by any SQL', async () => {
    const { fn } = await seedFunction('trigger@x.io')
    await db.raw("UPDATE functions SET updated_at = '2000-01-01' WHERE id = @id", { id: fn.id })
    await db.raw("UPDATE functions SET status = 'inactive' WHERE id = @id", { id: fn.id })
    const row = await db.rawOne<{ updated_at: Date }>(
      'SELECT updated_at FROM functions WHERE id = @id',
      { id: fn.id },
    )
    expect(row!.updated_at.getUTCFullYear()).toBeGreaterThan(2000)
  })
})

describe('the common patterns of the spec', () => {
  it('getFunctionDetails: function, owner and deployments newest first', async () => {
    const { user, fn } = await seedFunction('details@x.io')
    const details = await getFunctionDetails(db, fn.uuid)
    expect(details?.function.id).toBe(fn.id)
    expect(details?.owner?.email).toBe(user.email)
    expect(details?.deployments.map((d) => d.version)).toEqual([3, 2, 1])
    expect(await getFunctionDetails(db, '00000000-0000-0000-0000-000000000000')).toBeNull()
  })

  it('getFunctionsPaginated: a page, newest first, with the total', async () => {
    const m = containerpubManagers(db)
    const user = await m.users.insert({ email: 'paged@x.io', passwordHash: 'h' })
    await m.functions.batchInsert(
      Array.from({ length: 7 }, (_, i) => ({ userId: user.id, name: `p${i}` })),
    )
    const page = await getFunctionsPaginated(db, {
      page: 2,
      pageSize: 3,
      filters: { userId: user.id },
    })
    expect(page).toMatchObject({ total: 7, page: 2, pageSize: 3, hasMore: true })
    expect(page.items).toHaveLength(3)
  })

  it('getFunctionStats: totals, successes, average and maximum as numbers', async () => {
    const m = containerpubManagers(db)
    const { fn } = await seedFunction('stats@x.io')
    const now = Date.now()
    await m.functionInvocations.batchInsert([
      { functionId: fn.id, status: 'success', durationMs: 10, timestamp: new Date(now - 1000) },
      { functionId: fn.id, status: 'success', durationMs: 30, timestamp: new Date(now - 2000) },
      {
        functionId: fn.id,
        status: 'error',
        durationMs: 50,
        error: 'boom',
        timestamp: new Date(now - 3000),
      },
      {
        functionId: fn.id,
        status: 'success',
        durationMs: 999,
        timestamp: new Date(now - 40 * 86_400_000),
      },
    ])
    expect(await getFunctionStats(db, fn.id)).toEqual({
      totalInvocations: 3,
      successful: 2,
      averageDurationMs: 30,
      maxDurationMs: 50,
    })
    expect(
      await getFunctionStats(db, fn.id, { since: new Date(now - 50 * 86_400_000) }),
    ).toMatchObject({
      totalInvocations: 4,
      maxDurationMs: 999,
    })
    expect(await getFunctionStats(db, 2_000_000_000)).toEqual({
      totalInvocations: 0,
      successful: 0,
      averageDurationMs: null,
      maxDurationMs: null,
    })
  })

  it('activateDeployment: exactly one active deployment, the function points at it', async () => {
    const m = containerpubManagers(db)
    const { fn, deployments } = await seedFunction('activate@x.io')
    await activateDeployment(db, deployments[0]!.uuid)
    const result = await activateDeployment(db, deployments[2]!.uuid)
    expect(result.function.activeDeploymentId).toBe(deployments[2]!.id)
    expect(result.deployment.isActive).toBe(true)
    const active = await m.functionDeployments.findAll({
      where: { functionId: fn.id, isActive: true },
    })
    expect(active.map((d) => d.id)).toEqual([deployments[2]!.id])
    await expect(
      activateDeployment(db, '00000000-0000-0000-0000-000000000000'),
    ).rejects.toBeInstanceOf(NotFoundError)
  })

  it('activateDeployment under concurrency: 20 racing activations leave exactly one active', async () => {
    const m = containerpubManagers(db)
    const { fn, deployments } = await seedFunction('race@x.io')
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => activateDeployment(db, deployments[i % 3]!.uuid)),
    )
    const active = await m.functionDeployments.findAll({
      where: { functionId: fn.id, isActive: true },
    })
    expect(active).toHaveLength(1)
    const current = await m.functions.findById(fn.id)
    expect(current?.activeDeploymentId).toBe(active[0]!.id)
  })
})

describe('the functions database', () => {
  it('stores function data with upserts on (function_id, key), without a cross-database key', async () => {
    const { functionData } = functionsDbManagers(functionsDb)
    const first = await functionData.upsert(
      { functionId: 424242, key: 'config', value: { retries: 1 } },
      { conflictColumns: ['functionId', 'key'] },
    )
    const second = await functionData.upsert(
      { functionId: 424242, key: 'config', value: { retries: 3 } },
      { conflictColumns: ['functionId', 'key'] },
    )
    expect(second.id).toBe(first.id)
    expect(second.value).toEqual({ retries: 3 })
    expect(second).toBeInstanceOf(FunctionDataEntity)
  })
})
