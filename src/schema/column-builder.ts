import { InvalidDefinitionError } from '../errors/kysely-entities-error'
import type {
  ColumnConfig,
  ColumnState,
  ColumnTarget,
  ReferentialAction,
  SetState,
} from './column-config'
import { COLUMN_TYPES, type IntegerKind, type KindsWith } from './column-types'

export type {
  ColumnConfig,
  ColumnDefault,
  ColumnKind,
  ColumnReference,
  ColumnState,
  ColumnTarget,
  ReferentialAction,
  SetState,
} from './column-config'
export type { IntegerKind } from './column-types'

/** The default `defaultRandom()` writes: a version 4 uuid. */
export const UUIDV4_DEFAULT = 'gen_random_uuid()'
/** The default `defaultRandom({ version: 7 })` writes: a time-ordered version 7 uuid. */
export const UUIDV7_DEFAULT = 'uuidv7()'

/**
 * Options of {@link ColumnBuilder.defaultRandom}.
 * @example c.uuid().defaultRandom({ version: 7 } satisfies DefaultRandomOptions) // DEFAULT uuidv7()
 */
export interface DefaultRandomOptions {
  /** 4 (random, the default) or 7 (time-ordered: 48-bit Unix milliseconds, then random bits). */
  readonly version?: 4 | 7
}

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
    this: ColumnBuilder<S & { kind: KindsWith<'clock', 'instant' | 'day'> }>,
  ): ColumnBuilder<SetState<S, 'hasDefault', true>> {
    const sql =
      COLUMN_TYPES[this.config.kind].clock === 'day' ? 'CURRENT_DATE' : 'CURRENT_TIMESTAMP'
    return this.#with({ hasDefault: true, defaultValue: { kind: 'sql', sql } })
  }

  /**
   * A random uuid by default: `DEFAULT gen_random_uuid()` (version 4, built into PostgreSQL 13+),
   * or with `{ version: 7 }` `DEFAULT uuidv7()`: a time-ordered uuid (RFC 9562: 48-bit Unix
   * milliseconds, then random bits), so new rows land at the right end of a uuid index instead of
   * anywhere in it. `uuidv7()` is built into PostgreSQL 18; for an older server `generateDDL`
   * creates a `uuidv7()` SQL function of the same name (millisecond precision) when the server has
   * none, so the default, the drift check and `pull` read the same `uuidv7()` on every version.
   *
   * @example
   * ```ts
   * uuid: c.uuid().notNull().unique().defaultRandom()               // DEFAULT gen_random_uuid()
   * uuid: c.uuid().notNull().unique().defaultRandom({ version: 7 }) // DEFAULT uuidv7()
   * ```
   */
  defaultRandom(
    this: ColumnBuilder<S & { kind: 'uuid' }>,
    options: DefaultRandomOptions = {},
  ): ColumnBuilder<SetState<S, 'hasDefault', true>> {
    const version = options?.version ?? 4
    if (version !== 4 && version !== 7) {
      throw new InvalidDefinitionError('defaultRandom: version must be 4 or 7')
    }
    const sql = version === 7 ? UUIDV7_DEFAULT : UUIDV4_DEFAULT
    return this.#with({ hasDefault: true, defaultValue: { kind: 'sql', sql } })
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
      internal: this.config.internal || COLUMN_TYPES[this.config.kind].integerKey,
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
  onUpdateNow(this: ColumnBuilder<S & { kind: KindsWith<'clock', 'instant'> }>): ColumnBuilder<S> {
    return this.#with({ onUpdateNow: true })
  }

  /**
   * Limits a text column to a fixed set of values: a union type, a zod enum and a CHECK constraint.
   * @example role: c.varchar(50).enum(['developer', 'team']) // CHECK ("role" IN ('developer', 'team'))
   */
  enum<const V extends readonly [string, ...string[]]>(
    this: ColumnBuilder<S & { kind: KindsWith<'where', 'text'> }>,
    values: V,
  ): ColumnBuilder<SetState<S, 'data', V[number]>> {
    return this.#with({ enumValues: Object.freeze([...values]) })
  }

  /** Narrows the TypeScript type of the value (e.g. a jsonb column with no zod schema). */
  $type<T>(): ColumnBuilder<SetState<S, 'data', T>> {
    return this.#with({})
  }
}

/** Any column builder, whatever its state. */
export type AnyColumnBuilder = ColumnBuilder<any>

/** The state of a builder. */
export type StateOf<B> = B extends ColumnBuilder<infer S> ? S : never
