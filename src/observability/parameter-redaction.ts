import type { AnyTable } from '../schema/define-table'
import { REDACTED } from './query-event'
import type { StatementText } from './statement-text'

/**
 * The names that make a statement's values unfit to log: each table that has a `secret()` column
 * (its SQL name; `public.users` names it too) and each secret column's SQL name.
 *
 * Why the whole statement and not the one value: a value meets its column in many ways the text
 * alone cannot follow (`insert into users values ($1, $2)` without a column list, a function
 * that writes the column, a CTE, a trigger), and raw SQL and Kysely statements carry no map from
 * parameters to columns. So any statement whose text names such a table or column has every value
 * redacted: it errs toward hiding (`select ... from users where email = $1` hides the email too).
 *
 * @example
 * ```ts
 * secretNames([users, functions]) // Set { 'users', 'password_hash' } (functions has no secret)
 * ```
 */
export function secretNames(tables: Iterable<AnyTable>): ReadonlySet<string> {
  const names = new Set<string>()
  for (const table of tables) {
    const meta = table.$meta
    const secrets = meta.columns.filter((column) => column.secret)
    if (secrets.length === 0) continue
    names.add(meta.name)
    for (const column of secrets) names.add(column.name)
  }
  return names
}

/** True when the statement names a table with a secret column, or a secret column. */
export function touchesSecret(statement: StatementText, secrets: ReadonlySet<string>): boolean {
  if (secrets.size === 0) return false
  for (const name of statement.names) if (secrets.has(name)) return true
  return false
}

/**
 * The values to show for a statement: a copy of `parameters`, or, when the statement touches a
 * secret, {@link REDACTED} for each.
 *
 * @example
 * ```ts
 * shownParameters(analyzeStatement('update "users" set "password_hash" = $1'), ['h'], secretNames([users]))
 * // ['[redacted]']
 * ```
 */
export function shownParameters(
  statement: StatementText,
  parameters: readonly unknown[],
  secrets: ReadonlySet<string>,
): readonly unknown[] {
  if (touchesSecret(statement, secrets)) return Object.freeze(parameters.map(() => REDACTED))
  return Object.freeze([...parameters])
}
