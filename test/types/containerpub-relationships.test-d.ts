import { describe, expectTypeOf, it } from 'vitest'
import {
  addUserToOrganization,
  type containerpubTables,
  getAllUsersWithInformation,
  getOrganizationWithMembers,
  getUserComplete,
  getUserWithInformation,
  type OrganizationEntity,
  type OrganizationMemberEntity,
  OrganizationWithMembersDto,
  type UserEntity,
  type UserInformationEntity,
  type UserRole,
} from '../../src/containerpub/index'
import type { Database } from '../../src/index'

declare const db: Database<typeof containerpubTables>

describe('ContainerPub relationship helpers', () => {
  it('return entities, null where the row may be absent', async () => {
    const withInfo = await getUserWithInformation(db, 'u')
    expectTypeOf(withInfo).toEqualTypeOf<{
      readonly user: UserEntity
      readonly information: UserInformationEntity
    } | null>()
    const complete = await getUserComplete(db, 'u')
    expectTypeOf(complete!.information).toEqualTypeOf<UserInformationEntity | null>()
    expectTypeOf(complete!.organization).toEqualTypeOf<OrganizationEntity | null>()
    expectTypeOf(
      await addUserToOrganization(db, 'o', 'u'),
    ).toEqualTypeOf<OrganizationMemberEntity>()
  })

  it('roles are the schema roles', () => {
    expectTypeOf<UserRole>().toEqualTypeOf<'developer' | 'team' | 'sub_team_developer'>()
    // @ts-expect-error: not a role of the schema
    void getAllUsersWithInformation(db, { role: 'admin' })
  })

  it('an organization with members goes to its DTO as it is', async () => {
    const found = await getOrganizationWithMembers(db, 'o')
    if (found !== null) {
      const json = OrganizationWithMembersDto.fromEntities({ ...found, requesterId: null })
      expectTypeOf(json.members[0]!.joinedAt).toEqualTypeOf<string | null>()
      expectTypeOf(found.members[0]!.membership).toEqualTypeOf<OrganizationMemberEntity | null>()
    }
  })
})
