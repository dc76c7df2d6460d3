import { describe, expect, it } from 'vitest'
import type { CatalogIndex, CatalogIndexKey, SchemaCatalog } from '../../src/drift/catalog'
import { compareCatalog, indexDifferences } from '../../src/drift/compare-schema'
import { predicateKey } from '../../src/drift/server-verdicts'
import { c, defineTable, InvalidDefinitionError, KyselyEntitiesError } from '../../src/index'
import { generateDDLStatements } from '../../src/schema/generate-ddl'

const events = defineTable(
  'events',
  {
    id: c.serial().primaryKey(),
    userId: c.integer().notNull(),
    version: c.integer().notNull(),
    status: c.text(),
    name: c.text(),
    data: c.jsonb(),
    deletedAt: c.timestamp(),
  },
  {
    indexes: [
      ['userId', 'status'],
      { columns: ['userId', { column: 'version', order: 'desc' }] },
      {
        columns: ['userId', { column: 'deletedAt', order: 'desc', nulls: 'last' }],
        include: ['status'],
        where: "deleted_at IS NULL AND status = 'active'",
        name: 'events_live',
        unique: true,
      },
      { columns: [{ column: 'data', opclass: 'jsonb_path_ops' }], using: 'gin' },
      {
        columns: [
          { column: 'name', opclass: 'text_pattern_ops' },
          { column: 'status', nulls: 'first' },
        ],
      },
      { columns: ['version'], using: 'brin' },
    ],
  },
)

/** The InvalidDefinitionError thrown by `fn`; fails the test if it throws anything else. */
function definitionError(fn: () => unknown): InvalidDefinitionError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidDefinitionError)
    expect(e).toBeInstanceOf(KyselyEntitiesError)
    return e as InvalidDefinitionError
  }
  throw new Error('expected an InvalidDefinitionError')
}

describe('index shape in definitions', () => {
  it('resolves each key: direction, NULLS (PostgreSQL defaults), opclass; method and INCLUDE', () => {
    const [plain, desc, live, gin, pattern, brin] = events.$meta.indexes
    expect(plain!.keys.map((k) => [k.column.name, k.order, k.nulls, k.opclass])).toEqual([
      ['user_id', 'asc', 'last', undefined],
      ['status', 'asc', 'last', undefined],
    ])
    expect(plain!.using).toBe('btree')
    expect(plain!.include).toEqual([])
    expect(desc!.name).toBe('idx_events_user_id_version')
    expect(desc!.keys[1]).toMatchObject({ order: 'desc', nulls: 'first' })
    expect(live!.keys[1]).toMatchObject({ order: 'desc', nulls: 'last' })
    expect(live!.include).toEqual([events.status])
    expect(live!.columns).toEqual([events.userId, events.deletedAt])
    expect(gin!.using).toBe('gin')
    expect(gin!.keys[0]!.opclass).toBe('jsonb_path_ops')
    expect(pattern!.keys[1]).toMatchObject({ order: 'asc', nulls: 'first' })
    expect(brin!.using).toBe('brin')
  })

  it('freezes the index, its keys and its include list', () => {
    const live = events.$meta.indexes[2]!
    expect(Object.isFrozen(live)).toBe(true)
    expect(Object.isFrozen(live.keys)).toBe(true)
    expect(Object.isFrozen(live.keys[0])).toBe(true)
    expect(Object.isFrozen(live.include)).toBe(true)
  })

  const cols = { a: c.integer(), b: c.text(), j: c.jsonb() }
  it.each([
    [
      'an unknown column option',
      { columns: [{ column: 'a', direction: 'desc' }] },
      'indexes[0]: columns[0] has unknown option "direction"',
    ],
    [
      'an unknown index option',
      { columns: ['a'], method: 'gin' },
      'indexes[0]: unknown option "method"',
    ],
    [
      'a bad order',
      { columns: [{ column: 'a', order: 'down' }] },
      'indexes[0]: columns[0].order must be "asc" or "desc"',
    ],
    [
      'a bad nulls',
      { columns: [{ column: 'a', nulls: 'top' }] },
      'indexes[0]: columns[0].nulls must be "first" or "last"',
    ],
    [
      'order on gin',
      { columns: [{ column: 'j', order: 'desc' }], using: 'gin' },
      'indexes[0]: columns[0]: order and nulls need a btree index',
    ],
    [
      'an opclass that is not an identifier',
      { columns: [{ column: 'b', opclass: 'text_ops; DROP TABLE t' }] },
      'indexes[0]: columns[0].opclass must be a lower-case identifier, optionally schema-qualified',
    ],
    [
      'an unknown method',
      { columns: ['a'], using: 'rum' },
      'indexes[0]: using must be one of btree, hash, gist, spgist, gin, brin',
    ],
    [
      'a unique gin index',
      { columns: ['j'], using: 'gin', unique: true },
      'indexes[0]: a unique index must use btree',
    ],
    [
      'a two-column hash index',
      { columns: ['a', 'b'], using: 'hash' },
      'indexes[0]: a hash index has one column',
    ],
    [
      'INCLUDE on gin',
      { columns: ['j'], using: 'gin', include: ['a'] },
      'indexes[0]: a gin index cannot INCLUDE columns',
    ],
    [
      'INCLUDE of a key column',
      { columns: ['a'], include: ['a'] },
      'indexes[0]: include names key column "a"',
    ],
    [
      'INCLUDE of an unknown column',
      { columns: ['a'], include: ['nope'] },
      'an index include names unknown column "nope"',
    ],
    ['an empty where', { columns: ['a'], where: '  ' }, 'indexes[0]: where must not be empty'],
    [
      'a where with ;',
      { columns: ['a'], where: 'a > 1; DROP TABLE t' },
      'indexes[0]: where must be one expression (no ";")',
    ],
    [
      'a where with a comment',
      { columns: ['a'], where: 'a > 1 -- x' },
      'indexes[0]: where cannot contain a comment',
    ],
    [
      'a where with an open quote',
      { columns: ['a'], where: "b = 'x" },
      'indexes[0]: where has an unterminated quote',
    ],
    [
      'a where with an open parenthesis',
      { columns: ['a'], where: '(a > 1' },
      'indexes[0]: where has an unbalanced parenthesis',
    ],
    [
      'a where closing too early',
      { columns: ['a'], where: 'a > 1) OR (true' },
      'indexes[0]: where has an unbalanced parenthesis',
    ],
    [
      'a where with dollar quotes',
      { columns: ['a'], where: 'b = $$x$$' },
      'indexes[0]: where cannot use dollar quoting or parameters',
    ],
    [
      'a where that is not text',
      { columns: ['a'], where: 1 },
      'indexes[0]: where must be SQL text',
    ],
    [
      'a bad name',
      { columns: ['a'], name: 'idx"x' },
      'indexes[0]: name must be an identifier of at most 63 characters',
    ],
    [
      'a long name',
      { columns: ['a'], name: 'x'.repeat(64) },
      'indexes[0]: name must be an identifier of at most 63 characters',
    ],
    [
      'a column entry that is neither',
      { columns: [42] },
      'indexes[0]: columns[0] must be a property or { column, order, nulls, opclass }',
    ],
    ['columns that are not an array', { columns: 'a' }, 'indexes[0]: columns must be an array'],
    [
      'a unique that is not a boolean',
      { columns: ['a'], unique: 'yes' },
      'indexes[0]: unique must be a boolean',
    ],
  ])('refuses %s', (_label, index, message) => {
    const error = definitionError(() => defineTable('t', cols, { indexes: [index as never] }))
    expect(error.message.endsWith(message)).toBe(true)
    expect(error.message.startsWith('defineTable("t")')).toBe(true)
  })

  it('never puts the predicate text in the error', () => {
    const error = definitionError(() =>
      defineTable('t', cols, { indexes: [{ columns: ['a'], where: "b = 'secret' ; x" }] }),
    )
    expect(error.message).not.toContain('secret')
  })

  it('refuses two indexes with the same name', () => {
    const error = definitionError(() =>
      defineTable('t', cols, { indexes: [['a'], { columns: ['a'], name: 'idx_t_a' }] }),
    )
    expect(error.message).toBe('defineTable("t"): two indexes are named "idx_t_a"')
  })

  it('accepts quotes, semicolons and comment marks inside string literals of a predicate', () => {
    const t = defineTable('t', cols, {
      indexes: [{ columns: ['a'], where: `b <> 'it''s; -- /* fine' AND "b" IS NOT NULL` }],
    })
    expect(t.$meta.indexes[0]!.where).toBe(`b <> 'it''s; -- /* fine' AND "b" IS NOT NULL`)
  })
})

describe('index shape in DDL', () => {
  it('writes direction, NULLS, opclass, method, INCLUDE and the predicate', () => {
    const indexes = generateDDLStatements([events]).filter((s) => s.includes('INDEX'))
    expect(indexes).toEqual([
      'CREATE INDEX IF NOT EXISTS "idx_events_user_id_status" ON "events" ("user_id", "status")',
      'CREATE INDEX IF NOT EXISTS "idx_events_user_id_version" ON "events" ("user_id", "version" DESC)',
      `CREATE UNIQUE INDEX IF NOT EXISTS "events_live" ON "events" ("user_id", "deleted_at" DESC NULLS LAST) INCLUDE ("status") WHERE deleted_at IS NULL AND status = 'active'`,
      'CREATE INDEX IF NOT EXISTS "idx_events_data" ON "events" USING gin ("data" jsonb_path_ops)',
      'CREATE INDEX IF NOT EXISTS "idx_events_name_status" ON "events" ("name" text_pattern_ops, "status" NULLS FIRST)',
      'CREATE INDEX IF NOT EXISTS "idx_events_version" ON "events" USING brin ("version")',
    ])
  })

  it('writes an explicit default direction as nothing (asc, NULLS LAST; desc, NULLS FIRST)', () => {
    const t = defineTable(
      't',
      { a: c.integer(), b: c.integer() },
      {
        indexes: [
          {
            columns: [
              { column: 'a', order: 'asc', nulls: 'last' },
              { column: 'b', order: 'desc', nulls: 'first' },
            ],
          },
        ],
      },
    )
    expect(generateDDLStatements([t]).at(-1)).toBe(
      'CREATE INDEX IF NOT EXISTS "idx_t_a_b" ON "t" ("a", "b" DESC)',
    )
  })
})

// Catalog facts as readCatalog returns them for the indexes generateDDL creates from `events`.
const asc: CatalogIndexKey = {
  order: 'asc',
  nulls: 'last',
  opclass: 'int4_ops',
  opclassDefault: true,
}
function liveIndex(
  name: string,
  columns: readonly string[],
  fields: Partial<CatalogIndex> = {},
): CatalogIndex {
  return {
    table: 'events',
    name,
    columns,
    keys: columns,
    keyShapes: columns.map(() => asc),
    include: [],
    unique: false,
    method: 'btree',
    predicate: null,
    constraint: false,
    definition: `CREATE INDEX ${name} ON public.events USING btree (${columns.join(', ')})`,
    ...fields,
  }
}
const matching: readonly CatalogIndex[] = [
  liveIndex('idx_events_user_id_status', ['user_id', 'status'], {
    keyShapes: [asc, { ...asc, opclass: 'text_ops' }],
  }),
  liveIndex('idx_events_user_id_version', ['user_id', 'version'], {
    keyShapes: [asc, { ...asc, order: 'desc', nulls: 'first' }],
  }),
  liveIndex('events_live', ['user_id', 'deleted_at'], {
    unique: true,
    keyShapes: [
      asc,
      { order: 'desc', nulls: 'last', opclass: 'timestamp_ops', opclassDefault: true },
    ],
    include: ['status'],
    predicate: "((deleted_at IS NULL) AND (status = 'active'::text))",
  }),
  liveIndex('idx_events_data', ['data'], {
    method: 'gin',
    keyShapes: [{ ...asc, opclass: 'jsonb_path_ops', opclassDefault: false }],
  }),
  liveIndex('idx_events_name_status', ['name', 'status'], {
    keyShapes: [
      { ...asc, opclass: 'text_pattern_ops', opclassDefault: false },
      { ...asc, nulls: 'first', opclass: 'text_ops' },
    ],
  }),
  liveIndex('idx_events_version', ['version'], {
    method: 'brin',
    keyShapes: [{ ...asc, opclass: 'int4_minmax_ops' }],
  }),
]

function indexIssues(indexes: readonly CatalogIndex[]) {
  const catalog: SchemaCatalog = {
    schema: 'public',
    tables: [{ name: 'events', columns: [] }],
    constraints: [],
    indexes,
  }
  return compareCatalog([events], catalog)
    .map((d) => d.issue)
    .filter((i) => i.kind === 'index')
}

function replace(name: string, fields: Partial<CatalogIndex>): CatalogIndex[] {
  return matching.map((i) => (i.name === name ? { ...i, ...fields } : i))
}

describe('index shape in the drift check (catalog facts)', () => {
  it('reports nothing when every index has the declared shape', () => {
    expect(indexIssues(matching)).toEqual([])
  })

  it('reports an ascending index where the definition says DESC', () => {
    const issues = indexIssues(replace('idx_events_user_id_version', { keyShapes: [asc, asc] }))
    expect(issues).toEqual([
      {
        table: 'events',
        kind: 'index',
        expected: 'INDEX idx_events_user_id_version (user_id, version DESC)',
        actual: 'INDEX idx_events_user_id_version (user_id, version)',
        message: 'index "idx_events_user_id_version" differs: order of "version"',
      },
    ])
  })

  it('reports NULLS placement', () => {
    const issues = indexIssues(
      replace('events_live', {
        keyShapes: [
          asc,
          { order: 'desc', nulls: 'first', opclass: 'timestamp_ops', opclassDefault: true },
        ],
      }),
    )
    expect(issues.map((i) => i.message)).toEqual([
      'index "events_live" differs: nulls of "deleted_at"',
    ])
    expect(issues[0]!.actual).toBe(
      "UNIQUE INDEX events_live (user_id, deleted_at DESC) INCLUDE (status) WHERE ((deleted_at IS NULL) AND (status = 'active'::text))",
    )
  })

  it('reports the operator class, both ways', () => {
    const defaultInstead = indexIssues(
      replace('idx_events_data', {
        keyShapes: [{ ...asc, opclass: 'jsonb_ops', opclassDefault: true }],
      }),
    )
    expect(defaultInstead.map((i) => i.message)).toEqual([
      'index "idx_events_data" differs: opclass of "data"',
    ])
    const otherInstead = indexIssues(
      replace('idx_events_user_id_status', {
        keyShapes: [asc, { ...asc, opclass: 'text_pattern_ops', opclassDefault: false }],
      }),
    )
    expect(otherInstead.map((i) => i.message)).toEqual([
      'index "idx_events_user_id_status" differs: opclass of "status"',
    ])
    expect(otherInstead[0]!.actual).toBe(
      'INDEX idx_events_user_id_status (user_id, status text_pattern_ops)',
    )
  })

  it('matches an unqualified opclass with the same class in another schema', () => {
    const t = defineTable(
      'events',
      { name: c.text() },
      {
        indexes: [{ columns: [{ column: 'name', opclass: 'gin_trgm_ops' }], using: 'gin' }],
      },
    )
    const live = liveIndex('idx_events_name', ['name'], {
      method: 'gin',
      keyShapes: [{ ...asc, opclass: 'public.gin_trgm_ops', opclassDefault: false }],
    })
    expect(indexDifferences(t.$meta.indexes[0]!, live)).toEqual([])
    expect(
      indexDifferences(t.$meta.indexes[0]!, {
        ...live,
        keyShapes: [{ ...asc, opclass: 'public.gin_bigm_ops', opclassDefault: false }],
      }),
    ).toEqual(['opclass of "name"'])
  })

  it('reports the method', () => {
    const issues = indexIssues(replace('idx_events_version', { method: 'btree', keyShapes: [asc] }))
    expect(issues.map((i) => [i.message, i.expected, i.actual])).toEqual([
      [
        'index "idx_events_version" differs: method',
        'INDEX idx_events_version USING brin (version)',
        'INDEX idx_events_version (version)',
      ],
    ])
  })

  it('reports INCLUDE columns', () => {
    expect(indexIssues(replace('events_live', { include: [] })).map((i) => i.message)).toEqual([
      'index "events_live" differs: include',
    ])
    expect(
      indexIssues(replace('idx_events_user_id_status', { include: ['name'] })).map(
        (i) => i.message,
      ),
    ).toEqual(['index "idx_events_user_id_status" differs: include'])
  })

  it('reports the predicate, compared after normalising PostgreSQL deparse', () => {
    expect(
      indexIssues(replace('events_live', { predicate: '(deleted_at IS NULL)' })).map(
        (i) => i.message,
      ),
    ).toEqual(['index "events_live" differs: predicate'])
    expect(indexIssues(replace('events_live', { predicate: null })).map((i) => i.message)).toEqual([
      'index "events_live" differs: predicate',
    ])
    expect(
      indexIssues(replace('idx_events_user_id_version', { predicate: '(version > 0)' })).map(
        (i) => i.message,
      ),
    ).toEqual(['index "idx_events_user_id_version" differs: predicate'])
  })

  it("takes the server's verdict on a predicate over the text comparison", () => {
    const t = defineTable(
      'events',
      { a: c.boolean(), b: c.boolean(), d: c.boolean() },
      {
        indexes: [{ columns: ['a'], where: 'a AND (b OR d)' }],
      },
    )
    const index = t.$meta.indexes[0]!
    // The text comparison drops parentheses: it cannot tell these apart; the server can.
    const live = liveIndex('idx_events_a', ['a'], { predicate: '((a AND b) OR d)' })
    expect(indexDifferences(index, live)).toEqual([])
    const differs = new Map([[predicateKey('events', 'a AND (b OR d)', '((a AND b) OR d)'), false]])
    expect(indexDifferences(index, live, differs)).toEqual(['predicate'])
    const same = new Map([[predicateKey('events', 'a AND (b OR d)', '(a = true)'), true]])
    expect(indexDifferences(index, { ...live, predicate: '(a = true)' }, same)).toEqual([])
  })

  it('names every difference of one index in one issue', () => {
    const issues = indexIssues(
      replace('events_live', {
        unique: false,
        keyShapes: [asc, asc],
        include: [],
        predicate: null,
      }),
    )
    expect(issues.map((i) => i.message)).toEqual([
      'index "events_live" differs: unique, order of "deleted_at", include, predicate',
    ])
  })

  it('finds a declared index under another name only when its whole shape matches', () => {
    const renamed = matching.map((i) =>
      i.name === 'idx_events_user_id_version' ? { ...i, name: 'deployments_fn_version' } : i,
    )
    expect(indexIssues(renamed)).toEqual([])
    const ascending = matching.map((i) =>
      i.name === 'idx_events_user_id_version'
        ? { ...i, name: 'deployments_fn_version', keyShapes: [asc, asc] }
        : i,
    )
    expect(indexIssues(ascending).map((i) => i.message)).toEqual([
      'index "idx_events_user_id_version" is missing',
      'index "deployments_fn_version" is not in the definition',
    ])
  })
})
