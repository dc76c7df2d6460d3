// Pattern 6 of the spec: batch operations. batchInsert validates every row first, sends one array
// parameter per column (no 65,535-parameter limit) and writes all rows or none.
import { EntityValidationError } from 'kysely-entities'
import { containerpubManagers } from 'kysely-entities/containerpub'
import { DEMO_NOW, type DemoDatabase, isMain, type Log, main } from './context'

const LEVELS = ['info', 'info', 'info', 'warn', 'error'] as const

export async function run(db: DemoDatabase, log: Log) {
  const { functions, functionLogs } = containerpubManagers(db)
  const fn = await functions.findOneOrThrow({ where: { name: 'webhook-stripe' } })
  const before = await functionLogs.count({ where: { functionId: fn.id } })

  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    functionId: fn.id,
    level: LEVELS[i % LEVELS.length]!,
    message: `event ${i}: ${i % 5 === 4 ? 'signature mismatch' : 'processed'}`,
    timestamp: new Date(DEMO_NOW.getTime() - i * 1_000),
  }))
  const progress: number[] = []
  const started = performance.now()
  const inserted = await functionLogs.batchInsert(rows, {
    returning: false,
    chunkSize: 2_500,
    onProgress: ({ done, total }) => {
      progress.push(done)
      log(`  progress: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`)
    },
  })
  const ms = Math.round(performance.now() - started)
  const after = await functionLogs.count({ where: { functionId: fn.id } })
  log(
    `batchInsert: ${inserted.toLocaleString('en')} log rows in ${progress.length} statements (${ms} ms); ${fn.name} now has ${after.toLocaleString('en')} log lines`,
  )

  // One bad row anywhere: nothing is sent, and the error names the row and the column.
  let rejected: { code: string; path: string | undefined } | undefined
  try {
    await functionLogs.batchInsert([
      { functionId: fn.id, level: 'info', message: 'fine' },
      { functionId: fn.id, level: 'x'.repeat(30), message: 'level too long' },
    ])
  } catch (error) {
    if (!(error instanceof EntityValidationError)) throw error
    rejected = { code: error.code, path: error.issues[0]?.path }
    log(
      `invalid batch -> ${error.code} at ${rejected.path}; rows written: ${(await functionLogs.count({ where: { functionId: fn.id } })) - after}`,
    )
  }

  return { before, inserted, progress, after, rejected }
}

if (isMain(import.meta.url)) await main(run)
