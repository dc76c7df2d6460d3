import type { Database, EntityManager } from '../index'
import {
  FunctionDataEntity,
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from './entities'
import type { containerpubTables, functionsDbTables } from './tables'

/** The tables a main ContainerPub database serves (it may serve more). */
export type ContainerpubTables = typeof containerpubTables
/** The tables a ContainerPub functions database serves. */
export type FunctionsDbTables = typeof functionsDbTables

/** The managers of the main database. */
export interface ContainerpubManagers<T extends ContainerpubTables> {
  readonly users: EntityManager<typeof UserEntity, T>
  readonly userInformation: EntityManager<typeof UserInformationEntity, T>
  readonly organizations: EntityManager<typeof OrganizationEntity, T>
  readonly organizationMembers: EntityManager<typeof OrganizationMemberEntity, T>
  readonly functions: EntityManager<typeof FunctionEntity, T>
  readonly functionDeployments: EntityManager<typeof FunctionDeploymentEntity, T>
  readonly functionLogs: EntityManager<typeof FunctionLogEntity, T>
  readonly functionInvocations: EntityManager<typeof FunctionInvocationEntity, T>
}

/**
 * The pre-configured managers of the ContainerPub schema, the counterpart of the Dart
 * `DatabaseManagers`. Pass a transaction's `tx` to get managers inside that transaction.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url, tables: containerpubTables })
 * const m = containerpubManagers(db)
 * const fn = await m.functions.findByUuid(uuid)
 * // SELECT "id", "uuid", "user_id", ... FROM "functions" WHERE "uuid" = $1
 * ```
 */
export function containerpubManagers<T extends ContainerpubTables>(
  db: Database<T>,
): ContainerpubManagers<T> {
  return Object.freeze({
    users: db.manager(UserEntity),
    userInformation: db.manager(UserInformationEntity),
    organizations: db.manager(OrganizationEntity),
    organizationMembers: db.manager(OrganizationMemberEntity),
    functions: db.manager(FunctionEntity),
    functionDeployments: db.manager(FunctionDeploymentEntity),
    functionLogs: db.manager(FunctionLogEntity),
    functionInvocations: db.manager(FunctionInvocationEntity),
  })
}

/**
 * The manager of the functions database (`function_data`), which lives apart from the main one.
 * @example const { functionData } = functionsDbManagers(functionsDb)
 */
export function functionsDbManagers<T extends FunctionsDbTables>(
  db: Database<T>,
): { readonly functionData: EntityManager<typeof FunctionDataEntity, T> } {
  return Object.freeze({ functionData: db.manager(FunctionDataEntity) })
}
