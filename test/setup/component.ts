import { describe, it } from 'vitest'

/**
 * Whether a component a suite needs (a pgbouncer binary, a Docker engine, a standby) is here:
 * `{ ok: true }`, or `{ ok: false, reason }` with a one-line reason and how to get it.
 */
export type ComponentProbe =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string; readonly elsewhere?: true }

/**
 * CI runs the integration suite in two columns (`.ci/run`): on the embedded PostgreSQL 18
 * (`DATABASE_URL` unset) and on the PostgreSQL 15 service (`DATABASE_URL` set). A suite that
 * starts servers of its own from the embedded binaries (a standby, a container) tests that
 * infrastructure, not the server version, so it runs in the embedded column only. Undefined in
 * that column (probe the component as usual); in the other, the probe that says so, which
 * {@link componentSuite} reports in one line and never counts as a missing component. A
 * component missing in the embedded column still fails CI there.
 *
 * @example
 * ```ts
 * const started = embeddedColumnOnly('a streaming standby') ?? (await startWithStandby())
 * ```
 */
export function embeddedColumnOnly(
  what: string,
): Extract<ComponentProbe, { ok: false }> | undefined {
  if (!process.env.DATABASE_URL) return undefined
  return {
    ok: false,
    elsewhere: true,
    reason: `runs in the embedded column (DATABASE_URL is set; ${what} is started from the embedded binaries whatever the server of the run)`,
  }
}

/**
 * A suite that needs a real component this machine may lack. With the component: the suite
 * runs. Without it, in CI (`CI` set): one failing test that names what is missing, since CI
 * installs every component (`.ci/run`) and a missing one is a failure there. Without it
 * locally, or when the suite belongs to the other CI column ({@link embeddedColumnOnly}): the
 * suite is reported in one line as `not run: <reason>`, never silently passed.
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
  if (process.env.CI && probe.elsewhere !== true) {
    describe(name, () => {
      it('has the component it needs (CI installs it in .ci/run)', () => {
        throw new Error(`missing component in CI: ${reason}`)
      })
    })
    return
  }
  // biome-ignore lint/suspicious/noSkippedTests: the one-line "not run: <reason>" report of a component this machine lacks (outside CI only), or of a suite of the other CI column
  describe.skip(`${name}: not run: ${reason}`, () => {
    it(`not run: ${reason}`, () => {})
  })
}
