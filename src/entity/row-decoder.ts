import { parseTimestamp } from '../schema/column-value-schema'
import type { Column } from '../schema/define-table'

/** Normalises one non-null value as a driver returned it. */
type Decode = (value: unknown) => unknown

const toBigInt: Decode = (v) => (typeof v === 'bigint' ? v : BigInt(v as string | number))
const toNumber: Decode = (v) => (typeof v === 'number' ? v : Number(v))
// A driver that returns a \`date\` as a Date (pg) builds it at local midnight: read the local
// calendar day, or every date east of UTC would come back a day early.
const pad = (n: number, width = 2) => String(n).padStart(width, '0')
const toDateString: Decode = (v) =>
  v instanceof Date ? `${pad(v.getFullYear(), 4)}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}` : v
const toDate: Decode = (v) => (v instanceof Date ? v : parseTimestamp(String(v)))
const toNumericString: Decode = (v) => (typeof v === 'string' ? v : String(v))

// Drivers disagree on these types (pg and postgres.js return int8 as strings, pg returns dates
// as Date): decoding makes entities the same whatever dialect is underneath.
function decoderFor(column: Column): Decode | undefined {
  switch (column.kind) {
    case 'bigint':
    case 'bigserial':
      return column.config.mode === 'number' ? toNumber : toBigInt
    case 'numeric':
      return column.config.mode === 'number' ? toNumber : toNumericString
    case 'date':
      return toDateString
    case 'timestamp':
    case 'timestamptz':
      return toDate
    default:
      return undefined
  }
}

/** One step of a decode plan: read `name`, write `property`. */
export interface DecodeStep {
  readonly name: string
  readonly property: string
  readonly decode: Decode | undefined
}

/** The per-table plan for turning trusted database rows into entity properties; computed once. */
export function decodePlan(columns: readonly Column[]): readonly DecodeStep[] {
  return Object.freeze(
    columns.map((c) =>
      Object.freeze({ name: c.name, property: c.property, decode: decoderFor(c) }),
    ),
  )
}

/**
 * Renames a trusted row (one the table's own query returned) to properties and normalises driver
 * differences, without validation: the database already enforced the types.
 */
export function decodeRow(
  plan: readonly DecodeStep[],
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const step of plan) {
    const value = row[step.name]
    out[step.property] =
      step.decode === undefined || value === null || value === undefined
        ? value
        : step.decode(value)
  }
  return out
}
