import { describe, expect, it } from 'vitest'
import {
  DEFAULT_QUERY_DEADLINE,
  QUERY_DEADLINE_MARGIN,
  resolveQueryDeadline,
} from '../../src/driver/query-deadline'
import { ConnectionError, KyselyEntitiesError, QueryDeadlineError } from '../../src/index'

describe('resolveQueryDeadline', () => {
  it('is statementTimeout plus a margin, so the server timeout fires first', () => {
    expect(resolveQueryDeadline(undefined, 2_000)).toBe(2_000 + QUERY_DEADLINE_MARGIN)
    // postgres.js keeps connection parameters as given, a string from a URL.
    expect(resolveQueryDeadline(undefined, '2000')).toBe(2_000 + QUERY_DEADLINE_MARGIN)
  })

  it('is five minutes without a statementTimeout (0 is none too)', () => {
    expect(resolveQueryDeadline(undefined, undefined)).toBe(DEFAULT_QUERY_DEADLINE)
    expect(resolveQueryDeadline(undefined, 0)).toBe(DEFAULT_QUERY_DEADLINE)
    expect(DEFAULT_QUERY_DEADLINE).toBe(300_000)
  })

  it('takes an explicit queryDeadline, Infinity for none', () => {
    expect(resolveQueryDeadline(750, 2_000)).toBe(750)
    expect(resolveQueryDeadline(Number.POSITIVE_INFINITY, 2_000)).toBe(Number.POSITIVE_INFINITY)
  })

  it('refuses a queryDeadline that is not a number > 0, without echoing a string', () => {
    for (const bad of [0, -5, Number.NaN, '1000', null, {}]) {
      expect(() => resolveQueryDeadline(bad, undefined)).toThrow(RangeError)
    }
    expect(() => resolveQueryDeadline('s3cr3t', undefined)).toThrow(/got a string/)
    expect(() => resolveQueryDeadline('s3cr3t', undefined)).not.toThrow(/s3cr3t/)
  })
})

describe('QueryDeadlineError', () => {
  it('is a ConnectionError with its own code, naming the deadline and the server', () => {
    const error = new QueryDeadlineError(1_000, '127.0.0.1:5432')
    expect(error).toBeInstanceOf(ConnectionError)
    expect(error).toBeInstanceOf(KyselyEntitiesError)
    expect(error).toMatchObject({
      code: 'QUERY_DEADLINE',
      deadline: 1_000,
      name: 'QueryDeadlineError',
    })
    expect(error.message).toContain('1000 ms')
    expect(error.message).toContain('127.0.0.1:5432')
    expect(error.cause).toBeUndefined()
  })
})
