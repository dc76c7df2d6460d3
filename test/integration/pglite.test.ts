import { PGlite } from '@electric-sql/pglite'
import { citext } from '@electric-sql/pglite/contrib/citext'
import { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  containerpubManagers,
  containerpubTables,
  FunctionDto,
  FunctionEntity,
  UserDto,
  UserEntity,
} from '../../src/containerpub/index'
import {
  c,
  Database,
  defineTable,
  generateDDL,
  UniqueViolationError,
  validateSchema,
} from '../../src/index'
import { PGliteDialect } from '../setup/pglite-dialect'

// Database.fromKysely over PGlite (PostgreSQL 18 in WASM, in the process; no server, no
// binaries): the managers, relations, batch insert, transactions, DTOs and the drift check, on
// the ContainerPub tables. No DATABASE_URL, no embedded server: this file runs the same in every
// CI column.

let pglite: PGlite
let db: Database<typeof containerpubTables>
let m: ReturnType<typeof containerpubManagers<typeof containerpubTables>>

beforeAll(async () => {
  pglite = await PGlite.create({ extensions: { citext } })
  db = Database.fromKysely(new Kysely<any>({ dialect: new PGliteDialect(pglite) }), {
    tables: containerpubTables,
    entities: [UserEntity, FunctionEntity],
  })
  await db.executeScript(generateDDL(Object.values(containerpubTables)))
  m = containerpubManagers(db)
})

afterAll(async () => {
  await db?.close()
})

describe('Database.fromKysely over PGlite', () => {
  it('is PostgreSQL 18 with a built-in uuidv7(), one connection, in the process', async () => {
    const features = await db.serverFeatures()
    expect(Math.floor(features.version / 10000)).toBe(18)
    expect(features).toMatchObject({ uuidv7: true, mergeReturning: true, jsonTable: true })
  })

  it('the drift check finds the ContainerPub tables exactly as defined', async () => {
    const result = await validateSchema(db, Object.values(containerpubTables))
    expect(result.issues).toEqual([])
    expect(result.ok).toBe(true)
  })

  it('the drift check sees a change made behind its back', async () => {
    await pglite.exec('alter table functions alter column name drop not null')
    try {
      const result = await validateSchema(db, Object.values(containerpubTables))
      expect(result.ok).toBe(false)
      expect(result.issues).toEqual([
        expect.objectContaining({ table: 'functions', column: 'name' }),
      ])
    } finally {
      await pglite.exec('alter table functions alter column name set not null')
    }
  })

  it('insert, findByUuid, update, delete', async () => {
    const ada = await m.users.insert({ email: 'ada@x.io', passwordHash: 'h' })
    expect(ada).toBeInstanceOf(UserEntity)
    expect(ada.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect((await m.users.findByUuid(ada.uuid))?.email).toBe('ada@x.io')
    expect(
      await m.users.update({ email: 'ada2@x.io' }, { where: { uuid: ada.uuid } }),
    ).toHaveLength(1)
    expect((await m.users.findById(ada.id))?.email).toBe('ada2@x.io')
    expect(await m.users.deleteById(ada.id)).toBe(true)
    expect(await m.users.findByUuid(ada.uuid)).toBeNull()
  })

  it('a unique violation is the typed error, as on a server', async () => {
    await m.users.insert({ email: 'dup@x.io', passwordHash: 'h' })
    await expect(m.users.insert({ email: 'dup@x.io', passwordHash: 'h' })).rejects.toBeInstanceOf(
      UniqueViolationError,
    )
  })

  it('batchInsert takes the INSERT path (no COPY through fromKysely), then findAll and paginateByCursor', async () => {
    const owner = await m.users.insert({ email: 'owner@x.io', passwordHash: 'h' })
    const names = Array.from({ length: 25 }, (_, i) => `fn-${String(i).padStart(2, '0')}`)
    const made = await m.functions.batchInsert(
      names.map((name, i) => ({
        userId: owner.id,
        name,
        status: i % 2 === 0 ? 'active' : 'inactive',
        analysisResult: { score: i },
      })),
    )
    expect(made.map((f) => f.name)).toEqual(names)
    expect(made[3]?.analysisResult).toEqual({ score: 3 })
    const active = await m.functions.findAll({
      where: { status: 'active', name: { gte: 'fn-10' } },
      orderBy: 'name',
      orderDirection: 'desc',
      limit: 3,
    })
    expect(active.map((f) => f.name)).toEqual(['fn-24', 'fn-22', 'fn-20'])
    const seen: string[] = []
    let after: string | null = null
    do {
      const page: Awaited<ReturnType<typeof m.functions.paginateByCursor>> =
        await m.functions.paginateByCursor({
          limit: 10,
          orderBy: 'name',
          where: { userId: owner.id },
          ...(after === null ? {} : { after }),
        })
      seen.push(...page.items.map((f) => f.name))
      after = page.nextCursor
    } while (after !== null)
    expect(seen).toEqual(names)
    expect(
      await m.functions.batchInsert([{ userId: owner.id, name: 'x' }], { returning: false }),
    ).toBe(1)
  })

  it('relations: hasMany and belongsTo', async () => {
    const owner = await m.users.insert({ email: 'rel@x.io', passwordHash: 'h' })
    const [a] = await m.functions.batchInsert([
      { userId: owner.id, name: 'rel-a' },
      { userId: owner.id, name: 'rel-b' },
    ])
    const fns = await m.users.hasMany('functions', owner, { orderBy: 'name' })
    expect(fns.map((f) => f.name)).toEqual(['rel-a', 'rel-b'])
    const back = await m.functions.belongsTo('owner', a as FunctionEntity)
    expect(back?.uuid).toBe(owner.uuid)
  })

  it('DTOs: from an entity, and resolve with a reference loaded in one query', async () => {
    const owner = await m.users.insert({ email: 'dto@x.io', passwordHash: 'secret-hash' })
    const fn = await m.functions.insert({ userId: owner.id, name: 'dto-fn' })
    expect(UserDto.from(owner)).toEqual({ uuid: owner.uuid, email: 'dto@x.io' })
    const [json] = await FunctionDto.resolve(db, [fn])
    expect(json).toMatchObject({ uuid: fn.uuid, name: 'dto-fn', ownerUuid: owner.uuid })
    expect(JSON.stringify(json)).not.toContain('secret-hash')
  })

  it('transactions: commit keeps, a throw rolls back', async () => {
    const kept = await db.transaction(async (tx) =>
      tx.manager(UserEntity).insert({ email: 'tx-kept@x.io', passwordHash: 'h' }),
    )
    await expect(
      db.transaction(async (tx) => {
        await tx.manager(UserEntity).insert({ email: 'tx-gone@x.io', passwordHash: 'h' })
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await m.users.findByUuid(kept.uuid)).not.toBeNull()
    expect(await m.users.count({ where: { email: 'tx-gone@x.io' } })).toBe(0)
  })

  it('concurrent calls wait for the one connection: a transaction never interleaves', async () => {
    const before = await m.users.count()
    await Promise.all([
      db.transaction(async (tx) => {
        await tx.manager(UserEntity).insert({ email: 'c1@x.io', passwordHash: 'h' })
        await tx.manager(UserEntity).insert({ email: 'c2@x.io', passwordHash: 'h' })
      }),
      m.users.insert({ email: 'c3@x.io', passwordHash: 'h' }),
      m.users.count(),
    ])
    expect(await m.users.count()).toBe(before + 3)
  })
})

describe('what PGlite has and lacks', () => {
  it('citext when loaded as a PGlite extension (generateDDL creates it); uuid-ossp is not built in', async () => {
    const emails = defineTable('pglite_emails', { id: c.serial().primaryKey(), email: c.citext() })
    const other = Database.fromKysely(new Kysely<any>({ dialect: new PGliteDialect(pglite) }), {
      tables: { emails },
    })
    await pglite.exec(generateDDL([emails]))
    await other.raw('INSERT INTO pglite_emails (email) VALUES (@e)', { e: 'Ada@X.io' })
    const rows = await other.raw('SELECT id FROM pglite_emails WHERE email = @e', {
      e: 'ada@x.io',
    })
    expect(rows).toHaveLength(1)
    await expect(pglite.exec('create extension "uuid-ossp"')).rejects.toThrow(/not available/)
  })
})
