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
  'trigger',
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
 * Every kind of note: `equivalent`, a live object that differs in spelling from what the
 * definitions imply but does the same (a trigger of another name that keeps `updated_at` current,
 * `uuid_generate_v4()` for `gen_random_uuid()`); `not_compared`, a live object the definitions
 * cannot express (a trigger with any other behaviour), listed so that it is not silently ignored.
 *
 * @example
 * ```ts
 * NOTE_KINDS // ['equivalent', 'not_compared']
 * ```
 */
export const NOTE_KINDS = ['equivalent', 'not_compared'] as const

/** One of {@link NOTE_KINDS}. */
export type NoteKind = (typeof NOTE_KINDS)[number]

/**
 * Something the check found that is not drift: `expected` is what the definitions imply, `actual`
 * what the database has. Plain data.
 *
 * @example
 * ```ts
 * const note: SchemaNote = {
 *   table: 'users',
 *   column: 'uuid',
 *   kind: 'equivalent',
 *   expected: 'gen_random_uuid()',
 *   actual: 'uuid_generate_v4()',
 *   message: 'column "uuid" default uuid_generate_v4() is equivalent to gen_random_uuid(): both give a random (version 4) uuid',
 * }
 * ```
 */
export interface SchemaNote {
  readonly table: string
  readonly column?: string
  readonly kind: NoteKind
  readonly expected: string | null
  readonly actual: string | null
  readonly message: string
}

/**
 * The result of `validateSchema`: `ok` when there is no issue. `notes`, present only when there
 * is one, lists what is equivalent or not compared: it never makes `ok` false. JSON-serialisable
 * as is (what a `--json` flag prints).
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
  readonly notes?: readonly SchemaNote[]
}
