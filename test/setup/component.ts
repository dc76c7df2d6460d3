import { describe, it } from 'vitest'

/**
 * Whether a component a suite needs (a pgbouncer binary, a Docker engine, a standby) is here:
 * `{ ok: true }`, or `{ ok: false, reason }` with a one-line reason and how to get it.
 */
export type ComponentProbe = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/**
 * A suite that needs a real component this machine may lack. With the component: the suite
 * runs. Without it, in CI (`CI` set): one failing test that names what is missing, since CI
 * installs every component (`.ci/run`) and a missing one is a failure there. Without it
 * locally: the suite is reported in one line as `not run: <reason>`, never silently passed.
 *
 * @example
 * ```ts
 * componentSuite('pgbouncer in transaction mode', probePgbouncer(), () => {
 *   it('...', async () => { ... })
 * })
 * ```
 */
export function componentSuite(name: string, probe: ComponentProbe, suite: () => void): void {
  if (probe.ok) {
    describe(name, suite)
    return
  }
  const reason = probe.reason
  if (process.env.CI) {
    describe(name, () => {
      it('has the component it needs (CI installs it in .ci/run)', () => {
        throw new Error(`missing component in CI: ${reason}`)
      })
    })
    return
  }
  // biome-ignore lint/suspicious/noSkippedTests: the one-line "not run: <reason>" report of a component this machine lacks, outside CI only
  describe.skip(`${name}: not run: ${reason}`, () => {
    it(`not run: ${reason}`, () => {})
  })
}
