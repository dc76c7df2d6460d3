export * from './errors/index'
