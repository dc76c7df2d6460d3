import { describe, expect, it } from 'vitest'
import {
  COLUMN_TYPES,
  c,
  defineTable,
  InvalidDefinitionError,
  InvalidQueryError,
} from '../../src/index'
import { serializeValue } from '../../src/manager/batch-values'
import { placeholder, toParameter } from '../../src/query/kind-parameter'
import { loadRelation } from '../../src/query/relation-loader'
import { compileWhere } from '../../src/query/where-clause'
import type { ColumnKind } from '../../src/schema/column-config'
import { columnSchema } from '../../src/schema/column-types'
import { generateDDLStatements } from '../../src/schema/generate-ddl'
import { captureExecutor, dummyKysely } from '../setup/capture-executor'

// bytea and citext were added through the column-type registry alone (an entry, the kind's name
// and its factory): these pin what each facet makes of them, without a database.

const files = defineTable('files', {
  id: c.serial().primaryKey(),
  name: c.citext().notNull().unique(),
  body: c.bytea().notNull(),
  magic: c.bytea().default(Uint8Array.of(0xca, 0xfe)),
})

const kysely = dummyKysely()
function where(input: unknown) {
  const clause = compileWhere(files, input)
  if (clause === undefined) throw new Error('expected a clause')
  const query = kysely.selectFrom('files').selectAll().where(clause.expression).compile()
  return {
    sql: query.sql.slice('select * from "files" where '.length),
    parameters: query.parameters,
  }
}
function refusal(input: unknown): InvalidQueryError {
  try {
    compileWhere(files, input)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidQueryError)
    return error as InvalidQueryError
  }
  throw new Error('expected an InvalidQueryError')
}
const byProperty = (p: string) => files.$meta.byProperty.get(p)!

describe('the column-type registry', () => {
  it('has an entry with every facet for every kind', () => {
    const kinds: Record<ColumnKind, true> = {
      serial: true,
      bigserial: true,
      integer: true,
      bigint: true,
      smallint: true,
      numeric: true,
      real: true,
      doublePrecision: true,
      boolean: true,
      text: true,
      varchar: true,
      citext: true,
      uuid: true,
      timestamp: true,
      timestamptz: true,
      date: true,
      jsonb: true,
      inet: true,
      bytea: true,
      textArray: true,
      integerArray: true,
    }
    expect(Object.keys(COLUMN_TYPES).sort()).toEqual(Object.keys(kinds).sort())
    const facets = Object.keys(COLUMN_TYPES.text).sort()
    for (const [kind, entry] of Object.entries(COLUMN_TYPES)) {
      expect(Object.keys(entry).sort(), kind).toEqual(facets)
    }
    expect(Object.isFrozen(COLUMN_TYPES)).toBe(true)
  })

  it('writes the DDL of bytea and citext, creating the citext extension first', () => {
    expect(generateDDLStatements([files], { triggers: false })).toEqual([
      'CREATE EXTENSION IF NOT EXISTS "citext"',
      'CREATE TABLE IF NOT EXISTS "files" (\n' +
        '  "id" serial PRIMARY KEY,\n' +
        '  "name" citext NOT NULL UNIQUE,\n' +
        '  "body" bytea NOT NULL,\n' +
        `  "magic" bytea DEFAULT '\\xcafe'::bytea\n` +
        ')',
    ])
  })

  it('validates bytea as bytes and citext as text', () => {
    const body = columnSchema(byProperty('body').config)
    expect(body.parse(Buffer.from('hi'))).toEqual(Buffer.from('hi'))
    expect(body.safeParse('\\x6869').success).toBe(false)
    expect(body.safeParse([104, 105]).success).toBe(false)
    const name = columnSchema(byProperty('name').config)
    expect(name.parse('Readme.MD')).toBe('Readme.MD')
    expect(name.safeParse('a\u0000b').success).toBe(false)
  })

  it('compiles bytea equality and lists as hex text cast to bytea', () => {
    expect(where({ body: Uint8Array.of(0xde, 0xad) })).toEqual({
      sql: '"body" = $1::text::bytea',
      parameters: ['\\xdead'],
    })
    expect(where({ body: { in: [Buffer.from([1]), Buffer.from([2, 3])] } })).toEqual({
      sql: '"body" = any($1::text[]::bytea[])',
      parameters: [['\\x01', '\\x0203']],
    })
    expect(where({ magic: null })).toEqual({ sql: '"magic" is null', parameters: [] })
  })

  it('refuses range and pattern operators on bytea, and text for it, naming the place', () => {
    expect(refusal({ body: { gt: Buffer.from([1]) } }).message).toContain(
      'not supported for a bytea column',
    )
    expect(refusal({ body: { like: 'x%' } }).message).toContain('like and ilike need a text')
    const wrong = refusal({ body: 'deadbeef' })
    expect(wrong.message).toContain('where.body')
    expect(wrong.message).toContain('expected a Uint8Array (or Buffer)')
    expect(wrong.message).not.toContain('deadbeef')
  })

  it('compiles citext as text: like, ilike and lists', () => {
    expect(where({ name: { ilike: 'read%' } })).toEqual({
      sql: '"name" ilike $1',
      parameters: ['read%'],
    })
    expect(where({ name: ['a', 'B'] })).toEqual({
      sql: '"name" = any($1)',
      parameters: [['a', 'B']],
    })
  })

  it('sends bytea as hex text in batches and hand-written SQL', () => {
    const body = byProperty('body')
    expect(serializeValue(body, Uint8Array.of(0, 255))).toBe('\\x00ff')
    expect(placeholder(body, 2)).toBe('$2::text::bytea')
    expect(toParameter(body, Buffer.from('hi'))).toBe('\\x6869')
    expect(toParameter(body, null)).toBe(null)
    expect(serializeValue(byProperty('name'), 'Readme')).toBe('Readme')
  })

  it('takes enum() only where the kind is text', () => {
    expect(() =>
      defineTable('t', { id: c.serial().primaryKey(), tag: c.citext().enum(['a', 'b']) }),
    ).not.toThrow()
    expect(() =>
      // @ts-expect-error enum() is for text kinds, and bytea is not one
      defineTable('t', { id: c.serial().primaryKey(), tag: c.bytea().enum(['a']) }),
    ).toThrow(InvalidDefinitionError)
  })
})

describe('relation loads', () => {
  // A relation keyed by a bytea column (a content hash) and one keyed by a bigint: the key list
  // travels as the where compiler sends a list of that kind, cast and encoded by the registry.
  const blobs = defineTable(
    'blobs',
    {
      hash: c.bytea().primaryKey(),
      big: c.bigint().unique(),
    },
    {
      relations: (r) => ({
        chunks: r.hasMany('chunks', 'blobHash', { references: 'hash' }),
        parts: r.hasMany('chunks', 'blobBig', { references: 'big' }),
      }),
    },
  )
  const chunks = defineTable('chunks', {
    id: c.serial().primaryKey(),
    blobHash: c.bytea().notNull(),
    blobBig: c.bigint(),
  })

  it('casts a bytea key list and sends each key as hex text', async () => {
    const cap = captureExecutor([blobs, chunks])
    await loadRelation(cap.executor, blobs, 'chunks', [{ hash: Uint8Array.of(0xab, 0x01) }])
    expect(cap.last()).toEqual({
      sql: 'select "id", "blob_hash", "blob_big" from "chunks" where "blob_hash" = any($1::text[]::bytea[])',
      parameters: [['\\xab01']],
    })
  })

  it('sends bigint keys beyond 2^53 as their exact decimal text', async () => {
    const cap = captureExecutor([blobs, chunks])
    await loadRelation(cap.executor, blobs, 'parts', [{ big: 9007199254740993n }, { big: 1n }])
    expect(cap.last()).toEqual({
      sql: 'select "id", "blob_hash", "blob_big" from "chunks" where "blob_big" = any($1)',
      parameters: [['9007199254740993', '1']],
    })
  })
})
