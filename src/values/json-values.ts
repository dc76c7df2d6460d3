// Column values in their JSON form, as DTOs write them.

/** Converts one non-null column value to its JSON form. */
export type ColumnConverter = (value: unknown) => unknown

/**
 * A `Date` as its ISO string; an invalid date as null, as `Date.prototype.toJSON` writes it.
 * @example dateToJson(new Date(0)) // '1970-01-01T00:00:00.000Z'
 */
export const dateToJson: ColumnConverter = (v) =>
  v instanceof Date ? (Number.isFinite(v.getTime()) ? v.toISOString() : null) : v

/**
 * Bytes as base64 text (JSON has no bytes; `Buffer`'s own `toJSON` writes an array of numbers).
 * @example bytesToJson(Buffer.from('hi')) // 'aGk='
 */
export const bytesToJson: ColumnConverter = (v) =>
  v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v

/** A `bigint` as a decimal string. @example bigintToJson(12n) // '12' */
export const bigintToJson: ColumnConverter = (v) => (typeof v === 'bigint' ? v.toString() : v)

/**
 * JSON has no NaN or Infinity (PostgreSQL floats do): null, as `JSON.stringify` writes.
 * @example finiteOrNull(Number.NaN) // null
 */
export const finiteOrNull: ColumnConverter = (v) =>
  typeof v === 'number' && !Number.isFinite(v) ? null : v
