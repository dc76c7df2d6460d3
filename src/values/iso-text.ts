// Date#toISOString, computed in JavaScript: the engine's own goes through a slow runtime call, and
// batches write one per timestamp cell.

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))
const DAY = 86_400_000
const HOUR = 3_600_000
const MINUTE = 60_000
// Years 1 to 9999, the years a timestamp column takes: four-digit years, as toISOString writes them.
const FIRST = -62_135_596_800_000 // 0001-01-01T00:00:00.000Z
const LAST = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z

// 'YYYY-MM-DDT' of a day counted from 1970-01-01 (proleptic Gregorian, as Date counts), by
// Howard Hinnant's days-to-civil algorithm.
function dayText(days: number): string {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  )
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`
}

/**
 * `date.toISOString()`, three to four times faster for the years 1 to 9999; other dates (and an
 * invalid one, which throws its RangeError) are left to `toISOString` itself.
 *
 * @example
 * ```ts
 * isoText(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 123))) // '2024-02-29T23:59:59.123Z'
 * ```
 */
export function isoText(date: Date): string {
  const time = date.getTime()
  if (!(time >= FIRST && time <= LAST)) return date.toISOString()
  const days = Math.floor(time / DAY)
  let rest = time - days * DAY
  const hours = Math.floor(rest / HOUR)
  rest -= hours * HOUR
  const minutes = Math.floor(rest / MINUTE)
  rest -= minutes * MINUTE
  const seconds = Math.floor(rest / 1000)
  return `${dayText(days)}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`
}
