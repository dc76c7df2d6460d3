import { describe, expect, it } from 'vitest'
import type { SchemaCatalog } from '../../src/drift/catalog'
import { planSchemaDiff } from '../../src/drift/diff-schema'
import { expectedDefault } from '../../src/drift/expected-default'
import type { SchemaValidationResult } from '../../src/drift/schema-issue'
import { formatSchemaReport } from '../../src/drift/schema-report'
import { normalizeExpression, normalizeType, sameDefault } from '../../src/drift/sql-normalization'
import { checkCatalog } from '../../src/drift/validate-schema'
import { c, defineTable, InvalidDefinitionError } from '../../src/index'
import { functions, users } from '../fixtures/tables'

const drifted: SchemaValidationResult = {
  ok: false,
  issues: [
    {
      table: 'users',
      column: 'email',
      kind: 'length',
      expected: 'character varying(255)',
      actual: 'character varying(100)',
      message: 'column "email" length differs',
    },
    {
      table: 'users',
      column: 'nickname',
      kind: 'extra_column',
      expected: null,
      actual: 'text',
      message: 'column "nickname" is not in the definition',
    },
    {
      table: 'functions',
      column: 'user_id',
      kind: 'foreign_key',
      expected: 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
      actual: null,
      message: 'foreign key on (user_id) is missing',
    },
  ],
}

describe('formatSchemaReport', () => {
  it('says so when there is no issue', () => {
    expect(formatSchemaReport({ ok: true, issues: [] })).toBe(
      'Schema matches the definitions: no issues.\n',
    )
  })

  it('groups issues by table, with + expected and - actual', () => {
    expect(formatSchemaReport(drifted)).toBe(
      [
        'Schema drift: 3 issues in 2 tables',
        '',
        'users',
        '  [length] column "email" length differs',
        '    + character varying(255)',
        '    - character varying(100)',
        '  [extra_column] column "nickname" is not in the definition',
        '    - text',
        '',
        'functions',
        '  [foreign_key] foreign key on (user_id) is missing',
        '    + FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
        '',
      ].join('\n'),
    )
  })

  it('counts in the singular for one issue', () => {
    const one = { ok: false, issues: drifted.issues.slice(2) }
    expect(formatSchemaReport(one).split('\n')[0]).toBe('Schema drift: 1 issue in 1 table')
  })

  it('colours for a terminal only when asked', () => {
    expect(formatSchemaReport(drifted)).not.toContain('\u001b[')
    const coloured = formatSchemaReport(drifted, { color: true })
    expect(coloured.split('\n').slice(0, 6)).toEqual([
      '\u001b[31mSchema drift: 3 issues in 2 tables\u001b[0m',
      '',
      '\u001b[1musers\u001b[0m',
      '  \u001b[33m[length]\u001b[0m column "email" length differs',
      '    \u001b[32m+ character varying(255)\u001b[0m',
      '    \u001b[31m- character varying(100)\u001b[0m',
    ])
    expect(formatSchemaReport({ ok: true, issues: [] }, { color: true })).toBe(
      '\u001b[32mSchema matches the definitions: no issues.\u001b[0m\n',
    )
  })

  it('is made from a result that survives JSON as is', () => {
    expect(JSON.parse(JSON.stringify(drifted))).toEqual(drifted)
  })
})

describe('normalizeType', () => {
  it.each([
    ['varchar(255)', 'character varying(255)'],
    ['VARCHAR ( 255 )', 'character varying(255)'],
    ['character varying(255)', 'character varying(255)'],
    ['character varying', 'character varying'],
    ['serial', 'integer'],
    ['int4', 'integer'],
    ['int', 'integer'],
    ['bigserial', 'bigint'],
    ['int8', 'bigint'],
    ['int2', 'smallint'],
    ['numeric(10, 2)', 'numeric(10,2)'],
    ['numeric(10,2)', 'numeric(10,2)'],
    ['numeric(5)', 'numeric(5,0)'],
    ['decimal', 'numeric'],
    ['timestamp', 'timestamp without time zone'],
    ['timestamp without time zone', 'timestamp without time zone'],
    ['timestamp(3)', 'timestamp(3) without time zone'],
    ['timestamptz', 'timestamp with time zone'],
    ['timestamptz(3)', 'timestamp(3) with time zone'],
    ['time', 'time without time zone'],
    ['text[]', 'text[]'],
    ['_text', 'text[]'],
    ['_int4', 'integer[]'],
    ['integer[][]', 'integer[]'],
    ['double precision', 'double precision'],
    ['float8', 'double precision'],
    ['float', 'double precision'],
    ['float(10)', 'real'],
    ['float4', 'real'],
    ['bool', 'boolean'],
    ['jsonb', 'jsonb'],
    ['inet', 'inet'],
    ['uuid', 'uuid'],
    ['date', 'date'],
    ['"char"', '"char"'],
  ])('%s is %s', (input, expected) => {
    expect(normalizeType(input)).toBe(expected)
  })
})

describe('normalizeExpression', () => {
  it('makes an enum CHECK and the form PostgreSQL stores equal', () => {
    const written = normalizeExpression(`"role" IN ('developer', 'team')`)
    expect(written).toBe("role in 'developer', 'team'")
    expect(
      normalizeExpression(
        "((role)::text = ANY ((ARRAY['developer'::character varying, 'team'::character varying])::text[]))",
      ),
    ).toBe(written)
  })

  it('reads NOT IN, LIKE, <> and BETWEEN as PostgreSQL rewrites them', () => {
    const written = normalizeExpression(
      "char_length(level) between 1 and 10 and level not in ('x','y') and message like 'a%' and level != 'z'",
    )
    expect(written).toBe(
      "char_length level >= 1 and char_length level <= 10 and level not in 'x', 'y' and message like 'a%' and level <> 'z'",
    )
    expect(
      normalizeExpression(
        "(((char_length((level)::text) >= 1) AND (char_length((level)::text) <= 10)) AND ((level)::text <> ALL ((ARRAY['x'::character varying, 'y'::character varying])::text[])) AND (message ~~ 'a%'::text) AND ((level)::text <> 'z'::text))",
      ),
    ).toBe(written)
    expect(normalizeExpression('x not between 1 and 5')).toBe('x < 1 or x > 5')
    expect(normalizeExpression('((x < 1) OR (x > 5))')).toBe('x < 1 or x > 5')
  })

  it('drops casts and parentheses, keeps literals exact', () => {
    expect(normalizeExpression('(price >= (0)::numeric)')).toBe('price >= 0')
    expect(normalizeExpression("'it''s'::text")).toBe("'it''s'")
    expect(normalizeExpression("'2020-01-02 03:04:05'::timestamp without time zone")).toBe(
      "'2020-01-02 03:04:05'",
    )
    expect(normalizeExpression('\'x\'::"char"')).toBe("'x'")
    expect(normalizeExpression("'Ab'::character varying(10)")).toBe("'Ab'")
    expect(normalizeExpression('CAST(price AS numeric(10, 2)) > 0')).toBe('price > 0')
    expect(normalizeExpression('((price)::numeric(10,2) > (0)::numeric)')).toBe('price > 0')
  })

  it('writes numbers one way', () => {
    expect(normalizeExpression("'-1'::integer")).toBe('-1')
    expect(normalizeExpression('-1')).toBe('-1')
    expect(normalizeExpression('1.50')).toBe('1.5')
    expect(normalizeExpression('1e-7')).toBe('0.0000001')
    expect(normalizeExpression('0.0000001')).toBe('0.0000001')
    expect(normalizeExpression("'10000000000'::bigint")).toBe('10000000000')
    expect(normalizeExpression('x - 1')).toBe('x - 1')
    expect(normalizeExpression('ARRAY[1, -2]::integer[]')).toBe('array[1, -2]')
    expect(normalizeExpression("ARRAY[1, '-2'::integer]")).toBe('array[1, -2]')
  })

  it('spells the current time one way', () => {
    expect(normalizeExpression('now()')).toBe('current_timestamp')
    expect(normalizeExpression('CURRENT_TIMESTAMP')).toBe('current_timestamp')
    expect(normalizeExpression('transaction_timestamp()')).toBe('current_timestamp')
    expect(normalizeExpression('CURRENT_DATE')).toBe('current_date')
  })
})

describe('sameDefault', () => {
  it.each([
    ['varchar', "'active'", "'active'::character varying"],
    ['text', "'it''s'", "'it''s'::text"],
    ['integer', '-1', "'-1'::integer"],
    ['bigint', '10000000000', "'10000000000'::bigint"],
    ['numeric', "'1.50'", '1.50'],
    ['doublePrecision', '1e-7', '0.0000001'],
    ['boolean', 'false', 'false'],
    ['timestamp', 'CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP'],
    ['timestamp', 'CURRENT_TIMESTAMP', 'now()'],
    ['uuid', 'gen_random_uuid()', 'gen_random_uuid()'],
    ['jsonb', `'{"b":1,"a":[1,2]}'::jsonb`, `'{"a": [1, 2], "b": 1}'::jsonb`],
    ['textArray', "ARRAY['a', 'b']::text[]", "ARRAY['a'::text, 'b'::text]"],
    ['integerArray', 'ARRAY[1, -2]::integer[]', "ARRAY[1, '-2'::integer]"],
    ['textArray', 'ARRAY[]::text[]', 'ARRAY[]::text[]'],
    [
      'timestamp',
      "'2020-01-02T03:04:05.000Z'",
      "'2020-01-02 03:04:05'::timestamp without time zone",
    ],
    [
      'timestamptz',
      "'2020-01-02T03:04:05.000Z'",
      "'2020-01-02 05:04:05+02'::timestamp with time zone",
    ],
    ['varchar', null, null],
    ['varchar', 'NULL', 'NULL::character varying'],
    ['varchar', null, 'NULL::character varying'],
  ] as const)('%s: %s is %s', (kind, expected, actual) => {
    expect(sameDefault(kind, expected, actual)).toBe(true)
  })

  it.each([
    ['varchar', "'active'", "'inactive'::character varying"],
    ['varchar', "'active'", null],
    ['varchar', null, "'active'::character varying"],
    ['integer', '1', '2'],
    ['jsonb', `'{"a":1}'::jsonb`, `'{"a": 2}'::jsonb`],
    [
      'timestamp',
      "'2020-01-02T03:04:05.000Z'",
      "'2020-01-02 03:04:06'::timestamp without time zone",
    ],
    ['timestamp', 'CURRENT_TIMESTAMP', 'CURRENT_DATE'],
  ] as const)('%s: %s is not %s', (kind, expected, actual) => {
    expect(sameDefault(kind, expected, actual)).toBe(false)
  })
})

describe('expectedDefault', () => {
  const t = defineTable('t', {
    id: c.serial().primaryKey(),
    big: c.bigserial(),
    code: c.varchar(10).notNull().unique().default('x'),
    note: c.text().default("it's"),
    flag: c.boolean().default(false),
    at: c.timestamp().defaultNow(),
    data: c.jsonb().default({ a: 1 }),
    tags: c.textArray().default(['a', 'b']),
    none: c.integer(),
  })

  it('is what generateDDL writes, and nextval for a serial', () => {
    expect(expectedDefault(t.id)).toBe("nextval('t_id_seq'::regclass)")
    expect(expectedDefault(t.big)).toBe("nextval('t_big_seq'::regclass)")
    expect(expectedDefault(t.code)).toBe("'x'")
    expect(expectedDefault(t.note)).toBe("'it''s'")
    expect(expectedDefault(t.flag)).toBe('false')
    expect(expectedDefault(t.at)).toBe('CURRENT_TIMESTAMP')
    expect(expectedDefault(t.data)).toBe(`'{"a":1}'::jsonb`)
    expect(expectedDefault(t.tags)).toBe("ARRAY['a', 'b']::text[]")
    expect(expectedDefault(t.none)).toBeNull()
  })
})

describe('checkCatalog and planSchemaDiff on a catalog read elsewhere', () => {
  const empty: SchemaCatalog = { schema: 'public', tables: [], constraints: [], indexes: [] }

  it('reports every table of an empty schema missing', () => {
    expect(checkCatalog({ users, functions }, empty)).toEqual({
      ok: false,
      issues: [
        {
          table: 'users',
          kind: 'missing_table',
          expected: 'users',
          actual: null,
          message: 'table "users" is missing',
        },
        {
          table: 'functions',
          kind: 'missing_table',
          expected: 'functions',
          actual: null,
          message: 'table "functions" is missing',
        },
      ],
    })
  })

  it('creates them with generateDDL, in foreign-key order, and drops them in reverse', () => {
    const diff = planSchemaDiff([functions, users], empty)
    expect(diff.up.indexOf('CREATE TABLE IF NOT EXISTS "users"')).toBeLessThan(
      diff.up.indexOf('CREATE TABLE IF NOT EXISTS "functions"'),
    )
    expect(diff.down).toBe('DROP TABLE "functions";\n\nDROP TABLE "users";\n')
    expect(diff.destructive).toEqual([])
  })

  it('sets the search path for another schema', () => {
    const diff = planSchemaDiff([users], { ...empty, schema: 'app' })
    expect(diff.up.startsWith('SET search_path TO "app";\n\nCREATE TABLE')).toBe(true)
    expect(diff.up.endsWith('\n\nRESET search_path;\n')).toBe(true)
    expect(diff.down).toBe(
      'SET search_path TO "app";\n\nDROP TABLE "users";\n\nRESET search_path;\n',
    )
  })

  it('refuses a table given twice', () => {
    expect(() => checkCatalog([users, users], empty)).toThrow(InvalidDefinitionError)
    expect(() => planSchemaDiff([users, users], empty)).toThrow(/table "users" is given twice/)
  })
})
