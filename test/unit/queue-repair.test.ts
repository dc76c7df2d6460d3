import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compactingQueue,
  isLastInFirstOut,
  isRepaired,
  lastInFirstOut,
  repairConnectionQueue,
  repairQueue,
} from '../../src/driver/queue-repair'

// postgres.js's own queue (not exported by the package: loaded from its file).
const require = createRequire(import.meta.url)
const postgresQueue = require(join(dirname(require.resolve('postgres')), 'queue.js')) as () => {
  readonly length: number
  remove(x: unknown): unknown
  push(x: unknown): unknown
  shift(): unknown
}

type Op = { op: 'push'; x: number } | { op: 'shift' } | { op: 'remove'; x: number }
const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('push' as const), x: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ op: fc.constant('shift' as const) }),
    fc.record({ op: fc.constant('remove' as const), x: fc.integer({ min: 0, max: 20 }) }),
  ),
  { maxLength: 300 },
)

/** Runs `ops` on a queue and returns what each call returned, and the lengths after each. */
function run(queue: ReturnType<typeof postgresQueue>, list: readonly Op[]): unknown[] {
  return list.map((o) => {
    const out =
      o.op === 'shift' ? queue.shift() : o.op === 'push' ? queue.push(o.x) : queue.remove(o.x)
    return [out, queue.length]
  })
}

describe('compactingQueue', () => {
  it('answers every sequence of calls as postgres.js’s queue does', () => {
    fc.assert(
      fc.property(ops, (list) => {
        expect(run(compactingQueue(), list)).toEqual(run(postgresQueue(), list))
      }),
      { numRuns: 2_000 },
    )
  })

  it('keeps its array the size of its content when it is never emptied (the open queue of a pool)', () => {
    const q = compactingQueue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    for (let i = 0; i < 100_000; i++) {
      const c = q.shift()
      q.remove(c) // what postgres.js's move() does next: c is no longer there
      q.push(c)
    }
    expect(q.length).toBe(10)
    expect(q.capacity).toBeLessThan(80)
  })
})

describe('repairQueue', () => {
  it('swaps the methods of a postgres.js queue in place, keeping its content and order', () => {
    const queue = postgresQueue()
    for (const x of [1, 2, 3]) queue.push(x)
    queue.shift()
    queue.push(4)
    expect(repairQueue(queue)).toBe(true)
    expect(isRepaired(queue)).toBe(true)
    expect(queue.length).toBe(3)
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([
      2,
      3,
      4,
      undefined,
    ])
    expect(repairQueue(queue)).toBe(false) // once
  })

  it('behaves as the original on any sequence after the repair', () => {
    fc.assert(
      fc.property(ops, ops, (before, after) => {
        const original = postgresQueue()
        const repaired = postgresQueue()
        run(original, before)
        run(repaired, before)
        repairQueue(repaired)
        expect(run(repaired, after)).toEqual(run(original, after))
      }),
      { numRuns: 1_000 },
    )
  })

  it('leaves alone what is not shaped like a postgres.js queue', () => {
    for (const value of [null, undefined, 1, 'q', {}, { push() {}, shift() {}, remove() {} }, []]) {
      expect(repairQueue(value)).toBe(false)
      expect(isRepaired(value)).toBe(false)
    }
    const connection = { queue: postgresQueue() }
    expect(repairConnectionQueue(connection)).toBe(true) // postgres.js goes on as without the hook
    expect(isRepaired(connection.queue)).toBe(true)
    expect(repairConnectionQueue({})).toBe(true)
  })
})

describe('lastInFirstOut', () => {
  it('keeps the content and hands out the element pushed last, as a stack would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 10 }),
        ops,
        (initial, list) => {
          const queue = postgresQueue()
          for (const x of initial) queue.push(x)
          expect(lastInFirstOut(queue)).toBe(true)
          expect(isLastInFirstOut(queue)).toBe(true)
          // A stack of the same content is the model.
          const stack = [...initial]
          const model = list.map((o) => {
            if (o.op === 'push') {
              stack.push(o.x)
              return [o.x, stack.length]
            }
            if (o.op === 'shift') return [stack.pop(), stack.length]
            const at = stack.lastIndexOf(o.x)
            if (at === -1) return [null, stack.length]
            stack.splice(at, 1)
            return [o.x, stack.length]
          })
          expect(run(queue, list)).toEqual(model)
        },
      ),
    )
  })

  it('changes a queue once, and leaves alone what is no queue', () => {
    const queue = postgresQueue()
    queue.push('a')
    expect(lastInFirstOut(queue)).toBe(true)
    expect(lastInFirstOut(queue)).toBe(false)
    // The compaction repair leaves it as it is now.
    expect(repairQueue(queue)).toBe(false)
    expect(queue.shift()).toBe('a')
    expect(lastInFirstOut(undefined)).toBe(false)
    expect(lastInFirstOut({ push() {} })).toBe(false)
    expect(isLastInFirstOut(postgresQueue())).toBe(false)
  })
})
