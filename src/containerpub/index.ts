/**
 * The ContainerPub schema, ready to use: its tables, entity classes (`FunctionEntity`,
 * `UserEntity`, ...), managers, DTOs and query patterns.
 *
 * ```ts
 * import { FunctionEntity, containerpubTables } from 'kysely-entities/containerpub'
 * ```
 *
 * @module kysely-entities/containerpub
 */

export type { UserRole } from './check-input'
export {
  FunctionDataDto,
  type FunctionDataJson,
  FunctionDeploymentDto,
  type FunctionDeploymentJson,
  FunctionDto,
  FunctionInvocationDto,
  type FunctionInvocationJson,
  type FunctionJson,
  FunctionLogDto,
  type FunctionLogJson,
  type LoadedMember,
  OrganizationDto,
  type OrganizationJson,
  OrganizationMemberDto,
  type OrganizationMemberJson,
  type OrganizationViewContext,
  OrganizationWithMembersDto,
  type OrganizationWithMembersInput,
  type OrganizationWithMembersJson,
  UserDto,
  UserInformationDto,
  type UserInformationJson,
  type UserJson,
  UserProfileDto,
  type UserProfileJson,
  UserWithOrganizationDto,
  type UserWithOrganizationJson,
} from './dtos'
export {
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
export {
  getDailyInvocationStats,
  getHourlyInvocationStats,
  getInvocationStats,
  type InvocationStatsOptions,
  type InvocationStatsRow,
  type StatsBucket,
  type StatsCutoff,
} from './invocation-stats'
export {
  type ContainerpubManagers,
  type ContainerpubTables,
  containerpubManagers,
  type FunctionsDbTables,
  functionsDbManagers,
} from './managers'
export {
  addUserToOrganization,
  getOrganizationMemberCount,
  getOrganizationWithMembers,
  getUserOrganization,
  isUserInOrganization,
  type OrganizationMember,
  type OrganizationWithMembers,
  removeUserFromOrganization,
} from './organization-relationships'
export {
  activateDeployment,
  type FunctionDetails,
  type FunctionStats,
  type FunctionsPageOptions,
  getFunctionDetails,
  getFunctionStats,
  getFunctionsPaginated,
} from './patterns'
export {
  containerpubFunctionsDbSql,
  containerpubInitSql,
} from './sql-files'
export {
  containerpubTables,
  functionData,
  functionDeployments,
  functionInvocations,
  functionLogs,
  functions,
  functionsDbTables,
  organizationMembers,
  organizations,
  USER_ROLES,
  userInformation,
  users,
} from './tables'
export {
  getAllUsersWithInformation,
  getDevelopers,
  getTeamMembers,
  getUserComplete,
  getUsersByOrganization,
  getUserWithInformation,
  getUserWithOrganization,
  type UserComplete,
  type UsersWithInformationOptions,
  type UserWithInformation,
  type UserWithOrganization,
} from './user-relationships'
