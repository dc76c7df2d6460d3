/**
 * Issue 14, item 1: option and input checks say what was wrong without repeating the value.
 */
import { describe, expect, it } from 'vitest'
import { ConnectionGate, checkMilliseconds, checkPipeline } from '../../src/driver/connection-gate'
import { valueKind } from '../../src/errors/value-kind'
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
