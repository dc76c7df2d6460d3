import {
  CamelCasePlugin,
  type CompiledQuery,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
} from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  Database,
  InvalidDefinitionError,
  InvalidQueryError,
  UnsupportedPluginError,
} from '../../src/index'
import { kyselyReplicaPool } from '../../src/replicas/kysely-replicas'
import { functions, users } from '../fixtures/tables'
import { dummyKysely } from '../setup/capture-executor'

// Database.fromKysely({ replicas }) checks its options and sends nothing: these run on Kysely's
// DummyDriver. Routing on a real standby: test/integration/replicas-from-kysely.test.ts.

const tables = { users, functions }

/** A plugin of a user's that changes nothing: it records the statements it sees. */
class RecordingPlugin implements KyselyPlugin {
  readonly seen: string[] = []
  transformQuery(args: PluginTransformQueryArgs) {
    this.seen.push(args.node.kind)
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result
  }
}

const error = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('Database.fromKysely({ replicas }): options', () => {
  it('refuses a replica that is not a Kysely instance, naming its place', () => {
    for (const bad of [{}, null, 'postgres://replica/app', { executeQuery() {} }]) {
      const e = error(() =>
        Database.fromKysely(dummyKysely(), { tables, replicas: [dummyKysely(), bad as never] }),
      )
      expect(e).toBeInstanceOf(InvalidDefinitionError)
      expect((e as Error).message).toContain(
        'Database.fromKysely: replicas[1]: expected a Kysely instance',
      )
    }
  })

  it('refuses replicas that are not an array', () => {
    const e = error(() =>
      Database.fromKysely(dummyKysely(), { tables, replicas: dummyKysely() as never }),
    )
    expect(e).toBeInstanceOf(InvalidQueryError)
    expect((e as Error).message).toContain('Database.fromKysely: replicas')
  })

  it('checks each replica’s plugins as the primary’s, with the same allowPlugins', () => {
    const camel = dummyKysely().withPlugin(new CamelCasePlugin())
    const e = error(() => Database.fromKysely(dummyKysely(), { tables, replicas: [camel] }))
    expect(e).toBeInstanceOf(UnsupportedPluginError)
    expect((e as Error).message).toContain(
      'Database.fromKysely: replicas[0].plugins[0] is "CamelCasePlugin"',
    )

    const traced = dummyKysely().withPlugin(new RecordingPlugin())
    expect(() => Database.fromKysely(dummyKysely(), { tables, replicas: [traced] })).toThrow(
      /replicas\[0\]\.plugins\[0\] is "RecordingPlugin"/,
    )
    const db = Database.fromKysely(dummyKysely(), {
      tables,
      replicas: [traced],
      allowPlugins: [RecordingPlugin],
    })
    expect(db.replicas().map((r) => r.url)).toEqual(['replicas[0]'])
  })

  it('refuses the primary instance as a replica, and a replica given twice', () => {
    const primary = dummyKysely()
    const replica = dummyKysely()
    expect(() => Database.fromKysely(primary, { tables, replicas: [primary] })).toThrow(
      /Database\.fromKysely: replicas\[0\].*is the primary Kysely instance/,
    )
    const e = error(() => Database.fromKysely(primary, { tables, replicas: [replica, replica] }))
    expect(e).toBeInstanceOf(InvalidQueryError)
    expect((e as Error).message).toMatch(/replicas\[1\].*given twice/)
  })

  it('checks the tuning options as connect does, naming fromKysely', () => {
    const bad = [
      [{ maxReplayWait: -1 }, 'Database.fromKysely: maxReplayWait'],
      [{ maxReplicaLag: Number.NaN }, 'Database.fromKysely: maxReplicaLag'],
      [{ replicaCheckInterval: 1 }, 'Database.fromKysely: replicaCheckInterval'],
      [{ readYourWrites: 'always' }, 'Database.fromKysely: readYourWrites'],
      [{ onReplicaEvent: 'log' }, 'Database.fromKysely: onReplicaEvent'],
    ] as const
    for (const [options, where] of bad) {
      const e = error(() =>
        Database.fromKysely(dummyKysely(), {
          tables,
          replicas: [dummyKysely()],
          ...(options as object),
        }),
      )
      expect(e).toBeInstanceOf(InvalidQueryError)
      expect((e as Error).message).toContain(where)
    }
  })

  it('without replicas (none, or an empty list) is the Database it was', () => {
    for (const replicas of [undefined, []]) {
      const db = Database.fromKysely(dummyKysely(), { tables, ...(replicas ? { replicas } : {}) })
      expect(db.replicas()).toEqual([])
      expect(db.primary).toBe(db)
      expect(db.session('0/3000148')).toBe(db)
    }
  })
})

describe('Database.fromKysely({ replicas }): lifecycle', () => {
  it('stays synchronous and sends nothing to a replica before the first read', () => {
    const recorder = new RecordingPlugin()
    const db = Database.fromKysely(dummyKysely(), {
      tables,
      replicas: [dummyKysely().withPlugin(recorder)],
      allowPlugins: [RecordingPlugin],
    })
    expect(db).toBeInstanceOf(Database)
    expect(recorder.seen).toEqual([])
    expect(db.replicas()).toEqual([
      { url: 'replicas[0]', state: 'up', healthy: true, lagMs: undefined, reason: undefined },
    ])
  })

  it('close() destroys the replica instances', async () => {
    const primary = dummyKysely()
    const replicas = [dummyKysely(), dummyKysely()]
    const one = (kysely: typeof primary) =>
      kysely.selectNoFrom((eb) => eb.val(1).as('one')).execute()
    // Kysely destroys a driver only once it has been used.
    for (const kysely of [primary, ...replicas]) await one(kysely)
    const db = Database.fromKysely(primary, { tables, replicas })
    await db.close()
    for (const kysely of [primary, ...replicas])
      await expect(one(kysely)).rejects.toThrow(/destroyed/)
  })

  it('a replica pool maps the instance’s errors and destroys it once', async () => {
    const kysely = dummyKysely()
    const pool = kyselyReplicaPool(kysely, 'replicas[0]')
    const query = kysely.selectNoFrom((eb) => eb.val(1).as('one')).compile() as CompiledQuery
    expect((await pool.execute(query, 'read')).rows).toEqual([])
    await Promise.all([pool.close(undefined), pool.close(0)])
    await expect(pool.execute(query, 'read')).rejects.toThrow(/destroyed/)
  })
})
