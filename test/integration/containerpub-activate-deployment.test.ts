import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  activateDeployment,
  containerpubManagers,
  containerpubTables,
} from '../../src/containerpub/index'
import { Database, DatabaseError, InvalidQueryError, NotFoundError } from '../../src/index'
import { testDatabase } from '../setup/test-database'

// activateDeployment does what the original's rollback does: the chosen deployment becomes
// `active` (flag and status), the function's other active deployments `disabled`, and the
// function points at it with status `active`, all in one transaction.

let main: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof containerpubTables>

beforeAll(async () => {
  main = await testDatabase('cp_activate')
  db = await Database.connect({ url: main.url, tables: containerpubTables, max: 4 })
  await db.executeScript(
    readFileSync(new URL('../../sql/containerpub/init-db.sql', import.meta.url), 'utf8'),
  )
})
afterAll(async () => {
  await db?.close()
  await main?.drop()
})

async function seed(email: string, statuses: readonly string[]) {
  const m = containerpubManagers(db)
  const user = await m.users.insert({ email, passwordHash: 'hash' })
  const fn = await m.functions.insert({ userId: user.id, name: 'fn', status: 'inactive' })
  const deployments = await m.functionDeployments.batchInsert(
    statuses.map((status, i) => ({
      functionId: fn.id,
      version: i + 1,
      imageTag: `img:${i + 1}`,
      s3Key: `k/${i + 1}`,
      status,
    })),
  )
  return { fn, deployments }
}

// version -> "status/isActive", for the whole function.
async function states(functionId: number) {
  const rows = await containerpubManagers(db).functionDeployments.findAll({
    where: { functionId },
    orderBy: 'version',
  })
  return rows.map((d) => `${d.version}:${d.status}/${d.isActive}`)
}

describe('activateDeployment', () => {
  it('the chosen deployment becomes active, the previously active one disabled, the function active', async () => {
    const { fn, deployments } = await seed('statuses@x.io', ['active', 'active', 'failed'])
    const [v1, v2] = deployments as [(typeof deployments)[0], (typeof deployments)[0]]
    await activateDeployment(db, v1.uuid)
    expect(await states(fn.id)).toEqual(['1:active/true', '2:disabled/false', '3:failed/false'])

    const result = await activateDeployment(db, v2.uuid)
    expect(result.deployment.uuid).toBe(v2.uuid)
    expect(result.deployment.status).toBe('active')
    expect(result.deployment.isActive).toBe(true)
    expect(result.function.activeDeploymentId).toBe(v2.id)
    expect(result.function.status).toBe('active')
    // A failed build keeps its status: only what was active is disabled.
    expect(await states(fn.id)).toEqual(['1:disabled/false', '2:active/true', '3:failed/false'])
    const stored = await containerpubManagers(db).functions.findById(fn.id)
    expect(stored?.status).toBe('active')
    expect(stored?.activeDeploymentId).toBe(v2.id)
  })

  it('activating the active deployment again changes nothing', async () => {
    const { fn, deployments } = await seed('again@x.io', ['building', 'building'])
    await activateDeployment(db, deployments[1]!.uuid)
    const before = await states(fn.id)
    await activateDeployment(db, deployments[1]!.uuid)
    expect(await states(fn.id)).toEqual(before)
    expect(before).toEqual(['1:building/false', '2:active/true'])
  })

  it('leaves other functions alone', async () => {
    const a = await seed('a@x.io', ['active', 'building'])
    const b = await seed('b@x.io', ['active', 'building'])
    await activateDeployment(db, b.deployments[0]!.uuid)
    const beforeA = await states(a.fn.id)
    await activateDeployment(db, b.deployments[1]!.uuid)
    expect(await states(a.fn.id)).toEqual(beforeA)
  })

  it('a failure after the deployments were updated leaves nothing changed (one transaction)', async () => {
    const { fn, deployments } = await seed('atomic@x.io', ['active', 'building'])
    await activateDeployment(db, deployments[0]!.uuid)
    const before = await states(fn.id)
    const fnBefore = await containerpubManagers(db).functions.findById(fn.id)
    // The last step (the function's update) fails in the database.
    await db.executeScript(`
      CREATE FUNCTION refuse_function_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused'; END $$;
      CREATE TRIGGER refuse_update BEFORE UPDATE ON functions
        FOR EACH ROW WHEN (OLD.id = ${fn.id}) EXECUTE FUNCTION refuse_function_update();`)
    try {
      await expect(activateDeployment(db, deployments[1]!.uuid)).rejects.toBeInstanceOf(
        DatabaseError,
      )
    } finally {
      await db.executeScript('DROP TRIGGER refuse_update ON functions')
    }
    expect(await states(fn.id)).toEqual(before)
    expect(await containerpubManagers(db).functions.findById(fn.id)).toEqual(fnBefore)
  })

  it('refuses a deployment uuid that is not a uuid, and says when none has it', async () => {
    await expect(activateDeployment(db, 'not-a-uuid')).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(activateDeployment(db, 42 as unknown as string)).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    await expect(
      activateDeployment(db, '00000000-0000-4000-8000-000000000000'),
    ).rejects.toBeInstanceOf(NotFoundError)
  })
})
