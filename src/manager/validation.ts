import type { z } from 'zod'
import { EntityValidationError, type ValidationIssue } from '../entity/entity-validation-error'
import { KyselyEntitiesError } from '../errors/kysely-entities-error'
import { jsonSizeProblem } from '../query/bindable'
import type { AnyTable } from '../schema/define-table'

// Keys repeated in messages and paths: identifiers only, so a message never carries arbitrary
// input (a key of a request body can be SQL, markup or a secret as well as a value can).
const SHOWN_KEY_RE = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/

const join = (prefix: string, path: string) =>
  prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`

/**
 * Issues for the jsonb values of `data` too deep or too big to validate: zod's JSON schema
 * recurses, so a value nested thousands of levels deep would end in a stack overflow (a
 * RangeError) instead of a validation error. Values are read as the schema reads them.
 *
 * @example
 * ```ts
 * jsonbSizeIssues(functions, { analysisResult: deeplyNested }, 'rows[3]')
 * // [{ path: 'rows[3].analysisResult', message: 'a jsonb value nested deeper than 100 levels' }]
 * ```
 */
export function jsonbSizeIssues(table: AnyTable, data: unknown, prefix = ''): ValidationIssue[] {
  if (data === null || typeof data !== 'object') return []
  const issues: ValidationIssue[] = []
  for (const column of table.$meta.columns) {
    if (column.kind !== 'jsonb') continue
    const problem = jsonSizeProblem((data as Record<string, unknown>)[column.property])
    if (problem !== undefined)
      issues.push({ path: join(prefix, column.property), message: problem })
  }
  return issues
}

/**
 * The typed error for what validating `data` threw: a typed error as it is; anything else came
 * from a getter or a proxy trap of the input. Its error is not kept (it may carry anything); the
 * path names the first own key whose value cannot be read, or the row itself when its keys
 * cannot be listed.
 *
 * @example
 * ```ts
 * unreadableInput(users, { get email() { throw new Error('x') } }, new Error('x'), 'rows[2]')
 * // EntityValidationError: users: rows[2].email: could not be read (a getter or proxy trap threw)
 * ```
 */
export function unreadableInput(
  table: AnyTable,
  data: unknown,
  error: unknown,
  prefix = '',
): unknown {
  if (error instanceof KyselyEntitiesError) return error
  let path = prefix
  try {
    for (const key of Reflect.ownKeys(data as object)) {
      if (typeof key !== 'string') continue
      try {
        void (data as Record<string, unknown>)[key]
      } catch {
        path = join(prefix, SHOWN_KEY_RE.test(key) ? key : '?')
        break
      }
    }
  } catch {
    // The keys cannot be listed: the row itself is named.
  }
  return new EntityValidationError(table.$name, [
    { path, message: 'could not be read (a getter or proxy trap threw)' },
  ])
}

/**
 * {@link EntityValidationError.fromZod} for input from outside: a key is named in a path or an
 * "unknown key" message only when it is an identifier (`?` in a path, counted in a message
 * otherwise), as where inputs do.
 *
 * @example
 * ```ts
 * validationError(users, zodError).message
 * // users: unknown keys "isAdmin", <not an identifier>
 * ```
 */
export function validationError(
  table: AnyTable,
  error: z.ZodError,
  prefix = '',
): EntityValidationError {
  const issues = error.issues.map((issue) => {
    const path = issue.path
      .map((p) =>
        typeof p === 'number' || (typeof p === 'string' && SHOWN_KEY_RE.test(p)) ? String(p) : '?',
      )
      .join('.')
    let message = issue.message
    if (issue.code === 'unrecognized_keys') {
      const shown = issue.keys.filter((k) => SHOWN_KEY_RE.test(k)).map((k) => JSON.stringify(k))
      const hidden = issue.keys.length - shown.length
      if (hidden === 1) shown.push('<not an identifier>')
      else if (hidden > 1) shown.push(`${hidden} keys that are not identifiers`)
      message = `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${shown.join(', ')}`
    }
    return Object.freeze({ path: join(prefix, path), message })
  })
  return new EntityValidationError(table.$name, issues, { zodError: error })
}
