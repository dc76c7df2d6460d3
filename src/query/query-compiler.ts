import {
  type Expression,
  type ExpressionBuilder,
  isExpression,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely'
import type { Predicate, QueryState, ScopeTable } from './query-state'
import { checkSingleValue, comparison, referencedColumn } from './sql-operator'
import {
  type ColumnReference,
  checkDeferredReference,
  referenceSql,
  type ScopeEntry,
} from './sql-reference'

// The state of an EntityQuery, checked as it was built, turned into a Kysely query: the one place
// that knows which Kysely call each part of the state becomes.

/**
 * The SELECT of a query state on `db`: its selection (every column of the base table when it has
 * none), tables, conditions, groups, order, limit and offset.
 * @example
 * ```ts
 * compileSelect(db, initialQueryState(functions, 'f')).compile().sql
 * // select "id", "uuid", ... from "functions" as "f"
 * ```
 */
export function compileSelect(
  db: Kysely<any>,
  state: QueryState,
): SelectQueryBuilder<any, any, any> {
  const qualify = state.scope.length > 1
  const base = state.scope[0] as ScopeTable
  let qb = filtered(db, state)
  if (state.selection === undefined) {
    qb = qb.select(
      base.table.$meta.columns.map((c) => (qualify ? `${base.name}.${c.name}` : c.name)),
    )
  } else {
    for (const item of state.selection) {
      if (item.kind === 'star') qb = qb.selectAll()
      else if (item.kind === 'expression') qb = qb.select(item.expression)
      else if (item.ref.column === '*') qb = qb.selectAll(item.ref.scope)
      else {
        const ref = referenceSql(item.ref, qualify)
        qb = qb.select(item.alias === undefined ? ref : `${ref} as ${item.alias}`)
      }
    }
  }
  for (const { target, direction } of state.orderBy) {
    if (target.kind === 'ref') {
      // In ORDER BY a bare name means the output column of that name first: qualify the input
      // column when the selection (possibly completed after this orderBy) has such a name.
      const shadowed = state.outputNames.includes(target.ref.column)
      qb = qb.orderBy(referenceSql(target.ref, qualify || shadowed), direction)
    } else if (target.kind === 'output') qb = qb.orderBy(sql.ref(target.name), direction)
    else qb = qb.orderBy(target.expression, direction)
  }
  if (state.limit !== undefined) qb = qb.limit(state.limit)
  if (state.offset !== undefined) qb = qb.offset(state.offset)
  return qb
}

/**
 * The `count(*)` of the rows a query state matches, ignoring selection, order, limit and offset;
 * with groups, the number of groups.
 * @example
 * ```ts
 * compileCount(db, state).compile().sql
 * // select count(*) as "count" from "functions" where "status" = $1
 * ```
 */
export function compileCount(
  db: Kysely<any>,
  state: QueryState,
): SelectQueryBuilder<any, any, any> {
  const rows = filtered(db, state)
  if (state.groupBy.length === 0 && state.having.length === 0) {
    return rows.select((eb) => eb.fn.countAll().as('count'))
  }
  // Grouped: one row per group, so count the rows of the grouped query.
  return db
    .selectFrom(rows.select(sql<number>`1`.as('one')).as('groups'))
    .select((eb) => eb.fn.countAll().as('count'))
}

// FROM, joins, WHERE (soft delete included), GROUP BY and HAVING: what the count shares with the select.
function filtered(db: Kysely<any>, s: QueryState): SelectQueryBuilder<any, any, any> {
  checkDeferred(s)
  const [base, ...joins] = s.scope as [ScopeTable, ...ScopeTable[]]
  const qualify = joins.length > 0
  const ref = (r: ColumnReference) => referenceSql(r, qualify)
  let qb = db.selectFrom(fromSql(base))
  for (const { join, ...entry } of joins) {
    if (join === undefined) continue
    const [table, left, right] = [fromSql(entry), ref(join.left), ref(join.right)]
    if (join.kind === 'inner') qb = qb.innerJoin(table, left, right)
    else if (join.kind === 'left') qb = qb.leftJoin(table, left, right)
    else qb = qb.rightJoin(table, left, right)
  }
  const predicate = (eb: ExpressionBuilder<any, any>, p: Predicate) =>
    p.kind === 'raw'
      ? eb.parens(p.expression as Expression<SqlBool>)
      : comparison(eb, ref(p.ref), p.operator, p.value)
  if (s.where.some((c, i) => i > 0 && c.connector === 'or')) {
    const groups: Predicate[][] = []
    for (const c of s.where) {
      const last = groups[groups.length - 1]
      if (c.connector === 'or' || last === undefined) groups.push([c.predicate])
      else last.push(c.predicate)
    }
    qb = qb.where((eb) => eb.or(groups.map((g) => eb.and(g.map((p) => predicate(eb, p))))))
  } else {
    for (const c of s.where) qb = qb.where((eb) => predicate(eb, c.predicate))
  }
  const softDelete = base.table.$meta.softDelete
  if (softDelete !== undefined && !s.withDeleted) {
    qb = qb.where(ref({ scope: base.name, column: softDelete.name, qualified: false }), 'is', null)
  }
  if (s.groupBy.length > 0) qb = qb.groupBy(s.groupBy.map(ref))
  for (const h of s.having) {
    const lhs = isExpression(h.lhs) ? h.lhs : ref(h.lhs as ColumnReference)
    qb = qb.having((eb) => comparison(eb, lhs, h.operator, h.value))
  }
  return qb
}

// References to tables joined after them, checked now that every join is known.
function checkDeferred(s: QueryState): void {
  const refs: ColumnReference[] = []
  for (const item of s.selection ?? []) if (item.kind === 'column') refs.push(item.ref)
  for (const c of s.where) if (c.predicate.kind === 'compare') refs.push(c.predicate.ref)
  refs.push(...s.groupBy)
  for (const h of s.having) if (!isExpression(h.lhs)) refs.push(h.lhs as ColumnReference)
  for (const o of s.orderBy) if (o.target.kind === 'ref') refs.push(o.target.ref)
  for (const ref of refs) checkDeferredReference(s.scope, ref, s.publicOnly)
  // A comparison with a table joined after it: its column is known only now.
  s.where.forEach(({ predicate: p }, i) => {
    if (p.kind === 'compare' && p.ref.deferred !== undefined) {
      checkSingleValue(referencedColumn(s.scope, p.ref), p.operator, p.value, `where[${i}]`)
    }
  })
  s.having.forEach((h, i) => {
    if (!isExpression(h.lhs) && (h.lhs as ColumnReference).deferred !== undefined) {
      const column = referencedColumn(s.scope, h.lhs as ColumnReference)
      checkSingleValue(column, h.operator, h.value, `having[${i}]`)
    }
  })
}

function fromSql(entry: ScopeEntry): string {
  return entry.name === entry.table.$name ? entry.name : `${entry.table.$name} as ${entry.name}`
}
