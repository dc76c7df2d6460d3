// Names repeated in error messages: identifiers only, so a message never carries arbitrary input.
const SHOWN_NAME_RE = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/

/**
 * A name given by the caller, quoted, for an error message when it is an identifier; otherwise a
 * placeholder that does not repeat it (it may be request input: SQL, markup, a secret).
 *
 * @example
 * ```ts
 * shownName('nope')           // '"nope"'
 * shownName("x' OR 1=1 --")   // '<not an identifier>'
 * ```
 */
export function shownName(name: string): string {
  return SHOWN_NAME_RE.test(name) ? JSON.stringify(name) : '<not an identifier>'
}

/**
 * True when {@link shownName} would repeat `name`: an identifier of at most 64 characters.
 *
 * @example
 * ```ts
 * isShownName('CamelCasePlugin') // true
 * isShownName('')                // false
 * ```
 */
export function isShownName(name: string): boolean {
  return SHOWN_NAME_RE.test(name)
}
