/**
 * The progress line on stderr: rewritten in place on a terminal, otherwise printed at most every
 * few seconds (and at each new phase), so logs of CI runs stay short.
 */
export class Progress {
  readonly #enabled: boolean
  readonly #tty: boolean
  readonly #started = Date.now()
  #phase = ''
  #lastPrint = 0
  #lastLength = 0

  constructor(enabled: boolean) {
    this.#enabled = enabled
    this.#tty = process.stderr.isTTY === true
  }

  /** Starts a phase (always printed). */
  phase(name: string): void {
    this.#phase = name
    this.#write(name, true)
  }

  /** Updates the detail of the current phase. */
  update(detail: string): void {
    this.#write(`${this.#phase} · ${detail}`, false)
  }

  /** Ends the line (before other output). */
  done(): void {
    if (this.#enabled && this.#tty && this.#lastLength > 0) process.stderr.write('\n')
    this.#lastLength = 0
  }

  #write(text: string, force: boolean): void {
    if (!this.#enabled) return
    const now = Date.now()
    const line = `[bench ${elapsed(now - this.#started)}] ${text}`
    if (this.#tty) {
      if (!force && now - this.#lastPrint < 100) return
      const width = process.stderr.columns ?? 120
      const shown = line.length >= width ? `${line.slice(0, width - 2)}…` : line
      process.stderr.write(`\r${shown.padEnd(this.#lastLength)}`)
      this.#lastLength = shown.length
    } else {
      if (!force && now - this.#lastPrint < 5_000) return
      process.stderr.write(`${line}\n`)
    }
    this.#lastPrint = now
  }
}

function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}
