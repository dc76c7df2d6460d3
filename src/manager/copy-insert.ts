import { copyFromSql } from '../query/batch-statements'
import type { QueryExecutor } from '../query/executor'
import type { AnyTable, Column } from '../schema/define-table'
import type { ChunkCells } from './chunk-cells'
import type { RowChunks } from './row-chunks'
import type { ParsedRow } from './row-validator'

/** What {@link copyChunks} reports to, and falls back on: the batch's writer. @internal */
export interface CopyTarget {
  /** Writes the chunk now in the cells with INSERT statements (the VALUES form), emptying them. */
  insertChunk(): Promise<void>
  /** `rows` more were handed to the server (calls `onProgress`). */
  progressed(rows: number): void
  /** The server counted `rows` more inserted. */
  counted(rows: number): void
}

const sameColumns = (a: readonly Column[], b: readonly Column[]): boolean =>
  a.length === b.length && a.every((c, j) => c === b[j])

/**
 * Writes the chunk in `cells` and every chunk after it, read from `chunks` (validated as they are
 * read), with `copy "t" (...) from stdin` on `tx`, the batch's transaction: one COPY for a run of
 * chunks that give the same columns, each chunk one write of COPY text. A chunk whose rows omit a
 * defaulted column that other rows give goes through `target.insertChunk()` (COPY cannot say
 * DEFAULT for one cell), and so does its column list change start a new COPY. A row that fails
 * validation aborts the COPY under way: the error is thrown, and the caller's transaction rolls
 * back what was sent. Resolves when every chunk is written and counted.
 *
 * @example
 * ```ts
 * await copyChunks(tx, items, cells, chunks, add, writer)
 * // copy "items" ("sku", "qty") from stdin   -- 'a\t1\nb\t2\n' ... one write per chunk
 * ```
 * @internal
 */
export async function copyChunks(
  tx: QueryExecutor,
  table: AnyTable,
  cells: ChunkCells,
  chunks: RowChunks,
  add: (row: ParsedRow) => void,
  target: CopyTarget,
): Promise<void> {
  while (cells.count > 0) {
    const columns = cells.present()
    if (cells.needsValuesForm(columns)) {
      await target.insertChunk()
      await nextChunk(chunks, add)
      continue
    }
    // Rows of each chunk handed to the COPY and not yet reported written, in order.
    const pending: number[] = []
    let sent = 0
    async function* texts(): AsyncGenerator<string> {
      for (;;) {
        pending.push(cells.count)
        sent += cells.count
        const text = cells.copyText(columns)
        cells.clear()
        yield text
        // Read while the server takes the chunk just yielded (the driver writes it meanwhile).
        await nextChunk(chunks, add)
        if (cells.count === 0) return
        const next = cells.present()
        // Another column list, or defaults to leave per cell: this COPY ends here.
        if (!sameColumns(next, columns) || cells.needsValuesForm(next)) return
      }
    }
    const count = await tx.copyIn!(copyFromSql(table, columns), texts(), () =>
      target.progressed(pending.shift() ?? 0),
    )
    target.counted(count ?? sent)
  }
}

// The next chunk into the cells; a row that failed validation ends the batch.
async function nextChunk(chunks: RowChunks, add: (row: ParsedRow) => void): Promise<void> {
  await chunks.next(add)
  if (chunks.failed) throw chunks.error()
}
