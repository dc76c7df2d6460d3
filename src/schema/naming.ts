/**
 * The SQL name derived from a camelCase property: each upper-case letter becomes `_` plus its
 * lower case (`passwordHash` → `password_hash`, `s3Key` → `s3_key`). The same rule runs at the
 * type level ({@link SnakeCase}), so the Kysely types name exactly the columns the SQL uses.
 *
 * @example
 * ```ts
 * snakeCase('activeDeploymentId') // 'active_deployment_id'
 * ```
 */
export function snakeCase(property: string): string {
  let out = ''
  for (const ch of property) {
    const lower = ch.toLowerCase()
    out += ch !== lower ? `_${lower}` : ch
  }
  return out
}

/** {@link snakeCase} at the type level. */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S

/**
 * The camelCase property for a SQL name (`password_hash` → `passwordHash`); the inverse of
 * {@link snakeCase} for names it produces.
 */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

/** Double-quotes an SQL identifier, doubling embedded quotes. Only ever used on definition names. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * PostgreSQL keeps the first 63 bytes of an identifier; generated names (constraints, indexes,
 * sequences) are cut the same way, so that they are the names the server keeps.
 * @internal
 * @example truncateIdentifier('users_id_seq') // 'users_id_seq'
 */
export function truncateIdentifier(name: string): string {
  return Buffer.byteLength(name) <= 63 ? name : Buffer.from(name).subarray(0, 63).toString()
}
