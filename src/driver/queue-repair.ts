// postgres.js 3.4 keeps its pool's connections in queues (open, busy, full, ...) whose `shift()`
// leaves a hole and compacts only when it takes the last element, and whose `remove()` scans the
// whole array. A queue that is never emptied, which is the open queue whenever some connections
// stay idle and the busy queue whenever statements are pipelined, so grows by one slot per
// statement for ever, and every statement scans it: throughput falls by half within seconds
// and keeps falling (porsager/postgres#747). This module swaps the methods of such a queue, in
// place, for ones over a compacting array, the first time the driver meets it. The other queues
// (closed, connecting, full, reserved) are never shifted in a loop: left as they are.

/** The shape of a postgres.js queue: what is swapped. */
interface PostgresJsQueue {
  readonly length: number
  remove(x: unknown): unknown
  push(x: unknown): unknown
  shift(): unknown
}

const REPAIRED = new WeakSet<object>()

// A head this far into the array is cut off (when it is also half of it): amortised O(1) shift.
const COMPACT_AT = 32

/**
 * A first-in first-out queue with what postgres.js's queues offer (`length`, `push`, `shift`,
 * `remove`), over an array that is compacted as its head advances, so that its size is that of
 * its content. `capacity` tells the size of the array (for tests).
 *
 * @example
 * ```ts
 * const q = compactingQueue(['a', 'b'])
 * q.shift() // 'a'
 * q.remove('b') // 'b'
 * q.length // 0
 * ```
 */
export function compactingQueue(initial: readonly unknown[] = []) {
  let items = initial.slice()
  let head = 0
  return {
    get length(): number {
      return items.length - head
    },
    get capacity(): number {
      return items.length
    },
    remove(x: unknown): unknown {
      const at = items.indexOf(x, head)
      if (at === -1) return null
      items.splice(at, 1)
      return x
    },
    push(x: unknown): unknown {
      items.push(x)
      return x
    },
    shift(): unknown {
      if (head === items.length) return undefined
      const out = items[head]
      items[head++] = undefined
      if (head === items.length) {
        items = []
        head = 0
      } else if (head >= COMPACT_AT && head * 2 >= items.length) {
        items = items.slice(head)
        head = 0
      }
      return out
    },
  }
}

function isPostgresJsQueue(value: unknown): value is PostgresJsQueue {
  if (value === null || typeof value !== 'object') return false
  const q = value as Record<string, unknown>
  const length = Object.getOwnPropertyDescriptor(value, 'length')
  return (
    typeof q.remove === 'function' &&
    typeof q.push === 'function' &&
    typeof q.shift === 'function' &&
    length?.get !== undefined &&
    length.configurable === true
  )
}

/**
 * Gives a postgres.js queue compacting methods, keeping its content and order; true when it was
 * repaired now. Anything not shaped like one, or repaired before, is left alone.
 *
 * @example
 * ```ts
 * // in an `onexecute` hook, which postgres.js calls with the connection a statement runs on:
 * repairQueue(connection.queue)
 * ```
 */
export function repairQueue(queue: unknown): boolean {
  if (typeof queue !== 'object' || queue === null || REPAIRED.has(queue)) return false
  if (!isPostgresJsQueue(queue)) return false
  const content: unknown[] = []
  while (queue.length > 0) content.push(queue.shift())
  const fixed = compactingQueue(content)
  Object.defineProperty(queue, 'length', {
    get: () => fixed.length,
    enumerable: true,
    configurable: true,
  })
  const target = queue as { remove: unknown; push: unknown; shift: unknown }
  target.remove = fixed.remove
  target.push = fixed.push
  target.shift = fixed.shift
  REPAIRED.add(queue)
  return true
}

/** Whether `repairQueue` has repaired this queue (for tests). */
export function isRepaired(queue: unknown): boolean {
  return typeof queue === 'object' && queue !== null && REPAIRED.has(queue)
}

// Connections whose next queue was looked at after a statement, and how many times (see below).
const FOLLOWED = new WeakMap<object, number>()
const FOLLOW_STATEMENTS = 4

/**
 * postgres.js's `onexecute` hook for every statement the driver sends: repairs the queue the
 * connection was taken from (open, or busy when pipelining). Right after the hook postgres.js
 * moves the connection on, mostly into the busy queue, which a statement meets in the hook only
 * when it is pipelined: so for a connection's first statements the queue it moved to is repaired
 * too, a microtask later. Returns true, which tells postgres.js to go on as without the hook.
 */
export function repairConnectionQueue(connection: { readonly queue?: unknown }): true {
  repairQueue(connection.queue)
  const followed = FOLLOWED.get(connection) ?? 0
  if (followed < FOLLOW_STATEMENTS) {
    FOLLOWED.set(connection, followed + 1)
    queueMicrotask(() => repairQueue(connection.queue))
  }
  return true
}

/**
 * Makes `queue` (the pool's queue of idle connections) hand out the connection that became idle
 * last, instead of the one idle longest: postgres.js 3.4 takes from the front of its queue and
 * puts a connection back at the end, so one statement at a time walks round every open
 * connection, each time to a backend process the scheduler had put to sleep and whose caches
 * went cold (15-20% more latency a statement with 10 open connections, measured here). Last in,
 * first out keeps the fewest connections warm, and the others idle until `idle_timeout` closes
 * them. Keeps the queue's content; true when it was changed now.
 *
 * @example
 * ```ts
 * const idle = connection.queue // after a statement on an otherwise unused pool
 * lastInFirstOut(idle)          // the next statement gets this connection again
 * ```
 */
export function lastInFirstOut(queue: unknown): boolean {
  if (typeof queue !== 'object' || queue === null || LAST_IN_FIRST_OUT.has(queue)) return false
  if (!isPostgresJsQueue(queue)) return false
  const items: unknown[] = []
  while (queue.length > 0) items.push(queue.shift())
  Object.defineProperty(queue, 'length', {
    get: () => items.length,
    enumerable: true,
    configurable: true,
  })
  const target = queue as { remove: unknown; push: unknown; shift: unknown }
  target.remove = (x: unknown): unknown => {
    const at = items.lastIndexOf(x)
    if (at === -1) return null
    items.splice(at, 1)
    return x
  }
  target.push = (x: unknown): unknown => {
    items.push(x)
    return x
  }
  target.shift = (): unknown => items.pop()
  REPAIRED.add(queue)
  LAST_IN_FIRST_OUT.add(queue)
  return true
}

const LAST_IN_FIRST_OUT = new WeakSet<object>()

/** Whether {@link lastInFirstOut} has changed this queue (for tests). */
export function isLastInFirstOut(queue: unknown): boolean {
  return typeof queue === 'object' && queue !== null && LAST_IN_FIRST_OUT.has(queue)
}
