import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  activateDeployment,
  addUserToOrganization,
  containerpubManagers,
  containerpubTables,
  functionsDbTables,
  getHourlyInvocationStats,
  getOrganizationMemberCount,
  getUserWithInformation,
} from '../../src/containerpub/index'
import { Database, diffSchema, validateSchema } from '../../src/index'
import { testDatabase } from '../setup/test-database'

// The drift check held against ContainerPub as the original project writes its SQL (see
// test/fixtures/containerpub-original/README.md), not as this package generates it.
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/containerpub-original/${name}`, import.meta.url), 'utf8')

let main: Awaited<ReturnType<typeof testDatabase>>
let fdb: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof containerpubTables>
let functionsDb: Database<typeof functionsDbTables>

beforeAll(async () => {
  ;[main, fdb] = await Promise.all([testDatabase('cp_original'), testDatabase('cp_original_fn')])
  db = await Database.connect({ url: main.url, tables: containerpubTables, max: 2 })
  functionsDb = await Database.connect({ url: fdb.url, tables: functionsDbTables, max: 2 })
  await db.executeScript(fixture('init-db.sql'))
  await db.executeScript(fixture('add-user-relationships.sql'))
  await functionsDb.executeScript(fixture('functions-db.sql'))
})
afterAll(async () => {
  await db?.close()
  await functionsDb?.close()
  await main?.drop()
  await fdb?.drop()
})

const V4_NOTE =
  'default uuid_generate_v4() is equivalent to gen_random_uuid(): each gives a random (version 4) uuid; uuid_generate_v4() needs the uuid-ossp extension, gen_random_uuid() is core since PostgreSQL 13, uuidv4() since 18'

/** A note as `[table, column, live object]`, so a test reads as the list it expects. */
const brief = (
  notes: readonly { table: string; column?: string; kind: string; actual: string | null }[],
) => notes.map((n) => [n.kind, `${n.table}.${n.column}`, n.actual])

describe('ContainerPub definitions against the SQL the original writes', () => {
  it('main database: no drift; the equivalents are the documented ones, and diff proposes nothing', async () => {
    const result = await validateSchema(db, containerpubTables)
    expect(result.issues).toEqual([])
    expect(result.ok).toBe(true)
    // Everything else the original spells its own way (constraint and index names, inline
    // REFERENCES and UNIQUE, `TIMESTAMP WITH TIME ZONE`, `CURRENT_TIMESTAMP` defaults, comments)
    // is simply the same, or (comments) documented as not compared.
    expect(brief(result.notes ?? [])).toEqual([
      ['equivalent', 'users.uuid', 'uuid_generate_v4()'],
      [
        'equivalent',
        'users.updated_at',
        'update_users_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
      ],
      [
        'equivalent',
        'user_information.updated_at',
        'trigger_user_information_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_user_information_updated_at()',
      ],
      [
        'equivalent',
        'organizations.updated_at',
        'trigger_organizations_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_organizations_updated_at()',
      ],
      ['equivalent', 'functions.uuid', 'uuid_generate_v4()'],
      [
        'equivalent',
        'functions.updated_at',
        'update_functions_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
      ],
      ['equivalent', 'function_deployments.uuid', 'uuid_generate_v4()'],
      ['equivalent', 'function_logs.uuid', 'uuid_generate_v4()'],
      ['equivalent', 'function_invocations.uuid', 'uuid_generate_v4()'],
    ])
    const uuidNote = result.notes?.find((n) => n.table === 'users' && n.column === 'uuid')
    expect(uuidNote?.message).toBe(`column "uuid" ${V4_NOTE}`)
    expect((await diffSchema(db, containerpubTables)).steps).toEqual([])
  })

  it('functions database: no drift; the equivalents are the documented ones', async () => {
    const result = await validateSchema(functionsDb, functionsDbTables)
    expect(result.issues).toEqual([])
    expect(brief(result.notes ?? [])).toEqual([
      ['equivalent', 'function_data.uuid', 'uuid_generate_v4()'],
      [
        'equivalent',
        'function_data.updated_at',
        'update_function_data_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
      ],
    ])
  })

  it('the module works on it: managers, the original triggers, relationships, activation, statistics', async () => {
    const m = containerpubManagers(db)
    const user = await m.users.insert({ email: 'original@x.io', passwordHash: 'h' })
    expect(user.uuid).toMatch(/^[0-9a-f-]{36}$/)
    await m.userInformation.insert({
      userId: user.uuid,
      firstName: 'Ada',
      lastName: 'Lovelace',
      role: 'developer',
    })
    const org = await m.organizations.insert({ name: 'Original Org', ownerId: user.uuid })
    await addUserToOrganization(db, org.uuid, user.uuid)
    const complete = await getUserWithInformation(db, user.uuid)
    expect(complete?.information?.firstName).toBe('Ada')
    expect(await getOrganizationMemberCount(db, org.uuid)).toBe(1)

    const fn = await m.functions.insert({ userId: user.id, name: 'hello' })
    const deployments = await m.functionDeployments.batchInsert(
      [1, 2].map((version) => ({
        functionId: fn.id,
        version,
        imageTag: `i:${version}`,
        s3Key: `k${version}`,
      })),
    )
    await activateDeployment(db, deployments[1]!.uuid)
    const active = await m.functions.findById(fn.id)
    expect(active?.activeDeploymentId).toBe(deployments[1]!.id)
    // The original's own trigger keeps updated_at current, even against an explicit value.
    await db.raw("UPDATE functions SET updated_at = '2000-01-01' WHERE id = @id", { id: fn.id })
    const touched = await m.functions.findById(fn.id)
    expect(touched!.updatedAt!.getUTCFullYear()).toBeGreaterThan(2000)

    await m.functionInvocations.batchInsert(
      ['success', 'error', 'success'].map((status, i) => ({
        functionId: fn.id,
        status,
        durationMs: 10 * (i + 1),
        timestamp: new Date(Date.UTC(2026, 0, 1, 10, i)),
      })),
    )
    const hourly = await getHourlyInvocationStats(db, fn, { since: new Date(Date.UTC(2026, 0, 1)) })
    expect(hourly).toHaveLength(1)
    expect(hourly[0]).toMatchObject({
      totalInvocations: 3,
      successCount: 2,
      errorCount: 1,
      averageDurationMs: 20,
    })
  })
})
