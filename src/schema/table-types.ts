import type { Generated } from 'kysely'
import type { ColumnState, StateOf } from './column-builder'
import type { AnyTable, ColumnBuilders, TableBase } from './define-table'
import type { SnakeCase } from './naming'

/** Flattens an intersection for readable hovers. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** The column builders of a table. */
export type ColumnsOf<T extends AnyTable> = T extends TableBase<string, infer C> ? C : never

/** The JavaScript value of a column as read: `null` included unless NOT NULL. */
export type ValueOf<S extends ColumnState> = S['notNull'] extends true
  ? S['data']
  : S['data'] | null

/** The SQL name of property `K` with state `S`: `.name()` if given, else snake_case. */
export type SqlNameOf<K extends string, S extends ColumnState> = S['name'] extends infer N extends
  string
  ? N
  : SnakeCase<K>

type StateAt<C extends ColumnBuilders, K extends keyof C> = StateOf<C[K]>

/**
 * The fields of an entity of table `T`: camelCase properties, each as read from the database.
 *
 * @example
 * ```ts
 * type User = EntityProps<typeof users>
 * // { readonly id: number; readonly uuid: string; readonly email: string; readonly createdAt: Date | null; ... }
 * ```
 */
export type EntityProps<T extends AnyTable> = Simplify<{
  readonly [K in keyof ColumnsOf<T> & string]: ValueOf<StateAt<ColumnsOf<T>, K>>
}>

type RequiredInsertKeys<C extends ColumnBuilders> = {
  [K in keyof C & string]: StateAt<C, K>['notNull'] extends true
    ? StateAt<C, K>['hasDefault'] extends true
      ? never
      : K
    : never
}[keyof C & string]

/**
 * Data for an insert, by property: NOT NULL columns without a default are required; columns the
 * database fills (serial, defaults) and nullable columns are optional.
 */
export type InsertProps<T extends AnyTable> = Simplify<
  {
    [K in RequiredInsertKeys<ColumnsOf<T>>]: StateAt<ColumnsOf<T>, K>['data']
  } & {
    [K in Exclude<keyof ColumnsOf<T> & string, RequiredInsertKeys<ColumnsOf<T>>>]?: ValueOf<
      StateAt<ColumnsOf<T>, K>
    >
  }
>

/** A patch for an update, by property: every field optional. */
export type UpdateProps<T extends AnyTable> = Simplify<{
  [K in keyof ColumnsOf<T> & string]?: ValueOf<StateAt<ColumnsOf<T>, K>>
}>

/** A row of table `T` as the database returns it: SQL (snake_case) column names. */
export type RowOf<T extends AnyTable> = Simplify<{
  [K in keyof ColumnsOf<T> & string as SqlNameOf<K, StateAt<ColumnsOf<T>, K>>]: ValueOf<
    StateAt<ColumnsOf<T>, K>
  >
}>

/** Table `T` as a Kysely table interface: SQL names, `Generated<>` where the database supplies a value. */
export type KyselyTable<T extends AnyTable> = {
  [K in keyof ColumnsOf<T> & string as SqlNameOf<K, StateAt<ColumnsOf<T>, K>>]: StateAt<
    ColumnsOf<T>,
    K
  >['hasDefault'] extends true
    ? Generated<ValueOf<StateAt<ColumnsOf<T>, K>>>
    : ValueOf<StateAt<ColumnsOf<T>, K>>
}

/** Any set of tables, keyed however the user likes. */
export type TableRecord = Readonly<Record<string, AnyTable>>

/**
 * The Kysely database interface of a set of tables, keyed by SQL table name, so `db.kysely` is
 * typed with the names the SQL uses.
 *
 * @example
 * ```ts
 * const rows = await db.kysely.selectFrom('users').select(['uuid', 'email']).execute()
 * // select "uuid", "email" from "users"
 * ```
 */
export type KyselyDatabase<TTables extends TableRecord> = {
  [K in keyof TTables as TTables[K]['$name']]: KyselyTable<TTables[K]>
}

/** The property names of table `T`. */
export type PropertyOf<T extends AnyTable> = keyof ColumnsOf<T> & string

type IsPublicState<S> = S extends { readonly internal: false; readonly secret: false }
  ? true
  : false

/**
 * The property names of table `T` that request input may name in a public view
 * (`db.public()`): every column that is neither internal (serial ids, integer foreign keys,
 * `.internal()`) nor `secret()`.
 *
 * @example
 * ```ts
 * type P = PublicPropertyOf<typeof users> // 'uuid' | 'email' | 'createdAt' | ... (no 'id', no 'passwordHash')
 * await db.public().manager(UserEntity).findAll({ where: { email } }) // where "email" = $1
 * ```
 */
export type PublicPropertyOf<T extends AnyTable> = {
  [K in keyof ColumnsOf<T> & string]: IsPublicState<StateOf<ColumnsOf<T>[K]>> extends true
    ? K
    : never
}[keyof ColumnsOf<T> & string]

/** The SQL column names of table `T`. */
export type ColumnNameOf<T extends AnyTable> = keyof RowOf<T> & string
