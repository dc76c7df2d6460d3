import { KyselyEntitiesError } from './kysely-entities-error'

/**
 * `Database.fromKysely` was given a Kysely instance with a plugin that could make entities read
 * wrong data: one known to change result rows or statements (`CamelCasePlugin`,
 * `ParseJSONResultsPlugin`, `WithSchemaPlugin`), or one this package does not know. Entities
 * trust the rows their own statements return and read them by column name, so such a plugin
 * would not fail: a NOT NULL column would come back `null`. The message says which plugin, where
 * in the instance's plugins, and what to do; it never repeats a value.
 *
 * @example
 * ```ts
 * Database.fromKysely(new Kysely({ dialect, plugins: [new CamelCasePlugin()] }), { tables })
 * // throws UnsupportedPluginError (code 'UNSUPPORTED_PLUGIN'):
 * // Database.fromKysely: plugins[0] is "CamelCasePlugin", which renames the columns of result rows ...
 * ```
 */
export class UnsupportedPluginError extends KyselyEntitiesError {
  /** The plugin's class name, e.g. `CamelCasePlugin` (`<anonymous>` for a class without one). */
  readonly plugin: string

  constructor(plugin: string, message: string) {
    super('UNSUPPORTED_PLUGIN', message)
    this.plugin = plugin
  }
}
