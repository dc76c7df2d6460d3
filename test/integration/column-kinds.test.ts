import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  c,
  Database,
  defineDto,
  defineTable,
  Entity,
  EntityValidationError,
  generateDDL,
  InvalidQueryError,
  validateSchema,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

// bytea and citext, added through the column-type registry alone, on a real PostgreSQL: DDL,
// validation, where, batch insert, upsert, keyset cursors, DTO output and the drift check.

const files = defineTable('kind_files', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  name: c.citext().notNull().unique(),
  body: c.bytea().notNull(),
  magic: c.bytea().default(Uint8Array.of(0xca, 0xfe)),
})
class FileEntity extends Entity.of(files) {}
const FileDto = defineDto(FileEntity, { uuid: true, name: true, body: true })

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ files: typeof files }>
const manager = () => db.manager(FileEntity)
const bytes = (...values: number[]) => Buffer.from(values)

beforeAll(async () => {
  test = await testDatabase('kinds')
  db = await Database.connect({ url: test.url, tables: { files }, max: 2 })
  await db.executeScript(generateDDL([files]))
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

describe('bytea and citext columns', () => {
  it('the DDL creates the citext extension and the table, with no drift', async () => {
    expect(await validateSchema(db, [files])).toEqual({ ok: true, issues: [] })
  })

  it('stores and reads bytes exactly, and the bytea default', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const file = await manager().insert({ name: 'Every.bin', body: every })
    expect(Buffer.compare(file.body as Buffer, every)).toBe(0)
    expect(Buffer.from(file.magic!)).toEqual(bytes(0xca, 0xfe))
    const read = await manager().findByUuid(file.uuid)
    expect(Buffer.compare(read!.body as Buffer, every)).toBe(0)
  })

  it('refuses a value that is not bytes, before anything is sent', async () => {
    const before = await manager().count()
    const error = await manager()
      .insert({ name: 'x', body: 'deadbeef' as never })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EntityValidationError)
    expect(String((error as Error).message)).not.toContain('deadbeef')
    expect(await manager().count()).toBe(before)
  })

  it('compares citext without case, in where and in unique keys', async () => {
    await manager().insert({ name: 'README.md', body: bytes(1) })
    const found = await manager().findAll({ where: { name: 'readme.MD' } })
    expect(found.map((f) => f.name)).toEqual(['README.md'])
    expect(await manager().count({ where: { name: { ilike: 'read%' } } })).toBe(1)
    const error = await manager()
      .insert({ name: 'readme.md', body: bytes(2) })
      .catch((e: unknown) => e)
    expect((error as { code?: string }).code).toBe('UNIQUE_VIOLATION')
  })

  it('finds by bytes: equality, lists and not-in', async () => {
    await manager().insert({ name: 'a.bin', body: bytes(0xaa, 0x00) })
    await manager().insert({ name: 'b.bin', body: bytes(0xbb) })
    const eq = await manager().findAll({ where: { body: bytes(0xaa, 0x00) } })
    expect(eq.map((f) => f.name)).toEqual(['a.bin'])
    const list = await manager().findAll({
      where: { body: { in: [bytes(0xaa, 0x00), bytes(0xbb)] } },
      orderBy: 'name',
    })
    expect(list.map((f) => f.name)).toEqual(['a.bin', 'b.bin'])
    const refused = await manager()
      .findAll({ where: { body: { gt: bytes(1) } as never } })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(InvalidQueryError)
  })

  it('batch-inserts and upserts both kinds; an upsert key differing only in case is the same row', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      name: `batch-${i}.bin`,
      body: bytes(i, 255 - i),
    }))
    const inserted = await manager().batchInsert(rows)
    expect(inserted).toHaveLength(50)
    expect(Buffer.from(inserted[7]!.body)).toEqual(bytes(7, 248))
    const [again] = await manager().upsertMany([{ name: 'BATCH-7.BIN', body: bytes(9) }], {
      conflictColumns: ['name'],
    })
    expect(again!.id).toBe(inserted[7]!.id)
    expect(again!.name).toBe('batch-7.bin')
    expect(Buffer.from(again!.body)).toEqual(bytes(9))
  })

  it('pages by a bytea sort with keyset cursors', async () => {
    const seen: string[] = []
    let after: string | null | undefined
    do {
      const page = await manager().paginateByCursor({
        limit: 7,
        after,
        orderBy: 'body',
        where: { name: { like: 'batch-%' } },
      })
      seen.push(...page.items.map((f) => Buffer.from(f.body).toString('hex')))
      after = page.nextCursor
    } while (after !== null)
    expect(seen).toHaveLength(50)
    expect(seen).toEqual([...seen].sort())
  })

  it('writes bytea as base64 and citext as text in DTOs', async () => {
    const file = (await manager().findAll({ where: { name: 'a.bin' } }))[0]!
    expect(FileDto.from(file)).toEqual({ uuid: file.uuid, name: 'a.bin', body: 'qgA=' })
    expect(JSON.parse(JSON.stringify(FileDto.from(file)))).toEqual(FileDto.from(file))
  })
})

describe('keyset cursors on kinds that travel as cast text', () => {
  const docs = defineTable('kind_docs', {
    id: c.serial().primaryKey(),
    doc: c.jsonb().notNull(),
  })
  class DocEntity extends Entity.of(docs) {}

  it('pages by a jsonb sort: the cursor value is cast as the where input casts it', async () => {
    const own = await Database.connect({ url: test.url, tables: { docs }, max: 1 })
    try {
      await own.executeScript(generateDDL([docs]))
      const manager = own.manager(DocEntity)
      await manager.batchInsert(
        Array.from({ length: 20 }, (_, i) => ({ doc: { n: i % 7, s: `v${i}` } })),
      )
      const seen: number[] = []
      let after: string | null | undefined
      do {
        const page = await manager.paginateByCursor({ limit: 3, after, orderBy: 'doc' })
        seen.push(...page.items.map((d) => d.id))
        after = page.nextCursor
      } while (after !== null)
      expect(seen).toHaveLength(20)
      expect(new Set(seen).size).toBe(20)
    } finally {
      await own.close()
    }
  })
})

describe('relations keyed by a bytea column', () => {
  // A content-addressed store: blobs are keyed by their hash, chunks point at it.
  const blobs = defineTable(
    'kind_blobs',
    { hash: c.bytea().primaryKey(), size: c.integer().notNull() },
    {
      relations: (r) => ({ chunks: r.hasMany('kind_chunks', 'blobHash', { references: 'hash' }) }),
    },
  )
  const chunks = defineTable('kind_chunks', {
    id: c.serial().primaryKey(),
    blobHash: c
      .bytea()
      .notNull()
      .references(() => blobs.hash),
    part: c.integer().notNull(),
  })
  class BlobEntity extends Entity.of(blobs) {}
  class ChunkEntity extends Entity.of(chunks) {}

  it('loads hasMany for many parents in one statement, each parent its own chunks', async () => {
    const own = await Database.connect({ url: test.url, tables: { blobs, chunks }, max: 1 })
    try {
      await own.executeScript(generateDDL([blobs, chunks]))
      const a = await own.manager(BlobEntity).insert({ hash: bytes(0xaa), size: 2 })
      // 0xaa and 0xbb are both invalid UTF-8: as text they would read as the same key.
      const b = await own.manager(BlobEntity).insert({ hash: bytes(0xbb), size: 1 })
      await own.manager(ChunkEntity).batchInsert([
        { blobHash: bytes(0xaa), part: 1 },
        { blobHash: bytes(0xaa), part: 2 },
        { blobHash: bytes(0xbb), part: 1 },
      ])
      const [withA, withB] = await own.manager(BlobEntity).load([a, b], 'chunks', {
        orderBy: 'part',
      })
      expect(withA!.chunks.map((chunk) => chunk.part)).toEqual([1, 2])
      expect(withB!.chunks.map((chunk) => chunk.part)).toEqual([1])
      // The other tables of this database are other tests' (extra here); these two have no drift.
      const drift = await validateSchema(own, [blobs, chunks])
      expect(drift.issues.filter((issue) => issue.kind !== 'extra_table')).toEqual([])
    } finally {
      await own.close()
    }
  })
})
