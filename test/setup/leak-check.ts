import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'

/**
 * A unique value to bind where an error is provoked, then search for in what a log of the error
 * would show (see {@link leaksOf}): `CANARY-<16 hex digits>`.
 *
 * @example
 * ```ts
 * const canary = newCanary() // 'CANARY-3f9c0a4b1d2e8f70'
 * ```
 */
export function newCanary(): string {
  return `CANARY-${randomBytes(8).toString('hex')}`
}

/**
 * Every text a log of `error` can show: `util.inspect` with hidden (non-enumerable) properties,
 * getters and unlimited depth (what `console.error` shows, and more), `JSON.stringify`,
 * `String(error)` and its stack.
 */
export function loggedTexts(error: unknown): Record<string, string> {
  const texts: Record<string, string> = {
    inspect: inspect(error, { depth: Infinity, showHidden: true, getters: true }),
    'JSON.stringify': JSON.stringify(error) ?? '',
    String: String(error),
  }
  if (error instanceof Error) texts.stack = String(error.stack)
  return texts
}

/**
 * Where a log of `error` would show one of `secrets`: the names of the texts of
 * {@link loggedTexts} that contain one; empty when the error is safe to log whole.
 *
 * @example
 * ```ts
 * expect(leaksOf(error, [canary])).toEqual([])
 * ```
 */
export function leaksOf(error: unknown, secrets: readonly string[]): string[] {
  const texts = loggedTexts(error)
  return Object.keys(texts).filter((name) => secrets.some((s) => texts[name]?.includes(s)))
}

/**
 * Throws when a log of `error` would show one of `secrets`, naming where and showing the first
 * place (the message of the thrown error carries the secret: call it on test values only).
 */
export function assertNoLeak(error: unknown, secrets: readonly string[], label = 'error'): void {
  const texts = loggedTexts(error)
  for (const [name, text] of Object.entries(texts)) {
    for (const secret of secrets) {
      const at = text.indexOf(secret)
      if (at >= 0) {
        const excerpt = text.slice(Math.max(0, at - 200), at + secret.length + 60)
        throw new Error(`${label}: ${name} of the error shows ${secret}: …${excerpt}…`)
      }
    }
  }
}
