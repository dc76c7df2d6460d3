import { describe, expect, it } from 'vitest'
import * as cp from '../../src/containerpub/index'
import { InvalidQueryError } from '../../src/index'
import { captureDatabase } from '../setup/capture-database'

// The exact statements of the ContainerPub relationship helpers (the Dart package's
// UserRelationships and OrganizationRelationships): one statement per relation level, keys of a
// level as one array parameter.

const U = '5f0c6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a'
const U2 = '7a8b6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a'
const O = '4e5f6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a'

const USER_COLUMNS = '"id", "uuid", "email", "password_hash", "created_at", "updated_at"'
const U_COLUMNS =
  '"u"."id", "u"."uuid", "u"."email", "u"."password_hash", "u"."created_at", "u"."updated_at"'
const INFO_SELECT =
  'select "id", "uuid", "user_id", "first_name", "last_name", "phone_number", "country", "city", "address", "zip_code", "avatar", "role", "created_at", "updated_at" from "user_information" where "user_id" = any($1)'
const USER_BY_UUID = `select ${USER_COLUMNS} from "users" where "uuid" = $1`
const ORG_OF_USER =
  'select "o"."id", "o"."uuid", "o"."name", "o"."owner_id", "o"."created_at", "o"."updated_at" from "organizations" as "o" inner join "organization_members" as "m" on "o"."uuid" = "m"."organization_id" where "m"."user_id" = $1 limit $2'

const userRow = (id: number, uuid: string) => ({
  id,
  uuid,
  email: `u${id}@x.io`,
  password_hash: 'h',
  created_at: null,
  updated_at: null,
})
const infoRow = (id: number, userId: string, role = 'team') => ({
  id,
  uuid: `1c2d6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b${String(id).padStart(2, '0')}`,
  user_id: userId,
  first_name: 'Ada',
  last_name: 'Lovelace',
  phone_number: null,
  country: null,
  city: null,
  address: null,
  zip_code: null,
  avatar: null,
  role,
  created_at: null,
  updated_at: null,
})
const orgRow = { id: 3, uuid: O, name: 'Acme', owner_id: U, created_at: null, updated_at: null }
const memberRow = (id: number, userId: string, joined: string) => ({
  id,
  organization_id: O,
  user_id: userId,
  joined_at: new Date(joined),
})

const setup = () => captureDatabase(cp.containerpubTables)

describe('user relationships', () => {
  it('getUserWithInformation: the user, then its profile by user uuid', async () => {
    const cap = setup()
    cap.respond([userRow(1, U)])
    cap.respond([infoRow(5, U)])
    const found = await cp.getUserWithInformation(cap.db, U)
    expect(cap.sent).toEqual([
      { sql: USER_BY_UUID, parameters: [U] },
      { sql: INFO_SELECT, parameters: [[U]] },
    ])
    expect(found?.user).toBeInstanceOf(cp.UserEntity)
    expect(found?.information).toBeInstanceOf(cp.UserInformationEntity)
    expect(found?.information.firstName).toBe('Ada')
  })

  it('getUserWithInformation: null without the user (one statement) or without a profile', async () => {
    const none = setup()
    expect(await cp.getUserWithInformation(none.db, U)).toBeNull()
    expect(none.sent).toHaveLength(1)
    const noProfile = setup()
    noProfile.respond([userRow(1, U)])
    expect(await cp.getUserWithInformation(noProfile.db, U)).toBeNull()
    expect(noProfile.sent).toHaveLength(2)
  })

  it('getUserWithOrganization: the user, then its organization through organization_members', async () => {
    const cap = setup()
    cap.respond([userRow(1, U)])
    cap.respond([orgRow])
    const found = await cp.getUserWithOrganization(cap.db, U)
    expect(cap.sent).toEqual([
      { sql: USER_BY_UUID, parameters: [U] },
      { sql: ORG_OF_USER, parameters: [U, 1] },
    ])
    expect(found?.organization).toBeInstanceOf(cp.OrganizationEntity)
    expect(found?.organization.name).toBe('Acme')
    const noOrg = setup()
    noOrg.respond([userRow(1, U)])
    expect(await cp.getUserWithOrganization(noOrg.db, U)).toBeNull()
  })

  it('getUserComplete: user, profile, organization; absent ones are null', async () => {
    const cap = setup()
    cap.respond([userRow(1, U)])
    const found = await cp.getUserComplete(cap.db, U)
    expect(cap.sent).toEqual([
      { sql: USER_BY_UUID, parameters: [U] },
      { sql: INFO_SELECT, parameters: [[U]] },
      { sql: ORG_OF_USER, parameters: [U, 1] },
    ])
    expect(found).toEqual({
      user: expect.any(cp.UserEntity),
      information: null,
      organization: null,
    })
  })

  it('getAllUsersWithInformation: one page statement joined to the profiles, one profile statement', async () => {
    const cap = setup()
    cap.respond([userRow(2, U2), userRow(1, U)])
    cap.respond([infoRow(6, U), infoRow(5, U2)])
    const list = await cp.getAllUsersWithInformation(cap.db, {
      role: 'team',
      limit: 10,
      offset: 20,
    })
    expect(cap.sent).toEqual([
      {
        sql: `select ${U_COLUMNS} from "users" as "u" inner join "user_information" as "i" on "u"."uuid" = "i"."user_id" where "i"."role" = $1 order by "u"."created_at" desc, "u"."id" desc limit $2 offset $3`,
        parameters: ['team', 10, 20],
      },
      { sql: INFO_SELECT, parameters: [[U2, U]] },
    ])
    // The page's order, each user with its own profile.
    expect(list.map((r) => [r.user.uuid, r.information.userId])).toEqual([
      [U2, U2],
      [U, U],
    ])
  })

  it('getAllUsersWithInformation without options: every user with a profile; none found, one statement', async () => {
    const cap = setup()
    expect(await cp.getAllUsersWithInformation(cap.db)).toEqual([])
    expect(cap.sent).toEqual([
      {
        sql: `select ${U_COLUMNS} from "users" as "u" inner join "user_information" as "i" on "u"."uuid" = "i"."user_id" order by "u"."created_at" desc, "u"."id" desc`,
        parameters: [],
      },
    ])
  })

  it('getDevelopers and getTeamMembers: the same statements with their role', async () => {
    const dev = setup()
    await cp.getDevelopers(dev.db, { limit: 3 })
    expect(dev.sent[0]?.parameters).toEqual(['developer', 3])
    expect(dev.sent[0]?.sql).toContain('where "i"."role" = $1 order by')
    const team = setup()
    // A role given anyway does not change which list this is.
    await cp.getTeamMembers(team.db, { role: 'developer' } as never)
    expect(team.sent[0]?.parameters).toEqual(['team'])
  })

  it('getUsersByOrganization: members with a profile, through the junction (the Dart one joins a missing column)', async () => {
    const cap = setup()
    cap.respond([userRow(1, U)])
    cap.respond([infoRow(5, U)])
    const list = await cp.getUsersByOrganization(cap.db, O, { limit: 50, offset: 0 })
    expect(cap.sent).toEqual([
      {
        sql: `select ${U_COLUMNS} from "users" as "u" inner join "organization_members" as "m" on "u"."uuid" = "m"."user_id" inner join "user_information" as "i" on "u"."uuid" = "i"."user_id" where "m"."organization_id" = $1 order by "u"."created_at" desc, "u"."id" desc limit $2 offset $3`,
        parameters: [O, 50, 0],
      },
      { sql: INFO_SELECT, parameters: [[U]] },
    ])
    expect(list).toHaveLength(1)
  })
})

describe('organization relationships', () => {
  it('getOrganizationWithMembers: organization, members through the junction, memberships, profiles', async () => {
    const cap = setup()
    cap.respond([orgRow])
    cap.respond([
      { ...userRow(1, U), __ke_parent_key: O },
      { ...userRow(2, U2), __ke_parent_key: O },
    ])
    cap.respond([memberRow(8, U, '2024-01-01T00:00:00Z'), memberRow(9, U2, '2024-06-01T00:00:00Z')])
    cap.respond([infoRow(5, U2)])
    const found = await cp.getOrganizationWithMembers(cap.db, O)
    expect(cap.sent).toEqual([
      {
        sql: 'select "id", "uuid", "name", "owner_id", "created_at", "updated_at" from "organizations" where "uuid" = $1',
        parameters: [O],
      },
      {
        sql: 'select t."id", t."uuid", t."email", t."password_hash", t."created_at", t."updated_at", j."organization_id" as "__ke_parent_key" from "users" t join "organization_members" j on j."user_id" = t."uuid" where j."organization_id" = any($1)',
        parameters: [[O]],
      },
      {
        sql: 'select "id", "organization_id", "user_id", "joined_at" from "organization_members" where "user_id" = any($1)',
        parameters: [[U, U2]],
      },
      { sql: INFO_SELECT, parameters: [[U, U2]] },
    ])
    // The latest to join first; each member a user entity with its membership and profile.
    const members = found?.members ?? []
    expect(members.map((m) => m.uuid)).toEqual([U2, U])
    expect(members[0]).toBeInstanceOf(cp.UserEntity)
    expect(members[0]?.membership).toBeInstanceOf(cp.OrganizationMemberEntity)
    expect(members[0]?.information?.userId).toBe(U2)
    expect(members[1]?.information).toBeNull()
    // As it is, the result goes to the DTO: member uuids for the owner only.
    const json = cp.OrganizationWithMembersDto.fromEntities({ ...found!, requesterId: U2 })
    expect(json.members.map((m) => m.uuid)).toEqual([undefined, undefined])
    expect(json.members[0]?.joinedAt).toBe('2024-06-01T00:00:00.000Z')
    expect(JSON.stringify(json)).not.toMatch(/password|"id"/)
  })

  it('getOrganizationWithMembers: null without the organization; no member, two statements', async () => {
    const none = setup()
    expect(await cp.getOrganizationWithMembers(none.db, O)).toBeNull()
    expect(none.sent).toHaveLength(1)
    const empty = setup()
    empty.respond([orgRow])
    expect((await cp.getOrganizationWithMembers(empty.db, O))?.members).toEqual([])
    expect(empty.sent).toHaveLength(2)
  })

  it('addUserToOrganization / removeUserFromOrganization', async () => {
    const cap = setup()
    cap.respond([memberRow(9, U, '2024-06-01T00:00:00Z')])
    const membership = await cp.addUserToOrganization(cap.db, O, U)
    expect(membership).toBeInstanceOf(cp.OrganizationMemberEntity)
    cap.respond([], 1n)
    expect(await cp.removeUserFromOrganization(cap.db, U)).toBe(true)
    cap.respond([], 0n)
    expect(await cp.removeUserFromOrganization(cap.db, U)).toBe(false)
    expect(cap.sent).toEqual([
      {
        sql: 'insert into "organization_members" ("organization_id", "user_id") values ($1, $2) returning "id", "organization_id", "user_id", "joined_at"',
        parameters: [O, U],
      },
      { sql: 'delete from "organization_members" where "user_id" = $1', parameters: [U] },
      { sql: 'delete from "organization_members" where "user_id" = $1', parameters: [U] },
    ])
  })

  it('getUserOrganization, isUserInOrganization, getOrganizationMemberCount: one statement each', async () => {
    const cap = setup()
    cap.respond([orgRow])
    expect(await cp.getUserOrganization(cap.db, U)).toBeInstanceOf(cp.OrganizationEntity)
    cap.respond([{ exists: true }])
    expect(await cp.isUserInOrganization(cap.db, U)).toBe(true)
    cap.respond([{ count: '3' }])
    expect(await cp.getOrganizationMemberCount(cap.db, O)).toBe(3)
    expect(cap.sent).toEqual([
      { sql: ORG_OF_USER, parameters: [U, 1] },
      {
        sql: 'select exists (select 1 as "one" from "organization_members" where "user_id" = $1) as "exists"',
        parameters: [U],
      },
      {
        sql: 'select count(*) as "count" from "organization_members" where "organization_id" = $1',
        parameters: [O],
      },
    ])
  })
})

describe('bad input: a typed error naming the argument, never the value, nothing sent', () => {
  const CANARY = 'CANARY-not-a-uuid'
  const cases: [string, (db: ReturnType<typeof setup>['db']) => Promise<unknown>, string][] = [
    ['getUserWithInformation', (db) => cp.getUserWithInformation(db, CANARY), 'userUuid'],
    ['getUserWithOrganization', (db) => cp.getUserWithOrganization(db, 42 as never), 'userUuid'],
    ['getUserComplete', (db) => cp.getUserComplete(db, null as never), 'userUuid'],
    ['getUsersByOrganization', (db) => cp.getUsersByOrganization(db, CANARY), 'organizationUuid'],
    [
      'getOrganizationWithMembers',
      (db) => cp.getOrganizationWithMembers(db, CANARY),
      'organizationUuid',
    ],
    [
      'addUserToOrganization (organization)',
      (db) => cp.addUserToOrganization(db, CANARY, U),
      'organizationUuid',
    ],
    ['addUserToOrganization (user)', (db) => cp.addUserToOrganization(db, O, CANARY), 'userUuid'],
    ['removeUserFromOrganization', (db) => cp.removeUserFromOrganization(db, CANARY), 'userUuid'],
    ['getUserOrganization', (db) => cp.getUserOrganization(db, {} as never), 'userUuid'],
    ['isUserInOrganization', (db) => cp.isUserInOrganization(db, CANARY), 'userUuid'],
    [
      'getOrganizationMemberCount',
      (db) => cp.getOrganizationMemberCount(db, CANARY),
      'organizationUuid',
    ],
    ['role', (db) => cp.getAllUsersWithInformation(db, { role: CANARY as never }), 'options.role'],
    ['options', (db) => cp.getAllUsersWithInformation(db, CANARY as never), 'options'],
    ['limit', (db) => cp.getDevelopers(db, { limit: -1 }), 'limit'],
    ['offset', (db) => cp.getTeamMembers(db, { offset: 1.5 }), 'offset'],
  ]
  it.each(cases)('%s', async (_, run, path) => {
    const cap = setup()
    const error = await run(cap.db).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(InvalidQueryError)
    expect((error as InvalidQueryError).path).toBe(path)
    expect((error as Error).message).not.toContain('CANARY')
    expect(cap.sent).toEqual([])
  })
})
