import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

function runDemo(env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // `npm run demo` is `tsx examples/demo.ts`; DATABASE_URL points it at the run's server.
    const child = spawn('npx', ['tsx', 'examples/demo.ts'], { cwd: root, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('examples: npm run demo', () => {
  it('runs every example and the HTTP API to completion', { timeout: 120_000 }, async () => {
    const { code, stdout, stderr } = await runDemo({
      ...process.env,
      DATABASE_URL: inject('databaseUrl'),
    })
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' })
    for (const heading of [
      '== 1. Basic CRUD',
      '== 2. Query builder',
      '== 3. Relationships',
      '== 4. Raw SQL',
      '== 5. Transactions',
      '== 6. Batch insert',
      '== 7. Pagination',
      '== 8. Analytics',
      '== 9. DTO privacy',
      '== 10. HTTP API',
    ]) {
      expect(stdout).toContain(heading)
    }
    expect(stdout).toContain('PostgreSQL: DATABASE_URL')
    expect(stdout).toContain('seeded with batchInsert: 5 users')
    expect(stdout).toMatch(/GET \/functions\?page=2&pageSize=3 -> 200 /)
    expect(stdout).toMatch(/GET \/functions\?page=0 -> 400 /)
    expect(stdout).toContain('member uuids shown for 3 of 3 members')
    expect(stdout).toContain('member uuids shown for 0 of 3 members')
    expect(stdout).toContain('database dropped')
  })
})
