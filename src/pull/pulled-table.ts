import type { CatalogColumn, CatalogConstraint, CatalogTable } from '../drift/catalog'
import type { KindMatch } from './column-kind-of'

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Whether a name of the database can be a definition's SQL name: an identifier of at most 63
 * bytes, as `defineTable` requires.
 * @internal
 * @example sqlNameOk('user_id') // true; sqlNameOk('odd name') // false
 */
export const sqlNameOk = (name: string): boolean =>
  IDENTIFIER_RE.test(name) && Buffer.byteLength(name) <= 63

/** @internal A live column on its way to a definition. */
export interface PulledColumn {
  readonly live: CatalogColumn
  readonly property: string
  /** The builder chain, or undefined when the column is not pulled. */
  code: string | undefined
  readonly comments: string[]
  readonly kind: KindMatch['kind'] | undefined
}

/** @internal A live table on its way to a definition. */
export interface PulledTable {
  readonly live: CatalogTable
  readonly variable: string
  readonly columns: PulledColumn[]
  readonly byName: Map<string, PulledColumn>
  readonly options: string[]
  readonly relations: string[]
  readonly relationNames: Set<string>
  readonly notes: string[]
  primaryKey: readonly string[]
}

/** @internal A single-column foreign key between two pulled tables. */
export interface Link {
  readonly from: PulledTable
  readonly column: PulledColumn
  readonly to: PulledTable
  readonly target: PulledColumn
  readonly constraint: CatalogConstraint
}
