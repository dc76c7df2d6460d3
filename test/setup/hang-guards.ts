// Helpers of the tests that stall a server on purpose (hostile-hangs, hostile-tls): guards that
// turn a hang into a failure naming what hung, and a record of how a call settled, so that a
// late settlement (a stalled call that resolves after all) is seen.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `promise`, or a failure naming `what` when it has not settled within `ms` (a hang guard). */
export async function within<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` until it holds; fails, saying what was awaited, after `ms` (a hang guard). */
export async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000) {
  const deadline = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** How a call settled, recorded as it happens (so a late settlement would be seen). */
export interface Settled {
  outcome: 'pending' | 'resolved' | 'rejected'
  value?: unknown
  error?: unknown
}

/** Records how `promise` settles; `done` resolves once it has. */
export function track(promise: Promise<unknown>): { settled: Settled; done: Promise<void> } {
  const settled: Settled = { outcome: 'pending' }
  const done = promise.then(
    (value) => {
      Object.assign(settled, { outcome: 'resolved', value })
    },
    (error: unknown) => {
      Object.assign(settled, { outcome: 'rejected', error })
    },
  )
  return { settled, done }
}

/** Stops the backend `pid` while `fn` runs; it is always continued afterwards. */
export async function whileStopped<T>(pid: number, fn: () => Promise<T>): Promise<T> {
  process.kill(pid, 'SIGSTOP')
  try {
    return await fn()
  } finally {
    process.kill(pid, 'SIGCONT')
  }
}
