import { InvalidQueryError } from '../errors/kysely-entities-error'
import type { AnyTable } from '../schema/define-table'
import { isHiddenColumn } from './hidden-column'
import { describe } from './query-options'

// PostgreSQL keeps 63 bytes of an identifier; a longer name is a mistake or an attack, never a column.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]{0,62})(?:\.([A-Za-z_][A-Za-z0-9_]{0,62}|\*))?$/
// `users`, `users u`, `users as u` (AS in any case).
const TABLE_SPEC =
  /^([A-Za-z_][A-Za-z0-9_]{0,62})(?:\s+(?:[Aa][Ss]\s+)?([A-Za-z_][A-Za-z0-9_]{0,62}))?$/
// `column as name`, `alias.column as name` (AS in any case); the parts are checked afterwards.
const ALIASED = /^(\S+)\s+[Aa][Ss]\s+(\S+)$/

const REFERENCE_HINT = "expected a column reference such as 'status' or 'f.status'"

/** True when `value` is a plain SQL identifier (letters, digits, `_`; at most 63 characters). */
export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value)
}

/** A table of a query under the name the SQL gives it: its alias, else its own name. */
export interface ScopeEntry {
  readonly name: string
  readonly table: AnyTable
}

/** A column reference checked against the tables of a query. */
export interface ColumnReference {
  /** The scope name (alias or table name) of the table the column belongs to. */
  readonly scope: string
  /** SQL name of the column, or `*` for all columns of `scope`. */
  readonly column: string
  /** True when the caller wrote the qualifier (`f.status`), false for `status`. */
  readonly qualified: boolean
  /**
   * Set when the qualifier named no table yet (a table joined later, as in
   * `select('u.email').join('users u', ...)`): the argument path to report if, once the query is
   * complete, it still names none. See {@link checkDeferredReference}.
   */
  readonly deferred?: string
}

/** Options of {@link resolveReference}. */
export interface ResolveOptions {
  /** Accept `alias.*` (select only). */
  readonly star?: boolean
  /** Accept a qualifier that is not in scope yet, to be checked when the query is complete. */
  readonly forward?: boolean
  /**
   * A public query: secret and internal columns do not exist (refused as unknown columns are),
   * and `*` / `alias.*` are refused, as they would select them.
   */
  readonly publicOnly?: boolean
}

/**
 * {@link ResolveOptions} that accept a qualifier naming a table joined later (the Dart example
 * selects `u.email` before joining `users u`): such references are checked when the query is
 * compiled.
 * @example
 * ```ts
 * resolveReference(scope, 'u.email', 'select[1]', FORWARD) // checked once every join is known
 * ```
 */
export const FORWARD: ResolveOptions = Object.freeze({ forward: true })

/**
 * The Kysely reference string of a checked reference: `f.status` when the caller qualified it or
 * when `qualify` is set (a query with joins, where a bare name could be ambiguous in SQL even
 * though it was resolved to one table here), else `status`.
 */
export function referenceSql(ref: ColumnReference, qualify: boolean): string {
  return ref.qualified || qualify ? `${ref.scope}.${ref.column}` : ref.column
}

/**
 * Checks a column reference given as text (possibly untrusted) against the tables in scope and
 * resolves it to one table. `alias.column` needs the alias in scope (or, with `forward`, later) and
 * the column in its table; a bare `column` is a column of the base table (`scope[0]`), else of the
 * one table joined so far that has it, and keeps that meaning whatever is joined later. `alias.*`
 * is accepted only with `star`. Error messages repeat a name only when it is a well-formed
 * identifier, never other input.
 *
 * @example
 * ```ts
 * resolveReference([{ name: 'f', table: functions }, { name: 'u', table: users }], 'email', 'where[0].column')
 * // { scope: 'u', column: 'email', qualified: false }   -> "u"."email"
 * resolveReference(scope, 'id; drop table x', 'where[0].column') // throws InvalidQueryError
 * ```
 */
export function resolveReference(
  scope: readonly ScopeEntry[],
  input: unknown,
  path: string,
  options: ResolveOptions = {},
): ColumnReference {
  if (typeof input !== 'string') {
    throw new InvalidQueryError(path, `${REFERENCE_HINT}, got ${describe(input)}`)
  }
  const match = REFERENCE.exec(input)
  if (match === null) {
    throw new InvalidQueryError(
      path,
      `${REFERENCE_HINT} (identifiers of letters, digits and _, at most 63 characters)`,
    )
  }
  const [, first, second] = match as unknown as [string, string, string | undefined]
  const publicOnly = options.publicOnly === true
  if (second === undefined) return resolveBare(scope, first, path, publicOnly)
  if (second === '*' && options.star !== true) {
    throw new InvalidQueryError(path, `"${first}.*" is only allowed in select()`)
  }
  if (second === '*' && publicOnly) throw starInPublic(path)
  const entry = scope.find((e) => e.name === first)
  if (entry === undefined) {
    if (options.forward === true) {
      return { scope: first, column: second, qualified: true, deferred: path }
    }
    throw unknownScope(scope, first, path)
  }
  checkColumn(entry, second, path, publicOnly)
  return { scope: entry.name, column: second, qualified: true }
}

/**
 * The refusal of `*` and `alias.*` in a public query: they would select secret and internal
 * columns, which do not exist there.
 * @example
 * ```ts
 * starInPublic('select[0]') // InvalidQueryError: select[0]: * is not available in a public query: name the columns
 * ```
 */
export function starInPublic(path: string): InvalidQueryError {
  return new InvalidQueryError(path, '* is not available in a public query: name the columns')
}

/**
 * Checks a reference whose qualifier was not in scope when it was given, against the complete
 * query: the alias must exist by now and have the column. Other references pass unchanged.
 */
export function checkDeferredReference(
  scope: readonly ScopeEntry[],
  ref: ColumnReference,
  publicOnly = false,
): void {
  if (ref.deferred === undefined) return
  const entry = scope.find((e) => e.name === ref.scope)
  if (entry === undefined) throw unknownScope(scope, ref.scope, ref.deferred)
  checkColumn(entry, ref.column, ref.deferred, publicOnly)
}

// Whether `entry`'s table has column `name`; in a public query, secret and internal ones do not count.
function hasColumn(entry: ScopeEntry, name: string, publicOnly: boolean): boolean {
  const column = entry.table.$meta.byName.get(name)
  return column !== undefined && !(publicOnly && isHiddenColumn(column))
}

function unknownScope(scope: readonly ScopeEntry[], name: string, path: string) {
  return new InvalidQueryError(
    path,
    `unknown table or alias "${name}" (in scope: ${scope.map((e) => e.name).join(', ')})`,
  )
}

function checkColumn(entry: ScopeEntry, column: string, path: string, publicOnly: boolean): void {
  if (column !== '*' && !hasColumn(entry, column, publicOnly)) {
    throw new InvalidQueryError(path, `unknown column "${column}" of ${describeEntry(entry)}`)
  }
}

function resolveBare(
  scope: readonly ScopeEntry[],
  column: string,
  path: string,
  publicOnly: boolean,
): ColumnReference {
  const [base, ...joined] = scope
  if (base === undefined) throw new InvalidQueryError(path, 'no table in scope')
  // The base table wins, so joining a table later never changes what a bare name meant.
  if (hasColumn(base, column, publicOnly)) return { scope: base.name, column, qualified: false }
  const owners = joined.filter((e) => hasColumn(e, column, publicOnly))
  const [owner, ...others] = owners
  if (owner === undefined) {
    throw new InvalidQueryError(
      path,
      `unknown column "${column}" of ${scope.map(describeEntry).join(', ')}`,
    )
  }
  if (others.length > 0) {
    throw new InvalidQueryError(
      path,
      `column "${column}" is ambiguous (in ${owners.map((e) => e.name).join(', ')}): qualify it`,
    )
  }
  return { scope: owner.name, column, qualified: false }
}

function describeEntry(entry: ScopeEntry): string {
  return entry.name === entry.table.$name ? entry.name : `${entry.table.$name} (as ${entry.name})`
}

/** A table named in a join: `users`, `users u` or `users as u`. */
export interface TableSpec {
  readonly table: string
  readonly alias: string | undefined
}

/**
 * Parses a join's table argument. Only the syntax is checked here; whether the table is served and
 * the alias free is up to the caller.
 *
 * @example
 * ```ts
 * parseTableSpec('users as u', 'join[0].table') // { table: 'users', alias: 'u' }
 * ```
 */
export function parseTableSpec(input: unknown, path: string): TableSpec {
  const match = typeof input === 'string' ? TABLE_SPEC.exec(input.trim()) : null
  if (match === null) {
    throw new InvalidQueryError(
      path,
      `expected a table such as 'users', 'users u' or 'users as u', got ${typeof input === 'string' ? 'another string' : describe(input)}`,
    )
  }
  const [, table, alias] = match as unknown as [string, string, string | undefined]
  if (alias !== undefined && alias.toLowerCase() === 'as') {
    throw new InvalidQueryError(path, 'the alias is missing after AS')
  }
  return { table, alias }
}

/**
 * Splits `expr as name` into its two parts (AS in any case), or returns undefined when there is no
 * alias. The parts are not checked here.
 */
export function splitAlias(input: string): readonly [string, string] | undefined {
  const match = ALIASED.exec(input.trim())
  return match === null ? undefined : [match[1] as string, match[2] as string]
}
