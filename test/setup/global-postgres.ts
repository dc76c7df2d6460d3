import type { TestProject } from 'vitest/node'
import { startPostgres } from '../../src/testing/index'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

// One server for the whole run; each test file creates its own database on it.
export default async function setup(project: TestProject) {
  const server = await startPostgres()
  project.provide('databaseUrl', server.url)
  return async () => {
    await server.stop()
  }
}
