import type { AnyTable } from '../schema/define-table'
import { quoteIdentifier as q } from '../schema/naming'
import type { CatalogExecutor, SchemaCatalog } from './catalog'
import { normalizeExpression } from './sql-normalization'

/**
 * The server's verdicts on partial-index predicates and CHECK expressions: for a declared
 * expression and a live one of the same table, whether PostgreSQL reads them as the same. Pairs the server could
 * not judge are absent (the comparison then falls back to `normalizeExpression`).
 * @internal
 */
export type PredicateVerdicts = ReadonlyMap<string, boolean>

/**
 * The key of a pair in {@link PredicateVerdicts}.
 * @internal
 * @example predicateKey('events', 'deleted_at IS NULL', '(deleted_at IS NULL)')
 */
export function predicateKey(table: string, expected: string, live: string): string {
  return `${table}\u0000${expected}\u0000${live}`
}

const SAVEPOINT = 'ke_predicate_check'

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
 * Asks the server whether each declared partial-index predicate, and each declared CHECK
 * expression whose text differs from a live one's (see `checkPairs`), means what the live one of
 * the same table means. Both texts, the definition's and the catalog's deparse (`pg_get_expr(indpred)`),
 * go through PostgreSQL's own parser and planner as the filter of
 * `EXPLAIN (COSTS OFF) SELECT FROM (SELECT * FROM table OFFSET 0) t WHERE <predicate>`, and the
 * two plans are compared: casts, parentheses and spelling PostgreSQL adds or removes do not count,
 * precedence does (`a AND (b OR c)` is not `(a AND b) OR c`), and `x IN ('a')` is `x = 'a'`.
 * Nothing is written; EXPLAIN does not run the query. A predicate the server refuses (a column the
 * live table lacks) is left to the text comparison. Inside a transaction the checks run under a
 * savepoint, so a refused predicate does not abort it. No query at all when no declared index
 * has a predicate and every CHECK matches by text.
 * @internal
 * @example
 * ```ts
 * const verdicts = await serverPredicateVerdicts(db, catalog, tables)
 * verdicts.get(predicateKey('ix', "kind IN ('a')", "((kind)::text = 'a'::text)")) // true
 * ```
 */
export async function serverPredicateVerdicts(
  db: CatalogExecutor,
  catalog: SchemaCatalog,
  tables: readonly AnyTable[],
): Promise<PredicateVerdicts> {
  const live = new Set(catalog.tables.map((t) => t.name))
  const pairs: [string, string, string][] = []
  for (const table of tables) {
    if (!live.has(table.$name)) continue
    pairs.push(...checkPairs(table, catalog))
    const livePredicates = catalog.indexes
      .filter((i) => i.table === table.$name && i.predicate !== null)
      .map((i) => i.predicate as string)
    for (const index of table.$meta.indexes) {
      if (index.where === undefined) continue
      for (const predicate of livePredicates) pairs.push([table.$name, index.where, predicate])
    }
  }
  const verdicts = new Map<string, boolean>()
  if (pairs.length === 0) return verdicts

  // In a transaction a refused EXPLAIN would abort it: the checks run under a savepoint. Outside
  // one, a refused EXPLAIN aborts nothing and needs none.
  const savepoint = db.isTransaction === true
  if (savepoint) await db.raw(`SAVEPOINT ${SAVEPOINT}`)
  const plans = new Map<string, string | undefined>()
  const plan = async (table: string, predicate: string): Promise<string | undefined> => {
    const key = `${table}\u0000${predicate}`
    if (plans.has(key)) return plans.get(key)
    let text: string | undefined
    try {
      const rows = await db.raw<Record<string, unknown>>(
        `EXPLAIN (COSTS OFF) SELECT FROM (SELECT * FROM ${q(catalog.schema)}.${q(table)} OFFSET 0) AS t WHERE ${predicate}`,
      )
      text = rows.map((row) => Object.values(row).join(' ')).join('\n')
    } catch {
      if (savepoint) await db.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)
    }
    plans.set(key, text)
    return text
  }
  try {
    for (const [table, expected, actual] of pairs) {
      const left = await plan(table, expected)
      const right = await plan(table, actual)
      if (left !== undefined && right !== undefined) {
        verdicts.set(predicateKey(table, expected, actual), left === right)
      }
    }
  } finally {
    if (savepoint) await db.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`)
  }
  return verdicts
}
