import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  type AnyColumnBuilder,
  type Column,
  ColumnBuilder,
  c,
  column,
  defineTable,
} from '../../src/index'
import { columnSchema, columnValueSchema } from '../../src/schema/column-types'
import { functions, users } from '../fixtures/tables'

/** The column `builder` becomes in a one-column table, under property `property`. */
function resolve(builder: AnyColumnBuilder, property = 'value'): Column {
  const table = defineTable('t', { [property]: builder })
  return table.$meta.columns[0]!
}

/** The output of the non-null value schema of `builder` for `input`. */
function accept(builder: AnyColumnBuilder, input: unknown): unknown {
  const result = columnValueSchema(builder.config).safeParse(input)
  if (!result.success) throw new Error(`rejected: ${result.error.message}`)
  return result.data
}

/** True when the non-null value schema of `builder` refuses `input`. */
function rejects(builder: AnyColumnBuilder, input: unknown): boolean {
  return !columnValueSchema(builder.config).safeParse(input).success
}

/** The messages zod gives for `input`. */
function messages(builder: AnyColumnBuilder, input: unknown): string[] {
  const result = columnValueSchema(builder.config).safeParse(input)
  return result.success ? [] : result.error.issues.map((i) => i.message)
}

describe('column factory', () => {
  it('is exported as both `column` and `c`, and is frozen', () => {
    expect(c).toBe(column)
    expect(Object.isFrozen(column)).toBe(true)
  })

  it('returns ColumnBuilder instances', () => {
    expect(c.text()).toBeInstanceOf(ColumnBuilder)
    expect(c.jsonb()).toBeInstanceOf(ColumnBuilder)
  })
})

describe('resolved column per kind', () => {
  it.each([
    ['serial', c.serial(), 'serial', true, true, true],
    ['bigserial', c.bigserial(), 'bigserial', true, true, true],
    ['integer', c.integer(), 'integer', false, false, false],
    ['bigint', c.bigint(), 'bigint', false, false, false],
    ['smallint', c.smallint(), 'smallint', false, false, false],
    ['numeric(10,2)', c.numeric(10, 2), 'numeric(10,2)', false, false, false],
    ['numeric(5)', c.numeric(5), 'numeric(5)', false, false, false],
    ['numeric', c.numeric(), 'numeric', false, false, false],
    ['real', c.real(), 'real', false, false, false],
    ['doublePrecision', c.doublePrecision(), 'double precision', false, false, false],
    ['boolean', c.boolean(), 'boolean', false, false, false],
    ['text', c.text(), 'text', false, false, false],
    ['varchar(255)', c.varchar(255), 'varchar(255)', false, false, false],
    ['uuid', c.uuid(), 'uuid', false, false, false],
    ['timestamp', c.timestamp(), 'timestamp', false, false, false],
    ['timestamptz', c.timestamptz(), 'timestamptz', false, false, false],
    ['date', c.date(), 'date', false, false, false],
    ['jsonb', c.jsonb(), 'jsonb', false, false, false],
    ['jsonb(schema)', c.jsonb(z.object({ a: z.number() })), 'jsonb', false, false, false],
    ['inet', c.inet(), 'inet', false, false, false],
    ['textArray', c.textArray(), 'text[]', false, false, false],
    ['integerArray', c.integerArray(), 'integer[]', false, false, false],
  ] as const)('%s', (_label, builder, sqlType, notNull, hasDefault, internal) => {
    const col = resolve(builder, 'someValue')
    expect(col.sqlType).toBe(sqlType)
    expect(col.name).toBe('some_value')
    expect(col.property).toBe('someValue')
    expect(col.table).toBe('t')
    expect(col.kind).toBe(builder.config.kind)
    expect(col.notNull).toBe(notNull)
    expect(col.hasDefault).toBe(hasDefault)
    expect(col.internal).toBe(internal)
    expect(col.secret).toBe(false)
    expect(col.primaryKey).toBe(false)
    expect(col.unique).toBe(false)
    expect(col.onUpdateNow).toBe(false)
    expect(col.config).toBe(builder.config)
  })

  it('records the modes of bigint, bigserial and numeric', () => {
    expect(c.bigint().config.mode).toBe('bigint')
    expect(c.bigint({ mode: 'number' }).config.mode).toBe('number')
    expect(c.bigserial().config.mode).toBe('bigint')
    expect(c.bigserial({ mode: 'number' }).config.mode).toBe('number')
    expect(c.numeric(10, 2).config.mode).toBe('string')
    expect(c.numeric(10, 2, { mode: 'number' }).config.mode).toBe('number')
    expect(c.integer().config.mode).toBeUndefined()
  })

  it('records varchar length and numeric precision and scale', () => {
    expect(c.varchar(42).config.length).toBe(42)
    expect(c.numeric(12, 4).config).toMatchObject({ precision: 12, scale: 4 })
    expect(c.numeric().config).toMatchObject({ precision: undefined, scale: undefined })
  })

  it('keeps the jsonb zod schema on the config', () => {
    const schema = z.object({ a: z.number() })
    expect(c.jsonb(schema).config.jsonSchema).toBe(schema)
    expect(c.jsonb().config.jsonSchema).toBeUndefined()
  })

  it('resolves a fixture column by property on the table', () => {
    expect(users.passwordHash.name).toBe('password_hash')
    expect(users.passwordHash.sqlType).toBe('varchar(255)')
    expect(users.passwordHash.secret).toBe(true)
    expect(users.id.primaryKey).toBe(true)
    expect(users.uuid.unique).toBe(true)
  })
})

describe('modifiers', () => {
  it('primaryKey() sets primaryKey and NOT NULL', () => {
    const col = resolve(c.integer().primaryKey())
    expect(col.primaryKey).toBe(true)
    expect(col.notNull).toBe(true)
  })

  it('notNull() and nullable() toggle NOT NULL', () => {
    expect(resolve(c.text().notNull()).notNull).toBe(true)
    expect(resolve(c.text().notNull().nullable()).notNull).toBe(false)
    expect(resolve(c.text()).notNull).toBe(false)
  })

  it('unique() marks the column unique', () => {
    expect(resolve(c.text().unique()).unique).toBe(true)
  })

  it('default() stores a literal default and sets hasDefault', () => {
    const col = resolve(c.varchar(50).default('active'))
    expect(col.hasDefault).toBe(true)
    expect(col.config.defaultValue).toEqual({ kind: 'value', value: 'active' })
  })

  it('default(false) on a boolean is a value default, not a missing one', () => {
    const col = resolve(c.boolean().notNull().default(false))
    expect(col.hasDefault).toBe(true)
    expect(col.config.defaultValue).toEqual({ kind: 'value', value: false })
  })

  it('defaultSql() stores an SQL expression default', () => {
    const col = resolve(c.integer().defaultSql('0'))
    expect(col.hasDefault).toBe(true)
    expect(col.config.defaultValue).toEqual({ kind: 'sql', sql: '0' })
  })

  it.each([
    ['timestamp', c.timestamp().defaultNow(), 'CURRENT_TIMESTAMP'],
    ['timestamptz', c.timestamptz().defaultNow(), 'CURRENT_TIMESTAMP'],
    ['date', c.date().defaultNow(), 'CURRENT_DATE'],
  ] as const)('defaultNow() on %s is %s', (_kind, builder, sql) => {
    const col = resolve(builder)
    expect(col.hasDefault).toBe(true)
    expect(col.config.defaultValue).toEqual({ kind: 'sql', sql })
  })

  it('defaultRandom() on a uuid is gen_random_uuid()', () => {
    const col = resolve(c.uuid().notNull().defaultRandom())
    expect(col.hasDefault).toBe(true)
    expect(col.config.defaultValue).toEqual({ kind: 'sql', sql: 'gen_random_uuid()' })
  })

  it.each([
    ['integer', c.integer()],
    ['bigint', c.bigint()],
    ['smallint', c.smallint()],
  ] as const)('references() makes an %s foreign key internal', (_kind, builder) => {
    const col = resolve(builder.references(() => users.id))
    expect(col.internal).toBe(true)
  })

  it('references() leaves a uuid foreign key public', () => {
    const col = resolve(c.uuid().references(() => users.uuid))
    expect(col.internal).toBe(false)
    expect(col.config.references?.column()).toBe(users.uuid)
  })

  it('references() keeps an explicit internal() on a uuid foreign key', () => {
    expect(
      resolve(
        c
          .uuid()
          .internal()
          .references(() => users.uuid),
      ).internal,
    ).toBe(true)
  })

  it('references() stores onDelete and onUpdate; both default to undefined', () => {
    const withActions = c
      .integer()
      .references(() => users.id, { onDelete: 'cascade', onUpdate: 'restrict' })
    expect(withActions.config.references?.onDelete).toBe('cascade')
    expect(withActions.config.references?.onUpdate).toBe('restrict')
    const plain = c.integer().references(() => users.id)
    expect(plain.config.references?.onDelete).toBeUndefined()
    expect(plain.config.references?.onUpdate).toBeUndefined()
  })

  it('references() keeps the target as a thunk that resolves to the target column', () => {
    let calls = 0
    const builder = c.integer().references(() => {
      calls += 1
      return users.id
    })
    expect(calls).toBe(0)
    const target = builder.config.references!.column()
    expect(calls).toBe(1)
    expect(target).toMatchObject({ table: 'users', name: 'id', property: 'id', kind: 'serial' })
  })

  it('a fixture foreign key resolves to users.id with ON DELETE cascade', () => {
    const ref = functions.userId.config.references!
    expect(ref.column()).toBe(users.id)
    expect(ref.onDelete).toBe('cascade')
    expect(functions.userId.internal).toBe(true)
  })

  it('secret() marks the column secret', () => {
    const col = resolve(c.varchar(255).notNull().secret())
    expect(col.secret).toBe(true)
    expect(col.internal).toBe(false)
  })

  it('internal() marks the column internal', () => {
    const col = resolve(c.integer().internal())
    expect(col.internal).toBe(true)
    expect(col.secret).toBe(false)
  })

  it("name('col') overrides the snake_case name", () => {
    const col = resolve(c.timestamp().name('ts'), 'timestamp')
    expect(col.name).toBe('ts')
    expect(col.property).toBe('timestamp')
    expect(resolve(c.text().name('Mixed_Case1'), 'mixed').name).toBe('Mixed_Case1')
  })

  it('onUpdateNow() is recorded on timestamp and timestamptz columns', () => {
    expect(resolve(c.timestamp().onUpdateNow()).onUpdateNow).toBe(true)
    expect(resolve(c.timestamptz().onUpdateNow()).onUpdateNow).toBe(true)
    expect(users.updatedAt.onUpdateNow).toBe(true)
    expect(users.createdAt.onUpdateNow).toBe(false)
  })

  it('enum() stores a frozen copy of the values', () => {
    const values = ['developer', 'team'] as const
    const builder = c.varchar(50).enum(values)
    expect(builder.config.enumValues).toEqual(['developer', 'team'])
    expect(builder.config.enumValues).not.toBe(values)
    expect(Object.isFrozen(builder.config.enumValues)).toBe(true)
    expect(c.text().enum(['a']).config.enumValues).toEqual(['a'])
  })

  it('$type() changes nothing at run time', () => {
    const builder = c.jsonb()
    const typed = builder.$type<{ a: number }>()
    expect(typed).not.toBe(builder)
    expect(typed.config).toEqual(builder.config)
  })
})

describe('builder immutability', () => {
  it('every modifier returns a new builder and leaves the original unchanged', () => {
    const base = c.varchar(20)
    const before = { ...base.config }
    const derived = [
      base.notNull(),
      base.nullable(),
      base.primaryKey(),
      base.unique(),
      base.default('x'),
      base.defaultSql("'x'"),
      base.references(() => users.uuid),
      base.secret(),
      base.internal(),
      base.name('other'),
      base.enum(['a', 'b']),
      base.$type<string>(),
    ]
    for (const builder of derived) {
      expect(builder).toBeInstanceOf(ColumnBuilder)
      expect(builder).not.toBe(base)
    }
    expect(base.config).toEqual(before)
    expect(base.config.notNull).toBe(false)
    expect(base.config.hasDefault).toBe(false)
  })

  it('time-only modifiers also return new builders', () => {
    const base = c.timestamp()
    expect(base.defaultNow()).not.toBe(base)
    expect(base.onUpdateNow()).not.toBe(base)
    expect(base.config.hasDefault).toBe(false)
    expect(base.config.onUpdateNow).toBe(false)
    const id = c.uuid()
    expect(id.defaultRandom()).not.toBe(id)
    expect(id.config.defaultValue).toBeUndefined()
  })

  it('configs are frozen and cannot be written', () => {
    const builder = c.text().notNull()
    expect(Object.isFrozen(builder.config)).toBe(true)
    expect(() => {
      ;(builder.config as { notNull: boolean }).notNull = false
    }).toThrow(TypeError)
    expect(builder.config.notNull).toBe(true)
  })

  it('a builder can be shared by two tables', () => {
    const email = c.varchar(255).notNull()
    const a = defineTable('a', { email })
    const b = defineTable('b', { contactEmail: email })
    expect(a.email.table).toBe('a')
    expect(a.email.name).toBe('email')
    expect(b.contactEmail.table).toBe('b')
    expect(b.contactEmail.name).toBe('contact_email')
    expect(a.email.config).toBe(b.contactEmail.config)
  })
})

describe('value schemas: integers', () => {
  it.each([
    ['integer', c.integer()],
    ['serial', c.serial()],
  ] as const)('%s accepts the int4 range', (_kind, builder) => {
    expect(accept(builder, 0)).toBe(0)
    expect(accept(builder, -2147483648)).toBe(-2147483648)
    expect(accept(builder, 2147483647)).toBe(2147483647)
  })

  it.each([
    ['integer', c.integer()],
    ['serial', c.serial()],
  ] as const)('%s rejects outside int4, fractions and strings', (_kind, builder) => {
    expect(rejects(builder, 2147483648)).toBe(true)
    expect(rejects(builder, -2147483649)).toBe(true)
    expect(rejects(builder, 1.5)).toBe(true)
    expect(rejects(builder, '1')).toBe(true)
    expect(rejects(builder, Number.NaN)).toBe(true)
    expect(rejects(builder, 1n)).toBe(true)
  })

  it('smallint accepts the int2 range and rejects beyond it', () => {
    const b = c.smallint()
    expect(accept(b, -32768)).toBe(-32768)
    expect(accept(b, 32767)).toBe(32767)
    expect(rejects(b, 32768)).toBe(true)
    expect(rejects(b, -32769)).toBe(true)
    expect(rejects(b, 2.5)).toBe(true)
  })

  it.each([
    ['bigint', c.bigint()],
    ['bigserial', c.bigserial()],
  ] as const)('%s turns strings, numbers and bigints into bigint', (_kind, builder) => {
    expect(accept(builder, '42')).toBe(42n)
    expect(accept(builder, '-42')).toBe(-42n)
    expect(accept(builder, 42)).toBe(42n)
    expect(accept(builder, 42n)).toBe(42n)
    expect(accept(builder, '9223372036854775807')).toBe(9223372036854775807n)
    expect(accept(builder, '-9223372036854775808')).toBe(-9223372036854775808n)
  })

  it('bigint rejects values beyond int8 and non-integers', () => {
    const b = c.bigint()
    expect(rejects(b, '9223372036854775808')).toBe(true)
    expect(rejects(b, '-9223372036854775809')).toBe(true)
    expect(rejects(b, 2n ** 63n)).toBe(true)
    expect(rejects(b, 1.5)).toBe(true)
    expect(rejects(b, '1.5')).toBe(true)
    expect(rejects(b, '')).toBe(true)
    expect(rejects(b, '12abc')).toBe(true)
    expect(rejects(b, '+1')).toBe(true)
    expect(rejects(b, true)).toBe(true)
  })

  it('bigint refuses a number past 2^53, which is already imprecise', () => {
    expect(rejects(c.bigint(), 2 ** 60)).toBe(true)
  })

  it('bigint mode number gives numbers and refuses values past 2^53', () => {
    const b = c.bigint({ mode: 'number' })
    expect(accept(b, 7)).toBe(7)
    expect(accept(b, '7')).toBe(7)
    expect(accept(b, 7n)).toBe(7)
    expect(accept(b, '9007199254740991')).toBe(9007199254740991)
    expect(accept(b, -9007199254740991n)).toBe(-9007199254740991)
    expect(rejects(b, '9007199254740992')).toBe(true)
    expect(rejects(b, 9007199254740993n)).toBe(true)
    expect(rejects(b, 2 ** 53)).toBe(true)
    expect(messages(b, 2n ** 60n).join(' ')).toContain('mode: "bigint"')
  })

  it('bigserial mode number gives numbers', () => {
    expect(accept(c.bigserial({ mode: 'number' }), '12')).toBe(12)
  })
})

describe('value schemas: numeric and floats', () => {
  it('numeric in string mode keeps an exact decimal string', () => {
    const b = c.numeric(10, 2)
    expect(accept(b, '12345678.99')).toBe('12345678.99')
    expect(accept(b, '-0.5')).toBe('-0.5')
    expect(accept(b, '.5')).toBe('.5')
    expect(accept(b, 12.5)).toBe('12.5')
    expect(accept(b, '00012345678.5')).toBe('00012345678.5')
  })

  it('numeric rejects more integer digits than precision - scale allows', () => {
    const b = c.numeric(10, 2)
    expect(rejects(b, '123456789.99')).toBe(true)
    expect(rejects(b, '-123456789')).toBe(true)
    expect(rejects(b, 123456789)).toBe(true)
    expect(messages(b, '123456789')).toEqual(['more integer digits than numeric(10, 2) allows'])
  })

  it('numeric refuses a huge number whose string form uses an exponent', () => {
    const b = c.numeric(10, 2)
    expect(rejects(b, 1e21)).toBe(true)
    expect(rejects(b, -1e25)).toBe(true)
    expect(accept(b, 1e-7)).toBe('1e-7')
    expect(accept(c.numeric(), 1e21)).toBe('1e+21')
  })

  it('numeric(p) without scale allows p integer digits', () => {
    const b = c.numeric(3)
    expect(accept(b, '999')).toBe('999')
    expect(rejects(b, '1000')).toBe(true)
  })

  it('numeric without precision accepts any decimal', () => {
    expect(accept(c.numeric(), '123456789012345678901234567890.123')).toBe(
      '123456789012345678901234567890.123',
    )
  })

  it('numeric rejects non-decimals', () => {
    const b = c.numeric(10, 2)
    for (const bad of [
      'abc',
      '1e5',
      '',
      '1.2.3',
      'NaN',
      Number.NaN,
      Number.POSITIVE_INFINITY,
      true,
    ]) {
      expect(rejects(b, bad)).toBe(true)
    }
  })

  it('numeric in number mode gives numbers', () => {
    const b = c.numeric(10, 2, { mode: 'number' })
    expect(accept(b, '1.5')).toBe(1.5)
    expect(accept(b, 2.25)).toBe(2.25)
    expect(rejects(b, '123456789')).toBe(true)
  })

  it.each([
    ['real', c.real()],
    ['doublePrecision', c.doublePrecision()],
  ] as const)('%s accepts finite numbers only', (_kind, builder) => {
    expect(accept(builder, 1.25)).toBe(1.25)
    expect(accept(builder, -0.5)).toBe(-0.5)
    expect(rejects(builder, '1.25')).toBe(true)
    expect(rejects(builder, Number.NaN)).toBe(true)
    expect(rejects(builder, Number.POSITIVE_INFINITY)).toBe(true)
  })
})

describe('value schemas: boolean, text, varchar, uuid', () => {
  it('boolean accepts booleans only', () => {
    expect(accept(c.boolean(), true)).toBe(true)
    expect(accept(c.boolean(), false)).toBe(false)
    expect(rejects(c.boolean(), 'true')).toBe(true)
    expect(rejects(c.boolean(), 1)).toBe(true)
  })

  it('text accepts strings, including empty and unicode', () => {
    expect(accept(c.text(), '')).toBe('')
    expect(accept(c.text(), 'héllo 😀')).toBe('héllo 😀')
    expect(rejects(c.text(), 1)).toBe(true)
  })

  it('text refuses a NUL byte', () => {
    expect(rejects(c.text(), 'a\u0000b')).toBe(true)
    expect(messages(c.text(), '\u0000')).toEqual(['text cannot contain a NUL (\\u0000) character'])
    expect(rejects(c.varchar(10), 'a\u0000')).toBe(true)
  })

  it('varchar(n) allows n characters and refuses n + 1', () => {
    const b = c.varchar(3)
    expect(accept(b, 'abc')).toBe('abc')
    expect(rejects(b, 'abcd')).toBe(true)
    expect(messages(b, 'abcd')).toEqual(['at most 3 characters'])
  })

  it('varchar(n) counts code points, not UTF-16 units', () => {
    const b = c.varchar(3)
    expect('😀😀😀'.length).toBe(6)
    expect(accept(b, '😀😀😀')).toBe('😀😀😀')
    expect(rejects(b, '😀😀😀😀')).toBe(true)
    expect(accept(c.varchar(1), '😀')).toBe('😀')
  })

  it('uuid accepts canonical uuids in either case', () => {
    const id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
    expect(accept(c.uuid(), id)).toBe(id)
    expect(accept(c.uuid(), id.toUpperCase())).toBe(id.toUpperCase())
  })

  it('uuid refuses other strings', () => {
    for (const bad of [
      'not-a-uuid',
      'a0eebc999c0b4ef8bb6d6bb9bd380a11',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1',
      'g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
      '',
      42,
    ]) {
      expect(rejects(c.uuid(), bad)).toBe(true)
    }
    expect(messages(c.uuid(), 'x')).toEqual(['invalid uuid'])
  })
})

describe('value schemas: time', () => {
  it.each([
    ['timestamp', c.timestamp()],
    ['timestamptz', c.timestamptz()],
  ] as const)('%s keeps a Date', (_kind, builder) => {
    const d = new Date('2024-05-06T07:08:09.010Z')
    expect(accept(builder, d)).toEqual(d)
  })

  it.each([
    ['2024-05-06T07:08:09Z', '2024-05-06T07:08:09.000Z'],
    ['2024-05-06T07:08:09.123Z', '2024-05-06T07:08:09.123Z'],
    ['2024-05-06T07:08:09+02:00', '2024-05-06T05:08:09.000Z'],
    ['2024-05-06T07:08:09-05:30', '2024-05-06T12:38:09.000Z'],
    ['2024-05-06T07:08:09', '2024-05-06T07:08:09.000Z'],
    ['2024-05-06T07:08:09.5', '2024-05-06T07:08:09.500Z'],
    ['2024-05-06', '2024-05-06T00:00:00.000Z'],
  ])('timestamp parses %s as %s (no offset means UTC)', (input, iso) => {
    const out = accept(c.timestamp(), input)
    expect(out).toBeInstanceOf(Date)
    expect((out as Date).toISOString()).toBe(iso)
  })

  it('timestamptz parses ISO strings with an offset', () => {
    const out = accept(c.timestamptz(), '2024-01-01T00:00:00+01:00') as Date
    expect(out.toISOString()).toBe('2023-12-31T23:00:00.000Z')
  })

  it.each([
    'not a date',
    '2024-13-01T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-01-01T25:00:00Z',
    '',
    1714979289000,
  ])('timestamp refuses %s', (input) => {
    expect(rejects(c.timestamp(), input)).toBe(true)
  })

  it('timestamp refuses an invalid Date', () => {
    expect(rejects(c.timestamp(), new Date('nope'))).toBe(true)
    expect(rejects(c.timestamptz(), new Date(Number.NaN))).toBe(true)
  })

  it('date keeps a YYYY-MM-DD string', () => {
    expect(accept(c.date(), '2024-02-29')).toBe('2024-02-29')
    expect(accept(c.date(), '1999-12-31')).toBe('1999-12-31')
  })

  it('date turns a Date into its UTC day', () => {
    expect(accept(c.date(), new Date('2024-05-06T23:59:59Z'))).toBe('2024-05-06')
    expect(accept(c.date(), new Date('2024-05-06T00:00:00Z'))).toBe('2024-05-06')
  })

  it.each([
    '2024-13-01',
    '2024-00-10',
    '2023-02-29',
    '2024-04-31',
    '2024-1-1',
    '2024-05-06T00:00:00Z',
    '06/05/2024',
    '',
  ])('date refuses %s', (input) => {
    expect(rejects(c.date(), input)).toBe(true)
  })

  it('date refuses an invalid Date with a validation issue, not an exception', () => {
    const result = columnValueSchema(c.date().config).safeParse(new Date('nope'))
    expect(result.success).toBe(false)
  })
})

describe('value schemas: jsonb, inet, arrays, enums', () => {
  it('jsonb without schema accepts any JSON value', () => {
    const b = c.jsonb()
    expect(accept(b, { a: [1, 'x', null, true, { b: 2 }] })).toEqual({
      a: [1, 'x', null, true, { b: 2 }],
    })
    expect(accept(b, [1, 2])).toEqual([1, 2])
    expect(accept(b, 'text')).toBe('text')
    expect(accept(b, 3.5)).toBe(3.5)
    expect(accept(b, false)).toBe(false)
  })

  it('jsonb without schema refuses values JSON cannot hold', () => {
    const b = c.jsonb()
    expect(rejects(b, undefined)).toBe(true)
    expect(rejects(b, 1n)).toBe(true)
    expect(rejects(b, () => 1)).toBe(true)
    expect(rejects(b, new Date())).toBe(true)
    expect(rejects(b, { a: Number.NaN })).toBe(true)
  })

  it('jsonb with a schema validates and transforms with it', () => {
    const b = c.jsonb(
      z.object({ score: z.number(), tags: z.array(z.string()).default([]) }).strict(),
    )
    expect(accept(b, { score: 1 })).toEqual({ score: 1, tags: [] })
    expect(rejects(b, { score: 'high' })).toBe(true)
    expect(rejects(b, { score: 1, extra: true })).toBe(true)
    expect(rejects(b, [1])).toBe(true)
  })

  it.each([
    '192.168.0.1',
    '0.0.0.0',
    '10.0.0.0/8',
    '::1',
    '2001:db8::ff00:42:8329',
    '2001:db8::/32',
    '::ffff:1.2.3.4',
  ])('inet accepts %s', (ip) => {
    expect(accept(c.inet(), ip)).toBe(ip)
  })

  it.each(['256.1.1.1', '1.2.3', '10.0.0.0/33', 'localhost', '2001:db8::/129', '', 1])(
    'inet refuses %s',
    (ip) => {
      expect(rejects(c.inet(), ip)).toBe(true)
    },
  )

  it('textArray accepts string arrays and refuses other elements or NUL', () => {
    const b = c.textArray()
    expect(accept(b, ['a', '', 'é'])).toEqual(['a', '', 'é'])
    expect(accept(b, [])).toEqual([])
    expect(rejects(b, ['a', 1])).toBe(true)
    expect(rejects(b, ['a', null])).toBe(true)
    expect(rejects(b, ['a\u0000'])).toBe(true)
    expect(rejects(b, 'a')).toBe(true)
  })

  it('integerArray accepts int4 arrays only', () => {
    const b = c.integerArray()
    expect(accept(b, [1, -2, 2147483647])).toEqual([1, -2, 2147483647])
    expect(accept(b, [])).toEqual([])
    expect(rejects(b, [1.5])).toBe(true)
    expect(rejects(b, [2147483648])).toBe(true)
    expect(rejects(b, ['1'])).toBe(true)
  })

  it('enum accepts only the listed values', () => {
    const b = c.varchar(50).enum(['developer', 'team'])
    expect(accept(b, 'developer')).toBe('developer')
    expect(accept(b, 'team')).toBe('team')
    expect(rejects(b, 'admin')).toBe(true)
    expect(rejects(b, 'Developer')).toBe(true)
    expect(rejects(b, '')).toBe(true)
  })

  it('enum on text works the same way', () => {
    const b = c.text().enum(['on', 'off'])
    expect(accept(b, 'on')).toBe('on')
    expect(rejects(b, 'maybe')).toBe(true)
  })
})

describe('columnSchema nullability', () => {
  it('a nullable column accepts null', () => {
    expect(columnSchema(c.text().config).parse(null)).toBeNull()
    expect(resolve(c.integer()).schema.parse(null)).toBeNull()
  })

  it('a NOT NULL column refuses null', () => {
    expect(columnSchema(c.text().notNull().config).safeParse(null).success).toBe(false)
    expect(resolve(c.serial()).schema.safeParse(null).success).toBe(false)
  })

  it('no column accepts undefined', () => {
    expect(columnSchema(c.text().config).safeParse(undefined).success).toBe(false)
  })

  it('the resolved schema normalises like the value schema', () => {
    expect(resolve(c.bigint()).schema.parse('5')).toBe(5n)
    expect(resolve(c.date()).schema.parse(new Date('2024-01-02T00:00:00Z'))).toBe('2024-01-02')
  })
})
