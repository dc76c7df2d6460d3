import { describe, expectTypeOf, test } from 'vitest'
import type { z } from 'zod'
import {
  Entity,
  type EntityClass,
  type EntityProps,
  type InsertProps,
  type JsonValue,
  type RowOf,
  type TableOfEntity,
  type UpdateProps,
} from '../../src/index'
import { everyKind, functions, users } from '../fixtures/tables'

class UserEntity extends Entity.of(users) {
  get domain(): string {
    return this.email.split('@')[1] ?? ''
  }
}

class FunctionEntity extends Entity.of(functions) {}

class EveryKindEntity extends Entity.of(everyKind) {}

declare const user: UserEntity
declare const fn: FunctionEntity
declare const every: EveryKindEntity

describe('entity fields', () => {
  test('have the column types, null unless NOT NULL', () => {
    expectTypeOf(user.id).toEqualTypeOf<number>()
    expectTypeOf(user.uuid).toEqualTypeOf<string>()
    expectTypeOf(user.email).toEqualTypeOf<string>()
    expectTypeOf(user.passwordHash).toEqualTypeOf<string>()
    expectTypeOf(user.createdAt).toEqualTypeOf<Date | null>()
    expectTypeOf(user.domain).toEqualTypeOf<string>()
  })

  test('every kind', () => {
    expectTypeOf(every.id).toEqualTypeOf<bigint>()
    expectTypeOf(every.small).toEqualTypeOf<number | null>()
    expectTypeOf(every.int).toEqualTypeOf<number>()
    expectTypeOf(every.big).toEqualTypeOf<bigint | null>()
    expectTypeOf(every.bigAsNumber).toEqualTypeOf<number | null>()
    expectTypeOf(every.price).toEqualTypeOf<string | null>()
    expectTypeOf(every.ratio).toEqualTypeOf<number | null>()
    expectTypeOf(every.score).toEqualTypeOf<number | null>()
    expectTypeOf(every.flag).toEqualTypeOf<boolean>()
    expectTypeOf(every.body).toEqualTypeOf<string | null>()
    expectTypeOf(every.code).toEqualTypeOf<string | null>()
    expectTypeOf(every.ref).toEqualTypeOf<string | null>()
    expectTypeOf(every.at).toEqualTypeOf<Date | null>()
    expectTypeOf(every.atTz).toEqualTypeOf<Date | null>()
    expectTypeOf(every.day).toEqualTypeOf<string | null>()
    expectTypeOf(every.data).toEqualTypeOf<JsonValue | null>()
    expectTypeOf(every.ip).toEqualTypeOf<string | null>()
    expectTypeOf(every.tags).toEqualTypeOf<string[] | null>()
    expectTypeOf(every.counts).toEqualTypeOf<number[] | null>()
    expectTypeOf(every.role).toEqualTypeOf<'developer' | 'team' | 'sub_team_developer' | null>()
    expectTypeOf(every.s3Key).toEqualTypeOf<string | null>()
    expectTypeOf(every.timestamp).toEqualTypeOf<Date | null>()
  })

  test('jsonb with a schema has the schema output type', () => {
    expectTypeOf(fn.analysisResult).toEqualTypeOf<{ score: number; notes: string[] } | null>()
    expectTypeOf(fn.userId).toEqualTypeOf<number>()
    expectTypeOf(fn.status).toEqualTypeOf<string | null>()
  })

  test('are readonly', () => {
    // @ts-expect-error readonly field
    user.email = 'x@y.z'
    // @ts-expect-error readonly field
    every.flag = false
    expectTypeOf(user).toHaveProperty('email')
  })

  test('SQL names are not properties', () => {
    // @ts-expect-error the property is passwordHash
    user.password_hash
    // @ts-expect-error the property is timestamp, the column ts
    every.ts
    expectTypeOf(every).toHaveProperty('timestamp')
  })
})

describe('entity methods', () => {
  test('toMap returns the snake_case row', () => {
    expectTypeOf(user.toMap()).toEqualTypeOf<RowOf<typeof users>>()
    expectTypeOf(user.toMap().password_hash).toEqualTypeOf<string>()
    expectTypeOf(every.toMap().ts).toEqualTypeOf<Date | null>()
  })

  test('copyWith returns the subclass and checks the patch', () => {
    expectTypeOf(user.copyWith({ email: 'x@y.z' })).toEqualTypeOf<UserEntity>()
    expectTypeOf(user.copyWith({})).toEqualTypeOf<UserEntity>()
    expectTypeOf(user.copyWith).parameter(0).toEqualTypeOf<UpdateProps<typeof users>>()
    user.copyWith({ createdAt: null })
    // @ts-expect-error unknown key
    user.copyWith({ nickname: 'x' })
    // @ts-expect-error wrong type
    user.copyWith({ email: 1 })
    // @ts-expect-error NOT NULL column
    user.copyWith({ email: null })
    // @ts-expect-error snake_case key
    user.copyWith({ password_hash: 'x' })
  })

  test('toJSON returns a record', () => {
    expectTypeOf(user.toJSON()).toEqualTypeOf<Record<string, unknown>>()
  })
})

describe('entity statics', () => {
  test('fromMap, parse and fromRow return the subclass', () => {
    expectTypeOf(UserEntity.fromMap({})).toEqualTypeOf<UserEntity>()
    expectTypeOf(UserEntity.parse({})).toEqualTypeOf<UserEntity>()
    expectTypeOf(UserEntity.fromRow({})).toEqualTypeOf<UserEntity>()
    expectTypeOf(FunctionEntity.fromMap({}).analysisResult).toEqualTypeOf<{
      score: number
      notes: string[]
    } | null>()
  })

  test('the base class gives its own instance type', () => {
    const Base = Entity.of(users)
    const base = Base.fromMap({})
    expectTypeOf(base.email).toEqualTypeOf<string>()
    // @ts-expect-error the base class has no subclass getter
    base.domain
  })

  test('the schemas have the derived types', () => {
    expectTypeOf<z.output<typeof UserEntity.schema>>().toEqualTypeOf<EntityProps<typeof users>>()
    expectTypeOf<z.output<typeof UserEntity.insertSchema>>().toEqualTypeOf<
      InsertProps<typeof users>
    >()
    expectTypeOf<z.output<typeof UserEntity.updateSchema>>().toEqualTypeOf<
      UpdateProps<typeof users>
    >()
  })

  test('the table is kept', () => {
    expectTypeOf(UserEntity.table).toEqualTypeOf<typeof users>()
    expectTypeOf<TableOfEntity<typeof UserEntity>>().toEqualTypeOf<typeof users>()
  })

  test('the constructor takes the entity props', () => {
    expectTypeOf(Entity.of(users)).toExtend<EntityClass<typeof users>>()
    expectTypeOf<ConstructorParameters<typeof UserEntity>[0]>().toEqualTypeOf<
      EntityProps<typeof users>
    >()
  })
})
