// The README's "DTOs" section and its int8 count example, as a program on a real database: the
// definitions are the README's as written there (keep the two in step). `npm run lint` type-checks
// this file, so the expectTypeOf lines hold the README's type comments to the compiler.
import {
  type DtoContext,
  DtoDefinitionError,
  type DtoOutput,
  defineDto,
  dtoField,
  type JsonValue,
  sql,
} from 'kysely-entities'
import {
  FunctionDeploymentEntity,
  FunctionEntity,
  UserEntity,
  users,
} from 'kysely-entities/containerpub'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { containerpubDatabase } from '../setup/containerpub-database'
import { countingExecutor } from '../setup/counting-executor'

// ---- README, "DTOs"
// Array form: public properties, copied as they are.
const UserDto = defineDto(UserEntity, ['uuid', 'email'])
const DeploymentDto = defineDto(FunctionDeploymentEntity, ['uuid', 'version', 'deployedAt'])

// Object form: output key -> true (the property of that name) or a dtoField.
const FunctionDto = defineDto(FunctionEntity, {
  uuid: true,
  title: dtoField.from('name'), // a property under another key
  isActive: dtoField.compute((fn) => fn.status === 'active'), // computed from the entity
  ownerUuid: dtoField.ref('owner', users.uuid), // a public column of the related row
  deployments: dtoField.relation('deployments', DeploymentDto), // a relation, by another DTO
  createdAt: true, // a Date: written as an ISO string
  analysis: dtoField.from('analysisResult').when((ctx: { isOwner: boolean }) => ctx.isOwner),
})
// ----

let env: Awaited<ReturnType<typeof containerpubDatabase>>
let ada: UserEntity
let fn: FunctionEntity
let deployment: FunctionDeploymentEntity

beforeAll(async () => {
  env = await containerpubDatabase('readme')
  ada = await env.db
    .manager(UserEntity)
    .insert({ email: 'ada@example.com', passwordHash: 'argon2$...' })
  fn = await env.db
    .manager(FunctionEntity)
    .insert({ userId: ada.id, name: 'resize', analysisResult: { score: 9 } })
  deployment = await env.db.manager(FunctionDeploymentEntity).insert({
    functionId: fn.id,
    version: 1,
    imageTag: 'resize:1',
    s3Key: 'functions/resize/v1.tar.gz',
  })
})
afterAll(async () => {
  await env?.close()
})

describe('README: DTOs', () => {
  it('the output and context types are the ones the README gives', () => {
    expectTypeOf<DtoOutput<typeof UserDto>>().toEqualTypeOf<{ uuid: string; email: string }>()
    expectTypeOf<DtoOutput<typeof FunctionDto>>().toEqualTypeOf<{
      uuid: string
      title: string
      isActive: boolean
      ownerUuid: string | null
      deployments: { uuid: string; version: number; deployedAt: string | null }[]
      createdAt: string | null
      analysis?: JsonValue | null
    }>()
    expectTypeOf<DtoContext<typeof FunctionDto>>().toEqualTypeOf<{ isOwner: boolean }>()
  })

  it('resolve loads what the DTO reads, one query per relation, and hides analysis from others', async () => {
    const fns = await env.db.manager(FunctionEntity).findAll({ where: { status: 'active' } })
    const counting = countingExecutor(env.db)
    const json = await FunctionDto.resolve(counting.executor, fns, { isOwner: false })
    expect(counting.statements).toHaveLength(2) // owner, deployments
    expect(json).toEqual([
      {
        uuid: fn.uuid,
        title: 'resize',
        isActive: true,
        ownerUuid: ada.uuid,
        deployments: [
          { uuid: deployment.uuid, version: 1, deployedAt: deployment.deployedAt?.toISOString() },
        ],
        createdAt: fn.createdAt?.toISOString(),
      },
    ])
    expect(Object.keys(json[0] ?? {})).not.toContain('analysis')
    expect(JSON.stringify(json)).not.toMatch(/"id"|userId|functionId/)
  })

  it('from and fromMany map entities whose relations are loaded; the owner sees analysis', async () => {
    const loaded = await env.db
      .manager(FunctionEntity)
      .query()
      .with('owner', 'deployments')
      .where('status', 'active')
      .all()
    const [first] = FunctionDto.fromMany(loaded, { isOwner: true })
    expect(first?.analysis).toEqual({ score: 9 })
    expect(first?.ownerUuid).toBe(ada.uuid)
    expect(FunctionDto.from(loaded[0]!, { isOwner: true })).toEqual(first)
    expect(UserDto.from(ada)).toEqual({ uuid: ada.uuid, email: 'ada@example.com' })
  })

  it('from refuses an entity whose relations were not loaded, and says how to load them', () => {
    expect(() => FunctionDto.from(fn as never, { isOwner: true })).toThrow(DtoDefinitionError)
    expect(() => FunctionDto.from(fn as never, { isOwner: true })).toThrow(/resolve/)
  })

  it('ids and secrets cannot be selected: a type error, and DtoDefinitionError when forced', () => {
    // @ts-expect-error a serial id
    expect(() => defineDto(FunctionEntity, ['id'])).toThrow(DtoDefinitionError)
    // @ts-expect-error an integer foreign key
    expect(() => defineDto(FunctionEntity, ['userId'])).toThrow(DtoDefinitionError)
    // @ts-expect-error a secret() column
    expect(() => defineDto(UserEntity, ['passwordHash'])).toThrow(DtoDefinitionError)
  })
})

describe('README: the query builder', () => {
  it('count() arrives as a bigint; ::int makes it a number', async () => {
    const cutoff = new Date(Date.now() - 86_400_000)
    const rows = await env.db
      .manager(FunctionEntity)
      .query('f')
      .select(['f.*', 'u.email', sql<bigint>`count(fd.id)`.as('deployment_count')])
      .join('users u', 'f.user_id', 'u.id')
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .where('f.status', '=', 'active')
      .where('f.created_at', '>', cutoff)
      .groupBy('f.id', 'u.email')
      .orderBy('f.created_at', 'desc')
      .limit(20)
      .execute<{ name: string; email: string; deployment_count: bigint }>()
    expect(rows[0]?.deployment_count).toBe(1n)
    const [cast] = await env.db
      .manager(FunctionEntity)
      .query('f')
      .select(['f.uuid', sql<number>`count(fd.id)::int`.as('deployment_count')])
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .groupBy('f.uuid')
      .execute<{ uuid: string; deployment_count: number }>()
    expect(cast?.deployment_count).toBe(1)
  })
})
