import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, PostgresStartError, startPostgres } from '../../src/testing/index'
import { testDatabase } from '../setup/test-database'

describe('testing helpers', () => {
  let db: Awaited<ReturnType<typeof testDatabase>>
  beforeAll(async () => {
    db = await testDatabase('start_pg')
  })
  afterAll(async () => {
    await db.drop()
  })

  it('gives each file a fresh, empty database of its own', async () => {
    const sql = postgres(db.url, { max: 1 })
    try {
      const [row] = await sql`select current_database() as name, count(*)::int as tables
        from information_schema.tables where table_schema = 'public'`
      expect(row).toEqual({ name: db.name, tables: 0 })
    } finally {
      await sql.end()
    }
  })

  it('uses DATABASE_URL (or an explicit url) without starting anything', async () => {
    const server = await startPostgres({ url: 'postgres://u:p@example.invalid:5432/x' })
    expect(server).toMatchObject({ url: 'postgres://u:p@example.invalid:5432/x', embedded: false })
    await server.stop()
  })

  // url: '' forces an embedded server even when DATABASE_URL is set.
  it('explains why an embedded server cannot start (port taken)', async () => {
    const port = await freePort()
    const first = await startPostgres({ port, url: '' })
    try {
      const second = startPostgres({ port, url: '' })
      await expect(second).rejects.toBeInstanceOf(PostgresStartError)
      await expect(second).rejects.toThrow(/port/)
    } finally {
      await first.stop()
    }
  })
})
