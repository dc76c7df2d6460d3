// Fresh-process memory of one insert (S5): builds the input rows, collects garbage, then inserts
// them while sampling memory. Prints one JSON line. Run by the harness with --expose-gc.
import { parseArgs } from 'node:util'
import { Database } from 'kysely-entities'
import postgres from 'postgres'
import { dataSize, insertBatch, insertStream } from '../data'
import { copyInvocations } from '../scenarios-write'
import { BenchInvocationEntity, benchTables } from '../schema'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    rows: { type: 'string' },
    functions: { type: 'string' },
    method: { type: 'string' },
  },
})
const rows = Number(values.rows)
const size = { ...dataSize(10), functions: Number(values.functions), insertRows: rows }
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

const STREAMED = 'kysely-entities batchInsert (streamed)'
// The streamed method builds its rows as it reads them: no input array at all.
const input = values.method === STREAMED ? [] : insertBatch(size)
const snake =
  values.method === 'postgres.js COPY'
    ? input.map((r) => ({
        function_id: r.functionId,
        status: r.status,
        duration_ms: r.durationMs ?? null,
        error: r.error ?? null,
        timestamp: r.timestamp as Date,
      }))
    : []
const db = await Database.connect({ url: values.url!, tables: benchTables, max: 2 })
const raw = postgres(values.url!, { max: 2, onnotice: () => {} })
await db.raw('select 1')
await raw`select 1`
gc()
gc()
const base = process.memoryUsage()
let peakHeap = base.heapUsed
let peakRss = base.rss
const sample = () => {
  const m = process.memoryUsage()
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed
  if (m.rss > peakRss) peakRss = m.rss
}
// What stays reachable while the insert runs: the heap right after a full collection, taken
// after every chunk. The peak above also holds garbage not yet collected, which V8 lets grow
// with the heap; this is what the insert itself keeps.
let liveHeap = base.heapUsed
const sampleLive = () => {
  sample()
  gc()
  const used = process.memoryUsage().heapUsed
  if (used > liveHeap) liveHeap = used
}
const timer = setInterval(sample, 2)
const start = performance.now()
if (values.method === 'postgres.js COPY') await copyInvocations(raw, snake)
else {
  await db
    .manager(BenchInvocationEntity)
    .batchInsert(values.method === STREAMED ? insertStream(size) : input, {
      returning: false,
      onProgress: sampleLive,
    })
}
const seconds = (performance.now() - start) / 1000
sample()
clearInterval(timer)
await db.close()
await raw.end()
console.log(
  JSON.stringify({
    method: values.method,
    rows,
    inputHeapMb: mb(base.heapUsed),
    peakHeapOverInputMb: mb(peakHeap - base.heapUsed),
    peakRssOverInputMb: mb(peakRss - base.rss),
    liveHeapOverInputMb:
      values.method === 'postgres.js COPY' ? undefined : mb(liveHeap - base.heapUsed),
    seconds,
  }),
)
