import { describe, expect, it } from 'vitest'
import { CursorCodec } from '../../src/query/cursor'
import { functions } from '../fixtures/tables'

const byId = {
  columns: functions.$meta.columns.filter((c) => c.name === 'id'),
  direction: 'asc',
} as const

describe('CursorCodec nonces', () => {
  it('gives every cursor its own nonce, across the draws of random bytes', () => {
    const codec = new CursorCodec('nonce test')
    const seen = new Set<string>()
    // More than two draws of 1,024 nonces.
    for (let i = 0; i < 2_500; i++) {
      const token = codec.encode([7], byId)
      seen.add(Buffer.from(token, 'base64url').subarray(0, 12).toString('hex'))
      expect(codec.decode(token, byId)).toEqual([7])
    }
    expect(seen.size).toBe(2_500)
  })

  it('encrypts equal values differently, so equal cursors reveal nothing', () => {
    const codec = new CursorCodec('nonce test')
    const a = codec.encode([42], byId)
    const b = codec.encode([42], byId)
    expect(a).not.toBe(b)
  })
})
