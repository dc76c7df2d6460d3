import { describe, expectTypeOf, it } from 'vitest'
import {
  type FunctionDeploymentJson,
  FunctionDto,
  type FunctionJson,
  OrganizationMemberDto,
  type OrganizationMemberJson,
  OrganizationWithMembersDto,
  type OrganizationWithMembersJson,
  UserDto,
  UserInformationDto,
  type UserInformationJson,
  UserProfileDto,
  type UserWithOrganizationJson,
} from '../../src/containerpub/dtos'
import {
  type containerpubTables,
  FunctionDataEntity,
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  type functions,
  type OrganizationEntity,
  UserEntity,
  type UserInformationEntity,
  users,
} from '../../src/containerpub/index'
import {
  type Database,
  type Dto,
  type DtoContext,
  type DtoOutput,
  defineDto,
  dtoField,
  type JsonValue,
  type PublicProperty,
} from '../../src/index'

declare const db: Database<typeof containerpubTables>
declare const fn: FunctionEntity
declare const user: UserEntity

const DeploymentDto = defineDto(FunctionDeploymentEntity, ['uuid', 'version', 'deployedAt'])
type DeploymentJson = { uuid: string; version: number; deployedAt: string | null }

const RichFunctionDto = defineDto(FunctionEntity, {
  uuid: true,
  name: true,
  createdAt: true,
  title: dtoField.from('name'),
  isActive: dtoField.compute((f) => f.status === 'active'),
  timeline: dtoField.compute((f) => ({ at: f.createdAt, list: [f.updatedAt], n: 1n })),
  ownerUuid: dtoField.ref('owner', users.uuid),
  deployments: dtoField.relation('deployments', DeploymentDto),
  active: dtoField.relation('activeDeployment', DeploymentDto),
  analysis: dtoField
    .from('analysisResult')
    .when((ctx: { viewerId: string }, f) => f.uuid === ctx.viewerId),
})

describe('output types', () => {
  it('array form: the listed properties, Dates as strings', () => {
    expectTypeOf<DtoOutput<typeof UserDto>>().toEqualTypeOf<{ uuid: string; email: string }>()
    expectTypeOf(UserDto.from(user)).toEqualTypeOf<{ uuid: string; email: string }>()
    expectTypeOf(DeploymentDto.fields).toEqualTypeOf<
      readonly ('uuid' | 'version' | 'deployedAt')[]
    >()
    expectTypeOf<DtoOutput<typeof DeploymentDto>>().toEqualTypeOf<DeploymentJson>()
  })

  it('object form: every field kind, exactly', () => {
    expectTypeOf<DtoOutput<typeof RichFunctionDto>>().toEqualTypeOf<{
      uuid: string
      name: string
      createdAt: string | null
      title: string
      isActive: boolean
      timeline: { at: string | null; list: (string | null)[]; n: string }
      ownerUuid: string | null
      deployments: DeploymentJson[]
      active: DeploymentJson | null
      analysis?: JsonValue
    }>()
    expectTypeOf<DtoContext<typeof RichFunctionDto>>().toEqualTypeOf<{ viewerId: string }>()
  })

  it('role-aware keys are optional', () => {
    type Member = DtoOutput<typeof OrganizationMemberDto>
    expectTypeOf<Member['uuid']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<Member>().toEqualTypeOf<{
      uuid?: string
      email: string
      joinedAt: string | null
      profile: {
        firstName: string
        lastName: string
        phoneNumber: string | null
        country: string | null
        city: string | null
        address: string | null
        zipCode: string | null
        avatar: string | null
        role: 'developer' | 'team' | 'sub_team_developer'
      } | null
    }>()
  })

  it('the ContainerPub JSON types', () => {
    expectTypeOf<FunctionJson>().toEqualTypeOf<{
      uuid: string
      name: string
      status: string | null
      ownerUuid: string | null
      hasActiveDeployment: boolean
      analysisResult: JsonValue
      createdAt: string | null
      updatedAt: string | null
    }>()
    expectTypeOf<FunctionDeploymentJson>().toEqualTypeOf<{
      uuid: string
      version: number
      imageTag: string
      status: string | null
      isActive: boolean | null
      deployedAt: string | null
    }>()
    expectTypeOf<UserInformationJson['role']>().toEqualTypeOf<
      'developer' | 'team' | 'sub_team_developer'
    >()
    expectTypeOf<DtoOutput<typeof UserProfileDto>>().toEqualTypeOf<{
      uuid: string
      email: string
      information: UserInformationJson | null
    }>()
    expectTypeOf<OrganizationWithMembersJson['members']>().toEqualTypeOf<OrganizationMemberJson[]>()
    expectTypeOf<UserWithOrganizationJson['organization']>().toEqualTypeOf<{
      uuid: string
      name: string
      ownerUuid: string
      createdAt: string | null
    } | null>()
  })

  it('resolve returns a promise of outputs; Dto is the public interface', () => {
    expectTypeOf(FunctionDto.resolve(db, [fn])).resolves.toEqualTypeOf<FunctionJson[]>()
    expectTypeOf(UserDto).toExtend<Dto<typeof UserEntity, { uuid: string; email: string }>>()
    expectTypeOf(FunctionDto.entity).toEqualTypeOf<typeof FunctionEntity>()
  })
})

describe('what can never be selected', () => {
  it('PublicProperty leaves out ids, integer foreign keys and secrets', () => {
    expectTypeOf<PublicProperty<typeof users>>().toEqualTypeOf<
      'uuid' | 'email' | 'createdAt' | 'updatedAt'
    >()
    expectTypeOf<PublicProperty<typeof functions>>().toEqualTypeOf<
      'uuid' | 'name' | 'status' | 'analysisResult' | 'createdAt' | 'updatedAt'
    >()
  })

  it('internal ids', () => {
    // @ts-expect-error a serial id
    defineDto(UserEntity, ['id'])
    // @ts-expect-error a serial id, object form
    defineDto(UserEntity, { id: true })
    // @ts-expect-error a serial id through from()
    defineDto(FunctionEntity, { key: dtoField.from('id') })
  })

  it('integer foreign keys and internal() columns', () => {
    // @ts-expect-error functions.user_id
    defineDto(FunctionEntity, ['uuid', 'userId'])
    // @ts-expect-error functions.user_id renamed
    defineDto(FunctionEntity, { owner: dtoField.from('userId') })
    // @ts-expect-error function_deployments.function_id
    defineDto(FunctionDeploymentEntity, ['functionId'])
    // @ts-expect-error function_logs.function_id
    defineDto(FunctionLogEntity, { functionId: true })
    // @ts-expect-error function_invocations.function_id
    defineDto(FunctionInvocationEntity, { fn: dtoField.from('functionId') })
    // @ts-expect-error function_data.function_id (internal(), no foreign key across databases)
    defineDto(FunctionDataEntity, ['functionId'])
    // @ts-expect-error functions.active_deployment_id
    defineDto(FunctionEntity, ['activeDeploymentId'])
    // @ts-expect-error functions.active_deployment_id through from()
    defineDto(FunctionEntity, { active: dtoField.from('activeDeploymentId') })
  })

  it('secrets', () => {
    // @ts-expect-error users.password_hash
    defineDto(UserEntity, ['uuid', 'passwordHash'])
    // @ts-expect-error users.password_hash, object form
    defineDto(UserEntity, { passwordHash: true })
    // @ts-expect-error users.password_hash renamed
    defineDto(UserEntity, { hash: dtoField.from('passwordHash') })
  })

  it('refs must target a public column, through a single relation', () => {
    // @ts-expect-error users.id is internal
    defineDto(FunctionEntity, { ownerId: dtoField.ref('owner', users.id) })
    // @ts-expect-error users.password_hash is a secret
    defineDto(FunctionEntity, { ownerHash: dtoField.ref('owner', users.passwordHash) })
    // @ts-expect-error deployments is hasMany: use relation()
    defineDto(FunctionEntity, { d: dtoField.ref('deployments', users.uuid) })
    // @ts-expect-error no such relation
    defineDto(FunctionEntity, { d: dtoField.ref('creator', users.uuid) })
    // A public column is fine.
    defineDto(FunctionEntity, { ownerEmail: dtoField.ref('owner', users.email) })
  })

  it('nested DTOs must map the relation target', () => {
    // @ts-expect-error owner is a user, not a deployment
    defineDto(FunctionEntity, { owner: dtoField.relation('owner', DeploymentDto) })
    // @ts-expect-error no such relation
    defineDto(FunctionEntity, { x: dtoField.relation('nope', DeploymentDto) })
    defineDto(FunctionEntity, { owner: dtoField.relation('owner', UserDto) })
  })

  it('unknown properties', () => {
    // @ts-expect-error not a column
    defineDto(UserEntity, ['nickname'])
    // @ts-expect-error not a column
    defineDto(UserEntity, { nickname: true })
    // @ts-expect-error not a column
    defineDto(UserEntity, { nick: dtoField.from('nickname') })
  })
})

declare const loaded: FunctionEntity & {
  readonly owner: UserEntity | null
  readonly deployments: readonly FunctionDeploymentEntity[]
  readonly activeDeployment: FunctionDeploymentEntity | null
}
declare const organization: OrganizationEntity

describe('context and loaded relations', () => {
  it('the context argument is required when a field has a when() predicate', () => {
    expectTypeOf(RichFunctionDto.from(loaded, { viewerId: 'u' })).toEqualTypeOf<
      DtoOutput<typeof RichFunctionDto>
    >()
    // @ts-expect-error missing context
    RichFunctionDto.from(loaded)
    // @ts-expect-error wrong context
    RichFunctionDto.from(loaded, { viewer: 'u' })
    // @ts-expect-error missing context
    OrganizationMemberDto.fromMany([])
    // @ts-expect-error missing context
    RichFunctionDto.resolve(db, [fn])
    RichFunctionDto.resolve(db, [fn], { viewerId: 'u' })
    // No when(): no context needed, and from() fits Array.prototype.map.
    UserDto.from(user)
    ;[user].map(UserDto.from)
  })

  it('contexts of nested DTOs and several predicates combine', () => {
    const Inner = defineDto(UserEntity, {
      email: dtoField.from('email').when((ctx: { a: boolean }) => ctx.a),
    })
    const Outer = defineDto(FunctionEntity, {
      uuid: dtoField.from('uuid').when((ctx: { b: string }) => ctx.b === ''),
      owner: dtoField.relation('owner', Inner),
    })
    expectTypeOf<DtoContext<typeof Outer>>().toEqualTypeOf<{ b: string } & { a: boolean }>()
  })

  it('from() needs the relations it reads loaded; resolve() does not', () => {
    // @ts-expect-error owner not loaded
    FunctionDto.from(fn)
    FunctionDto.from({} as FunctionEntity & { readonly owner: object | null })
    FunctionDto.resolve(db, [fn])
    // @ts-expect-error information not loaded
    UserProfileDto.from(user)
  })

  it('entities loaded by the manager fit from()', async () => {
    const withOwner = await db.manager(FunctionEntity).load([fn], 'owner')
    FunctionDto.fromMany(withOwner)
    const members = await db
      .manager(UserEntity)
      .load(await db.manager(UserEntity).load([user], 'membership'), 'information')
    expectTypeOf(
      OrganizationWithMembersDto.fromEntities({ organization, members, requesterId: null }),
    ).toEqualTypeOf<OrganizationWithMembersJson>()
    expectTypeOf(UserInformationDto.fromMany([] as UserInformationEntity[])).toEqualTypeOf<
      UserInformationJson[]
    >()
  })
})
