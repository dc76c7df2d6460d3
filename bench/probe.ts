import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** Runs a bench script in a fresh Node process (through tsx) and returns its stdout. */
export function runProbe(
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): Promise<string> {
  const tsx = createRequire(import.meta.url).resolve('tsx')
  const file = fileURLToPath(new URL(script, import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, '--import', `file://${tsx}`, file, ...args],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.trim().split('\n').at(-1) ?? '')
      else
        reject(new Error(`${script} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`))
    })
  })
}
