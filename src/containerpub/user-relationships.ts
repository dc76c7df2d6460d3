import { type Database, loadRelation } from '../index'
import { checkOptions, checkRole, checkUuid, type UserRole } from './check-input'
import {
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from './entities'
import type { ContainerpubTables } from './managers'
import { users } from './tables'

// The Dart package's `UserRelationships` (managers/user_relationships.dart), working: the Dart
// getUserComplete and getUsersByOrganization join on `organizations.user_id`, a column that does
// not exist. Each relation level is one statement, whatever the number of users (`= any($1)`).

/** A user with its profile (`user_information`). */
export interface UserWithInformation {
  readonly user: UserEntity
  readonly information: UserInformationEntity
}

/** A user with the organization it belongs to. */
export interface UserWithOrganization {
  readonly user: UserEntity
  readonly organization: OrganizationEntity
}

/** A user with its profile and its organization, each `null` when it has none. */
export interface UserComplete {
  readonly user: UserEntity
  readonly information: UserInformationEntity | null
  readonly organization: OrganizationEntity | null
}

/** Options of {@link getAllUsersWithInformation} and the lists built on it. */
export interface UsersWithInformationOptions {
  /** Only users whose profile has this role. */
  readonly role?: UserRole
  /** At most this many users (an integer from 0 to 10,000). */
  readonly limit?: number
  /** Skips this many users. */
  readonly offset?: number
}

// The classes relation loading builds rows with are the ContainerPub ones.
function managers<T extends ContainerpubTables>(db: Database<T>) {
  db.manager(UserInformationEntity)
  db.manager(OrganizationEntity)
  db.manager(OrganizationMemberEntity)
  return db.manager(UserEntity)
}

/**
 * A user and its profile, or `null` when there is no such user or it has no profile (the
 * original's inner join). Two statements.
 *
 * Throws `InvalidQueryError` when `userUuid` is not a uuid.
 *
 * @example
 * ```ts
 * const found = await getUserWithInformation(db, userUuid)
 * found?.information.firstName // 'Ada'
 * // select "id", "uuid", "email", ... from "users" where "uuid" = $1
 * // select "id", "uuid", "user_id", "first_name", ... from "user_information" where "user_id" = any($1)
 * ```
 */
export async function getUserWithInformation<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<UserWithInformation | null> {
  const uuid = checkUuid(userUuid, 'userUuid')
  const user = await managers(db).findByUuid(uuid)
  if (user === null) return null
  const information = (await loadRelation(db, users, 'information', [user])).get(user)
  return information == null
    ? null
    : { user, information: information as unknown as UserInformationEntity }
}

/**
 * A user and the organization it is a member of, or `null` when there is no such user or it is
 * in no organization (the original's inner join). Two statements: the user, then its
 * organization through `organization_members`.
 *
 * Throws `InvalidQueryError` when `userUuid` is not a uuid.
 *
 * @example
 * ```ts
 * const found = await getUserWithOrganization(db, userUuid)
 * found?.organization.name // 'Acme'
 * // select "id", "uuid", "email", ... from "users" where "uuid" = $1
 * // select "o"."id", "o"."uuid", "o"."name", ... from "organizations" as "o"
 * //   inner join "organization_members" as "m" on "o"."uuid" = "m"."organization_id"
 * //   where "m"."user_id" = $1 limit $2
 * ```
 */
export async function getUserWithOrganization<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<UserWithOrganization | null> {
  const uuid = checkUuid(userUuid, 'userUuid')
  const user = await managers(db).findByUuid(uuid)
  if (user === null) return null
  const organization = await organizationOf(db, uuid)
  return organization === null ? null : { user, organization }
}

/**
 * A user with its profile and its organization (each `null` when absent), or `null` when there
 * is no such user. Three statements: the user, its profile, its organization.
 *
 * Throws `InvalidQueryError` when `userUuid` is not a uuid.
 *
 * @example
 * ```ts
 * const found = await getUserComplete(db, userUuid)
 * // { user: UserEntity, information: UserInformationEntity | null, organization: OrganizationEntity | null }
 * // select ... from "users" where "uuid" = $1
 * // select ... from "user_information" where "user_id" = any($1)
 * // select "o"."id", ... from "organizations" as "o" inner join "organization_members" as "m"
 * //   on "o"."uuid" = "m"."organization_id" where "m"."user_id" = $1 limit $2
 * ```
 */
export async function getUserComplete<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<UserComplete | null> {
  const uuid = checkUuid(userUuid, 'userUuid')
  const user = await managers(db).findByUuid(uuid)
  if (user === null) return null
  const information = (await loadRelation(db, users, 'information', [user])).get(user)
  const organization = await organizationOf(db, uuid)
  return {
    user,
    information: (information ?? null) as UserInformationEntity | null,
    organization,
  }
}

/**
 * The organization a user is a member of, or `null`. One statement (the membership is joined,
 * not returned). Used by {@link getUserWithOrganization}; `getUserOrganization` is the public
 * form.
 * @internal
 */
export async function organizationOf<T extends ContainerpubTables>(
  db: Database<T>,
  userUuid: string,
): Promise<OrganizationEntity | null> {
  db.manager(OrganizationMemberEntity)
  return db
    .manager(OrganizationEntity)
    .query('o')
    .join('organization_members m', 'o.uuid', 'm.organization_id')
    .where('m.user_id', userUuid)
    .first()
}

/**
 * Users that have a profile, with it, newest users first (`created_at` desc, then `id` desc so
 * that pages are stable); only those of one role with `role`. Two statements, whatever the
 * number of users: the page of users (joined to their profiles to filter), then their profiles.
 *
 * Throws `InvalidQueryError` for a role that is not one of {@link USER_ROLES}, or a limit
 * or offset that is not a non-negative integer.
 *
 * @example
 * ```ts
 * const page = await getAllUsersWithInformation(db, { role: 'team', limit: 20, offset: 0 })
 * // select "u"."id", "u"."uuid", ... from "users" as "u"
 * //   inner join "user_information" as "i" on "u"."uuid" = "i"."user_id"
 * //   where "i"."role" = $1 order by "u"."created_at" desc, "u"."id" desc limit $2 offset $3
 * // select ... from "user_information" where "user_id" = any($1)
 * ```
 */
export async function getAllUsersWithInformation<T extends ContainerpubTables>(
  db: Database<T>,
  options?: UsersWithInformationOptions,
): Promise<UserWithInformation[]> {
  const { role, limit, offset } = checkOptions(options, 'options')
  const checkedRole = checkRole(role, 'options.role')
  let query = managers(db).query('u').join('user_information i', 'u.uuid', 'i.user_id')
  if (checkedRole !== undefined) query = query.where('i.role', checkedRole)
  query = query.orderBy('u.created_at', 'desc').orderBy('u.id', 'desc')
  if (limit !== undefined) query = query.limit(limit)
  if (offset !== undefined) query = query.offset(offset)
  return withInformation(db, await query.all())
}

/**
 * The members of an organization that have a profile, with it, newest users first; what the
 * Dart `getUsersByOrganization` meant (it joins on a column that does not exist). Two
 * statements.
 *
 * Throws `InvalidQueryError` when `organizationUuid` is not a uuid, or for a bad limit or
 * offset.
 *
 * @example
 * ```ts
 * const members = await getUsersByOrganization(db, orgUuid, { limit: 50 })
 * // select "u"."id", ... from "users" as "u"
 * //   inner join "organization_members" as "m" on "u"."uuid" = "m"."user_id"
 * //   inner join "user_information" as "i" on "u"."uuid" = "i"."user_id"
 * //   where "m"."organization_id" = $1 order by "u"."created_at" desc, "u"."id" desc limit $2
 * // select ... from "user_information" where "user_id" = any($1)
 * ```
 */
export async function getUsersByOrganization<T extends ContainerpubTables>(
  db: Database<T>,
  organizationUuid: string,
  options?: Omit<UsersWithInformationOptions, 'role'>,
): Promise<UserWithInformation[]> {
  const uuid = checkUuid(organizationUuid, 'organizationUuid')
  const { limit, offset } = checkOptions(options, 'options')
  let query = managers(db)
    .query('u')
    .join('organization_members m', 'u.uuid', 'm.user_id')
    .join('user_information i', 'u.uuid', 'i.user_id')
    .where('m.organization_id', uuid)
    .orderBy('u.created_at', 'desc')
    .orderBy('u.id', 'desc')
  if (limit !== undefined) query = query.limit(limit)
  if (offset !== undefined) query = query.offset(offset)
  return withInformation(db, await query.all())
}

/**
 * The users whose profile has role `developer`, with it: {@link getAllUsersWithInformation}
 * with that role.
 * @example
 * ```ts
 * await getDevelopers(db, { limit: 20 })
 * // ... where "i"."role" = $1 order by "u"."created_at" desc, "u"."id" desc limit $2   -- ['developer', 20]
 * ```
 */
export async function getDevelopers<T extends ContainerpubTables>(
  db: Database<T>,
  options?: Omit<UsersWithInformationOptions, 'role'>,
): Promise<UserWithInformation[]> {
  return getAllUsersWithInformation(db, { ...checkOptions(options, 'options'), role: 'developer' })
}

/**
 * The users whose profile has role `team`, with it: {@link getAllUsersWithInformation} with
 * that role.
 * @example
 * ```ts
 * await getTeamMembers(db)
 * // ... where "i"."role" = $1 order by "u"."created_at" desc, "u"."id" desc   -- ['team']
 * ```
 */
export async function getTeamMembers<T extends ContainerpubTables>(
  db: Database<T>,
  options?: Omit<UsersWithInformationOptions, 'role'>,
): Promise<UserWithInformation[]> {
  return getAllUsersWithInformation(db, { ...checkOptions(options, 'options'), role: 'team' })
}

// The profiles of all `list` in one statement; a user whose profile is gone since is left out.
async function withInformation<T extends ContainerpubTables>(
  db: Database<T>,
  list: readonly UserEntity[],
): Promise<UserWithInformation[]> {
  if (list.length === 0) return []
  const loaded = await loadRelation(db, users, 'information', list)
  const out: UserWithInformation[] = []
  for (const user of list) {
    const information = loaded.get(user) as UserInformationEntity | null | undefined
    if (information != null) out.push({ user, information })
  }
  return out
}
