import { describe, expect, it } from 'vitest'
import type {
  CatalogColumn,
  CatalogConstraint,
  CatalogIndex,
  SchemaCatalog,
} from '../../src/drift/catalog'
import { planSchemaDiff } from '../../src/drift/diff-schema'
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
          'column "content" is not in the definitions and "body" is missing, with the same type (text): renamed, not dropped and added; run diff again for its nullability and default',
      },
    ])
    expect(diff.up).toContain(`-- GUESS: column "content"`)
    expect(diff.down).toBe('ALTER TABLE "notes" RENAME COLUMN "body" TO "content";\n')
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
