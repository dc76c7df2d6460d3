import type { z } from 'zod'

/** The column types a definition can use; each maps to one PostgreSQL type. */
export type ColumnKind =
  | 'serial'
  | 'bigserial'
  | 'integer'
  | 'bigint'
  | 'smallint'
  | 'numeric'
  | 'real'
  | 'doublePrecision'
  | 'boolean'
  | 'text'
  | 'varchar'
  | 'citext'
  | 'uuid'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'jsonb'
  | 'inet'
  | 'bytea'
  | 'textArray'
  | 'integerArray'

/** What a foreign key does when the referenced row is deleted or its key updated. */
export type ReferentialAction = 'cascade' | 'restrict' | 'set null' | 'set default' | 'no action'

/**
 * The type-level facts about a column that the derived types read: its JavaScript value type,
 * whether it can be null, whether the database supplies a value, and whether it may leave the
 * server (internal ids and secrets never do).
 */
export interface ColumnState {
  readonly kind: ColumnKind
  readonly data: unknown
  readonly notNull: boolean
  readonly hasDefault: boolean
  readonly internal: boolean
  readonly secret: boolean
  readonly name: string | undefined
}

/** `S` with `K` set to `V`. */
export type SetState<S extends ColumnState, K extends keyof ColumnState, V> = {
  readonly [P in keyof S]: P extends K ? V : S[P]
}

/** A column default: a literal value (bound into DDL as a quoted literal) or an SQL expression. */
export type ColumnDefault =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'sql'; readonly sql: string }

/** A resolved column as a foreign-key target: enough to name it in SQL. */
export interface ColumnTarget {
  readonly table: string
  readonly name: string
  readonly property: string
  readonly kind: ColumnKind
  readonly internal: boolean
}

/** A foreign key. The target is a thunk so tables can reference each other in any order. */
export interface ColumnReference {
  readonly column: () => ColumnTarget
  readonly onDelete: ReferentialAction | undefined
  readonly onUpdate: ReferentialAction | undefined
}

/** The run-time description a builder accumulates; frozen, copied on every modifier. */
export interface ColumnConfig {
  readonly kind: ColumnKind
  readonly notNull: boolean
  readonly hasDefault: boolean
  readonly primaryKey: boolean
  readonly unique: boolean
  readonly defaultValue: ColumnDefault | undefined
  readonly references: ColumnReference | undefined
  readonly secret: boolean
  readonly internal: boolean
  readonly name: string | undefined
  readonly onUpdateNow: boolean
  readonly enumValues: readonly string[] | undefined
  readonly length: number | undefined
  readonly precision: number | undefined
  readonly scale: number | undefined
  /** For bigint/bigserial: `bigint` or `number`; for numeric: `string` or `number`. */
  readonly mode: 'bigint' | 'number' | 'string' | undefined
  readonly jsonSchema: z.ZodType | undefined
}
