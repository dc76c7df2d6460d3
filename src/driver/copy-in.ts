import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type postgres from 'postgres'

/**
 * Waits for one step of a COPY (a chunk written, the server's answer), at most as long as the
 * caller allows: the connection's deadline.
 */
export type CopyStep = <T>(copy: postgres.PendingQuery<any>, step: Promise<T>) => Promise<T>

// What the server is told when the client gives up on a COPY: no row, no value, only that.
const ABORTED = 'the client aborted the COPY'

// postgres.js settles a COPY's query first with its stream (CopyInResponse), then, at
// ReadyForQuery, once more: with the result, whose count is the command tag's (`COPY 1000`), or
// with the server's error. A promise can settle only once, so those later calls are caught here:
// an error the server reports after the data ended (CopyDone) reaches nobody else (the stream
// is no longer postgres.js's then, so it is not destroyed with it).
function outcomeOf(
  copy: postgres.PendingQuery<any>,
  onError: (error: unknown) => void,
): Promise<number | undefined> | undefined {
  const query = copy as unknown as { resolve?: unknown; reject?: unknown }
  const { resolve, reject } = query
  if (typeof resolve !== 'function' || typeof reject !== 'function') return undefined
  const outcome = new Promise<number | undefined>((done, fail) => {
    let calls = 0
    query.resolve = (value: unknown) => {
      if (++calls > 1) {
        const count = (value as { count?: unknown } | null)?.count
        done(typeof count === 'number' ? count : undefined)
      }
      return resolve.call(query, value)
    }
    query.reject = (error: unknown) => {
      onError(error)
      fail(error)
      return reject.call(query, error)
    }
  })
  // Not awaited when the client aborts the COPY itself.
  outcome.catch(() => {})
  return outcome
}

/**
 * Runs `sql` (a `copy ... from stdin`) on `target` (a transaction's reserved connection) and
 * sends each chunk of `chunks` as COPY data, calling `onWritten` once each chunk is handed to the
 * socket. The next chunk is read from `chunks` while one is being written; a write waits for the
 * one before it (the socket's backpressure), so at most two chunks are held. Resolves to the
 * server's row count (`undefined` if postgres.js would not tell it). A server error (a constraint
 * violated by a row) rejects with that error once the server reports it; an error of `chunks`
 * (a row that failed validation) aborts the COPY (CopyFail: the server rolls back the statement)
 * and is rethrown. Either way the transaction must be rolled back by the caller.
 *
 * @example
 * ```ts
 * await copyIn(reserved, 'copy "items" ("sku", "qty") from stdin', chunks(), () => {}, (_, s) => s)
 * // COPY "items" ("sku", "qty") FROM STDIN; CopyData 'a\t1\nb\t2\n'; CopyDone  -> 2
 * ```
 */
export async function copyIn(
  target: postgres.Sql<any>,
  sql: string,
  chunks: AsyncIterable<string>,
  onWritten: () => void,
  step: CopyStep,
): Promise<number | undefined> {
  const copy = target.unsafe(sql, [])
  // The server's error, as soon as postgres.js has it (it then destroys the stream, failing the
  // writes under way with errors of their own: the server's is the one to report).
  let serverError: unknown
  const outcome = outcomeOf(copy, (error) => {
    serverError ??= error
  })
  const stream = (await step(copy, copy.writable())) as Writable
  stream.on('error', (error) => {
    // Without the outcome's hook, the stream's error is the server's (or the client's ABORTED).
    if (outcome === undefined) serverError ??= error
  })
  let sourceFailed = false
  const iterator = chunks[Symbol.asyncIterator]()
  try {
    let writing: Promise<void> | undefined
    for (;;) {
      let next: IteratorResult<string>
      try {
        // Read while the chunk before is written.
        next = await iterator.next()
      } catch (error) {
        sourceFailed = true
        throw error
      }
      if (writing !== undefined) {
        await step(copy, writing)
        onWritten()
      }
      if (next.done === true) break
      if (serverError !== undefined) throw serverError
      writing = write(stream, next.value)
      // A rejection before it is awaited (the next chunk is read meanwhile) is no unhandled one.
      writing.catch(() => {})
    }
    stream.end()
    // The server's answer: its row count, or its error (a row that broke a constraint).
    if (outcome !== undefined) return await step(copy, outcome)
    await step(copy, finished(stream))
    return undefined
  } catch (error) {
    if (sourceFailed && serverError === undefined) {
      // The rows failed (a row that did not validate): the server is told to drop the COPY.
      if (!stream.destroyed) stream.destroy(new Error(ABORTED))
      throw error
    }
    if (!sourceFailed) await iterator.return?.()
    // A write that failed because the server failed the COPY: the server's error is reported.
    throw serverError ?? error
  }
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()))
  })
}
