import type { Generated, Insertable, Selectable, Updateable } from 'kysely'
import { describe, expectTypeOf, test } from 'vitest'
import { z } from 'zod'
import {
  type ColumnNameOf,
  c,
  type Database,
  defineTable,
  type EntityProps,
  type InsertProps,
  type JsonValue,
  type KyselyDatabase,
  type KyselyTable,
  type PropertyOf,
  type RowOf,
  type UpdateProps,
} from '../../src/index'
import type { SnakeCase } from '../../src/schema/naming'
import { everyKind, type functions, users } from '../fixtures/tables'

type Role = 'developer' | 'team' | 'sub_team_developer'

/** Flattens Kysely's intersections so they compare equal to an object literal. */
type Flat<T> = { [K in keyof T]: T[K] }

declare const db: Database<{ users: typeof users; functions: typeof functions }>

describe('SnakeCase', () => {
  test('matches the run-time rule', () => {
    expectTypeOf<SnakeCase<'passwordHash'>>().toEqualTypeOf<'password_hash'>()
    expectTypeOf<SnakeCase<'s3Key'>>().toEqualTypeOf<'s3_key'>()
    expectTypeOf<SnakeCase<'activeDeploymentId'>>().toEqualTypeOf<'active_deployment_id'>()
    expectTypeOf<SnakeCase<'already_snake'>>().toEqualTypeOf<'already_snake'>()
    expectTypeOf<SnakeCase<'a'>>().toEqualTypeOf<'a'>()
  })
})

describe('table values', () => {
  test('the table name is a literal', () => {
    expectTypeOf(users.$name).toEqualTypeOf<'users'>()
    expectTypeOf(everyKind.$name).toEqualTypeOf<'every_kind'>()
  })

  test('columns are properties of the table', () => {
    expectTypeOf(users.email.property).toEqualTypeOf<'email'>()
    expectTypeOf(users.email.name).toEqualTypeOf<string>()
    // @ts-expect-error not a column
    users.nope
  })

  test('options only name known properties', () => {
    defineTable('t', { a: c.integer().notNull() }, { indexes: [['a']] })
    // @ts-expect-error unknown column in an index
    defineTable('t', { a: c.integer().notNull() }, { indexes: [['b']] })
    defineTable(
      't',
      { a: c.integer().notNull(), b: c.jsonb() },
      {
        indexes: [
          { columns: ['a', { column: 'a', order: 'desc', nulls: 'last' }], include: ['b'] },
          { columns: [{ column: 'b', opclass: 'jsonb_path_ops' }], using: 'gin' },
        ],
      },
    )
    // @ts-expect-error unknown column in a full index's key
    defineTable('t', { a: c.integer().notNull() }, { indexes: [{ columns: [{ column: 'b' }] }] })
    const one = { a: c.integer() }
    // @ts-expect-error unknown column in a full index's include
    defineTable('t', one, { indexes: [{ columns: ['a'], include: ['b'] }] })
    // @ts-expect-error unknown index key option
    defineTable('t', { a: c.integer() }, { indexes: [{ columns: [{ column: 'a', dir: 'desc' }] }] })
    // @ts-expect-error unknown direction
    defineTable('t', one, { indexes: [{ columns: [{ column: 'a', order: 'down' }] }] })
    // @ts-expect-error unknown method
    defineTable('t', { a: c.integer() }, { indexes: [{ columns: ['a'], using: 'rum' }] })
    // @ts-expect-error unknown column in softDelete
    defineTable('t', { a: c.timestamp() }, { softDelete: 'b' })
    // @ts-expect-error unknown column in primaryKey
    defineTable('t', { a: c.integer().notNull() }, { primaryKey: ['b'] })
  })
})

describe('EntityProps', () => {
  type P = EntityProps<typeof everyKind>

  test('every kind has its JavaScript type, null unless NOT NULL', () => {
    expectTypeOf<P>().toEqualTypeOf<{
      readonly id: bigint
      readonly small: number | null
      readonly int: number
      readonly big: bigint | null
      readonly bigAsNumber: number | null
      readonly price: string | null
      readonly ratio: number | null
      readonly score: number | null
      readonly flag: boolean
      readonly body: string | null
      readonly code: string | null
      readonly ref: string | null
      readonly at: Date | null
      readonly atTz: Date | null
      readonly day: string | null
      readonly data: JsonValue | null
      readonly ip: string | null
      readonly tags: string[] | null
      readonly counts: number[] | null
      readonly role: Role | null
      readonly s3Key: string | null
      readonly timestamp: Date | null
    }>()
  })

  test('jsonb with a schema has the schema output type', () => {
    expectTypeOf<EntityProps<typeof functions>['analysisResult']>().toEqualTypeOf<{
      score: number
      notes: string[]
    } | null>()
  })

  test('modes change bigint and numeric types', () => {
    const t = defineTable('modes', {
      a: c.bigserial({ mode: 'number' }),
      b: c.bigint({ mode: 'number' }).notNull(),
      d: c.numeric(10, 2, { mode: 'number' }).notNull(),
      e: c.numeric(10, 2).notNull(),
      f: c.bigint().notNull(),
    })
    expectTypeOf<EntityProps<typeof t>>().toEqualTypeOf<{
      readonly a: number
      readonly b: number
      readonly d: number
      readonly e: string
      readonly f: bigint
    }>()
  })

  test('enum gives a union; $type narrows; nullable() undoes notNull()', () => {
    const t = defineTable('t', {
      kind: c.text().notNull().enum(['a', 'b']),
      meta: c.jsonb().$type<{ v: 1 }>().notNull(),
      note: c.text().notNull().nullable(),
    })
    expectTypeOf<EntityProps<typeof t>['kind']>().toEqualTypeOf<'a' | 'b'>()
    expectTypeOf<EntityProps<typeof t>['meta']>().toEqualTypeOf<{ v: 1 }>()
    expectTypeOf<EntityProps<typeof t>['note']>().toEqualTypeOf<string | null>()
  })

  test('name() does not change the property', () => {
    expectTypeOf<PropertyOf<typeof everyKind>>().toEqualTypeOf<keyof P>()
    expectTypeOf<P>().toHaveProperty('timestamp')
  })
})

describe('InsertProps and UpdateProps', () => {
  test('NOT NULL without default is required; generated and nullable are optional', () => {
    expectTypeOf<InsertProps<typeof users>>().toEqualTypeOf<{
      email: string
      passwordHash: string
      id?: number
      uuid?: string
      createdAt?: Date | null
      updatedAt?: Date | null
    }>()
  })

  test('a NOT NULL column with a default is optional', () => {
    expectTypeOf<InsertProps<typeof everyKind>>().toHaveProperty('int').toEqualTypeOf<number>()
    expectTypeOf<InsertProps<typeof everyKind>['flag']>().toEqualTypeOf<boolean | undefined>()
    const ok: InsertProps<typeof everyKind> = { int: 1 }
    expectTypeOf(ok.int).toEqualTypeOf<number>()
    // @ts-expect-error int is required
    const missing: InsertProps<typeof everyKind> = { flag: true }
    expectTypeOf(missing).not.toBeAny()
  })

  test('every update field is optional', () => {
    expectTypeOf<UpdateProps<typeof users>>().toEqualTypeOf<{
      id?: number
      uuid?: string
      email?: string
      passwordHash?: string
      createdAt?: Date | null
      updatedAt?: Date | null
    }>()
    const empty: UpdateProps<typeof users> = {}
    expectTypeOf(empty).toEqualTypeOf<UpdateProps<typeof users>>()
  })
})

describe('RowOf', () => {
  test('uses snake_case SQL names and name() overrides', () => {
    expectTypeOf<RowOf<typeof users>>().toEqualTypeOf<{
      id: number
      uuid: string
      email: string
      password_hash: string
      created_at: Date | null
      updated_at: Date | null
    }>()
    expectTypeOf<RowOf<typeof everyKind>>().toHaveProperty('ts').toEqualTypeOf<Date | null>()
    expectTypeOf<RowOf<typeof everyKind>>().toHaveProperty('s3_key')
    expectTypeOf<RowOf<typeof everyKind>>().toHaveProperty('at_tz')
    expectTypeOf<RowOf<typeof everyKind>>().toHaveProperty('big_as_number')
    expectTypeOf<'timestamp'>().not.toExtend<ColumnNameOf<typeof everyKind>>()
    expectTypeOf<'s3Key'>().not.toExtend<ColumnNameOf<typeof everyKind>>()
  })
})

describe('KyselyTable and KyselyDatabase', () => {
  type UsersTable = KyselyTable<typeof users>

  test('wraps columns with a default in Generated<>', () => {
    expectTypeOf<UsersTable>().toEqualTypeOf<{
      id: Generated<number>
      uuid: Generated<string>
      email: string
      password_hash: string
      created_at: Generated<Date | null>
      updated_at: Generated<Date | null>
    }>()
  })

  test('Selectable reads every column', () => {
    expectTypeOf<Selectable<UsersTable>>().toEqualTypeOf<{
      id: number
      uuid: string
      email: string
      password_hash: string
      created_at: Date | null
      updated_at: Date | null
    }>()
  })

  test('Insertable requires only NOT NULL columns without a default', () => {
    expectTypeOf<Flat<Insertable<UsersTable>>>().toEqualTypeOf<{
      email: string
      password_hash: string
      id?: number
      uuid?: string
      created_at?: Date | null
      updated_at?: Date | null
    }>()
  })

  test('Updateable makes everything optional', () => {
    expectTypeOf<Updateable<UsersTable>>().toEqualTypeOf<{
      id?: number
      uuid?: string
      email?: string
      password_hash?: string
      created_at?: Date | null
      updated_at?: Date | null
    }>()
  })

  test('a NOT NULL default column is Generated and optional on insert', () => {
    expectTypeOf<KyselyTable<typeof everyKind>['flag']>().toEqualTypeOf<Generated<boolean>>()
    expectTypeOf<KyselyTable<typeof everyKind>['int']>().toEqualTypeOf<number>()
    expectTypeOf<KyselyTable<typeof everyKind>['ts']>().toEqualTypeOf<Date | null>()
  })

  test('KyselyDatabase is keyed by SQL table name, not by the record key', () => {
    type DB = KyselyDatabase<{ accounts: typeof users; everything: typeof everyKind }>
    expectTypeOf<keyof DB>().toEqualTypeOf<'users' | 'every_kind'>()
    expectTypeOf<DB['users']>().toEqualTypeOf<UsersTable>()
  })
})

describe('Database kysely typing', () => {
  test('select returns the selected columns with their types', () => {
    const query = db.kysely.selectFrom('users').select(['uuid', 'email'])
    expectTypeOf<Awaited<ReturnType<typeof query.executeTakeFirstOrThrow>>>().toEqualTypeOf<{
      uuid: string
      email: string
    }>()
  })

  test('selectAll returns the whole row', () => {
    const query = db.kysely.selectFrom('functions').selectAll()
    type Row = Awaited<ReturnType<typeof query.executeTakeFirstOrThrow>>
    expectTypeOf<Row['user_id']>().toEqualTypeOf<number>()
    expectTypeOf<Row['analysis_result']>().toEqualTypeOf<{
      score: number
      notes: string[]
    } | null>()
  })

  test('unknown tables and columns are type errors', () => {
    // @ts-expect-error unknown table
    db.kysely.selectFrom('nope')
    // @ts-expect-error unknown column
    db.kysely.selectFrom('users').select(['nope'])
    // @ts-expect-error camelCase property, not an SQL name
    db.kysely.selectFrom('users').select(['passwordHash'])
  })

  test('inserts require NOT NULL columns without a default', () => {
    db.kysely.insertInto('users').values({ email: 'a@b.c', password_hash: 'h' })
    // @ts-expect-error password_hash is missing
    db.kysely.insertInto('users').values({ email: 'a@b.c' })
  })
})

describe('modifier restrictions', () => {
  test('defaultNow() needs a timestamp or date column', () => {
    c.timestamp().defaultNow()
    c.timestamptz().defaultNow()
    c.date().defaultNow()
    // @ts-expect-error text has no defaultNow()
    c.text().defaultNow()
    // @ts-expect-error integer has no defaultNow()
    c.integer().defaultNow()
  })

  test('defaultRandom() needs a uuid column', () => {
    c.uuid().defaultRandom()
    // @ts-expect-error not a uuid column
    c.integer().defaultRandom()
    // @ts-expect-error not a uuid column
    c.text().defaultRandom()
    c.uuid().defaultRandom({ version: 7 })
    c.uuid().defaultRandom({ version: 4 })
    // @ts-expect-error version 4 or 7 only
    c.uuid().defaultRandom({ version: 5 })
    const v7 = defineTable('v7', { id: c.uuid().primaryKey().defaultRandom({ version: 7 }) })
    expectTypeOf<InsertProps<typeof v7>>().toEqualTypeOf<{ id?: string | undefined }>()
  })

  test('enum() needs a text or varchar column', () => {
    c.text().enum(['a'])
    c.varchar(5).enum(['a'])
    // @ts-expect-error not a text column
    c.integer().enum(['a'])
    // @ts-expect-error an enum needs at least one value
    c.text().enum([])
  })

  test('onUpdateNow() needs a timestamp column', () => {
    c.timestamp().onUpdateNow()
    // @ts-expect-error date has no onUpdateNow()
    c.date().onUpdateNow()
  })

  test('default() takes a value of the column type', () => {
    c.integer().default(1)
    c.varchar(10).enum(['a', 'b']).default('a')
    c.jsonb(z.object({ n: z.number() })).default({ n: 1 })
    // @ts-expect-error a string default on an integer
    c.integer().default('1')
    // @ts-expect-error a value outside the enum
    c.varchar(10).enum(['a', 'b']).default('c')
  })

  test('references() makes integer keys internal at the type level', () => {
    const b = c.integer().references(() => users.id)
    expectTypeOf<(typeof b)['~state']['internal']>().toEqualTypeOf<true>()
    const u = c.uuid().references(() => users.uuid)
    expectTypeOf<(typeof u)['~state']['internal']>().toEqualTypeOf<false>()
  })
})
