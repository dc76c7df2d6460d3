// Values as drivers return them, normalised to the documented JavaScript types. Drivers disagree
// (pg and postgres.js return int8 as strings, pg returns dates as Date): decoding makes entities
// the same whatever dialect is underneath.
import { parseTimestamp } from './timestamp-text'

/** Normalises one non-null value as a driver returned it (an int8 string to a `bigint`, ...). */
export type Decode = (value: unknown) => unknown

/** int8 to `bigint`. @example toBigInt('9007199254740993') // 9007199254740993n */
export const toBigInt: Decode = (v) => (typeof v === 'bigint' ? v : BigInt(v as string | number))

/** Any numeric text to `number`. @example toNumber('1.5') // 1.5 */
export const toNumber: Decode = (v) => (typeof v === 'number' ? v : Number(v))

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/**
 * A `date` as `'YYYY-MM-DD'`. A driver that returns a `date` as a Date (pg) builds it at local
 * midnight: the local calendar day is read, or every date east of UTC would come back a day early.
 * @example toDateString('2024-01-02') // '2024-01-02'
 */
export const toDateString: Decode = (v) =>
  v instanceof Date ? `${pad(v.getFullYear(), 4)}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}` : v

/** A timestamp to `Date`. @example toDate('2024-01-02 03:04:05+00') // 2024-01-02T03:04:05.000Z */
export const toDate: Decode = (v) => (v instanceof Date ? v : parseTimestamp(String(v)))

/** An exact decimal as its text. @example toNumericString(1.5) // '1.5' */
export const toNumericString: Decode = (v) => (typeof v === 'string' ? v : String(v))
