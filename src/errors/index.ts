export * from './database-errors'
export * from './kysely-entities-error'
export { columnsFromDetail, mapDatabaseError } from './map-database-error'
export { UnsupportedPluginError } from './unsupported-plugin-error'
