/**
 * Issue 14, item 1: option and input checks say what was wrong without repeating the value.
 */
import { describe, expect, it } from 'vitest'
import { ConnectionGate, checkMilliseconds, checkPipeline } from '../../src/driver/connection-gate'
import { valueKind } from '../../src/errors/value-kind'
import {
  c,
  defineTable,
  generateDDL,
  generateDDLStatements,
  InvalidDefinitionError,
} from '../../src/index'
import { checkLimit, checkOffset, checkPage } from '../../src/query/query-options'
import { leaksOf } from '../setup/leak-check'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('option checks of the driver name the kind of a bad value, not the value', () => {
  const SECRET = 'CANARY-gate-1b7e'
  it.each([
    ['poolTimeout', () => checkMilliseconds('poolTimeout', SECRET), 'a string'],
    ['pipeline', () => checkPipeline({ token: SECRET }), 'an object'],
    ['pool size', () => new ConnectionGate(SECRET as never), 'a string'],
  ])('%s', (_, fn, kind) => {
    const error = thrown(fn)
    expect(error).toBeInstanceOf(RangeError)
    expect((error as Error).message).toContain(`got ${kind}`)
    expect(leaksOf(error, [SECRET])).toEqual([])
  })

  it('a negative or fractional number is described, not repeated', () => {
    expect((thrown(() => checkMilliseconds('timeout', -987_654)) as Error).message).not.toContain(
      '987654',
    )
    expect(valueKind(-1)).toBe('a negative number')
    expect(valueKind(1.5)).toBe('a number that is not an integer')
    expect(valueKind(Number.NaN)).toBe('NaN')
  })
})

describe('limit, offset and page out of range do not repeat the number', () => {
  it.each([
    ['limit', () => checkLimit(987_654_321)],
    ['offset', () => checkOffset(-987_654_321)],
    ['page', () => checkPage(987_654_321_000)],
  ])('%s', (path, fn) => {
    const error = thrown(fn) as Error
    expect(error.message).toContain(path)
    expect(error.message).not.toContain('987654321')
  })
})

describe('generateDDL takes the tables as an array or as a record, and refuses anything else', () => {
  const users = defineTable('ddl_users', { id: c.serial().primaryKey(), email: c.text() })
  const posts = defineTable('ddl_posts', {
    id: c.serial().primaryKey(),
    userId: c.integer().references(() => users.id),
  })

  it('a record (as Database.connect takes it) gives the DDL of its values', () => {
    expect(generateDDL({ users, posts })).toBe(generateDDL([users, posts]))
    expect(generateDDLStatements({ users, posts })).toEqual(generateDDLStatements([users, posts]))
  })

  it.each([
    ['a Map', () => generateDDL(new Map([['users', users]]) as never), 'tables must be', 'a Map'],
    ['a string', () => generateDDL('CANARY-ddl' as never), 'tables must be', 'a string'],
    ['undefined', () => generateDDLStatements(undefined as never), 'tables must be', 'undefined'],
    ['a hole in a list', () => generateDDL([users, undefined] as never), 'tables[1]', 'undefined'],
    [
      'a non-table value',
      () => generateDDL({ users, x: 'CANARY-ddl' } as never),
      'tables.x',
      'a string',
    ],
  ])('%s is an InvalidDefinitionError naming the argument', (_, fn, at, kind) => {
    const error = thrown(fn)
    expect(error).toBeInstanceOf(InvalidDefinitionError)
    expect((error as Error).message).toContain(`generateDDL: ${at}`)
    expect((error as Error).message).toContain(kind)
    expect(leaksOf(error, ['CANARY-ddl'])).toEqual([])
  })
})
