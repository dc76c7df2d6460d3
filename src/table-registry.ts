import {
  type AnyEntityClass,
  defaultEntityClass,
  type EntityClass,
  isEntityClass,
} from './entity/entity'
import { InvalidDefinitionError, InvalidQueryError } from './errors/kysely-entities-error'
import type { AnyTable } from './schema/define-table'
import type { TableRecord } from './schema/table-types'

/**
 * Checks the `tables` option of a Database before anything is opened: an object of
 * `defineTable()` results, no two of which define the same SQL table. Throws
 * {@link InvalidDefinitionError}.
 *
 * @example
 * ```ts
 * checkTables({ users, functions }) // passes
 * checkTables({ users, people: users })
 * // throws InvalidDefinitionError: Database: tables.users and tables.people both define table "users"
 * ```
 */
export function checkTables(tables: unknown): void {
  if (tables === null || typeof tables !== 'object') {
    throw new InvalidDefinitionError(
      'Database: `tables` must be an object of defineTable() results',
    )
  }
  const names = new Map<string, string>()
  for (const [key, table] of Object.entries(tables)) {
    const t = table as Partial<AnyTable> | undefined
    if (t === undefined || t === null || typeof t.$name !== 'string' || t.$meta === undefined) {
      throw new InvalidDefinitionError(
        `Database: tables.${key} is not a table made by defineTable()`,
      )
    }
    const other = names.get(t.$name)
    if (other !== undefined) {
      throw new InvalidDefinitionError(
        `Database: tables.${other} and tables.${key} both define table "${t.$name}"`,
      )
    }
    names.set(t.$name, key)
  }
}

/**
 * The tables a Database serves, by SQL name, and the entity class for the rows of each: one per
 * Database, shared by all its transaction handles, so a class registered on one is used by all.
 *
 * @example
 * ```ts
 * const registry = new TableRegistry({ users, functions }, [UserEntity])
 * registry.table('users') // users
 * registry.entityClass(users) // UserEntity
 * registry.entityClass(functions) // Entity.of(functions)
 * ```
 */
export class TableRegistry {
  readonly #tables: ReadonlyMap<string, AnyTable>
  readonly #entities = new Map<AnyTable, AnyEntityClass>()

  /** `tables` as {@link checkTables} passed them; `entities` must be classes made by `Entity.of()`. */
  constructor(tables: TableRecord, entities: readonly AnyEntityClass[] = []) {
    this.#tables = new Map(Object.values(tables).map((t) => [t.$name, t]))
    for (const entity of entities) {
      if (!isEntityClass(entity)) {
        throw new InvalidDefinitionError('Database: `entities` must be classes made by Entity.of()')
      }
      this.#entities.set(entity.table, entity)
    }
  }

  /** The served table with SQL name `name`; throws {@link InvalidQueryError} when there is none. */
  table(name: string): AnyTable {
    const table = this.#tables.get(name)
    if (table === undefined) {
      throw new InvalidQueryError(
        'table',
        `no table named ${JSON.stringify(name)} is served by this database`,
      )
    }
    return table
  }

  /** The entity class for rows of `table`: the registered subclass, else `Entity.of(table)`. */
  entityClass<T extends AnyTable>(table: T): EntityClass<T> {
    return (this.#entities.get(table) ?? defaultEntityClass(table)) as EntityClass<T>
  }

  /**
   * Makes `entity` the class for rows of its table, for the method `caller` (named in the errors).
   * `register()` asks that a table of that SQL name is served; `manager()` asks for that very table
   * object, since the manager runs on its definition. Throws {@link InvalidDefinitionError}.
   */
  register(entity: unknown, caller: 'register' | 'manager'): void {
    if (!isEntityClass(entity)) {
      throw new InvalidDefinitionError(`${caller}(): expected a class made by Entity.of()`)
    }
    const served = this.#tables.get(entity.table.$name)
    if (caller === 'manager' ? served !== entity.table : served === undefined) {
      throw new InvalidDefinitionError(
        `${caller}(): table "${entity.table.$name}" is not among this database's tables`,
      )
    }
    this.#entities.set(entity.table, entity)
  }
}
