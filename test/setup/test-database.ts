import { inject } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../src/testing/index'

/** A fresh database for the calling test file on the run's shared server. */
export function testDatabase(prefix?: string): Promise<TestDatabase> {
  return createTestDatabase(inject('databaseUrl'), prefix === undefined ? {} : { prefix })
}
