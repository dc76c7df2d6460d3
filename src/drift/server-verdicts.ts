import { columnType } from '../schema/column-types'
import type { AnyTable } from '../schema/define-table'
import { quoteIdentifier as q } from '../schema/naming'
import type { CatalogExecutor, SchemaCatalog } from './catalog'
import { equivalentExpression } from './equivalent-expressions'
import { expectedDefault } from './expected-default'
import { normalizeExpression, sameDefault } from './sql-normalization'

/**
 * The server's verdicts on partial-index predicates, CHECK expressions and column defaults: for
 * a declared expression and a live one of the same table, whether PostgreSQL reads them as the
 * same. Pairs the server could not judge are absent (the comparison then falls back to the
 * package's text rules).
 * @internal
 */
export type ServerVerdicts = ReadonlyMap<string, boolean>

/**
 * The key of a pair in {@link ServerVerdicts}.
 * @internal
 * @example predicateKey('events', 'deleted_at IS NULL', '(deleted_at IS NULL)')
 */
export function predicateKey(table: string, expected: string, live: string): string {
  return `${table}\u0000${expected}\u0000${live}`
}

/**
 * The key of a column default's pair in {@link ServerVerdicts}.
 * @internal
 * @example defaultKey('tags', 'labels', 'ARRAY[]::text[]', "'{}'::text[]")
 */
export function defaultKey(table: string, column: string, expected: string, live: string): string {
  return `${table}\u0000${column}\u0000DEFAULT\u0000${expected}\u0000${live}`
}

const SAVEPOINT = 'ke_server_verdict'

/** The expression of a live CHECK: `pg_get_constraintdef` without `CHECK` and its options. */
export function checkExpression(definition: string): string {
  return definition
    .replace(/^CHECK\s*/, '')
    .replace(/\s+NOT VALID$/, '')
    .replace(/\s+NO INHERIT$/, '')
}

/**
 * The CHECK pairs of a table worth a server verdict, whose texts differ after
 * `normalizeExpression`: a declared check and the live one of its name; a declared check with no
 * live one of its name and each live check with no declared one of its name.
 */
function checkPairs(table: AnyTable, catalog: SchemaCatalog): [string, string, string][] {
  const liveChecks = catalog.constraints.filter(
    (c) => c.table === table.$name && c.kind === 'check',
  )
  const declared = new Set(table.$meta.checks.map((c) => c.name))
  const unnamedLive = liveChecks.filter((c) => !declared.has(c.name))
  const pairs: [string, string, string][] = []
  for (const check of table.$meta.checks) {
    const named = liveChecks.find((c) => c.name === check.name)
    for (const live of named === undefined ? unnamedLive : [named]) {
      const text = checkExpression(live.definition)
      if (normalizeExpression(check.expression) !== normalizeExpression(text)) {
        pairs.push([table.$name, check.expression, text])
      }
    }
  }
  return pairs
}

/**
 * The defaults of a table worth a server verdict: a declared default and the live column's,
 * both present, that the text rules (`sameDefault`, `equivalentExpression`) do not already
 * match. Serial, identity and generated columns have their own rules. Each pair is
 * `[column, expected, live, live type]`.
 */
function defaultPairs(table: AnyTable, catalog: SchemaCatalog): [string, string, string, string][] {
  const columns = catalog.tables.find((t) => t.name === table.$name)?.columns ?? []
  const live = new Map(columns.map((c) => [c.name, c] as const))
  const pairs: [string, string, string, string][] = []
  for (const column of table.$meta.columns) {
    const other = live.get(column.name)
    if (other === undefined || other.default === null) continue
    if (other.identity !== null || other.generated || columnType(column.kind).serial) continue
    const expected = expectedDefault(column)
    if (expected === null || sameDefault(column.kind, expected, other.default)) continue
    if (equivalentExpression(expected, other.default) !== null) continue
    pairs.push([column.name, expected, other.default, other.type])
  }
  return pairs
}

/**
 * Asks the server whether each declared partial-index predicate, and each declared CHECK
 * expression whose text differs from a live one's (see `checkPairs`), means what the live one of
 * the same table means. Both texts, the definition's and the catalog's deparse (`pg_get_expr(indpred)`),
 * go through PostgreSQL's own parser and planner as the filter of
 * `EXPLAIN (COSTS OFF) SELECT FROM (SELECT * FROM table OFFSET 0) t WHERE <predicate>`, and the
 * two plans are compared: casts, parentheses and spelling PostgreSQL adds or removes do not count,
 * precedence does (`a AND (b OR c)` is not `(a AND b) OR c`), and `x IN ('a')` is `x = 'a'`.
 * Nothing is written; EXPLAIN does not run the query. A predicate the server refuses (a column the
 * live table lacks) is left to the text comparison. Inside a transaction the checks run under a
 * savepoint, so a refused predicate does not abort it.
 *
 * A declared default whose text the package's rules do not match to the live one goes through
 * the server too: `EXPLAIN (VERBOSE, COSTS OFF) SELECT (<default>)::<live type>` for each, and
 * the output lines compared, so what PostgreSQL folds to the same constant
 * (`ARRAY[]::text[]` and `'{}'::text[]`, `1 + 1` and `2`) is the same default.
 *
 * No query at all when no declared index has a predicate and every CHECK and default matches
 * by text.
 * @internal
 * @example
 * ```ts
 * const verdicts = await serverVerdicts(db, catalog, tables)
 * verdicts.get(predicateKey('ix', "kind IN ('a')", "((kind)::text = 'a'::text)")) // true
 * ```
 */
export async function serverVerdicts(
  db: CatalogExecutor,
  catalog: SchemaCatalog,
  tables: readonly AnyTable[],
): Promise<ServerVerdicts> {
  const live = new Set(catalog.tables.map((t) => t.name))
  // Each pair: its key, and the two statements whose plans must be equal.
  const pairs: [key: string, left: string, right: string][] = []
  for (const table of tables) {
    const name = table.$name
    if (!live.has(name)) continue
    const from = `FROM (SELECT * FROM ${q(catalog.schema)}.${q(name)} OFFSET 0) AS t WHERE`
    const filter = (predicate: string) => `EXPLAIN (COSTS OFF) SELECT ${from} ${predicate}`
    for (const [, expected, actual] of checkPairs(table, catalog)) {
      pairs.push([predicateKey(name, expected, actual), filter(expected), filter(actual)])
    }
    const livePredicates = catalog.indexes
      .filter((i) => i.table === name && i.predicate !== null)
      .map((i) => i.predicate as string)
    for (const index of table.$meta.indexes) {
      if (index.where === undefined) continue
      for (const predicate of livePredicates) {
        pairs.push([
          predicateKey(name, index.where, predicate),
          filter(index.where),
          filter(predicate),
        ])
      }
    }
    // A default as the column's type: constants fold (`ARRAY[]::text[]` is `'{}'::text[]`).
    for (const [column, expected, actual, type] of defaultPairs(table, catalog)) {
      const value = (expression: string) =>
        `EXPLAIN (VERBOSE, COSTS OFF) SELECT (${expression})::${type}`
      pairs.push([defaultKey(name, column, expected, actual), value(expected), value(actual)])
    }
  }
  const verdicts = new Map<string, boolean>()
  if (pairs.length === 0) return verdicts

  // In a transaction a refused EXPLAIN would abort it: the checks run under a savepoint. Outside
  // one, a refused EXPLAIN aborts nothing and needs none.
  const savepoint = db.isTransaction === true
  if (savepoint) await db.raw(`SAVEPOINT ${SAVEPOINT}`)
  const plans = new Map<string, string | undefined>()
  const plan = async (statement: string): Promise<string | undefined> => {
    if (plans.has(statement)) return plans.get(statement)
    let text: string | undefined
    try {
      const rows = await db.raw<Record<string, unknown>>(statement)
      text = rows.map((row) => Object.values(row).join(' ')).join('\n')
    } catch {
      if (savepoint) await db.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)
    }
    plans.set(statement, text)
    return text
  }
  try {
    for (const [key, expected, actual] of pairs) {
      const left = await plan(expected)
      const right = await plan(actual)
      if (left !== undefined && right !== undefined) verdicts.set(key, left === right)
    }
  } finally {
    if (savepoint) await db.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`)
  }
  return verdicts
}
