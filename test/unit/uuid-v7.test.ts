import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  c,
  defineTable,
  generateDDLStatements,
  InvalidDefinitionError,
  randomUuidV7,
} from '../../src/index'
import { defaultCode } from '../../src/pull/pull-default'
import { columnDDL, UUIDV7_FUNCTION } from '../../src/schema/generate-ddl'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

afterEach(() => {
  vi.restoreAllMocks()
})

describe('defaultRandom({ version: 7 })', () => {
  const events = defineTable('events', {
    id: c.uuid().primaryKey().defaultRandom({ version: 7 }),
    publicId: c.uuid().notNull().unique().defaultRandom({ version: 4 }),
    other: c.uuid().defaultRandom(),
  })

  it('writes DEFAULT uuidv7(); version 4 and no option stay gen_random_uuid()', () => {
    expect(columnDDL(events.id)).toBe('"id" uuid PRIMARY KEY DEFAULT uuidv7()')
    expect(columnDDL(events.publicId)).toBe(
      '"public_id" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE',
    )
    expect(columnDDL(events.other)).toBe('"other" uuid DEFAULT gen_random_uuid()')
  })

  it('creates uuidv7() first, only where the server has none (before PostgreSQL 18)', () => {
    expect(generateDDLStatements([events])).toEqual([
      UUIDV7_FUNCTION,
      'CREATE TABLE IF NOT EXISTS "events" (\n' +
        '  "id" uuid PRIMARY KEY DEFAULT uuidv7(),\n' +
        '  "public_id" uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,\n' +
        '  "other" uuid DEFAULT gen_random_uuid()\n' +
        ')',
    ])
    expect(UUIDV7_FUNCTION).toBe(
      "DO $ke$ BEGIN IF current_setting('server_version_num')::int < 180000 THEN " +
        'CREATE OR REPLACE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS ' +
        "'SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING " +
        'substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) ' +
        "FROM 1 FOR 6), 52, 1), 53, 1), ''hex'')::uuid'; END IF; END $ke$",
    )
    const v4 = defineTable('v4', { id: c.uuid().primaryKey().defaultRandom() })
    expect(generateDDLStatements([v4])).toEqual([
      'CREATE TABLE IF NOT EXISTS "v4" (\n  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid()\n)',
    ])
  })

  it('refuses another version, and a column that is not a uuid', () => {
    expect(() => c.uuid().defaultRandom({ version: 5 as never })).toThrow(
      new InvalidDefinitionError('defaultRandom: version must be 4 or 7'),
    )
    expect(() =>
      defineTable('bad', { id: (c.text() as any).defaultRandom({ version: 7 }) }),
    ).toThrow('defineTable("bad") column "id": defaultRandom() needs a uuid column')
  })

  it('pull reads uuidv7() back as defaultRandom({ version: 7 })', () => {
    expect(defaultCode('uuid', 'uuidv7()')).toBe('.defaultRandom({ version: 7 })')
    expect(defaultCode('uuid', 'gen_random_uuid()')).toBe('.defaultRandom()')
  })
})

describe('randomUuidV7', () => {
  const fields = (id: string) => {
    const hex = id.replaceAll('-', '')
    return {
      ms: Number.parseInt(hex.slice(0, 12), 16),
      version: Number.parseInt(hex[12]!, 16),
      counter: Number.parseInt(hex.slice(13, 16), 16),
      variant: Number.parseInt(hex[16]!, 16) >> 2,
    }
  }

  it('is an RFC 9562 version 7 uuid: the time in ms, version 7, variant 10', () => {
    const before = Date.now()
    const id = randomUuidV7()
    const after = Date.now()
    expect(id).toMatch(UUID_RE)
    const f = fields(id)
    expect(f.version).toBe(7)
    expect(f.variant).toBe(0b10)
    expect(f.ms).toBeGreaterThanOrEqual(before)
    expect(f.ms).toBeLessThanOrEqual(after)
  })

  it('sorts in the order made within one millisecond (the counter), and past 4,096 in it', () => {
    vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2030, 0, 1))
    const ids = Array.from({ length: 5_000 }, () => randomUuidV7())
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
    const first = fields(ids[0]!)
    expect(first.ms).toBe(Date.UTC(2030, 0, 1))
    expect(first.counter).toBeLessThan(2048)
    expect(fields(ids[1]!)).toEqual({ ...first, counter: first.counter + 1 })
    // The counter ran out: the time field moved one millisecond ahead of the clock, counter 0.
    const ahead = ids.find((id) => fields(id).ms > first.ms)!
    expect(fields(ahead)).toEqual({ ms: first.ms + 1, version: 7, counter: 0, variant: 0b10 })
    expect(ids.every((id) => fields(id).version === 7 && fields(id).variant === 0b10)).toBe(true)
  })

  it('never goes back when the clock does', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2031, 0, 1))
    const a = randomUuidV7()
    now.mockReturnValue(Date.UTC(2031, 0, 1) - 5_000)
    const b = randomUuidV7()
    expect(b > a).toBe(true)
    expect(fields(b).ms).toBe(Date.UTC(2031, 0, 1))
  })
})
