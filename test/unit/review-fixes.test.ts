import { describe, expect, it } from 'vitest'
import { mapDatabaseError } from '../../src/errors/map-database-error'
import { c, type DatabaseError, defineTable, Entity, InvalidDefinitionError } from '../../src/index'
import { everyKind, everyKindRow } from '../fixtures/tables'

class EveryKind extends Entity.of(everyKind) {}

const row = (overrides: Record<string, unknown> = {}) =>
  everyKindRow({ id: 2n ** 60n, int: 1, big: 9007199254740993n, ...overrides })

describe('entities with bigint columns', () => {
  it('JSON.stringify works and keeps every digit (bigints as strings)', () => {
    const entity = EveryKind.fromMap(row())
    const json = JSON.parse(JSON.stringify(entity))
    expect(json.id).toBe('1152921504606846976')
    expect(json.big).toBe('9007199254740993')
  })
})

describe('timestamps without an offset are UTC wall clocks', () => {
  it('fromMap reads PostgreSQL text form and ISO without offset as UTC', () => {
    const a = EveryKind.fromMap(row({ at: '2024-03-04 05:06:07.5', at_tz: '2024-03-04T05:06:07' }))
    expect(a.at?.toISOString()).toBe('2024-03-04T05:06:07.500Z')
    expect(a.atTz?.toISOString()).toBe('2024-03-04T05:06:07.000Z')
  })

  it('a date alone is midnight UTC', () => {
    expect(EveryKind.fromMap(row({ at: '2024-03-04' })).at?.toISOString()).toBe(
      '2024-03-04T00:00:00.000Z',
    )
  })

  it('fromMap honours an explicit short offset', () => {
    const a = EveryKind.fromMap(row({ at_tz: '2024-03-04 05:06:07+02' }))
    expect(a.atTz?.toISOString()).toBe('2024-03-04T03:06:07.000Z')
  })

  it('fromRow (trusted rows from other drivers) reads them as UTC too', () => {
    const a = EveryKind.fromRow(row({ at: '2024-03-04 05:06:07', ts: '2024-03-04T00:00:00+01:00' }))
    expect(a.at?.toISOString()).toBe('2024-03-04T05:06:07.000Z')
    expect(a.timestamp?.toISOString()).toBe('2024-03-03T23:00:00.000Z')
  })
})

describe('error redaction of values inside messages', () => {
  it.each([
    [
      '22003',
      'value "99999999999SECRET" is out of range for type integer',
      'value "…" is out of range for type integer',
    ],
    ['22023', 'time zone "SECRET/Zone" not recognized', 'time zone "…" not recognized'],
  ])('%s', (code, message, expected) => {
    const mapped = mapDatabaseError(Object.assign(new Error(message), { code })) as DatabaseError
    expect(mapped.message).toBe(expected)
  })
})

describe('definition checks', () => {
  it('softDelete needs a timestamp, not a date', () => {
    expect(() =>
      defineTable('t', { id: c.serial().primaryKey(), gone: c.date() }, { softDelete: 'gone' }),
    ).toThrow(InvalidDefinitionError)
  })

  it('enum values must fit the varchar length', () => {
    expect(() => defineTable('t', { role: c.varchar(3).enum(['toolong']) })).toThrow(
      /longer than varchar\(3\)/,
    )
  })

  it('generated index and constraint names are cut to 63 bytes, as PostgreSQL cuts them', () => {
    const long = 'a'.repeat(40)
    const t = defineTable(
      'some_table_with_a_long_name',
      { [`${long}One`]: c.integer(), [`${long}Two`]: c.integer() },
      { indexes: [[`${long}One`, `${long}Two`]], uniques: [[`${long}One`, `${long}Two`]] },
    )
    const index = t.$meta.indexes[0]!.name
    const unique = t.$meta.uniques[0]!.name
    expect(Buffer.byteLength(index)).toBe(63)
    expect(index.startsWith('idx_some_table_with_a_long_name_')).toBe(true)
    expect(Buffer.byteLength(unique)).toBe(63)
  })
})

describe('where-input keywords are reserved property names', () => {
  it.each(['and', 'or', 'not', 'all'])('%s', (property) => {
    expect(() => defineTable('t', { [property]: c.text() })).toThrow(/reserved/)
  })
})

describe('dates from drivers that build a Date at local midnight (pg)', () => {
  it('read as that calendar day east and west of UTC', () => {
    const before = process.env.TZ
    try {
      for (const zone of ['Asia/Tokyo', 'America/Los_Angeles', 'UTC']) {
        process.env.TZ = zone // Node applies a TZ change at run time
        const local = new Date(2024, 0, 31)
        expect(EveryKind.fromRow(row({ day: local })).day).toBe('2024-01-31')
      }
    } finally {
      process.env.TZ = before
    }
  })
})

describe('validation errors never repeat arbitrary input as a key name', () => {
  it('an unknown key that is not an identifier is not echoed', () => {
    const error = (() => {
      try {
        EveryKind.fromRow(row()).copyWith({ ["x' OR 1=1 -- EVIL"]: 1 } as never)
      } catch (e) {
        return e as Error
      }
    })()
    expect(error?.message).toContain('<not an identifier>')
    expect(error?.message).not.toContain('EVIL')
  })
})

describe('jsonb documents are stored as given or refused', () => {
  it('an own "__proto__" key (from JSON.parse) is refused, not silently dropped', () => {
    const data = JSON.parse('{"a": {"__proto__": {"polluted": true}}}')
    expect(() => EveryKind.fromMap(row({ data }))).toThrow(/__proto__/)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(EveryKind.fromMap(row({ data: { a: { b: 1 } } })).data).toEqual({ a: { b: 1 } })
  })
})
