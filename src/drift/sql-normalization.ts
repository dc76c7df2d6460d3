import type { ColumnKind } from '../schema/column-builder'
import { columnType } from '../schema/column-types'

// The drift check compares what a definition writes (`varchar(255)`, `'active'`,
// `"role" IN ('a', 'b')`) with what PostgreSQL prints back from its catalog
// (`character varying(255)`, `'active'::character varying`,
// `((role)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))`). Both sides go through
// the same normalisation, so they compare equal exactly when PostgreSQL's rewriting is the only
// difference.

// Type names PostgreSQL accepts as aliases, to the name `format_type` prints.
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  int: 'integer',
  int4: 'integer',
  serial: 'integer',
  serial4: 'integer',
  int2: 'smallint',
  smallserial: 'smallint',
  serial2: 'smallint',
  int8: 'bigint',
  bigserial: 'bigint',
  serial8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  varchar: 'character varying',
  char: 'character',
  bpchar: 'character',
  decimal: 'numeric',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
  varbit: 'bit varying',
}

const TYPE_RE =
  /^(?<base>.*?)\s*(?:\(\s*(?<args>[\d\s,]*)\s*\))?\s*(?<zone>with(?:out)?\s+time\s+zone)?\s*(?<array>(?:\[\d*\])*)$/

/**
 * The canonical spelling of a PostgreSQL type, as `format_type()` prints it: aliases resolved
 * (`int4` → `integer`, `varchar(255)` → `character varying(255)`, `timestamptz` →
 * `timestamp with time zone`), `serial` types to their integer type, `numeric(p)` to
 * `numeric(p,0)`, arrays (`text[]`, the catalog's `_text`) to one `[]`. Case and spacing do not
 * matter. An unknown type is returned lower-cased with its spacing collapsed.
 *
 * @example
 * ```ts
 * normalizeType('varchar(255)') // 'character varying(255)'
 * normalizeType('serial') // 'integer'
 * normalizeType('_int4') // 'integer[]'
 * normalizeType('timestamp') // 'timestamp without time zone'
 * ```
 */
export function normalizeType(type: string): string {
  let text = type.trim().toLowerCase().replace(/\s+/g, ' ')
  let array = false
  // The catalog names an array type by its element type with a leading underscore.
  if (text.startsWith('_')) {
    text = text.slice(1)
    array = true
  }
  const match = TYPE_RE.exec(text)
  if (match?.groups === undefined) return text
  const { base: rawBase = '', args = '', zone, array: brackets = '' } = match.groups
  if (brackets !== '') array = true
  // A quoted name is not an alias: "char" is the one-byte type, not character(1).
  const base = rawBase.startsWith('"') ? rawBase : (TYPE_ALIASES[rawBase] ?? rawBase)
  const params = args
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  let name: string
  if (base === 'timestamp with time zone' || base === 'time with time zone') {
    // `timestamptz(3)`: the precision goes before the zone clause.
    const [word] = base.split(' ')
    name = `${word}${params.length > 0 ? `(${params.join(',')})` : ''} with time zone`
  } else if (base === 'timestamp' || base === 'time') {
    const clause = zone === undefined ? 'without time zone' : zone.replace(/\s+/g, ' ')
    name = `${base}${params.length > 0 ? `(${params.join(',')})` : ''} ${clause}`
  } else if (base === 'float') {
    // float(p): up to 24 bits of precision is real, more is double precision.
    const p = Number(params[0] ?? 53)
    name = p <= 24 ? 'real' : 'double precision'
  } else if (base === 'numeric' && params.length === 1) {
    name = `numeric(${params[0]},0)`
  } else {
    name = params.length > 0 ? `${base}(${params.join(',')})` : base
  }
  return array ? `${name}[]` : name
}

/** A token of an SQL expression. */
interface Token {
  readonly type: 'string' | 'number' | 'word' | 'op' | 'punct'
  readonly value: string
}

// Words after which a `-` is a sign rather than a subtraction.
const SIGN_CONTEXT = new Set(['and', 'or', 'not', 'when', 'then', 'else', 'in', 'between', 'is'])

/**
 * A number written one way, exactly (no floating point): no leading zeros, no trailing fraction
 * zeros, no exponent unless huge, so `1.50`, `1.5` and `15e-1` are `1.5`, and `1e-7` is
 * `0.0000001` (as PostgreSQL prints it).
 */
function canonicalNumber(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text)
  if (match === null) return text
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match
  let digits = `${whole}${fraction}`
  let exp = Number(exponent) - fraction.length
  digits = digits.replace(/^0+/, '')
  if (digits === '') return '0'
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0
  digits = digits.slice(0, digits.length - trailing)
  exp += trailing
  let plain: string
  if (exp >= 0) plain = exp <= 30 ? `${digits}${'0'.repeat(exp)}` : `${digits}e${exp}`
  else if (-exp < digits.length) plain = `${digits.slice(0, exp)}.${digits.slice(exp)}`
  else plain = -exp <= 30 ? `0.${'0'.repeat(-exp - digits.length)}${digits}` : `${digits}e${exp}`
  return `${sign === '-' ? '-' : ''}${plain}`
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === "'") {
      let value = ''
      let j = i + 1
      while (j < text.length) {
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'"
            j += 2
            continue
          }
          break
        }
        value += text[j]
        j++
      }
      tokens.push({ type: 'string', value })
      i = j + 1
      continue
    }
    if (ch === '"') {
      const close = text.indexOf('"', i + 1)
      const name = text.slice(i + 1, close === -1 ? text.length : close)
      // A quoted name equal to its folded form is the same identifier as the bare word.
      tokens.push({ type: 'word', value: /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name}"` })
      i = close === -1 ? text.length : close + 1
      continue
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i))
    if (number !== null) {
      tokens.push({ type: 'number', value: number[0] })
      i += number[0].length
      continue
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))
    if (word !== null) {
      tokens.push({ type: 'word', value: word[0].toLowerCase() })
      i += word[0].length
      continue
    }
    if (ch === ':' && text[i + 1] === ':') {
      tokens.push({ type: 'op', value: '::' })
      i += 2
      continue
    }
    const op = /^[+\-*/<>=~!@#%^&|`?]+/.exec(text.slice(i))
    if (op !== null) {
      tokens.push({ type: 'op', value: op[0] })
      i += op[0].length
      continue
    }
    tokens.push({ type: 'punct', value: ch })
    i++
  }
  return tokens
}

// Words that continue a multi-word type name after its first word.
const TYPE_CONTINUATIONS: Readonly<Record<string, readonly string[]>> = {
  character: ['varying'],
  double: ['precision'],
  bit: ['varying'],
}

/** Index just past the type name that starts at `i` (after a `::`). */
function skipType(tokens: readonly Token[], i: number): number {
  const first = tokens[i]
  if (first?.type !== 'word') return i
  i++
  // A schema-qualified type: pg_catalog.text
  if (tokens[i]?.value === '.' && tokens[i + 1]?.type === 'word') i += 2
  for (const next of TYPE_CONTINUATIONS[first.value] ?? []) {
    if (tokens[i]?.value === next) i++
  }
  const skipParams = () => {
    if (tokens[i]?.value !== '(') return
    let j = i + 1
    while (tokens[j]?.type === 'number' || tokens[j]?.value === ',') j++
    if (tokens[j]?.value === ')') i = j + 1
  }
  skipParams()
  if (first.value === 'timestamp' || first.value === 'time') {
    const w = tokens[i]?.value
    if ((w === 'with' || w === 'without') && tokens[i + 1]?.value === 'time') {
      i += tokens[i + 2]?.value === 'zone' ? 3 : 2
    }
  }
  while (tokens[i]?.value === '[') {
    let j = i + 1
    if (tokens[j]?.type === 'number') j++
    if (tokens[j]?.value !== ']') break
    i = j + 1
  }
  return i
}

const OPERATOR_SPELLINGS: Readonly<Record<string, readonly Token[]>> = {
  '!=': [{ type: 'op', value: '<>' }],
  '~~': [{ type: 'word', value: 'like' }],
  '~~*': [{ type: 'word', value: 'ilike' }],
  '!~~': [
    { type: 'word', value: 'not' },
    { type: 'word', value: 'like' },
  ],
  '!~~*': [
    { type: 'word', value: 'not' },
    { type: 'word', value: 'ilike' },
  ],
}

// Spellings of the transaction's start time; PostgreSQL prints each as written.
const NOW_WORDS = new Set(['now', 'current_timestamp', 'transaction_timestamp'])

/** Rewrites `x = ANY (ARRAY[...])` to `x IN ...` and `x <> ALL (ARRAY[...])` to `x NOT IN ...`. */
function rewriteArrayMembership(tokens: readonly Token[]): Token[] {
  const out: Token[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    const quantifier = tokens[i + 1]?.value
    const membership =
      (t.value === '=' && quantifier === 'any') || (t.value === '<>' && quantifier === 'all')
    if (membership && tokens[i + 2]?.value === 'array' && tokens[i + 3]?.value === '[') {
      let depth = 0
      let j = i + 3
      for (; j < tokens.length; j++) {
        if (tokens[j]!.value === '[') depth++
        else if (tokens[j]!.value === ']' && --depth === 0) break
      }
      if (t.value === '<>') out.push({ type: 'word', value: 'not' })
      out.push({ type: 'word', value: 'in' }, ...tokens.slice(i + 4, j))
      i = j
      continue
    }
    out.push(t)
  }
  return out
}

const BOOLEAN_WORDS = new Set(['and', 'or', 'not', 'when', 'then', 'else', 'case', 'end'])

/**
 * Rewrites `x BETWEEN a AND b` to `x >= a AND x <= b` (and `NOT BETWEEN` to `x < a OR x > b`), as
 * PostgreSQL stores it. With parentheses gone, the operands are the runs of tokens up to the
 * neighbouring boolean keywords.
 */
function rewriteBetween(tokens: readonly Token[]): Token[] {
  let out = [...tokens]
  for (;;) {
    const at = out.findIndex((t) => t.type === 'word' && t.value === 'between')
    if (at === -1) return out
    const negated = out[at - 1]?.value === 'not'
    const operandEnd = negated ? at - 1 : at
    let start = operandEnd
    while (start > 0 && !BOOLEAN_WORDS.has(out[start - 1]!.value)) start--
    const operand = out.slice(start, operandEnd)
    const and = out.findIndex((t, k) => k > at && t.value === 'and')
    if (and === -1 || operand.length === 0) return out
    let end = and + 1
    while (end < out.length && !BOOLEAN_WORDS.has(out[end]!.value)) end++
    const low = out.slice(at + 1, and)
    const high = out.slice(and + 1, end)
    const op = (value: string): Token => ({ type: 'op', value })
    const word = (value: string): Token => ({ type: 'word', value })
    const replacement = negated
      ? [...operand, op('<'), ...low, word('or'), ...operand, op('>'), ...high]
      : [...operand, op('>='), ...low, word('and'), ...operand, op('<='), ...high]
    out = [...out.slice(0, start), ...replacement, ...out.slice(end)]
  }
}

function normalizedTokens(text: string): Token[] {
  const raw = tokenize(text)
  const tokens: Token[] = []
  let openCasts = 0
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!
    if (t.type === 'op' && t.value === '::') {
      // Casts PostgreSQL adds to literals and columns (`'x'::character varying`, `(role)::text`).
      i = skipType(raw, i + 1) - 1
      continue
    }
    // CAST(x AS type), which PostgreSQL prints as (x)::type: the cast goes, as above.
    if (t.type === 'word' && t.value === 'cast' && raw[i + 1]?.value === '(') {
      openCasts++
      continue
    }
    if (t.type === 'word' && t.value === 'as' && openCasts > 0) {
      openCasts--
      i = skipType(raw, i + 1) - 1
      continue
    }
    // Parentheses PostgreSQL adds around every sub-expression (and function-call parentheses
    // alike): loose, but the same on both sides.
    if (t.value === '(' || t.value === ')') continue
    const previous = tokens[tokens.length - 1]
    if (
      t.value === '-' &&
      raw[i + 1]?.type === 'number' &&
      (previous === undefined ||
        previous.type === 'op' ||
        (previous.type === 'punct' && previous.value !== ']') ||
        (previous.type === 'word' && SIGN_CONTEXT.has(previous.value)))
    ) {
      tokens.push({ type: 'number', value: canonicalNumber(`-${raw[i + 1]!.value}`) })
      i++
      continue
    }
    if (t.type === 'number') {
      tokens.push({ type: 'number', value: canonicalNumber(t.value) })
      continue
    }
    // PostgreSQL prints a negative or large constant as a quoted literal with a cast: '-1'::integer.
    if (t.type === 'string' && NUMBER_RE.test(t.value)) {
      tokens.push({ type: 'number', value: canonicalNumber(t.value) })
      continue
    }
    if (t.type === 'word' && NOW_WORDS.has(t.value)) {
      tokens.push({ type: 'word', value: 'current_timestamp' })
      continue
    }
    const spelling = t.type === 'op' ? OPERATOR_SPELLINGS[t.value] : undefined
    if (spelling !== undefined) {
      tokens.push(...spelling)
      continue
    }
    tokens.push(t)
  }
  return rewriteBetween(rewriteArrayMembership(tokens))
}

function render(tokens: readonly Token[]): string {
  let out = ''
  let previous: Token | undefined
  for (const t of tokens) {
    const text = t.type === 'string' ? `'${t.value.replaceAll("'", "''")}'` : t.value
    const tight =
      previous === undefined ||
      (t.type === 'punct' && [',', ']', '[', '.'].includes(t.value)) ||
      (previous.type === 'punct' && ['[', '.'].includes(previous.value))
    out += tight ? text : ` ${text}`
    previous = t
  }
  return out
}

/**
 * A loose canonical form of an SQL expression (a default, a CHECK, an index predicate), so that
 * what a definition writes and what PostgreSQL prints back compare equal: casts and parentheses
 * dropped, keywords lower-cased, identifiers unquoted, numbers canonical (`'-1'::integer` is
 * `-1`), `now()` is `CURRENT_TIMESTAMP`, `= ANY (ARRAY[...])` is `IN (...)`, `<> ALL` is
 * `NOT IN`, `~~` is `LIKE`, `BETWEEN` is a pair of comparisons. Only for comparing: the result is
 * not meant to be run.
 *
 * @example
 * ```ts
 * normalizeExpression(`"role" IN ('a', 'b')`)
 * // "role in 'a', 'b'"
 * normalizeExpression(`((role)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`)
 * // "role in 'a', 'b'"
 * ```
 */
export function normalizeExpression(text: string): string {
  return render(normalizedTokens(text))
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** Milliseconds since the epoch of a timestamp literal; a `timestamp` ignores the zone, as PostgreSQL does. */
function timestampValue(text: string, withZone: boolean): number | undefined {
  const m = TIMESTAMP_RE.exec(text.trim())
  if (m === null) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m
  let ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Math.round(Number(`0.${frac}`) * 1000),
  )
  if (withZone && zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')
    ms -= sign * offset * 60_000
  }
  return ms
}

/** Whether a default is absent: no expression, or an explicit NULL (PostgreSQL may keep `NULL::type`). */
function isNoDefault(tokens: readonly Token[]): boolean {
  return tokens.length === 0 || (tokens.length === 1 && tokens[0]!.value === 'null')
}

/**
 * Whether two column defaults mean the same for a column of `kind`: `expected` as a definition
 * writes it, `actual` as the catalog prints it (`null` for none). Beyond
 * {@link normalizeExpression}, a jsonb literal compares as JSON (PostgreSQL re-spaces and
 * reorders keys) and a timestamp literal as an instant (`'2020-01-02T03:04:05.000Z'` is stored as
 * `'2020-01-02 03:04:05'::timestamp without time zone`).
 *
 * @example
 * ```ts
 * sameDefault('varchar', "'active'", "'active'::character varying") // true
 * sameDefault('timestamp', 'CURRENT_TIMESTAMP', 'now()') // true
 * sameDefault('integer', '-1', "'-1'::integer") // true
 * ```
 */
export function sameDefault(
  kind: ColumnKind,
  expected: string | null,
  actual: string | null,
): boolean {
  const e = normalizedTokens(expected ?? '')
  const a = normalizedTokens(actual ?? '')
  if (isNoDefault(e) || isNoDefault(a)) return isNoDefault(e) && isNoDefault(a)
  if (render(e) === render(a)) return true
  const [x] = e
  const [y] = a
  if (e.length !== 1 || a.length !== 1 || x?.type !== 'string' || y?.type !== 'string') return false
  const comparison = columnType(kind).defaultComparison
  if (comparison === 'json') {
    try {
      return canonicalJson(JSON.parse(x.value)) === canonicalJson(JSON.parse(y.value))
    } catch {
      return false
    }
  }
  if (comparison === 'instant' || comparison === 'wallClock') {
    const left = timestampValue(x.value, comparison === 'instant')
    const right = timestampValue(y.value, comparison === 'instant')
    return left !== undefined && left === right
  }
  return false
}
