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
  | 'uuid'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'jsonb'
  | 'inet'
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

/** Integer kinds: a foreign key of one of these points at an internal id. */
export type IntegerKind = 'integer' | 'bigint' | 'smallint'
const INTEGER_KINDS: ReadonlySet<ColumnKind> = new Set(['integer', 'bigint', 'smallint'])
const TIME_KINDS: ReadonlySet<ColumnKind> = new Set(['timestamp', 'timestamptz', 'date'])
const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set(['text', 'varchar'])

/**
 * An immutable column description: every modifier returns a new builder, so a builder can be
 * shared between tables. `defineTable` turns builders into frozen {@link Column}s.
 *
 * @example
 * ```ts
 * c.varchar(255).notNull().unique()   // "email" varchar(255) NOT NULL UNIQUE
 * c.uuid().notNull().unique().defaultRandom() // "uuid" uuid NOT NULL UNIQUE DEFAULT gen_random_uuid()
 * ```
 */
export class ColumnBuilder<S extends ColumnState> {
  /** The run-time description. */
  readonly config: ColumnConfig
  /** Type-level state only; never set at run time. */
  declare readonly '~state': S

  constructor(config: ColumnConfig) {
    this.config = Object.freeze(config)
  }

  #with<T extends ColumnState>(patch: Partial<ColumnConfig>): ColumnBuilder<T> {
    return new ColumnBuilder<T>({ ...this.config, ...patch })
  }

  /** `NOT NULL`: the value type loses `null`. */
  notNull(): ColumnBuilder<SetState<S, 'notNull', true>> {
    return this.#with({ notNull: true })
  }

  /** Nullable (the SQL default); undoes `notNull()`. Not allowed on a primary key. */
  nullable(): ColumnBuilder<SetState<S, 'notNull', false>> {
    return this.#with({ notNull: false })
  }

  /** `PRIMARY KEY` (implies NOT NULL). */
  primaryKey(): ColumnBuilder<SetState<S, 'notNull', true>> {
    return this.#with({ primaryKey: true, notNull: true })
  }

  /** `UNIQUE` on this column alone; see the table option `uniques` for several columns. */
  unique(): ColumnBuilder<S> {
    return this.#with({ unique: true })
  }

  /**
   * `DEFAULT <literal>`: the database supplies the value when an insert omits it.
   * @example c.varchar(50).default('active')   // "status" varchar(50) DEFAULT 'active'
   */
  default(value: S['data']): ColumnBuilder<SetState<S, 'hasDefault', true>> {
    return this.#with({ hasDefault: true, defaultValue: { kind: 'value', value } })
  }

  /**
   * `DEFAULT <expression>` for an SQL expression written in the definition (never user input).
   * @example c.integer().defaultSql('0')
   */
  defaultSql(expression: string): ColumnBuilder<SetState<S, 'hasDefault', true>> {
    return this.#with({ hasDefault: true, defaultValue: { kind: 'sql', sql: expression } })
  }

  /** `DEFAULT CURRENT_TIMESTAMP` (`CURRENT_DATE` for a date column). */
  defaultNow(
    this: ColumnBuilder<S & { kind: 'timestamp' | 'timestamptz' | 'date' }>,
  ): ColumnBuilder<SetState<S, 'hasDefault', true>> {
    const sql = this.config.kind === 'date' ? 'CURRENT_DATE' : 'CURRENT_TIMESTAMP'
    return this.#with({ hasDefault: true, defaultValue: { kind: 'sql', sql } })
  }

  /** `DEFAULT gen_random_uuid()` (built into PostgreSQL 13+, no extension needed). */
  defaultRandom(
    this: ColumnBuilder<S & { kind: 'uuid' }>,
  ): ColumnBuilder<SetState<S, 'hasDefault', true>> {
    return this.#with({ hasDefault: true, defaultValue: { kind: 'sql', sql: 'gen_random_uuid()' } })
  }

  /**
   * A foreign key. An integer key (integer, bigint, smallint) points at an internal id, so it is
   * itself internal: it never appears in a DTO. A uuid key stays public. The target is a thunk,
   * so tables may refer to each other in any order.
   *
   * @example
   * ```ts
   * userId: c.integer().notNull().references(() => users.id, { onDelete: 'cascade' })
   * // "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
   * ```
   */
  references(
    column: () => ColumnTarget,
    options: { readonly onDelete?: ReferentialAction; readonly onUpdate?: ReferentialAction } = {},
  ): ColumnBuilder<SetState<S, 'internal', S['kind'] extends IntegerKind ? true : S['internal']>> {
    return this.#with({
      references: { column, onDelete: options.onDelete, onUpdate: options.onUpdate },
      internal: this.config.internal || INTEGER_KINDS.has(this.config.kind),
    })
  }

  /** A secret (a password hash, a token): never part of any DTO. */
  secret(): ColumnBuilder<SetState<S, 'secret', true>> {
    return this.#with({ secret: true })
  }

  /** An internal value (an integer id with no foreign key constraint): never part of any DTO. */
  internal(): ColumnBuilder<SetState<S, 'internal', true>> {
    return this.#with({ internal: true })
  }

  /**
   * Overrides the SQL name derived from the property (`s3Key` → `s3_key`).
   * @example timestamp: c.timestamp().name('timestamp')
   */
  name<N extends string>(name: N): ColumnBuilder<SetState<S, 'name', N>> {
    return this.#with({ name })
  }

  /** Set to the current time on every update (by the manager, and by a trigger in the DDL). */
  onUpdateNow(this: ColumnBuilder<S & { kind: 'timestamp' | 'timestamptz' }>): ColumnBuilder<S> {
    return this.#with({ onUpdateNow: true })
  }

  /**
   * Limits a text column to a fixed set of values: a union type, a zod enum and a CHECK constraint.
   * @example role: c.varchar(50).enum(['developer', 'team']) // CHECK ("role" IN ('developer', 'team'))
   */
  enum<const V extends readonly [string, ...string[]]>(
    this: ColumnBuilder<S & { kind: 'text' | 'varchar' }>,
    values: V,
  ): ColumnBuilder<SetState<S, 'data', V[number]>> {
    return this.#with({ enumValues: Object.freeze([...values]) })
  }

  /** Narrows the TypeScript type of the value (e.g. a jsonb column with no zod schema). */
  $type<T>(): ColumnBuilder<SetState<S, 'data', T>> {
    return this.#with({})
  }

  /** @internal Used by `defineTable` to check modifiers against the kind. */
  static isTimeKind(kind: ColumnKind): boolean {
    return TIME_KINDS.has(kind)
  }

  /** @internal */
  static isTextKind(kind: ColumnKind): boolean {
    return TEXT_KINDS.has(kind)
  }
}

/** Any column builder, whatever its state. */
export type AnyColumnBuilder = ColumnBuilder<any>

/** The state of a builder. */
export type StateOf<B> = B extends ColumnBuilder<infer S> ? S : never
