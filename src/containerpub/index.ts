/**
 * The ContainerPub schema, ready to use: its tables, entity classes (`FunctionEntity`,
 * `UserEntity`, ...), managers, DTOs and query patterns.
 *
 * ```ts
 * import { FunctionEntity, containerpubTables } from 'kysely-entities/containerpub'
 * ```
 *
 * @module kysely-entities/containerpub
 */
export * from './dtos'
export * from './entities'
export * from './managers'
export * from './patterns'
export * from './sql-files'
export * from './tables'
