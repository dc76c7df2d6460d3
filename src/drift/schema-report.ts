import type { SchemaIssue, SchemaValidationResult } from './schema-issue'

/** Options of {@link formatSchemaReport}. */
export interface SchemaReportOptions {
  /** ANSI colours for a terminal: table names bold, `+` green, `-` red. Default false. */
  readonly color?: boolean
}

const ANSI = { bold: 1, red: 31, green: 32, yellow: 33 } as const

/**
 * A readable report of a {@link SchemaValidationResult} for a terminal: issues grouped by table,
 * each with its kind and message, then `+ expected` (what the definition asks for) and
 * `- actual` (what the database has) when there is one; then the notes (equivalents and what is
 * not compared), which are not drift.
 *
 * @example
 * ```ts
 * formatSchemaReport(await validateSchema(db, tables))
 * // Schema drift: 1 issue in 1 table
 * //
 * // users
 * //   [length] column "email" length differs
 * //     + character varying(255)
 * //     - character varying(100)
 * ```
 */
export function formatSchemaReport(
  result: SchemaValidationResult,
  options: SchemaReportOptions = {},
): string {
  const paint = (code: number, text: string) =>
    options.color === true ? `\u001b[${code}m${text}\u001b[0m` : text
  const notes = (result.notes ?? []).flatMap((note) => [
    `  [${note.kind}] ${note.table}: ${note.message}`,
    ...(note.expected === null ? [] : [`    + ${note.expected}`]),
    ...(note.actual === null ? [] : [`    - ${note.actual}`]),
  ])
  const noted = notes.length === 0 ? '' : `\nNotes (not drift):\n${notes.join('\n')}\n`
  if (result.issues.length === 0) {
    return `${paint(ANSI.green, 'Schema matches the definitions: no issues.')}\n${noted}`
  }
  const byTable = new Map<string, SchemaIssue[]>()
  for (const issue of result.issues) {
    const issues = byTable.get(issue.table) ?? []
    issues.push(issue)
    byTable.set(issue.table, issues)
  }
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const lines = [
    paint(
      ANSI.red,
      `Schema drift: ${count(result.issues.length, 'issue')} in ${count(byTable.size, 'table')}`,
    ),
  ]
  for (const [table, issues] of byTable) {
    lines.push('', paint(ANSI.bold, table))
    for (const issue of issues) {
      lines.push(`  ${paint(ANSI.yellow, `[${issue.kind}]`)} ${issue.message}`)
      if (issue.expected !== null) lines.push(`    ${paint(ANSI.green, `+ ${issue.expected}`)}`)
      if (issue.actual !== null) lines.push(`    ${paint(ANSI.red, `- ${issue.actual}`)}`)
    }
  }
  return `${lines.join('\n')}\n${noted}`
}
