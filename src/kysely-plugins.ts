import { DeduplicateJoinsPlugin, HandleEmptyInListsPlugin, type KyselyPlugin } from 'kysely'
import { InvalidDefinitionError } from './errors/kysely-entities-error'
import { isShownName, shownName } from './errors/shown-name'
import { UnsupportedPluginError } from './errors/unsupported-plugin-error'

/**
 * A Kysely plugin class, as listed in the `allowPlugins` option of `Database.fromKysely`.
 *
 * @example
 * ```ts
 * class TracingPlugin implements KyselyPlugin { ... }
 * const allowed: readonly KyselyPluginClass[] = [TracingPlugin]
 * ```
 */
export type KyselyPluginClass = abstract new (...args: never[]) => KyselyPlugin

// Kysely's plugins that change no result row and none of this package's statements: each only
// rewrites statements Kysely builds, in ways that return the same rows (a join written twice is
// written once; an empty `in ()` list, which managers refuse before any SQL, becomes a constant).
// Both transformResult methods return the result as given.
const KNOWN_SAFE: readonly Function[] = [DeduplicateJoinsPlugin, HandleEmptyInListsPlugin]

interface Refusal {
  /** What the plugin does that entities cannot take. */
  readonly what: string
  /** What to do instead. */
  readonly instead: string
}

// Kysely's plugins that would give entities wrong data, by class name (so one from another copy
// of kysely, or a subclass, is recognised as well). Listing one in allowPlugins does not help.
const REFUSED: ReadonlyMap<string, Refusal> = new Map([
  [
    'CamelCasePlugin',
    {
      what:
        'renames the columns of result rows (created_at becomes createdAt), while entities read ' +
        'rows by SQL column name: such a column would read as missing, a NOT NULL one as null',
      instead:
        'Use a Kysely without it: entities already turn columns into camelCase properties, and ' +
        'db.kysely speaks SQL names',
    },
  ],
  [
    'ParseJSONResultsPlugin',
    {
      what:
        'parses every string of a result row that looks like JSON, so the text "[1]" in a text ' +
        'column would reach entities as an array',
      instead: 'Use a Kysely without it: PostgreSQL drivers already parse json and jsonb columns',
    },
  ],
  [
    'WithSchemaPlugin',
    {
      what:
        "puts a schema on the tables of the statements Kysely builds but not on the managers' " +
        'own statements, so finders and writes would reach tables of different schemas',
      instead:
        'Use a Kysely without it (not made by withSchema()), and choose the schema with the ' +
        "connection's search_path",
    },
  ],
])

const ANONYMOUS = '<anonymous>'

/** The class name of a prototype's class when it is an identifier; else `<anonymous>`. */
function nameOf(prototype: object | null): string {
  if (prototype === null || prototype === Object.prototype) return ANONYMOUS
  const owner: unknown = prototype.constructor
  const name = typeof owner === 'function' ? owner.name : ''
  return isShownName(name) ? name : ANONYMOUS
}

/** `"TracingPlugin"`; `"MyCamel" (a CamelCasePlugin)` for a subclass of a refused one. */
function describeClass(name: string, base: string = name): string {
  const shown = name === ANONYMOUS ? 'an instance of a class without a name' : shownName(name)
  return base === name ? shown : `${shown} (a ${base})`
}

/** Why a class with this prototype (or one of its base classes) is refused, if it is. */
function refusalOf(prototype: object | null): { base: string; refusal: Refusal } | undefined {
  for (let p = prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const base = nameOf(p)
    const refusal = REFUSED.get(base)
    if (refusal !== undefined) return { base, refusal }
  }
  return undefined
}

/**
 * True when `plugin` is an instance of exactly one of `classes` (a subclass may override what its
 * base class does, so it is not); for Kysely's own plugins, also not patched on the instance.
 */
function isInstanceOfExactly(
  plugin: object,
  classes: readonly Function[],
  patchable: boolean,
): boolean {
  const prototype: unknown = Object.getPrototypeOf(plugin)
  if (!classes.some((c) => c.prototype === prototype)) return false
  if (!patchable) return true
  return !Object.hasOwn(plugin, 'transformResult') && !Object.hasOwn(plugin, 'transformQuery')
}

function checkAllowPlugins(allowPlugins: unknown): readonly Function[] {
  if (allowPlugins === undefined) return []
  if (
    !Array.isArray(allowPlugins) ||
    !allowPlugins.every(
      (c: unknown) =>
        typeof c === 'function' && typeof c.prototype === 'object' && c.prototype !== null,
    )
  ) {
    throw new InvalidDefinitionError(
      'Database.fromKysely: `allowPlugins` must be an array of plugin classes, e.g. [TracingPlugin]',
    )
  }
  allowPlugins.forEach((c: Function, index) => {
    const refused = refusalOf(c.prototype)
    if (refused !== undefined) {
      const name = nameOf(c.prototype)
      throw new UnsupportedPluginError(
        name,
        `Database.fromKysely: allowPlugins[${index}] is ${describeClass(name, refused.base)}, ` +
          `which ${refused.refusal.what}; it cannot be allowed. ${refused.refusal.instead}`,
      )
    }
  })
  return allowPlugins
}

/**
 * Refuses a Kysely instance whose plugins could make entities read wrong data: entities trust
 * the rows of their own statements (no validation on that path) and read them by column name, so
 * a plugin that changed rows, or the tables some statements reach, would not fail but give wrong
 * values. Allowed are Kysely's `DeduplicateJoinsPlugin` and `HandleEmptyInListsPlugin`, and the
 * classes listed in `allowPlugins` (exactly those classes, not their subclasses). Throws
 * {@link UnsupportedPluginError} naming the first other plugin, or {@link InvalidDefinitionError}
 * when `kysely` is not a Kysely instance or `allowPlugins` not an array of classes. `at` names
 * the instance in those errors when it is not the primary (`'replicas[0]'`).
 *
 * @example
 * ```ts
 * checkKyselyPlugins(new Kysely({ dialect, plugins: [new DeduplicateJoinsPlugin()] }))   // fine
 * checkKyselyPlugins(new Kysely({ dialect, plugins: [new TracingPlugin()] }), [TracingPlugin]) // fine
 * checkKyselyPlugins(new Kysely({ dialect, plugins: [new CamelCasePlugin()] }))
 * // throws UnsupportedPluginError: Database.fromKysely: plugins[0] is "CamelCasePlugin", which renames ...
 * ```
 * @internal
 */
export function checkKyselyPlugins(kysely: unknown, allowPlugins?: unknown, at = ''): void {
  const getExecutor = (kysely as { getExecutor?: unknown } | null)?.getExecutor
  const plugins: unknown =
    typeof getExecutor === 'function' ? getExecutor.call(kysely)?.plugins : undefined
  if (!Array.isArray(plugins)) {
    throw new InvalidDefinitionError(
      `Database.fromKysely: ${at === '' ? '' : `${at}: `}expected a Kysely instance`,
    )
  }
  const allowed = checkAllowPlugins(allowPlugins)
  plugins.forEach((plugin: unknown, index) => {
    const isObject = plugin !== null && typeof plugin === 'object'
    const prototype: object | null = isObject ? Object.getPrototypeOf(plugin) : null
    const name = nameOf(prototype)
    const refused = refusalOf(prototype)
    if (refused !== undefined) {
      throw new UnsupportedPluginError(
        name,
        `Database.fromKysely: ${at === '' ? '' : `${at}.`}plugins[${index}] is ${describeClass(name, refused.base)}, which ` +
          `${refused.refusal.what}. ${refused.refusal.instead}`,
      )
    }
    if (
      isObject &&
      (isInstanceOfExactly(plugin, KNOWN_SAFE, true) || isInstanceOfExactly(plugin, allowed, false))
    ) {
      return
    }
    throw new UnsupportedPluginError(
      name,
      `Database.fromKysely: ${at === '' ? '' : `${at}.`}plugins[${index}] is ${describeClass(name)}, which kysely-entities ` +
        'does not know to leave result rows intact; entities trust the rows of their statements, ' +
        'so a plugin that changed them would give wrong data without an error. Use a Kysely ' +
        'without it, or list its class in `allowPlugins` if it changes no row and no table a ' +
        'statement reaches',
    )
  })
}
