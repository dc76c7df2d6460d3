import { describe, expectTypeOf, test } from 'vitest'
import {
  type ColumnType,
  c,
  type DtoOutput,
  defineDto,
  defineTable,
  Entity,
  type EntityProps,
  type IntegerKind,
  type KindsWith,
  type WhereInput,
} from '../../src/index'

const files = defineTable('files', {
  id: c.serial().primaryKey(),
  uuid: c.uuid().notNull().unique().defaultRandom(),
  name: c.citext().notNull(),
  body: c.bytea().notNull(),
})
type W = WhereInput<typeof files>
const w = <X extends W>(where: X) => where

describe('the column-type registry at the type level', () => {
  test('an entry that lacks a facet is refused by the compiler', () => {
    const { extension: _dropped, ...lacking } = {} as ColumnType
    // @ts-expect-error `extension` is missing
    const entry: ColumnType = lacking
    expectTypeOf(entry).toEqualTypeOf<ColumnType>()
  })

  test('kinds are grouped by their facets', () => {
    expectTypeOf<IntegerKind>().toEqualTypeOf<'integer' | 'bigint' | 'smallint'>()
    expectTypeOf<KindsWith<'where', 'text'>>().toEqualTypeOf<'text' | 'varchar' | 'citext'>()
    expectTypeOf<KindsWith<'clock', 'instant'>>().toEqualTypeOf<'timestamp' | 'timestamptz'>()
  })

  test('bytea is a Uint8Array, citext a string, and their DTO output is JSON', () => {
    expectTypeOf<EntityProps<typeof files>['body']>().toEqualTypeOf<Uint8Array>()
    expectTypeOf<EntityProps<typeof files>['name']>().toEqualTypeOf<string>()
    class FileEntity extends Entity.of(files) {}
    const FileDto = defineDto(FileEntity, { uuid: true, name: true, body: true })
    expectTypeOf<DtoOutput<typeof FileDto>>().toEqualTypeOf<{
      uuid: string
      name: string
      body: string
    }>()
  })

  test('where operators follow the family: bytea compares whole, citext is text', () => {
    w({ body: Buffer.from('x'), name: { ilike: 'a%' } })
    w({ body: { in: [Uint8Array.of(1)] }, name: ['a', 'b'] })
    // @ts-expect-error no range on bytea
    w({ body: { gt: Uint8Array.of(1) } })
    // @ts-expect-error no pattern on bytea
    w({ body: { like: 'x' } })
    // @ts-expect-error a string is not bytes
    w({ body: 'deadbeef' })
  })

  test('modifiers follow the registry', () => {
    c.citext().enum(['a', 'b'])
    c.timestamptz().defaultNow().onUpdateNow()
    c.date().defaultNow()
    // @ts-expect-error onUpdateNow() needs a kind whose clock is an instant
    c.date().onUpdateNow()
    // @ts-expect-error enum() needs a text kind
    c.bytea().enum(['a'])
  })
})
