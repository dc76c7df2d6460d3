import { type ChildProcess, spawn } from 'node:child_process'
import { platform } from 'node:os'

// Waits for its standard input to close, which happens when the process that started it ends in
// any way (a crash, SIGKILL, an exit without stop()); then stops the server whose pid is in the
// data directory and removes the server's folder. Both paths come in as arguments, never as text
// of the script.
const SCRIPT = `read _ignored
pid=""
[ -r "$2/postmaster.pid" ] && read pid < "$2/postmaster.pid"
if [ -n "$pid" ]; then
  kill -QUIT "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
fi
rm -rf "$1"`

/**
 * A small shell process that removes an embedded server when this process ends without stopping
 * it, so that no server and no data directory outlive a test run that was killed. It holds no
 * reference on the event loop and installs no hook in this process. Not available on Windows,
 * where nothing is watched. Call `disarm()` once the server was stopped and removed normally.
 */
export function cleanupWatchdog(dir: string, dataDir: string): { disarm(): void } {
  return watchdog(SCRIPT, [dir, dataDir])
}

/**
 * A detached `/bin/sh -c script name ...args` that reads its standard input until this process
 * ends, then does its work; `disarm()` ends it without doing anything. The script starts with
 * `read _ignored`; arguments come in as `$1`, `$2`, never as text of the script.
 */
export function watchdog(script: string, args: readonly string[]): { disarm(): void } {
  if (platform() === 'win32') return { disarm: () => {} }
  let child: ChildProcess | undefined
  try {
    child = spawn('/bin/sh', ['-c', script, 'kysely-entities-watchdog', ...args], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    })
  } catch {
    return { disarm: () => {} }
  }
  child.on('error', () => {})
  child.stdin?.on('error', () => {})
  child.unref()
  ;(child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  return {
    disarm: () => {
      child?.kill('SIGKILL')
      child?.stdin?.destroy()
      child = undefined
    },
  }
}
