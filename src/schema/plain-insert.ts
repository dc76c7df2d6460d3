// The insert schema's result for the rows it would only copy, without running it: a row of the
// plain values the column-type registry vouches for (`plainValue`) is rebuilt as zod would
// rebuild it; any other row is left to the schema, so errors and conversions stay zod's own.
import { columnType } from './column-types'
import type { PlainValue } from './column-value-schema'
import type { AnyTable } from './define-table'

/**
 * A row as the table's insert schema outputs it, when every value of `row` is one the schema
 * keeps as it is; `undefined` when the schema has more to say (an issue, a conversion, a kind
 * without a plain test), and must be asked.
 * @example const parse: PlainInsert = plainInsert(users); parse({ email: 'a@x.io', passwordHash: 'h' })
 */
export type PlainInsert = (row: unknown) => Record<string, unknown> | undefined

// One column as the insert schema (a strict object) reads it.
interface Slot {
  readonly key: string
  /** The schema is `.optional()`: the key may be absent, or present as `undefined`. */
  readonly optional: boolean
  /** The schema is `.nullable()`. */
  readonly nullable: boolean
  readonly plain: PlainValue | undefined
}

const PLAIN_INSERTS = new WeakMap<AnyTable, PlainInsert>()

/**
 * The insert fast path of a table, built once per table (and kept): for a row that is an object
 * whose keys (own and inherited enumerable, as zod lists them) are all insert properties, where
 * each value is `undefined` or absent only where the column may be omitted, `null` only where it
 * is nullable, and otherwise passes its kind's `plainValue` test, it returns what
 * `table.$meta.insertSchema.parse(row)` would: a new object with the given keys in column order
 * (an absent key stays absent, a key given as `undefined` stays so), holding the very values of
 * `row`. Values are read as zod reads them (`row[key]`, `key in row`, `for ... in`), so a getter
 * that throws throws here too. Any other row gives `undefined`: ask the schema.
 *
 * @example
 * ```ts
 * const parse = plainInsert(users)
 * parse({ email: 'a@x.io', passwordHash: 'h' }) // { email: 'a@x.io', passwordHash: 'h' }
 * parse({ email: 42, passwordHash: 'h' })       // undefined: users.$meta.insertSchema says why
 * parse({ email: 'a@x.io', passwordHash: 'h', admin: true }) // undefined: an unknown key
 * ```
 * @internal
 */
export function plainInsert(table: AnyTable): PlainInsert {
  let found = PLAIN_INSERTS.get(table)
  if (found === undefined) {
    found = compile(table)
    PLAIN_INSERTS.set(table, found)
  }
  return found
}

function compile(table: AnyTable): PlainInsert {
  // The same optionality and nullability as the insert schema (define-table.ts, columnSchema).
  const slots: readonly Slot[] = table.$meta.columns.map((c) => ({
    key: c.property,
    optional: !(c.notNull && !c.hasDefault),
    nullable: !c.notNull,
    plain: columnType(c.kind).plainValue(c.config),
  }))
  const known: Record<string, true> = Object.create(null)
  for (const slot of slots) known[slot.key] = true
  return (row) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return undefined
    const input = row as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const { key, optional, nullable, plain } of slots) {
      const value = input[key]
      if (value === undefined) {
        if (!optional) return undefined
        if (key in input) out[key] = undefined
      } else if (value === null) {
        if (!nullable) return undefined
        out[key] = null
      } else {
        if (plain === undefined || !plain(value)) return undefined
        out[key] = value
      }
    }
    // A strict object: any other key, own or inherited, is an issue for the schema to report.
    for (const key in input) if (known[key] !== true) return undefined
    return out
  }
}
