import { MAX_LIMIT } from './query-options'

/**
 * Most distinct limits one table writes into its statements as literals: an application pages
 * with a handful of page sizes; more (a client choosing any `limit` from 1 to 10,000) travel
 * as `$n`, so neither the statement cache nor the prepared statements of each connection
 * (postgres.js keeps one per text for the connection's life) grow with the values sent.
 */
export const MAX_LITERAL_LIMITS = 16

// The keyset page fetches one row more than its limit, to know whether there is a next page.
const LARGEST = MAX_LIMIT + 1

/**
 * The limits a table's finders write into their SQL as literals (`limit 21`, not `limit $3`).
 * With `limit $n`, PostgreSQL plans a prepared statement for every execution: a generic plan
 * must guess the limit (a tenth of the table), which makes it look costlier than the custom plans
 * it is compared with, so it is never chosen. With the limit in the text, the generic plan is the
 * custom one and is kept after five executions: a keyset page stops paying for its planning.
 *
 * A literal is written only for an integer the finders validated (0 to {@link MAX_LIMIT} + 1),
 * formatted here from the number, never from text; and only for the first
 * {@link MAX_LITERAL_LIMITS} distinct values a table sees (first come, kept for the table's
 * life): any other limit is a parameter, as before. Values in WHERE always stay parameters.
 *
 * @example
 * ```ts
 * const limits = new LiteralLimits()
 * limits.literal(21)  // '21': ... order by "id" asc limit 21
 * limits.literal(2.5) // undefined: ... order by "id" asc limit $1   -- [2.5] (never reached: checkLimit refuses it first)
 * ```
 */
export class LiteralLimits {
  readonly #max: number
  readonly #written = new Set<number>()

  constructor(max = MAX_LITERAL_LIMITS) {
    this.#max = max
  }

  /** The SQL text of `limit` as a literal, or `undefined` when it travels as a parameter. */
  literal(limit: number): string | undefined {
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > LARGEST) return undefined
    if (!this.#written.has(limit)) {
      if (this.#written.size >= this.#max) return undefined
      this.#written.add(limit)
    }
    return String(limit)
  }
}
