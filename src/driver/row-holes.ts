/**
 * postgres.js 3.4 numbers the rows of a result with a counter of the connection that only a
 * statement's successful end resets: when a statement fails after some of its rows arrived (an
 * error raised by a later row, a statement timeout, a cancel), the next statement on that
 * connection, a pipelined read for one, gets its rows after as many empty slots, `[ <1 empty
 * item>, row ]`, with a right `count` (porsager/postgres#1119, #1181; unfixed in 3.4.9). A finder
 * reading `rows[0]` would see no row. A row is never `undefined`, so the empty slots are cut off
 * here, in place (the result keeps `count` and `command`).
 *
 * @example
 * ```ts
 * const rows = [, { id: 1 }] // as postgres.js resolves it after the failure
 * withoutLeadingHoles(rows)  // [{ id: 1 }]
 * ```
 */
export function withoutLeadingHoles<R extends unknown[]>(rows: R): R {
  if (rows.length === 0 || 0 in rows) return rows
  let first = 1
  while (first < rows.length && !(first in rows)) first++
  rows.copyWithin(0, first)
  rows.length -= first
  return rows
}
