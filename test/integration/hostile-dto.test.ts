import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionDto, UserDto } from '../../src/containerpub/dtos'
import { FunctionEntity, UserEntity, users } from '../../src/containerpub/index'
import {
  c,
  type Database,
  DtoDefinitionError,
  defineDto,
  defineTable,
  dtoField,
  Entity,
} from '../../src/index'
import { containerpubDatabase } from '../setup/containerpub-database'

// Hostile look-alikes against DTOs and entities, on the ContainerPub users and functions of a
// real PostgreSQL: every look-alike is refused with a DtoDefinitionError that shows no value, and
// the legitimate DTOs still map what the database returned. Entities read from the database
// never print their password hash.

const SECRET = 'SECRET-argon2id$v=19$m=65536$aG9zdGlsZQ'

let env: Awaited<ReturnType<typeof containerpubDatabase>>
let db: Database<any>
let owner: UserEntity
let fnLoaded: FunctionEntity & { owner: UserEntity }
let fnPlain: FunctionEntity

/** A second definition of a table named "users", its password hash not marked secret. */
const lookAlikeUsers = defineTable('users', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.varchar(255).notNull().unique(),
  passwordHash: c.varchar(255).notNull(),
  createdAt: c.timestamp().defaultNow(),
  updatedAt: c.timestamp().defaultNow().onUpdateNow(),
})
class LookAlikeUserEntity extends Entity.of(lookAlikeUsers) {}

beforeAll(async () => {
  env = await containerpubDatabase('hostile_dto')
  db = env.db
  await db.raw("SELECT setval('users_id_seq', 640000)")
  await db.raw("SELECT setval('functions_id_seq', 740000)")
  owner = await db.manager(UserEntity).insert({ email: 'ada@x.io', passwordHash: SECRET })
  fnPlain = await db.manager(FunctionEntity).insert({
    userId: owner.id,
    name: 'resize',
    analysisResult: { id: 'user-chosen', items: [{ id: 'a' }] },
  })
  const [loaded] = await db.manager(FunctionEntity).load([fnPlain], 'owner')
  fnLoaded = loaded as FunctionEntity & { owner: UserEntity }
})
afterAll(async () => {
  await env?.close()
})

/** Awaits `run` and returns its DtoDefinitionError, checking that no value is in it. */
async function refused(run: () => unknown): Promise<DtoDefinitionError> {
  let thrown: unknown
  try {
    await run()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(DtoDefinitionError)
  const text = `${inspect(thrown, { showHidden: true, depth: null })}${JSON.stringify(thrown)}`
  expect(text).not.toContain(SECRET)
  expect(text).not.toContain(String(owner.id))
  return thrown as DtoDefinitionError
}

describe('entities read from the database', () => {
  it('print no password hash: console formatting, spread, entries, structuredClone', async () => {
    const read = await db.manager(UserEntity).findByUuid(owner.uuid)
    expect(read).not.toBeNull()
    const user = read as UserEntity
    expect(user.passwordHash).toBe(SECRET)
    expect(user.toMap().password_hash).toBe(SECRET)
    const printed = [
      inspect(user),
      inspect(user, { showHidden: true, getters: true, depth: null }),
      inspect(fnLoaded, { showHidden: true, getters: true, depth: null }),
      JSON.stringify({ ...user }),
      JSON.stringify(Object.entries(user)),
      JSON.stringify(structuredClone(user)),
      JSON.stringify(user),
    ]
    for (const text of printed) expect(text).not.toContain(SECRET)
  })
})

describe('DTO look-alikes are refused', () => {
  it('a copied column marked not secret, at definition', async () => {
    await refused(() =>
      defineDto(FunctionEntity, {
        uuid: true,
        owner: dtoField.ref('owner', { ...users.passwordHash, secret: false } as never),
      }),
    )
  })

  it('a column of a look-alike "users" table, on the owner resolve loads', async () => {
    const dto = defineDto(FunctionEntity, {
      uuid: true,
      ownerHash: dtoField.ref('owner', lookAlikeUsers.passwordHash as never),
    })
    await refused(() => dto.resolve(db, [fnPlain]))
    await refused(() => (dto.from as (entity: object) => unknown)(fnLoaded))
  })

  it('a DTO of the look-alike table given a real user, or a nested one resolve loads', async () => {
    const LeakDto = defineDto(LookAlikeUserEntity, ['uuid', 'passwordHash'])
    await refused(() => LeakDto.from(owner as never))
    const nested = defineDto(FunctionEntity, {
      uuid: true,
      owner: dtoField.relation('owner', LeakDto as never),
    })
    const resolve = nested.resolve as unknown as (
      db: Database<any>,
      e: object[],
    ) => Promise<unknown>
    await refused(() => resolve(db, [fnPlain]))
  })

  it('computed values that carry the id or the hash', async () => {
    const computes: ((fn: FunctionEntity & { owner?: UserEntity }) => unknown)[] = [
      (fn) => fn.toMap(),
      (fn) => ({ ...fn.copyWith({}) }),
      (fn) => ({ o: fn.owner?.toMap() }),
    ]
    for (const [i, compute] of computes.entries()) {
      const dto = defineDto(FunctionEntity, { uuid: true, extra: dtoField.compute(compute) })
      await refused(() => dto.from(fnLoaded))
      // resolve hands relations to the DTO, not to the compute function: only the first two.
      if (i < 2) await refused(() => dto.resolve(db, [fnPlain]))
    }
  })

  it('objects no entity constructor built, and non-entities', async () => {
    const fakes: unknown[] = [
      Object.create(UserEntity.prototype),
      { ...owner },
      owner.toMap(),
      null,
      42,
      fnPlain,
    ]
    for (const fake of fakes) {
      await refused(() => UserDto.from(fake as UserEntity))
      await refused(() => UserDto.resolve(db, [fake as UserEntity]))
    }
  })
})

describe('legitimate DTOs still map database rows', () => {
  it('UserDto and FunctionDto, by from and resolve', async () => {
    expect(UserDto.from(owner)).toEqual({ uuid: owner.uuid, email: 'ada@x.io' })
    const [viaResolve] = await FunctionDto.resolve(db, [fnPlain])
    expect(viaResolve).toMatchObject({ uuid: fnPlain.uuid, ownerUuid: owner.uuid })
    expect(FunctionDto.from(fnLoaded)).toEqual(viaResolve)
    expect(JSON.stringify(viaResolve)).not.toContain(SECRET)
  })

  it('a computed value over the public jsonb document keeps its own "id" keys', async () => {
    const dto = defineDto(FunctionEntity, {
      uuid: true,
      analysis: dtoField.compute((fn) => fn.analysisResult),
      ownerEmail: dtoField.compute((fn: FunctionEntity & { owner?: UserEntity }) => ({
        email: fn.owner?.email ?? null,
      })),
    })
    const [json] = await dto.resolve(db, [fnLoaded])
    expect(json).toEqual({
      uuid: fnPlain.uuid,
      analysis: { id: 'user-chosen', items: [{ id: 'a' }] },
      ownerEmail: { email: 'ada@x.io' },
    })
  })

  it('entities of the default class (no registered subclass) map too', async () => {
    const Plain = Entity.of(users)
    const [row] = await db.raw<Record<string, unknown>>('SELECT * FROM users WHERE id = @id', {
      id: owner.id,
    })
    const plain = Plain.fromMap(row)
    expect(UserDto.from(plain as UserEntity)).toEqual({ uuid: owner.uuid, email: 'ada@x.io' })
  })
})
