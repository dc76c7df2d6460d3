import {
  type Expression,
  type ExpressionBuilder,
  isExpression,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { shownName } from '../errors/shown-name'
import type { Predicate, QueryState, ScopeTable, Selection } from './query-state'
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
  let qb = filtered(db, state, (name, i) => outputPosition(state, name, i))
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
  // Grouped by an output name: the count's inner query selects `1`, so group by what the name
  // stands for (its column, or its expression, whose parameters are then bound once).
  const rows = filtered(db, state, (name, i) => outputSource(state, name, i))
  if (state.groupBy.length === 0 && state.having.length === 0) {
    return rows.select((eb) => eb.fn.countAll().as('count'))
  }
  // Grouped: one row per group, so count the rows of the grouped query.
  return db
    .selectFrom(rows.select(sql<number>`1`.as('one')).as('groups'))
    .select((eb) => eb.fn.countAll().as('count'))
}

// What a GROUP BY output name is written as: `group by 1`, or what the name stands for.
type OutputGroup = (name: string, index: number) => Expression<unknown> | string

// FROM, joins, WHERE (soft delete included), GROUP BY and HAVING: what the count shares with the select.
function filtered(
  db: Kysely<any>,
  s: QueryState,
  output: OutputGroup,
): SelectQueryBuilder<any, any, any> {
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
    else if (join.kind === 'right') qb = qb.rightJoin(table, left, right)
    else qb = qb.fullJoin(table, left, right)
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
  if (s.groupBy.length > 0) {
    qb = qb.groupBy(
      s.groupBy.map((t, i) =>
        t.kind === 'ref' ? ref(t.ref) : t.kind === 'output' ? output(t.name, i) : t.expression,
      ),
    )
  }
  for (const h of s.having) {
    if (h.kind === 'raw') {
      qb = qb.having((eb) => eb.parens(h.expression as Expression<SqlBool>))
      continue
    }
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
  for (const g of s.groupBy) if (g.kind === 'ref') refs.push(g.ref)
  for (const h of s.having) {
    if (h.kind === 'compare' && !isExpression(h.lhs)) refs.push(h.lhs as ColumnReference)
  }
  for (const o of s.orderBy) if (o.target.kind === 'ref') refs.push(o.target.ref)
  for (const ref of refs) checkDeferredReference(s.scope, ref, s.publicOnly)
  // A comparison with a table joined after it: its column is known only now.
  s.where.forEach(({ predicate: p }, i) => {
    if (p.kind === 'compare' && p.ref.deferred !== undefined) {
      checkSingleValue(referencedColumn(s.scope, p.ref), p.operator, p.value, `where[${i}]`)
    }
  })
  s.having.forEach((h, i) => {
    if (
      h.kind === 'compare' &&
      !isExpression(h.lhs) &&
      (h.lhs as ColumnReference).deferred !== undefined
    ) {
      const column = referencedColumn(s.scope, h.lhs as ColumnReference)
      checkSingleValue(column, h.operator, h.value, `having[${i}]`)
    }
  })
}

function fromSql(entry: ScopeEntry): string {
  return entry.name === entry.table.$name ? entry.name : `${entry.table.$name} as ${entry.name}`
}

// The selection items that output `name` (an `as` name, or the name of a column selected bare),
// with their 1-based positions; `afterStar` when a `*` comes before the first one.
function outputsNamed(
  s: QueryState,
  name: string,
): {
  readonly items: readonly { item: Selection; position: number }[]
  readonly afterStar: boolean
} {
  const items: { item: Selection; position: number }[] = []
  let star = false
  let afterStar = false
  ;(s.selection ?? []).forEach((item, i) => {
    if (item.kind === 'star' || (item.kind === 'column' && item.ref.column === '*')) {
      star = true
      return
    }
    const output =
      item.kind === 'expression' ? item.expression.alias : (item.alias ?? item.ref.column)
    if (output !== name) return
    if (items.length === 0) afterStar = star
    items.push({ item, position: i + 1 })
  })
  return { items, afterStar }
}

// The one selection item named `name`, or an error: several outputs of that name are ambiguous.
function uniqueOutput(s: QueryState, name: string, index: number) {
  const found = outputsNamed(s, name)
  const [first, ...others] = found.items
  if (first === undefined || others.length > 0) {
    throw new InvalidQueryError(
      `groupBy[${index}]`,
      `${shownName(name)} names ${first === undefined ? 'no output' : 'several outputs'} of the selection: give each output its own name`,
    )
  }
  return { ...first, afterStar: found.afterStar }
}

/**
 * A GROUP BY output name in the SELECT: its position in the selection (PostgreSQL reads a GROUP BY
 * name as an input column first, a position never), or, after a `*` that hides the position, the
 * name itself when no table of the query has a column of that name (hidden ones included).
 */
function outputPosition(s: QueryState, name: string, index: number): Expression<unknown> | string {
  const { position, afterStar } = uniqueOutput(s, name, index)
  if (!afterStar) return sql.lit(position)
  if (s.scope.some((e) => e.table.$meta.byName.has(name))) {
    throw new InvalidQueryError(
      `groupBy[${index}]`,
      `${shownName(name)} is also a column of a table of the query and a * before it in select hides its position: GROUP BY would read the column; select it before the * or name it otherwise`,
    )
  }
  return sql.ref(name)
}

// A GROUP BY output name in the count: the column or the expression the name stands for.
function outputSource(s: QueryState, name: string, index: number): Expression<unknown> | string {
  const { item } = uniqueOutput(s, name, index)
  if (item.kind === 'expression') return item.expression.expression
  if (item.kind === 'column') return referenceSql(item.ref, s.scope.length > 1)
  throw new InvalidQueryError(
    `groupBy[${index}]`,
    `${shownName(name)} names no output of the selection`,
  )
}
