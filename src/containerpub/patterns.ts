import type { Database, Page, WhereInput } from '../index'
import { InvalidQueryError, NotFoundError, sql } from '../index'
import {
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  type UserEntity,
} from './entities'
import type { ContainerpubTables } from './managers'
import type { functions as functionsTable } from './tables'

// The statuses the original uses (its DeploymentStatus): the schema has no CHECK on them.
// Constants, written into the statement text as literals.
const DEPLOYMENT_ACTIVE = 'active'
const DEPLOYMENT_DISABLED = 'disabled'
const FUNCTION_ACTIVE = 'active'

/** A function with its owner and its deployments, newest first. */
export interface FunctionDetails {
  readonly function: FunctionEntity
  readonly owner: UserEntity | null
  readonly deployments: FunctionDeploymentEntity[]
}

/**
 * Pattern 1 of the spec: a function with related data, in a fixed number of statements (three,
 * whatever the number of deployments): the function by uuid, then its owner and its deployments
 * together.
 *
 * @example
 * ```ts
 * const details = await getFunctionDetails(db, uuid)
 * // SELECT ... FROM "functions" WHERE "uuid" = $1
 * // SELECT ... FROM "users" WHERE "id" = ANY($1)
 * // SELECT ... FROM "function_deployments" WHERE "function_id" = ANY($1) ORDER BY "version" DESC
 * ```
 */
export async function getFunctionDetails<T extends ContainerpubTables>(
  db: Database<T>,
  uuid: string,
): Promise<FunctionDetails | null> {
  const functions = db.manager(FunctionEntity)
  const fn = await functions.findByUuid(uuid)
  if (fn === null) return null
  const [owner, deployments] = await Promise.all([
    functions.belongsTo('owner', fn),
    functions.hasMany('deployments', fn, { orderBy: 'version', orderDirection: 'desc' }),
  ])
  return {
    function: fn,
    owner: owner as UserEntity | null,
    deployments: deployments as FunctionDeploymentEntity[],
  }
}

/** Options of {@link getFunctionsPaginated}. */
export interface FunctionsPageOptions {
  /** 1-based. */
  readonly page: number
  readonly pageSize: number
  /** Property-keyed filters, e.g. `{ userId, status: 'active' }`. */
  readonly filters?: WhereInput<typeof functionsTable>
}

/**
 * Pattern 2 of the spec: a page of functions, newest first, with the total.
 * @example await getFunctionsPaginated(db, { page: 1, pageSize: 20, filters: { userId } })
 */
export function getFunctionsPaginated<T extends ContainerpubTables>(
  db: Database<T>,
  options: FunctionsPageOptions,
): Promise<Page<FunctionEntity>> {
  return db.manager(FunctionEntity).paginate({
    page: options.page,
    pageSize: options.pageSize,
    where: options.filters,
    orderBy: ['createdAt', 'id'],
    orderDirection: 'desc',
  })
}

/** Invocation statistics of a function, as numbers. */
export interface FunctionStats {
  readonly totalInvocations: number
  readonly successful: number
  /** null when there was no invocation with a duration. */
  readonly averageDurationMs: number | null
  readonly maxDurationMs: number | null
}

/**
 * Pattern 3 of the spec: invocation analytics since a time (default: the last 30 days).
 *
 * @example
 * ```ts
 * await getFunctionStats(db, fn.id, { since: new Date(Date.now() - 7 * 86_400_000) })
 * // select count(*) as "total_invocations", count(*) filter (where "status" = $1) as "successful",
 * //   avg("duration_ms")::float8 as "avg_duration", max("duration_ms") as "max_duration"
 * //   from "function_invocations" where "function_id" = $2 and "timestamp" >= $3
 * ```
 */
export async function getFunctionStats<T extends ContainerpubTables>(
  db: Database<T>,
  functionId: number,
  options: { readonly since?: Date } = {},
): Promise<FunctionStats> {
  if (!Number.isInteger(functionId)) {
    throw new InvalidQueryError('functionId', 'expected an integer')
  }
  const since = options.since ?? new Date(Date.now() - 30 * 86_400_000)
  if (!(since instanceof Date) || Number.isNaN(since.getTime())) {
    throw new InvalidQueryError('since', 'expected a valid Date')
  }
  // Through the query builder, as every statistics query of the module.
  const [row] = await db
    .manager(FunctionInvocationEntity)
    .query()
    .select([
      sql<bigint>`count(*)`.as('total_invocations'),
      sql<bigint>`count(*) filter (where ${sql.ref('status')} = ${'success'})`.as('successful'),
      sql<number | null>`avg(${sql.ref('duration_ms')})::float8`.as('avg_duration'),
      sql<number | null>`max(${sql.ref('duration_ms')})`.as('max_duration'),
    ])
    .where('function_id', functionId)
    .where('timestamp', '>=', since)
    .execute<{
      total_invocations: bigint | number
      successful: bigint | number
      avg_duration: number | null
      max_duration: number | null
    }>()
  return {
    totalInvocations: Number(row?.total_invocations ?? 0),
    successful: Number(row?.successful ?? 0),
    averageDurationMs: row?.avg_duration ?? null,
    maxDurationMs: row?.max_duration ?? null,
  }
}

/**
 * Makes one deployment the active one of its function, as the original's rollback does, in one
 * transaction: the function row is locked (concurrent activations of one function queue up, the
 * last one wins, never two actives); the deployment becomes active (`is_active` true, status
 * `active`); every other deployment of the function is inactive, and those that were active
 * (by flag or status) get status `disabled` (a `building` or `failed` one keeps its status); the
 * function points at the deployment and its status becomes `active`. A failure at any step
 * leaves everything as it was.
 *
 * Throws {@link InvalidQueryError} when `deploymentUuid` is not a uuid, {@link NotFoundError}
 * when no deployment has it.
 *
 * @example
 * ```ts
 * const { function: fn, deployment } = await activateDeployment(db, deploymentUuid)
 * // SELECT ... FROM "function_deployments" WHERE "uuid" = $1
 * // SELECT id FROM functions WHERE id = $1 FOR UPDATE
 * // UPDATE function_deployments SET is_active = (id = $1),
 * //   status = CASE WHEN id = $1 THEN 'active' WHEN is_active OR status = 'active' THEN 'disabled' ELSE status END
 * //   WHERE function_id = $2
 * // UPDATE "functions" SET "active_deployment_id" = $1, "status" = 'active', ... WHERE "id" = $2
 * ```
 */
export async function activateDeployment<T extends ContainerpubTables>(
  db: Database<T>,
  deploymentUuid: string,
): Promise<{ readonly function: FunctionEntity; readonly deployment: FunctionDeploymentEntity }> {
  return db.transaction(async (tx) => {
    const deployments = tx.manager(FunctionDeploymentEntity)
    const target = await deployments.findByUuid(deploymentUuid)
    if (target === null) throw new NotFoundError('function_deployments')
    // The lock serialises activations of one function: the last one wins, never two actives.
    await tx.raw('SELECT id FROM functions WHERE id = @id FOR UPDATE', { id: target.functionId })
    await tx.raw(
      `UPDATE function_deployments
          SET is_active = (id = @id),
              status = CASE WHEN id = @id THEN '${DEPLOYMENT_ACTIVE}'
                            WHEN is_active OR status = '${DEPLOYMENT_ACTIVE}' THEN '${DEPLOYMENT_DISABLED}'
                            ELSE status END
        WHERE function_id = @function_id`,
      { id: target.id, function_id: target.functionId },
    )
    const fn = await tx
      .manager(FunctionEntity)
      .updateById(target.functionId, { activeDeploymentId: target.id, status: FUNCTION_ACTIVE })
    const deployment = await deployments.findById(target.id)
    if (fn === null || deployment === null) throw new NotFoundError('functions')
    return { function: fn, deployment }
  })
}
