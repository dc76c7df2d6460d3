// DTOs: what leaves the server. Internal ids, integer foreign keys and password hashes cannot be
// selected, and role-aware fields (member uuids) appear only for the organization's owner.
import { DtoDefinitionError, defineDto } from 'kysely-entities'
import {
  containerpubManagers,
  FunctionDto,
  OrganizationWithMembersDto,
  UserDto,
  UserEntity,
  UserProfileDto,
} from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, type Log, main } from './context'

const INTERNAL_KEYS = [
  'id',
  'userId',
  'user_id',
  'activeDeploymentId',
  'passwordHash',
  'password_hash',
]

/** Every key of a JSON value, nested ones included. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf)
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)])
}

export async function run(db: DemoDatabase, log: Log) {
  const { users, functions, organizations } = containerpubManagers(db)
  const ada = await users.findOneOrThrow({ where: { email: 'ada@example.com' } })
  const grace = await users.findOneOrThrow({ where: { email: 'grace@example.com' } })

  // An entity is for the server: its JSON still has the internal id (never the secret hash).
  log(`JSON.stringify(entity) keys: ${Object.keys(JSON.parse(JSON.stringify(ada))).join(', ')}`)
  const user = UserDto.from(ada)
  log(`UserDto:        ${JSON.stringify(user)}`)
  const [profile] = await UserProfileDto.resolve(db, [ada]) // loads `information` in one query
  log(`UserProfileDto: ${JSON.stringify(profile).slice(0, 110)}...`)

  // A function shows its owner by uuid, not by the internal user_id.
  const fns = await functions.findAll({ where: { userId: ada.id }, orderBy: 'name', limit: 2 })
  const functionJson = await FunctionDto.resolve(db, fns)
  log(`FunctionDto:    ${JSON.stringify(functionJson[0])}`)

  // Member uuids for the owner only; for anyone else the key is absent.
  const organization = await organizations.findOneOrThrow({ where: { ownerId: ada.uuid } })
  // resolve loads the members with their memberships and profiles (three queries in all).
  const view = (requesterId: string) =>
    OrganizationWithMembersDto.resolve(db, { organization, requesterId })
  const asOwner = await view(ada.uuid)
  const asMember = await view(grace.uuid)
  const keys = (member: object | undefined) => Object.keys(member ?? {}).join(', ')
  const memberUuids = (o: typeof asOwner) => o.members.filter((m) => 'uuid' in m).length
  log(
    `owner view:     ${memberUuids(asOwner)} of ${asOwner.members.length} member uuids; a member has ${keys(asOwner.members[1])}`,
  )
  log(
    `member view:    ${memberUuids(asMember)} of ${asMember.members.length} member uuids; a member has ${keys(asMember.members[1])}`,
  )

  const everything = [user, profile, functionJson, asOwner, asMember]
  const leaked = keysOf(everything).filter((k) => INTERNAL_KEYS.includes(k))
  const text = JSON.stringify(everything)
  log(
    `internal keys in all the JSON above: ${leaked.length}; password hash present: ${text.includes('argon2')}`,
  )

  // Selecting an internal or secret column is refused when the DTO is defined.
  let refused: string | undefined
  try {
    defineDto(UserEntity, ['uuid', 'passwordHash'] as never)
  } catch (error) {
    if (!(error instanceof DtoDefinitionError)) throw error
    refused = error.code
    log(`defineDto(UserEntity, ['uuid', 'passwordHash']) -> ${error.code}: ${error.message}`)
  }

  return {
    user,
    functionKeys: Object.keys(functionJson[0] ?? {}),
    ownerSees: memberUuids(asOwner),
    memberSees: memberUuids(asMember),
    members: asOwner.members.length,
    leaked,
    containsPasswordHash: text.includes('argon2'),
    refused,
  }
}

if (isMain(import.meta.url)) await main(run)
