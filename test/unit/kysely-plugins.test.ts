import {
  CamelCasePlugin,
  DeduplicateJoinsPlugin,
  HandleEmptyInListsPlugin,
  type KyselyPlugin,
  ParseJSONResultsPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  replaceWithNoncontingentExpression,
  WithSchemaPlugin,
} from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  Database,
  InvalidDefinitionError,
  KyselyEntitiesError,
  UnsupportedPluginError,
} from '../../src/index'
import { tableStatements } from '../../src/query/table-statements'
import { functions, users } from '../fixtures/tables'
import { dummyKysely } from '../setup/capture-executor'

// Database.fromKysely never connects: these run on Kysely's DummyDriver.

const tables = { users, functions }

/** A plugin of a user's: looks at statements and results and changes nothing. */
class TracingPlugin implements KyselyPlugin {
  readonly token = 'SECRET-token-in-the-plugin'
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result
  }
}

const withPlugins = (...plugins: KyselyPlugin[]) =>
  plugins.reduce((kysely, plugin) => kysely.withPlugin(plugin), dummyKysely())

/** The error `fn` throws. */
function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}

describe('Database.fromKysely and the plugins of the Kysely instance', () => {
  it('takes an instance without plugins, or with Kysely plugins that change no row', () => {
    expect(Database.fromKysely(dummyKysely(), { tables })).toBeInstanceOf(Database)
    const safe = withPlugins(
      new DeduplicateJoinsPlugin(),
      new HandleEmptyInListsPlugin({ strategy: replaceWithNoncontingentExpression }),
    )
    expect(Database.fromKysely(safe, { tables }).kysely).toBe(safe)
  })

  it.each([
    ['CamelCasePlugin', () => new CamelCasePlugin(), /renames the columns of result rows/],
    ['ParseJSONResultsPlugin', () => new ParseJSONResultsPlugin(), /looks like JSON/],
    ['WithSchemaPlugin', () => new WithSchemaPlugin('app'), /tables of different schemas/],
  ])('refuses %s, naming it and where it is', (name, make, why) => {
    const error = thrown(() =>
      Database.fromKysely(withPlugins(new DeduplicateJoinsPlugin(), make()), { tables }),
    )
    expect(error).toBeInstanceOf(UnsupportedPluginError)
    expect(error).toBeInstanceOf(KyselyEntitiesError)
    expect(error).toMatchObject({ code: 'UNSUPPORTED_PLUGIN', plugin: name })
    expect(error.message).toContain(`Database.fromKysely: plugins[1] is "${name}", which`)
    expect(error.message).toMatch(why)
  })

  it('refuses the WithSchemaPlugin that kysely.withSchema() adds', () => {
    expect(() => Database.fromKysely(dummyKysely().withSchema('app'), { tables })).toThrow(
      UnsupportedPluginError,
    )
  })

  it('WithSchemaPlugin would split the statements: builder ones in the schema, prepared ones not', () => {
    const app = dummyKysely().withSchema('app')
    expect(app.updateTable('users').set({ email: 'a' }).compile().sql).toBe(
      'update "app"."users" set "email" = $1',
    )
    expect(tableStatements(users).selectById).toContain('from "users" where')
  })

  it('refuses a subclass of a refused plugin, and a CamelCasePlugin from another copy of kysely', () => {
    class MyCamel extends CamelCasePlugin {}
    const error = thrown(() => Database.fromKysely(withPlugins(new MyCamel()), { tables }))
    expect(error).toMatchObject({ code: 'UNSUPPORTED_PLUGIN', plugin: 'MyCamel' })
    expect(error.message).toContain('plugins[0] is "MyCamel" (a CamelCasePlugin), which renames')
    // Recognised by class name: another install's class is not this one.
    const Foreign = { CamelCasePlugin: class extends TracingPlugin {} }.CamelCasePlugin
    expect(Foreign.name).toBe('CamelCasePlugin')
    expect(() => Database.fromKysely(withPlugins(new Foreign()), { tables })).toThrow(
      /is "CamelCasePlugin", which renames/,
    )
  })

  it('refuses a plugin it does not know, unless its class is in allowPlugins', () => {
    const traced = withPlugins(new TracingPlugin())
    const error = thrown(() => Database.fromKysely(traced, { tables }))
    expect(error).toBeInstanceOf(UnsupportedPluginError)
    expect(error).toMatchObject({ code: 'UNSUPPORTED_PLUGIN', plugin: 'TracingPlugin' })
    expect(error.message).toContain('plugins[0] is "TracingPlugin", which kysely-entities does not')
    expect(error.message).toContain('allowPlugins')
    expect(error.message).not.toContain('SECRET')
    expect(Database.fromKysely(traced, { tables, allowPlugins: [TracingPlugin] }).kysely).toBe(
      traced,
    )
  })

  it('allows exactly the listed classes: a subclass may change what its base leaves alone', () => {
    class Rewriting extends TracingPlugin {
      override async transformResult(args: PluginTransformResultArgs) {
        return { ...args.result, rows: [] }
      }
    }
    expect(() =>
      Database.fromKysely(withPlugins(new Rewriting()), { tables, allowPlugins: [TracingPlugin] }),
    ).toThrow(/plugins\[0\] is "Rewriting", which kysely-entities does not know/)
  })

  it('refuses a Kysely plugin patched on the instance, and plugins without a class name', () => {
    const patched = Object.assign(new DeduplicateJoinsPlugin(), {
      transformResult: async (args: PluginTransformResultArgs) => ({ ...args.result, rows: [] }),
    })
    expect(() => Database.fromKysely(withPlugins(patched), { tables })).toThrow(
      /plugins\[0\] is "DeduplicateJoinsPlugin", which kysely-entities does not know/,
    )
    const literal: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => args.result,
    }
    const error = thrown(() => Database.fromKysely(withPlugins(literal), { tables }))
    expect(error).toMatchObject({ plugin: '<anonymous>' })
    expect(error.message).toContain('plugins[0] is an instance of a class without a name')
    const odd = class implements KyselyPlugin {
      transformQuery(args: PluginTransformQueryArgs) {
        return args.node
      }
      async transformResult(args: PluginTransformResultArgs) {
        return args.result
      }
    }
    Object.defineProperty(odd, 'name', { value: "x'; DROP TABLE users; --" })
    const oddError = thrown(() => Database.fromKysely(withPlugins(new odd()), { tables }))
    expect(oddError).toMatchObject({ plugin: '<anonymous>' })
    expect(oddError.message).not.toContain('DROP')
  })

  it('a refused plugin cannot be allowed: allowPlugins naming one is refused itself', () => {
    const error = thrown(() =>
      Database.fromKysely(dummyKysely(), {
        tables,
        allowPlugins: [TracingPlugin, CamelCasePlugin],
      }),
    )
    expect(error).toBeInstanceOf(UnsupportedPluginError)
    expect(error).toMatchObject({ plugin: 'CamelCasePlugin' })
    expect(error.message).toContain(
      'allowPlugins[1] is "CamelCasePlugin", which renames the columns of result rows',
    )
    expect(error.message).toContain('it cannot be allowed')
    expect(() =>
      Database.fromKysely(withPlugins(new CamelCasePlugin()), {
        tables,
        allowPlugins: [CamelCasePlugin],
      }),
    ).toThrow(UnsupportedPluginError)
  })

  it.each([
    ['a class', TracingPlugin],
    ['an object', {}],
    ['an arrow function', [() => new TracingPlugin()]],
    ['a plugin instance', [new TracingPlugin()]],
  ])('refuses allowPlugins that is %s instead of an array of classes', (_, allowPlugins) => {
    expect(() => Database.fromKysely(dummyKysely(), { tables, allowPlugins } as any)).toThrow(
      InvalidDefinitionError,
    )
    expect(() => Database.fromKysely(dummyKysely(), { tables, allowPlugins } as any)).toThrow(
      /`allowPlugins` must be an array of plugin classes/,
    )
  })

  it('refuses something that is not a Kysely instance', () => {
    for (const notKysely of [undefined, null, {}, { getExecutor: () => ({}) }]) {
      expect(() => Database.fromKysely(notKysely as any, { tables })).toThrow(
        /Database\.fromKysely: expected a Kysely instance/,
      )
    }
  })
})
