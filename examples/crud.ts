// Pattern 1 of the spec: basic CRUD through the pre-configured managers.
import { containerpubManagers } from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, type Log, main } from './context'

export async function run(db: DemoDatabase, log: Log) {
  const { users, functions } = containerpubManagers(db)

  // Find: by a unique column, then by uuid (the public identifier).
  const ada = await users.findOneOrThrow({ where: { email: 'ada@example.com' } })
  const byUuid = await users.findByUuid(ada.uuid)
  log(`findByUuid(${ada.uuid}) -> ${byUuid?.email}`)

  // Find with conditions, ordered and limited.
  const active = await functions.findAll({
    where: { userId: ada.id, status: 'active' },
    orderBy: 'createdAt',
    orderDirection: 'desc',
    limit: 10,
  })
  log(
    `findAll(active functions of ada) -> ${active.length}: ${active.map((f) => f.name).join(', ')}`,
  )
  const { sql } = functions
    .query()
    .where('user_id', ada.id)
    .where('status', 'active')
    .orderBy('created_at', 'desc')
    .limit(10)
    .toSQL()
  log(`  the same as a query: ${sql.replace(/select .* from/, 'select ... from')}`)

  // Insert (validated; unknown keys are refused), update, count, delete.
  const created = await functions.insert({ userId: ada.id, name: 'my-function', status: 'active' })
  log(`insert -> "${created.name}" uuid ${created.uuid}, status ${created.status}`)
  const updated = await functions.updateById(created.id, { status: 'inactive' })
  log(
    `updateById -> status ${updated?.status}, updatedAt set: ${updated?.updatedAt instanceof Date}`,
  )
  const activeCount = await functions.count({ where: { status: 'active' } })
  log(`count({ status: 'active' }) -> ${activeCount}`)
  const deleted = await functions.deleteById(created.id)
  const gone = (await functions.findByUuid(created.uuid)) === null
  log(`deleteById -> ${deleted}; findByUuid afterwards -> ${gone ? 'null' : 'still there'}`)

  return {
    email: byUuid?.email,
    activeOfAda: active.length,
    activeCount,
    updatedStatus: updated?.status,
    deleted,
    gone,
    sql,
  }
}

if (isMain(import.meta.url)) await main(run)
