// A small JSON API on node:http (no framework). Responses are built from DTOs only, so no
// internal id, integer foreign key or password hash can reach a client. Filters, sorts and
// cursors sent by the client go through the public view (`db.public()`), in which those columns
// do not exist: a request cannot filter or sort on them either, so it cannot guess them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { EntityValidationError, InvalidQueryError, NotFoundError } from 'kysely-entities'
import {
  activateDeployment,
  containerpubManagers,
  FunctionDeploymentDto,
  FunctionDto,
  FunctionEntity,
  FunctionLogDto,
  getFunctionDetails,
  getFunctionStats,
  getFunctionsPaginated,
  OrganizationWithMembersDto,
} from 'kysely-entities/containerpub'
import { type DemoDatabase, isMain, main } from './context'

type Handler = (
  db: DemoDatabase,
  params: string[],
  url: URL,
  req: IncomingMessage,
) => Promise<unknown>

const MAX_PAGE_SIZE = 100
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An integer query parameter; anything else is a 400. */
function integerParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name)
  if (text === null) return fallback
  if (!/^\d{1,9}$/.test(text)) throw new InvalidQueryError(name, 'expected a positive integer')
  return Number(text)
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new InvalidQueryError('path', 'malformed percent-encoding')
  }
}

async function findFunction(db: DemoDatabase, uuid: string) {
  const fn = await containerpubManagers(db).functions.findByUuid(uuid) // not a uuid: 400
  if (fn === null) throw new NotFoundError('functions')
  return fn
}

const routes: [method: string, path: RegExp, handler: Handler][] = [
  [
    'GET',
    /^\/functions$/,
    async (db, _, url) => {
      const pageSize = integerParam(url, 'pageSize', 20)
      if (pageSize > MAX_PAGE_SIZE) {
        throw new InvalidQueryError('pageSize', `at most ${MAX_PAGE_SIZE}`)
      }
      const page = await getFunctionsPaginated(db, { page: integerParam(url, 'page', 1), pageSize })
      const { items, ...paging } = page
      return { items: await FunctionDto.resolve(db, items), ...paging }
    },
  ],
  [
    'POST',
    /^\/functions\/search$/,
    async (db, _, __, req) => {
      // The client's JSON goes straight into where, orderBy and after, through the public view:
      // { where: { userId: 7 } } or { orderBy: 'id' } is a 400 (unknown column), as is a cursor
      // issued by another search shape (another order or direction).
      const { where, orderBy, orderDirection, after, limit = 20, ...rest } = await readJson(req)
      const unknown = Object.keys(rest)
      if (unknown.length > 0) {
        throw new InvalidQueryError('body', `unknown keys ${unknown.join(', ')}`)
      }
      if (typeof limit !== 'number' || limit > MAX_PAGE_SIZE) {
        throw new InvalidQueryError('limit', `an integer, at most ${MAX_PAGE_SIZE}`)
      }
      const page = await db
        .public()
        .manager(FunctionEntity)
        .paginateByCursor({ where, orderBy, orderDirection, after, limit } as never)
      return { items: await FunctionDto.resolve(db, page.items), nextCursor: page.nextCursor }
    },
  ],
  [
    'GET',
    /^\/functions\/([^/]+)$/,
    async (db, [uuid]) => {
      const details = await getFunctionDetails(db, uuid!) // not a uuid: 400
      if (details === null) throw new NotFoundError('functions')
      const [fn] = await FunctionDto.resolve(db, [details.function])
      return { ...fn, deployments: FunctionDeploymentDto.fromMany(details.deployments) }
    },
  ],
  [
    'GET',
    /^\/functions\/([^/]+)\/stats$/,
    async (db, [uuid], url) => {
      const fn = await findFunction(db, uuid!)
      const sinceText = url.searchParams.get('since')
      const since =
        sinceText === null ? new Date(Date.now() - 30 * 86_400_000) : new Date(sinceText)
      if (Number.isNaN(since.getTime())) {
        throw new InvalidQueryError('since', 'expected an ISO date')
      }
      return { functionUuid: fn.uuid, since, ...(await getFunctionStats(db, fn.id, { since })) }
    },
  ],
  [
    'POST',
    /^\/functions\/([^/]+)\/deployments\/([^/]+)\/activate$/,
    async (db, [uuid, deploymentUuid]) => {
      const fn = await findFunction(db, uuid!)
      const deployments = containerpubManagers(db).functionDeployments
      const target = await deployments.findByUuid(deploymentUuid!)
      if (target === null || target.functionId !== fn.id) {
        throw new NotFoundError('function_deployments')
      }
      const { function: updated, deployment } = await activateDeployment(db, target.uuid)
      const [fnDto] = await FunctionDto.resolve(db, [updated])
      return { function: fnDto, deployment: FunctionDeploymentDto.from(deployment) }
    },
  ],
  [
    'POST',
    /^\/functions\/([^/]+)\/logs$/,
    async (db, [uuid], _, req) => {
      const fn = await findFunction(db, uuid!)
      // Take only the fields a client may set (never spread a body into an insert: it could set
      // `id` or `functionId`); insert then validates their types and lengths -> 400.
      const { level, message, ...rest } = await readJson(req)
      const unknown = Object.keys(rest)
      if (unknown.length > 0) {
        throw new InvalidQueryError('body', `unknown keys ${unknown.join(', ')}`)
      }
      const line = await containerpubManagers(db).functionLogs.insert({
        functionId: fn.id,
        level: level as string,
        message: message as string,
      })
      return FunctionLogDto.from(line)
    },
  ],
  [
    'GET',
    /^\/organizations\/([^/]+)$/,
    async (db, [uuid], _, req) => {
      const { organizations } = containerpubManagers(db)
      const requester = req.headers['x-user-uuid']
      if (requester !== undefined && (typeof requester !== 'string' || !UUID.test(requester))) {
        throw new InvalidQueryError('x-user-uuid', 'expected one uuid')
      }
      const organization = await organizations.findByUuid(uuid!)
      if (organization === null) throw new NotFoundError('organizations')
      // Loads the members, their memberships and profiles: three queries, whatever the count.
      return OrganizationWithMembersDto.resolve(db, { organization, requesterId: requester })
    },
  ],
]

/** The request body as a JSON object (at most 64 KiB). */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 65_536) throw new InvalidQueryError('body', 'too large')
    chunks.push(chunk)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new InvalidQueryError('body', 'expected JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidQueryError('body', 'expected a JSON object')
  }
  return body as Record<string, unknown>
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** Called with unexpected errors (answered 500 without details). Default: console.error. */
  readonly onError?: (error: unknown) => void
}

/** The API as a node:http Server (not listening yet: see {@link listen}). */
export function createApi(db: DemoDatabase, options: ApiOptions = {}): Server {
  const onError = options.onError ?? ((error) => console.error(error))
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      for (const [method, path, handler] of routes) {
        const match = path.exec(url.pathname)
        if (match === null || req.method !== method) continue
        const params = match.slice(1).map(decodePathSegment)
        return send(res, 200, await handler(db, params, url, req))
      }
      send(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } })
    } catch (error) {
      if (error instanceof InvalidQueryError || error instanceof EntityValidationError) {
        // These messages name the input and what was wrong, never a value from the database.
        send(res, 400, { error: { code: error.code, message: error.message } })
      } else if (error instanceof NotFoundError) {
        send(res, 404, { error: { code: error.code, message: error.message } })
      } else {
        onError(error)
        send(res, 500, { error: { code: 'INTERNAL', message: 'internal server error' } })
      }
    }
  })
}

/** Starts `server` on 127.0.0.1:`port` (0: a free port); `close()` stops it. */
export async function listen(server: Server, port = 0) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const actual = typeof address === 'object' && address !== null ? address.port : port
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

// `npx tsx examples/http-api.ts [port]`: serves the seeded demo database until Ctrl-C.
if (isMain(import.meta.url)) {
  await main(async (db, log) => {
    const api = await listen(createApi(db), Number(process.argv[2] ?? 3000))
    log(`listening on ${api.url}: try ${api.url}/functions?page=1&pageSize=5 (Ctrl-C to stop)`)
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
    await api.close()
  })
}
