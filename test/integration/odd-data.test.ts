import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  c,
  Database,
  defineTable,
  Entity,
  EntityValidationError,
  generateDDL,
  type JsonValue,
} from '../../src/index'
import { testDatabase } from '../setup/test-database'

// Odd but valid data, stored through a manager and read back by findById: equal to what was
// given, exactly, or refused with EntityValidationError before anything is sent when PostgreSQL
// (or the way values travel to it) cannot keep it as it is.

const odd = defineTable('odd_data', {
  id: c.bigserial().primaryKey(),
  small: c.smallint(),
  int: c.integer(),
  big: c.bigint(),
  bigAsNumber: c.bigint({ mode: 'number' }),
  amount: c.numeric(38, 10),
  anyNumeric: c.numeric(),
  ratio: c.real(),
  score: c.doublePrecision(),
  flag: c.boolean(),
  body: c.text(),
  code: c.varchar(4),
  ref: c.uuid(),
  at: c.timestamp(),
  atTz: c.timestamptz(),
  day: c.date(),
  data: c.jsonb(),
  ip: c.inet(),
  tags: c.textArray(),
  counts: c.integerArray(),
})

class OddEntity extends Entity.of(odd) {}
type OddProps = Parameters<typeof OddEntity.parse>[0]

let test: Awaited<ReturnType<typeof testDatabase>>
let db: Database<{ odd: typeof odd }>

beforeAll(async () => {
  test = await testDatabase('odd_data')
  db = await Database.connect({ url: test.url, tables: { odd }, max: 2 })
  await db.executeScript(generateDDL([odd]))
})

afterAll(async () => {
  await db?.close()
  await test?.drop()
})

const rows = () => db.manager(OddEntity)
const countRows = async () =>
  Number((await db.rawOne<{ n: bigint }>('SELECT count(*) AS n FROM odd_data'))!.n)

/** Inserts `props`, reads the row back by id; both entities must hold exactly `props`. */
async function roundTrip(props: Record<string, unknown>): Promise<OddEntity> {
  const inserted = await rows().insert(props as any)
  const found = await rows().findById(inserted.id)
  expect(found).not.toBeNull()
  for (const [key, value] of Object.entries(props)) {
    const got = (found as unknown as Record<string, unknown>)[key]
    expect(got, key).toStrictEqual(value)
    if (typeof value === 'number') expect(Object.is(got, value), `${key}: sign of zero`).toBe(true)
    expect((inserted as unknown as Record<string, unknown>)[key], `${key} (RETURNING)`).toEqual(
      value,
    )
  }
  return found!
}

/** The insert must throw EntityValidationError naming `path`, and nothing may reach the table. */
async function expectRefused(props: Record<string, unknown>, path: string) {
  const before = await countRows()
  const error = await rows()
    .insert(props as any)
    .catch((e: unknown) => e)
  expect(
    error,
    JSON.stringify(props, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
  ).toBeInstanceOf(EntityValidationError)
  expect((error as EntityValidationError).issues.map((i) => i.path)).toContain(path)
  expect(await countRows()).toBe(before)
  return error as EntityValidationError
}

describe('very large jsonb', () => {
  it('several MB of nested JSON round-trip exactly', async () => {
    // Some 4 MB in 70,000 elements: within the 100,000 the managers accept.
    const records = Array.from({ length: 3_000 }, (_, i) => ({
      id: i,
      name: `record ${i} – ünïcødé 😀 中文`,
      blob: `${i}:${'ü😀x'.repeat(250)}`,
      tags: ['', 'a', ' ', 'ü', '"quoted"', 'back\\slash'],
      ratio: i / 7,
      nested: { level: [i, -i - 1, { deeper: [null, true, false, {}, []] }] },
    }))
    // 92 levels: just inside the 100 the managers accept (deeper is refused before zod recurses).
    let chain: JsonValue = 'bottom'
    for (let depth = 0; depth < 45; depth++) chain = { depth, next: [chain] }
    const data: JsonValue = {
      records,
      chain,
      numbers: [
        0,
        -1,
        0.1,
        1e-7,
        5e-324,
        1.7976931348623157e308,
        -Number.MAX_SAFE_INTEGER,
        1e21,
        123456789.12345679,
      ],
      keys: { '': 1, ' ': 2, ключ: 3, '🔑': 4, 'a.b': 5, '"q"': 6, '\\': 7, '\u200B': 8 },
      text: 'x'.repeat(1_000_000),
    }
    expect(JSON.stringify(data).length).toBeGreaterThan(3_000_000)
    await roundTrip({ int: 1, data })
  })

  it('JSON scalars and empty containers stay what they were (not NULL)', async () => {
    for (const data of ['', 0, false, [], {}, [null], 'null', { '': '' }] as JsonValue[]) {
      await roundTrip({ data })
    }
  })

  it('refuses NUL and unpaired surrogates in jsonb strings and keys (PostgreSQL cannot store them)', async () => {
    await expectRefused({ data: { k: 'a\u0000b' } }, 'data')
    await expectRefused({ data: { 'a\u0000': 1 } }, 'data')
    await expectRefused({ data: ['ok', ['\uD800']] }, 'data')
    await expectRefused({ data: { '\uDC00x': 1 } }, 'data')
  })
})

// Every Unicode plane that holds characters, and the characters that trip up encoders.
const UNICODE: Record<string, string> = {
  ascii: 'plain ~!@#$%^&*()_+`-={}[]|\\:";\'<>?,./ NULL null {} "',
  latin: 'Ünïcödé façade naïve æøå ß',
  bmp: 'Ελληνικά Кириллица 中文 日本語 한국어 ไทย हिन्दी ⚙ ☃',
  emoji: '😀 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇺🇳',
  cjkExtB: '𠀀𠀁𪛖 𡃁 (CJK Extension B, plane 2)',
  astral: '𝕳𝖊𝖑𝖑𝖔 𐍈 𓀀 🀄 (plane 1)',
  privateUse: '\uE000\uF8FF \u{F0000}\u{FFFFD} \u{100000}\u{10FFFD}',
  combining: 'e\u0301 a\u0308\u0304 Z\u0351\u0323\u035A',
  rtl: 'שלום עולם مرحبا بالعالم \u202Eevil\u202C',
  zeroWidth: 'a\u200Bb\u200Cc\u200Dd\uFEFFe\u2060f',
  controls: '\u0001\u0007\b\t\n\v\f\r\u001B\u001F\u007F\u0085\u2028\u2029',
  noncharacters: '\uFFFE\uFFFF\u{1FFFE}\u{10FFFF}',
  surrogateEdges: '\uD7FF\uE000\u{10000}\u{FFFF}',
  whitespace: '  \u00A0\u3000 \t \r\n',
}

describe('unicode', () => {
  it('text, text[] and jsonb keep every plane, combining marks, RTL and zero-width characters', async () => {
    for (const [name, text] of Object.entries(UNICODE)) {
      await roundTrip({ body: text, tags: [text, name], data: { [text]: text, name } })
    }
    await roundTrip({
      body: Object.values(UNICODE).join(''),
      tags: Object.values(UNICODE),
      data: UNICODE,
    })
  })

  it('varchar(n) counts code points, as PostgreSQL does', async () => {
    const found = await roundTrip({ code: '😀𠀀\u{10FFFD}e' }) // 4 code points, 7 UTF-16 units
    const length = await db.rawOne<{ n: number }>(
      'SELECT char_length(code) AS n FROM odd_data WHERE id = @id',
      { id: found.id },
    )
    expect(length).toEqual({ n: 4 })
    await roundTrip({ code: 'e\u0301e\u0301' }) // two accents: 4 code points
    await expectRefused({ code: '😀😀😀😀😀' }, 'code')
  })

  it('refuses NUL and unpaired surrogates, which would be refused or silently replaced by U+FFFD', async () => {
    await expectRefused({ body: 'a\u0000b' }, 'body')
    await expectRefused({ tags: ['ok', '\u0000'] }, 'tags.1')
    await expectRefused({ body: 'lone high \uD800 surrogate' }, 'body')
    await expectRefused({ body: 'lone low \uDFFF surrogate' }, 'body')
    await expectRefused({ body: 'reversed pair \uDE00\uD83D' }, 'body')
    await expectRefused({ tags: ['\uD83D'] }, 'tags.0')
  })
})

describe('empty versus NULL', () => {
  it('\'\' , [] and JSON "" stay distinct from NULL after a round trip', async () => {
    const empty = await roundTrip({ body: '', code: '', tags: [], counts: [], data: '' })
    const blankElement = await roundTrip({ tags: [''] })
    const nulls = await roundTrip({
      body: null,
      code: null,
      tags: null,
      counts: null,
      data: null,
    })
    expect(empty.tags).not.toEqual(blankElement.tags)
    const check = await db.raw<{ id: bigint; body_null: boolean; tags_null: boolean }>(
      `SELECT id, body IS NULL AS body_null, tags IS NULL AS tags_null FROM odd_data
        WHERE id = ANY(@ids::int8[]) ORDER BY id`,
      { ids: [empty.id, nulls.id].map(String) },
    )
    expect(check).toEqual([
      { id: empty.id, body_null: false, tags_null: false },
      { id: nulls.id, body_null: true, tags_null: true },
    ])
  })
})

// Years 1 to 99 of a timestamptz: PostgreSQL sends '0001-01-01 00:00:00+00', which the driver
// reads with `new Date(text)`; V8 takes that non-ISO form for a two-digit year (0001 -> 2001,
// 0050 -> 1950). Reported; the fix belongs in src/driver/postgres-js-client.ts (read it with
// parseTimestamp, as `timestamp` already is). Kept apart so the rest stays green.
const EARLY_YEARS = [
  '0001-01-01T00:00:00.000Z',
  '0001-03-01T12:00:00.500Z',
  '0050-06-15T00:00:00.000Z',
  '0099-12-31T23:59:59.999Z',
]
const EDGE_INSTANTS = [
  '0100-01-01T00:00:00.000Z',
  '0999-12-31T23:59:59.999Z',
  '1582-10-15T00:00:00.000Z', // first Gregorian day: both sides use the proleptic Gregorian calendar
  '1900-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '2000-02-29T00:00:00.000Z',
  '2024-02-29T12:34:56.789Z',
  '9999-12-31T23:59:59.999Z',
]

describe('timestamps and dates at the edges', () => {
  it('timestamp (UTC wall clock) keeps years 1 to 9999 to the millisecond', async () => {
    for (const iso of [...EARLY_YEARS, ...EDGE_INSTANTS]) {
      await roundTrip({ at: new Date(iso) })
    }
  })

  it('timestamptz keeps years 100 to 9999 to the millisecond', async () => {
    for (const iso of EDGE_INSTANTS) await roundTrip({ atTz: new Date(iso) })
  })

  // Remove `.fails` once the driver reads timestamptz with parseTimestamp (see EARLY_YEARS).
  it('timestamptz keeps years 1 to 99', async () => {
    for (const iso of EARLY_YEARS) await roundTrip({ atTz: new Date(iso) })
  })

  it('ISO and PostgreSQL text with offsets are instants', async () => {
    // Typed as Date; the schema also takes the text forms a JSON request or a driver sends.
    const found = await rows().insert({
      atTz: '2024-02-29T23:30:00-05:00',
      at: '0001-01-01',
    } as any)
    const pgText = await rows().insert({ atTz: '1800-01-01 00:00:00+00:19:32' } as any)
    expect(pgText.atTz).toEqual(new Date('1799-12-31T23:40:28.000Z'))
    const read = await rows().findById(found.id)
    expect(read!.atTz).toEqual(new Date('2024-03-01T04:30:00.000Z'))
    expect(read!.at).toEqual(new Date('0001-01-01T00:00:00.000Z'))
  })

  it('date keeps 0001-01-01 to 9999-12-31, leap days and the years before 1970', async () => {
    for (const day of ['0001-01-01', '1582-10-04', '1900-02-28', '1969-12-31', '2000-02-29']) {
      await roundTrip({ day })
    }
    await roundTrip({ day: '9999-12-31' })
  })

  it('refuses instants outside years 1 to 9999, infinity and impossible dates', async () => {
    await expectRefused({ at: new Date(Date.UTC(10_000, 0, 1)) }, 'at')
    await expectRefused({ atTz: new Date(-62135596800001) }, 'atTz') // 1 ms before 0001-01-01
    await expectRefused({ atTz: new Date(8.64e15) }, 'atTz') // the last Date, year 275760
    await expectRefused({ at: new Date(-8.64e15) }, 'at') // the first, 271822 BC
    await expectRefused({ at: new Date(Number.NaN) }, 'at')
    await expectRefused({ at: 'infinity' }, 'at')
    await expectRefused({ atTz: '-infinity' }, 'atTz')
    await expectRefused({ day: '0000-01-01' }, 'day') // there is no year 0
    await expectRefused({ day: '2023-02-29' }, 'day')
    await expectRefused({ day: new Date(Date.UTC(10_000, 0, 1)) }, 'day')
  })
})

describe('numbers', () => {
  it('numeric(38, 10) keeps all 38 digits exactly', async () => {
    for (const amount of [
      '1234567890123456789012345678.1234567890',
      '9999999999999999999999999999.9999999999',
      '-9999999999999999999999999999.9999999999',
      '0.0000000001',
      '-0.0000000001',
      '0.0000000000',
      '9007199254740993.0000000001', // past 2^53, where a number would round
    ]) {
      await roundTrip({ amount })
    }
  })

  it('numeric(38, 10) is returned at its scale; digits past the scale are rounded, as SQL does', async () => {
    const padded = await rows().insert({ amount: '1.5' })
    expect(padded.amount).toBe('1.5000000000')
    const rounded = await rows().insert({ amount: '0.12345678905' })
    expect(rounded.amount).toBe('0.1234567891')
    await expectRefused({ amount: '12345678901234567890123456789.5' }, 'amount') // 29 integer digits
    await expectRefused({ amount: '1e5' }, 'amount')
    await expectRefused({ amount: 'NaN' }, 'amount')
  })

  it('an unconstrained numeric keeps any number of digits as written', async () => {
    for (const anyNumeric of [
      `${'9'.repeat(120)}.${'1'.repeat(60)}`,
      `-0.${'0'.repeat(100)}1`,
      '100.000',
      '0',
    ]) {
      await roundTrip({ anyNumeric })
    }
  })

  it('bigint keeps int8 exactly, past 2^53 and at its limits', async () => {
    for (const big of [2n ** 53n + 1n, -(2n ** 53n) - 1n, -(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]) {
      await roundTrip({ big })
    }
    await expectRefused({ big: 2n ** 63n }, 'big')
    await expectRefused({ big: -(2n ** 63n) - 1n }, 'big')
  })

  it('bigint { mode: number } keeps the safe integers and refuses what a number cannot hold', async () => {
    for (const bigAsNumber of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0]) {
      await roundTrip({ bigAsNumber })
    }
    await expectRefused({ bigAsNumber: 2 ** 53 }, 'bigAsNumber')
    await expectRefused({ bigAsNumber: '9007199254740993' }, 'bigAsNumber')
  })

  it('bigserial ids past 2^53 are found by id', async () => {
    await db.raw("SELECT setval('odd_data_id_seq', 9223372036854775000)")
    const found = await roundTrip({ int: 7 })
    expect(found.id).toBeGreaterThan(2n ** 53n)
    expect(found.id).toBe(9223372036854775001n)
  })

  it('smallint and integer at their limits; out of range refused', async () => {
    for (const [small, int] of [
      [-32768, -2147483648],
      [32767, 2147483647],
      [0, -0 + 0],
    ]) {
      await roundTrip({ small, int })
    }
    await roundTrip({ counts: [-2147483648, 2147483647, 0, -1] })
    await expectRefused({ small: 32768 }, 'small')
    await expectRefused({ int: -2147483649 }, 'int')
    await expectRefused({ int: 1.5 }, 'int')
    await expectRefused({ counts: [2147483648] }, 'counts.0')
  })

  it('double precision keeps every double, the subnormals included', async () => {
    for (const score of [
      0.1,
      0.30000000000000004,
      Math.PI,
      0,
      5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      -1.7976931348623157e308,
    ]) {
      await roundTrip({ score })
    }
    await expectRefused({ score: Number.POSITIVE_INFINITY }, 'score')
    await expectRefused({ score: Number.NaN }, 'score')
  })

  it('real keeps what a float4 holds (about 7 digits) and refuses what it cannot', async () => {
    for (const ratio of [0.1, -1.5, 3.4028235e38, 1e-45, 16777216, 0]) {
      await roundTrip({ ratio })
    }
    // As in PostgreSQL, more digits than a float4 has are rounded.
    expect((await rows().insert({ ratio: 16777217 })).ratio).toBe(16777216)
    await expectRefused({ ratio: 1e39 }, 'ratio')
    await expectRefused({ ratio: -1e39 }, 'ratio')
    await expectRefused({ ratio: 1e-50 }, 'ratio')
  })

  // postgres.js sends a number parameter as `'' + x`, and String(-0) is '0': the sign is lost on
  // the way in (PostgreSQL stores and prints -0, and the driver reads '-0' back as -0). Reported;
  // the fix belongs in the driver's float4/float8 serializer (batchInsert already sends '-0').
  it('-0 in double precision and real', async () => {
    await roundTrip({ score: -0 })
    await roundTrip({ ratio: -0 })
  })
})

describe('uuid, inet, boolean', () => {
  it('keep their canonical forms; other spellings come back canonical', async () => {
    for (const ref of [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '0190a2b4-7c3d-7e8f-9a0b-1c2d3e4f5a6b',
    ]) {
      await roundTrip({ ref })
    }
    for (const ip of ['0.0.0.0', '255.255.255.255', '::', '::1', '2001:db8::1', '10.0.0.0/8']) {
      await roundTrip({ ip })
    }
    for (const flag of [true, false]) await roundTrip({ flag })
    // PostgreSQL's canonical forms: lower-case uuids, a host address without /32.
    const upper = await rows().insert({ ref: 'FFFFFFFF-0000-4000-8000-ABCDEFABCDEF' })
    expect(upper.ref).toBe('ffffffff-0000-4000-8000-abcdefabcdef')
    const host = await rows().insert({ ip: '10.0.0.1/32' })
    expect(host.ip).toBe('10.0.0.1')
  })
})

describe('a row of every kind at once', () => {
  it('round-trips through insert and findById, and through fromMap of the raw row', async () => {
    const props: OddProps = {
      small: -32768,
      int: 2147483647,
      big: -(2n ** 63n),
      bigAsNumber: Number.MAX_SAFE_INTEGER,
      amount: '-0.0000000001',
      anyNumeric: '3.14159265358979323846264338327950288419716939937510',
      ratio: 0.5,
      score: 5e-324,
      flag: true,
      body: UNICODE.emoji!,
      code: '𠀀𠀁',
      ref: '00000000-0000-0000-0000-000000000000',
      at: new Date('0001-01-01T00:00:00.000Z'),
      atTz: new Date('9999-12-31T23:59:59.999Z'),
      day: '2024-02-29',
      data: { deep: [[[{ '': '' }]]] },
      ip: '::1',
      tags: ['', 'NULL', '{"a",b}', '\\'],
      counts: [],
    }
    const found = await roundTrip(props as Record<string, unknown>)
    const raw = await db.rawOne('SELECT * FROM odd_data WHERE id = @id', { id: found.id })
    expect(OddEntity.fromMap(raw!).toMap()).toStrictEqual(found.toMap())
  })
})
