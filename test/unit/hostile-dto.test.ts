import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { FunctionDto, UserDto } from '../../src/containerpub/dtos'
import { FunctionEntity, functions, UserEntity, users } from '../../src/containerpub/index'
import {
  type AnyEntityClass,
  c,
  DtoDefinitionError,
  defineDto,
  defineTable,
  dtoField,
  Entity,
} from '../../src/index'

// DTO checks decide by identity, never by shape or name: a column is the very Column object of
// a table definition, a table is the very table object, an entity is an object an entity
// constructor built (a private brand). A computed value that carries a key of a secret or internal
// column is refused when it is mapped.

const SECRET = 'SECRET-argon2id$v=19$m=65536$c2FsdHNhbHQ'
const UUID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
const FN_UUID = 'b1ffcd00-0d1c-4ef9-8c7e-7cc0ce491b22'
const CREATED = new Date('2024-05-06T07:08:09.010Z')
const USER_ID = 612_345
const FN_ID = 712_345

const ada = () =>
  UserEntity.fromMap({
    id: USER_ID,
    uuid: UUID,
    email: 'ada@example.com',
    password_hash: SECRET,
    created_at: CREATED,
    updated_at: null,
  })

const fnRow = {
  id: FN_ID,
  uuid: FN_UUID,
  user_id: USER_ID,
  name: 'resize',
  status: 'active',
  active_deployment_id: null,
  analysis_result: { score: 'high', items: [{ id: 'item-a', note: 'user data' }] },
  created_at: CREATED,
  updated_at: null,
}
/** A function entity with its owner attached, as manager.load attaches it. */
const fnWithOwner = (owner: object | null = ada()) =>
  Object.assign(FunctionEntity.fromMap(fnRow), { owner }) as FunctionEntity & { owner: UserEntity }

/** A second definition of a table named "users", whose password hash is not marked secret. */
const lookAlikeUsers = defineTable('users', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  email: c.varchar(255).notNull().unique(),
  passwordHash: c.varchar(255).notNull(),
  createdAt: c.timestamp().defaultNow(),
  updatedAt: c.timestamp().defaultNow().onUpdateNow(),
})
class LookAlikeUserEntity extends Entity.of(lookAlikeUsers) {}

/** The error `run` throws; fails the test when it throws nothing or something else. */
function dtoError(run: () => unknown): DtoDefinitionError {
  let thrown: unknown
  try {
    run()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(DtoDefinitionError)
  const error = thrown as DtoDefinitionError
  // Safe to log whole: no secret, no internal id, in any rendering.
  const rendered = `${error.message}\n${inspect(error, { showHidden: true, depth: null })}\n${JSON.stringify(error)}`
  expect(rendered).not.toContain(SECRET)
  expect(rendered).not.toContain(String(USER_ID))
  return error
}

describe('a column reference is checked by identity, not by shape', () => {
  it('refuses a copy of a secret column that says it is not secret', () => {
    const error = dtoError(() =>
      defineDto(FunctionEntity, {
        uuid: true,
        owner: dtoField.ref('owner', { ...users.passwordHash, secret: false } as never),
      }),
    )
    expect(error.field).toBe('owner')
    expect(error.code).toBe('DTO_DEFINITION')
  })

  it('refuses a copy of a public column too: only the column of the table definition counts', () => {
    dtoError(() =>
      defineDto(FunctionEntity, { ownerUuid: dtoField.ref('owner', { ...users.uuid } as never) }),
    )
  })

  it("refuses, when mapping, a column of another table named like the relation's target", () => {
    const dto = defineDto(FunctionEntity, {
      uuid: true,
      ownerHash: dtoField.ref('owner', lookAlikeUsers.passwordHash as never),
    })
    const error = dtoError(() => dto.from(fnWithOwner()))
    expect(error.field).toBe('ownerHash')
  })

  it('still maps the genuine public column', () => {
    const dto = defineDto(FunctionEntity, { ownerUuid: dtoField.ref('owner', users.uuid) })
    expect(dto.from(fnWithOwner())).toEqual({ ownerUuid: UUID })
    expect(dto.from(fnWithOwner(null))).toEqual({ ownerUuid: null })
    expect(FunctionDto.from(fnWithOwner()).ownerUuid).toBe(UUID)
  })
})

describe('tables and entities are compared by identity, not by name', () => {
  it('a DTO of a look-alike "users" table refuses an entity of the real one', () => {
    const LeakDto = defineDto(LookAlikeUserEntity, ['uuid', 'passwordHash'])
    const error = dtoError(() => LeakDto.from(ada() as never))
    expect(error.field).toBe('')
  })

  it('the real DTO refuses an entity of the look-alike table', () => {
    const fake = LookAlikeUserEntity.fromMap({
      id: USER_ID,
      uuid: UUID,
      email: 'ada@example.com',
      password_hash: SECRET,
      created_at: CREATED,
      updated_at: null,
    })
    dtoError(() => UserDto.from(fake as never))
  })

  it('a nested DTO of a look-alike table refuses the real related entities', () => {
    const LeakDto = defineDto(LookAlikeUserEntity, ['uuid', 'passwordHash'])
    const dto = defineDto(FunctionEntity, {
      uuid: true,
      owner: dtoField.relation('owner', LeakDto as never),
    })
    dtoError(() => (dto.from as (e: object) => unknown)(fnWithOwner()))
  })

  it('a ref refuses an entity of another table attached under the relation name', () => {
    const dto = defineDto(FunctionEntity, { ownerUuid: dtoField.ref('owner', users.uuid) })
    const other = LookAlikeUserEntity.fromMap({
      id: USER_ID,
      uuid: UUID,
      email: 'ada@example.com',
      password_hash: SECRET,
      created_at: CREATED,
      updated_at: null,
    })
    dtoError(() => dto.from(fnWithOwner(other)))
  })

  it('an entity of any class of the same table object is accepted (subclass or default class)', () => {
    const Base = Entity.of(users)
    const plain = Base.fromMap(ada().toMap())
    expect(UserDto.from(plain as UserEntity)).toEqual({ uuid: UUID, email: 'ada@example.com' })
    class Admin extends UserEntity {}
    expect(UserDto.from(Admin.fromMap(ada().toMap()))).toEqual({
      uuid: UUID,
      email: 'ada@example.com',
    })
  })

  it('a nested DTO through a table thunk must map that very table', () => {
    const posts = defineTable(
      'posts',
      {
        id: c.serial().primaryKey(),
        uuid: c.uuid().notNull(),
        userId: c.integer().notNull(),
      },
      { relations: (r) => ({ author: r.belongsTo(() => users, 'userId') }) },
    )
    class PostEntity extends Entity.of(posts) {}
    const LeakDto = defineDto(LookAlikeUserEntity, ['uuid', 'passwordHash'])
    dtoError(() => defineDto(PostEntity, { author: dtoField.relation('author', LeakDto as never) }))
    dtoError(() =>
      defineDto(PostEntity, { hash: dtoField.ref('author', lookAlikeUsers.passwordHash as never) }),
    )
    const ok = defineDto(PostEntity, {
      uuid: true,
      author: dtoField.relation('author', UserDto),
      authorUuid: dtoField.ref('author', users.uuid),
    })
    const post = Object.assign(PostEntity.fromMap({ id: 1, uuid: FN_UUID, user_id: USER_ID }), {
      author: ada(),
    })
    expect(ok.from(post)).toEqual({
      uuid: FN_UUID,
      author: { uuid: UUID, email: 'ada@example.com' },
      authorUuid: UUID,
    })
  })
})

describe('a computed value that carries an internal id or a secret is refused', () => {
  const refusedComputes: Record<string, (fn: FunctionEntity & { owner: UserEntity }) => unknown> = {
    'toMap()': (fn) => fn.toMap(),
    // copyWith: the same columns, no relation attached (an attached entity is refused anyway).
    'a spread': (fn) => ({ ...fn.copyWith({}) }),
    'a nested spread in an array': (fn) => ({ list: [{ deeper: { ...fn.copyWith({}) } }] }),
    "the owner's toMap()": (fn) => ({ owner: fn.owner.toMap() }),
    "the owner's spread": (fn) => [{ ...fn.owner }],
    'a copy of the row': (fn) => Object.fromEntries(Object.entries(fn.toMap())),
    'an internal id by its property name': (fn) => ({ userId: fn.userId }),
    'an entity': (fn) => fn.owner,
    'an entity inside an array': (fn) => [fn.owner],
    'a look-alike of an entity': () => Object.create(UserEntity.prototype),
  }
  for (const [what, compute] of Object.entries(refusedComputes)) {
    it(`refuses ${what}`, () => {
      const dto = defineDto(FunctionEntity, {
        uuid: true,
        extra: dtoField.compute(compute as (fn: FunctionEntity) => unknown),
      })
      const error = dtoError(() => dto.from(fnWithOwner()))
      expect(error.field).toBe('extra')
    })
  }

  it('refuses a secret of the mapped entity itself', () => {
    const dto = defineDto(UserEntity, {
      uuid: true,
      row: dtoField.compute((u: UserEntity) => ({ password_hash: u.passwordHash })),
    })
    dtoError(() => dto.from(ada()))
  })

  it('keeps computed values that carry no hidden key, and public jsonb documents as they are', () => {
    const dto = defineDto(FunctionEntity, {
      uuid: true,
      isActive: dtoField.compute((fn) => fn.status === 'active'),
      summary: dtoField.compute((fn) => ({ name: fn.name, at: fn.createdAt, tags: ['a'] })),
      // A jsonb column is public data: its keys are the user's, an "id" among them.
      analysis: dtoField.compute((fn) => fn.analysisResult),
      items: dtoField.compute(
        (fn) => (fn.analysisResult as { items: unknown[] } | null)?.items ?? [],
      ),
    })
    expect(dto.from(fnWithOwner())).toEqual({
      uuid: FN_UUID,
      isActive: true,
      summary: { name: 'resize', at: CREATED.toISOString(), tags: ['a'] },
      analysis: { score: 'high', items: [{ id: 'item-a', note: 'user data' }] },
      items: [{ id: 'item-a', note: 'user data' }],
    })
  })

  it('a circular computed value is a typed error', () => {
    const dto = defineDto(FunctionEntity, {
      loop: dtoField.compute(() => {
        const a: Record<string, unknown> = {}
        a.self = a
        return a
      }),
    })
    dtoError(() => dto.from(fnWithOwner()))
  })
})

describe('from() takes only entities its entity class constructed', () => {
  const inputs: Record<string, () => unknown> = {
    'Object.create of the prototype': () => Object.create(UserEntity.prototype),
    'Object.create with the columns copied': () =>
      Object.defineProperty(
        Object.assign(Object.create(UserEntity.prototype), ada().toJSON()),
        'passwordHash',
        { value: SECRET, enumerable: true },
      ),
    'a spread copy of an entity': () => ({ ...ada() }),
    'an entity whose prototype was swapped': () =>
      Object.setPrototypeOf(
        LookAlikeUserEntity.fromMap({ ...ada().toMap(), password_hash: SECRET }),
        UserEntity.prototype,
      ),
    'a plain object': () => ({ uuid: UUID, email: 'ada@example.com' }),
    null: () => null,
    undefined: () => undefined,
    'a number': () => 42,
    'a string': () => 'ada@example.com',
    'an entity of another table': () => FunctionEntity.fromMap(fnRow),
    'an entity class': () => UserEntity,
  }
  for (const [what, input] of Object.entries(inputs)) {
    it(`refuses ${what} with a DtoDefinitionError`, () => {
      dtoError(() => UserDto.from(input() as UserEntity))
      dtoError(() => UserDto.fromMany([ada(), input() as UserEntity]))
    })
  }

  it('fromMany and resolve refuse what is not an array with a DtoDefinitionError', async () => {
    dtoError(() => UserDto.fromMany(ada() as never))
    await expect(UserDto.resolve({} as never, 'x' as never)).rejects.toBeInstanceOf(
      DtoDefinitionError,
    )
  })

  it('maps an entity it constructed, and copies made by copyWith', () => {
    expect(UserDto.from(ada())).toEqual({ uuid: UUID, email: 'ada@example.com' })
    expect(UserDto.from(ada().copyWith({ email: 'b@x.io' }))).toEqual({
      uuid: UUID,
      email: 'b@x.io',
    })
    expect(UserDto.fromMany([ada(), ada()])).toHaveLength(2)
  })

  it('defineDto refuses a class that only looks like an entity class', () => {
    const fake = Object.assign(class Fake {}, { table: users }) as unknown as AnyEntityClass
    dtoError(() => defineDto(fake, ['uuid'] as never))
    void functions
  })
})
