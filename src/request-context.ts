import { CompiledQuery } from 'kysely'
import { InvalidQueryError } from './errors/kysely-entities-error'

/**
 * What {@link Database.withContext} sets, for the rest of its transaction only (`is_local`):
 * custom settings that Row Level Security policies read with `current_setting()`, and the role
 * the statements run as.
 *
 * @example
 * ```ts
 * { settings: { 'app.user_uuid': user.uuid, 'app.tenant': 'acme' }, role: 'app_user' }
 * // select set_config($1, $2, true), set_config($3, $4, true), set_config('role', $5, true)
 * ```
 */
export interface RequestContext {
  /**
   * Custom settings: `prefix.name` in lower case (`app.user_uuid`), each value a string. Read in
   * SQL with `current_setting('app.user_uuid', true)`.
   */
  readonly settings?: Readonly<Record<string, string>>
  /**
   * The role to run as (`SET LOCAL ROLE`): a plain identifier such as `app_user`, of which the
   * connecting user must be a member. Needed whenever the connecting user is a superuser, has
   * BYPASSRLS or owns the tables without FORCE ROW LEVEL SECURITY: those skip every policy.
   */
  readonly role?: string
}

/**
 * A custom (placeholder) setting name: `prefix.name`, lower case, as PostgreSQL stores it.
 * @internal
 */
export const SETTING_NAME_RE = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/
/** @internal A role name this package accepts: an unquoted identifier, at most 63 bytes. */
export const ROLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/

/**
 * A validated request context: the statement that applies it, or none when it sets nothing.
 * @internal
 */
export interface RequestContextPlan {
  readonly statement: CompiledQuery<unknown> | undefined
}

/**
 * Checks a {@link RequestContext} before anything is sent and compiles the one statement that
 * applies it: `set_config(name, value, true)` per setting and `set_config('role', role, true)`
 * for the role (the same as `SET LOCAL ROLE`, with the name bound as a parameter rather than
 * spliced into SQL). Names and values are always parameters. Throws {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * compileRequestContext({ settings: { 'app.user_uuid': 'b1c…' }, role: 'app_user' }).statement
 * // select set_config($1, $2, true), set_config('role', $3, true)   -- ['app.user_uuid', 'b1c…', 'app_user']
 * compileRequestContext({ settings: { user: 'x' } }) // throws InvalidQueryError: settings.user: ...
 * ```
 * @internal
 */
export function compileRequestContext(context: unknown): RequestContextPlan {
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw new InvalidQueryError('context', 'expected { settings?, role? }')
  }
  const { settings, role } = context as Record<string, unknown>
  const calls: string[] = []
  const parameters: unknown[] = []
  if (settings !== undefined) {
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
      throw new InvalidQueryError('settings', 'expected an object of setting names to strings')
    }
    for (const [name, value] of Object.entries(settings)) {
      const path = `settings.${name}`
      if (!SETTING_NAME_RE.test(name)) {
        throw new InvalidQueryError(
          path,
          'expected a custom setting name such as "app.user_uuid" (prefix.name, lower case)',
        )
      }
      if (typeof value !== 'string') throw new InvalidQueryError(path, 'expected a string')
      if (value.includes('\u0000')) {
        throw new InvalidQueryError(path, 'a setting cannot contain a NUL (\\u0000) character')
      }
      parameters.push(name, value)
      calls.push(`set_config($${parameters.length - 1}, $${parameters.length}, true)`)
    }
  }
  if (role !== undefined) {
    if (typeof role !== 'string' || !ROLE_NAME_RE.test(role)) {
      throw new InvalidQueryError(
        'role',
        'expected a role name: letters, digits, _ and $, not starting with a digit, at most 63',
      )
    }
    // set_config('role', 'none') means RESET ROLE: back to the (often superuser) login role.
    if (role.toLowerCase() === 'none') {
      throw new InvalidQueryError('role', '"none" would switch back to the connecting user')
    }
    parameters.push(role)
    calls.push(`set_config('role', $${parameters.length}, true)`)
  }
  if (calls.length === 0) return { statement: undefined }
  return { statement: CompiledQuery.raw(`select ${calls.join(', ')}`, parameters) }
}
