import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FunctionDeploymentDto,
  FunctionDto,
  OrganizationWithMembersDto,
  UserDto,
  UserInformationDto,
  UserProfileDto,
  UserWithOrganizationDto,
} from '../../src/containerpub/dtos'
import {
  FunctionDeploymentEntity,
  FunctionEntity,
  functions,
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
  users,
} from '../../src/containerpub/index'
import { type Database, defineDto, dtoField, type QueryExecutor } from '../../src/index'
import { containerpubDatabase } from '../setup/containerpub-database'
import { countingExecutor } from '../setup/counting-executor'

let env: Awaited<ReturnType<typeof containerpubDatabase>>
let db: Database<any>

const SECRET = 'SECRET-argon2id$v=19$m=65536'
const FORBIDDEN_KEYS = [
  'id',
  'userId',
  'user_id',
  'functionId',
  'function_id',
  'activeDeploymentId',
  'active_deployment_id',
  'passwordHash',
  'password_hash',
  's3Key',
]

let owners: UserEntity[]
let fns: FunctionEntity[]
let internalIds: Set<number>

beforeAll(async () => {
  env = await containerpubDatabase('dto')
  db = env.db
  // Internal ids far from every other number in the responses (versions, counts).
  await db.raw("SELECT setval('users_id_seq', 600000)")
  await db.raw("SELECT setval('functions_id_seq', 700000)")
  await db.raw("SELECT setval('function_deployments_id_seq', 800000)")
  const usersManager = db.manager(UserEntity)
  owners = await usersManager.batchInsert(
    Array.from({ length: 5 }, (_, i) => ({
      email: `owner${i}@x.io`,
      passwordHash: `${SECRET}-${i}`,
    })),
  )
  fns = await db.manager(FunctionEntity).batchInsert(
    Array.from({ length: 200 }, (_, i) => ({
      userId: owners[i % owners.length]!.id,
      name: `fn-${String(i).padStart(3, '0')}`,
      status: i % 3 === 0 ? 'inactive' : 'active',
      analysisResult: { score: 'high', notes: ['fast'] },
    })),
  )
  const deployments = await db.manager(FunctionDeploymentEntity).batchInsert(
    fns.flatMap((fn, i) =>
      Array.from({ length: i % 3 }, (_, v) => ({
        functionId: fn.id,
        version: v + 1,
        imageTag: `${fn.name}:${v + 1}`,
        s3Key: `functions/${fn.uuid}/v${v + 1}.tar.gz`,
        isActive: v === 0,
      })),
    ),
  )
  for (const d of deployments.filter((d) => d.isActive)) {
    await db.manager(FunctionEntity).updateById(d.functionId, { activeDeploymentId: d.id })
  }
  fns = await db.manager(FunctionEntity).findAll({ orderBy: 'name' })
  await db.manager(UserInformationEntity).insert({
    userId: owners[0]!.uuid,
    firstName: 'Ada',
    lastName: 'Lovelace',
    role: 'developer',
  })
  internalIds = new Set([
    ...owners.map((u) => u.id),
    ...fns.map((f) => f.id),
    ...deployments.map((d) => d.id),
  ])
})
afterAll(async () => {
  await env?.close()
})

// A QueryExecutor that counts the statements sent through it.
function counting(inner: QueryExecutor) {
  const { executor, statements } = countingExecutor(inner)
  return { executor, sent: statements }
}

/** No internal id, integer foreign key, storage path or secret, under any key or as any value. */
function expectNoInternals(output: unknown): void {
  const text = JSON.stringify(output)
  expect(text).not.toContain('SECRET-')
  expect(text).not.toContain('.tar.gz')
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item)
    } else if (typeof value === 'number') {
      expect(internalIds.has(value)).toBe(false)
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        expect(FORBIDDEN_KEYS).not.toContain(key)
        walk(v)
      }
    }
  }
  walk(output)
}

describe('resolve() on a real database', () => {
  it('FunctionDto.resolve for 200 functions: one query for the owners', async () => {
    const counter = counting(db)
    const out = await FunctionDto.resolve(counter.executor, fns)
    expect(counter.sent).toHaveLength(1)
    expect(counter.sent[0]).toMatch(/from "users" where "id" = any\(\$1\)/)
    expect(out).toHaveLength(200)
    const ownerUuid = new Map(owners.map((u) => [u.id, u.uuid]))
    for (const [i, json] of out.entries()) {
      expect(json.uuid).toBe(fns[i]!.uuid)
      expect(json.ownerUuid).toBe(ownerUuid.get(fns[i]!.userId))
      expect(json.hasActiveDeployment).toBe(i % 3 !== 0)
      expect(typeof json.createdAt).toBe('string')
    }
    expect(out[1]!.hasActiveDeployment).toBe(true)
    expectNoInternals(out)
  })

  it('nested DTOs: one query per relation and level, for 200 functions', async () => {
    const DeploymentDto = defineDto(FunctionDeploymentEntity, {
      uuid: true,
      version: true,
      functionUuid: dtoField.ref('function', functions.uuid),
    })
    const FunctionWithDeploymentsDto = defineDto(FunctionEntity, {
      uuid: true,
      ownerUuid: dtoField.ref('owner', users.uuid),
      owner: dtoField.relation('owner', UserProfileDto),
      deployments: dtoField.relation('deployments', DeploymentDto),
      active: dtoField.relation('activeDeployment', FunctionDeploymentDto),
    })
    const counter = counting(db)
    const out = await FunctionWithDeploymentsDto.resolve(counter.executor, fns)
    // Level 1: owner, deployments, activeDeployment; level 2: information, function.
    expect(counter.sent).toHaveLength(5)
    expect(out).toHaveLength(200)
    expect(out[0]!.deployments).toEqual([])
    expect(out[0]!.active).toBeNull()
    expect(out[2]!.deployments.map((d) => d.version).sort()).toEqual([1, 2])
    for (const d of out[2]!.deployments) expect(d.functionUuid).toBe(fns[2]!.uuid)
    expect(out[2]!.active).toMatchObject({ version: 1, isActive: true })
    expect(out[0]!.owner).toStrictEqual({
      uuid: owners[0]!.uuid,
      email: 'owner0@x.io',
      information: expect.objectContaining({ firstName: 'Ada', role: 'developer' }),
    })
    expect(out[1]!.owner?.information).toBeNull()
    expectNoInternals(out)
    expect(JSON.parse(JSON.stringify(out))).toStrictEqual(out)
  })

  it('resolve() inside a transaction runs on the transaction', async () => {
    const out = await db.transaction(async (tx) => {
      const [created] = await tx
        .manager(UserEntity)
        .batchInsert([{ email: 'tx@x.io', passwordHash: SECRET }])
      await tx
        .manager(UserInformationEntity)
        .insert({ userId: created!.uuid, firstName: 'T', lastName: 'Tx', role: 'team' })
      return UserProfileDto.resolve(tx, [created!])
    })
    expect(out[0]!.information?.lastName).toBe('Tx')
    expectNoInternals(out)
  })

  it('entities loaded by the manager map with from()', async () => {
    const loaded = await db.manager(FunctionEntity).load(fns.slice(0, 10), 'owner')
    expect(FunctionDto.fromMany(loaded)).toEqual(await FunctionDto.resolve(db, fns.slice(0, 10)))
    const withInfo = await db.manager(UserEntity).load(owners, 'information')
    const profiles = UserProfileDto.fromMany(withInfo)
    expect(profiles[0]!.information).toEqual(
      UserInformationDto.from(withInfo[0]!.information as UserInformationEntity),
    )
    expectNoInternals(profiles)
  })
})

describe('organizations', () => {
  let organization: OrganizationEntity
  let owner: UserEntity
  let member: UserEntity
  let loner: UserEntity

  beforeAll(async () => {
    const created = await db.manager(UserEntity).batchInsert([
      { email: 'org-owner@x.io', passwordHash: SECRET },
      { email: 'org-member@x.io', passwordHash: SECRET },
      { email: 'loner@x.io', passwordHash: SECRET },
    ])
    owner = created[0]!
    member = created[1]!
    loner = created[2]!
    organization = await db
      .manager(OrganizationEntity)
      .insert({ name: 'Acme', ownerId: owner.uuid })
    await db.manager(OrganizationMemberEntity).batchInsert([
      { organizationId: organization.uuid, userId: owner.uuid },
      { organizationId: organization.uuid, userId: member.uuid },
    ])
    await db.manager(UserInformationEntity).insert({
      userId: member.uuid,
      firstName: 'Bo',
      lastName: 'Berg',
      role: 'developer',
    })
  })

  it('OrganizationWithMembersDto.resolve: uuids for the owner, absent for anyone else', async () => {
    const counter = counting(db)
    const asOwner = await OrganizationWithMembersDto.resolve(counter.executor, {
      organization,
      requesterId: owner.uuid,
    })
    // members, then their memberships and information.
    expect(counter.sent).toHaveLength(3)
    expect(asOwner.members.map((m) => m.uuid).sort()).toEqual([owner.uuid, member.uuid].sort())
    const bo = asOwner.members.find((m) => m.email === 'org-member@x.io')!
    expect(bo.profile?.firstName).toBe('Bo')
    expect(typeof bo.joinedAt).toBe('string')

    for (const requesterId of [member.uuid, loner.uuid, null]) {
      const view = await OrganizationWithMembersDto.resolve(db, { organization, requesterId })
      expect(view.members).toHaveLength(2)
      for (const m of view.members) expect('uuid' in m).toBe(false)
      expect(JSON.stringify(view.members)).not.toContain(member.uuid)
      expectNoInternals(view)
    }
    expectNoInternals(asOwner)
  })

  it('OrganizationWithMembersDto.fromEntities with relations passed alongside', async () => {
    const orgs = db.manager(OrganizationEntity)
    const members = (await orgs.manyToMany('members', organization)) as UserEntity[]
    const memberships = (await orgs.hasMany(
      'memberships',
      organization,
    )) as OrganizationMemberEntity[]
    const profiles = await db.manager(UserInformationEntity).findAll({
      where: { userId: members.map((m) => m.uuid) },
    })
    const viaEntities = OrganizationWithMembersDto.fromEntities({
      organization,
      members,
      memberships,
      profiles,
      requesterId: owner.uuid,
    })
    const viaResolve = await OrganizationWithMembersDto.resolve(db, {
      organization,
      requesterId: owner.uuid,
    })
    const byEmail = (a: { email: string }, b: { email: string }) => a.email.localeCompare(b.email)
    expect([...viaEntities.members].sort(byEmail)).toEqual([...viaResolve.members].sort(byEmail))
  })

  it('UserWithOrganizationDto.resolve: two queries, null for users without one', async () => {
    const counter = counting(db)
    const out = await UserWithOrganizationDto.resolve(counter.executor, [owner, loner, member])
    expect(counter.sent).toHaveLength(2)
    expect(out.map((o) => o.organization?.name ?? null)).toEqual(['Acme', null, 'Acme'])
    expect(out[1]).toStrictEqual({ user: UserDto.from(loner), organization: null })
    expect(out[0]!.organization?.ownerUuid).toBe(owner.uuid)
    expectNoInternals(out)
  })
})
