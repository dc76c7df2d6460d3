/**
 * Every kind of difference the drift check reports.
 *
 * @example
 * ```ts
 * ISSUE_KINDS.includes('foreign_key') // true
 * ```
 */
export const ISSUE_KINDS = [
  'missing_table',
  'extra_table',
  'missing_column',
  'extra_column',
  'type',
  'length',
  'nullability',
  'default',
  'primary_key',
  'unique',
  'foreign_key',
  'check',
  'index',
] as const

/** One of {@link ISSUE_KINDS}. */
export type IssueKind = (typeof ISSUE_KINDS)[number]

/**
 * One difference between the definitions and the live database. `expected` is what the
 * definition asks for and `actual` what the database has, each `null` when absent (a missing
 * column has no `actual`, an extra index no `expected`). `column` is set when the issue concerns
 * exactly one column. Plain data: `JSON.stringify` gives it as is.
 *
 * @example
 * ```ts
 * const issue: SchemaIssue = {
 *   table: 'users',
 *   column: 'email',
 *   kind: 'length',
 *   expected: 'character varying(255)',
 *   actual: 'character varying(100)',
 *   message: 'column "email" length differs',
 * }
 * ```
 */
export interface SchemaIssue {
  readonly table: string
  readonly column?: string
  readonly kind: IssueKind
  readonly expected: string | null
  readonly actual: string | null
  readonly message: string
}

/**
 * The result of `validateSchema`: `ok` when there is no issue. JSON-serialisable as is (what a
 * `--json` flag prints).
 *
 * @example
 * ```ts
 * const result: SchemaValidationResult = { ok: true, issues: [] }
 * JSON.stringify(result) // '{"ok":true,"issues":[]}'
 * ```
 */
export interface SchemaValidationResult {
  readonly ok: boolean
  readonly issues: readonly SchemaIssue[]
}
