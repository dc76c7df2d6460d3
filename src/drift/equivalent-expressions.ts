import { normalizeExpression } from './sql-normalization'

/**
 * Functions that give the same kind of value, each with the canonical spelling the comparison
 * rewrites it to and why they are the same. Applied to a whole function name, schema-qualified or
 * not (`public.uuid_generate_v4()`), after {@link normalizeExpression}.
 * @internal
 */
export const EQUIVALENT_FUNCTIONS: readonly {
  readonly names: readonly string[]
  readonly canonical: string
  readonly reason: string
}[] = [
  {
    names: ['uuid_generate_v4', 'uuidv4', 'gen_random_uuid'],
    canonical: 'gen_random_uuid',
    reason:
      'each gives a random (version 4) uuid; uuid_generate_v4() needs the uuid-ossp extension, gen_random_uuid() is core since PostgreSQL 13, uuidv4() since 18',
  },
]

const QUALIFIED = /(?:\b[a-z_][a-z0-9_$]*\.)?\b([a-z_][a-z0-9_$]*)\b/g

function canonical(text: string): { readonly text: string; readonly reasons: readonly string[] } {
  const reasons = new Set<string>()
  const rewritten = normalizeExpression(text).replace(QUALIFIED, (whole, name: string) => {
    const rule = EQUIVALENT_FUNCTIONS.find((r) => r.names.includes(name))
    if (rule === undefined) return whole
    if (whole !== rule.canonical) reasons.add(rule.reason)
    return rule.canonical
  })
  return { text: rewritten, reasons: [...reasons] }
}

/**
 * Why two expressions that differ are the same in effect, or null when they are not (or do not
 * differ): both sides go through {@link normalizeExpression}, then each function of
 * {@link EQUIVALENT_FUNCTIONS} is rewritten to its canonical name; equal results with a rewrite
 * on either side are equivalent, and the rule's reason says why.
 * @internal
 * @example
 * ```ts
 * equivalentExpression('gen_random_uuid()', 'uuid_generate_v4()')
 * // 'each gives a random (version 4) uuid; uuid_generate_v4() needs the uuid-ossp extension, ...'
 * equivalentExpression('now()', 'clock_timestamp()') // null
 * ```
 */
export function equivalentExpression(expected: string, actual: string): string | null {
  const left = canonical(expected)
  const right = canonical(actual)
  if (left.text !== right.text) return null
  const reasons = [...new Set([...left.reasons, ...right.reasons])]
  return reasons.length === 0 ? null : reasons.join('; ')
}
