// Shared setup of the examples: a fresh ContainerPub database and realistic, deterministic data.
import { pathToFileURL } from 'node:url'
import { Database, generateDDL } from 'kysely-entities'
import {
  type ContainerpubManagers,
  type ContainerpubTables,
  containerpubManagers,
  containerpubTables,
} from 'kysely-entities/containerpub'
import { createTestDatabase, startPostgres } from 'kysely-entities/testing'

/** The database every example takes. */
export type DemoDatabase = Database<ContainerpubTables>
/** Where an example writes its account, one line at a time. */
export type Log = (line: string) => void

/** "Now" for the seeded data: every date is fixed relative to it, so runs are reproducible. */
export const DEMO_NOW = new Date('2025-06-01T12:00:00Z')
const DAY = 86_400_000

/**
 * Opens a fresh database with the ContainerPub schema: on `serverUrl`, else `DATABASE_URL`, else
 * an embedded PostgreSQL. `close()` drops the database and stops an embedded server.
 */
export async function openDemoDatabase(options: { serverUrl?: string } = {}) {
  const server = await startPostgres({ url: options.serverUrl })
  const test = await createTestDatabase(server.url, { prefix: 'kysely_entities_demo' })
  const db = await Database.connect({ url: test.url, tables: containerpubTables })
  await db.executeScript(generateDDL(Object.values(containerpubTables)))
  const managers: ContainerpubManagers<ContainerpubTables> = containerpubManagers(db)
  return {
    db,
    managers,
    url: test.url,
    embedded: server.embedded,
    async close() {
      await db.close()
      await test.drop()
      await server.stop()
    },
  }
}

/** A small deterministic PRNG (mulberry32): the same data on every run. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  }
}

const PEOPLE = [
  ['ada', 'Ada', 'Lovelace', 'United Kingdom', 'London', 'team'],
  ['grace', 'Grace', 'Hopper', 'United States', 'Arlington', 'developer'],
  ['linus', 'Linus', 'Torvalds', 'Finland', 'Helsinki', 'sub_team_developer'],
  ['margaret', 'Margaret', 'Hamilton', 'United States', 'Boston', 'developer'],
  ['ken', 'Ken', 'Thompson', 'United States', 'New Orleans', 'developer'],
] as const

const FUNCTION_NAMES = [
  'resize-image',
  'send-email',
  'generate-invoice',
  'sync-inventory',
  'webhook-stripe',
  'thumbnail',
  'pdf-render',
  'geo-lookup',
  'rate-limiter',
  'slack-notify',
  'daily-report',
  'cleanup-temp',
  'auth-callback',
  'search-index',
  'csv-import',
  'price-feed',
  'translate-text',
  'ocr-scan',
  'audit-trail',
  'health-check',
]

const ERRORS = ['TimeoutException after 30s', 'StateError: bad state', 'HttpException: 502']

/** The seeded users' emails, in order: `ada@example.com` owns the organization. */
export const DEMO_EMAILS = PEOPLE.map(([handle]) => `${handle}@example.com`)

/**
 * Inserts the demo data with the managers' own `batchInsert` (one statement per table): 5 users
 * with profiles, an organization with 3 members, 20 functions with 2 to 5 deployments each (the
 * newest active), 10 log lines per function and 2,000 invocations over the 30 days before
 * {@link DEMO_NOW}.
 */
export async function seed(db: DemoDatabase) {
  const m = containerpubManagers(db)
  const random = prng(20250601)

  const users = await m.users.batchInsert(
    PEOPLE.map(([handle], i) => ({
      email: `${handle}@example.com`,
      passwordHash: `argon2id$v=19$m=65536,t=3,p=4$${handle}-salt$${handle}-hash`,
      createdAt: new Date(DEMO_NOW.getTime() - (400 - i * 30) * DAY),
    })),
  )
  await m.userInformation.batchInsert(
    PEOPLE.map(([, firstName, lastName, country, city, role], i) => ({
      userId: users[i]!.uuid,
      firstName,
      lastName,
      country,
      city,
      role,
      phoneNumber: `+1-555-010${i}`,
    })),
  )
  const [organization] = await m.organizations.batchInsert([
    {
      name: 'Analytical Engines Ltd',
      ownerId: users[0]!.uuid,
      createdAt: new Date(DEMO_NOW.getTime() - 380 * DAY),
    },
  ])
  await m.organizationMembers.batchInsert(
    users.slice(0, 3).map((u, i) => ({
      organizationId: organization!.uuid,
      userId: u.uuid,
      joinedAt: new Date(DEMO_NOW.getTime() - (300 - i * 40) * DAY),
    })),
  )

  const functions = await m.functions.batchInsert(
    FUNCTION_NAMES.map((name, i) => ({
      userId: users[i % users.length]!.id,
      name,
      status: i % 7 === 6 ? 'inactive' : 'active',
      analysisResult: { runtime: 'dart', dependencies: random.int(1, 12) },
      createdAt: new Date(DEMO_NOW.getTime() - (90 - i * 4) * DAY),
    })),
  )

  const deployments = await m.functionDeployments.batchInsert(
    functions.flatMap((fn, f) => {
      const versions = 2 + (f % 4)
      return Array.from({ length: versions }, (_, v) => ({
        functionId: fn.id,
        version: v + 1,
        imageTag: `registry.example.com/${fn.name}:v${v + 1}`,
        s3Key: `functions/${fn.uuid}/v${v + 1}.tar.gz`,
        status: v + 1 === versions ? 'active' : random.next() < 0.15 ? 'failed' : 'inactive',
        isActive: v + 1 === versions,
        deployedAt: new Date(fn.createdAt!.getTime() + v * 3 * DAY),
      }))
    }),
  )
  await db.raw(
    `UPDATE functions f SET active_deployment_id = d.id
       FROM function_deployments d WHERE d.function_id = f.id AND d.is_active`,
  )

  const logs = await m.functionLogs.batchInsert(
    functions.flatMap((fn, f) =>
      Array.from({ length: 10 }, (_, i) => ({
        functionId: fn.id,
        level: i % 5 === 4 ? 'error' : i % 3 === 2 ? 'warn' : 'info',
        message: i % 5 === 4 ? random.pick(ERRORS) : `request ${f * 10 + i} handled`,
        timestamp: new Date(DEMO_NOW.getTime() - (i + 1) * 3_600_000),
      })),
    ),
    { returning: false },
  )

  // Busy functions first: function i gets a share proportional to 1 / (i + 1).
  const weights = functions.map((_, i) => 1 / (i + 1))
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  const pickFunction = () => {
    let r = random.next() * totalWeight
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!
      if (r <= 0) return functions[i]!
    }
    return functions[functions.length - 1]!
  }
  const invocations = await m.functionInvocations.batchInsert(
    Array.from({ length: 2_000 }, () => {
      const fn = pickFunction()
      const failed = random.next() < 0.08
      return {
        functionId: fn.id,
        status: failed ? 'error' : 'success',
        durationMs: failed ? random.int(1_000, 30_000) : random.int(5, 400),
        error: failed ? random.pick(ERRORS) : null,
        timestamp: new Date(DEMO_NOW.getTime() - random.int(0, 30 * 24 * 60) * 60_000),
      }
    }),
    { returning: false },
  )

  return {
    users,
    organization: organization!,
    functions,
    counts: {
      users: users.length,
      organizations: 1,
      functions: functions.length,
      deployments: deployments.length,
      logs,
      invocations,
    },
  }
}

/** What an example module exports. */
export type Example<R> = (db: DemoDatabase, log: Log) => Promise<R>

/** True when the module at `moduleUrl` is the program being run (`npx tsx examples/crud.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1]
  return script !== undefined && moduleUrl === pathToFileURL(script).href
}

/** Runs one example on its own: opens the demo database, seeds it, runs, prints and closes. */
export async function main<R>(run: Example<R>): Promise<void> {
  const demo = await openDemoDatabase()
  try {
    await seed(demo.db)
    await run(demo.db, (line) => console.log(line))
  } finally {
    await demo.close()
  }
}
