import { InvalidQueryError } from '../index'
import { describe } from '../query/query-options'
import { UUID_RE } from '../schema/column-value-schema'
import { USER_ROLES } from './tables'

/** One of {@link USER_ROLES}. */
export type UserRole = (typeof USER_ROLES)[number]

/**
 * `value` when it is a uuid string, else an {@link InvalidQueryError} at `path` that says what
 * was expected and what kind of value came (never the value).
 * @example checkUuid(req.params.id, 'userId') // throws InvalidQueryError: userId: expected a uuid, got a string
 * @internal
 */
export function checkUuid(value: unknown, path: string): string {
  if (typeof value !== 'string' || !UUID_RE.test(value)) {
    throw new InvalidQueryError(
      path,
      typeof value === 'string'
        ? 'expected a uuid, got a string that is not one'
        : `expected a uuid, got ${describe(value)}`,
    )
  }
  return value
}

/**
 * `value` when it is one of {@link USER_ROLES} (or undefined), else an {@link InvalidQueryError}.
 * @example checkRole('team', 'role') // 'team'
 * @internal
 */
export function checkRole(value: unknown, path: string): UserRole | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !(USER_ROLES as readonly string[]).includes(value)) {
    throw new InvalidQueryError(
      path,
      `expected one of ${USER_ROLES.join(', ')}, got ${typeof value === 'string' ? 'another string' : describe(value)}`,
    )
  }
  return value as UserRole
}

/**
 * `value` when it is a plain options object (or undefined: `{}`), else an {@link InvalidQueryError}.
 * @example checkOptions(undefined, 'options') // {}
 * @internal
 */
export function checkOptions<T extends object>(value: T | undefined, path: string): T {
  if (value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidQueryError(path, `expected an object, got ${describe(value)}`)
  }
  return value
}
