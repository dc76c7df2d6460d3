import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FunctionDataDto,
  FunctionDeploymentDto,
  FunctionDto,
  FunctionInvocationDto,
  FunctionLogDto,
  type LoadedMember,
  OrganizationDto,
  OrganizationMemberDto,
  OrganizationWithMembersDto,
  UserDto,
  UserInformationDto,
  UserProfileDto,
  UserWithOrganizationDto,
} from '../../src/containerpub/dtos'
import {
  containerpubTables,
  FunctionDataEntity,
  FunctionDeploymentEntity,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  functionsDbTables,
  OrganizationEntity,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from '../../src/containerpub/index'
import type { AnyEntityClass, Column, JsonValue } from '../../src/index'

// Every ContainerPub entity is generated from its table definition, with the values that must
// never leave the server made recognisable: internal ids (serial ids, integer foreign keys,
// internal() columns) are 9-digit numbers from 900,000,000, a range no other number uses, and
// secrets and storage paths carry a marker. The serialized JSON is then searched for them.

const RUNS = Number(process.env.DTO_PROPERTY_RUNS ?? 1000)

const INTERNAL_MIN = 900_000_000
const INTERNAL_MAX = 999_999_999
/** A 9-digit number starting with 9, standing alone: only internal ids are generated so. */
const INTERNAL_ID_TEXT = /(?<![\w.-])9\d{8}(?![\w.])/
const SECRET_MARK = 'SECRET-'
const STORAGE_MARK = 'S3PATH-'

const allTables = [...Object.values(containerpubTables), ...Object.values(functionsDbTables)]
const hiddenColumns = allTables
  .flatMap((t) => t.$meta.columns)
  .filter((c) => c.internal || c.secret)
/** Keys no DTO may write: every internal or secret property and SQL column name. */
const FORBIDDEN_KEYS = new Set(hiddenColumns.flatMap((c) => [c.property, c.name]))

// No digits in generated text: a digit run could look like an internal id.
const letters = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz _-.'),
  maxLength: 24,
})
const smallInt = fc.integer({ min: 0, max: 100_000 })
const date = fc.date({
  min: new Date('2000-01-01T00:00:00.000Z'),
  max: new Date('2099-12-31T23:59:59.999Z'),
  noInvalidDate: true,
})

// jsonb documents: small numbers and digit-free strings only (see above).
const { json } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    smallInt,
    letters,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(
      // A jsonb document is user data: its keys may be anything, but one named like an internal
      // column (`id`) would look like a leak to the key check below.
      letters.filter((k) => k !== '__proto__' && !FORBIDDEN_KEYS.has(k)),
      tie('json'),
      // jsonb documents from the database are ordinary objects.
      { maxKeys: 4, noNullPrototype: true },
    ),
  ),
}))

function arbitraryOf(column: Column): fc.Arbitrary<unknown> {
  if (column.internal) {
    const id = fc.integer({ min: INTERNAL_MIN, max: INTERNAL_MAX })
    return column.config.mode === 'bigint' ? id.map(BigInt) : id
  }
  if (column.secret) return fc.uuid().map((u) => `${SECRET_MARK}${u}`)
  if (column.property === 's3Key') return fc.uuid().map((u) => `${STORAGE_MARK}${u}`)
  const values = column.config.enumValues
  if (values !== undefined) return fc.constantFrom(...values)
  switch (column.kind) {
    case 'uuid':
      return fc.uuid()
    case 'text':
    case 'varchar':
      return letters.map((s) => s.slice(0, column.config.length ?? 24))
    case 'integer':
    case 'smallint':
      return smallInt
    case 'boolean':
      return fc.boolean()
    case 'timestamp':
    case 'timestamptz':
      return date
    case 'jsonb':
      return json
    default:
      throw new Error(`no arbitrary for ${column.table}.${column.property} (${column.kind})`)
  }
}

/** Entities of any ContainerPub table, derived from its columns; nullable ones are sometimes null. */
function entityOf<E extends AnyEntityClass>(
  Entity: E,
  overrides: Record<string, fc.Arbitrary<unknown>> = {},
): fc.Arbitrary<InstanceType<E>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {}
  for (const column of Entity.table.$meta.columns as readonly Column[]) {
    const value = overrides[column.property] ?? arbitraryOf(column)
    shape[column.property] = column.notNull ? value : fc.option(value, { nil: null, freq: 4 })
  }
  return fc.record(shape).map((props) => new Entity(props) as InstanceType<E>)
}

/** Attaches loaded relations as manager.load does: as properties of a new entity. */
function withRelations<E extends object, R extends Record<string, unknown>>(
  entity: E,
  loaded: R,
): E & R {
  const Ctor = entity.constructor as new (props: object) => E
  return Object.assign(new Ctor(entity), loaded)
}

const user = entityOf(UserEntity)
const info = entityOf(UserInformationEntity)
const organization = entityOf(OrganizationEntity)
const membershipOf = (userId: string) =>
  entityOf(OrganizationMemberEntity, { userId: fc.constant(userId) })
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null })

/** A member user with its membership and information loaded (each sometimes null). */
const member = user.chain((u) =>
  fc
    .record({ membership: maybe(membershipOf(u.uuid)), information: maybe(info) })
    .map((loaded): LoadedMember => withRelations(u, loaded)),
)

/** Values that must not appear: every internal id and secret of the given entities. */
function hiddenValues(entities: readonly object[]): { ids: Set<number>; texts: string[] } {
  const ids = new Set<number>()
  const texts: string[] = []
  for (const entity of entities) {
    const table = (entity.constructor as AnyEntityClass).table
    for (const column of table.$meta.columns as readonly Column[]) {
      const value = (entity as Record<string, unknown>)[column.property]
      if (value === null || value === undefined) continue
      if (column.internal) ids.add(Number(value))
      if (column.secret || column.property === 's3Key') texts.push(String(value))
    }
  }
  return { ids, texts }
}

/** All entities reachable through loaded relations (arrays and single values). */
function reachable(roots: readonly object[]): object[] {
  const seen = new Set<object>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) return
    if (!('constructor' in value) || !(value.constructor as { table?: unknown }).table) return
    seen.add(value)
    for (const v of Object.values(value)) visit(v)
  }
  for (const root of roots) visit(root)
  return [...seen]
}

/** Asserts the DTO output is JSON and contains nothing that must stay on the server. */
function assertSafe(output: unknown, entities: readonly object[]): void {
  const text = JSON.stringify(output)
  expect(JSON.parse(text)).toStrictEqual(output)
  expect(text).not.toContain(SECRET_MARK)
  expect(text).not.toContain(STORAGE_MARK)
  expect(text).not.toMatch(INTERNAL_ID_TEXT)
  const { ids, texts } = hiddenValues(reachable(entities))
  for (const secret of texts) expect(text).not.toContain(secret)
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item)
      return
    }
    if (typeof value === 'number') expect(ids.has(value)).toBe(false)
    if (typeof value === 'string') expect(ids.has(Number(value))).toBe(false)
    if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        expect(FORBIDDEN_KEYS.has(key)).toBe(false)
        walk(v)
      }
    }
  }
  walk(output)
}

describe('ContainerPub DTOs never write internal ids, integer foreign keys or secrets', () => {
  it('the generators really produce what must be hidden', () => {
    expect([...FORBIDDEN_KEYS].sort()).toEqual(
      [
        'activeDeploymentId',
        'active_deployment_id',
        'functionId',
        'function_id',
        'id',
        'passwordHash',
        'password_hash',
        'userId',
        'user_id',
      ].sort(),
    )
    const [sample] = fc.sample(entityOf(FunctionEntity), { numRuns: 1, seed: 1 })
    expect(sample!.id).toBeGreaterThanOrEqual(INTERNAL_MIN)
    expect(sample!.userId).toBeGreaterThanOrEqual(INTERNAL_MIN)
    expect(JSON.stringify(sample)).toMatch(INTERNAL_ID_TEXT)
    const [account] = fc.sample(user, { numRuns: 1, seed: 2 })
    expect(account!.passwordHash.startsWith(SECRET_MARK)).toBe(true)
  })

  it('the check catches each kind of leak', () => {
    const [fn] = fc.sample(entityOf(FunctionEntity), { numRuns: 1, seed: 3 })
    const [account] = fc.sample(user, { numRuns: 1, seed: 4 })
    const [deployment] = fc.sample(entityOf(FunctionDeploymentEntity), { numRuns: 1, seed: 5 })
    // An entity's own JSON carries its internal ids.
    expect(() => assertSafe(fn!.toJSON(), [fn!])).toThrow()
    expect(() => assertSafe({ owner: String(fn!.userId) }, [fn!])).toThrow()
    expect(() => assertSafe({ nested: [{ ref: fn!.id }] }, [fn!])).toThrow()
    expect(() => assertSafe({ hash: account!.passwordHash }, [account!])).toThrow()
    expect(() => assertSafe({ path: deployment!.s3Key }, [deployment!])).toThrow()
    expect(() => assertSafe({ user_id: 'x' }, [])).toThrow()
    expect(() => assertSafe({ at: new Date() }, [])).toThrow()
    expect(() => assertSafe({ uuid: fn!.uuid, name: fn!.name }, [fn!])).not.toThrow()
  })

  const singleTable: [string, fc.Arbitrary<object>, (entity: any) => unknown][] = [
    ['UserDto', user, UserDto.from],
    ['UserInformationDto', info, UserInformationDto.from],
    ['OrganizationDto', organization, OrganizationDto.from],
    ['FunctionDeploymentDto', entityOf(FunctionDeploymentEntity), FunctionDeploymentDto.from],
    ['FunctionLogDto', entityOf(FunctionLogEntity), FunctionLogDto.from],
    ['FunctionInvocationDto', entityOf(FunctionInvocationEntity), FunctionInvocationDto.from],
    ['FunctionDataDto', entityOf(FunctionDataEntity), FunctionDataDto.from],
  ]
  it.each(singleTable)('%s', (_name, entity, from) => {
    fc.assert(
      fc.property(entity, (e) => assertSafe(from(e), [e])),
      { numRuns: RUNS },
    )
  })

  it('FunctionDto with its owner loaded (or null)', () => {
    fc.assert(
      fc.property(entityOf(FunctionEntity), maybe(user), (fn, owner) => {
        const loaded = withRelations(fn, { owner })
        const output = FunctionDto.from(loaded)
        assertSafe(output, [loaded])
        expect(output.ownerUuid).toBe(owner?.uuid ?? null)
        expect(output.hasActiveDeployment).toBe(fn.activeDeploymentId !== null)
      }),
      { numRuns: RUNS },
    )
  })

  it('UserProfileDto and UserWithOrganizationDto', () => {
    fc.assert(
      fc.property(user, maybe(info), maybe(organization), (u, information, org) => {
        const profile = UserProfileDto.from(withRelations(u, { information }))
        assertSafe(profile, [u, ...(information ? [information] : [])])
        const withOrg = UserWithOrganizationDto.fromEntities({ user: u, organization: org })
        assertSafe(withOrg, [u, ...(org ? [org] : [])])
      }),
      { numRuns: RUNS },
    )
  })

  it('OrganizationMemberDto with any context', () => {
    fc.assert(
      fc.property(member, fc.boolean(), (m, requesterIsOwner) => {
        const output = OrganizationMemberDto.from(m, { requesterIsOwner })
        assertSafe(output, [m])
        expect('uuid' in output).toBe(requesterIsOwner)
      }),
      { numRuns: RUNS },
    )
  })

  it('OrganizationWithMembersDto: member uuids for the owner only', () => {
    const requester = fc.constantFrom('owner', 'member', 'stranger', 'anonymous')
    fc.assert(
      fc.property(
        organization,
        fc.array(member, { maxLength: 5 }),
        requester,
        fc.uuid(),
        (org, members, who, stranger) => {
          const requesterId =
            who === 'owner'
              ? org.ownerId
              : who === 'member'
                ? (members[0]?.uuid ?? stranger)
                : who === 'stranger'
                  ? stranger
                  : null
          const output = OrganizationWithMembersDto.fromEntities({
            organization: org,
            members,
            requesterId,
          })
          assertSafe(output, [org, ...members])
          const isOwner = requesterId !== null && requesterId === org.ownerId
          for (const [i, m] of output.members.entries()) {
            expect('uuid' in m).toBe(isOwner)
            if (isOwner) expect(m.uuid).toBe(members[i]!.uuid)
          }
          if (!isOwner) {
            const text = JSON.stringify(output.members)
            for (const m of members) {
              if (m.uuid !== org.ownerId) expect(text).not.toContain(m.uuid)
            }
          }
        },
      ),
      { numRuns: RUNS },
    )
  })
})
