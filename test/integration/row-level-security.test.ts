import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  containerpubManagers,
  type FunctionDeploymentEntity,
  type FunctionEntity,
  getFunctionDetails,
  type UserEntity,
} from '../../src/containerpub/index'
import { type DatabaseError, InsufficientPrivilegeError, InvalidQueryError } from '../../src/index'
import { compileRequestContext } from '../../src/request-context'
import { containerpubDatabase } from '../setup/containerpub-database'

// Real Row Level Security on the ContainerPub tables, with the request context of
// db.withContext(). The test database user is a superuser, and superusers skip every policy:
// the requests switch to a plain role (`role`), which is what makes the policies apply.

// Roles belong to the whole server: a name of its own per run.
const role = `app_user_${randomBytes(4).toString('hex')}`

let env: Awaited<ReturnType<typeof containerpubDatabase>>
let db: typeof env.db

interface Tenant {
  readonly user: UserEntity
  readonly functions: readonly FunctionEntity[]
  readonly deployments: readonly FunctionDeploymentEntity[]
}
const tenants: Tenant[] = []

const CURRENT_USER_ID = `(SELECT u.id FROM users u
  WHERE u.uuid = nullif(current_setting('app.user_uuid', true), '')::uuid)`

beforeAll(async () => {
  env = await containerpubDatabase('rls')
  db = env.db
  await db.executeScript(`
    CREATE ROLE ${role} NOLOGIN;
    GRANT ${role} TO CURRENT_USER;
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON functions, function_deployments TO ${role};
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role};
    -- users has no policy here: the policies below look the current user up in it.
    GRANT SELECT ON users TO ${role};

    ALTER TABLE functions ENABLE ROW LEVEL SECURITY;
    ALTER TABLE functions FORCE ROW LEVEL SECURITY;
    CREATE POLICY functions_of_current_user ON functions
      USING (user_id = ${CURRENT_USER_ID});

    ALTER TABLE function_deployments ENABLE ROW LEVEL SECURITY;
    ALTER TABLE function_deployments FORCE ROW LEVEL SECURITY;
    CREATE POLICY deployments_of_current_user ON function_deployments
      USING (function_id IN (SELECT f.id FROM functions f WHERE f.user_id = ${CURRENT_USER_ID}));
  `)
  // Seeded as the superuser, outside any context: policies do not apply to it.
  const m = containerpubManagers(db)
  for (let t = 0; t < 8; t++) {
    const user = await m.users.insert({ email: `tenant${t}@x.io`, passwordHash: 'h' })
    const functions = await m.functions.batchInsert(
      Array.from({ length: 3 }, (_, i) => ({ userId: user.id, name: `fn-${t}-${i}` })),
    )
    const deployments = await m.functionDeployments.batchInsert(
      functions.flatMap((fn) =>
        [1, 2].map((version) => ({
          functionId: fn.id,
          version,
          imageTag: `img:${version}`,
          s3Key: `s3/${fn.uuid}/${version}`,
        })),
      ),
    )
    tenants.push({ user, functions, deployments })
  }
})

afterAll(async () => {
  if (db !== undefined) {
    await db.executeScript(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {})
  }
  await env?.close()
})

const asTenant = (t: Tenant) => ({ settings: { 'app.user_uuid': t.user.uuid }, role })

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
async function runPool<T>(count: number, limit: number, task: (i: number) => Promise<T>) {
  const results: PromiseSettledResult<T>[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      results[i] = await task(i).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      )
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  return results
}

const contextOf = async (handle: typeof db) =>
  (await handle.rawOne<{ user_uuid: string | null; role: string; is_super: string }>(
    `SELECT current_setting('app.user_uuid', true) AS user_uuid, current_user AS role,
            current_setting('is_superuser') AS is_super`,
  ))!

describe('withContext: request context', () => {
  it('sets the settings and the role for its transaction only', async () => {
    const [a] = tenants
    const seen = await db.withContext(asTenant(a!), (tx) => contextOf(tx))
    expect(seen).toEqual({ user_uuid: a!.user.uuid, role, is_super: 'off' })
    const after = await contextOf(db)
    expect(after.user_uuid ?? '').toBe('')
    expect(after.role).not.toBe(role)
  })

  it('binds names and values as parameters and refuses anything else before sending', () => {
    expect(compileRequestContext({ settings: { 'app.user_uuid': "x'; drop" }, role })).toEqual({
      statement: expect.objectContaining({
        sql: "select set_config($1, $2, true), set_config('role', $3, true)",
        parameters: ['app.user_uuid', "x'; drop", role],
      }),
    })
    expect(compileRequestContext({}).statement).toBeUndefined()
    const bad: unknown[] = [
      { settings: { user_uuid: 'x' } },
      { settings: { 'App.user': 'x' } },
      { settings: { 'app.user; drop': 'x' } },
      { settings: { 'app.a.b': 'x' } },
      { settings: { 'app.user': 1 } },
      { settings: { 'app.user': 'a\u0000b' } },
      { settings: 'app.user=x' },
      { role: 'app user' },
      { role: 'x"; drop role y; --' },
      { role: '' },
      { role: '1abc' },
      { role: 'none' }, // set_config('role', 'none') is RESET ROLE
      { role: 'NONE' },
      { role: 'a'.repeat(64) },
      null,
      [],
    ]
    for (const context of bad) {
      expect(() => compileRequestContext(context), JSON.stringify(context)).toThrow(
        InvalidQueryError,
      )
    }
  })

  it('refuses bad contexts and unknown options with InvalidQueryError, sending nothing', async () => {
    let ran = false
    const fn = async () => {
      ran = true
    }
    await expect(db.withContext({ settings: { user: 'x' } }, fn)).rejects.toThrow(/settings\.user/)
    await expect(db.withContext({ role: 'no such; role' }, fn)).rejects.toThrow(InvalidQueryError)
    await expect(db.withContext({ setings: {} } as any, fn)).rejects.toThrow(/setings/)
    expect(ran).toBe(false)
  })

  it('passes the transaction options on', async () => {
    const level = await db.withContext(
      { settings: { 'app.user_uuid': tenants[0]!.user.uuid }, isolationLevel: 'serializable' },
      (tx) => tx.rawOne<{ l: string }>("SELECT current_setting('transaction_isolation') AS l"),
    )
    expect(level).toEqual({ l: 'serializable' })
  })

  it('without a role, the superuser skips every policy: the role is what makes them apply', async () => {
    const [a] = tenants
    const all = await db.withContext({ settings: { 'app.user_uuid': a!.user.uuid } }, (tx) =>
      containerpubManagers(tx).functions.count(),
    )
    expect(all).toBe(tenants.length * 3)
    const own = await db.withContext(asTenant(a!), (tx) =>
      containerpubManagers(tx).functions.count(),
    )
    expect(own).toBe(3)
    // A role but no user: the policies match nothing.
    expect(await db.withContext({ role }, (tx) => containerpubManagers(tx).functions.count())).toBe(
      0,
    )
  })

  it('nested in a transaction: a savepoint; rolled back it restores the outer context, released it stays', async () => {
    const [a, b] = tenants
    const outer = await db.transaction(async (tx) => {
      const before = await contextOf(tx)
      const failed = await tx
        .withContext(asTenant(a!), async (inner) => {
          expect(await contextOf(inner)).toMatchObject({ user_uuid: a!.user.uuid, role })
          throw new Error('roll back the savepoint')
        })
        .catch((e: Error) => e.message)
      expect(failed).toBe('roll back the savepoint')
      // ROLLBACK TO SAVEPOINT restored the setting and the role.
      const reverted = await contextOf(tx)
      expect(reverted.role).toBe(before.role)
      expect(reverted.user_uuid ?? '').toBe(before.user_uuid ?? '')

      await tx.withContext(asTenant(b!), async (inner) => {
        expect(await contextOf(inner)).toMatchObject({ user_uuid: b!.user.uuid, role })
      })
      // RELEASE SAVEPOINT keeps them until the outer transaction ends.
      return contextOf(tx)
    })
    expect(outer).toMatchObject({ user_uuid: b!.user.uuid, role })
    const after = await contextOf(db)
    expect(after.user_uuid ?? '').toBe('')
    expect(after.role).not.toBe(role)
  })

  it('refuses transaction options on a nested withContext', async () => {
    await db.transaction(async (tx) => {
      await expect(
        tx.withContext({ role, isolationLevel: 'serializable' }, async () => {}),
      ).rejects.toBeInstanceOf(InvalidQueryError)
      await expect(tx.withContext({ role, retries: 2 }, async () => {})).rejects.toThrow(/retries/)
    })
  })
})

describe('Row Level Security under load', () => {
  it('1,000 interleaved requests of 8 tenants, 32 in flight: no row of another tenant read or written', async () => {
    const requests = 1_000
    let foreignRowsRead = 0
    let ownRowsRead = 0
    let crossWritesSucceeded = 0
    let crossWritesRefused = 0
    let crossWritesNoop = 0
    const ownInserts: { tenant: number; version: number }[] = []
    const ownerOfFunction = new Map<number, number>()
    tenants.forEach((t, i) => {
      for (const fn of t.functions) ownerOfFunction.set(fn.id, i)
    })

    const results = await runPool(requests, 32, (i) => {
      const me = (i * 5) % tenants.length
      const other = (me + 1 + (i % (tenants.length - 1))) % tenants.length
      const t = tenants[me]!
      const victim = tenants[other]!
      const kind = i % 6
      return db.withContext(asTenant(t), async (tx) => {
        const m = containerpubManagers(tx)
        switch (kind) {
          case 0: {
            const fns = await m.functions.findAll()
            for (const fn of fns) {
              if (fn.userId === t.user.id) ownRowsRead++
              else foreignRowsRead++
            }
            expect(fns).toHaveLength(3)
            return
          }
          case 1: {
            const deployments = await m.functionDeployments.findAll()
            for (const d of deployments) {
              if (ownerOfFunction.get(d.functionId) === me) ownRowsRead++
              else foreignRowsRead++
            }
            // Another tenant's function and deployment, looked up directly: not there.
            if ((await m.functions.findByUuid(victim.functions[0]!.uuid)) !== null) {
              foreignRowsRead++
            }
            if ((await m.functionDeployments.findById(victim.deployments[0]!.id)) !== null) {
              foreignRowsRead++
            }
            if ((await getFunctionDetails(tx, victim.functions[1]!.uuid)) !== null) {
              foreignRowsRead++
            }
            return
          }
          case 2: {
            const details = await getFunctionDetails(tx, t.functions[i % 3]!.uuid)
            expect(details?.owner?.uuid).toBe(t.user.uuid)
            for (const d of details!.deployments) {
              if (d.functionId === details!.function.id) ownRowsRead++
              else foreignRowsRead++
            }
            return
          }
          case 3: {
            const version = 1_000 + i
            await m.functionDeployments.insert({
              functionId: t.functions[i % 3]!.id,
              version,
              imageTag: `img:${version}`,
              s3Key: `s3/${version}`,
            })
            ownInserts.push({ tenant: me, version })
            return
          }
          case 4: {
            // Insert on another tenant's function: WITH CHECK refuses it.
            const version = 100_000 + i
            try {
              await m.functionDeployments.insert({
                functionId: victim.functions[i % 3]!.id,
                version,
                imageTag: 'evil',
                s3Key: 'evil',
              })
              crossWritesSucceeded++
            } catch (error) {
              expect(error).toBeInstanceOf(InsufficientPrivilegeError)
              expect((error as DatabaseError).sqlState).toBe('42501')
              crossWritesRefused++
              throw error
            }
            return
          }
          default: {
            // Update and delete another tenant's rows by id: they match nothing.
            const target = victim.deployments[i % victim.deployments.length]!
            const updated = await m.functionDeployments.updateById(target.id, { status: 'evil' })
            const deleted = await m.functionDeployments.deleteById(target.id)
            const renamed = await tx.raw(
              'UPDATE functions SET name = @name WHERE id = @id RETURNING id',
              {
                name: `evil-${i}`,
                id: victim.functions[i % 3]!.id,
              },
            )
            const touched = await tx.raw(
              'DELETE FROM function_deployments WHERE function_id = @id RETURNING id',
              { id: target.functionId },
            )
            if (updated !== null || deleted || renamed.length > 0 || touched.length > 0) {
              crossWritesSucceeded++
            } else crossWritesNoop++
          }
        }
      })
    })

    // Only the refused cross-tenant inserts failed.
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected).toHaveLength(crossWritesRefused)
    for (const r of rejected) expect(r.reason).toBeInstanceOf(InsufficientPrivilegeError)

    expect(foreignRowsRead).toBe(0)
    expect(ownRowsRead).toBeGreaterThan(0)
    expect(crossWritesSucceeded).toBe(0)
    expect(crossWritesRefused).toBe(Math.ceil((requests - 4) / 6))
    expect(crossWritesNoop).toBeGreaterThan(0)
    expect(ownInserts).toHaveLength(Math.ceil((requests - 3) / 6))

    // The database agrees (read as the superuser, policies not applying).
    const evil = await db.raw(
      "SELECT id FROM function_deployments WHERE status = 'evil' OR version >= 100000 OR image_tag = 'evil'",
    )
    expect(evil).toEqual([])
    expect(await db.raw("SELECT id FROM functions WHERE name LIKE 'evil-%'")).toEqual([])
    const perTenant = await db.raw<{ user_id: number; n: bigint }>(
      `SELECT f.user_id, count(*) AS n FROM function_deployments d JOIN functions f ON f.id = d.function_id
        WHERE d.version >= 1000 GROUP BY f.user_id`,
    )
    const expected = new Map<number, bigint>()
    for (const { tenant } of ownInserts) {
      const id = tenants[tenant]!.user.id
      expected.set(id, (expected.get(id) ?? 0n) + 1n)
    }
    expect(new Map(perTenant.map((r) => [r.user_id, r.n]))).toEqual(expected)
    // Every seeded deployment is still there, unchanged.
    const seeded = await db.raw<{ n: bigint }>(
      "SELECT count(*) AS n FROM function_deployments WHERE version IN (1, 2) AND status = 'building'",
    )
    expect(seeded[0]!.n).toBe(BigInt(tenants.length * 6))

    // No connection of the pool kept a user or a role: 8 transactions hold the 8 connections at
    // once, then plain queries run on the pool.
    const allHeld = (() => {
      let arrived = 0
      let open!: () => void
      const opened = new Promise<void>((resolve) => {
        open = resolve
      })
      return () => {
        if (++arrived === 8) open()
        return opened
      }
    })()
    const perConnection = await Promise.all(
      Array.from({ length: 8 }, () =>
        db.transaction(async (tx) => {
          await allHeld()
          return {
            ...(await contextOf(tx)),
            pid: (await tx.rawOne<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid,
          }
        }),
      ),
    )
    expect(new Set(perConnection.map((c) => c.pid)).size).toBe(8)
    const plain = await Promise.all(Array.from({ length: 16 }, () => contextOf(db)))
    for (const c of [...perConnection, ...plain]) {
      expect(c.user_uuid ?? '').toBe('')
      expect(c.role).not.toBe(role)
      expect(c.is_super).toBe('on')
    }
    console.info(
      `RLS: ${ownRowsRead} own rows read, 0 foreign; ${ownInserts.length} own inserts; ` +
        `${crossWritesRefused} cross-tenant inserts refused, ${crossWritesNoop} cross-tenant updates/deletes matched nothing`,
    )
  })
})
