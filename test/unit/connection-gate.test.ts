import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ConnectionGate,
  checkMilliseconds,
  checkPipeline,
  PIPELINE_DEPTH,
} from '../../src/driver/connection-gate'
import { DatabaseClosedError, PoolTimeoutError } from '../../src/index'

// Each caller here takes a whole connection, as a transaction does.
const W = 'transaction'

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

// Every test here runs on fake timers: deadlines are advanced, never waited for.
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ConnectionGate', () => {
  it('admits `size` callers at once and hands each release to the next in line, in order', async () => {
    const gate = new ConnectionGate(2, 1_000)
    await gate.acquire(W)
    await gate.acquire(W)
    const order: number[] = []
    const third = gate.acquire(W).then(() => order.push(3))
    const fourth = gate.acquire(W).then(() => order.push(4))
    expect(await state(third)).toBe('pending')
    expect(gate.active).toBe(2)
    expect(gate.waiting).toBe(2)
    gate.release(W)
    await third
    expect(await state(fourth)).toBe('pending')
    gate.release(W)
    await fourth
    expect(order).toEqual([3, 4])
    expect(gate.active).toBe(2)
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
    expect(gate.active).toBe(1)
    expect(gate.waiting).toBe(0)
  })

  it('keeps one timer for the whole line, and times callers out in line order', async () => {
    const gate = new ConnectionGate(1, 1_000)
    await gate.acquire(W)
    const line: Promise<unknown>[] = []
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
    expect(gate.active).toBe(1)
  })

  it('tryAcquire admits at once only when a slot is free, nobody waits and it is open', async () => {
    const gate = new ConnectionGate(1, 1_000)
    expect(gate.tryAcquire(W)).toBe('idle')
    expect(gate.active).toBe(1)
    expect(gate.tryAcquire()).toBeUndefined()
    expect(gate.tryAcquire('read')).toBeUndefined() // a transaction's connection takes no read
    expect(gate.active).toBe(1)
    const waiting = gate.acquire(W)
    gate.release(W)
    await waiting
    gate.release(W)
    // Free, but someone is in line: no overtaking.
    await gate.acquire(W)
    const queued = gate.acquire(W)
    expect(gate.tryAcquire()).toBeUndefined()
    gate.release(W)
    await queued
    gate.release(W)
    expect(gate.tryAcquire()).toBe('idle')
    gate.release()
    void gate.close(0)
    expect(gate.tryAcquire()).toBeUndefined()
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

describe('ConnectionGate pipelining reads', () => {
  it('pipelines reads up to `pipeline` a connection; a statement or a transaction needs an idle one', async () => {
    const gate = new ConnectionGate(2, 60_000, 3)
    expect(gate.pipeline).toBe(3)
    expect(gate.tryAcquire('read')).toBe('idle')
    expect(gate.tryAcquire('statement')).toBe('idle')
    // Both connections busy: a read goes behind them, a statement does not.
    expect(gate.tryAcquire('statement')).toBeUndefined()
    expect(gate.tryAcquire('transaction')).toBeUndefined()
    for (let i = 0; i < 4; i++) expect(gate.tryAcquire('read')).toBe('pipelined')
    expect(gate.tryAcquire('read')).toBeUndefined() // 2 connections × 3
    expect(gate.active).toBe(6)

    // In line, first come first served: the statement at the head waits for an idle connection
    // and the read behind it is not let past it, though it would fit once a slot frees.
    const order: string[] = []
    const statement = gate.acquire('statement').then((a) => order.push(`statement ${a}`))
    const read = gate.acquire('read').then((a) => order.push(`read ${a}`))
    gate.release('read')
    expect(await state(statement)).toBe('pending')
    expect(await state(read)).toBe('pending')
    for (let i = 0; i < 4; i++) gate.release('read')
    await statement
    await read
    expect(order).toEqual(['statement idle', 'read pipelined'])
    expect(gate.active).toBe(3)
  })

  it('holds no read on a connection a transaction has', async () => {
    const gate = new ConnectionGate(2, 60_000, 4)
    expect(gate.tryAcquire('transaction')).toBe('idle')
    expect(gate.tryAcquire('read')).toBe('idle')
    for (let i = 0; i < 3; i++) expect(gate.tryAcquire('read')).toBe('pipelined')
    expect(gate.tryAcquire('read')).toBeUndefined() // one connection left for reads: 4
    expect(gate.transactions).toBe(1)
    gate.release('transaction')
    expect(gate.tryAcquire('read')).toBe('pipelined')
  })

  it('pipeline 1 pipelines nothing', () => {
    const gate = new ConnectionGate(1, 60_000, 1)
    expect(gate.tryAcquire('read')).toBe('idle')
    expect(gate.tryAcquire('read')).toBeUndefined()
  })

  it('pipelines by default', () => {
    const gate = new ConnectionGate(1)
    expect(gate.pipeline).toBe(PIPELINE_DEPTH)
    expect(PIPELINE_DEPTH).toBeGreaterThan(1)
    for (let i = 0; i < PIPELINE_DEPTH; i++) expect(gate.tryAcquire('read')).toBeDefined()
    expect(gate.tryAcquire('read')).toBeUndefined()
  })

  it('watch() calls a late watch at its deadline, on the one timer of the line; unwatch() stops it', async () => {
    const gate = new ConnectionGate(1, 1_000, 4)
    gate.tryAcquire('statement')
    const late: number[] = []
    const watches = [0, 1, 2].map((i) => {
      expect(gate.tryAcquire('read')).toBe('pipelined')
      return gate.watch(performance.now() + 1_000 + 10 * i, () => late.push(i))
    })
    const waitingFailed = expect(gate.acquire('statement')).rejects.toBeInstanceOf(PoolTimeoutError)
    expect(vi.getTimerCount()).toBe(1)
    gate.unwatch(watches[1]!)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(late).toEqual([0])
    await waitingFailed
    await vi.advanceTimersByTimeAsync(20)
    expect(late).toEqual([0, 2])
    expect(vi.getTimerCount()).toBe(0)
    const last = gate.watch(performance.now() + 1_000, () => late.push(3))
    expect(vi.getTimerCount()).toBe(1)
    gate.unwatch(last)
    expect(vi.getTimerCount()).toBe(0) // nothing left to time: no timer keeps the process up
  })
})
