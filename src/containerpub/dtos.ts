import { type DtoOutput, defineDto, dtoField, loadRelation, type QueryExecutor } from '../index'
import {
  FunctionDataEntity,
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  OrganizationEntity,
  type OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from './entities'
import { organizationMembers, organizations, users } from './tables'

// The ContainerPub DTOs ("DTO Architecture" in containerpub-database-system.md): what API
// responses are made of. Internal SERIAL ids, integer foreign keys and password hashes cannot
// appear (defineDto refuses them); public references are uuids.

/**
 * A user, as anyone may see it.
 * @example
 * ```ts
 * UserDto.from(user) // { "uuid": "9b1d…", "email": "a@x.io" }
 * ```
 */
export const UserDto = defineDto(UserEntity, ['uuid', 'email'])

/** The JSON of {@link UserDto}. */
export type UserJson = DtoOutput<typeof UserDto>

/**
 * A user's profile details (`user_information`), without the owning user's id.
 * @example
 * ```ts
 * UserInformationDto.from(info)
 * // { "uuid": "1c2d…", "firstName": "Ada", "lastName": "Lovelace", "phoneNumber": null,
 * //   "country": "UK", "city": "London", "address": null, "zipCode": null, "avatar": null,
 * //   "role": "developer", "createdAt": "2024-05-06T07:08:09.010Z", "updatedAt": "2024-05-06T07:08:09.010Z" }
 * ```
 */
export const UserInformationDto = defineDto(UserInformationEntity, [
  'uuid',
  'firstName',
  'lastName',
  'phoneNumber',
  'country',
  'city',
  'address',
  'zipCode',
  'avatar',
  'role',
  'createdAt',
  'updatedAt',
])

/** The JSON of {@link UserInformationDto}. */
export type UserInformationJson = DtoOutput<typeof UserInformationDto>

/**
 * A complete user profile: the user and its `information` (null when the user has none).
 * @example
 * ```ts
 * await UserProfileDto.resolve(db, [user]) // loads `information` in one query
 * // [{ "uuid": "9b1d…", "email": "a@x.io", "information": { "uuid": "1c2d…", "firstName": "Ada", ... } }]
 * ```
 */
export const UserProfileDto = defineDto(UserEntity, {
  uuid: true,
  email: true,
  information: dtoField.relation('information', UserInformationDto),
})

/** The JSON of {@link UserProfileDto}. */
export type UserProfileJson = DtoOutput<typeof UserProfileDto>

/**
 * An organization. `ownerId` already holds the owner's user uuid (a public id), shown as
 * `ownerUuid`.
 * @example
 * ```ts
 * OrganizationDto.from(org)
 * // { "uuid": "4e5f…", "name": "Acme", "ownerUuid": "9b1d…", "createdAt": "2024-05-06T07:08:09.010Z" }
 * ```
 */
export const OrganizationDto = defineDto(OrganizationEntity, {
  uuid: true,
  name: true,
  ownerUuid: dtoField.from('ownerId'),
  createdAt: true,
})

/** The JSON of {@link OrganizationDto}. */
export type OrganizationJson = DtoOutput<typeof OrganizationDto>

/** Who is looking at an organization's members ("Privacy Features"). */
export interface OrganizationViewContext {
  /** True only when the requester owns the organization: then member uuids are shown. */
  readonly requesterIsOwner: boolean
}

// A member's profile as other members see it: the profile's own uuid would identify the member
// as well as the member's uuid does, so it is left out here.
const MemberProfileDto = defineDto(UserInformationEntity, [
  'firstName',
  'lastName',
  'phoneNumber',
  'country',
  'city',
  'address',
  'zipCode',
  'avatar',
  'role',
])

/**
 * A member of an organization (a user, with its `membership` and `information` relations). The
 * member's `uuid` is written only for the organization's owner (spec "Privacy Features"); for
 * anyone else the key is absent.
 * @example
 * ```ts
 * const [member] = await OrganizationMemberDto.resolve(db, [user], { requesterIsOwner: false })
 * // { "email": "b@x.io", "joinedAt": "2024-05-06T07:08:09.010Z", "profile": { "firstName": "Bo", ... } }
 * // with { requesterIsOwner: true }: { "uuid": "7a8b…", "email": "b@x.io", ... }
 * ```
 */
export const OrganizationMemberDto = defineDto(UserEntity, {
  uuid: dtoField.from('uuid').when((ctx: OrganizationViewContext) => ctx.requesterIsOwner),
  email: true,
  joinedAt: dtoField.ref('membership', organizationMembers.joinedAt),
  profile: dtoField.relation('information', MemberProfileDto),
})

/** The JSON of {@link OrganizationMemberDto}. */
export type OrganizationMemberJson = DtoOutput<typeof OrganizationMemberDto>

/** The JSON of {@link OrganizationWithMembersDto}. */
export type OrganizationWithMembersJson = OrganizationJson & {
  members: OrganizationMemberJson[]
}

/** A member user as the `from` of {@link OrganizationMemberDto} takes it: its relations loaded. */
export type LoadedMember = Parameters<(typeof OrganizationMemberDto)['from']>[0]

/** What {@link OrganizationWithMembersDto.fromEntities} takes. */
export interface OrganizationWithMembersInput {
  readonly organization: OrganizationEntity
  /**
   * The member users. Each needs its `membership` and `information`: loaded on it
   * (`manager.load`), or found in `memberships` and `profiles` below.
   */
  readonly members: readonly (UserEntity | LoadedMember)[]
  /** The organization's memberships, matched to members by user uuid (none found: `null`). */
  readonly memberships?: readonly OrganizationMemberEntity[]
  /** The members' profiles, matched by user uuid (none found: `null`). */
  readonly profiles?: readonly UserInformationEntity[]
  /** The requester's user uuid; member uuids are shown only when it is the owner's. */
  readonly requesterId: string | null | undefined
}

const byUserId = <T extends { readonly userId: string }>(list: readonly T[] | undefined) =>
  list === undefined ? undefined : new Map(list.map((item) => [item.userId, item]))

// A relation already loaded on the member wins; else the passed list decides (null when absent).
// With neither, the relation stays unset and the DTO says it is not loaded.
function relationOf(
  member: UserEntity,
  relation: 'membership' | 'information',
  passed: ReadonlyMap<string, object> | undefined,
): unknown {
  const loaded = (member as unknown as Record<string, unknown>)[relation]
  if (loaded !== undefined || passed === undefined) return loaded
  return passed.get(member.uuid) ?? null
}

function membersWithRelations(input: OrganizationWithMembersInput): LoadedMember[] {
  const memberships = byUserId(input.memberships)
  const profiles = byUserId(input.profiles)
  if (memberships === undefined && profiles === undefined) return input.members as LoadedMember[]
  return input.members.map((member) => {
    // A new entity, as manager.load makes one: the caller's entities are left as they are.
    const Ctor = member.constructor as new (props: object) => UserEntity
    return Object.assign(new Ctor(member), {
      membership: relationOf(member, 'membership', memberships),
      information: relationOf(member, 'information', profiles),
    }) as LoadedMember
  })
}

// uuids are case-insensitive; PostgreSQL writes them in lower case, a token may not.
const sameUuid = (a: string | null | undefined, b: string): boolean =>
  typeof a === 'string' && a.toLowerCase() === b.toLowerCase()

function withMembers(
  organization: OrganizationEntity,
  members: OrganizationMemberJson[],
): OrganizationWithMembersJson {
  return { ...OrganizationDto.from(organization), members }
}

/**
 * An organization with its members. Member uuids appear only when `requesterId` is the
 * organization's `ownerId` (spec "Privacy Features"); for anyone else the `uuid` key is absent.
 * @example
 * ```ts
 * OrganizationWithMembersDto.fromEntities({ organization, members, requesterId: ownerUuid })
 * // { "uuid": "4e5f…", "name": "Acme", "ownerUuid": "9b1d…", "createdAt": "…",
 * //   "members": [{ "uuid": "7a8b…", "email": "b@x.io", "joinedAt": "…", "profile": null }] }
 * OrganizationWithMembersDto.fromEntities({ organization, members, requesterId: otherUuid })
 * // { ..., "members": [{ "email": "b@x.io", "joinedAt": "…", "profile": null }] }
 * // plain users, with the memberships and profiles passed alongside:
 * OrganizationWithMembersDto.fromEntities({ organization, members: users, memberships, profiles, requesterId })
 * await OrganizationWithMembersDto.resolve(db, { organization, requesterId }) // 3 queries
 * ```
 *
 * @namespace
 */
export const OrganizationWithMembersDto = Object.freeze({
  /** Maps an organization and its members (relations loaded on them, or passed). */
  fromEntities(input: OrganizationWithMembersInput): OrganizationWithMembersJson {
    const { organization, requesterId } = input
    const context = { requesterIsOwner: sameUuid(requesterId, organization.ownerId) }
    const members = membersWithRelations(input)
    return withMembers(organization, OrganizationMemberDto.fromMany(members, context))
  },

  /**
   * Loads the organization's members (one query) and their membership and information (one
   * query each), then maps them.
   */
  async resolve(
    executor: QueryExecutor,
    input: Pick<OrganizationWithMembersInput, 'organization' | 'requesterId'>,
  ): Promise<OrganizationWithMembersJson> {
    const { organization, requesterId } = input
    const loaded = await loadRelation(executor, organizations, 'members', [organization])
    const members = (loaded.get(organization) ?? []) as UserEntity[]
    const context = { requesterIsOwner: sameUuid(requesterId, organization.ownerId) }
    return withMembers(
      organization,
      await OrganizationMemberDto.resolve(executor, members, context),
    )
  },
})

/** The JSON of {@link UserWithOrganizationDto}. */
export interface UserWithOrganizationJson {
  user: UserJson
  organization: OrganizationJson | null
}

/**
 * A user with the organization it belongs to, or `null`.
 * @example
 * ```ts
 * UserWithOrganizationDto.fromEntities({ user, organization })
 * // { "user": { "uuid": "9b1d…", "email": "a@x.io" },
 * //   "organization": { "uuid": "4e5f…", "name": "Acme", "ownerUuid": "9b1d…", "createdAt": "…" } }
 * await UserWithOrganizationDto.resolve(db, users) // 2 queries: memberships, then organizations
 * ```
 *
 * @namespace
 */
export const UserWithOrganizationDto = Object.freeze({
  /** Maps a user and its organization (null when it has none). */
  fromEntities(input: {
    readonly user: UserEntity
    readonly organization: OrganizationEntity | null
  }): UserWithOrganizationJson {
    const { user, organization } = input
    return {
      user: UserDto.from(user),
      organization: organization === null ? null : OrganizationDto.from(organization),
    }
  },

  /** Loads each user's membership, then the organizations (one query each), and maps them. */
  async resolve(
    executor: QueryExecutor,
    entities: readonly UserEntity[],
  ): Promise<UserWithOrganizationJson[]> {
    const memberships = await loadRelation(executor, users, 'membership', entities)
    const found = [...memberships.values()].filter((m): m is object => m !== null)
    const orgs = await loadRelation(executor, organizationMembers, 'organization', found)
    return entities.map((user) => {
      const membership = memberships.get(user) as object | null | undefined
      const organization = membership == null ? null : orgs.get(membership)
      return UserWithOrganizationDto.fromEntities({
        user,
        organization: (organization ?? null) as OrganizationEntity | null,
      })
    })
  },
})

/**
 * A cloud function. Its owner is shown by uuid through the `owner` relation, never by the
 * internal `user_id`; `hasActiveDeployment` says whether there is an active deployment without
 * showing the internal `active_deployment_id`.
 * @example
 * ```ts
 * await FunctionDto.resolve(db, fns) // one query loads the owners of all fns
 * // [{ "uuid": "5f0c…", "name": "resize", "status": "active", "ownerUuid": "9b1d…",
 * //    "hasActiveDeployment": true, "analysisResult": { "score": 9 },
 * //    "createdAt": "2024-05-06T07:08:09.010Z", "updatedAt": "2024-05-06T07:08:09.010Z" }]
 * ```
 */
export const FunctionDto = defineDto(FunctionEntity, {
  uuid: true,
  name: true,
  status: true,
  ownerUuid: dtoField.ref('owner', users.uuid),
  hasActiveDeployment: dtoField.compute((fn) => fn.activeDeploymentId !== null),
  analysisResult: true,
  createdAt: true,
  updatedAt: true,
})

/** The JSON of {@link FunctionDto}. */
export type FunctionJson = DtoOutput<typeof FunctionDto>

/**
 * A deployment version of a function. `s3Key` is left out: it is an internal storage path (where
 * the build artefact lives in the bucket), of no use to a client and a map of the storage for an
 * attacker. `buildLogs` is left out too: it can be large, and is served on its own.
 * @example
 * ```ts
 * FunctionDeploymentDto.from(deployment)
 * // { "uuid": "77aa…", "version": 3, "imageTag": "fn-resize:3", "status": "active",
 * //   "isActive": true, "deployedAt": "2024-05-06T07:08:09.010Z" }
 * ```
 */
export const FunctionDeploymentDto = defineDto(FunctionDeploymentEntity, [
  'uuid',
  'version',
  'imageTag',
  'status',
  'isActive',
  'deployedAt',
])

/** The JSON of {@link FunctionDeploymentDto}. */
export type FunctionDeploymentJson = DtoOutput<typeof FunctionDeploymentDto>

/**
 * A log line of a function.
 * @example
 * ```ts
 * FunctionLogDto.from(log)
 * // { "uuid": "3c4d…", "level": "error", "message": "timeout", "timestamp": "2024-05-06T07:08:09.010Z" }
 * ```
 */
export const FunctionLogDto = defineDto(FunctionLogEntity, [
  'uuid',
  'level',
  'message',
  'timestamp',
])

/** The JSON of {@link FunctionLogDto}. */
export type FunctionLogJson = DtoOutput<typeof FunctionLogDto>

/**
 * One invocation of a function.
 * @example
 * ```ts
 * FunctionInvocationDto.from(invocation)
 * // { "uuid": "8e9f…", "status": "success", "durationMs": 42, "error": null,
 * //   "timestamp": "2024-05-06T07:08:09.010Z" }
 * ```
 */
export const FunctionInvocationDto = defineDto(FunctionInvocationEntity, [
  'uuid',
  'status',
  'durationMs',
  'error',
  'timestamp',
])

/** The JSON of {@link FunctionInvocationDto}. */
export type FunctionInvocationJson = DtoOutput<typeof FunctionInvocationDto>

/**
 * A key-value entry of a function (functions database), without the internal `function_id`.
 * @example
 * ```ts
 * FunctionDataDto.from(entry)
 * // { "uuid": "0a1b…", "key": "counter", "value": { "n": 3 },
 * //   "createdAt": "2024-05-06T07:08:09.010Z", "updatedAt": "2024-05-06T07:08:09.010Z" }
 * ```
 */
export const FunctionDataDto = defineDto(FunctionDataEntity, [
  'uuid',
  'key',
  'value',
  'createdAt',
  'updatedAt',
])

/** The JSON of {@link FunctionDataDto}. */
export type FunctionDataJson = DtoOutput<typeof FunctionDataDto>
