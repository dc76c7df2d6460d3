import { describe, expect, it } from 'vitest'
import type {
  CatalogColumn,
  CatalogConstraint,
  CatalogIndex,
  CatalogTrigger,
  SchemaCatalog,
} from '../../src/drift/catalog'
import { planSchemaDiff } from '../../src/drift/diff-schema'
import { equivalentExpression } from '../../src/drift/equivalent-expressions'
import { formatSchemaReport } from '../../src/drift/schema-report'
import { defaultKey } from '../../src/drift/server-verdicts'
import { touchedColumn } from '../../src/drift/trigger-behaviour'
import { checkCatalog } from '../../src/drift/validate-schema'
import { c, defineTable } from '../../src/index'

// The drift rules of issue 15 on catalog facts written by hand: no database.

const notes = defineTable(
  'notes',
  {
    id: c.serial().primaryKey(),
    title: c.varchar(100).notNull(),
    body: c.text(),
  },
  { indexes: [{ name: 'idx_notes_title', columns: ['title'] }] },
)

function column(name: string, position: number, type: string, extra: Partial<CatalogColumn> = {}) {
  return {
    name,
    position,
    type,
    notNull: false,
    default: null,
    identity: null,
    generated: false,
    ...extra,
  } satisfies CatalogColumn
}

const liveColumns: CatalogColumn[] = [
  column('id', 1, 'integer', { notNull: true, default: "nextval('notes_id_seq'::regclass)" }),
  column('title', 2, 'character varying(100)', { notNull: true }),
  column('body', 3, 'text'),
]
const pkey: CatalogConstraint = {
  table: 'notes',
  name: 'notes_pkey',
  kind: 'primary_key',
  columns: ['id'],
  definition: 'PRIMARY KEY (id)',
  references: null,
}
function index(name: string, columns: string[], extra: Partial<CatalogIndex> = {}): CatalogIndex {
  return {
    table: 'notes',
    name,
    columns,
    keys: columns,
    keyShapes: columns.map(() => ({
      order: 'asc',
      nulls: 'last',
      opclass: 'text_ops',
      opclassDefault: true,
    })),
    include: [],
    unique: false,
    method: 'btree',
    predicate: null,
    constraint: false,
    definition: `CREATE INDEX ${name} ON public.notes USING btree (${columns.join(', ')})`,
    ...extra,
  }
}
const titleIndex = index('idx_notes_title', ['title'])

function catalog(overrides: Partial<SchemaCatalog> = {}): SchemaCatalog {
  return {
    schema: 'public',
    tables: [{ name: 'notes', columns: liveColumns }],
    constraints: [pkey],
    indexes: [index('notes_pkey', ['id'], { unique: true, constraint: true }), titleIndex],
    ...overrides,
  }
}

describe('diff marks destructive steps with their reason', () => {
  it('a database that matches has no step', () => {
    expect(planSchemaDiff([notes], catalog())).toEqual({
      up: '',
      down: '',
      destructive: [],
      steps: [],
    })
  })

  it('dropping an extra index is marked, and still run', () => {
    const extra = index('idx_notes_title_body', ['title', 'body'])
    const diff = planSchemaDiff([notes], catalog({ indexes: [...catalog().indexes, extra] }))
    expect(diff.steps).toEqual([
      {
        sql: 'DROP INDEX "idx_notes_title_body"',
        applied: true,
        destructive: `drops index "idx_notes_title_body" (${extra.definition}), which the definitions do not declare: queries that use it get slower`,
        guess: null,
      },
    ])
    expect(diff.up).toBe(
      `-- DESTRUCTIVE: ${diff.steps[0]!.destructive}\nDROP INDEX "idx_notes_title_body";\n`,
    )
    expect(diff.destructive).toEqual([])
  })

  it('replacing an index that differs marks its drop, not its creation', () => {
    const composite = index('idx_notes_title', ['title', 'body'])
    const diff = planSchemaDiff([notes], catalog({ indexes: [composite] }))
    expect(diff.steps.map((s) => [s.sql, s.destructive !== null])).toEqual([
      ['DROP INDEX "idx_notes_title"', true],
      ['CREATE INDEX "idx_notes_title" ON "notes" ("title")', false],
    ])
    expect(diff.steps[0]!.destructive).toContain(
      'to recreate it as declared (differs in key columns)',
    )
  })

  it('dropping an extra constraint and SET NOT NULL are marked; DROP NOT NULL is not', () => {
    const check: CatalogConstraint = {
      table: 'notes',
      name: 'notes_body_check',
      kind: 'check',
      columns: ['body'],
      definition: "CHECK ((body <> ''::text))",
      references: null,
    }
    const live = [
      liveColumns[0]!,
      column('title', 2, 'character varying(100)'),
      column('body', 3, 'text', { notNull: true }),
    ]
    const diff = planSchemaDiff(
      [notes],
      catalog({ tables: [{ name: 'notes', columns: live }], constraints: [pkey, check] }),
    )
    expect(diff.steps.map((s) => [s.sql, s.destructive])).toEqual([
      [
        'ALTER TABLE "notes" DROP CONSTRAINT "notes_body_check"',
        `drops constraint "notes_body_check" (CHECK ((body <> ''::text))), which the definitions do not have: the database stops enforcing it`,
      ],
      [
        'ALTER TABLE "notes" ALTER COLUMN "title" SET NOT NULL',
        'narrows column "title" to NOT NULL: fails if a row has NULL',
      ],
      ['ALTER TABLE "notes" ALTER COLUMN "body" DROP NOT NULL', null],
    ])
  })

  it('a type change is not run unless allowed, and then runs with its reason and undo', () => {
    const live = [liveColumns[0]!, column('title', 2, 'text', { notNull: true }), liveColumns[2]!]
    const drifted = catalog({ tables: [{ name: 'notes', columns: live }] })
    const reason =
      'changes the type of column "title" from text to character varying(100): values are cast, and refused or changed where the cast fails or loses precision'
    const held = planSchemaDiff([notes], drifted)
    expect(held.steps).toEqual([
      {
        sql: 'ALTER TABLE "notes" ALTER COLUMN "title" TYPE character varying(100)',
        applied: false,
        destructive: reason,
        guess: null,
      },
    ])
    expect(held.up).toBe(
      `-- DESTRUCTIVE: ${reason}\n-- DESTRUCTIVE, review: ALTER TABLE "notes" ALTER COLUMN "title" TYPE character varying(100);\n`,
    )
    expect(held.down).toBe('')
    const allowed = planSchemaDiff([notes], drifted, { allowDestructive: true })
    expect(allowed.steps[0]!.applied).toBe(true)
    expect(allowed.destructive).toEqual([])
    expect(allowed.up).toBe(
      `-- DESTRUCTIVE: ${reason}\nALTER TABLE "notes" ALTER COLUMN "title" TYPE character varying(100);\n`,
    )
    expect(allowed.down).toBe(
      'ALTER TABLE "notes" ALTER COLUMN "title" TYPE text USING "title"::text;\n',
    )
  })

  it('an extra column and table are dropped only when allowed', () => {
    const live = [...liveColumns, column('legacy', 4, 'integer')]
    const drifted = catalog({
      tables: [
        { name: 'audit', columns: [column('at', 1, 'timestamp without time zone')] },
        { name: 'notes', columns: live },
      ],
    })
    expect(planSchemaDiff([notes], drifted).steps.map((s) => [s.sql, s.applied])).toEqual([
      ['ALTER TABLE "notes" DROP COLUMN "legacy"', false],
      ['DROP TABLE "audit"', false],
    ])
    const allowed = planSchemaDiff([notes], drifted, { allowDestructive: true })
    expect(allowed.steps.every((s) => s.applied && s.destructive !== null)).toBe(true)
    expect(allowed.down).toBe(
      [
        '-- table "audit" and its rows cannot be recreated from here',
        '-- the data of "legacy" is not restored',
        'ALTER TABLE "notes" ADD COLUMN "legacy" integer;\n',
      ].join('\n\n'),
    )
  })
})

describe('diff proposes renames as guesses', () => {
  it('a missing column and an extra one of the same type are a RENAME COLUMN', () => {
    const live = [liveColumns[0]!, liveColumns[1]!, column('content', 3, 'text')]
    const diff = planSchemaDiff([notes], catalog({ tables: [{ name: 'notes', columns: live }] }))
    expect(diff.steps).toEqual([
      {
        sql: 'ALTER TABLE "notes" RENAME COLUMN "content" TO "body"',
        applied: true,
        destructive: null,
        guess:
          'column "content" is not in the definitions and "body" is missing, with the same type (text): renamed, not dropped and added',
      },
    ])
    expect(diff.up).toContain(`-- GUESS: column "content"`)
    expect(diff.down).toBe('ALTER TABLE "notes" RENAME COLUMN "body" TO "content";\n')
  })

  it("a renamed column's other differences follow the rename as steps of their own", () => {
    const strict = defineTable(
      'notes',
      {
        id: c.serial().primaryKey(),
        title: c.varchar(100).notNull(),
        body: c.text().notNull().default(''),
      },
      { indexes: [{ name: 'idx_notes_title', columns: ['title'] }] },
    )
    const live = [liveColumns[0]!, liveColumns[1]!, column('content', 3, 'text')]
    const diff = planSchemaDiff([strict], catalog({ tables: [{ name: 'notes', columns: live }] }))
    expect(diff.steps.map((s) => [s.sql, s.guess !== null, s.destructive !== null])).toEqual([
      ['ALTER TABLE "notes" RENAME COLUMN "content" TO "body"', true, false],
      ['ALTER TABLE "notes" ALTER COLUMN "body" SET NOT NULL', false, true],
      [`ALTER TABLE "notes" ALTER COLUMN "body" SET DEFAULT ''`, false, false],
    ])
  })

  it('an index follows its renamed column, as PostgreSQL does: nothing to drop or create', () => {
    const live = [
      liveColumns[0]!,
      column('heading', 2, 'character varying(100)', { notNull: true }),
      liveColumns[2]!,
    ]
    // The old table's title index, on a column that is renamed too.
    const diff = planSchemaDiff(
      [notes],
      catalog({
        tables: [{ name: 'notes', columns: live }],
        indexes: [
          index('notes_pkey', ['id'], { unique: true, constraint: true }),
          index('idx_notes_title', ['heading'], { keys: ['heading'] }),
        ],
      }),
    )
    // One step: the index follows its column, as PostgreSQL's RENAME COLUMN does.
    expect(diff.steps.map((s) => s.sql)).toEqual([
      'ALTER TABLE "notes" RENAME COLUMN "heading" TO "title"',
    ])
  })

  it('two candidates of the same type are not guessed between', () => {
    const live = [
      liveColumns[0]!,
      liveColumns[1]!,
      column('content', 3, 'text'),
      column('summary', 4, 'text'),
    ]
    const diff = planSchemaDiff([notes], catalog({ tables: [{ name: 'notes', columns: live }] }))
    expect(diff.steps.some((s) => s.guess !== null)).toBe(false)
    expect(diff.steps.map((s) => s.sql)).toContain('ALTER TABLE "notes" ADD COLUMN "body" text')
  })

  it('a missing table and an extra one with the same columns are a RENAME', () => {
    const diff = planSchemaDiff(
      [notes],
      catalog({ tables: [{ name: 'note', columns: liveColumns }] }),
    )
    expect(diff.steps.map((s) => [s.sql, s.guess !== null, s.destructive])).toEqual([
      ['ALTER TABLE "note" RENAME TO "notes"', true, null],
    ])
    expect(diff.down).toBe('ALTER TABLE "notes" RENAME TO "note";\n')
  })
})

const posts = defineTable('posts', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().defaultRandom(),
  updatedAt: c.timestamp().defaultNow().onUpdateNow(),
})
const postColumns: CatalogColumn[] = [
  column('id', 1, 'integer', { notNull: true, default: "nextval('posts_id_seq'::regclass)" }),
  column('uuid', 2, 'uuid', { notNull: true, default: 'gen_random_uuid()' }),
  column('updated_at', 3, 'timestamp without time zone', { default: 'CURRENT_TIMESTAMP' }),
]

function trigger(name: string, body: string, extra: Partial<CatalogTrigger> = {}): CatalogTrigger {
  return {
    table: 'posts',
    name,
    timing: 'before',
    events: ['update'],
    forEachRow: true,
    updateOf: [],
    conditional: false,
    enabled: true,
    function: 'update_updated_at_column',
    language: 'plpgsql',
    body,
    definition: `CREATE TRIGGER ${name} BEFORE UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()`,
    ...extra,
  }
}
const ORIGINAL_BODY = `
BEGIN
    NEW.updated_at = NOW();  -- the original's function
    RETURN NEW;
END;
`

function postsCatalog(
  triggers: readonly CatalogTrigger[] | undefined,
  columns = postColumns,
): SchemaCatalog {
  return {
    schema: 'public',
    tables: [{ name: 'posts', columns }],
    constraints: [{ ...pkey, table: 'posts', name: 'posts_pkey' }],
    indexes: [],
    ...(triggers === undefined ? {} : { triggers }),
  }
}

describe('touchedColumn: what a trigger that keeps a column current looks like', () => {
  it('recognises the original ContainerPub function whatever its spelling', () => {
    expect(touchedColumn(trigger('t', ORIGINAL_BODY))).toBe('updated_at')
    for (const body of [
      'BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END',
      'begin new.updated_at := transaction_timestamp(); return new; end;',
      'DECLARE BEGIN /* touch */ NEW.Updated_At = now()::timestamp; RETURN NEW; END',
    ]) {
      expect(touchedColumn(trigger('t', body)), body).toBe('updated_at')
    }
    expect(touchedColumn(trigger('t', 'BEGIN NEW."Seen" = now(); RETURN NEW; END'))).toBe('Seen')
  })

  it('refuses other clocks, other bodies, and triggers that do not fire before every update of a row', () => {
    for (const body of [
      'BEGIN NEW.updated_at = clock_timestamp(); RETURN NEW; END',
      'BEGIN NEW.updated_at = statement_timestamp(); RETURN NEW; END',
      'BEGIN IF NEW.x <> OLD.x THEN NEW.updated_at = now(); END IF; RETURN NEW; END',
      'BEGIN NEW.updated_at = now(); NEW.version = OLD.version + 1; RETURN NEW; END',
    ]) {
      expect(touchedColumn(trigger('t', body)), body).toBeNull()
    }
    for (const extra of [
      { timing: 'after' },
      { events: ['insert', 'update'] },
      { forEachRow: false },
      { updateOf: ['title'] },
      { conditional: true },
      { enabled: false },
      { language: 'sql' },
    ] as const) {
      expect(touchedColumn(trigger('t', ORIGINAL_BODY, extra)), JSON.stringify(extra)).toBeNull()
    }
  })
})

describe('triggers compared on catalog facts', () => {
  it('the trigger generateDDL writes matches, with no note', () => {
    const ours = trigger(
      'posts_updated_at_touch',
      'BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END',
      {
        function: 'ke_touch_updated_at',
      },
    )
    expect(checkCatalog([posts], postsCatalog([ours]))).toEqual({ ok: true, issues: [] })
  })

  it('a differently named trigger that does the same is equivalent: ok, with a note', () => {
    const result = checkCatalog(
      [posts],
      postsCatalog([trigger('update_posts_updated_at', ORIGINAL_BODY)]),
    )
    expect(result.ok).toBe(true)
    expect(result.notes).toEqual([
      {
        table: 'posts',
        column: 'updated_at',
        kind: 'equivalent',
        expected:
          'posts_updated_at_touch BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION ke_touch_updated_at() (sets updated_at to CURRENT_TIMESTAMP)',
        actual:
          'update_posts_updated_at BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()',
        message:
          'trigger "update_posts_updated_at" does what "posts_updated_at_touch" does: it sets "updated_at" to the current time on every update',
      },
    ])
  })

  it('a missing trigger is drift, and diff creates the function and the trigger', () => {
    const result = checkCatalog([posts], postsCatalog([]))
    expect(result.issues.map((i) => [i.kind, i.column, i.message])).toEqual([
      ['trigger', 'updated_at', 'trigger "posts_updated_at_touch" is missing'],
    ])
    const diff = planSchemaDiff([posts], postsCatalog([]))
    expect(diff.steps.map((s) => [s.sql, s.destructive])).toEqual([
      [
        'CREATE OR REPLACE FUNCTION "ke_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."updated_at" = CURRENT_TIMESTAMP; RETURN NEW; END $$',
        null,
      ],
      [
        'CREATE TRIGGER "posts_updated_at_touch" BEFORE UPDATE ON "posts" FOR EACH ROW EXECUTE FUNCTION "ke_touch_updated_at"()',
        null,
      ],
    ])
    expect(diff.down).toBe('DROP TRIGGER "posts_updated_at_touch" ON "posts";\n')
  })

  it('a catalog without triggers read compares none', () => {
    expect(checkCatalog([posts], postsCatalog(undefined))).toEqual({ ok: true, issues: [] })
  })
})

describe('equivalent expressions', () => {
  it('uuid_generate_v4(), uuidv4() and gen_random_uuid() are equivalent, qualified or not', () => {
    for (const [a, b] of [
      ['gen_random_uuid()', 'uuid_generate_v4()'],
      ['gen_random_uuid()', 'public.uuid_generate_v4()'],
      ['uuid_generate_v4()', 'uuidv4()'],
    ] as const) {
      expect(equivalentExpression(a, b), `${a} ${b}`).toContain('random (version 4) uuid')
    }
  })

  it('the same text, or different functions, are not "equivalent"', () => {
    expect(equivalentExpression('gen_random_uuid()', 'gen_random_uuid()')).toBeNull()
    expect(equivalentExpression('gen_random_uuid()', 'uuid_generate_v1()')).toBeNull()
    expect(equivalentExpression('now()', 'clock_timestamp()')).toBeNull()
    expect(
      equivalentExpression('md5(gen_random_uuid()::text)', 'md5(uuid_generate_v4()::text)'),
    ).toContain('uuid-ossp')
  })

  it('a uuid_generate_v4() default is a note, not drift; uuid_generate_v1() is drift', () => {
    const v4 = postColumns.map((col) =>
      col.name === 'uuid' ? { ...col, default: 'uuid_generate_v4()' } : col,
    )
    const ours = trigger('posts_updated_at_touch', ORIGINAL_BODY)
    const result = checkCatalog([posts], postsCatalog([ours], v4))
    expect(result.ok).toBe(true)
    expect(result.issues).toEqual([])
    expect(result.notes).toEqual([
      {
        table: 'posts',
        column: 'uuid',
        kind: 'equivalent',
        expected: 'gen_random_uuid()',
        actual: 'uuid_generate_v4()',
        message:
          'column "uuid" default uuid_generate_v4() is equivalent to gen_random_uuid(): each gives a random (version 4) uuid; uuid_generate_v4() needs the uuid-ossp extension, gen_random_uuid() is core since PostgreSQL 13, uuidv4() since 18',
      },
    ])
    // Nothing to change: diff proposes nothing for an equivalent.
    expect(planSchemaDiff([posts], postsCatalog([ours], v4)).steps).toEqual([])
    const v1 = postColumns.map((col) =>
      col.name === 'uuid' ? { ...col, default: 'uuid_generate_v1()' } : col,
    )
    expect(checkCatalog([posts], postsCatalog([ours], v1)).issues.map((i) => i.kind)).toEqual([
      'default',
    ])
  })
})

describe("defaults the text rules cannot match take the server's verdict", () => {
  const tagged = defineTable('tagged', {
    id: c.serial().primaryKey(),
    labels: c.textArray().defaultSql('ARRAY[]::text[]'),
    size: c.integer().defaultSql('1 + 1'),
  })
  const live = (labels: string, size: string): SchemaCatalog => ({
    schema: 'public',
    tables: [
      {
        name: 'tagged',
        columns: [
          column('id', 1, 'integer', {
            notNull: true,
            default: "nextval('tagged_id_seq'::regclass)",
          }),
          column('labels', 2, 'text[]', { default: labels }),
          column('size', 3, 'integer', { default: size }),
        ],
      },
    ],
    constraints: [{ ...pkey, table: 'tagged', name: 'tagged_pkey' }],
    indexes: [],
  })

  it('without a verdict, different texts are drift', () => {
    const result = checkCatalog([tagged], live("'{}'::text[]", '2'))
    expect(result.issues.map((i) => [i.kind, i.column, i.expected, i.actual])).toEqual([
      ['default', 'labels', 'ARRAY[]::text[]', "'{}'::text[]"],
      ['default', 'size', '1 + 1', '2'],
    ])
  })

  it('a verdict of "same" matches them; "different" keeps the drift', () => {
    const verdicts = new Map([
      [defaultKey('tagged', 'labels', 'ARRAY[]::text[]', "'{}'::text[]"), true],
      [defaultKey('tagged', 'size', '1 + 1', '3'), false],
    ])
    const result = checkCatalog([tagged], live("'{}'::text[]", '3'), {}, verdicts)
    expect(result.issues.map((i) => [i.kind, i.column])).toEqual([['default', 'size']])
    expect(result.notes).toBeUndefined()
  })
})

describe('formatSchemaReport with notes', () => {
  it('lists them after the issues, as not drift', () => {
    const text = formatSchemaReport({
      ok: true,
      issues: [],
      notes: [
        {
          table: 'posts',
          column: 'uuid',
          kind: 'equivalent',
          expected: 'gen_random_uuid()',
          actual: 'uuid_generate_v4()',
          message: 'column "uuid" default uuid_generate_v4() is equivalent to gen_random_uuid()',
        },
      ],
    })
    expect(text).toBe(
      [
        'Schema matches the definitions: no issues.',
        '',
        'Notes (not drift):',
        '  [equivalent] posts: column "uuid" default uuid_generate_v4() is equivalent to gen_random_uuid()',
        '    + gen_random_uuid()',
        '    - uuid_generate_v4()',
        '',
      ].join('\n'),
    )
  })
})
