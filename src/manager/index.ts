export { type BatchInsertOptions, type BatchRows, batchInsert } from './batch-insert'
export {
  type CursorOptions,
  type CursorPage,
  EntityManager,
  type FindOptions,
  type PaginateOptions,
  type Related,
  type RelationName,
  type RelationsOf,
  type RequiredWhere,
  type WithRelation,
  type WriteOptions,
} from './entity-manager'
export { type UpsertOptions, upsert, upsertMany } from './upsert'
