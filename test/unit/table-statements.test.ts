import { describe, expect, it, vi } from 'vitest'
import { c, defineTable } from '../../src/index'
import { StatementCache } from '../../src/query/statement-cache'
import { TableStatements, tableStatements } from '../../src/query/table-statements'
import { whereText } from '../../src/query/where-compiler'

// The statements object of a table: one per table, every text in one casing (lower-case
// keywords, CURRENT_TIMESTAMP), written once per shape.

const notes = defineTable(
  'notes',
  {
    id: c.serial().primaryKey(),
    body: c.text().notNull(),
    data: c.jsonb(),
    updatedAt: c.timestamp().onUpdateNow(),
    deletedAt: c.timestamp(),
  },
  { softDelete: 'deletedAt' },
)
const COLUMNS = '"id", "body", "data", "updated_at", "deleted_at"'
const column = (property: string) => notes.$meta.byProperty.get(property)!

describe('TableStatements', () => {
  it('is one object per table, made on first use', () => {
    expect(tableStatements(notes)).toBe(tableStatements(notes))
    expect(tableStatements(notes)).toBeInstanceOf(TableStatements)
  })

  it('writes the fixed statements in one casing', () => {
    const s = tableStatements(notes)
    expect(s.selectById).toBe(
      `select ${COLUMNS} from "notes" where "id" = $1 and "deleted_at" is null`,
    )
    expect(s.deleteById).toBe(
      'update "notes" set "deleted_at" = CURRENT_TIMESTAMP where "id" = $1 and "deleted_at" is null',
    )
    expect(s.restoreById).toBe(
      'update "notes" set "deleted_at" = null where "id" = $1 and "deleted_at" is not null',
    )
    expect(s.countAll).toBe('select count(*) as "count" from "notes" where "deleted_at" is null')
    expect(s.selectByPublicId).toBeUndefined()
    expect('forceDeleteById' in s).toBe(false)
  })

  it('numbers the where after the set values, casts by kind, and skips deleted rows', () => {
    const where = whereText(notes, { body: 'x' })
    const query = tableStatements(notes).update([column('data')], [{ a: 1 }], where)
    expect(query.sql).toBe(
      `update "notes" set "data" = $1::text::jsonb, "updated_at" = CURRENT_TIMESTAMP where "body" = $2 and "deleted_at" is null returning ${COLUMNS}`,
    )
    expect(query.parameters).toEqual(['{"a":1}', 'x'])
  })

  it('writes insert, delete and soft delete by shape', () => {
    const s = tableStatements(notes)
    expect(s.insert([column('body'), column('data')], ['b', null]).sql).toBe(
      `insert into "notes" ("body", "data") values ($1, $2::text::jsonb) returning ${COLUMNS}`,
    )
    expect(s.insert([], []).sql).toBe(`insert into "notes" default values returning ${COLUMNS}`)
    expect(s.delete(undefined).sql).toBe('delete from "notes"')
    expect(s.softDelete(whereText(notes, { id: 3 }), true)).toEqual(
      expect.objectContaining({
        sql: 'update "notes" set "deleted_at" = CURRENT_TIMESTAMP where "id" = $1 and "deleted_at" is null',
        parameters: [3],
      }),
    )
    expect(s.softDelete(undefined, false).sql).toBe(
      'update "notes" set "deleted_at" = null where "deleted_at" is not null',
    )
  })

  it('writes each shape once, whatever the values, and keeps other modules’ keys apart', () => {
    const table = defineTable('once', { id: c.serial().primaryKey(), n: c.integer() })
    const s = tableStatements(table)
    const write = vi.spyOn(StatementCache.prototype, 'set')
    try {
      for (const n of [1, 2, 3]) s.update([table.$meta.byProperty.get('n')!], [n], undefined)
      expect(write).toHaveBeenCalledTimes(1)
      const build = vi.fn(() => 'select 1')
      expect(s.cached('U,n', build)).toBe('select 1')
      expect(s.cached('U,n', build)).toBe('select 1')
      expect(build).toHaveBeenCalledTimes(1)
      expect(s.cachedShapes).toBe(2)
    } finally {
      write.mockRestore()
    }
  })
})
