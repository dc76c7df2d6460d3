import { describe, expect, it } from 'vitest'
import { isEntityClass } from '../../src/entity/entity'
import { c, defineTable, Entity, EntityValidationError, KyselyEntitiesError } from '../../src/index'
import { everyKind, everyKindRow, functions, users } from '../fixtures/tables'

const UUID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
const OTHER_UUID = 'b1ffcd00-0d1c-4ef9-8c7e-7cc0ce491b22'
const SECRET = 'sk_live_51HxQzT9SuperSecretValue'
const CREATED = new Date('2024-05-06T07:08:09.010Z')

class UserEntity extends Entity.of(users) {
  get domain(): string {
    return this.email.split('@')[1] ?? ''
  }

  describe(): string {
    return `${this.email} (${this.id})`
  }
}

class FunctionEntity extends Entity.of(functions) {}

class EveryKindEntity extends Entity.of(everyKind) {}

const userRow = {
  id: 1,
  uuid: UUID,
  email: 'ada@example.com',
  password_hash: SECRET,
  created_at: CREATED,
  updated_at: null,
}

/** A full every_kind row as the driver of this package returns it. */
const everyRow = {
  id: 1n,
  small: 2,
  int: 3,
  big: 9007199254740993n,
  big_as_number: 5,
  price: '12.50',
  ratio: 1.5,
  score: 2.25,
  flag: true,
  body: 'hello',
  code: 'abc',
  ref: UUID,
  at: new Date('2024-01-02T03:04:05.000Z'),
  at_tz: new Date('2024-01-02T03:04:05.678Z'),
  day: '2024-02-29',
  data: { a: [1, { b: null }], c: 'x' },
  ip: '10.0.0.1',
  tags: ['x', 'y'],
  counts: [1, 2, 3],
  role: 'team',
  s3_key: 'uploads/a.png',
  ts: new Date('2023-12-31T23:59:59.000Z'),
}

/** An every_kind row with every nullable column null. */
const nullRow = everyKindRow({ id: 2n, int: 0 })

/** The EntityValidationError thrown by `fn`; fails the test if it throws anything else. */
function validationError(fn: () => unknown): EntityValidationError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(EntityValidationError)
    expect(e).toBeInstanceOf(KyselyEntitiesError)
    return e as EntityValidationError
  }
  throw new Error('expected an EntityValidationError')
}

describe('fromMap and toMap', () => {
  it('round-trips a full row of every kind', () => {
    const entity = EveryKindEntity.fromMap(everyRow)
    expect(entity.toMap()).toEqual(everyRow)
  })

  it('round-trips a row of nulls', () => {
    const entity = EveryKindEntity.fromMap(nullRow)
    expect(entity.toMap()).toEqual(nullRow)
    expect(entity.body).toBeNull()
    expect(entity.data).toBeNull()
  })

  it('maps snake_case columns to camelCase properties', () => {
    const entity = EveryKindEntity.fromMap(everyRow)
    expect(entity.bigAsNumber).toBe(5)
    expect(entity.atTz).toEqual(everyRow.at_tz)
    expect(entity.s3Key).toBe('uploads/a.png')
    expect(entity.timestamp).toEqual(everyRow.ts)
  })

  it('keeps each kind as its documented JavaScript type', () => {
    const entity = EveryKindEntity.fromMap(everyRow)
    expect(entity.id).toBe(1n)
    expect(entity.big).toBe(9007199254740993n)
    expect(typeof entity.price).toBe('string')
    expect(entity.price).toBe('12.50')
    expect(entity.at).toBeInstanceOf(Date)
    expect(entity.at?.toISOString()).toBe('2024-01-02T03:04:05.000Z')
    expect(entity.day).toBe('2024-02-29')
    expect(entity.data).toEqual({ a: [1, { b: null }], c: 'x' })
    expect(entity.tags).toEqual(['x', 'y'])
    expect(entity.counts).toEqual([1, 2, 3])
    expect(entity.role).toBe('team')
    expect(entity.flag).toBe(true)
  })

  it('keeps a jsonb array value', () => {
    const entity = EveryKindEntity.fromMap({ ...nullRow, data: [1, 'two', { three: 3 }] })
    expect(entity.data).toEqual([1, 'two', { three: 3 }])
    expect(entity.toMap().data).toEqual([1, 'two', { three: 3 }])
  })

  it('keeps a jsonb object validated by its schema', () => {
    const entity = FunctionEntity.fromMap({
      id: 1,
      uuid: UUID,
      user_id: 7,
      name: 'resize',
      status: 'active',
      active_deployment_id: null,
      analysis_result: { score: 0.9, notes: ['fast'] },
      created_at: CREATED,
    })
    expect(entity.analysisResult).toEqual({ score: 0.9, notes: ['fast'] })
    expect(entity.userId).toBe(7)
  })

  it('normalises driver forms: int8 strings, numbers for numeric, Date for date, ISO strings', () => {
    const entity = EveryKindEntity.fromMap({
      ...nullRow,
      id: '9223372036854775807',
      big: '-42',
      big_as_number: '12',
      price: 12.5,
      day: new Date('2024-03-01T00:00:00Z'),
      at: '2024-01-02T03:04:05Z',
      at_tz: '2024-01-02T03:04:05+02:00',
      ts: '2024-01-02T03:04:05',
    })
    expect(entity.id).toBe(9223372036854775807n)
    expect(entity.big).toBe(-42n)
    expect(entity.bigAsNumber).toBe(12)
    expect(entity.price).toBe('12.5')
    expect(entity.day).toBe('2024-03-01')
    expect(entity.at?.toISOString()).toBe('2024-01-02T03:04:05.000Z')
    expect(entity.atTz?.toISOString()).toBe('2024-01-02T01:04:05.000Z')
    expect(entity.timestamp?.toISOString()).toBe('2024-01-02T03:04:05.000Z')
  })

  it('ignores keys that are not columns (e.g. join columns)', () => {
    const entity = UserEntity.fromMap({ ...userRow, owner_email: 'x@y.z', function_count: 3 })
    expect(entity.toMap()).toEqual(userRow)
    expect('owner_email' in entity).toBe(false)
    expect('ownerEmail' in entity).toBe(false)
  })

  it('does not take camelCase keys as columns', () => {
    const { password_hash: _, ...rest } = userRow
    const error = validationError(() => UserEntity.fromMap({ ...rest, passwordHash: SECRET }))
    expect(error.issues.map((i) => i.path)).toEqual(['password_hash'])
  })

  it('returns an instance of the subclass with working getters and methods', () => {
    const user = UserEntity.fromMap(userRow)
    expect(user).toBeInstanceOf(UserEntity)
    expect(user.domain).toBe('example.com')
    expect(user.describe()).toBe('ada@example.com (1)')
  })

  it('gives every entity of a table the same property order', () => {
    const a = UserEntity.fromMap(userRow)
    const b = UserEntity.fromMap({
      updated_at: CREATED,
      created_at: null,
      password_hash: 'h',
      email: 'b@example.com',
      uuid: OTHER_UUID,
      id: 2,
    })
    expect(Object.keys(a)).toEqual(Object.keys(b))
    // The secret column is no own property (see entity-secrets.test.ts).
    expect(Object.keys(a)).toEqual(['id', 'uuid', 'email', 'createdAt', 'updatedAt'])
  })

  it('toMap leaves out fields that are undefined', () => {
    const partial = UserEntity.fromRow({ id: 3, email: 'c@example.com' })
    expect(partial.toMap()).toEqual({ id: 3, email: 'c@example.com' })
  })
})

describe('EntityValidationError', () => {
  it('names the column, the table and the code', () => {
    const error = validationError(() => UserEntity.fromMap({ ...userRow, email: 42 }))
    expect(error.table).toBe('users')
    expect(error.code).toBe('ENTITY_VALIDATION')
    expect(error.name).toBe('EntityValidationError')
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]!.path).toBe('email')
    expect(error.message).toMatch(/^users: email: /)
  })

  it('names nested jsonb paths', () => {
    const row = {
      id: 1,
      uuid: UUID,
      user_id: 7,
      name: 'resize',
      status: null,
      active_deployment_id: null,
      analysis_result: { score: 'high', notes: ['ok', 3] },
      created_at: null,
    }
    const error = validationError(() => FunctionEntity.fromMap(row))
    expect(error.table).toBe('functions')
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'analysis_result.notes.1',
      'analysis_result.score',
    ])
  })

  it('lists every failing column', () => {
    const error = validationError(() =>
      EveryKindEntity.fromMap({ ...everyRow, int: 1.5, code: 'abcd', ref: 'nope' }),
    )
    expect(error.issues.map((i) => i.path).sort()).toEqual(['code', 'int', 'ref'])
  })

  it('reports a missing column by name', () => {
    const { email: _, ...rest } = userRow
    const error = validationError(() => UserEntity.fromMap(rest))
    expect(error.issues.map((i) => i.path)).toEqual(['email'])
  })

  it('refuses null in a NOT NULL column', () => {
    const error = validationError(() => UserEntity.fromMap({ ...userRow, email: null }))
    expect(error.issues[0]!.path).toBe('email')
  })

  it.each([
    ['a uuid column', { ref: SECRET }],
    ['an enum column', { role: SECRET }],
    ['a varchar(3) column', { code: SECRET }],
    ['a date column', { day: SECRET }],
    ['a bigint column', { big: SECRET }],
    ['an inet column', { ip: SECRET }],
  ])('does not put the offending value in the message or issues: %s', (_label, patch) => {
    const error = validationError(() => EveryKindEntity.fromMap({ ...everyRow, ...patch }))
    expect(error.issues).toHaveLength(1)
    expect(error.message).not.toContain(SECRET)
    expect(error.message).not.toContain('sk_live')
    expect(JSON.stringify(error.issues)).not.toContain(SECRET)
  })

  it('summarises more than five issues', () => {
    const error = validationError(() =>
      EveryKindEntity.fromMap({
        ...everyRow,
        small: 'x',
        int: 'x',
        ratio: 'x',
        score: 'x',
        flag: 'x',
        body: 1,
        code: 1,
      }),
    )
    expect(error.issues).toHaveLength(7)
    expect(error.message).toContain('(and 2 more)')
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'row'],
    ['a number', 1],
    ['an array', [userRow]],
  ])('refuses %s as a row', (_label, row) => {
    const error = validationError(() => UserEntity.fromMap(row))
    expect(error.issues).toEqual([{ path: '', message: 'expected a row object' }])
    expect(error.message).toBe('users: expected a row object')
  })

  it('freezes its issues', () => {
    const error = validationError(() => UserEntity.fromMap({ ...userRow, email: 1 }))
    expect(Object.isFrozen(error.issues)).toBe(true)
    expect(Object.isFrozen(error.issues[0])).toBe(true)
  })

  it('fromZod prefixes paths', () => {
    const result = users.$meta.rowSchema.safeParse({ ...userRow, email: 1 })
    expect(result.success).toBe(false)
    if (result.success) return
    const error = EntityValidationError.fromZod('users', result.error, 'rows.3')
    expect(error.issues[0]!.path).toBe('rows.3.email')
    expect(error.cause).toBeUndefined()
    expect(error.zodError()).toBe(result.error)
  })
})

describe('parse', () => {
  it('builds an entity from camelCase properties', () => {
    const user = UserEntity.parse({
      id: 1,
      uuid: UUID,
      email: 'ada@example.com',
      passwordHash: SECRET,
      createdAt: '2024-05-06T07:08:09.010Z',
      updatedAt: null,
    })
    expect(user).toBeInstanceOf(UserEntity)
    expect(user.passwordHash).toBe(SECRET)
    expect(user.createdAt).toEqual(CREATED)
    expect(user.domain).toBe('example.com')
  })

  it('names camelCase properties in its issues', () => {
    const error = validationError(() =>
      FunctionEntity.parse({
        id: 1,
        uuid: UUID,
        userId: 'seven',
        name: 'x',
        status: null,
        activeDeploymentId: null,
        analysisResult: { score: 'high', notes: [] },
        createdAt: null,
      }),
    )
    expect(error.issues.map((i) => i.path).sort()).toEqual(['analysisResult.score', 'userId'])
  })

  it('does not accept snake_case keys for camelCase properties', () => {
    const error = validationError(() => UserEntity.parse(userRow))
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'createdAt',
      'passwordHash',
      'updatedAt',
    ])
  })
})

describe('copyWith', () => {
  const user = UserEntity.fromMap(userRow)

  it('returns a new instance of the subclass with the patch applied', () => {
    const next = user.copyWith({ email: 'grace@example.org' })
    expect(next).not.toBe(user)
    expect(next).toBeInstanceOf(UserEntity)
    expect(next.email).toBe('grace@example.org')
    expect(next.domain).toBe('example.org')
    expect(next.id).toBe(1)
    expect(next.passwordHash).toBe(SECRET)
  })

  it('leaves the original untouched', () => {
    user.copyWith({ email: 'grace@example.org', updatedAt: CREATED })
    expect(user.email).toBe('ada@example.com')
    expect(user.updatedAt).toBeNull()
  })

  it('validates and normalises the patch', () => {
    const next = user.copyWith({ updatedAt: '2024-01-01T00:00:00Z' as unknown as Date })
    expect(next.updatedAt).toEqual(new Date('2024-01-01T00:00:00Z'))
    const error = validationError(() => user.copyWith({ uuid: 'not-a-uuid' }))
    expect(error.issues[0]!.path).toBe('uuid')
    expect(error.table).toBe('users')
  })

  it('refuses null on a NOT NULL column and accepts it on a nullable one', () => {
    expect(() => user.copyWith({ email: null as unknown as string })).toThrow(EntityValidationError)
    expect(user.copyWith({ createdAt: null }).createdAt).toBeNull()
  })

  it('refuses an unknown key', () => {
    const error = validationError(() =>
      user.copyWith({ nickname: 'ada' } as unknown as { email: string }),
    )
    expect(error.issues).toEqual([{ path: '', message: 'unknown key "nickname"' }])
  })

  it('refuses a snake_case key', () => {
    const error = validationError(() =>
      user.copyWith({ password_hash: 'x' } as unknown as { email: string }),
    )
    expect(error.message).toContain('unknown key "password_hash"')
  })

  it('keeps the old value for a key set to undefined', () => {
    const next = user.copyWith({ email: undefined, createdAt: undefined })
    expect(next.email).toBe('ada@example.com')
    expect(next.createdAt).toEqual(CREATED)
  })

  it('with an empty patch gives an equal copy', () => {
    const next = user.copyWith({})
    expect(next).not.toBe(user)
    expect(next.toMap()).toEqual(user.toMap())
  })

  it('converts bigint strings in the patch', () => {
    const entity = EveryKindEntity.fromMap(everyRow)
    expect(entity.copyWith({ big: '5' as unknown as bigint }).big).toBe(5n)
  })
})

describe('toJSON', () => {
  it('omits secret columns and keeps the others', () => {
    const json = UserEntity.fromMap(userRow).toJSON()
    expect(json).toEqual({
      id: 1,
      uuid: UUID,
      email: 'ada@example.com',
      createdAt: CREATED,
      updatedAt: null,
    })
    expect('passwordHash' in json).toBe(false)
  })

  it('keeps secrets out of JSON.stringify', () => {
    const text = JSON.stringify(UserEntity.fromMap(userRow))
    expect(text).not.toContain(SECRET)
    expect(JSON.parse(text)).toEqual({
      id: 1,
      uuid: UUID,
      email: 'ada@example.com',
      createdAt: '2024-05-06T07:08:09.010Z',
      updatedAt: null,
    })
  })

  it('does not include subclass getters', () => {
    expect('domain' in UserEntity.fromMap(userRow).toJSON()).toBe(false)
  })
})

describe('static schemas', () => {
  it('are the table schemas', () => {
    expect(UserEntity.schema).toBe(users.$meta.entitySchema)
    expect(UserEntity.insertSchema).toBe(users.$meta.insertSchema)
    expect(UserEntity.updateSchema).toBe(users.$meta.updateSchema)
    expect(UserEntity.table).toBe(users)
  })

  it('insertSchema requires NOT NULL columns without a default', () => {
    const ok = UserEntity.insertSchema.parse({ email: 'a@b.c', passwordHash: 'h' })
    expect(ok).toEqual({ email: 'a@b.c', passwordHash: 'h' })
    const result = UserEntity.insertSchema.safeParse({ email: 'a@b.c' })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['passwordHash'])
  })

  it('insertSchema accepts defaulted and nullable columns, and normalises them', () => {
    const ok = UserEntity.insertSchema.parse({
      email: 'a@b.c',
      passwordHash: 'h',
      uuid: UUID,
      createdAt: '2024-05-06T07:08:09.010Z',
      updatedAt: null,
    })
    expect(ok.createdAt).toEqual(CREATED)
    expect(ok.updatedAt).toBeNull()
    expect(EveryKindEntity.insertSchema.parse({ int: 1, big: '3' })).toEqual({ int: 1, big: 3n })
  })

  it('insertSchema rejects unknown keys', () => {
    const result = UserEntity.insertSchema.safeParse({ email: 'a', passwordHash: 'h', admin: true })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys')
  })

  it('updateSchema makes every field optional but keeps NOT NULL', () => {
    expect(UserEntity.updateSchema.parse({})).toEqual({})
    expect(UserEntity.updateSchema.parse({ email: 'x@y.z' })).toEqual({ email: 'x@y.z' })
    expect(UserEntity.updateSchema.parse({ createdAt: null })).toEqual({ createdAt: null })
    expect(UserEntity.updateSchema.safeParse({ email: null }).success).toBe(false)
    expect(UserEntity.updateSchema.safeParse({ bogus: 1 }).success).toBe(false)
  })

  it('schema validates a whole camelCase entity', () => {
    const result = UserEntity.schema.safeParse({ ...userRow })
    expect(result.success).toBe(false)
    const ok = UserEntity.schema.parse({
      id: 1,
      uuid: UUID,
      email: 'ada@example.com',
      passwordHash: 'h',
      createdAt: '2024-05-06T07:08:09.010Z',
      updatedAt: null,
      extra: true,
    })
    expect(ok).toEqual({
      id: 1,
      uuid: UUID,
      email: 'ada@example.com',
      passwordHash: 'h',
      createdAt: CREATED,
      updatedAt: null,
    })
  })
})

describe('fromRow (trusted rows)', () => {
  it('renames and normalises without validating', () => {
    const entity = EveryKindEntity.fromRow({
      ...nullRow,
      id: '17',
      big: '9223372036854775807',
      big_as_number: '9',
      price: 1.25,
      day: new Date('2024-02-29T00:00:00Z'),
      at: '2024-01-02T03:04:05Z',
      ts: '2024-01-02T03:04:05Z',
    })
    expect(entity).toBeInstanceOf(EveryKindEntity)
    expect(entity.id).toBe(17n)
    expect(entity.big).toBe(9223372036854775807n)
    expect(entity.bigAsNumber).toBe(9)
    expect(entity.price).toBe('1.25')
    expect(entity.day).toBe('2024-02-29')
    expect(entity.at).toEqual(new Date('2024-01-02T03:04:05Z'))
    expect(entity.timestamp).toEqual(new Date('2024-01-02T03:04:05Z'))
  })

  it('keeps values that are already in entity form', () => {
    const entity = EveryKindEntity.fromRow(everyRow)
    expect(entity.toMap()).toEqual(everyRow)
  })

  it('does not validate: a wrong value passes through', () => {
    const user = UserEntity.fromRow({ ...userRow, email: 42, uuid: 'not-a-uuid' })
    expect(user.email as unknown).toBe(42)
    expect(user.uuid).toBe('not-a-uuid')
  })

  it('keeps nulls and leaves missing columns undefined', () => {
    const user = UserEntity.fromRow({ id: 5, updated_at: null })
    expect(user.id).toBe(5)
    expect(user.updatedAt).toBeNull()
    expect(user.email).toBeUndefined()
  })

  it('ignores keys that are not columns', () => {
    const user = UserEntity.fromRow({ ...userRow, extra: 1 })
    expect('extra' in user).toBe(false)
    expect(user.toMap()).toEqual(userRow)
  })
})

describe('entity classes', () => {
  it('are named after their table', () => {
    expect(Entity.of(users).name).toBe('Entity(users)')
    expect(UserEntity.name).toBe('UserEntity')
  })

  it('isEntityClass recognises base classes and subclasses only', () => {
    expect(isEntityClass(Entity.of(users))).toBe(true)
    expect(isEntityClass(UserEntity)).toBe(true)
    expect(isEntityClass(class Plain {})).toBe(false)
    expect(isEntityClass(() => 1)).toBe(false)
    expect(isEntityClass(users)).toBe(false)
    expect(isEntityClass({ table: users })).toBe(false)
    expect(isEntityClass(null)).toBe(false)
    expect(isEntityClass(UserEntity.fromMap(userRow))).toBe(false)
  })

  it('entities of two tables are separate classes', () => {
    const t = defineTable('notes', { id: c.serial().primaryKey(), body: c.text().notNull() })
    class NoteEntity extends Entity.of(t) {}
    const note = NoteEntity.fromMap({ id: 1, body: 'hi' })
    expect(note).toBeInstanceOf(NoteEntity)
    expect(note).not.toBeInstanceOf(UserEntity)
    expect(note.toMap()).toEqual({ id: 1, body: 'hi' })
  })

  it('constructing with new assigns the given properties in column order', () => {
    const user = new UserEntity({
      updatedAt: null,
      createdAt: CREATED,
      passwordHash: 'h',
      email: 'n@example.com',
      uuid: UUID,
      id: 9,
    })
    expect(Object.keys(user)).toEqual(['id', 'uuid', 'email', 'createdAt', 'updatedAt'])
    expect(user.passwordHash).toBe('h')
    expect(user.toMap()).toEqual({
      id: 9,
      uuid: UUID,
      email: 'n@example.com',
      password_hash: 'h',
      created_at: CREATED,
      updated_at: null,
    })
  })
})
