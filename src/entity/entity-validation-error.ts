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
 * the table and the first few issues. Safe to log whole: neither the values nor keys that are not
 * identifiers are repeated, and the schema's own error (whose issues list the input's unknown
 * keys) is not the `cause` but what {@link EntityValidationError.zodError} returns.
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
  readonly #zodError: z.ZodError | undefined

  /** `options.zodError` is kept where no log reaches it (see {@link EntityValidationError.zodError}). */
  constructor(
    table: string,
    issues: readonly ValidationIssue[],
    options?: { cause?: unknown; zodError?: z.ZodError | undefined },
  ) {
    const shown = issues
      .slice(0, 5)
      .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
      .join('; ')
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
    super(
      'ENTITY_VALIDATION',
      `${table}: ${shown}${more}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.table = table
    this.issues = Object.freeze(issues)
    this.#zodError = options?.zodError
  }

  /**
   * The zod error the schema reported, or `undefined`. UNSAFE TO LOG: its issues name the keys of
   * the input as they were (request input), which `issues` only names when they are identifiers.
   *
   * @example
   * ```ts
   * catch (e) { if (e instanceof EntityValidationError) debugOnly(e.zodError()?.issues) }
   * ```
   */
  zodError(): z.ZodError | undefined {
    return this.#zodError
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
    return new EntityValidationError(table, issues, { zodError: error })
  }
}
