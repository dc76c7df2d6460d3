export type { ColumnConverter } from '../values/json-values'
export { parseTimestamp } from '../values/timestamp-text'
export {
  type AnyColumnBuilder,
  ColumnBuilder,
  type ColumnConfig,
  type ColumnDefault,
  type ColumnKind,
  type ColumnReference,
  type ColumnState,
  type ColumnTarget,
  type ReferentialAction,
  type SetState,
  type StateOf,
} from './column-builder'
export type { IntegerKind } from './column-types'
export {
  type Clock,
  COLUMN_TYPES,
  type ColumnType,
  type ColumnTypes,
  columnSchema,
  columnType,
  columnValueSchema,
  type DefaultComparison,
  type KindsWith,
  type WhereFamily,
} from './column-types'
export { type ColumnBuilderOf, type ColumnFactory, column, type JsonValue } from './columns'
export {
  type AnyTable,
  type CheckDefinition,
  type Column,
  type ColumnBuilders,
  defineTable,
  type IndexDefinition,
  type IndexInput,
  type Table,
  type TableBase,
  type TableColumns,
  type TableMeta,
  type TableOptions,
  type UniqueDefinition,
} from './define-table'
export {
  columnDDL,
  type GenerateDDLOptions,
  generateDDL,
  generateDDLStatements,
} from './generate-ddl'
export { camelCase, quoteIdentifier, type SnakeCase, snakeCase } from './naming'
export {
  type ManyToManyOptions,
  type RelationBuilder,
  type RelationDefinition,
  type RelationKind,
  type RelationOptions,
  type RelationRecord,
  type RelationTarget,
  relationBuilder,
} from './relations'
export type * from './table-types'
