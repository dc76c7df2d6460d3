// The built ES module with OpenTelemetry installed: spans reach a tracer provider registered the
// usual way, and events reach a listener.
import { trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { c, Database, defineTable } from 'kysely-entities'
import { createTestDatabase } from 'kysely-entities/testing'

const exporter = new InMemorySpanExporter()
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
)
const notes = defineTable('notes', { id: c.serial().primaryKey() })
const test = await createTestDatabase(process.env.SERVER_URL, { prefix: 'pkg_traced_esm' })
const queries = []
const db = await Database.connect({
  url: test.url,
  tables: { notes },
  log: (e) => queries.push(e.text),
})
try {
  await db.raw('SELECT 1 AS one')
  const spans = exporter
    .getFinishedSpans()
    .map((span) => [span.name, span.attributes['db.system.name']])
  console.log(JSON.stringify({ spans, queries }))
} finally {
  await db.close()
  await test.drop()
}
