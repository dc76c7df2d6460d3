import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { containerpubTables } from '../../src/containerpub/index'
import { Database, down, migrate, status, validateSchema } from '../../src/index'
import { testDatabase } from '../setup/test-database'

const dir = fileURLToPath(new URL('../../sql/containerpub/migrations', import.meta.url))

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof containerpubTables>

beforeAll(async () => {
  test = await testDatabase('cp_migrations')
  db = await Database.connect({ url: test.url, tables: containerpubTables, max: 3 })
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

describe('the ContainerPub migrations', () => {
  it('all ups give exactly the schema the definitions describe; all downs leave an empty database', async () => {
    const up = await migrate(db, { dir })
    expect(up.applied.map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
    expect(await validateSchema(db, containerpubTables)).toEqual({ ok: true, issues: [] })

    // Before 005, the drift check sees exactly the indexes it brings to the original's shape.
    await down(db, { dir, steps: 1 })
    const before005 = await validateSchema(db, containerpubTables)
    expect(before005.issues.map((i) => i.message)).toEqual([
      'index "idx_function_deployments_function_id" is missing',
      'index "idx_function_logs_timestamp" differs: order of "timestamp"',
      'index "idx_function_invocations_timestamp" differs: order of "timestamp"',
    ])

    // Before 004, the drift check sees exactly the index shapes it changes.
    await down(db, { dir, steps: 1 })
    const before004 = await validateSchema(db, containerpubTables)
    expect(before004.issues.map((i) => i.message)).toEqual([
      'index "idx_function_deployments_function_id_is_active" is missing',
      'index "idx_function_deployments_function_id_version" is missing',
      'index "idx_function_deployments_is_active" is not in the definition',
      'index "idx_function_deployments_version" is not in the definition',
      'index "idx_function_logs_timestamp" differs: order of "timestamp"',
      'index "idx_function_logs_uuid" is missing',
      'index "idx_function_invocations_timestamp" differs: order of "timestamp"',
      'index "idx_function_invocations_uuid" is missing',
    ])

    // Before 003, it also sees exactly the columns 003 brings to the original's shape.
    await down(db, { dir, steps: 1 })
    const before003 = await validateSchema(db, containerpubTables)
    expect(
      before003.issues
        .filter((i) => i.kind !== 'index')
        .map((i) => `${i.kind} ${i.table}.${i.column}`)
        .sort(),
    ).toEqual([
      'default user_information.role',
      'nullability user_information.first_name',
      'nullability user_information.last_name',
      'type organization_members.joined_at',
      'type organizations.created_at',
      'type organizations.updated_at',
      'type user_information.created_at',
      'type user_information.updated_at',
    ])

    // Between the first two releases, it also sees exactly what 002 adds.
    await down(db, { dir, steps: 1 })
    const between = await validateSchema(db, containerpubTables)
    expect(
      between.issues
        .filter((i) => i.kind !== 'index')
        .map((i) => `${i.kind} ${i.table}`)
        .sort(),
    ).toEqual([
      'missing_table organization_members',
      'missing_table organizations',
      'missing_table user_information',
    ])

    await migrate(db, { dir })
    await down(db, { dir, steps: 5 })
    expect((await status(db, { dir })).current).toBe(0)
    const left = await db.raw<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'
       UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
       UNION ALL SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'`,
    )
    expect(left.map((r) => r.name)).toEqual(['schema_migrations'])
  })
})
