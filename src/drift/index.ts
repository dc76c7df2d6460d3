export {
  type CatalogColumn,
  type CatalogConstraint,
  type CatalogExecutor,
  type CatalogIndex,
  type CatalogTable,
  readCatalog,
  type SchemaCatalog,
} from './catalog'
export type { SchemaCheckOptions, TableList } from './compare-schema'
export { diffSchema, planSchemaDiff, type SchemaDiff } from './diff-schema'
export {
  ISSUE_KINDS,
  type IssueKind,
  type SchemaIssue,
  type SchemaValidationResult,
} from './schema-issue'
export { formatSchemaReport, type SchemaReportOptions } from './schema-report'
export { normalizeExpression, normalizeType, sameDefault } from './sql-normalization'
export { checkCatalog, validateSchema } from './validate-schema'
