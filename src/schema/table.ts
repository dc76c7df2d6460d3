import type { z } from 'zod'
import type {
  AnyColumnBuilder,
  ColumnConfig,
  ColumnKind,
  ColumnState,
  ColumnTarget,
  StateOf,
} from './column-builder'

// What a defined table is, as types: its columns, its metadata and its relations. The functions
// that make them are defineTable (define-table.ts) and the relation builder (relations.ts).

/** The columns argument of `defineTable`: property name to column builder. */
export type ColumnBuilders = Record<string, AnyColumnBuilder>

/**
 * A column of a defined table: its builder's description plus the names it got from the table,
 * and its zod schema. Frozen.
 */
export interface Column<S extends ColumnState = ColumnState, P extends string = string>
  extends ColumnTarget {
  /** Type-level state only. */
  readonly '~state'?: S
  /** SQL name of the table. */
  readonly table: string
  /** camelCase property name on entities. */
  readonly property: P
  /** SQL column name. */
  readonly name: string
  readonly kind: ColumnKind
  /** The PostgreSQL type as DDL writes it, e.g. `varchar(255)`. */
  readonly sqlType: string
  readonly notNull: boolean
  readonly hasDefault: boolean
  readonly primaryKey: boolean
  readonly unique: boolean
  readonly internal: boolean
  readonly secret: boolean
  readonly onUpdateNow: boolean
  readonly config: ColumnConfig
  /** Validates and normalises one value of this column (null allowed unless NOT NULL). */
  readonly schema: z.ZodType
}

/** An index access method (`USING ...`). */
export type IndexMethod = 'btree' | 'hash' | 'gist' | 'spgist' | 'gin' | 'brin'

/**
 * One key column of a declared index with its resolved shape: `nulls` is PostgreSQL's default
 * when the definition does not say (`last` for `asc`, `first` for `desc`).
 */
export interface IndexKey {
  readonly column: Column
  readonly order: 'asc' | 'desc'
  readonly nulls: 'first' | 'last'
  /** An operator class named by the definition; undefined for the type's default. */
  readonly opclass: string | undefined
}

/** A declared index. */
export interface IndexDefinition {
  readonly name: string
  /** The key columns in order (their shape is in `keys`). */
  readonly columns: readonly Column[]
  /** The key columns with direction, NULLS placement and operator class. */
  readonly keys: readonly IndexKey[]
  /** Non-key columns (`INCLUDE`). */
  readonly include: readonly Column[]
  /** The access method; `btree` unless the definition says. */
  readonly using: IndexMethod
  readonly unique: boolean
  /** Partial index predicate, SQL written in the definition. */
  readonly where: string | undefined
}

/** A declared multi-column (or single-column) UNIQUE constraint. */
export interface UniqueDefinition {
  readonly name: string
  readonly columns: readonly Column[]
}

/** A CHECK constraint. */
export interface CheckDefinition {
  readonly name: string
  readonly expression: string
}

/** Everything derived from a definition once, when the table is defined. */
export interface TableMeta {
  /** SQL name of the table. */
  readonly name: string
  /** `"name"`, quoted. */
  readonly quotedName: string
  /** Columns in definition order. */
  readonly columns: readonly Column[]
  readonly byProperty: ReadonlyMap<string, Column>
  readonly byName: ReadonlyMap<string, Column>
  readonly primaryKey: readonly Column[]
  /** The public identifier: the uuid column named `uuid` (or `publicId` in the options). */
  readonly publicId: Column | undefined
  readonly softDelete: Column | undefined
  readonly onUpdateNow: readonly Column[]
  readonly indexes: readonly IndexDefinition[]
  readonly uniques: readonly UniqueDefinition[]
  readonly checks: readonly CheckDefinition[]
  /** `"id", "uuid", "email"`: every column, quoted, in order. */
  readonly selectList: string
  /** snake_case row -> validated camelCase-ready values (keys stay snake_case). */
  readonly rowSchema: z.ZodObject
  /** camelCase properties of a whole entity. */
  readonly entitySchema: z.ZodObject
  /** camelCase insert data: required where NOT NULL without default; unknown keys refused. */
  readonly insertSchema: z.ZodObject
  /** camelCase update patch: every key optional; unknown keys refused. */
  readonly updateSchema: z.ZodObject
}

/** How two tables are linked. */
export type RelationKind = 'hasMany' | 'hasOne' | 'belongsTo' | 'manyToMany'

/**
 * The related table: its SQL name (resolved through the tables a `Database` serves), or a thunk
 * returning the table. Names never form a type cycle; a thunk between tables that relate to each
 * other both ways makes TypeScript ask for an annotation (`(): AnyTable => functions`).
 */
export type RelationTarget = string | (() => AnyTable)

/**
 * A relation as declared in `defineTable(..., { relations })`. Keys are property names.
 * `T` is the target's SQL name when it was given by name.
 */
export interface RelationDefinition<
  K extends RelationKind = RelationKind,
  T extends string = string,
> {
  readonly kind: K
  /** The related table. */
  readonly target: T | (() => AnyTable)
  /**
   * hasMany / hasOne: the property on the target that holds this table's key.
   * belongsTo: the property on this table that holds the target's key.
   * manyToMany: the property on the junction table that holds this table's key.
   */
  readonly foreignKey: string
  /**
   * The key `foreignKey` holds: for hasMany/hasOne/manyToMany a property of this table, for
   * belongsTo a property of the target. Default: the primary key; `'uuid'` for uuid keys.
   */
  readonly references: string | undefined
  /** manyToMany only: the junction table. */
  readonly through: RelationTarget | undefined
  /** manyToMany only: the property on the junction table that holds the target's key. */
  readonly otherKey: string | undefined
  /** manyToMany only: the target's key that `otherKey` holds (default: its primary key). */
  readonly targetKey: string | undefined
}

/** Relations by name, as a table stores them. */
export type RelationRecord = Readonly<Record<string, RelationDefinition>>

/** The parts of a table every table has, whatever its columns. */
export interface TableBase<
  N extends string = string,
  C extends ColumnBuilders = ColumnBuilders,
  R extends RelationRecord = RelationRecord,
> {
  /** SQL name of the table. */
  readonly $name: N
  /** Columns by property name. */
  readonly $columns: TableColumns<C>
  /** Maps and validators computed at definition time. */
  readonly $meta: TableMeta
  /** Relations by name. */
  readonly $relations: R
  /** Type-level only: the column builders. */
  readonly '~columns'?: C
}

/** The columns of a table by property name. */
export type TableColumns<C extends ColumnBuilders> = {
  readonly [K in keyof C & string]: Column<StateOf<C[K]>, K>
}

/**
 * A defined table: its columns are properties (`users.email`), its metadata is under `$`.
 */
export type Table<
  N extends string = string,
  C extends ColumnBuilders = ColumnBuilders,
  R extends RelationRecord = RelationRecord,
> = TableBase<N, C, R> & TableColumns<C>

/** Any defined table. */
export type AnyTable = TableBase<string, any, any>
