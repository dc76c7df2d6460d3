import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { c, defineTable } from '../../src/index'
import { type RowCheck, RowValidator } from '../../src/manager/row-validator'
import { COLUMN_TYPES } from '../../src/schema/column-types'
import type { AnyTable } from '../../src/schema/define-table'
import { plainInsert } from '../../src/schema/plain-insert'

// Every kind, each way a column can be given: required (NOT NULL, no default), optional and
// NOT NULL (a default), optional and nullable. The kinds without a plain test are here too: a
// row that gives one of them goes through the schema.
const kinds = defineTable('plain_kinds', {
  id: c.serial().primaryKey(),
  int: c.integer().notNull(),
  small: c.smallint(),
  big: c.bigint(),
  bigAsNumber: c.bigint({ mode: 'number' }).notNull(),
  serialBig: c.bigserial(),
  ratio: c.real(),
  score: c.doublePrecision(),
  flag: c.boolean().notNull().default(false),
  body: c.text(),
  code: c.varchar(3).notNull(),
  name: c.citext(),
  role: c.varchar(20).enum(['developer', 'team']),
  ref: c.uuid().notNull().defaultRandom(),
  at: c.timestamp(),
  atTz: c.timestamptz().notNull(),
  bytes: c.bytea(),
  price: c.numeric(6, 2),
  day: c.date(),
  data: c.jsonb(),
  ip: c.inet(),
  tags: c.textArray(),
  counts: c.integerArray(),
})

// The table the COPY benchmark fills (bench S5's bare table).
const bare = defineTable('plain_bare', {
  functionId: c.integer().notNull(),
  status: c.varchar(50).notNull(),
  durationMs: c.integer(),
  error: c.text(),
  timestamp: c.timestamp(),
})

// 0001-01-01T00:00:00.000Z, the first instant a timestamp takes.
const yearOne = new Date(-62135596800000)

/** Values on and around every limit a plain test draws, and values of every other type. */
const EDGE_VALUES: readonly unknown[] = [
  0,
  -0,
  1,
  -1,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  32767,
  32768,
  -32768,
  -32769,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53) + 1,
  -(2 ** 53),
  3.4e38,
  3.5e38,
  1e-46,
  1e-40,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_VALUE,
  0n,
  5n,
  2n ** 63n - 1n,
  2n ** 63n,
  -(2n ** 63n),
  -(2n ** 63n) - 1n,
  '',
  'ab',
  'abc',
  'abcd',
  '😀😀😀',
  '😀😀😀😀',
  'a\u0000',
  '\u0000',
  'a\uD800',
  '\uDC00b',
  '\uD83D\uDE00',
  'a\tb\nc\\d',
  '\\N',
  '42',
  '-7',
  '1e3',
  '12.34',
  'developer',
  'team',
  'Developer',
  'true',
  '2024-01-02',
  '2024-02-30',
  '0000-01-01',
  '2024-01-02 03:04:05+00',
  '2024-01-02T03:04:05.678Z',
  '10.0.0.1',
  '::1',
  '3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d',
  '3F2B1C4D-5E6F-4A1B-8C9D-0E1F2A3B4C5D',
  '3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5',
  '{3f2b1c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d}',
  true,
  false,
  null,
  undefined,
  new Date(0),
  new Date(Number.NaN),
  yearOne,
  new Date(yearOne.getTime() - 1),
  new Date(253402300799999),
  new Date(253402300800000),
  new Date(-8.64e15),
  Uint8Array.of(1, 2, 3),
  Buffer.from('hi'),
  new Uint16Array(2),
  {},
  { a: 1 },
  [],
  ['a', 'b'],
  [1, 2],
  [1, 2 ** 31],
  Symbol('s'),
  () => 1,
  new Map(),
  Object.create(null),
]

const edge = fc.constantFrom(...EDGE_VALUES)
const date = fc.date({
  min: new Date(-62135596800000),
  max: new Date(253402300799999),
  noInvalidDate: true,
})
const text = fc.string({ unit: 'binary', maxLength: 8 })

/** Values a column of `kind` takes as they are (mostly), and some it does not. */
function kindValue(kind: string): fc.Arbitrary<unknown> {
  const own: Record<string, fc.Arbitrary<unknown>> = {
    serial: fc.integer(),
    integer: fc.integer(),
    smallint: fc.integer({ min: -40000, max: 40000 }),
    bigint: fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.integer()),
    bigserial: fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
    real: fc.double(),
    doublePrecision: fc.double(),
    boolean: fc.boolean(),
    text,
    varchar: fc.oneof(text, fc.string({ unit: 'grapheme', minLength: 2, maxLength: 4 })),
    citext: text,
    uuid: fc.oneof(
      fc.uuid(),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.string(),
    ),
    timestamp: fc.oneof(
      date,
      fc.date({ noInvalidDate: false }),
      date.map((d) => d.toISOString()),
    ),
    timestamptz: fc.oneof(date, fc.date({ noInvalidDate: false })),
    bytea: fc.uint8Array({ maxLength: 4 }),
    numeric: fc.oneof(fc.double(), fc.constantFrom('1.5', '1234.5', '12345.6')),
    date: fc.oneof(
      date,
      date.map((d) => d.toISOString().slice(0, 10)),
    ),
    jsonb: fc.jsonValue({ maxDepth: 2 }),
    inet: fc.oneof(fc.ipV4(), fc.ipV6()),
    textArray: fc.array(text, { maxLength: 3 }),
    integerArray: fc.array(fc.integer(), { maxLength: 3 }),
  }
  return fc.oneof({ arbitrary: own[kind]!, weight: 4 }, { arbitrary: edge, weight: 1 })
}

/**
 * Rows of `table`: each column absent, `undefined`, `null` or a value; sometimes an unknown key,
 * a `__proto__` key (as JSON.parse makes one) or an inherited key; sometimes not an object.
 * `valid` rows give only what the fast path keeps (the columns without a plain test absent).
 */
function rowOf(table: AnyTable, valid = false): fc.Arbitrary<unknown> {
  const cell = (column: AnyTable['$meta']['columns'][number]) => {
    const plain = COLUMN_TYPES[column.kind].plainValue(column.config)
    const values = valid
      ? kindValue(column.kind).filter((v) => v !== null && v !== undefined && plain!(v))
      : fc.oneof(
          { arbitrary: kindValue(column.kind), weight: 6 },
          { arbitrary: fc.constant(null), weight: 1 },
          { arbitrary: fc.constant(undefined), weight: 1 },
        )
    const required = column.notNull && !column.hasDefault
    if (valid && plain === undefined) return fc.constant(undefined)
    return required && valid
      ? values.map((v) => ({ v }))
      : fc.option(
          values.map((v) => ({ v })),
          { freq: 4, nil: undefined },
        )
  }
  const columns = table.$meta.columns
  const object = fc.tuple(...columns.map(cell)).map((cells) => {
    const row: Record<string, unknown> = {}
    cells.forEach((cell, j) => {
      if (cell !== undefined) row[columns[j]!.property] = cell.v
    })
    return row
  })
  if (valid) return object
  return fc.oneof(
    { arbitrary: object, weight: 12 },
    {
      arbitrary: fc
        .tuple(object, fc.constantFrom('extra', 'toString', 'Int', '0'))
        .map(([row, key]) => ({ ...row, [key]: 1 })),
      weight: 1,
    },
    {
      arbitrary: object.map((row) => Object.assign(JSON.parse('{"__proto__":1}'), row)),
      weight: 1,
    },
    { arbitrary: object.map((row) => Object.assign(Object.create({ int: 7 }), row)), weight: 1 },
    {
      arbitrary: object.map((row) => Object.assign(Object.create({ unknown: 7 }), row)),
      weight: 1,
    },
    { arbitrary: object.map((row) => Object.assign(Object.create(null), row)), weight: 1 },
    { arbitrary: edge, weight: 1 },
  )
}

const DELETE = Symbol('delete')

/**
 * Rows of plain values with one to three cells changed (to another value of the kind, an edge
 * value, `null` or `undefined`, or removed): rows on the fast path's every border.
 */
function nearPlainRowOf(table: AnyTable): fc.Arbitrary<unknown> {
  const columns = table.$meta.columns
  const change = fc
    .nat({ max: columns.length - 1 })
    .chain((j) =>
      fc.tuple(
        fc.constant(columns[j]!.property),
        fc.oneof(
          { arbitrary: kindValue(columns[j]!.kind), weight: 4 },
          { arbitrary: fc.constantFrom<unknown>(null, undefined, DELETE), weight: 1 },
        ),
      ),
    )
  return fc
    .tuple(rowOf(table, true), fc.array(change, { minLength: 1, maxLength: 3 }))
    .map(([row, changes]) => {
      const changed = { ...(row as Record<string, unknown>) }
      for (const [key, value] of changes) {
        if (value === DELETE) delete changed[key]
        else changed[key] = value
      }
      return changed
    })
}

/** What a validator makes of `rows`: each parse result, and the error it ends with. */
function outcome(table: AnyTable, rows: readonly unknown[], plain: boolean, check?: RowCheck) {
  const validator = new RowValidator(table, (i) => `rows[${i}]`, check, plain)
  const parsed = rows.map((row, i) => {
    const result = validator.parse(row, i)
    return result === undefined ? undefined : { keys: Object.keys(result), row: result }
  })
  const error = validator.failed ? validator.error() : undefined
  return {
    parsed,
    failed: validator.failed,
    error: error && {
      message: error.message,
      issues: error.issues,
      zodIssues: error.zodError()?.issues,
    },
  }
}

function expectSameOutcome(table: AnyTable, rows: readonly unknown[], check?: RowCheck) {
  const fast = outcome(table, rows, true, check)
  const zod = outcome(table, rows, false, check)
  expect(fast).toStrictEqual(zod)
  // The fast path keeps the row's very values, as the schema does for them.
  rows.forEach((row, i) => {
    const kept = fast.parsed[i]
    if (kept === undefined || plainInsert(table)(row) === undefined) return
    for (const key of kept.keys)
      expect(Object.is(kept.row[key], zod.parsed[i]!.row[key])).toBe(true)
  })
}

describe('plainInsert: the insert schema without zod for plain rows', () => {
  it('gives what the insert schema gives, for any rows of every kind', () => {
    fc.assert(
      fc.property(fc.array(rowOf(kinds), { minLength: 1, maxLength: 6 }), (rows) =>
        expectSameOutcome(kinds, rows),
      ),
      { numRuns: 400 },
    )
  })

  it('gives what the insert schema gives for rows on the border of plain ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(rowOf(kinds, true), nearPlainRowOf(kinds)), {
          minLength: 1,
          maxLength: 6,
        }),
        (rows) => expectSameOutcome(kinds, rows),
      ),
      { numRuns: 500 },
    )
  })

  it('gives what the insert schema gives on the benchmark table', () => {
    fc.assert(
      fc.property(fc.array(rowOf(bare), { minLength: 1, maxLength: 6 }), (rows) =>
        expectSameOutcome(bare, rows),
      ),
      { numRuns: 400 },
    )
  })

  it('runs a row check on the rows it keeps, as on the schema’s', () => {
    const check: RowCheck = (row, path) =>
      row.durationMs === null ? [{ path: `${path}.durationMs`, message: 'required here' }] : []
    fc.assert(
      fc.property(fc.array(rowOf(bare), { minLength: 1, maxLength: 6 }), (rows) =>
        expectSameOutcome(bare, rows, check),
      ),
      { numRuns: 300 },
    )
  })

  it('keeps the rows of plain values: the fast path is the one taken', () => {
    fc.assert(
      fc.property(rowOf(kinds, true), (row) => {
        const kept = plainInsert(kinds)(row)
        expect(kept).toStrictEqual(kinds.$meta.insertSchema.parse(row))
      }),
      { numRuns: 500 },
    )
    const row = {
      functionId: 3,
      status: 'success',
      durationMs: null,
      error: undefined,
      timestamp: new Date(0),
    }
    const kept = plainInsert(bare)(row)
    expect(kept).toStrictEqual(row)
    expect(kept).not.toBe(row)
    expect(Object.keys(kept!)).toEqual(['functionId', 'status', 'durationMs', 'error', 'timestamp'])
    expect(kept!.timestamp).toBe(row.timestamp)
  })

  it('leaves to the schema what it would convert or refuse', () => {
    const parse = plainInsert(bare)
    const row = { functionId: 3, status: 'ok' }
    expect(parse(row)).toStrictEqual(row)
    for (const other of [
      { functionId: 3 }, // a required column absent
      { functionId: 3, status: undefined }, // ... or undefined
      { functionId: null, status: 'ok' }, // NOT NULL
      { functionId: 2 ** 31, status: 'ok' },
      { functionId: '3', status: 'ok' }, // the schema says what it is
      { functionId: 3, status: 'x'.repeat(51) },
      { functionId: 3, status: 'a\u0000' },
      { functionId: 3, status: 'a\uD800' },
      { functionId: 3, status: 'ok', timestamp: '2024-01-02' }, // a string becomes a Date
      { functionId: 3, status: 'ok', timestamp: new Date(Number.NaN) },
      { functionId: 3, status: 'ok', timestamp: new Date(253402300800000) },
      { functionId: 3, status: 'ok', extra: 1 },
      Object.assign(Object.create({ extra: 1 }), row),
      [row],
      null,
      'row',
    ]) {
      expect(parse(other)).toBeUndefined()
    }
    // A varchar(50) counts code points: 50 emoji are 100 UTF-16 units, and fit.
    expect(parse({ functionId: 3, status: '😀'.repeat(50) })).toBeDefined()
    expect(parse({ functionId: 3, status: '😀'.repeat(51) })).toBeUndefined()
  })

  it('is built once per table', () => {
    expect(plainInsert(bare)).toBe(plainInsert(bare))
    expect(plainInsert(kinds)).not.toBe(plainInsert(bare))
  })
})
