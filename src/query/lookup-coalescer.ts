import { CompiledQuery } from 'kysely'
import type { ColumnKind } from '../schema/column-config'
import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'
import type { ExecuteResult } from './execute-result'

/** A row as the driver returns it, before an entity decodes it. */
type Row = Readonly<Record<string, unknown>>

/**
 * The two statements of a point lookup by one key column (the primary key, the public id, or a
 * single-column unique key), with or without the soft-delete filter: made once per table by
 * `tableStatements`, and the identity by which {@link LookupCoalescer} groups calls.
 *
 * @example
 * ```ts
 * tableStatements(users).lookupOf(users.$meta.publicId!, false)
 * // { column: <uuid>,
 * //   one:  'select "id", "uuid", ... from "users" where "uuid" = $1',
 * //   many: 'select "id", "uuid", ... from "users" where "uuid" = any($1)' }
 * ```
 */
export interface KeyLookup {
  /** The key column: the rows of `many` are matched back to keys by its value. */
  readonly column: Column
  /** `select <columns> from "t" where "<key>" = $1 [and "<soft>" is null]`: one key. */
  readonly one: string
  /** `select <columns> from "t" where "<key>" = any($1) [and "<soft>" is null]`: many keys. */
  readonly many: string
}

// The kinds whose values compare in PostgreSQL as their text compares here (after `keyText`:
// uuids and citext in lower case), so that a row of `many` finds its key by its value alone.
// Other kinds (timestamps, numerics, bytes, jsonb...) are looked up one statement each.
const LOOKUP_KINDS: ReadonlySet<ColumnKind> = new Set<ColumnKind>([
  'serial',
  'bigserial',
  'integer',
  'bigint',
  'smallint',
  'text',
  'varchar',
  'citext',
  'uuid',
])

/**
 * Whether lookups by a column of this kind can be coalesced: its values compare in PostgreSQL as
 * their normalised text compares (integers, text, citext and uuids).
 *
 * @example isLookupKind('uuid') // true; isLookupKind('timestamptz') // false
 */
export function isLookupKind(kind: ColumnKind): boolean {
  return LOOKUP_KINDS.has(kind)
}

/**
 * The key a value of `column` (as bound, or as a row holds it) is matched by: `5`, `5n` and `'5'`
 * are one key, and so are a uuid in upper and in lower case.
 *
 * @example lookupKey(uuidColumn, '0B5F…') // '0b5f…'; lookupKey(idColumn, 5n) // '5'
 */
export function lookupKey(column: Column, value: unknown): string {
  return columnType(column.kind).keyText(String(value))
}

/** Sends a read on the executor the coalescer belongs to. */
export type LookupSend = (query: CompiledQuery<unknown>) => Promise<ExecuteResult<Row>>

/** Options of {@link LookupCoalescer}. */
export interface LookupCoalescerOptions {
  /**
   * When the statement of several keys fails, send each key's own statement so that each caller
   * gets its own result or error (reads are idempotent). False in a transaction, which the failure
   * aborted: every caller then gets the error itself.
   */
  readonly retryEach: boolean
}

interface Waiter {
  readonly resolve: (row: Row | undefined) => void
  readonly reject: (error: unknown) => void
}

// The callers of one key in one flush: the value bound (the first caller's), and who waits.
interface Pending {
  readonly value: unknown
  readonly waiters: Waiter[]
}

/**
 * Coalesces the point lookups made on one executor (a `Database` handle, or a transaction's) in
 * the same tick: the calls are queued synchronously, and once the current microtasks have run
 * (`Promise.resolve().then(() => process.nextTick(flush))`, DataLoader's schedule: no timer) each
 * group of one {@link KeyLookup} is sent as ONE statement. A group of one key sends `one`, so a
 * lone call sends what it always did; a group of several sends `many` with the distinct keys as
 * one array parameter. Each caller gets its own row (a caller after the first of the same key
 * gets a copy, so no two callers share a Date or a jsonb object), `undefined` when there is none,
 * or its own error: when `many` fails, each key is sent again alone (see
 * {@link LookupCoalescerOptions.retryEach}).
 *
 * @example
 * ```ts
 * const lookups = new LookupCoalescer((q) => db.executeRead(q), { retryEach: true })
 * const [a, b] = await Promise.all([lookups.load(byUuid, u1), lookups.load(byUuid, u2)])
 * // select "id", ... from "users" where "uuid" = any($1)   [[u1, u2]]
 * ```
 */
export class LookupCoalescer {
  readonly #send: LookupSend
  readonly #retryEach: boolean
  #queue: Map<KeyLookup, Map<string, Pending>> | undefined

  constructor(send: LookupSend, options: LookupCoalescerOptions) {
    this.#send = send
    this.#retryEach = options.retryEach
  }

  /**
   * The row of `lookup` whose key is `value` (already validated and encoded as bound), or
   * `undefined`. Queued at once; sent when the current microtasks have run.
   */
  load(lookup: KeyLookup, value: unknown): Promise<Row | undefined> {
    return new Promise<Row | undefined>((resolve, reject) => {
      let queue = this.#queue
      if (queue === undefined) {
        queue = new Map()
        this.#queue = queue
        Promise.resolve().then(() => process.nextTick(() => this.#flush()))
      }
      let group = queue.get(lookup)
      if (group === undefined) {
        group = new Map()
        queue.set(lookup, group)
      }
      const key = lookupKey(lookup.column, value)
      const pending = group.get(key)
      if (pending === undefined) group.set(key, { value, waiters: [{ resolve, reject }] })
      else pending.waiters.push({ resolve, reject })
    })
  }

  #flush(): void {
    const queue = this.#queue
    this.#queue = undefined
    if (queue === undefined) return
    for (const [lookup, group] of queue) {
      // Whatever goes wrong unforeseen, no caller waits for ever (a settled promise ignores it).
      const sent =
        group.size === 1
          ? this.#sendOne(lookup, group.values().next().value!)
          : this.#sendMany(lookup, group)
      sent.catch((error: unknown) => {
        for (const pending of group.values()) for (const w of pending.waiters) w.reject(error)
      })
    }
  }

  async #sendOne(lookup: KeyLookup, pending: Pending): Promise<void> {
    let row: Row | undefined
    try {
      const { rows } = await this.#send(CompiledQuery.raw(lookup.one, [pending.value]))
      row = rows[0]
    } catch (error) {
      for (const waiter of pending.waiters) waiter.reject(error)
      return
    }
    settle(pending, row)
  }

  async #sendMany(lookup: KeyLookup, group: Map<string, Pending>): Promise<void> {
    const { element } = columnType(lookup.column.kind).list
    const keys: unknown[] = []
    for (const pending of group.values()) keys.push(element(pending.value))
    let rows: readonly Row[]
    try {
      rows = (await this.#send(CompiledQuery.raw(lookup.many, [keys]))).rows
    } catch (error) {
      if (this.#retryEach) {
        await Promise.all(Array.from(group.values(), (pending) => this.#sendOne(lookup, pending)))
      } else {
        for (const pending of group.values()) for (const w of pending.waiters) w.reject(error)
      }
      return
    }
    const found = new Map<string, Row>()
    let unmatched = false
    for (const row of rows) {
      const key = lookupKey(lookup.column, row[lookup.column.name])
      if (!group.has(key)) unmatched = true
      else if (!found.has(key)) found.set(key, row)
    }
    const alone: Promise<void>[] = []
    for (const [key, pending] of group) {
      const row = found.get(key)
      // A row that matches no key here was matched by PostgreSQL otherwise than by its text (a
      // column with a nondeterministic collation): the keys left without a row ask alone.
      if (row === undefined && unmatched) alone.push(this.#sendOne(lookup, pending))
      else settle(pending, row)
    }
    await Promise.all(alone)
  }
}

// The first caller gets the row; each other caller of the same key a copy of its own.
function settle(pending: Pending, row: Row | undefined): void {
  const { waiters } = pending
  waiters[0]!.resolve(row)
  for (let i = 1; i < waiters.length; i++) waiters[i]!.resolve(row && copyRow(row))
}

/** A copy of `row` sharing no mutable value with it (Dates, bytes, arrays, jsonb). */
function copyRow(row: Row): Row {
  const copy: Record<string, unknown> = {}
  for (const name of Object.keys(row)) {
    const value = row[name]
    copy[name] =
      value === null || typeof value !== 'object'
        ? value
        : Buffer.isBuffer(value)
          ? Buffer.from(value)
          : structuredClone(value)
  }
  return copy
}
