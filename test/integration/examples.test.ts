import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quickstart, UserEntity } from '../../examples/quickstart'
import { testDatabase } from '../setup/test-database'

let test: Awaited<ReturnType<typeof testDatabase>>
beforeAll(async () => {
  test = await testDatabase('examples')
})
afterAll(async () => {
  await test.drop()
})

describe('examples', () => {
  it('the README quickstart runs and does what it says', async () => {
    const result = await quickstart(test.url)
    expect(result.ada).toBeInstanceOf(UserEntity)
    expect(result.ada.email).toBe('ada@example.com')
    expect(result.ada.createdAt).toBeInstanceOf(Date)
    expect(result.renamed.email).toBe('a@x.io')
    expect(result.ada.email).toBe('ada@example.com')
    expect(result.emails).toEqual([{ uuid: result.ada.uuid, email: 'ada@example.com' }])
    expect(result.emailAfterTransaction).toBe('b@x.io')
    expect(result.json).not.toContain('argon2')
    expect(result.ada.toMap()).toMatchObject({
      email: 'ada@example.com',
      password_hash: 'argon2$...',
    })
  })
})
