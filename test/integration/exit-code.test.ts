import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// `npm test` must fail when a test fails. The embedded server's package once installed an exit
// hook that turned every exit into exit code 0: this runs the project's own integration project
// (the one whose global setup starts an embedded server) on this file with the probe switched
// on, where its only test fails on purpose, and asserts the run's exit code.
const PROBE = 'KYSELY_ENTITIES_FAIL_ON_PURPOSE'
const root = fileURLToPath(new URL('../..', import.meta.url))

if (process.env[PROBE] === '1') {
  describe('the probe run', () => {
    it('fails on purpose', () => {
      expect('this test fails on purpose').toBe('so that the run must exit non-zero')
    })
  })
} else {
  describe('a failing test fails the run', () => {
    it('npm run test:integration exits non-zero when a test fails under an embedded server', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, [PROBE]: '1', DATABASE_URL: '' }
      // The outer run's JSON report (CI) is its own; the probe run writes none.
      delete env.CI
      const child = spawn(
        'npm',
        ['run', 'test:integration', '--', 'test/integration/exit-code.test.ts'],
        {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let output = ''
      child.stdout.on('data', (chunk) => {
        output += chunk
      })
      child.stderr.on('data', (chunk) => {
        output += chunk
      })
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      expect(output).toMatch(/1 failed/)
      expect(output).toContain('fails on purpose')
      expect(code).toBe(1)
    }, 120_000)
  })
}
