import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { c, Database, defineTable, Entity, generateDDL } from '../../src/index'
import { testDatabase } from '../setup/test-database'

const notes = defineTable(
  'notes',
  {
    id: c.serial().primaryKey(),
    title: c.varchar(100).notNull(),
    deletedAt: c.timestamptz(),
  },
  { softDelete: 'deletedAt' },
)
class NoteEntity extends Entity.of(notes) {}

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ notes: typeof notes }>

beforeAll(async () => {
  test = await testDatabase('soft_delete')
  db = await Database.connect({ url: test.url, tables: { notes } })
  await db.executeScript(generateDDL([notes]))
})
afterAll(async () => {
  await db?.close()
  await test?.drop()
})

describe('soft delete on a real table', () => {
  it('delete hides rows from finders without removing them; restore brings them back', async () => {
    const m = db.manager(NoteEntity)
    const [a, b, cNote] = await m.batchInsert([{ title: 'a' }, { title: 'b' }, { title: 'c' }])
    expect(await m.delete({ where: { title: ['a', 'b'] } })).toBe(2)
    expect(await m.delete({ where: { title: 'a' } })).toBe(0) // already deleted
    expect((await m.findAll({ orderBy: 'title' })).map((n) => n.title)).toEqual(['c'])
    expect(await m.findById(a!.id)).toBeNull()
    expect((await m.findById(a!.id, { withDeleted: true }))?.deletedAt).toBeInstanceOf(Date)
    expect(await m.count()).toBe(1)
    expect(await m.count({ withDeleted: true })).toBe(3)
    expect(await m.exists({ where: { title: 'b' } })).toBe(false)
    expect(await m.existsById(cNote!.id)).toBe(true)
    expect(
      await db.rawOne('SELECT count(*)::int AS n FROM notes WHERE deleted_at IS NOT NULL'),
    ).toEqual({ n: 2 })

    expect(await m.restore({ where: { title: 'a' } })).toBe(1)
    expect(await m.restoreById(b!.id)).toBe(true)
    expect(await m.restoreById(b!.id)).toBe(false)
    expect(await m.count()).toBe(3)
  })

  it('deleteById soft-deletes; forceDelete removes for real; update skips deleted rows', async () => {
    const m = db.manager(NoteEntity)
    const note = await m.insert({ title: 'gone' })
    expect(await m.deleteById(note.id)).toBe(true)
    expect(await m.deleteById(note.id)).toBe(false)
    expect(await m.update({ title: 'renamed' }, { where: { id: note.id } })).toEqual([])
    expect(await m.forceDelete({ where: { id: note.id } })).toBe(1)
    expect(await db.rawOne('SELECT 1 AS x FROM notes WHERE id = @id', { id: note.id })).toBeNull()
  })

  it('keyset and offset pages skip deleted rows', async () => {
    const m = db.manager(NoteEntity)
    await m.batchInsert(Array.from({ length: 6 }, (_, i) => ({ title: `page-${i}` })))
    await m.delete({ where: { title: { in: ['page-1', 'page-3'] } } })
    const page = await m.paginateByCursor({ limit: 10, where: { title: { like: 'page-%' } } })
    expect(page.items.map((n) => n.title)).toEqual(['page-0', 'page-2', 'page-4', 'page-5'])
    const numbered = await m.paginate({
      page: 1,
      pageSize: 10,
      where: { title: { like: 'page-%' } },
    })
    expect(numbered.total).toBe(4)
  })
})
