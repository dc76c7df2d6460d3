import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sql as dsql } from 'drizzle-orm'
import { sql } from 'kysely'
import { FunctionDataEntity } from 'kysely-entities/containerpub'
import type postgres from 'postgres'
import { type BenchInvocationRow, functionDataRow, insertBatch } from './data'
import type { Variant } from './measure'
import { runProbe } from './probe'
import {
  rounds,
  runCase,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
} from './scenario'
import {
  BareInvocationEntity,
  BenchInvocationEntity,
  dBareInvocations,
  dBenchInvocations,
  dFunctionData,
} from './schema'

// ---------------------------------------------------------------- S5: insert 100,000 rows

const INVOCATION_COLUMNS = ['function_id', 'status', 'duration_ms', 'error', 'timestamp'] as const

interface SnakeInvocation {
  function_id: number
  status: string
  duration_ms: number | null
  error: string | null
  timestamp: Date
}

const toSnake = (r: BenchInvocationRow): SnakeInvocation => ({
  function_id: r.functionId,
  status: r.status,
  duration_ms: r.durationMs ?? null,
  error: r.error ?? null,
  timestamp: r.timestamp as Date,
})

function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

// COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL.
const copyText = (s: string) =>
  /[\\\t\n\r]/.test(s)
    ? s
        .replaceAll('\\', '\\\\')
        .replaceAll('\t', '\\t')
        .replaceAll('\n', '\\n')
        .replaceAll('\r', '\\r')
    : s

function* copyLines(rows: readonly SnakeInvocation[]): Generator<string> {
  for (let i = 0; i < rows.length; i += 1_000) {
    let text = ''
    const end = Math.min(rows.length, i + 1_000)
    for (let j = i; j < end; j++) {
      const r = rows[j]!
      text += `${r.function_id}\t${copyText(r.status)}\t${r.duration_ms ?? '\\N'}\t${r.error === null ? '\\N' : copyText(r.error)}\t${r.timestamp.toISOString()}\n`
    }
    yield text
  }
}

/** The two tables S5 inserts into. */
export type InsertTable = 'bench_invocations' | 'bench_invocations_bare'

/** COPY ... FROM STDIN through postgres.js, streamed 1,000 rows at a time. */
export async function copyInvocations(
  raw: postgres.Sql,
  rows: readonly SnakeInvocation[],
  table: InsertTable = 'bench_invocations',
) {
  const stream =
    await raw`copy ${raw(table)} (function_id, status, duration_ms, error, timestamp) from stdin`.writable()
  await pipeline(Readable.from(copyLines(rows)), stream)
}

async function invocationsContent(raw: postgres.Sql, table: InsertTable): Promise<string> {
  const [row] = await raw<{ n: number; h: string | null }[]>`
    select count(*)::int as n, md5(string_agg(
      function_id || '|' || status || '|' || coalesce(duration_ms::text, '') || '|' ||
      coalesce(error, '') || '|' || timestamp::text, ',' order by timestamp, function_id, status)) as h
    from ${raw(table)}`
  return `${row!.n} rows, md5 ${row!.h}`
}

function insertVariants(
  ctx: ScenarioContext,
  table: InsertTable,
  rows: readonly BenchInvocationRow[],
  snake: readonly SnakeInvocation[],
): Variant<null>[] {
  const { raw, kysely, drizzle, knex, ke } = ctx.clients
  const manager = ke.manager(
    table === 'bench_invocations' ? BenchInvocationEntity : BareInvocationEntity,
  )
  const dTable = table === 'bench_invocations' ? dBenchInvocations : dBareInvocations
  return [
    {
      label: 'postgres.js COPY',
      contender: 'postgres.js',
      baseline: true,
      run: () => copyInvocations(raw, snake, table),
    },
    {
      label: 'postgres.js VALUES sql(rows), 10,000 per statement',
      contender: 'postgres.js',
      run: () =>
        raw.begin(async (tx) => {
          for (const part of chunks(snake, 10_000)) {
            await tx`insert into ${tx(table)} ${tx(part, ...INVOCATION_COLUMNS)}`
          }
        }),
    },
    {
      label: 'postgres.js UNNEST',
      contender: 'postgres.js',
      note: 'one statement, one array per column',
      run: () => {
        const ids = snake.map((r) => r.function_id)
        const statuses = snake.map((r) => r.status)
        const durations = snake.map((r) => r.duration_ms)
        const errors = snake.map((r) => r.error)
        const times = snake.map((r) => r.timestamp.toISOString())
        return raw`insert into ${raw(table)} (function_id, status, duration_ms, error, timestamp)
          select * from unnest(${ids}::int[], ${statuses}::text[], ${durations}::int[],
                               ${errors}::text[], ${times}::timestamp[])`
      },
    },
    {
      label: 'kysely VALUES, 10,000 per statement',
      contender: 'kysely',
      run: () =>
        kysely.transaction().execute(async (trx) => {
          for (const part of chunks(snake, 10_000)) {
            await trx.insertInto(table).values(part).execute()
          }
        }),
    },
    {
      label: 'drizzle VALUES, 10,000 per statement',
      contender: 'drizzle',
      run: () =>
        drizzle.transaction(async (tx) => {
          for (const part of chunks(rows, 10_000)) {
            await tx.insert(dTable).values(part)
          }
        }),
    },
    {
      label: 'knex batchInsert, 10,000 per statement',
      contender: 'knex',
      run: () => knex.batchInsert(table, snake as SnakeInvocation[], 10_000),
    },
    {
      label: 'kysely-entities batchInsert',
      contender: 'kysely-entities',
      note: 'returning: false, default chunkSize (5,000)',
      run: () => manager.batchInsert(rows, { returning: false }),
    },
  ]
}

export const s5: Scenario = {
  id: 'S5',
  title: 'insert 100,000 invocation rows',
  async run(ctx): Promise<ScenarioResult> {
    const { raw } = ctx.clients
    const rows = insertBatch(ctx.size)
    const snake = rows.map(toSnake)
    const count = rows.length
    const cases = []
    for (const [table, caseName] of [
      ['bench_invocations', 'function_invocations’ table: foreign key, 3 indexes, uuid default'],
      ['bench_invocations_bare', 'bare table: no index, foreign key or default'],
    ] as const) {
      const empty = async () => {
        await raw`truncate ${raw(table)} restart identity`
      }
      cases.push(
        await runCase(
          {
            scenario: 'S5',
            title: this.title,
            caseName,
            variants: insertVariants(ctx, table, rows, snake).map((v) => ({
              ...v,
              fingerprint: () => invocationsContent(raw, table),
            })),
            inputs: [null],
            // The same-work check has run every variant once already: it is the warm-up.
            rounds: rounds(ctx, 0.15),
            warmupRounds: 0,
            opsPerRound: 1,
            beforeOp: empty,
            rowsPerOp: count,
            checkInputs: 1,
          },
          ctx,
        ),
      )
      await empty()
    }
    const memory = await memoryProbes(ctx)
    await raw`truncate bench_invocations restart identity`
    return {
      id: 'S5',
      title: this.title,
      what:
        `${count.toLocaleString('en-US')} rows, in one transaction or statement each, into bench_invocations (function_invocations’ columns, foreign key and indexes) and into a bare table of the same columns (what the client side can do when the server does little). ` +
        'Each table is emptied before each run (untimed); the same rows, pre-built, for every contender.',
      metric: 'p50 time per batch',
      cases,
      notes:
        memory.length === 0
          ? []
          : ['Peak memory: see the memory table (a fresh process per measurement).'],
      extra: { memory },
    }
  },
}

/** One fresh-process memory measurement of an insert. */
export interface MemoryResult {
  readonly method: string
  readonly rows: number
  readonly inputHeapMb: number
  readonly peakHeapOverInputMb: number
  readonly peakRssOverInputMb: number
  /** The largest heap right after a full collection, taken after each chunk (batchInsert only). */
  readonly liveHeapOverInputMb?: number
  readonly seconds: number
}

async function memoryProbes(ctx: ScenarioContext): Promise<MemoryResult[]> {
  if (ctx.probeRuns === 0) return []
  const out: MemoryResult[] = []
  for (const [i, rows] of ctx.probeMemoryRows.entries()) {
    // COPY streams: one size shows its (constant) overhead.
    for (const method of [
      'kysely-entities batchInsert',
      'kysely-entities batchInsert (streamed)',
      ...(i === 0 ? ['postgres.js COPY'] : []),
    ]) {
      ctx.progress.update(`memory: ${method}, ${rows.toLocaleString('en-US')} rows (fresh process)`)
      await ctx.clients.raw`truncate bench_invocations restart identity`
      const args = [
        '--url',
        ctx.url,
        '--rows',
        String(rows),
        '--functions',
        String(ctx.size.functions),
        '--method',
        method,
      ]
      out.push(
        JSON.parse(await runProbe('probes/memory.ts', args, ['--expose-gc'])) as MemoryResult,
      )
    }
  }
  return out
}

// ---------------------------------------------------------------- S6: upsert 10,000 rows

export const s6: Scenario = {
  id: 'S6',
  title: 'upsert 10,000 function_data rows',
  async run(ctx): Promise<ScenarioResult> {
    const { raw, kysely, drizzle, knex, ke } = ctx.clients
    const count = ctx.size.upsertRows
    const camel = Array.from({ length: count }, (_, n) => functionDataRow(ctx.size, n, 1))
    const snake = camel.map((r) => ({ function_id: r.functionId, key: r.key, value: r.value }))
    const base = Array.from({ length: count }, (_, n) => functionDataRow(ctx.size, n, 0))
      .filter((_, n) => n % 2 === 0)
      .map((r) => ({ function_id: r.functionId, key: r.key, value: r.value }))
    const manager = ke.manager(FunctionDataEntity)
    const content = async (out: unknown) => {
      const [row] = await raw<{ n: number; h: string }[]>`
        select count(*)::int as n, md5(string_agg(function_id || '|' || key || '|' || value::text, ','
          order by function_id, key)) as h from function_data`
      return `returned ${(out as unknown[]).length}; table ${row!.n} rows, md5 ${row!.h}`
    }
    const variants: Variant<null>[] = [
      {
        label: 'postgres.js sql(rows) ON CONFLICT',
        contender: 'postgres.js',
        baseline: true,
        run: () =>
          raw`insert into function_data ${raw(snake, 'function_id', 'key', 'value')}
              on conflict (function_id, key) do update
              set value = excluded.value, updated_at = CURRENT_TIMESTAMP returning *`,
      },
      {
        label: 'kysely onConflict',
        contender: 'kysely',
        run: () =>
          kysely
            .insertInto('function_data')
            .values(snake)
            .onConflict((oc) =>
              oc.columns(['function_id', 'key']).doUpdateSet({
                value: (eb) => eb.ref('excluded.value'),
                updated_at: sql`CURRENT_TIMESTAMP`,
              }),
            )
            .returningAll()
            .execute(),
      },
      {
        label: 'drizzle onConflictDoUpdate',
        contender: 'drizzle',
        run: () =>
          drizzle
            .insert(dFunctionData)
            .values(camel)
            .onConflictDoUpdate({
              target: [dFunctionData.functionId, dFunctionData.key],
              set: { value: dsql`excluded.value`, updatedAt: dsql`CURRENT_TIMESTAMP` },
            })
            .returning(),
      },
      {
        label: 'knex onConflict().merge()',
        contender: 'knex',
        run: () =>
          knex('function_data')
            .insert(snake)
            .onConflict(['function_id', 'key'])
            .merge({ value: knex.raw('excluded.value'), updated_at: knex.raw('CURRENT_TIMESTAMP') })
            .returning('*'),
      },
      {
        label: 'kysely-entities upsertMany',
        contender: 'kysely-entities',
        note: 'one transaction, default chunkSize (5,000), returns entities',
        run: () => manager.upsertMany(camel, { conflictColumns: ['functionId', 'key'] }),
      },
    ]
    const result = await runCase(
      {
        scenario: 'S6',
        title: this.title,
        caseName: '',
        variants: variants.map((v) => ({ ...v, fingerprint: content })),
        inputs: [null],
        // The same-work check has run every variant once already: it is the warm-up.
        rounds: rounds(ctx, 0.35),
        warmupRounds: 0,
        opsPerRound: 1,
        beforeOp: async () => {
          await raw`truncate function_data restart identity`
          await raw`insert into function_data ${raw(base, 'function_id', 'key', 'value')}`
        },
        rowsPerOp: count,
        checkInputs: 1,
      },
      ctx,
    )
    return {
      id: 'S6',
      title: this.title,
      what: `${count.toLocaleString('en-US')} rows on (function_id, key): half update existing rows, half are new; every contender returns the stored rows. The table is reset before each run (untimed).`,
      metric: 'p50 time per batch',
      cases: [result],
      notes: [],
    }
  },
}
