import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ConnectionGate,
  checkMilliseconds,
  checkPipeline,
  PIPELINE_DEPTH,
} from '../../src/driver/connection-gate'
import { DatabaseClosedError, PoolTimeoutError } from '../../src/errors/index'

// Each caller here takes a whole connection, as a transaction does.
const W = PIPELINE_DEPTH

/** How a promise stands after the microtasks queued so far have run. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let result: 'pending' | 'fulfilled' | 'rejected' = 'pending'
  promise.then(
    () => {
      result = 'fulfilled'
    },
    () => {
      result = 'rejected'
    },
  )
  for (let i = 0; i < 10; i++) await Promise.resolve()
  return result
}

describe('ConnectionGate', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('admits `size` callers at once and hands each release to the next in line, in order', async () => {
    const gate = new ConnectionGate(2, 1_000)
    await gate.acquire(W)
    await gate.acquire(W)
    const order: number[] = []
    const third = gate.acquire(W).then(() => order.push(3))
    const fourth = gate.acquire(W).then(() => order.push(4))
    expect(await state(third)).toBe('pending')
    expect(gate.active).toBe(2 * W)
    expect(gate.waiting).toBe(2)
    gate.release(W)
    await third
    expect(await state(fourth)).toBe('pending')
    gate.release(W)
    await fourth
    expect(order).toEqual([3, 4])
    expect(gate.active).toBe(2 * W)
    expect(gate.waiting).toBe(0)
    gate.release(W)
    gate.release(W)
    expect(gate.active).toBe(0)
    expect(() => gate.release(W)).toThrow(/without acquire/)
  })

  it('fails a caller after `timeout` ms with PoolTimeoutError and takes it out of the line', async () => {
    const gate = new ConnectionGate(1, 500)
    await gate.acquire(W)
    const first = gate.acquire(W)
    const failed = expect(first).rejects.toMatchObject({
      code: 'POOL_TIMEOUT',
      timeout: 500,
      poolSize: 1,
    })
    await vi.advanceTimersByTimeAsync(499)
    expect(await state(first)).toBe('pending')
    const second = gate.acquire(W) // joins the line 1 ms before the first times out
    await vi.advanceTimersByTimeAsync(1)
    await failed
    await expect(first).rejects.toBeInstanceOf(PoolTimeoutError)
    expect(gate.waiting).toBe(1)
    gate.release(W) // goes to the second, not to the caller that gave up
    await second
    expect(gate.active).toBe(1 * W)
    expect(gate.waiting).toBe(0)
  })

  it('keeps one timer for the whole line, and times callers out in line order', async () => {
    const gate = new ConnectionGate(1, 1_000)
    await gate.acquire(W)
    const line: Promise<void>[] = []
    for (let i = 0; i < 100; i++) {
      line.push(gate.acquire(W))
      await vi.advanceTimersByTimeAsync(5)
    }
    expect(vi.getTimerCount()).toBe(1)
    const outcomes = line.map((p) =>
      p.then(
        () => 'admitted',
        (e: unknown) => e,
      ),
    )
    // Caller i joined at 5i ms and is due at 1,000 + 5i: at 1,100 ms callers 0 to 20 are.
    await vi.advanceTimersByTimeAsync(600)
    for (let i = 0; i <= 20; i++) expect(await outcomes[i]).toBeInstanceOf(PoolTimeoutError)
    expect(await state(line[21]!)).toBe('pending')
    expect(gate.waiting).toBe(79)
    expect(vi.getTimerCount()).toBe(1)
    gate.release(W)
    expect(await outcomes[21]).toBe('admitted')
    expect(gate.waiting).toBe(78)
    // Caller 22 is due at 1,110 ms.
    await vi.advanceTimersByTimeAsync(9)
    expect(gate.waiting).toBe(78)
    await vi.advanceTimersByTimeAsync(1)
    expect(await outcomes[22]).toBeInstanceOf(PoolTimeoutError)
    expect(gate.waiting).toBe(77)
  })

  it('waits for ever with an Infinity timeout', async () => {
    const gate = new ConnectionGate(1, Number.POSITIVE_INFINITY)
    await gate.acquire(W)
    const waiting = gate.acquire(W)
    await vi.advanceTimersByTimeAsync(10 * 24 * 3600 * 1000)
    expect(await state(waiting)).toBe('pending')
    gate.release(W)
    await waiting
  })

  it('close() refuses new callers at once and resolves once those admitted are done', async () => {
    const gate = new ConnectionGate(1, 60_000)
    await gate.acquire(W)
    const queued = gate.acquire(W) // already in line: it still gets its turn
    const closed = gate.close(10_000)
    expect(gate.closing).toBe(true)
    await expect(gate.acquire(W)).rejects.toBeInstanceOf(DatabaseClosedError)
    expect(await state(closed)).toBe('pending')
    gate.release(W)
    await queued
    expect(await state(closed)).toBe('pending')
    gate.release(W)
    await expect(closed).resolves.toBe(true)
    expect(gate.forced).toBe(false)
    await expect(new ConnectionGate(3).close()).resolves.toBe(true) // nothing to wait for
  })

  it('close() gives up after its timeout: waiting callers fail, forced is set', async () => {
    const gate = new ConnectionGate(1, 60_000)
    await gate.acquire(W)
    const queued = gate.acquire(W)
    const queuedFailed = expect(queued).rejects.toBeInstanceOf(DatabaseClosedError)
    const closed = gate.close(1_000)
    await vi.advanceTimersByTimeAsync(1_000)
    await expect(closed).resolves.toBe(false)
    await queuedFailed
    expect(gate.forced).toBe(true)
    expect(gate.waiting).toBe(0)
    expect(gate.active).toBe(1 * W)
  })

  it('tryAcquire admits at once only when a slot is free, nobody waits and it is open', async () => {
    const gate = new ConnectionGate(1, 1_000)
    expect(gate.tryAcquire(W)).toBe(true)
    expect(gate.active).toBe(W)
    expect(gate.tryAcquire()).toBe(false)
    expect(gate.active).toBe(W)
    const waiting = gate.acquire(W)
    gate.release(W)
    await waiting
    gate.release(W)
    // Free, but someone is in line: no overtaking.
    await gate.acquire(W)
    const queued = gate.acquire(W)
    expect(gate.tryAcquire()).toBe(false)
    gate.release(W)
    await queued
    gate.release(W)
    expect(gate.tryAcquire()).toBe(true)
    gate.release()
    void gate.close(0)
    expect(gate.tryAcquire()).toBe(false)
    expect(gate.active).toBe(0)
  })

  it('checks its numbers', () => {
    expect(() => new ConnectionGate(0)).toThrow(RangeError)
    expect(() => new ConnectionGate(1.5)).toThrow(RangeError)
    expect(() => new ConnectionGate(1, -1)).toThrow(/poolTimeout/)
    expect(checkMilliseconds('timeout', 0)).toBe(0)
    expect(() => checkMilliseconds('timeout', Number.NaN)).toThrow(RangeError)
    expect(() => checkMilliseconds('timeout', '5' as unknown)).toThrow(RangeError)
    for (const bad of [0, 101, 1.5, Number.NaN, '4' as unknown as number]) {
      expect(() => new ConnectionGate(2, 1_000, bad)).toThrow(/pipeline must be an integer/)
    }
    expect(checkPipeline(100)).toBe(100)
  })
})

describe.each([PIPELINE_DEPTH, 4])(
  'pipeline %i: statements share connections, transactions take one each',
  (depth) => {
    it('admits size × pipeline statements, and a transaction only when a whole connection is free', async () => {
      const gate = new ConnectionGate(2, 60_000, depth)
      expect(gate.connectionWeight).toBe(depth)
      await Promise.all(Array.from({ length: 2 * depth }, () => gate.acquire(1)))
      expect(gate.active).toBe(2 * depth)
      let admitted = false
      const transaction = gate.acquire(gate.connectionWeight).then(() => {
        admitted = true
      })
      let statementAdmitted = false
      const statement = gate.acquire(1).then(() => {
        statementAdmitted = true
      })
      for (let i = 0; i < depth - 1; i++) gate.release(1)
      await Promise.resolve()
      expect(admitted).toBe(false)
      gate.release(1)
      await transaction
      expect(admitted).toBe(true)
      await Promise.resolve()
      // First come, first served: the statement queued behind the transaction waits for a slot.
      expect(statementAdmitted).toBe(false)
      gate.release(1)
      await statement
      expect(statementAdmitted).toBe(true)
    })
  },
)
