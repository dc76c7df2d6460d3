import type { Database, InsertProps } from 'kysely-entities'
import {
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  type functionDeployments,
  type functionInvocations,
  type functions,
  UserEntity,
  type users,
} from 'kysely-entities/containerpub'
import { createRng, type Rng } from './rng'
import type { benchInvocations, benchTables } from './schema'

/** Row counts of one data set. `scale` is the number of users; the rest follow from it. */
export interface DataSize {
  readonly users: number
  readonly functions: number
  readonly deployments: number
  readonly invocations: number
  /** Users with many functions: S3 pages through theirs. */
  readonly powerUsers: number
  readonly functionsPerPowerUser: number
  /** Rows S5 inserts per run, rows S6 upserts per run, parents S4 loads for. */
  readonly insertRows: number
  readonly upsertRows: number
  readonly loadParents: number
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x))

/**
 * The data set for `scale` users: 5 functions, 25 deployments and 100 invocations per user
 * (10,000 users: 50,000 / 250,000 / 1,000,000).
 * @example dataSize(10_000) // { users: 10000, functions: 50000, deployments: 250000, invocations: 1000000, ... }
 */
export function dataSize(scale: number): DataSize {
  const users = Math.max(10, Math.floor(scale))
  const functionCount = users * 5
  const powerUsers = Math.max(1, Math.round(users / 100))
  return {
    users,
    functions: functionCount,
    deployments: functionCount * 5,
    invocations: users * 100,
    powerUsers,
    functionsPerPowerUser: 60,
    insertRows: clamp(users * 10, 500, 100_000),
    upsertRows: clamp(users, 100, 10_000),
    loadParents: Math.min(1_000, Math.floor(functionCount / 2)),
  }
}

/** The fixed clock the data set starts at. */
export const BASE_TIME = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

/** The ids of the power users: every 100th user, starting with the first. */
export function powerUserIds(size: DataSize): number[] {
  return Array.from(
    { length: size.powerUsers },
    (_, i) => 1 + i * Math.floor(size.users / size.powerUsers),
  )
}

/** The owner (user id) of each function (index i is function id i + 1). */
export function functionOwners(size: DataSize): Int32Array {
  const owners = new Int32Array(size.functions)
  const power = powerUserIds(size)
  const powerSet = new Set(power)
  let k = 0
  for (const user of power) {
    for (let j = 0; j < size.functionsPerPowerUser && k < size.functions; j++) owners[k++] = user
  }
  const others: number[] = []
  for (let u = 1; u <= size.users; u++) if (!powerSet.has(u)) others.push(u)
  for (let j = 0; k < size.functions; j++) owners[k++] = others[j % others.length]!
  return owners
}

const STATUSES = [
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'inactive',
  'inactive',
  'building',
] as const

type UserRow = InsertProps<typeof users>
type FunctionRow = InsertProps<typeof functions>
type DeploymentRow = InsertProps<typeof functionDeployments>
type InvocationRow = InsertProps<typeof functionInvocations>
export type BenchInvocationRow = InsertProps<typeof benchInvocations>

function* chunked<T>(count: number, chunk: number, make: (i: number) => T): Generator<T[]> {
  for (let from = 0; from < count; from += chunk) {
    const to = Math.min(count, from + chunk)
    const rows = new Array<T>(to - from)
    for (let i = from; i < to; i++) rows[i - from] = make(i)
    yield rows
  }
}

/** Users, in id order (user i + 1). */
export function userRows(size: DataSize, chunk: number): Generator<UserRow[]> {
  const rng = createRng(1)
  return chunked(size.users, chunk, (i) => ({
    uuid: rng.uuid(),
    email: `user${i + 1}@bench.containerpub.dev`,
    passwordHash: `$argon2id$v=19$m=65536,t=3,p=4$${rng.uuid()}`,
    createdAt: new Date(BASE_TIME + i * MINUTE),
    updatedAt: new Date(BASE_TIME + i * MINUTE),
  }))
}

/** Functions, in id order; created_at is unique and uncorrelated with the id. */
export function functionRows(size: DataSize, chunk: number): Generator<FunctionRow[]> {
  const rng = createRng(2)
  const owners = functionOwners(size)
  const order = rng.shuffle(Array.from({ length: size.functions }, (_, i) => i))
  return chunked(size.functions, chunk, (i) => {
    const created = new Date(BASE_TIME + order[i]! * 10 * MINUTE + 7)
    return {
      uuid: rng.uuid(),
      userId: owners[i]!,
      name: `fn-${i + 1}`,
      status: rng.pick(STATUSES),
      analysisResult: rng.next() < 0.3 ? { score: rng.int(100), warnings: rng.int(5) } : null,
      createdAt: created,
      updatedAt: created,
    }
  })
}

/** Deployments: function f has 3 + f % 5 versions (5 on average), the last one active. */
export function deploymentRows(size: DataSize, chunk: number): Generator<DeploymentRow[]> {
  const rng = createRng(3)
  const perFunction = (f: number) => 3 + (f % 5)
  const all: { f: number; v: number; n: number }[] = []
  for (let f = 1; f <= size.functions; f++) {
    const n = perFunction(f)
    for (let v = 1; v <= n; v++) all.push({ f, v, n })
  }
  return chunked(all.length, chunk, (i) => {
    const { f, v, n } = all[i]!
    return {
      uuid: rng.uuid(),
      functionId: f,
      version: v,
      imageTag: `registry.containerpub.dev/fn-${f}:v${v}`,
      s3Key: `functions/fn-${f}/v${v}.tar.gz`,
      status: v === n ? 'active' : 'inactive',
      isActive: v === n,
      buildLogs: rng.next() < 0.2 ? `Step 1/4 : FROM dart:stable\nbuild ${rng.uuid()} ok` : null,
      deployedAt: new Date(BASE_TIME + f * MINUTE + v * 60 * MINUTE),
    }
  })
}

function invocationProps(rng: Rng, size: DataSize, i: number) {
  const r = rng.next()
  const status = r < 0.9 ? 'success' : r < 0.98 ? 'error' : 'timeout'
  return {
    functionId: 1 + rng.int(size.functions),
    status,
    durationMs: 1 + rng.int(3_000),
    error: status === 'error' ? `Unhandled exception: StateError (${rng.int(1000)})` : null,
    // Increasing with the id, 30 s apart plus jitter: unique.
    timestamp: new Date(BASE_TIME + i * 30_000 + rng.int(30_000)),
  }
}

/** Invocations, in id order. */
export function invocationRows(size: DataSize, chunk: number): Generator<InvocationRow[]> {
  const rng = createRng(4)
  return chunked(size.invocations, chunk, (i) => ({
    uuid: rng.uuid(),
    ...invocationProps(rng, size, i),
  }))
}

/** The rows S5 inserts (uuid left to its default), the same for every contender and run. */
export function insertBatch(size: DataSize): BenchInvocationRow[] {
  const rng = createRng(5)
  return Array.from({ length: size.insertRows }, (_, i) => invocationProps(rng, size, i))
}

/** {@link insertBatch}'s rows one at a time, never all in memory at once (S5's streamed input). */
export function* insertStream(size: DataSize): Generator<BenchInvocationRow> {
  const rng = createRng(5)
  for (let i = 0; i < size.insertRows; i++) yield invocationProps(rng, size, i)
}

/** A `function_data` row of S6: key `k<n>` of function `1 + n % functions`. */
export function functionDataRow(size: DataSize, n: number, version: number) {
  return {
    functionId: 1 + (n % size.functions),
    key: `k${n}`,
    value: { version, n, tags: ['bench', `t${n % 7}`] },
  }
}

/**
 * Loads the data set with the library's own `batchInsert` (`returning: false`), a chunk of rows
 * at a time so the generated rows never all sit in memory.
 */
export async function loadData(
  db: Database<typeof benchTables>,
  size: DataSize,
  onProgress: (table: string, done: number, total: number) => void,
): Promise<void> {
  const chunk = 50_000
  const load = async <R>(
    table: string,
    total: number,
    rows: Generator<R[]>,
    insert: (rows: R[]) => Promise<number>,
  ) => {
    let done = 0
    for (const part of rows) {
      done += await insert(part)
      onProgress(table, done, total)
    }
    if (done !== total) throw new Error(`${table}: loaded ${done} rows, expected ${total}`)
  }
  const opts = { returning: false } as const
  await load('users', size.users, userRows(size, chunk), (r) =>
    db.manager(UserEntity).batchInsert(r, opts),
  )
  await load('functions', size.functions, functionRows(size, chunk), (r) =>
    db.manager(FunctionEntity).batchInsert(r, opts),
  )
  await load('function_deployments', size.deployments, deploymentRows(size, chunk), (r) =>
    db.manager(FunctionDeploymentEntity).batchInsert(r, opts),
  )
  await load('function_invocations', size.invocations, invocationRows(size, chunk), (r) =>
    db.manager(FunctionInvocationEntity).batchInsert(r, opts),
  )
}
