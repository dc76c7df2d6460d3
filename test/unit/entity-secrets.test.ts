import { format, formatWithOptions, inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { FunctionEntity, UserEntity, users } from '../../src/containerpub/index'
import { Entity } from '../../src/index'

// An entity's secret() columns never reach a log: not through console.log or util.inspect (with
// every option), not through spread, Object.entries, Object.keys or any own-key walk, not through
// structuredClone or vitest's own printing. Only named access (`user.passwordHash`) and toMap()
// (which feeds the database) give them.

const SECRET = 'SECRET-argon2id$v=19$m=65536$c2FsdHNhbHQ'
const UUID = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
const FN_UUID = 'b1ffcd00-0d1c-4ef9-8c7e-7cc0ce491b22'
const CREATED = new Date('2024-05-06T07:08:09.010Z')

const userRow = {
  id: 7,
  uuid: UUID,
  email: 'ada@example.com',
  password_hash: SECRET,
  created_at: CREATED,
  updated_at: null,
}

const user = () => UserEntity.fromMap(userRow)

/** Every way util.inspect (and so console.log, %o, %O) may be asked to print a value. */
function inspections(value: unknown): string[] {
  return [
    inspect(value),
    inspect(value, { showHidden: true, getters: true, depth: Number.POSITIVE_INFINITY }),
    inspect(value, { showHidden: true, getters: true, colors: true, compact: false }),
    // Without the custom inspection, Node walks the prototype; getters stay unevaluated.
    inspect(value, { customInspect: false, showHidden: true, depth: null }),
    format('%o', value),
    format('%O', value),
    format('%j', value),
    format('%s', value),
    format(value),
    formatWithOptions({ showHidden: true, getters: true }, value),
  ]
}

describe('entities keep their secrets out of logs', () => {
  it('util.inspect and console formatting never print a secret column, whatever the options', () => {
    const entity = user()
    for (const text of inspections(entity)) expect(text).not.toContain(SECRET)
    expect(inspect(entity, { showHidden: true, getters: true })).not.toContain('passwordHash')
    // The public columns are still shown, under the class name.
    expect(inspect(entity)).toContain('UserEntity')
    expect(inspect(entity)).toContain('ada@example.com')
    expect(inspect(entity)).toContain(UUID)
  })

  it('an entity attached to another (a loaded relation) is printed without its secrets too', () => {
    const fn = FunctionEntity.fromMap({
      id: 1,
      uuid: FN_UUID,
      user_id: 7,
      name: 'resize',
      status: 'active',
      active_deployment_id: null,
      analysis_result: null,
      created_at: CREATED,
      updated_at: null,
    })
    const withOwner = Object.assign(fn, { owner: user(), list: [user()] })
    for (const text of inspections(withOwner)) expect(text).not.toContain(SECRET)
    for (const text of inspections({ nested: { deeper: [withOwner] } })) {
      expect(text).not.toContain(SECRET)
    }
    expect(inspect(withOwner, { depth: 4 })).toContain('ada@example.com')
  })

  it('spread, Object.entries, Object.keys and every own-key walk omit secret columns', () => {
    const entity = user()
    const spread = { ...entity }
    expect(spread).not.toHaveProperty('passwordHash')
    expect(Object.keys(spread).sort()).toEqual(['createdAt', 'email', 'id', 'updatedAt', 'uuid'])
    expect(Object.entries(entity).flat()).not.toContain(SECRET)
    expect(Object.values(entity)).not.toContain(SECRET)
    expect(Reflect.ownKeys(entity)).not.toContain('passwordHash')
    expect(Object.getOwnPropertyNames(entity)).not.toContain('passwordHash')
    expect(JSON.stringify(Object.getOwnPropertyDescriptors(entity))).not.toContain(SECRET)
    expect(Object.assign({}, entity)).not.toHaveProperty('passwordHash')
    for (const key in entity) expect(key).not.toBe('passwordHash')
  })

  it('structuredClone gives a plain object without the secret', () => {
    const clone = structuredClone(user()) as unknown as Record<string, unknown>
    expect(clone).not.toHaveProperty('passwordHash')
    expect(clone.email).toBe('ada@example.com')
    expect(JSON.stringify(clone)).not.toContain(SECRET)
  })

  it("vitest's own printing of a failed assertion does not show the secret", () => {
    let message = ''
    try {
      expect(user()).toEqual({ email: 'someone-else@example.com' })
    } catch (error) {
      message = `${(error as Error).message}\n${JSON.stringify(error)}\n${inspect(error, { showHidden: true, depth: null })}`
    }
    expect(message).toContain('ada@example.com')
    expect(message).not.toContain(SECRET)
  })
})

describe('secret columns are still there for the server', () => {
  it('named access reads the secret', () => {
    expect(user().passwordHash).toBe(SECRET)
    expect('passwordHash' in user()).toBe(true)
  })

  it('toMap() keeps secrets: it is what the database gets', () => {
    expect(user().toMap()).toEqual(userRow)
  })

  it('copyWith keeps the secret, or replaces it when patched', () => {
    const copy = user().copyWith({ email: 'grace@example.org' })
    expect(copy).toBeInstanceOf(UserEntity)
    expect(copy.passwordHash).toBe(SECRET)
    expect(copy.copyWith({ passwordHash: 'new-hash' }).passwordHash).toBe('new-hash')
    expect(copy.passwordHash).toBe(SECRET)
  })

  it('parse, the constructor and a copy made from an entity (as manager.load makes one) keep it', () => {
    const parsed = UserEntity.parse({
      id: 7,
      uuid: UUID,
      email: 'ada@example.com',
      passwordHash: SECRET,
      createdAt: CREATED,
      updatedAt: null,
    })
    expect(parsed.passwordHash).toBe(SECRET)
    const Ctor = parsed.constructor as new (props: object) => UserEntity
    expect(new Ctor(parsed).passwordHash).toBe(SECRET)
    expect(new Ctor(parsed).toMap()).toEqual(userRow)
  })

  it('two entities of equal columns are equal, and their secrets stay apart', () => {
    const a = user()
    const b = UserEntity.fromMap({ ...userRow, password_hash: 'other' })
    expect(a.toMap()).not.toEqual(b.toMap())
    expect(a.copyWith({}).toMap()).toEqual(a.toMap())
    expect(a.copyWith({})).toEqual(a)
  })

  it('a default entity class (no subclass) hides the secret the same way', () => {
    const Base = Entity.of(users)
    const entity = Base.fromMap(userRow)
    expect(entity.passwordHash).toBe(SECRET)
    expect(Object.keys(entity)).not.toContain('passwordHash')
    for (const text of inspections(entity)) expect(text).not.toContain(SECRET)
  })

  it('an instance that was not constructed (Object.create of the prototype) has no secret', () => {
    const fake = Object.create(UserEntity.prototype) as UserEntity
    expect(fake.passwordHash).toBeUndefined()
    expect(inspect(fake)).not.toContain(SECRET)
  })
})
