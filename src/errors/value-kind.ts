/**
 * Names the kind of a value for an error message, never the value itself (it may be user data):
 * its type, and for a number what is wrong with it.
 *
 * @example
 * ```ts
 * valueKind('s3cr3t') // 'a string'
 * valueKind(-1)       // 'a negative number'
 * valueKind(1.5)      // 'a number that is not an integer'
 * valueKind(NaN)      // 'NaN'
 * ```
 */
export function valueKind(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a Date'
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN'
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
    if (value < 0) return 'a negative number'
    return Number.isInteger(value) ? 'an integer out of range' : 'a number that is not an integer'
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
