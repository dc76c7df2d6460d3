import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoText } from '../../src/values/iso-text'

const FIRST = -62_135_596_800_000 // 0001-01-01T00:00:00.000Z
const LAST = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z
const MAX_DATE = 8.64e15
const instants = (min: number, max: number) =>
  fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number)

// Date.UTC reads the years 0 to 99 as 1900 to 1999.
function utc(year: number, month: number, day: number): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month, day)
  return date.getTime()
}

describe('isoText', () => {
  it('writes what toISOString writes, for any date', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          instants(FIRST, LAST),
          instants(-MAX_DATE, MAX_DATE),
          instants(1_600_000_000_000, 1_800_000_000_000),
        ),
        (time) => {
          expect(isoText(new Date(time))).toBe(new Date(time).toISOString())
        },
      ),
      { numRuns: 5000 },
    )
  })

  it.each([
    ['the first instant of year 1', FIRST],
    ['the last of year 9999', LAST],
    ['the instant before year 1', FIRST - 1],
    ['the instant after year 9999', LAST + 1],
    ['the epoch', 0],
    ['the instant before it', -1],
    ['a leap day', Date.UTC(2024, 1, 29, 12)],
    ['the day after a century that is not a leap year', Date.UTC(1900, 2, 1)],
    ['the leap day of a 400th year', Date.UTC(2000, 1, 29, 23, 59, 59, 999)],
    ['a leap day of the first century', utc(4, 1, 29)],
    ['the last day of year 100, not a leap year', utc(100, 11, 31)],
    ['the largest date', MAX_DATE],
    ['the smallest date', -MAX_DATE],
  ])('writes %s as toISOString does', (_, time) => {
    expect(isoText(new Date(time))).toBe(new Date(time).toISOString())
  })

  it('throws as toISOString does for an invalid date', () => {
    expect(() => isoText(new Date(Number.NaN))).toThrow(RangeError)
  })
})
