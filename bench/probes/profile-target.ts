// One scenario's hot loop for one contender, on a database the harness loaded: what
// `bench/profile.ts` runs under `node --cpu-prof`. Prints the loop's wall time as JSON.
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Database } from 'kysely-entities'
import {
  FunctionDataEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  UserEntity,
} from 'kysely-entities/containerpub'
import postgres from 'postgres'
import { dataSize, functionDataRow, insertBatch } from '../data'
import { createRng } from '../rng'
import { copyInvocations } from '../scenarios-write'
import { BareInvocationEntity, BenchInvocationEntity, benchTables } from '../schema'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    scenario: { type: 'string' },
    contender: { type: 'string', default: 'kysely-entities' },
    scale: { type: 'string' },
    seconds: { type: 'string', default: '8' },
  },
})
const url = values.url!
const ke = values.contender === 'kysely-entities'
const size = dataSize(Number(values.scale))
const budgetMs = Number(values.seconds) * 1000
const db = await Database.connect({
  url,
  tables: benchTables,
  max: 10,
  ...(process.env.PIPELINE === undefined ? {} : { pipeline: Number(process.env.PIPELINE) }),
})
const raw = postgres(url, { max: 10, onnotice: () => {} })
const rng = createRng(99)

async function loop(op: () => Promise<unknown>, concurrency = 1): Promise<number> {
  let count = 0
  const end = performance.now() + budgetMs
  const worker = async () => {
    while (performance.now() < end) {
      await op()
      count++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return count
}

let ops = 0
const start = performance.now()
switch (values.scenario) {
  case 'S1':
  case 'S2': {
    const uuids = (await raw<{ uuid: string }[]>`select uuid from users`).map((r) => r.uuid)
    const users = db.manager(UserEntity)
    const next = () => rng.pick(uuids)
    const op = ke
      ? () => users.findByUuid(next())
      : async () => (await raw`select * from users where uuid = ${next()}`)[0]
    ops = await loop(op, values.scenario === 'S2' ? 32 : 1)
    break
  }
  case 'S3': {
    const owners = (
      await raw<{ user_id: number }[]>`
        select user_id from functions group by user_id having count(*) >= 20`
    ).map((r) => r.user_id)
    const functions = db.manager(FunctionEntity)
    const op = ke
      ? () =>
          functions.findAll({
            where: { userId: rng.pick(owners), status: 'active' },
            orderBy: 'createdAt',
            orderDirection: 'desc',
            limit: 20,
          })
      : () =>
          raw`select * from functions where user_id = ${rng.pick(owners)} and status = 'active'
              order by created_at desc limit 20`
    ops = await loop(op)
    break
  }
  case 'S4': {
    const ids = new Set<number>()
    while (ids.size < size.loadParents) ids.add(1 + rng.int(size.functions))
    const list = [...ids]
    const functions = db.manager(FunctionEntity)
    const entities = await functions.findAll({ where: { id: list } })
    const op = ke
      ? () => functions.load(entities, 'deployments')
      : async () => {
          const rows = await raw<{ function_id: number }[]>`
            select * from function_deployments where function_id = any(${list})`
          const out = new Map<number, unknown[]>()
          for (const r of rows) {
            const g = out.get(r.function_id)
            if (g === undefined) out.set(r.function_id, [r])
            else g.push(r)
          }
          return out
        }
    ops = await loop(op)
    break
  }
  case 'S5':
  case 'S5bare': {
    const table = values.scenario === 'S5' ? 'bench_invocations' : 'bench_invocations_bare'
    const rows = insertBatch(size)
    const snake = rows.map((r) => ({
      function_id: r.functionId,
      status: r.status,
      duration_ms: r.durationMs ?? null,
      error: r.error ?? null,
      timestamp: r.timestamp as Date,
    }))
    const manager = db.manager(
      table === 'bench_invocations' ? BenchInvocationEntity : BareInvocationEntity,
    )
    const end = performance.now() + budgetMs
    while (performance.now() < end) {
      await raw`truncate ${raw(table)} restart identity`
      if (ke) await manager.batchInsert(rows, { returning: false })
      else await copyInvocations(raw, snake, table)
      ops++
    }
    break
  }
  case 'S6': {
    // upsertMany of S6's 10,000 function_data rows (half of them existing after the first call).
    const camel = Array.from({ length: size.upsertRows }, (_, n) => functionDataRow(size, n, 1))
    const snake = camel.map((r) => ({ function_id: r.functionId, key: r.key, value: r.value }))
    const manager = db.manager(FunctionDataEntity)
    const op = ke
      ? () => manager.upsertMany(camel, { conflictColumns: ['functionId', 'key'] })
      : () =>
          raw`insert into function_data ${raw(snake, 'function_id', 'key', 'value')}
              on conflict (function_id, key) do update
              set value = excluded.value, updated_at = CURRENT_TIMESTAMP returning *`
    ops = await loop(op)
    break
  }
  case 'S7': {
    // A keyset page by id after a cursor 10,000 rows deep (S7 "by id").
    const invocations = db.manager(FunctionInvocationEntity)
    const deep = await invocations.paginateByCursor({ limit: 10_000 })
    const after = deep.nextCursor!
    const [last] = await raw<
      { id: number }[]
    >`select id from function_invocations order by id offset 9999 limit 1`
    const op = ke
      ? () => invocations.paginateByCursor({ limit: 20, after })
      : () => raw`select * from function_invocations where id > ${last!.id} order by id limit 21`
    ops = await loop(op)
    break
  }
  default:
    throw new Error(`unknown scenario ${values.scenario}`)
}
const seconds = (performance.now() - start) / 1000
await db.close()
await raw.end()
console.log(
  JSON.stringify({ scenario: values.scenario, contender: values.contender, ops, seconds }),
)
