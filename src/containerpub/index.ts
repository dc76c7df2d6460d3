export * from './entities'
export * from './tables'
