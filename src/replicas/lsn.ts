/**
 * A WAL position (`pg_lsn`, written `16/B374D848`) as a number that compares: the high and low
 * 32-bit halves, in hex. Undefined for NULL (a server that replays nothing).
 *
 * @example
 * ```ts
 * parseLsn('16/B374D848') // 0x16B374D848n
 * parseLsn('0/3000060')! < parseLsn('0/3000100')! // true
 * ```
 */
export function parseLsn(text: unknown): bigint | undefined {
  if (typeof text !== 'string') return undefined
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text)
  if (match === null) return undefined
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`)
}

/**
 * The text PostgreSQL writes for a WAL position, the inverse of {@link parseLsn}.
 *
 * @example
 * ```ts
 * formatLsn(0x16B374D848n) // '16/B374D848'
 * ```
 */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}
