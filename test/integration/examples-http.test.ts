import { Database } from 'kysely-entities'
import { containerpubTables } from 'kysely-entities/containerpub'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type DemoDatabase, openDemoDatabase, seed } from '../../examples/context'
import { createApi, listen } from '../../examples/http-api'

// Internal ids far from any other number in the data, so that a leaked one is recognisable.
const FIRST_IDS: Record<string, number> = {
  users: 7_100_000,
  user_information: 7_200_000,
  organizations: 7_300_000,
  organization_members: 7_400_000,
  functions: 7_500_000,
  function_deployments: 7_600_000,
  function_logs: 7_700_000,
  function_invocations: 7_800_000,
}
const FORBIDDEN_KEYS = [
  'id',
  'userId',
  'user_id',
  'functionId',
  'function_id',
  'activeDeploymentId',
  'active_deployment_id',
  'passwordHash',
  'password_hash',
]

let demo: Awaited<ReturnType<typeof openDemoDatabase>>
let db: DemoDatabase
let api: Awaited<ReturnType<typeof listen>>
let seeded: Awaited<ReturnType<typeof seed>>
const unexpected: unknown[] = []
const bodies: { path: string; text: string }[] = []

beforeAll(async () => {
  demo = await openDemoDatabase({ serverUrl: inject('databaseUrl') })
  db = demo.db
  for (const [table, first] of Object.entries(FIRST_IDS)) {
    await db.executeScript(`ALTER SEQUENCE ${table}_id_seq RESTART WITH ${first}`)
  }
  seeded = await seed(db)
  api = await listen(createApi(db, { onError: (error) => unexpected.push(error) }), 0)
})
afterAll(async () => {
  await api?.close()
  await demo?.close()
})

async function request(path: string, init?: RequestInit) {
  const response = await fetch(`${api.url}${path}`, init)
  const text = await response.text()
  bodies.push({ path, text })
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  return { status: response.status, body: JSON.parse(text) }
}

const fnUuid = (name: string) => seeded.functions.find((f) => f.name === name)!.uuid

describe('examples: the HTTP API', () => {
  it('GET /functions pages through FunctionDtos', async () => {
    const first = await request('/functions?page=1&pageSize=5')
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ total: 20, page: 1, pageSize: 5, hasMore: true })
    expect(first.body.items).toHaveLength(5)
    expect(first.body.items[0]).toMatchObject({
      uuid: fnUuid('health-check'),
      name: 'health-check',
    })
    const last = await request('/functions?page=4&pageSize=5')
    expect(last.body).toMatchObject({ page: 4, hasMore: false })
    const all = [...first.body.items, ...(await request('/functions?pageSize=100')).body.items]
    expect(new Set(all.map((f: { uuid: string }) => f.uuid)).size).toBe(20)
  })

  it('GET /functions/:uuid gives the function and its deployments, newest first', async () => {
    const { status, body } = await request(`/functions/${fnUuid('price-feed')}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ uuid: fnUuid('price-feed'), name: 'price-feed' })
    expect(body.deployments.map((d: { version: number }) => d.version)).toEqual([5, 4, 3, 2, 1])
    expect(body.deployments[0].uuid).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('GET /functions/:uuid/stats', async () => {
    const since = '2025-05-01T00:00:00.000Z'
    const { status, body } = await request(
      `/functions/${fnUuid('resize-image')}/stats?since=${since}`,
    )
    expect(status).toBe(200)
    const row = await db.rawOne<{ n: bigint }>(
      `SELECT count(*) AS n FROM function_invocations i JOIN functions f ON f.id = i.function_id
        WHERE f.name = 'resize-image' AND i.timestamp >= @since`,
      { since: new Date(since) },
    )
    expect(body).toMatchObject({
      functionUuid: fnUuid('resize-image'),
      since,
      totalInvocations: Number(row!.n),
    })
    expect(body.successful).toBeLessThanOrEqual(body.totalInvocations)
  })

  it('POST .../deployments/:uuid/activate switches the active deployment', async () => {
    const uuid = fnUuid('sync-inventory')
    const details = (await request(`/functions/${uuid}`)).body
    const v1 = details.deployments.find((d: { version: number }) => d.version === 1)
    const { status, body } = await request(`/functions/${uuid}/deployments/${v1.uuid}/activate`, {
      method: 'POST',
    })
    expect(status).toBe(200)
    expect(body.function.uuid).toBe(uuid)
    expect(body.deployment).toMatchObject({ uuid: v1.uuid, version: 1, isActive: true })
    const after = (await request(`/functions/${uuid}`)).body
    const active = after.deployments.filter((d: { isActive: boolean }) => d.isActive)
    expect(active.map((d: { version: number }) => d.version)).toEqual([1])

    // A deployment of another function is not found under this one; GET is not a route.
    const other = (await request(`/functions/${fnUuid('send-email')}`)).body.deployments[0]
    const wrong = await request(`/functions/${uuid}/deployments/${other.uuid}/activate`, {
      method: 'POST',
    })
    expect(wrong.status).toBe(404)
    const get = await request(`/functions/${uuid}/deployments/${v1.uuid}/activate`)
    expect(get.status).toBe(404)
  })

  it('POST /functions/:uuid/logs validates the body', async () => {
    const path = `/functions/${fnUuid('send-email')}/logs`
    const post = (body: unknown) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const ok = await post({ level: 'info', message: 'hello from the API' })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ level: 'info', message: 'hello from the API' })
    expect(ok.body.uuid).toMatch(/^[0-9a-f-]{36}$/)
    const tooLong = await post({ level: 'x'.repeat(30), message: 'm' })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body.error.code).toBe('ENTITY_VALIDATION')
    const notString = await post({ level: 3, message: 'm' })
    expect(notString).toMatchObject({ status: 400, body: { error: { code: 'ENTITY_VALIDATION' } } })
    // A client cannot choose internal ids: only level and message are taken from the body.
    for (const extra of [{ id: 1 }, { functionId: 1 }]) {
      const refused = await post({ level: 'info', message: 'm', ...extra })
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'INVALID_QUERY' } } })
    }
    expect(await db.rawOne('SELECT id FROM function_logs WHERE id = 1')).toBeNull()
    const notJson = await request(path, { method: 'POST', body: '{' })
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'INVALID_QUERY' } } })
  })

  it('GET /organizations/:uuid shows member uuids to the owner only', async () => {
    const org = seeded.organization
    const [ada, grace, linus] = seeded.users
    const asOwner = await request(`/organizations/${org.uuid}`, {
      headers: { 'x-user-uuid': ada!.uuid },
    })
    expect(asOwner.status).toBe(200)
    expect(asOwner.body.uuid).toBe(org.uuid)
    expect(asOwner.body.name).toBe('Analytical Engines Ltd')
    const ownerView = JSON.stringify(asOwner.body)
    for (const u of [ada, grace, linus]) expect(ownerView).toContain(u!.uuid)

    for (const headers of [{ 'x-user-uuid': grace!.uuid }, {}] as Record<string, string>[]) {
      const other = await request(`/organizations/${org.uuid}`, { headers })
      expect(other.status).toBe(200)
      expect(other.body.uuid).toBe(org.uuid)
      const view = JSON.stringify(other.body)
      for (const u of [grace, linus]) expect(view).not.toContain(u!.uuid)
    }
    const bad = await request(`/organizations/${org.uuid}`, { headers: { 'x-user-uuid': 'me' } })
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_QUERY' } } })
  })

  it('POST /functions/search takes filters, sorts and cursors on public columns only', async () => {
    const search = (body: unknown) =>
      request('/functions/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const shape = { where: { status: 'active' }, orderBy: 'name', orderDirection: 'desc', limit: 4 }
    const first = await search(shape)
    expect(first.status).toBe(200)
    expect(first.body.items).toHaveLength(4)
    const names = first.body.items.map((f: { name: string }) => f.name)
    expect(names).toEqual([...names].sort().reverse())
    expect(first.body.items.every((f: { status: string }) => f.status === 'active')).toBe(true)
    const second = await search({ ...shape, after: first.body.nextCursor })
    expect(second.status).toBe(200)
    expect(second.body.items[0].name < names[3]).toBe(true)
    // Hidden columns do not exist for the client: refused as unknown names, whatever the value.
    const [ada] = seeded.users
    const owner = await db.rawOne<{ id: number }>('SELECT id FROM users WHERE uuid = @uuid', {
      uuid: ada!.uuid,
    })
    for (const [body, path] of [
      [{ where: { userId: owner!.id } }, 'where.userId'],
      [{ where: { or: [{ name: 'x' }, { id: { gt: 0 } }] } }, 'where.or[1].id'],
      [{ orderBy: 'activeDeploymentId' }, 'orderBy'],
      [{ orderBy: 'id' }, 'orderBy'],
      // A cursor of another order is refused: it cannot read one column's value as another's.
      [{ ...shape, orderDirection: 'asc', after: first.body.nextCursor }, 'after'],
      [
        { where: { status: 'active' }, orderBy: 'createdAt', after: first.body.nextCursor },
        'after',
      ],
    ] as const) {
      const refused = await search(body)
      expect({ path, status: refused.status, code: refused.body.error.code }).toEqual({
        path,
        status: 400,
        code: 'INVALID_QUERY',
      })
      expect(refused.body.error.message.startsWith(`${path}: `)).toBe(true)
    }
    const hidden = await search({ where: { userId: 1 } })
    const missing = await search({ where: { userIdx: 1 } })
    expect(hidden.body.error.message.replace('userId', '<name>')).toBe(
      missing.body.error.message.replace('userIdx', '<name>'),
    )
  })

  it('answers bad input with 400 and its code, unknown things with 404', async () => {
    for (const path of [
      '/functions?page=0',
      '/functions?page=abc',
      '/functions?pageSize=101',
      '/functions/not-a-uuid',
      '/functions/%E0%A4%A',
      `/functions/${fnUuid('send-email')}/stats?since=yesterday`,
    ]) {
      const { status, body } = await request(path)
      expect({ path, status, code: body.error.code }).toEqual({
        path,
        status: 400,
        code: 'INVALID_QUERY',
      })
    }
    for (const path of [
      '/nope',
      '/functions/00000000-0000-4000-8000-000000000000',
      '/organizations/00000000-0000-4000-8000-000000000000',
    ]) {
      const { status, body } = await request(path)
      expect({ path, status, code: body.error.code }).toEqual({
        path,
        status: 404,
        code: 'NOT_FOUND',
      })
    }
    expect(unexpected).toEqual([])
  })

  it('answers an unexpected failure with 500 and no details', async () => {
    const closed = await Database.connect({ url: demo.url, tables: containerpubTables })
    await closed.close()
    const errors: unknown[] = []
    const broken = await listen(createApi(closed, { onError: (e) => errors.push(e) }), 0)
    try {
      const response = await fetch(`${broken.url}/functions`)
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({
        error: { code: 'INTERNAL', message: 'internal server error' },
      })
      expect(errors).toHaveLength(1)
    } finally {
      await broken.close()
    }
  })

  it('no response body contains an internal id', async () => {
    expect(bodies.length).toBeGreaterThan(20)
    const ids = new Set<number>()
    for (const table of Object.keys(FIRST_IDS)) {
      for (const row of await db.raw<{ id: number }>(`SELECT id FROM ${table}`)) ids.add(row.id)
    }
    expect(ids.size).toBeGreaterThan(2000)
    const leaks: string[] = []
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          walk(v, `${path}[${i}]`)
        })
      } else if (value !== null && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (FORBIDDEN_KEYS.includes(key)) leaks.push(`${path}.${key}`)
          walk(v, `${path}.${key}`)
        }
      } else if (
        (typeof value === 'number' && ids.has(value)) ||
        (typeof value === 'string' && /^\d+$/.test(value) && ids.has(Number(value)))
      ) {
        leaks.push(`${path} = ${value}`)
      }
    }
    for (const { path, text } of bodies) {
      walk(JSON.parse(text), path)
      expect(text).not.toContain('argon2')
      expect(text).not.toMatch(/[^0-9a-f-]7[1-8]\d{5}[^0-9a-f-]/)
    }
    expect(leaks).toEqual([])
  })
})
