import { normalizeType } from '../drift/sql-normalization'
import type { ColumnConfig, ColumnKind } from '../schema/column-config'
import { COLUMN_TYPES } from '../schema/column-types'

/** A supported column kind for a catalog type, with its length or precision and scale. */
export interface KindMatch {
  readonly kind: ColumnKind
  readonly length?: number
  readonly precision?: number
  readonly scale?: number
}

const KINDS = Object.keys(COLUMN_TYPES) as ColumnKind[]
const ARGS_RE = /\((\d+)(?:,(\d+))?\)/

/**
 * A bare column configuration of `kind` (with a length, or a precision and scale), to ask the
 * registry about.
 * @internal
 * @example COLUMN_TYPES.varchar.sqlType(probeConfig('varchar', 20)) // 'varchar(20)'
 */
export const probeConfig = (kind: ColumnKind, a?: number, b?: number): ColumnConfig =>
  ({
    kind,
    notNull: false,
    hasDefault: false,
    primaryKey: false,
    unique: false,
    internal: false,
    secret: false,
    onUpdateNow: false,
    length: a,
    precision: a,
    scale: b,
  }) as ColumnConfig

/**
 * The column kind whose DDL type is `type` (as `format_type()` prints it), asked of the
 * column-type registry through the drift check's own type normalisation, so that a pulled
 * column has exactly the type the drift check expects; `undefined` when no kind writes it (a
 * `tsvector`, an `interval`, a user enum, a `timestamp(3)`). Serial kinds are never answered:
 * they are integers with a sequence default, which the caller recognises.
 * @internal
 * @example
 * ```ts
 * kindOfType('character varying(255)') // { kind: 'varchar', length: 255 }
 * kindOfType('numeric(10,2)') // { kind: 'numeric', precision: 10, scale: 2 }
 * kindOfType('interval') // undefined
 * ```
 */
export function kindOfType(type: string): KindMatch | undefined {
  const wanted = normalizeType(type)
  const args = ARGS_RE.exec(wanted)
  const a = args?.[1] === undefined ? undefined : Number(args[1])
  const b = args?.[2] === undefined ? undefined : Number(args[2])
  for (const kind of KINDS) {
    const entry = COLUMN_TYPES[kind]
    if (entry.serial) continue
    // A kind with parameters takes the type's own; the registry says whether they fit.
    if (entry.configProblem(probeConfig(kind)) === undefined) {
      if (normalizeType(entry.sqlType(probeConfig(kind))) === wanted) return { kind }
    }
    if (a === undefined) continue
    const config = probeConfig(kind, a, b)
    if (entry.configProblem(config) !== undefined) continue
    if (normalizeType(entry.sqlType(config)) !== wanted) continue
    if (kind === 'varchar') return { kind, length: a }
    return b === undefined ? { kind, precision: a } : { kind, precision: a, scale: b }
  }
  return undefined
}
