import { Entity } from '../index'
import {
  functionData,
  functionDeployments,
  functionInvocations,
  functionLogs,
  functions,
  organizationMembers,
  organizations,
  userInformation,
  users,
} from './tables'

/** A user account. */
export class UserEntity extends Entity.of(users) {}
/** A user's profile. */
export class UserInformationEntity extends Entity.of(userInformation) {}
/** An organization. */
export class OrganizationEntity extends Entity.of(organizations) {}
/** A membership of a user in an organization. */
export class OrganizationMemberEntity extends Entity.of(organizationMembers) {}
/** A cloud function. */
export class FunctionEntity extends Entity.of(functions) {}
/** A deployment version of a function. */
export class FunctionDeploymentEntity extends Entity.of(functionDeployments) {}
/** A log line of a function. */
export class FunctionLogEntity extends Entity.of(functionLogs) {}
/** One invocation of a function. */
export class FunctionInvocationEntity extends Entity.of(functionInvocations) {}
/** A key-value entry of a function (functions database). */
export class FunctionDataEntity extends Entity.of(functionData) {}
