// The COPY text data batchInsert sends with returning: false: exact lines, no database.
import { describe, expect, it } from 'vitest'
import { c, defineTable } from '../../src/index'
import { parseRows } from '../../src/manager/batch-insert'
import { ChunkCells } from '../../src/manager/chunk-cells'
import { copyFromSql } from '../../src/query/batch-statements'
import { COLUMN_TYPES } from '../../src/schema/column-types'
import { COPY_NULL, copyField } from '../../src/values/copy-text'

const t = defineTable('copy_t', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().defaultRandom(),
  n: c.integer().notNull(),
  big: c.bigint(),
  price: c.numeric(10, 2),
  ratio: c.real(),
  flag: c.boolean(),
  body: c.text(),
  role: c.varchar(20).enum(['developer', 'team']),
  at: c.timestamp(),
  atTz: c.timestamptz(),
  day: c.date(),
  data: c.jsonb(),
  ip: c.inet(),
  bytes: c.bytea(),
  tags: c.textArray(),
  counts: c.integerArray(),
})

/** Chunk cells holding `rows` (validated as batchInsert does), serialised at once or for COPY. */
function chunkOf(rows: readonly unknown[], copy: boolean) {
  const cells = new ChunkCells(t, copy)
  for (const row of parseRows(t, rows)) cells.add(row)
  return cells
}

/**
 * The COPY text of `rows` for the columns they give; the same whether the cells keep the rows
 * for COPY or serialise each row as it is added.
 */
function copyText(rows: readonly unknown[]) {
  const [kept, serialised] = [chunkOf(rows, true), chunkOf(rows, false)]
  const columns = kept.present()
  expect(serialised.present()).toEqual(columns)
  const text = kept.copyText(columns)
  expect(serialised.copyText(columns)).toBe(text)
  return { sql: copyFromSql(t, columns), text }
}

describe('copyField', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['back\\slash', 'back\\\\slash'],
    ['tab\there', 'tab\\there'],
    ['new\nline', 'new\\nline'],
    ['carriage\rreturn', 'carriage\\rreturn'],
    ['\\N', '\\\\N'],
    ['\\.', '\\\\.'],
    ['\r\n\t\\', '\\r\\n\\t\\\\'],
    ['NULL', 'NULL'],
    ['emoji 🎉 é', 'emoji 🎉 é'],
    ['\u0001\b\f\v', '\u0001\b\f\v'],
  ])('%j is written %j', (text, field) => {
    expect(copyField(text)).toBe(field)
  })

  it('writes NULL as \\N, apart from the empty string and the text \\N', () => {
    expect(copyField(null)).toBe('\\N')
    expect(COPY_NULL).toBe('\\N')
    expect(copyField('')).not.toBe(copyField(null))
    expect(copyField('\\N')).not.toBe(copyField(null))
  })
})

describe('COPY lines of a chunk', () => {
  it('writes every kind as PostgreSQL reads it, tab-separated, one line per row', () => {
    const { sql, text } = copyText([
      {
        n: 1,
        big: 2n ** 63n - 1n,
        price: '12.50',
        ratio: -0,
        flag: true,
        body: 'a\tb\nc\\d',
        role: 'team',
        at: new Date('2024-02-29T23:59:59.123Z'),
        atTz: '2024-01-02 03:04:05+02',
        day: '2024-02-29',
        data: { k: 'v\n"q"\\', n: [1, null] },
        ip: '::1',
        bytes: Uint8Array.of(0xde, 0xad, 0x00),
        tags: ['x y', 'say "hi"', 'back\\slash', 'NULL', ''],
        counts: [1, -2],
      },
      { n: 2, flag: false, body: '', data: 'text', tags: [], counts: [] },
      { n: 3, body: null, data: null, bytes: null },
    ])
    expect(sql).toBe(
      'copy "copy_t" ("n", "big", "price", "ratio", "flag", "body", "role", "at", "at_tz", "day", "data", "ip", "bytes", "tags", "counts") from stdin',
    )
    expect(text).toBe(
      [
        [
          '1',
          '9223372036854775807',
          '12.50',
          '-0',
          't',
          'a\\tb\\nc\\\\d',
          'team',
          '2024-02-29T23:59:59.123Z',
          '2024-01-02T01:04:05.000Z',
          '2024-02-29',
          '{"k":"v\\\\n\\\\"q\\\\"\\\\\\\\","n":[1,null]}',
          '::1',
          '\\\\xdead00',
          '{"x y","say \\\\"hi\\\\"","back\\\\\\\\slash","NULL",""}',
          '{"1","-2"}',
        ].join('\t'),
        [
          '2',
          '\\N',
          '\\N',
          '\\N',
          'f',
          '',
          '\\N',
          '\\N',
          '\\N',
          '\\N',
          '"text"',
          '\\N',
          '\\N',
          '{}',
          '{}',
        ].join('\t'),
        ['3', ...Array.from({ length: 14 }, () => '\\N')].join('\t'),
        '',
      ].join('\n'),
    )
  })

  it('leaves out the columns no row gives, so their defaults apply', () => {
    const { sql, text } = copyText([{ n: 1 }, { n: 2, body: 'x' }])
    expect(sql).toBe('copy "copy_t" ("n", "body") from stdin')
    expect(text).toBe('1\t\\N\n2\tx\n')
  })
})

describe('chunk cells kept for COPY', () => {
  const rows = [
    { n: 1, body: 'a\tb', at: new Date(0) },
    { n: 2, flag: true, data: { k: [1] } },
    { n: 3, body: null, uuid: '3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d' },
  ]

  it('give the same columns, defaults and cells as cells serialised row by row', () => {
    const [kept, serialised] = [chunkOf(rows, true), chunkOf(rows, false)]
    const present = serialised.present()
    expect(kept.present()).toEqual(present)
    expect(kept.needsValuesForm(present)).toBe(true) // uuid has a default, given by one row only
    expect(serialised.needsValuesForm(present)).toBe(true)
    expect(kept.needsValuesForm(present.filter((c) => c !== t.uuid))).toBe(false)
    // The VALUES form of the chunk (what COPY cannot say) reads the same cells.
    for (const column of present) {
      expect(kept.literal(column)).toBe(serialised.literal(column))
      for (let k = 0; k < rows.length; k++) {
        expect(kept.cell(column, k)).toBe(serialised.cell(column, k))
      }
    }
    expect(kept.copyText(present)).toBe(serialised.copyText(present))
  })

  it('start the next chunk empty, however the last one was read', () => {
    const kept = chunkOf(rows, true)
    kept.literal(t.body) // serialises the rows kept so far
    kept.clear()
    expect(kept.count).toBe(0)
    for (const row of parseRows(t, [{ n: 9 }, { n: 10, body: 'x' }])) kept.add(row)
    expect(kept.present()).toEqual([t.n, t.body])
    expect(kept.cell(t.body, 0)).toBeUndefined()
    expect(kept.literal(t.body)).toBe('{NULL,"x"}')
    expect(kept.copyText([t.n, t.body])).toBe('9\t\\N\n10\tx\n')
  })
})

describe('kinds COPY takes unescaped', () => {
  it('are those whose text is digits, dates, uuids or addresses only', () => {
    const plain = Object.entries(COLUMN_TYPES)
      .filter(([, type]) => type.copyPlain)
      .map(([kind]) => kind)
    expect(plain.sort()).toEqual(
      [
        'bigint',
        'bigserial',
        'boolean',
        'date',
        'doublePrecision',
        'inet',
        'integer',
        'numeric',
        'real',
        'serial',
        'smallint',
        'timestamp',
        'timestamptz',
        'uuid',
      ].sort(),
    )
  })
})
