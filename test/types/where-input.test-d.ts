import { describe, expectTypeOf, test } from 'vitest'
import type { compileWhere, WhereClause } from '../../src/query/where-clause'
import type { ColumnOperators, ColumnWhere, WhereInput } from '../../src/query/where-input'
import type { StateOf } from '../../src/schema/column-builder'
import type { JsonValue } from '../../src/schema/columns'
import type { ColumnsOf } from '../../src/schema/table-types'
import type { everyKind, functions } from '../fixtures/tables'

type F = WhereInput<typeof functions>
type E = WhereInput<typeof everyKind>
type StateIn<T extends typeof functions | typeof everyKind, K extends keyof ColumnsOf<T>> = StateOf<
  ColumnsOf<T>[K]
>

const f = <W extends F>(where: W) => where
const e = <W extends E>(where: W) => where

describe('WhereInput', () => {
  test('keys are the properties of the table, plus and, or, not', () => {
    expectTypeOf<keyof F>().toEqualTypeOf<
      | 'id'
      | 'uuid'
      | 'userId'
      | 'name'
      | 'status'
      | 'activeDeploymentId'
      | 'analysisResult'
      | 'createdAt'
      | 'and'
      | 'or'
      | 'not'
    >()
    expectTypeOf<F['and']>().toEqualTypeOf<readonly F[] | undefined>()
    expectTypeOf<F['not']>().toEqualTypeOf<F | undefined>()
  })

  test('a column takes a value, null when nullable, a list or operators', () => {
    expectTypeOf<ColumnWhere<StateIn<typeof functions, 'userId'>>>().toEqualTypeOf<
      number | readonly number[] | ColumnOperators<StateIn<typeof functions, 'userId'>>
    >()
    expectTypeOf<ColumnWhere<StateIn<typeof functions, 'status'>>>().toEqualTypeOf<
      string | null | readonly string[] | ColumnOperators<StateIn<typeof functions, 'status'>>
    >()
    expectTypeOf<NonNullable<F['createdAt']>>().toExtend<Date | null | readonly Date[] | object>()
  })

  test('accepts well-typed input', () => {
    f({ status: 'active', userId: [1, 2], createdAt: { gte: new Date(), lt: new Date() } })
    f({ status: null, activeDeploymentId: { isNull: true }, name: { ilike: 'a%' } })
    f({ or: [{ status: { in: ['a', 'b'] } }, { not: { uuid: { ne: 'x' } } }] })
    f({ analysisResult: { contains: { score: 1 } } })
    f({ analysisResult: { eq: { score: 1, notes: [] } } })
    e({ tags: ['a'], counts: { contains: [1] }, data: 5, big: { gt: 1n } })
    e({ role: ['team', 'developer'], day: { gte: '2024-01-01' }, flag: true })
  })

  test('operators depend on the kind of the column', () => {
    type Text = ColumnOperators<StateIn<typeof everyKind, 'body'>>
    type Int = ColumnOperators<StateIn<typeof everyKind, 'int'>>
    type Json = ColumnOperators<StateIn<typeof everyKind, 'data'>>
    type Tags = ColumnOperators<StateIn<typeof everyKind, 'tags'>>
    expectTypeOf<Text['like']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<Int['in']>().toEqualTypeOf<readonly number[] | undefined>()
    expectTypeOf<Int['eq']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<Json['contains']>().toEqualTypeOf<JsonValue | undefined>()
    expectTypeOf<Tags['contains']>().toEqualTypeOf<string[] | undefined>()
    expectTypeOf<keyof Int>().not.toEqualTypeOf<keyof Text>()
    expectTypeOf<'like' extends keyof Int ? true : false>().toEqualTypeOf<false>()
    expectTypeOf<'contains' extends keyof Int ? true : false>().toEqualTypeOf<false>()
    expectTypeOf<'gt' extends keyof Json ? true : false>().toEqualTypeOf<false>()
    expectTypeOf<'in' extends keyof Tags ? true : false>().toEqualTypeOf<false>()
  })

  test('enum columns take their values only', () => {
    e({ role: { in: ['team'] } })
    // @ts-expect-error not a value of the enum
    e({ role: 'admin' })
  })

  test('wrong keys and values are compile errors', () => {
    // @ts-expect-error unknown column
    f({ nope: 1 })
    // @ts-expect-error SQL name instead of the property
    f({ user_id: 1 })
    // @ts-expect-error a string for an integer column
    f({ userId: '1' })
    // @ts-expect-error a number for a text column
    f({ name: 1 })
    // @ts-expect-error null for a NOT NULL column
    f({ userId: null })
    // @ts-expect-error like on a number column
    f({ userId: { like: '1%' } })
    // @ts-expect-error in with the wrong element type
    f({ userId: { in: ['1'] } })
    // @ts-expect-error gt with a list
    f({ userId: { gt: [1] } })
    // @ts-expect-error an unknown operator
    f({ status: { $where: 'x' } })
    // @ts-expect-error isNull takes a boolean
    f({ status: { isNull: 1 } })
    // @ts-expect-error a wrong key inside or
    f({ or: [{ nope: 1 }] })
    // @ts-expect-error a document for jsonb needs eq or contains
    f({ analysisResult: { score: 1, notes: [] } })
    // @ts-expect-error contains on a text column
    e({ body: { contains: 'a' } })
    // @ts-expect-error in on an array column
    e({ tags: { in: [['a']] } })
    // @ts-expect-error a number for a timestamp column
    e({ at: { gt: 1 } })
  })

  test('compileWhere returns a clause or undefined', () => {
    expectTypeOf<ReturnType<typeof compileWhere>>().toEqualTypeOf<WhereClause | undefined>()
    expectTypeOf<WhereClause['values']>().toEqualTypeOf<readonly unknown[]>()
  })
})
