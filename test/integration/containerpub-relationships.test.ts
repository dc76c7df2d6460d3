import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  addUserToOrganization,
  containerpubManagers,
  containerpubTables,
  getAllUsersWithInformation,
  getDevelopers,
  getOrganizationMemberCount,
  getOrganizationWithMembers,
  getTeamMembers,
  getUserComplete,
  getUserOrganization,
  getUsersByOrganization,
  getUserWithInformation,
  getUserWithOrganization,
  isUserInOrganization,
  type OrganizationEntity,
  OrganizationMemberEntity,
  OrganizationWithMembersDto,
  removeUserFromOrganization,
  UserEntity,
  UserInformationEntity,
} from '../../src/containerpub/index'
import {
  Database,
  DatabaseError,
  ForeignKeyViolationError,
  InvalidQueryError,
  UniqueViolationError,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

// The relationship helpers of the ContainerPub module on a real database built from the
// committed init-db.sql, with data that has every case: users with and without a profile, in
// and out of an organization, of each role.

let main: Awaited<ReturnType<typeof testDatabase>>
let db: Database<typeof containerpubTables>
let acme: OrganizationEntity
let other: OrganizationEntity
// ada (team, owner of acme, member), bob (developer, member), cy (developer, no organization),
// dee (no profile, member), eve (sub_team_developer, no organization); created in that order.
const u: Record<'ada' | 'bob' | 'cy' | 'dee' | 'eve', UserEntity> = {} as never
const NOBODY = '00000000-0000-4000-8000-000000000000'
const DAY = 86_400_000
const T0 = Date.UTC(2024, 0, 1)

beforeAll(async () => {
  main = await testDatabase('cp_relationships')
  db = await Database.connect({ url: main.url, tables: containerpubTables, max: 4 })
  await db.executeScript(
    readFileSync(new URL('../../sql/containerpub/init-db.sql', import.meta.url), 'utf8'),
  )
  const m = containerpubManagers(db)
  const names = ['ada', 'bob', 'cy', 'dee', 'eve'] as const
  const created = await m.users.batchInsert(
    names.map((name, i) => ({
      email: `${name}@x.io`,
      passwordHash: `hash-${name}`,
      createdAt: new Date(T0 + i * DAY),
    })),
  )
  for (const [i, name] of names.entries()) u[name] = created[i]!
  const roles = {
    ada: 'team',
    bob: 'developer',
    cy: 'developer',
    eve: 'sub_team_developer',
  } as const
  await m.userInformation.batchInsert(
    Object.entries(roles).map(([name, role]) => ({
      userId: u[name as keyof typeof roles].uuid,
      firstName: name,
      lastName: `${name}son`,
      role,
    })),
  )
  ;[acme, other] = (await m.organizations.batchInsert([
    { name: 'Acme', ownerId: u.ada.uuid },
    { name: 'Other', ownerId: u.eve.uuid },
  ])) as [OrganizationEntity, OrganizationEntity]
  // Joined: ada first, then dee, then bob.
  await m.organizationMembers.batchInsert(
    (['ada', 'dee', 'bob'] as const).map((name, i) => ({
      organizationId: acme.uuid,
      userId: u[name].uuid,
      joinedAt: new Date(T0 + 100 * DAY + i * DAY),
    })),
  )
})
afterAll(async () => {
  await db?.close()
  await main?.drop()
})

const emails = (list: readonly { readonly user: UserEntity }[]) => list.map((r) => r.user.email)

describe('user relationships on real data', () => {
  it('getUserWithInformation: the user and its own profile; null without either', async () => {
    const found = await getUserWithInformation(db, u.ada.uuid)
    expect(found?.user).toBeInstanceOf(UserEntity)
    expect(found?.user.uuid).toBe(u.ada.uuid)
    expect(found?.information).toBeInstanceOf(UserInformationEntity)
    expect(found?.information).toMatchObject({ userId: u.ada.uuid, firstName: 'ada', role: 'team' })
    expect(await getUserWithInformation(db, u.dee.uuid)).toBeNull()
    expect(await getUserWithInformation(db, NOBODY)).toBeNull()
  })

  it('getUserWithOrganization: through organization_members; null when in none', async () => {
    const found = await getUserWithOrganization(db, u.bob.uuid)
    expect(found?.user.email).toBe('bob@x.io')
    expect(found?.organization.uuid).toBe(acme.uuid)
    expect(await getUserWithOrganization(db, u.cy.uuid)).toBeNull()
    expect(await getUserWithOrganization(db, NOBODY)).toBeNull()
  })

  it('getUserComplete works where the Dart one cannot (it joins organizations.user_id)', async () => {
    await expect(
      db.raw(
        'SELECT users.uuid FROM users LEFT JOIN organizations ON users.uuid = organizations.user_id',
      ),
    ).rejects.toBeInstanceOf(DatabaseError)
    const dee = await getUserComplete(db, u.dee.uuid)
    expect(dee?.information).toBeNull()
    expect(dee?.organization?.name).toBe('Acme')
    const cy = await getUserComplete(db, u.cy.uuid)
    expect(cy?.information?.role).toBe('developer')
    expect(cy?.organization).toBeNull()
    expect(await getUserComplete(db, NOBODY)).toBeNull()
  })

  it('getAllUsersWithInformation: users with a profile, newest first, by role, in pages', async () => {
    const all = await getAllUsersWithInformation(db)
    expect(emails(all)).toEqual(['eve@x.io', 'cy@x.io', 'bob@x.io', 'ada@x.io'])
    for (const { user, information } of all) expect(information.userId).toBe(user.uuid)
    const developers = await getAllUsersWithInformation(db, { role: 'developer' })
    expect(emails(developers)).toEqual(['cy@x.io', 'bob@x.io'])
    const page2 = await getAllUsersWithInformation(db, { limit: 2, offset: 2 })
    expect(emails(page2)).toEqual(['bob@x.io', 'ada@x.io'])
    expect(await getAllUsersWithInformation(db, { role: 'team', offset: 1 })).toEqual([])
  })

  it('getDevelopers and getTeamMembers', async () => {
    expect(emails(await getDevelopers(db))).toEqual(['cy@x.io', 'bob@x.io'])
    expect(emails(await getDevelopers(db, { limit: 1 }))).toEqual(['cy@x.io'])
    expect(emails(await getTeamMembers(db))).toEqual(['ada@x.io'])
  })

  it('getUsersByOrganization: the members with a profile, newest users first', async () => {
    expect(emails(await getUsersByOrganization(db, acme.uuid))).toEqual(['bob@x.io', 'ada@x.io'])
    expect(await getUsersByOrganization(db, other.uuid)).toEqual([])
  })
})

describe('organization relationships on real data', () => {
  it('getOrganizationWithMembers: every member, latest to join first, with membership and profile', async () => {
    const found = await getOrganizationWithMembers(db, acme.uuid)
    expect(found?.organization.uuid).toBe(acme.uuid)
    const members = found?.members ?? []
    expect(members.map((m) => m.email)).toEqual(['bob@x.io', 'dee@x.io', 'ada@x.io'])
    for (const member of members) {
      expect(member).toBeInstanceOf(UserEntity)
      expect(member.membership).toBeInstanceOf(OrganizationMemberEntity)
      expect(member.membership?.userId).toBe(member.uuid)
      expect(member.membership?.joinedAt).toBeInstanceOf(Date)
    }
    expect(members.map((m) => m.information?.firstName ?? null)).toEqual(['bob', null, 'ada'])
    expect((await getOrganizationWithMembers(db, other.uuid))?.members).toEqual([])
    expect(await getOrganizationWithMembers(db, NOBODY)).toBeNull()
  })

  it('the result goes to OrganizationWithMembersDto as it is: member uuids for the owner only', async () => {
    const found = (await getOrganizationWithMembers(db, acme.uuid))!
    const asOwner = OrganizationWithMembersDto.fromEntities({ ...found, requesterId: u.ada.uuid })
    expect(asOwner.members.map((m) => m.uuid)).toEqual([u.bob.uuid, u.dee.uuid, u.ada.uuid])
    expect(asOwner.members[0]?.joinedAt).toBe(new Date(T0 + 102 * DAY).toISOString())
    const asMember = OrganizationWithMembersDto.fromEntities({ ...found, requesterId: u.bob.uuid })
    expect(asMember.members.every((m) => !('uuid' in m))).toBe(true)
    expect(JSON.stringify(asOwner)).not.toMatch(/hash-|"id"|"userId"/)
  })

  it('getUserOrganization, isUserInOrganization, getOrganizationMemberCount', async () => {
    expect((await getUserOrganization(db, u.dee.uuid))?.uuid).toBe(acme.uuid)
    expect(await getUserOrganization(db, u.cy.uuid)).toBeNull()
    expect(await isUserInOrganization(db, u.bob.uuid)).toBe(true)
    expect(await isUserInOrganization(db, u.eve.uuid)).toBe(false)
    expect(await getOrganizationMemberCount(db, acme.uuid)).toBe(3)
    expect(await getOrganizationMemberCount(db, other.uuid)).toBe(0)
    expect(await getOrganizationMemberCount(db, NOBODY)).toBe(0)
  })

  it('addUserToOrganization / removeUserFromOrganization, with typed errors where the Dart returns false', async () => {
    const membership = await addUserToOrganization(db, other.uuid, u.cy.uuid)
    expect(membership).toBeInstanceOf(OrganizationMemberEntity)
    expect(membership.joinedAt).toBeInstanceOf(Date)
    expect(await isUserInOrganization(db, u.cy.uuid)).toBe(true)
    expect(await getOrganizationMemberCount(db, other.uuid)).toBe(1)
    // One organization per user; both must exist.
    await expect(addUserToOrganization(db, acme.uuid, u.cy.uuid)).rejects.toBeInstanceOf(
      UniqueViolationError,
    )
    await expect(addUserToOrganization(db, NOBODY, u.eve.uuid)).rejects.toBeInstanceOf(
      ForeignKeyViolationError,
    )
    await expect(addUserToOrganization(db, acme.uuid, NOBODY)).rejects.toBeInstanceOf(
      ForeignKeyViolationError,
    )
    await expect(addUserToOrganization(db, 'acme', u.eve.uuid)).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    expect(await removeUserFromOrganization(db, u.cy.uuid)).toBe(true)
    expect(await removeUserFromOrganization(db, u.cy.uuid)).toBe(false)
    expect(await isUserInOrganization(db, u.cy.uuid)).toBe(false)
  })

  it('inside a transaction they run on it: a rollback takes the membership back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await addUserToOrganization(tx, other.uuid, u.eve.uuid)
        expect(await isUserInOrganization(tx, u.eve.uuid)).toBe(true)
        expect((await getOrganizationWithMembers(tx, other.uuid))?.members).toHaveLength(1)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await isUserInOrganization(db, u.eve.uuid)).toBe(false)
  })

  it('300 members (keys of a level as one array parameter): each member gets its own rows', async () => {
    const m = containerpubManagers(db)
    const org = await m.organizations.insert({ name: 'Big', ownerId: u.eve.uuid })
    const many = await m.users.batchInsert(
      Array.from({ length: 300 }, (_, i) => ({ email: `many${i}@x.io`, passwordHash: 'h' })),
    )
    await m.userInformation.batchInsert(
      many.map((user, i) => ({
        userId: user.uuid,
        firstName: `f${i}`,
        lastName: `l${i}`,
        role: 'developer' as const,
      })),
    )
    await m.organizationMembers.batchInsert(
      many.map((user) => ({ organizationId: org.uuid, userId: user.uuid })),
    )
    const found = await getOrganizationWithMembers(db, org.uuid)
    expect(found?.members).toHaveLength(300)
    for (const member of found?.members ?? []) {
      expect(member.information?.userId).toBe(member.uuid)
      expect(member.membership?.organizationId).toBe(org.uuid)
    }
    expect(await getUsersByOrganization(db, org.uuid, { limit: 1000 })).toHaveLength(300)
    expect(await getOrganizationMemberCount(db, org.uuid)).toBe(300)
  })
})
