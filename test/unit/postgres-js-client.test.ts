import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDriverTimestamp } from '../../src/driver/postgres-js-client'
import { parseTimestamp } from '../../src/values/timestamp-text'

// What PostgreSQL prints (DateStyle ISO, TimeZone UTC): fractions without trailing zeros.
function pgText(date: Date, micros: number, zone: '' | '+00'): string {
  const iso = date.toISOString()
  const fraction = `${iso.slice(20, 23)}${String(micros).padStart(3, '0')}`.replace(/0+$/, '')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction === '' ? '' : `.${fraction}`}${zone}`
}

describe('parseDriverTimestamp', () => {
  it('reads every timestamp PostgreSQL prints exactly as the careful parser does', () => {
    fc.assert(
      fc.property(
        fc.date({ noInvalidDate: true, min: new Date('0001-01-01'), max: new Date('9999-12-31') }),
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom('' as const, '+00' as const),
        (date, micros, zone) => {
          const text = pgText(date, micros, zone)
          expect(parseDriverTimestamp(text).getTime()).toBe(parseTimestamp(text).getTime())
          expect(parseDriverTimestamp(text).getTime()).toBe(date.getTime())
        },
      ),
      { numRuns: 5_000 },
    )
  })

  it('leaves the uncommon forms to the careful parser', () => {
    for (const text of [
      '0099-01-01 00:00:00',
      '2024-02-29 23:30:00-05',
      '1800-01-01 00:00:00+00:19:32',
      '2024-01-02 03:04:05 BC',
      '2024-01-02 03:04:05+05:30',
      '2024-01-02 03:04:05+01',
      '2024-01-02T03:04:05',
      'x024-01-02 03:04:05',
      '2024-01-02 03:04:05.12a',
      '2024-01-02 03:04:05.',
      '2024-01-02 03:04:05.1234567',
      '2024-01-02 03:04:5',
      '2024-01-02 03:04:05.5+00',
    ]) {
      expect(parseDriverTimestamp(text).getTime()).toEqual(parseTimestamp(text).getTime())
    }
  })
})
