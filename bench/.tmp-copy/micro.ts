import { c, defineTable } from '/work/wt-copy/src/index'
import { RowValidator } from '/work/wt-copy/src/manager/row-validator'
import { ChunkCells } from '/work/wt-copy/src/manager/chunk-cells'
const bare = defineTable('m_bare', {
  functionId: c.integer().notNull(), status: c.varchar(50).notNull(), durationMs: c.integer(), error: c.text(), timestamp: c.timestamp(),
})
const N = 100_000
const statuses = ['success', 'error', 'timeout']
const rows = Array.from({ length: N }, (_, i) => ({
  functionId: 1 + (i % 100), status: statuses[i % 3]!, durationMs: i % 11 === 0 ? null : i % 5000,
  error: i % 3 === 1 ? `boom ${i}\tat line ${i % 97}` : null, timestamp: new Date(1_700_000_000_000 + i * 1000),
}))
for (let r = 0; r < 6; r++) {
  const v = new RowValidator(bare, (i) => `rows[${i}]`)
  let t = performance.now()
  const parsed = rows.map((row, i) => v.parse(row, i)!)
  const tParse = performance.now() - t
  const cells = new ChunkCells(bare)
  t = performance.now()
  let len = 0
  for (let k = 0; k < N; k += 5000) {
    for (let j = k; j < k + 5000; j++) cells.add(parsed[j]!)
    const text = cells.copyText(cells.present()); len += Buffer.byteLength(text); cells.clear()
  }
  const tCells = performance.now() - t
  t = performance.now()
  let s = 0
  for (const r of rows) s += r.timestamp.toISOString().length
  const tIso = performance.now() - t
  console.log(`parse ${tParse.toFixed(0)} ms, cells+copyText+byteLength ${tCells.toFixed(0)} ms, toISOString alone ${tIso.toFixed(0)} ms`)
}
