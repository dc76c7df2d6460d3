import { and, asc, desc, sql as dsql, eq, gt, inArray } from 'drizzle-orm'
import { sql } from 'kysely'
import { createPostgresClient, Database } from 'kysely-entities'
import { FunctionEntity, FunctionInvocationEntity, UserEntity } from 'kysely-entities/containerpub'
import type { Variant, VariantResult } from './measure'
import { runProbe } from './probe'
import {
  SUSTAINED_CONTENDER,
  SUSTAINED_SECONDS,
  SUSTAINED_VARIANTS,
} from './probes/sustained-variants'
import { createRng } from './rng'
import {
  type CaseResult,
  idsOf,
  ops,
  rounds,
  runCase,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
  warmup,
} from './scenario'
import { benchTables, dDeployments, dFunctions, dInvocations, dUsers } from './schema'
import { summarize } from './stats'

// ---------------------------------------------------------------- S1 / S2: findByUuid

async function probeUuids(ctx: ScenarioContext, count: number): Promise<string[]> {
  const rows = await ctx.clients.raw<{ uuid: string }[]>`select uuid from users order by id`
  const rng = createRng(11)
  return Array.from({ length: count }, () => rng.pick(rows).uuid)
}

function byUuidVariants(ctx: ScenarioContext): Variant<string>[] {
  const { raw, kysely, drizzle, knex, ke } = ctx.clients
  const users = ke.manager(UserEntity)
  const unpipelinedUsers = ctx.clients.keUnpipelined.manager(UserEntity)
  const prepared = drizzle
    .select()
    .from(dUsers)
    .where(eq(dUsers.uuid, dsql.placeholder('uuid')))
    .prepare('bench_user_by_uuid')
  const idOf = (row: unknown) => String((row as { id: number } | undefined)?.id ?? 'none')
  return [
    {
      label: 'postgres.js',
      contender: 'postgres.js',
      baseline: true,
      run: async (uuid) => (await raw`select * from users where uuid = ${uuid}`)[0],
      fingerprint: idOf,
    },
    {
      label: 'kysely',
      contender: 'kysely',
      run: (uuid) =>
        kysely.selectFrom('users').selectAll().where('uuid', '=', uuid).executeTakeFirst(),
      fingerprint: idOf,
    },
    {
      label: 'drizzle',
      contender: 'drizzle',
      note: 'unnamed statements: Drizzle prepares only with .prepare(name)',
      run: async (uuid) => (await drizzle.select().from(dUsers).where(eq(dUsers.uuid, uuid)))[0],
      fingerprint: idOf,
    },
    {
      label: 'drizzle (prepared)',
      contender: 'drizzle',
      run: async (uuid) => (await prepared.execute({ uuid }))[0],
      fingerprint: idOf,
    },
    {
      label: 'drizzle (relational)',
      contender: 'drizzle',
      run: (uuid) => drizzle.query.users.findFirst({ where: eq(dUsers.uuid, uuid) }),
      fingerprint: idOf,
    },
    {
      label: 'knex',
      contender: 'knex',
      run: (uuid) => knex('users').where('uuid', uuid).first(),
      fingerprint: idOf,
    },
    {
      label: 'kysely-entities findByUuid',
      contender: 'kysely-entities',
      run: (uuid) => users.findByUuid(uuid),
      fingerprint: idOf,
    },
    {
      label: 'kysely-entities findByUuid (pipeline: 1)',
      contender: 'kysely-entities',
      note: 'no read pipelined: each waits for an idle connection (the default pipelines up to 8 reads a connection, as postgres.js pipelines)',
      run: (uuid) => unpipelinedUsers.findByUuid(uuid),
      fingerprint: idOf,
    },
  ]
}

export const s1: Scenario = {
  id: 'S1',
  title: 'findByUuid, one query in flight',
  async run(ctx): Promise<ScenarioResult> {
    const inputs = await probeUuids(ctx, 2_000)
    const result = await runCase(
      {
        scenario: 'S1',
        title: this.title,
        caseName: '',
        variants: byUuidVariants(ctx),
        inputs,
        // Short turns, four times as many: a call's latency here swings between two levels
        // (~90 and ~180 µs) for stretches of tens of ms, whatever runs it (the scheduler places
        // Node and the PostgreSQL backend on one core or two); short turns spread both over all.
        rounds: rounds(ctx, 4),
        warmupRounds: warmup(ctx),
        opsPerRound: ops(ctx, 50),
        checkInputs: 5,
      },
      ctx,
    )
    return {
      id: 'S1',
      title: this.title,
      what: 'One user by its uuid (SELECT all columns WHERE uuid = $1), awaited one after another.',
      metric: 'p50 latency',
      cases: [result],
      notes: [],
    }
  },
}

export const s2: Scenario = {
  id: 'S2',
  title: 'findByUuid, 32 queries in flight',
  async run(ctx): Promise<ScenarioResult> {
    const inputs = await probeUuids(ctx, 4_000)
    const result = await runCase(
      {
        scenario: 'S2',
        title: this.title,
        caseName: '',
        variants: byUuidVariants(ctx),
        inputs,
        rounds: rounds(ctx),
        warmupRounds: warmup(ctx),
        opsPerRound: ops(ctx, 800),
        concurrency: 32,
        checkInputs: 5,
      },
      ctx,
    )
    const sustained = ctx.probeRuns > 0 ? await sustainedCase(ctx) : undefined
    return {
      id: 'S2',
      title: this.title,
      what:
        'S1 with 32 callers at once on each contender’s pool; each round issues the same number of calls.' +
        (sustained === undefined
          ? ''
          : ` Then “sustained”: each contender alone in a fresh process, 32 calls in flight without pause for ${SUSTAINED_SECONDS} s; its time per call is that of the last whole second.`),
      metric: 'time per call at 32 in flight (1 / throughput), median round',
      metricColumn: 'time/call',
      cases: sustained === undefined ? [result] : [result, sustained.result],
      notes: sustained?.notes ?? [],
    }
  },
}

/**
 * S2 held for `SUSTAINED_SECONDS` in a fresh process per contender (`probes/sustained.ts`): the
 * calls completed in each second. postgres.js's pool slows down as such a load goes on (its queues
 * grow with every statement, porsager/postgres#747), which the short rounds above do not show.
 */
async function sustainedCase(
  ctx: ScenarioContext,
): Promise<{ result: CaseResult; notes: string[] }> {
  const perSecond: number[][] = []
  for (let j = 0; j < SUSTAINED_VARIANTS.length; j++) {
    ctx.progress.update(`sustained, fresh process: ${SUSTAINED_VARIANTS[j]}`)
    const out = JSON.parse(
      await runProbe('probes/sustained.ts', ['--url', ctx.url, '--variant', String(j)]),
    ) as { perSecond: number[] }
    perSecond.push(out.perSecond)
  }
  const results: VariantResult[] = SUSTAINED_VARIANTS.map((label, j) => {
    const counts = perSecond[j]!.filter((n) => n > 0)
    const times = counts.map((n) => 1000 / n)
    const latency = summarize(times)
    const last = times.at(-1) ?? Number.NaN
    return {
      scenario: 'S2',
      caseName: 'sustained',
      label,
      contender: SUSTAINED_CONTENDER[label],
      baseline: j === 0,
      latency,
      perRound: latency,
      opsPerSec: counts.at(-1) ?? Number.NaN,
      metric: last,
      ratio: Number.NaN,
    }
  })
  const base = results[0]!
  for (const r of results) r.ratio = r.metric / base.metric
  const notes = SUSTAINED_VARIANTS.map(
    (label, j) =>
      `sustained, ${label}: calls per second, second by second: ${perSecond[j]!.map((n) => n.toLocaleString('en-US')).join(', ')}`,
  )
  return {
    result: {
      name: 'sustained',
      check: {
        scenario: 'S2',
        caseName: 'sustained',
        passed: true,
        inputs: 0,
        variants: SUSTAINED_VARIANTS.length,
        mismatches: [],
      },
      results,
    },
    notes,
  }
}

// ---------------------------------------------------------------- S3: page of 20 functions

export const s3: Scenario = {
  id: 'S3',
  title: 'page of 20 active functions of a user',
  async run(ctx): Promise<ScenarioResult> {
    const { raw, kysely, drizzle, knex, ke } = ctx.clients
    const owners = await raw<{ user_id: number }[]>`
      select user_id from functions group by user_id having count(*) >= 20 order by user_id`
    const rng = createRng(13)
    const inputs = Array.from({ length: 500 }, () => rng.pick(owners).user_id)
    const functions = ke.manager(FunctionEntity)
    const prepared = drizzle
      .select()
      .from(dFunctions)
      .where(
        and(eq(dFunctions.userId, dsql.placeholder('userId')), eq(dFunctions.status, 'active')),
      )
      .orderBy(desc(dFunctions.createdAt))
      .limit(20)
      .prepare('bench_function_page')
    const variants: Variant<number>[] = [
      {
        label: 'postgres.js',
        contender: 'postgres.js',
        baseline: true,
        run: (userId) =>
          raw`select * from functions where user_id = ${userId} and status = 'active'
              order by created_at desc limit 20`,
      },
      {
        label: 'kysely',
        contender: 'kysely',
        run: (userId) =>
          kysely
            .selectFrom('functions')
            .selectAll()
            .where('user_id', '=', userId)
            .where('status', '=', 'active')
            .orderBy('created_at', 'desc')
            .limit(20)
            .execute(),
      },
      {
        label: 'drizzle',
        contender: 'drizzle',
        run: (userId) =>
          drizzle
            .select()
            .from(dFunctions)
            .where(and(eq(dFunctions.userId, userId), eq(dFunctions.status, 'active')))
            .orderBy(desc(dFunctions.createdAt))
            .limit(20),
      },
      {
        label: 'drizzle (prepared)',
        contender: 'drizzle',
        run: (userId) => prepared.execute({ userId }),
      },
      {
        label: 'drizzle (relational)',
        contender: 'drizzle',
        run: (userId) =>
          drizzle.query.functions.findMany({
            where: and(eq(dFunctions.userId, userId), eq(dFunctions.status, 'active')),
            orderBy: desc(dFunctions.createdAt),
            limit: 20,
          }),
      },
      {
        label: 'knex',
        contender: 'knex',
        run: (userId) =>
          knex('functions')
            .where({ user_id: userId, status: 'active' })
            .orderBy('created_at', 'desc')
            .limit(20),
      },
      {
        label: 'kysely-entities findAll',
        contender: 'kysely-entities',
        run: (userId) =>
          functions.findAll({
            where: { userId, status: 'active' },
            orderBy: 'createdAt',
            orderDirection: 'desc',
            limit: 20,
          }),
      },
      {
        label: 'kysely-entities query()',
        contender: 'kysely-entities',
        run: (userId) =>
          functions
            .query()
            .where('user_id', userId)
            .where('status', 'active')
            .orderBy('created_at', 'desc')
            .limit(20)
            .all(),
      },
    ]
    const result = await runCase(
      {
        scenario: 'S3',
        title: this.title,
        caseName: '',
        variants: variants.map((v) => ({ ...v, fingerprint: idsOf })),
        inputs,
        rounds: rounds(ctx),
        warmupRounds: warmup(ctx),
        opsPerRound: ops(ctx, 100),
        checkInputs: 5,
      },
      ctx,
    )
    return {
      id: 'S3',
      title: this.title,
      what: `WHERE user_id = $1 AND status = 'active' ORDER BY created_at DESC LIMIT 20, for users with 20 or more functions (${ctx.size.powerUsers} users with ${ctx.size.functionsPerPowerUser} each).`,
      metric: 'p50 latency',
      cases: [result],
      notes: [],
    }
  },
}

// ---------------------------------------------------------------- S4: deployments of 1,000 functions

interface ParentSet {
  readonly ids: number[]
  readonly entities: FunctionEntity[]
}

type Grouped = Map<number, readonly { id: number }[]>

function group(rows: readonly { id: number; function_id: number }[]): Grouped {
  const out = new Map<number, { id: number }[]>()
  for (const row of rows) {
    const list = out.get(row.function_id)
    if (list === undefined) out.set(row.function_id, [row])
    else list.push(row)
  }
  return out
}

/** Per parent (ascending id), its deployment ids (ascending). */
function groupedFingerprint(grouped: Grouped, input: ParentSet): string {
  return [...input.ids]
    .sort((a, b) => a - b)
    .map(
      (id) =>
        `${id}:${(grouped.get(id) ?? [])
          .map((d) => d.id)
          .sort((a, b) => a - b)
          .join('.')}`,
    )
    .join(',')
}

export const s4: Scenario = {
  id: 'S4',
  title: 'deployments of 1,000 functions',
  async run(ctx): Promise<ScenarioResult> {
    const { raw, kysely, drizzle, knex, ke } = ctx.clients
    const parents = ctx.size.loadParents
    const rng = createRng(14)
    const functions = ke.manager(FunctionEntity)
    const inputs: ParentSet[] = []
    for (let s = 0; s < 4; s++) {
      const ids = new Set<number>()
      while (ids.size < parents) ids.add(1 + rng.int(ctx.size.functions))
      const list = [...ids]
      const entities = await functions.findAll({ where: { id: list } })
      inputs.push({ ids: list, entities })
    }
    // One instance on a client that counts the statements sent: how many queries load() sends.
    const counting = createPostgresClient({ url: ctx.url, max: 1 })
    let statements = 0
    const unsafe = counting.unsafe.bind(counting)
    ;(counting as { unsafe: unknown }).unsafe = (...args: Parameters<typeof unsafe>) => {
      statements++
      return unsafe(...args)
    }
    const countingDb = await Database.connect({ tables: benchTables, client: counting })
    const before = statements
    await countingDb.manager(FunctionEntity).load(inputs[0]!.entities, 'deployments')
    const loadStatements = statements - before
    await countingDb.close()
    await counting.end()

    const variants: Variant<ParentSet>[] = [
      {
        label: 'postgres.js = ANY($1)',
        contender: 'postgres.js',
        baseline: true,
        run: async ({ ids }) =>
          group(await raw`select * from function_deployments where function_id = any(${ids})`),
        fingerprint: (out, input) => groupedFingerprint(out as Grouped, input),
      },
      {
        label: 'postgres.js loop (query per parent)',
        contender: 'postgres.js',
        run: async ({ ids }) => {
          const out: Grouped = new Map()
          for (const id of ids) {
            out.set(id, await raw`select * from function_deployments where function_id = ${id}`)
          }
          return out
        },
        fingerprint: (out, input) => groupedFingerprint(out as Grouped, input),
      },
      {
        label: 'kysely where in',
        contender: 'kysely',
        run: async ({ ids }) =>
          group(
            await kysely
              .selectFrom('function_deployments')
              .selectAll()
              .where('function_id', 'in', ids)
              .execute(),
          ),
        fingerprint: (out, input) => groupedFingerprint(out as Grouped, input),
      },
      {
        label: 'drizzle inArray',
        contender: 'drizzle',
        run: async ({ ids }) => {
          const rows = await drizzle
            .select()
            .from(dDeployments)
            .where(inArray(dDeployments.functionId, ids))
          return group(rows.map((r) => ({ id: r.id, function_id: r.functionId })))
        },
        fingerprint: (out, input) => groupedFingerprint(out as Grouped, input),
      },
      {
        label: 'drizzle (relational) with',
        contender: 'drizzle',
        note: 'also returns the 1,000 functions (one query, json_agg per parent)',
        run: ({ ids }) =>
          drizzle.query.functions.findMany({
            where: inArray(dFunctions.id, ids),
            with: { deployments: true },
          }),
        fingerprint: (out, input) =>
          groupedFingerprint(
            new Map(
              (out as { id: number; deployments: { id: number }[] }[]).map((f) => [
                f.id,
                f.deployments,
              ]),
            ),
            input,
          ),
      },
      {
        label: 'knex whereIn',
        contender: 'knex',
        run: async ({ ids }) =>
          group(await knex('function_deployments').whereIn('function_id', ids)),
        fingerprint: (out, input) => groupedFingerprint(out as Grouped, input),
      },
      {
        label: 'kysely-entities load()',
        contender: 'kysely-entities',
        run: ({ entities }) => functions.load(entities, 'deployments'),
        fingerprint: (out, input) =>
          groupedFingerprint(
            new Map(
              (out as { id: number; deployments: { id: number }[] }[]).map((f) => [
                f.id,
                f.deployments,
              ]),
            ),
            input,
          ),
      },
    ]
    const result = await runCase(
      {
        scenario: 'S4',
        title: this.title,
        caseName: '',
        variants,
        inputs,
        rounds: rounds(ctx),
        warmupRounds: 1,
        opsPerRound: ops(ctx, 2),
        checkInputs: 2,
      },
      ctx,
    )
    return {
      id: 'S4',
      title: this.title,
      what: `The deployments of ${parents.toLocaleString('en-US')} given functions (about 5 each), grouped per function. The parents are given: ids, or for kysely-entities the FunctionEntity objects.`,
      metric: 'p50 latency',
      cases: [result],
      notes: [`kysely-entities load() sent ${loadStatements} statement(s) for ${parents} parents.`],
      extra: { loadStatements },
    }
  },
}

// ---------------------------------------------------------------- S7: deep pages

interface PageInput {
  readonly depth: number
  /** Keyset position by id: the id of row `depth` (0 for the first page). */
  readonly lastId: number
  /** Keyset position by (timestamp desc, id desc). */
  readonly lastTs: string | null
  readonly lastTsId: number
  readonly cursorById: string | undefined
  readonly cursorByTs: string | undefined
}

const first20 = (rows: unknown) => idsOf((rows as unknown[]).slice(0, 20))

export const s7: Scenario = {
  id: 'S7',
  title: 'a page of 20 invocations at depth 0, 10,000 and 100,000',
  async run(ctx): Promise<ScenarioResult> {
    const { raw, kysely, drizzle, knex, ke } = ctx.clients
    const invocations = ke.manager(FunctionInvocationEntity)
    const total = ctx.size.invocations
    const depths = [...new Set([0, 10_000, 100_000].map((d) => Math.min(d, total - 100)))]
    const cursorAt = async (depth: number, byTs: boolean): Promise<string | undefined> => {
      let cursor: string | null | undefined
      for (let done = 0; done < depth; ) {
        const take = Math.min(10_000, depth - done)
        const page = await invocations.paginateByCursor({
          limit: take,
          ...(cursor ? { after: cursor } : {}),
          ...(byTs ? { orderBy: 'timestamp', orderDirection: 'desc' } : {}),
        })
        cursor = page.nextCursor
        done += take
      }
      return cursor ?? undefined
    }
    const inputs: PageInput[] = []
    for (const depth of depths) {
      ctx.progress.update(`positions at depth ${depth}`)
      const [byId] =
        depth === 0
          ? [{ id: 0 }]
          : await raw<
              { id: number }[]
            >`select id from function_invocations order by id offset ${depth - 1} limit 1`
      const [byTs] =
        depth === 0
          ? [{ id: 0, ts: null }]
          : await raw<{ id: number; ts: string }[]>`
              select id, timestamp::text as ts from function_invocations
              order by timestamp desc, id desc offset ${depth - 1} limit 1`
      inputs.push({
        depth,
        lastId: byId!.id,
        lastTs: byTs!.ts,
        lastTsId: byTs!.id,
        cursorById: await cursorAt(depth, false),
        cursorByTs: await cursorAt(depth, true),
      })
    }
    const keysetVariants: Variant<PageInput>[] = [
      {
        label: 'postgres.js keyset',
        contender: 'postgres.js',
        baseline: true,
        run: ({ lastId }) =>
          raw`select * from function_invocations where id > ${lastId} order by id limit 21`,
      },
      {
        label: 'postgres.js offset',
        contender: 'postgres.js',
        run: ({ depth }) =>
          raw`select * from function_invocations order by id limit 21 offset ${depth}`,
      },
      {
        label: 'kysely keyset',
        contender: 'kysely',
        run: ({ lastId }) =>
          kysely
            .selectFrom('function_invocations')
            .selectAll()
            .where('id', '>', lastId)
            .orderBy('id')
            .limit(21)
            .execute(),
      },
      {
        label: 'kysely offset',
        contender: 'kysely',
        run: ({ depth }) =>
          kysely
            .selectFrom('function_invocations')
            .selectAll()
            .orderBy('id')
            .limit(21)
            .offset(depth)
            .execute(),
      },
      {
        label: 'drizzle keyset',
        contender: 'drizzle',
        run: ({ lastId }) =>
          drizzle
            .select()
            .from(dInvocations)
            .where(gt(dInvocations.id, lastId))
            .orderBy(asc(dInvocations.id))
            .limit(21),
      },
      {
        label: 'drizzle offset',
        contender: 'drizzle',
        run: ({ depth }) =>
          drizzle.select().from(dInvocations).orderBy(asc(dInvocations.id)).limit(21).offset(depth),
      },
      {
        label: 'knex keyset',
        contender: 'knex',
        run: ({ lastId }) =>
          knex('function_invocations').where('id', '>', lastId).orderBy('id').limit(21),
      },
      {
        label: 'knex offset',
        contender: 'knex',
        run: ({ depth }) => knex('function_invocations').orderBy('id').limit(21).offset(depth),
      },
      {
        label: 'kysely-entities paginateByCursor',
        contender: 'kysely-entities',
        run: async ({ cursorById }) =>
          (
            await invocations.paginateByCursor({
              limit: 20,
              ...(cursorById ? { after: cursorById } : {}),
            })
          ).items,
      },
      {
        label: 'kysely-entities findAll offset',
        contender: 'kysely-entities',
        run: ({ depth }) => invocations.findAll({ orderBy: 'id', limit: 21, offset: depth }),
      },
    ]
    const feedVariants: Variant<PageInput>[] = [
      {
        label: 'postgres.js keyset',
        contender: 'postgres.js',
        baseline: true,
        run: ({ lastTs, lastTsId }) =>
          lastTs === null
            ? raw`select * from function_invocations order by timestamp desc, id desc limit 21`
            : raw`select * from function_invocations where (timestamp, id) < (${lastTs}::timestamp, ${lastTsId})
                  order by timestamp desc, id desc limit 21`,
      },
      {
        label: 'kysely keyset',
        contender: 'kysely',
        run: ({ lastTs, lastTsId }) => {
          let q = kysely.selectFrom('function_invocations').selectAll()
          if (lastTs !== null) {
            q = q.where((eb) =>
              eb(
                eb.refTuple('timestamp', 'id'),
                '<',
                eb.tuple(sql<Date>`${lastTs}::timestamp`, lastTsId),
              ),
            )
          }
          return q.orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(21).execute()
        },
      },
      {
        label: 'drizzle keyset',
        contender: 'drizzle',
        run: ({ lastTs, lastTsId }) =>
          drizzle
            .select()
            .from(dInvocations)
            .where(
              lastTs === null
                ? undefined
                : dsql`(${dInvocations.timestamp}, ${dInvocations.id}) < (${lastTs}::timestamp, ${lastTsId})`,
            )
            .orderBy(desc(dInvocations.timestamp), desc(dInvocations.id))
            .limit(21),
      },
      {
        label: 'knex keyset',
        contender: 'knex',
        run: ({ lastTs, lastTsId }) => {
          const q = knex('function_invocations')
          if (lastTs !== null) q.whereRaw('(timestamp, id) < (?::timestamp, ?)', [lastTs, lastTsId])
          return q
            .orderBy([
              { column: 'timestamp', order: 'desc' },
              { column: 'id', order: 'desc' },
            ])
            .limit(21)
        },
      },
      {
        label: 'kysely-entities paginateByCursor',
        contender: 'kysely-entities',
        run: async ({ cursorByTs }) =>
          (
            await invocations.paginateByCursor({
              limit: 20,
              orderBy: 'timestamp',
              orderDirection: 'desc',
              ...(cursorByTs ? { after: cursorByTs } : {}),
            })
          ).items,
      },
    ]
    const cases = []
    for (const [family, variants] of [
      ['by id', keysetVariants],
      ['newest first (timestamp desc, id desc)', feedVariants],
    ] as const) {
      for (const input of inputs) {
        const depth = input.depth.toLocaleString('en-US')
        cases.push(
          await runCase(
            {
              scenario: 'S7',
              title: this.title,
              caseName: `${family}, depth ${depth}`,
              variants: variants.map((v) => ({ ...v, fingerprint: first20 })),
              inputs: [input],
              rounds: rounds(ctx, 0.75),
              warmupRounds: 1,
              opsPerRound: ops(ctx, 5),
              maxRoundMs: 150,
              checkInputs: 1,
            },
            ctx,
          ),
        )
      }
    }
    // How each variant's page at depth compares with its own first page.
    for (const c of cases) {
      const family = c.name.split(', depth')[0]
      const first = cases.find((x) => x.name.startsWith(`${family}, depth 0`))
      for (const r of c.results) {
        const base = first?.results.find((x) => x.label === r.label)
        if (base !== undefined) r.extra = { ...r.extra, vsFirstPage: r.metric / base.metric }
      }
    }
    return {
      id: 'S7',
      title: this.title,
      what:
        'function_invocations: one page of 20 rows (21 fetched, to know whether there is a next page) after skipping `depth` rows, with OFFSET and with a keyset position. ' +
        'By id (the primary key), and newest first by (timestamp, id), the order the README’s paginateByCursor example uses. Keyset positions were computed before timing; kysely-entities walks to its cursor with paginateByCursor itself.',
      metric: 'p50 latency',
      cases,
      notes: [],
    }
  },
}
