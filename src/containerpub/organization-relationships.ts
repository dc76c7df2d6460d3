import { type Database, loadRelation } from '../index'
import { checkUuid } from './check-input'
import {
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from './entities'
import type { ContainerpubManagers, ContainerpubTables } from './managers'
import { organizations, users } from './tables'
import { organizationOf } from './user-relationships'

// The Dart package's `OrganizationRelationships` (managers/organization_relationships.dart).
// Members are users linked through the `organization_members` junction: the `members`
// manyToMany relation of organizations loads them in one statement.

/**
 * A member of an organization: the user, with its `membership` (the `organization_members` row:
 * `joinedAt`) and its `information` (profile, `null` when it has none) attached, the shape
 * `OrganizationMemberDto.from` takes.
 */
export type OrganizationMember = UserEntity & {
  readonly membership: OrganizationMemberEntity | null
  readonly information: UserInformationEntity | null
}

/** An organization with its members, the latest to join first. */
export interface OrganizationWithMembers {
  readonly organization: OrganizationEntity
  readonly members: readonly OrganizationMember[]
}

function membersManager<T extends ContainerpubTables>(
  db: Database<T>,
): ContainerpubManagers<T>['organizationMembers'] {
  db.manager(UserEntity)
  db.manager(UserInformationEntity)
  db.manager(OrganizationEntity)
  return db.manager(OrganizationMemberEntity)
}

const joinedAtOf = (member: OrganizationMember): number =>
  member.membership?.joinedAt?.getTime() ?? Number.NEGATIVE_INFINITY

/**
 * An organization with its members, each with its membership (`joinedAt`) and profile, the
 * latest to join first (then by user id); `null` when there is no such organization. Four
 * statements, whatever the number of members: the organization, its members (through the
 * junction), their memberships, their profiles. The result goes to
 * `OrganizationWithMembersDto.fromEntities` as it is.
 *
 * Throws `InvalidQueryError` when `organizationUuid` is not a uuid.
 *
 * @example
 * ```ts
 * const found = await getOrganizationWithMembers(db, orgUuid)
 * if (found) OrganizationWithMembersDto.fromEntities({ ...found, requesterId: viewerUuid })
 * // select "id", "uuid", "name", ... from "organizations" where "uuid" = $1
 * // select t."id", t."uuid", ..., j."organization_id" as "__ke_parent_key" from "users" t
 * //   join "organization_members" j on j."user_id" = t."uuid" where j."organization_id" = any($1)
 * // select ... from "organization_members" where "user_id" = any($1)
 * // select ... from "user_information" where "user_id" = any($1)
 * ```
 */
export async function getOrganizationWithMembers<T extends ContainerpubTables>(
  db: Database<T>,
  organizationUuid: string,
): Promise<OrganizationWithMembers | null> {
  const uuid = checkUuid(organizationUuid, 'organizationUuid')
  membersManager(db)
  const organization = await db.manager(OrganizationEntity).findByUuid(uuid)
  if (organization === null) return null
  const loaded = await loadRelation(db, organizations, 'members', [organization])
  const found = (loaded.get(organization) ?? []) as UserEntity[]
  if (found.length === 0) return { organization, members: [] }
  const memberships = await loadRelation(db, users, 'membership', found)
  const profiles = await loadRelation(db, users, 'information', found)
  const members = found.map((user) => {
    // A new entity, as manager.load makes one: the loaded user is left as it is.
    const Ctor = user.constructor as new (props: object) => UserEntity
    return Object.assign(new Ctor(user), {
      membership: (memberships.get(user) ?? null) as OrganizationMemberEntity | null,
      information: (profiles.get(user) ?? null) as UserInformationEntity | null,
    }) as OrganizationMember
  })
  members.sort((a, b) => joinedAtOf(b) - joinedAtOf(a) || a.id - b.id)
  return { organization, members }
}

/**
 * Makes a user a member of an organization and returns the membership. One statement.
 * Unlike the Dart method, which returns `false` for any failure, this one says why: a user is in
 * one organization at most (`UniqueViolationError`, constraint
 * `organization_members_user_id_key`), and both must exist (`ForeignKeyViolationError`).
 *
 * Throws `InvalidQueryError` when either uuid is not one.
 *
 * @example
 * ```ts
 * const membership = await addUserToOrganization(db, orgUuid, userUuid)
 * // insert into "organization_members" ("organization_id", "user_id") values ($1, $2) returning ...
 * ```
 */
export async function addUserToOrganization<T extends ContainerpubTables>(
  db: Database<T>,
  organizationUuid: string,
  userUuid: string,
): Promise<OrganizationMemberEntity> {
  const organizationId = checkUuid(organizationUuid, 'organizationUuid')
  const userId = checkUuid(userUuid, 'userUuid')
  return membersManager(db).insert({ organizationId, userId })
}

/**
 * Removes a user from its organization; `true` when it was a member. One statement.
 *
 * Throws `InvalidQueryError` when `userUuid` is not a uuid.
 *
 * @example
 * ```ts
 * await removeUserFromOrganization(db, userUuid) // true
 * // delete from "organization_members" where "user_id" = $1
 * ```
 */
export async function removeUserFromOrganization<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<boolean> {
  const userId = checkUuid(userUuid, 'userUuid')
  return (await membersManager(db).delete({ where: { userId } })) > 0
}

/**
 * The organization a user is a member of, or `null`. One statement.
 *
 * Throws `InvalidQueryError` when `userUuid` is not a uuid.
 *
 * @example
 * ```ts
 * const org = await getUserOrganization(db, userUuid)
 * // select "o"."id", "o"."uuid", "o"."name", ... from "organizations" as "o"
 * //   inner join "organization_members" as "m" on "o"."uuid" = "m"."organization_id"
 * //   where "m"."user_id" = $1 limit $2
 * ```
 */
export async function getUserOrganization<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<OrganizationEntity | null> {
  const uuid = checkUuid(userUuid, 'userUuid')
  membersManager(db)
  return organizationOf(db, uuid)
}

/**
 * Whether a user is a member of an organization (any). One statement.
 *
 * Throws `InvalidQueryError` when `userUuid` is not a uuid.
 *
 * @example
 * ```ts
 * await isUserInOrganization(db, userUuid) // true
 * // select exists (select 1 as "one" from "organization_members" where "user_id" = $1) as "exists"
 * ```
 */
export async function isUserInOrganization<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<boolean> {
  const userId = checkUuid(userUuid, 'userUuid')
  return membersManager(db).exists({ where: { userId } })
}

/**
 * The number of members of an organization (0 when there is no such organization). One
 * statement.
 *
 * Throws `InvalidQueryError` when `organizationUuid` is not a uuid.
 *
 * @example
 * ```ts
 * await getOrganizationMemberCount(db, orgUuid) // 3
 * // select count(*) as "count" from "organization_members" where "organization_id" = $1
 * ```
 */
export async function getOrganizationMemberCount<T extends ContainerpubTables>(
  db: Database<T>,
  organizationUuid: string,
): Promise<number> {
  const organizationId = checkUuid(organizationUuid, 'organizationUuid')
  return membersManager(db).count({ where: { organizationId } })
}
