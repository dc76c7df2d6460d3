import { InvalidDefinitionError } from '../errors/kysely-entities-error'
import { truncateIdentifier } from './naming'
import type { Column, IndexDefinition, IndexKey, IndexMethod } from './table'

/**
 * The index access methods a definition may name in `using`.
 *
 * @example
 * ```ts
 * INDEX_METHODS.includes('gin') // true
 * // CREATE INDEX ... ON "t" USING gin ("data" jsonb_path_ops)
 * ```
 */
export const INDEX_METHODS: readonly IndexMethod[] = Object.freeze([
  'btree',
  'hash',
  'gist',
  'spgist',
  'gin',
  'brin',
])

/**
 * One key column of an index with its shape: sort direction and NULLS placement (btree only;
 * the defaults are `asc`, and NULLS LAST for `asc`, NULLS FIRST for `desc`, as in PostgreSQL)
 * and an operator class (`text_pattern_ops`, `jsonb_path_ops`; default: the type's default).
 *
 * @example
 * ```ts
 * defineTable('function_deployments', { functionId: c.integer(), version: c.integer() }, {
 *   indexes: [{ columns: ['functionId', { column: 'version', order: 'desc' }] }],
 * })
 * // CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id_version"
 * //   ON "function_deployments" ("function_id", "version" DESC)
 * ```
 */
export interface IndexColumnInput<K extends string = string> {
  /** The property of the column. */
  readonly column: K
  /** Sort direction (btree only). Default `asc`. */
  readonly order?: 'asc' | 'desc'
  /** Where NULLs sort (btree only). Default: `last` for `asc`, `first` for `desc`. */
  readonly nulls?: 'first' | 'last'
  /** An operator class: a lower-case identifier, optionally schema-qualified. */
  readonly opclass?: string
}

/**
 * An index of `defineTable`'s `indexes` option in full: key columns (properties, or
 * {@link IndexColumnInput} for a direction, NULLS placement or operator class), the method,
 * INCLUDE columns, a partial-index predicate, a name and uniqueness. Checked when the table is
 * defined; a problem is an {@link InvalidDefinitionError}.
 *
 * `where` is SQL text written by the server developer in the definition (never request input):
 * it is written into the DDL as given, so it must be one boolean expression (no `;`, no comment).
 *
 * @example
 * ```ts
 * defineTable('events', { userId: c.integer(), data: c.jsonb(), status: c.text(), deletedAt: c.timestamp() }, {
 *   indexes: [
 *     { columns: ['userId', { column: 'deletedAt', order: 'desc', nulls: 'last' }], include: ['status'],
 *       where: 'deleted_at IS NULL', name: 'events_live', unique: true },
 *     { columns: [{ column: 'data', opclass: 'jsonb_path_ops' }], using: 'gin' },
 *   ],
 * })
 * // CREATE UNIQUE INDEX IF NOT EXISTS "events_live" ON "events"
 * //   ("user_id", "deleted_at" DESC NULLS LAST) INCLUDE ("status") WHERE deleted_at IS NULL
 * // CREATE INDEX IF NOT EXISTS "idx_events_data" ON "events" USING gin ("data" jsonb_path_ops)
 * ```
 */
export interface IndexOptions<K extends string = string> {
  /** Key columns, in order. */
  readonly columns: readonly (K | IndexColumnInput<K>)[]
  /** Default `idx_<table>_<key columns>`. */
  readonly name?: string
  /** A UNIQUE index (btree only). */
  readonly unique?: boolean
  /** The access method. Default `btree`. */
  readonly using?: IndexMethod
  /** Non-key columns stored in the index (`INCLUDE`; btree, gist and spgist). */
  readonly include?: readonly K[]
  /** A partial-index predicate: SQL written in the definition. */
  readonly where?: string
}

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
const OPCLASS_RE = /^(?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*$/
const INDEX_KEYS = new Set(['columns', 'name', 'unique', 'using', 'include', 'where'])
const COLUMN_KEYS = new Set(['column', 'order', 'nulls', 'opclass'])
// Methods that support INCLUDE (PostgreSQL 11: btree, 12: gist, 14: spgist).
const INCLUDE_METHODS = new Set<IndexMethod>(['btree', 'gist', 'spgist'])

/**
 * Why a partial-index predicate cannot be written into a statement as is, or undefined: it must
 * be one expression, so quotes and parentheses balance and nothing ends the statement or
 * comments out the rest of it.
 * @internal
 * @example predicateProblem('a; DROP TABLE t') // 'where must be one expression (no ";")'
 */
export function predicateProblem(text: string): string | undefined {
  if (text.trim() === '') return 'where must not be empty'
  if (text.includes('\u0000')) return 'where cannot contain NUL'
  let depth = 0
  let quote: "'" | '"' | undefined
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quote !== undefined) {
      if (ch === quote) {
        if (text[i + 1] === quote) i++
        else quote = undefined
      }
      continue
    }
    if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(') depth++
    else if (ch === ')') {
      depth--
      if (depth < 0) return 'where has an unbalanced parenthesis'
    } else if (ch === ';') return 'where must be one expression (no ";")'
    else if (ch === '$') return 'where cannot use dollar quoting or parameters'
    else if ((ch === '-' && text[i + 1] === '-') || (ch === '/' && text[i + 1] === '*')) {
      return 'where cannot contain a comment'
    }
  }
  if (quote !== undefined) return 'where has an unterminated quote'
  if (depth !== 0) return 'where has an unbalanced parenthesis'
  return undefined
}

/**
 * Builds the frozen {@link IndexDefinition} of one `indexes` entry of `defineTable`, checking
 * its shape. `pick` resolves properties to columns (and throws on an unknown one).
 * @internal
 * @example
 * ```ts
 * buildIndex('t', 0, ['userId'], pick).name // 'idx_t_user_id'
 * ```
 */
export function buildIndex(
  table: string,
  position: number,
  input: unknown,
  pick: (what: string, properties: readonly string[]) => readonly Column[],
): IndexDefinition {
  const where = `defineTable("${table}") indexes[${position}]`
  const fail = (why: string): never => {
    throw new InvalidDefinitionError(`${where}: ${why}`)
  }
  const spec = (
    Array.isArray(input)
      ? { columns: input }
      : typeof input === 'object' && input !== null
        ? input
        : fail('expected an array of properties or an object with columns')
  ) as Record<string, unknown>
  if (!Array.isArray(input)) {
    for (const key of Object.keys(spec)) {
      if (!INDEX_KEYS.has(key)) fail(`unknown option "${key}"`)
    }
  }
  if (!Array.isArray(spec.columns)) fail('columns must be an array')
  const using = (spec.using ?? 'btree') as IndexMethod
  if (!INDEX_METHODS.includes(using)) fail(`using must be one of ${INDEX_METHODS.join(', ')}`)
  const entries = (spec.columns as unknown[]).map((entry, i) => {
    if (typeof entry === 'string') return { column: entry } as IndexColumnInput
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return fail(`columns[${i}] must be a property or { column, order, nulls, opclass }`)
    }
    for (const key of Object.keys(entry)) {
      if (!COLUMN_KEYS.has(key)) fail(`columns[${i}] has unknown option "${key}"`)
    }
    const e = entry as IndexColumnInput
    if (typeof e.column !== 'string') fail(`columns[${i}].column must be a property`)
    if (e.order !== undefined && e.order !== 'asc' && e.order !== 'desc') {
      fail(`columns[${i}].order must be "asc" or "desc"`)
    }
    if (e.nulls !== undefined && e.nulls !== 'first' && e.nulls !== 'last') {
      fail(`columns[${i}].nulls must be "first" or "last"`)
    }
    if ((e.order !== undefined || e.nulls !== undefined) && using !== 'btree') {
      fail(`columns[${i}]: order and nulls need a btree index`)
    }
    if (e.opclass !== undefined && (typeof e.opclass !== 'string' || !OPCLASS_RE.test(e.opclass))) {
      fail(`columns[${i}].opclass must be a lower-case identifier, optionally schema-qualified`)
    }
    return e
  })
  const columns = pick(
    'an index',
    entries.map((e) => e.column),
  )
  const keys = entries.map((e, i): IndexKey => {
    const order = e.order ?? 'asc'
    return Object.freeze({
      column: columns[i]!,
      order,
      nulls: e.nulls ?? (order === 'desc' ? 'first' : 'last'),
      opclass: e.opclass,
    })
  })
  if (spec.unique !== undefined && typeof spec.unique !== 'boolean')
    fail('unique must be a boolean')
  const unique = spec.unique === true
  if (unique && using !== 'btree') fail('a unique index must use btree')
  if (using === 'hash' && columns.length > 1) fail('a hash index has one column')
  let include: readonly Column[] = Object.freeze([])
  if (spec.include !== undefined) {
    if (!Array.isArray(spec.include)) fail('include must be an array of properties')
    const properties = spec.include as string[]
    if (properties.length > 0) {
      if (!INCLUDE_METHODS.has(using)) fail(`a ${using} index cannot INCLUDE columns`)
      include = pick('an index include', properties)
      for (const column of include) {
        if (columns.includes(column)) fail(`include names key column "${column.property}"`)
      }
    }
  }
  if (spec.where !== undefined) {
    if (typeof spec.where !== 'string') fail('where must be SQL text')
    const problem = predicateProblem(spec.where as string)
    if (problem !== undefined) fail(problem)
  }
  let name: string
  if (spec.name === undefined) {
    name = truncateIdentifier(`idx_${table}_${columns.map((c) => c.name).join('_')}`)
  } else {
    if (
      typeof spec.name !== 'string' ||
      !IDENTIFIER_RE.test(spec.name) ||
      Buffer.byteLength(spec.name) > 63
    ) {
      fail('name must be an identifier of at most 63 characters')
    }
    name = spec.name as string
  }
  return Object.freeze({
    name,
    columns,
    keys: Object.freeze(keys),
    include,
    using,
    unique,
    where: spec.where as string | undefined,
  })
}

/**
 * The parenthesised key list of an index as DDL writes it: each column quoted, then `DESC`,
 * `NULLS FIRST/LAST` where it differs from the default, and the operator class.
 * @internal
 * @example
 * ```ts
 * indexKeysSql(index) // '"function_id", "version" DESC'
 * ```
 */
export function indexKeysSql(index: IndexDefinition, quote: (name: string) => string): string {
  return index.keys
    .map((key) => {
      let text = quote(key.column.name)
      if (key.opclass !== undefined) text += ` ${key.opclass}`
      if (index.using === 'btree') {
        if (key.order === 'desc') text += ' DESC'
        const defaultNulls = key.order === 'desc' ? 'first' : 'last'
        if (key.nulls !== defaultNulls) text += ` NULLS ${key.nulls.toUpperCase()}`
      }
      return text
    })
    .join(', ')
}

/**
 * `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table [USING m] (keys) [INCLUDE (...)] [WHERE p]`
 * for a declared index: the one writer of index DDL, used by `generateDDL` and `diffSchema`.
 * @internal
 * @example
 * ```ts
 * createIndexSql(index, '"function_deployments"', quoteIdentifier, true)
 * // CREATE INDEX IF NOT EXISTS "idx_function_deployments_function_id_version"
 * //   ON "function_deployments" ("function_id", "version" DESC)
 * ```
 */
export function createIndexSql(
  index: IndexDefinition,
  quotedTable: string,
  quote: (name: string) => string,
  ifNotExists: boolean,
): string {
  const unique = index.unique ? 'UNIQUE ' : ''
  const exists = ifNotExists ? 'IF NOT EXISTS ' : ''
  const using = index.using === 'btree' ? '' : ` USING ${index.using}`
  const include =
    index.include.length === 0
      ? ''
      : ` INCLUDE (${index.include.map((c) => quote(c.name)).join(', ')})`
  const where = index.where === undefined ? '' : ` WHERE ${index.where}`
  return `CREATE ${unique}INDEX ${exists}${quote(index.name)} ON ${quotedTable}${using} (${indexKeysSql(index, quote)})${include}${where}`
}
