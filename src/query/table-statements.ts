import { CompiledQuery } from 'kysely'
import { columnType } from '../schema/column-types'
import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'
import { FinderStatements } from './finder-statements'
import { placeholder, toParameter } from './kind-parameter'
import { isLookupKind, type KeyLookup } from './lookup-coalescer'
import {
  STATEMENT_CACHE_KEY_LENGTH,
  STATEMENT_CACHE_SIZE,
  StatementCache,
  shapeKey,
} from './statement-cache'
import { type WhereText, whereClause } from './where-compiler'

/**
 * Every statement of one table whose shape is fixed by the definition or by the call's shape, as
 * SQL text with numbered parameters: made once per table (see {@link tableStatements}), held by
 * its managers, which run statements and write no SQL. Fixed statements are fields; shaped ones
 * (finders, insert by column set, update by set columns and where shape, delete and soft delete
 * by where shape, and the texts batch insert and upsert build) are written once per shape into
 * one bounded cache, keyed by definition names, flags and where text, never by a value.
 *
 * One casing: keywords are lower case, as Kysely compiles them (`select`, `update ... set ...
 * returning`, `delete from`, `insert into ... values`); the value function `CURRENT_TIMESTAMP`
 * stays upper case, as in Kysely's output of the same updates. Every value placeholder carries its
 * kind's cast (`placeholder`), and values are sent as that cast expects (`toParameter`).
 *
 * @example
 * ```ts
 * const statements = tableStatements(notes)
 * statements.selectById // 'select "id", "body", "deleted_at" from "notes" where "id" = $1 and "deleted_at" is null'
 * statements.update([notes.$meta.byProperty.get('body')!], ['b'], whereText(notes, { id: 1 }))
 * // update "notes" set "body" = $1 where "id" = $2 and "deleted_at" is null returning "id", "body", "deleted_at"   ['b', 1]
 * ```
 */
export class TableStatements {
  /** `select <columns> from "t" where "<pk>" = $1 [and "<soft>" is null]` */
  readonly selectById: string | undefined
  readonly selectByIdWithDeleted: string | undefined
  /** The same by the public id (`uuid`). */
  readonly selectByPublicId: string | undefined
  readonly selectByPublicIdWithDeleted: string | undefined
  /** `delete from "t" where "<pk>" = $1`, or on a soft-delete table the update that marks it. */
  readonly deleteById: string | undefined
  /** `update "t" set "<soft>" = null where "<pk>" = $1 and "<soft>" is not null`. */
  readonly restoreById: string | undefined
  /** `select exists (select 1 as "one" from "t" where "<pk>" = $1 [and ...]) as "exists"` */
  readonly existsById: string | undefined
  /** `select count(*) as "count" from "t" [where "<soft>" is null]` */
  readonly countAll: string
  readonly countAllWithDeleted: string
  /** The single-column primary key, when there is one. */
  readonly primaryKey: Column | undefined
  /** The statements of the finders (`findAll`, `count`, `exists`, the pages), in the same cache. */
  readonly finders: FinderStatements

  readonly #table: AnyTable
  /** The point lookups by key column, and by the where shape of one equality on it. */
  readonly #lookups = new Map<Column | string, readonly [live: KeyLookup, all: KeyLookup]>()
  readonly #cache: StatementCache
  /** `"<soft>" is null`, on a soft-delete table. */
  readonly #live: string | undefined
  readonly #returning: string

  constructor(table: AnyTable) {
    const meta = table.$meta
    const q = quoteIdentifier
    const soft = meta.softDelete
    const live = soft === undefined ? undefined : `${q(soft.name)} is null`
    const pk = meta.primaryKey.length === 1 ? meta.primaryKey[0] : undefined
    const byKey = (column: Column | undefined): WhereText | undefined =>
      column === undefined ? undefined : { shape: keyShape(column), values: [undefined] }
    const select = `select ${meta.selectList} from ${meta.quotedName}`
    const byPk = byKey(pk)
    const byPublicId = byKey(meta.publicId)
    this.#table = table
    this.#live = live
    // Batch and upsert keys name column lists and clauses, which grow with the table: a wide
    // table keeps its keys all the same. Entries stay bounded by count and by the definition.
    this.#cache = new StatementCache(
      STATEMENT_CACHE_SIZE,
      STATEMENT_CACHE_KEY_LENGTH + 8 * meta.selectList.length,
    )
    this.#returning = ` returning ${meta.selectList}`
    this.primaryKey = pk
    this.selectById = byPk && `${select}${whereClause(byPk, 1, live)}`
    this.selectByIdWithDeleted = byPk && `${select}${whereClause(byPk, 1, undefined)}`
    this.selectByPublicId = byPublicId && `${select}${whereClause(byPublicId, 1, live)}`
    this.selectByPublicIdWithDeleted =
      byPublicId && `${select}${whereClause(byPublicId, 1, undefined)}`
    this.deleteById = byPk && this.#deleteText(byPk)
    this.restoreById = byPk && soft && this.#softDeleteText(byPk, false)
    this.existsById =
      byPk &&
      `select exists (select 1 as "one" from ${meta.quotedName}${whereClause(byPk, 1, live)}) as "exists"`
    this.countAllWithDeleted = `select count(*) as "count" from ${meta.quotedName}`
    this.countAll = `${this.countAllWithDeleted}${whereClause(undefined, 1, live)}`
    this.finders = new FinderStatements(table, this.#cache, live)
    for (const column of lookupColumns(table, pk)) {
      const by = byKey(column)!
      const many = `${select} where ${q(column.name)} = any($1${columnType(column.kind).list.cast})`
      const pair = [
        {
          column,
          one: `${select}${whereClause(by, 1, live)}`,
          many: live ? `${many} and ${live}` : many,
        },
        { column, one: `${select}${whereClause(by, 1, undefined)}`, many },
      ] as const
      this.#lookups.set(column, pair)
      this.#lookups.set(by.shape, pair)
    }
  }

  /**
   * The point lookup by `column` (with the soft-delete filter unless `withDeleted`): for the
   * single-column primary key, the public id and each single-column unique key of a kind
   * {@link LookupCoalescer} can match rows of (`isLookupKind`); `undefined` for any other column.
   * Its `one` is the text of `selectById` (`selectByPublicId`) for those keys.
   *
   * @example
   * ```ts
   * tableStatements(notes).lookupOf(notesId, false)
   * // { one: 'select "id", "body", "deleted_at" from "notes" where "id" = $1 and "deleted_at" is null',
   * //   many: 'select "id", "body", "deleted_at" from "notes" where "id" = any($1) and "deleted_at" is null' }
   * ```
   */
  lookupOf(column: Column, withDeleted: boolean): KeyLookup | undefined {
    return this.#lookups.get(column)?.[withDeleted ? 1 : 0]
  }

  /**
   * The point lookup a validated where input is (one equality on a lookup column, see
   * {@link lookupOf}), or `undefined`.
   *
   * @example
   * ```ts
   * tableStatements(users).lookupOfWhere(whereText(users, { email: 'a@x.io' }), false)?.many
   * // 'select "id", ... from "users" where "email" = any($1)'
   * ```
   */
  lookupOfWhere(where: WhereText | undefined, withDeleted: boolean): KeyLookup | undefined {
    if (where === undefined || where.values.length !== 1) return undefined
    return this.#lookups.get(where.shape)?.[withDeleted ? 1 : 0]
  }

  /** How many shaped statements are cached (for tests). */
  get cachedShapes(): number {
    return this.#cache.size
  }

  /**
   * `insert into "t" ("a", "b") values ($1, $2) returning <columns>` for these columns (or
   * `default values` for none), with `values` (parsed, in column order) as its parameters.
   */
  insert(columns: readonly Column[], values: readonly unknown[]): CompiledQuery<unknown> {
    let key = 'I'
    for (const column of columns) key += `,${column.name}`
    const meta = this.#table.$meta
    const text =
      this.#cache.get(key) ??
      this.#cache.set(
        key,
        columns.length === 0
          ? `insert into ${meta.quotedName} default values${this.#returning}`
          : `insert into ${meta.quotedName} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) values (${columns.map((c, i) => placeholder(c, i + 1)).join(', ')})${this.#returning}`,
      )
    return CompiledQuery.raw(text, encode(columns, values, []))
  }

  /**
   * `update "t" set "a" = $1, ..., "<onUpdateNow>" = CURRENT_TIMESTAMP [where <where>] [and
   * "<soft>" is null] returning <columns>`: the live rows matching `where` (none: every live row).
   * An `onUpdateNow` column in `columns` takes its given value. `where.values` follow `values`.
   */
  update(
    columns: readonly Column[],
    values: readonly unknown[],
    where: WhereText | undefined,
  ): CompiledQuery<unknown> {
    let key = 'U'
    for (const column of columns) key += `,${column.name}`
    key = shapeKey(key, where)
    const text =
      this.#cache.get(key) ??
      this.#cache.set(
        key,
        `${this.#updateSet(columns)}${whereClause(where, columns.length + 1, this.#live)}${this.#returning}`,
      )
    return CompiledQuery.raw(text, encode(columns, values, where?.values ?? []))
  }

  /** {@link update} of the row with this primary key (`id` as `toParameter` sends it). */
  updateById(columns: readonly Column[], values: readonly unknown[], id: unknown) {
    const pk = this.#requirePrimaryKey()
    return this.update(columns, values, { shape: keyShape(pk), values: [id] })
  }

  /** `delete from "t" [where <where>]`: every matching row, deleted or not. */
  delete(where: WhereText | undefined): CompiledQuery<unknown> {
    const key = shapeKey('D', where)
    const text = this.#cache.get(key) ?? this.#cache.set(key, this.#deleteText(where, true))
    return CompiledQuery.raw(text, where?.values ?? [])
  }

  /**
   * On a soft-delete table, marks the matching rows deleted (`set "<soft>" = CURRENT_TIMESTAMP`,
   * skipping rows already deleted) or, with `deleted` false, restores the matching deleted rows
   * (`set "<soft>" = null ... and "<soft>" is not null`).
   */
  softDelete(where: WhereText | undefined, deleted: boolean): CompiledQuery<unknown> {
    const key = shapeKey(deleted ? 'X+' : 'X-', where)
    const text = this.#cache.get(key) ?? this.#cache.set(key, this.#softDeleteText(where, deleted))
    return CompiledQuery.raw(text, where?.values ?? [])
  }

  /**
   * The one statement that loads a relation into this table (its target) for any number of
   * parents: the parents' keys travel as one array parameter (`= any($1)`), so the text is the
   * same for 1 parent or 10,000. Live rows only unless `withDeleted`; ordered by `order` if given.
   *
   * @example
   * ```ts
   * tableStatements(functionDeployments).relationLoad({ matchColumn: functionId }, version, 'desc', false)
   * // select "id", ... from "function_deployments" where "function_id" = any($1) order by "version" desc
   * tableStatements(users).relationLoad(membersLink, undefined, 'asc', false)
   * // select t."id", ..., j."organization_id" as "__ke_parent_key" from "users" t
   * //   join "organization_members" j on j."user_id" = t."uuid" where j."organization_id" = any($1)
   * ```
   */
  relationLoad(
    link: RelationLink,
    order: Column | undefined,
    direction: 'asc' | 'desc',
    withDeleted: boolean,
  ): string {
    const live = !withDeleted && this.#live !== undefined
    const j = link.junction
    let key = `R${live ? '+' : '-'}${direction},${order?.name ?? ''},${link.matchColumn.name}`
    if (j !== undefined) {
      key += `,${j.table.$meta.quotedName},${j.sourceKey.name},${j.targetKey.name},${j.targetColumn.name}`
    }
    return (
      this.#cache.get(key) ?? this.#cache.set(key, this.#relationText(link, order, direction, live))
    )
  }

  /**
   * The text for `key`, built once by `build` and then kept in this table's cache, for the
   * statements other modules write by shape (batch insert, upsert): every chunk of the same shape
   * sends the same text, which postgres.js prepares once per connection. The key names the shape
   * (definition names, flags), never a value.
   *
   * @example
   * ```ts
   * tableStatements(users).cached('insert|email,password_hash|', () => buildIt()) // buildIt runs once
   * ```
   */
  cached(key: string, build: () => string): string {
    // `*` keeps these keys apart from the shapes written here.
    const own = `*${key}`
    return this.#cache.get(own) ?? this.#cache.set(own, build())
  }

  #relationText(
    link: RelationLink,
    order: Column | undefined,
    direction: 'asc' | 'desc',
    live: boolean,
  ): string {
    const q = quoteIdentifier
    const meta = this.#table.$meta
    const j = link.junction
    // The target's columns are qualified by `t` when a junction `j` is joined.
    const t = j === undefined ? '' : 't.'
    // The keys' list cast is the matched column's, as for a where list (`= any($1::text[]::...)`).
    const keys = `any($1${columnType(link.matchColumn.kind).list.cast})`
    let text =
      j === undefined
        ? `select ${meta.selectList} from ${meta.quotedName} where ${q(link.matchColumn.name)} = ${keys}`
        : `select ${meta.columns.map((c) => `t.${q(c.name)}`).join(', ')}, j.${q(j.sourceKey.name)} as ${q(RELATION_PARENT_KEY)} ` +
          `from ${meta.quotedName} t join ${j.table.$meta.quotedName} j on j.${q(j.targetKey.name)} = t.${q(j.targetColumn.name)} ` +
          `where j.${q(j.sourceKey.name)} = ${keys}`
    if (live) text += ` and ${t}${this.#live}`
    if (order !== undefined) text += ` order by ${t}${q(order.name)} ${direction}`
    return text
  }

  #requirePrimaryKey(): Column {
    if (this.primaryKey === undefined) {
      throw new Error(`table "${this.#table.$name}" has no single-column primary key`)
    }
    return this.primaryKey
  }

  // `update "t" set "a" = $1, ..., "<onUpdateNow>" = CURRENT_TIMESTAMP`
  #updateSet(columns: readonly Column[]): string {
    const set = columns.map((c, i) => `${quoteIdentifier(c.name)} = ${placeholder(c, i + 1)}`)
    for (const column of this.#table.$meta.onUpdateNow) {
      if (!columns.includes(column)) set.push(`${quoteIdentifier(column.name)} = CURRENT_TIMESTAMP`)
    }
    return `update ${this.#table.$meta.quotedName} set ${set.join(', ')}`
  }

  // A delete of the rows matching `where`: for real when `force` or on a table without soft
  // delete, else the soft delete.
  #deleteText(where: WhereText | undefined, force = false): string {
    if (force || this.#live === undefined) {
      return `delete from ${this.#table.$meta.quotedName}${whereClause(where, 1, undefined)}`
    }
    return this.#softDeleteText(where, true)
  }

  // Deleting skips already deleted rows; restoring touches only deleted rows.
  #softDeleteText(where: WhereText | undefined, deleted: boolean): string {
    const soft = this.#table.$meta.softDelete
    if (soft === undefined) throw new Error(`table "${this.#table.$name}" has no soft delete`)
    const name = quoteIdentifier(soft.name)
    const value = deleted ? 'CURRENT_TIMESTAMP' : 'null'
    const condition = deleted ? `${name} is null` : `${name} is not null`
    return `update ${this.#table.$meta.quotedName} set ${name} = ${value}${whereClause(where, 1, condition)}`
  }
}

/** The column in which a relation load returns each row's parent key (manyToMany). */
export const RELATION_PARENT_KEY = '__ke_parent_key'

/**
 * How the rows of a relation load are matched to their parents' keys: a column of the target
 * (hasMany, hasOne, belongsTo) or, for manyToMany, a column of the junction table.
 *
 * @example
 * ```ts
 * const link: RelationLink = { matchColumn: functionDeployments.$meta.byProperty.get('functionId')! }
 * ```
 */
export interface RelationLink {
  /** The column compared with `= any($1)`: on the target, or on the junction for manyToMany. */
  readonly matchColumn: Column
  /** manyToMany: the junction table and its columns. */
  readonly junction?: {
    readonly table: AnyTable
    readonly sourceKey: Column
    readonly targetKey: Column
    readonly targetColumn: Column
  }
}

/**
 * The columns a row is found by alone, of a kind whose lookups coalesce: the single-column primary
 * key, the public id, and the columns unique by themselves (`unique()`, or a one-column `uniques`).
 */
function lookupColumns(table: AnyTable, pk: Column | undefined): Set<Column> {
  const meta = table.$meta
  const columns = new Set<Column>()
  if (pk !== undefined) columns.add(pk)
  if (meta.publicId !== undefined) columns.add(meta.publicId)
  for (const column of meta.columns) if (column.unique || column.primaryKey) columns.add(column)
  for (const unique of meta.uniques)
    if (unique.columns.length === 1) columns.add(unique.columns[0]!)
  for (const column of columns) if (!isLookupKind(column.kind)) columns.delete(column)
  return columns
}

/** `"<key>" = ?` with the cast of the key's kind after the value, as `placeholder` writes it. */
const keyShape = (column: Column): string =>
  `${quoteIdentifier(column.name)} = ?${columnType(column.kind).parameter.cast}`

/** `values` as bound for `columns`' placeholders, then `rest`. */
function encode(
  columns: readonly Column[],
  values: readonly unknown[],
  rest: readonly unknown[],
): unknown[] {
  const parameters = new Array<unknown>(columns.length + rest.length)
  for (let i = 0; i < columns.length; i++) parameters[i] = toParameter(columns[i]!, values[i])
  for (let i = 0; i < rest.length; i++) parameters[columns.length + i] = rest[i]
  return parameters
}

const STATEMENTS = new WeakMap<AnyTable, TableStatements>()

/**
 * The statements of `table`, made when first needed (by the first manager of the table) and kept
 * for the table's lifetime: one object, one cache, per table.
 *
 * @example
 * ```ts
 * tableStatements(functions).existsById
 * // 'select exists (select 1 as "one" from "functions" where "id" = $1) as "exists"'
 * ```
 */
export function tableStatements(table: AnyTable): TableStatements {
  let found = STATEMENTS.get(table)
  if (found === undefined) {
    found = new TableStatements(table)
    STATEMENTS.set(table, found)
  }
  return found
}
