/**
 * The result of one statement, as a handle's `execute` gives it.
 * @example
 * ```ts
 * const { rows, numAffectedRows }: ExecuteResult<{ id: number }> = await db.execute(query)
 * // update "functions" set ... -> { rows: [], numAffectedRows: 3n }
 * ```
 */
export interface ExecuteResult<R> {
  readonly rows: readonly R[]
  /** Rows changed by INSERT/UPDATE/DELETE. */
  readonly numAffectedRows?: bigint
}
