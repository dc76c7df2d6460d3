import { COLUMN_TYPES } from '../schema/column-types'
import { type KindMatch, probeConfig } from './column-kind-of'
import { tsString } from './source-text'

// Kinds whose value is a string and whose catalog default is that string quoted and cast.
const STRING_KINDS = new Set<KindMatch['kind']>(['uuid', 'inet', 'date'])
const NOW_RE = /^(?:CURRENT_TIMESTAMP|now\(\)|LOCALTIMESTAMP|CURRENT_DATE)$/i

/** A JSON value as a TypeScript expression (JSON is one, but for U+2028/U+2029). */
const jsonCode = (value: unknown): string =>
  JSON.stringify(value).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029')

const sqlString = (text: string): string | undefined => {
  const match = /^'((?:[^']|'')*)'(?:::[a-z ]+(?:\(\d+(?:,\d+)?\))?)?$/.exec(text)
  return match === null ? undefined : match[1]!.replaceAll("''", "'")
}

/**
 * The builder call for a catalog default: `.defaultNow()`, `.defaultRandom()` (`{ version: 7 }`
 * for `uuidv7()`), `.default(<literal>)`
 * for a value the kind takes as it is, else `.defaultSql(<the catalog's own text>)`, which
 * recreates exactly what was read.
 * @internal
 * @example
 * ```ts
 * defaultCode('varchar', "'active'::character varying") // '.default("active")'
 * defaultCode('timestamptz', 'now()') // '.defaultNow()'
 * ```
 */
export function defaultCode(kind: KindMatch['kind'], text: string): string {
  const type = COLUMN_TYPES[kind]
  if (NOW_RE.test(text) && type.clock !== 'none') {
    const day = /^CURRENT_DATE$/i.test(text)
    if ((type.clock === 'day') === day) return '.defaultNow()'
  }
  if (kind === 'uuid' && text === 'gen_random_uuid()') return '.defaultRandom()'
  // PostgreSQL 18's own, or the function generateDDL creates on an older server: the same name.
  if (kind === 'uuid' && text === 'uuidv7()') return '.defaultRandom({ version: 7 })'
  const quoted = sqlString(text)
  const literal = quoted ?? text
  if (type.where === 'text' && quoted !== undefined) return `.default(${tsString(quoted)})`
  // A value the kind's own schema takes as it is ('10.0.0.1'::inet, '2024-01-02'::date).
  if (
    quoted !== undefined &&
    STRING_KINDS.has(kind) &&
    type.valueSchema(probeConfig(kind)).safeParse(quoted).data === quoted
  ) {
    return `.default(${tsString(quoted)})`
  }
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return `.default(${text})`
  if (/^-?\d+(?:\.\d+)?$/.test(literal)) {
    if (kind === 'integer' || kind === 'smallint') return `.default(${Number(literal)})`
    if (kind === 'bigint' && !literal.includes('.')) return `.default(${literal}n)`
    if (kind === 'numeric') return `.default(${tsString(literal)})`
    if ((kind === 'real' || kind === 'doublePrecision') && String(Number(literal)) === literal) {
      return `.default(${literal})`
    }
  }
  if (kind === 'jsonb' && quoted !== undefined && !quoted.includes('__proto__')) {
    try {
      return `.default(${jsonCode(JSON.parse(quoted))})`
    } catch {
      // Not JSON after all: the expression as it is.
    }
  }
  return `.defaultSql(${tsString(text)})`
}
