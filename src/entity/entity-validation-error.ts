import type { z } from 'zod'
import { KyselyEntitiesError } from '../errors/kysely-entities-error'
import { shownName } from '../errors/shown-name'

/** One thing wrong with a value. */
export interface ValidationIssue {
  /** Where: the property or column, with nested keys or indexes, e.g. `analysisResult.score`. */
  readonly path: string
  /** What was wrong. Never includes the value itself. */
  readonly message: string
}

/**
 * A row or entity data failed validation. `issues` says which fields and why; the message names
 * the table and the first few issues.
 *
 * @example
 * ```ts
 * UserEntity.fromMap({ id: 1, email: 42 })
 * // EntityValidationError: users: email: Invalid input: expected string, received number; ...
 * ```
 */
export class EntityValidationError extends KyselyEntitiesError {
  /** SQL name of the table whose data failed. */
  readonly table: string
  readonly issues: readonly ValidationIssue[]

  constructor(table: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    const shown = issues
      .slice(0, 5)
      .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
      .join('; ')
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
    super('ENTITY_VALIDATION', `${table}: ${shown}${more}`, options)
    this.table = table
    this.issues = Object.freeze(issues)
  }

  /** Converts a zod error; `prefix` is prepended to every path (e.g. `rows[3]`). */
  static fromZod(table: string, error: z.ZodError, prefix = ''): EntityValidationError {
    const issues = error.issues.map((issue) => {
      const path = issue.path.map(String).join('.')
      const full = prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => shownName(k)).join(', ')}`
          : issue.message
      return Object.freeze({ path: full, message })
    })
    return new EntityValidationError(table, issues, { cause: error })
  }
}
