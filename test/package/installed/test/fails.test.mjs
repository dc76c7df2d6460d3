// The consumer's only test fails, under an embedded server: `node --test` must exit non-zero.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startPostgres } from 'kysely-entities/testing'

let pg
before(async () => {
  pg = await startPostgres()
})
after(async () => {
  await pg.stop()
})

test('fails on purpose', () => {
  assert.equal(pg.embedded, true)
  assert.equal('this test fails on purpose', 'so that the run must exit non-zero')
})
