import { InvalidDefinitionError } from '../errors/kysely-entities-error'
import type { ReferentialAction } from '../schema/column-builder'
import { columnType } from '../schema/column-types'
import type { AnyTable, CheckDefinition, Column, IndexDefinition } from '../schema/define-table'
import { onUpdateNowTrigger } from '../schema/generate-ddl'
import { indexKeysSql } from '../schema/index-shape'
import { truncateIdentifier } from '../schema/naming'
import { type TableList, tablesOf } from '../schema/table-list'
import type {
  CatalogColumn,
  CatalogConstraint,
  CatalogIndex,
  CatalogIndexKey,
  CatalogTrigger,
  SchemaCatalog,
} from './catalog'
import { equivalentExpression } from './equivalent-expressions'
import { expectedDefault } from './expected-default'
import type { IssueKind, SchemaIssue, SchemaNote } from './schema-issue'
import {
  defaultKey,
  checkExpression as liveCheckExpression,
  predicateKey,
  type ServerVerdicts,
} from './server-verdicts'
import { normalizeExpression, normalizeType, sameDefault } from './sql-normalization'
import { touchedColumn } from './trigger-behaviour'

export type { TableList } from '../schema/table-list'

/** Options of `validateSchema` and `diffSchema`. */
export interface SchemaCheckOptions {
  /** The schema to read. Default `public`. */
  readonly schema?: string
  /** Live tables that are not reported as extra (`schema_migrations` never is). */
  readonly ignoreTables?: readonly string[]
}

/**
 * One issue with what produced it, for `diffSchema` to write statements from. Internal: the
 * public result carries only `issue`.
 * @internal
 */
export interface Drift {
  readonly issue: SchemaIssue
  /** The definition of the issue's table, unless the table is extra. */
  readonly definition: AnyTable | undefined
  /** The defined column concerned (for a foreign key: its column). */
  readonly column?: Column
  readonly liveColumn?: CatalogColumn
  readonly liveConstraint?: CatalogConstraint
  readonly liveIndex?: CatalogIndex
  /** An expected primary key or unique constraint: its name and columns. */
  readonly expectedKey?: { readonly name: string; readonly columns: readonly Column[] }
  readonly expectedCheck?: CheckDefinition
  readonly expectedIndex?: IndexDefinition
  readonly liveTrigger?: CatalogTrigger
  /** The `onUpdateNow()` column whose trigger is missing or differs. */
  readonly touchColumn?: Column
}

/** Tables the migration tool keeps for itself: never extra. */
const ALWAYS_IGNORED = ['schema_migrations']

/**
 * The tables of a {@link TableList}, in the order given; a table given twice is refused.
 * @internal
 */
export function tableArray(tables: TableList): readonly AnyTable[] {
  const array = tablesOf('schema check', tables)
  const names = new Set<string>()
  for (const table of array) {
    if (names.has(table.$name)) {
      throw new InvalidDefinitionError(`schema check: table "${table.$name}" is given twice`)
    }
    names.add(table.$name)
  }
  return array
}

/** The default a live column has, as text: its expression, or its identity clause. */
function actualDefault(column: CatalogColumn): string | null {
  if (column.identity !== null) return `GENERATED ${column.identity.toUpperCase()} AS IDENTITY`
  if (column.generated) return `GENERATED ALWAYS AS (${column.default ?? ''}) STORED`
  return column.default
}

function list(names: readonly string[]): string {
  return names.join(', ')
}

function actionText(onDelete: ReferentialAction, onUpdate: ReferentialAction): string {
  let text = ''
  if (onDelete !== 'no action') text += ` ON DELETE ${onDelete.toUpperCase()}`
  if (onUpdate !== 'no action') text += ` ON UPDATE ${onUpdate.toUpperCase()}`
  return text
}

/** `FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE` for a defined column. */
function expectedForeignKeyText(column: Column): string {
  const ref = column.config.references!
  const target = ref.column()
  return `FOREIGN KEY (${column.name}) REFERENCES ${target.table}(${target.name})${actionText(ref.onDelete ?? 'no action', ref.onUpdate ?? 'no action')}`
}

function liveForeignKeyText(constraint: CatalogConstraint): string {
  const ref = constraint.references
  if (ref === null) return constraint.definition
  return `FOREIGN KEY (${list(constraint.columns)}) REFERENCES ${ref.table}(${list(ref.columns)})${actionText(ref.onDelete, ref.onUpdate)}`
}

/**
 * `INDEX idx_users_email (email)` for a declared index, its shape as DDL writes it:
 * `UNIQUE INDEX name USING gin (data jsonb_path_ops) INCLUDE (status) WHERE ...`.
 */
function expectedIndexText(index: IndexDefinition): string {
  const using = index.using === 'btree' ? '' : ` USING ${index.using}`
  const include =
    index.include.length === 0 ? '' : ` INCLUDE (${list(index.include.map((c) => c.name))})`
  const where = index.where === undefined ? '' : ` WHERE ${index.where}`
  return `${index.unique ? 'UNIQUE ' : ''}INDEX ${index.name}${using} (${indexKeysSql(index, (n) => n)})${include}${where}`
}

/** A live index in the same form as {@link expectedIndexText}; a default opclass is not shown. */
function liveIndexText(index: CatalogIndex): string {
  const using = index.method === 'btree' ? '' : ` USING ${index.method}`
  const keys = index.columns.map((c, i) => {
    const shape = index.keyShapes[i]
    let text = c ?? index.keys[i] ?? '?'
    if (shape === undefined) return text
    if (!shape.opclassDefault) text += ` ${shape.opclass}`
    if (shape.order === 'desc') text += ' DESC'
    if (shape.nulls !== (shape.order === 'desc' ? 'first' : 'last')) {
      text += ` NULLS ${shape.nulls.toUpperCase()}`
    }
    return text
  })
  const include = index.include.length === 0 ? '' : ` INCLUDE (${list(index.include)})`
  const where = index.predicate === null ? '' : ` WHERE ${index.predicate}`
  return `${index.unique ? 'UNIQUE ' : ''}INDEX ${index.name}${using} (${list(keys)})${include}${where}`
}

/** The expression of a live CHECK: `pg_get_constraintdef` without `CHECK` and `NOT VALID`. */
function checkExpression(constraint: CatalogConstraint): string {
  return liveCheckExpression(constraint.definition)
}

/** A declared CHECK and a live one mean the same: by the server's verdict, else by text. */
function sameCheck(
  table: string,
  expected: string,
  live: CatalogConstraint,
  verdicts: ServerVerdicts,
): boolean {
  const text = checkExpression(live)
  const verdict = verdicts.get(predicateKey(table, expected, text))
  if (verdict !== undefined) return verdict
  return normalizeExpression(expected) === normalizeExpression(text)
}

function sameColumns(a: readonly string[], b: readonly (string | null)[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i])
}

function sameColumnSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(b)
  return a.every((name) => set.has(name))
}

/** Whether a live operator class is the one a definition asks for (the type's default when none). */
function sameOpclass(expected: string | undefined, live: CatalogIndexKey): boolean {
  if (expected === undefined) return live.opclassDefault
  if (expected === live.opclass) return true
  // An unqualified name matches the class in whatever schema holds it (`public.gin_trgm_ops`).
  return !expected.includes('.') && live.opclass.slice(live.opclass.indexOf('.') + 1) === expected
}

/**
 * What differs between a declared index and a live one, each as a short phrase (`method`,
 * `unique`, `key columns`, `order of "version"`, `nulls of "version"`, `opclass of "data"`,
 * `include`, `predicate`); empty when they match. Key shapes are compared only when the key
 * columns are the same, NULLS placement only for a key sorted in the declared direction. A predicate is compared after {@link normalizeExpression} on both sides:
 * the definition's text and PostgreSQL's deparse of the stored one (`pg_get_expr(indpred)`),
 * so casts, parentheses, quoting and case that PostgreSQL adds do not count.
 * @internal
 * @example
 * ```ts
 * indexDifferences(deployments.$meta.indexes[2]!, live) // ['order of "version"']
 * ```
 */
export function indexDifferences(
  expected: IndexDefinition,
  live: CatalogIndex,
  verdicts: ServerVerdicts = new Map(),
): string[] {
  const differences: string[] = []
  if (expected.using !== live.method) differences.push('method')
  if (expected.unique !== live.unique) differences.push('unique')
  if (
    !sameColumns(
      expected.columns.map((c) => c.name),
      live.columns,
    )
  ) {
    differences.push('key columns')
  } else {
    expected.keys.forEach((key, i) => {
      const shape = live.keyShapes[i]
      if (shape === undefined) return
      const column = `"${key.column.name}"`
      // NULLS placement is reported for a key sorted the declared way (a reversed key differs
      // in its order already, and its default NULLS placement flips with it).
      if (key.order !== shape.order) differences.push(`order of ${column}`)
      else if (key.nulls !== shape.nulls) differences.push(`nulls of ${column}`)
      if (!sameOpclass(key.opclass, shape)) differences.push(`opclass of ${column}`)
    })
  }
  if (
    !sameColumns(
      expected.include.map((c) => c.name),
      live.include,
    )
  ) {
    differences.push('include')
  }
  if (!samePredicate(expected, live, verdicts)) differences.push('predicate')
  return differences
}

/** The server's verdict when it gave one, else the two texts after {@link normalizeExpression}. */
function samePredicate(
  expected: IndexDefinition,
  live: CatalogIndex,
  verdicts: ServerVerdicts,
): boolean {
  if (expected.where === undefined || live.predicate === null) {
    return expected.where === undefined && live.predicate === null
  }
  const verdict = verdicts.get(predicateKey(live.table, expected.where, live.predicate))
  if (verdict !== undefined) return verdict
  return normalizeExpression(expected.where) === normalizeExpression(live.predicate)
}

function indexMatches(
  expected: IndexDefinition,
  live: CatalogIndex,
  verdicts: ServerVerdicts,
): boolean {
  return indexDifferences(expected, live, verdicts).length === 0
}

/** A live unique index that can stand in for a UNIQUE constraint over its columns. */
function plainUniqueIndex(index: CatalogIndex): boolean {
  return (
    index.unique &&
    !index.constraint &&
    index.method === 'btree' &&
    index.predicate === null &&
    index.columns.every((c) => c !== null)
  )
}

const ATTRIBUTE_KINDS: ReadonlySet<IssueKind> = new Set([
  'type',
  'length',
  'nullability',
  'default',
])

function message(
  kind: IssueKind,
  what: string,
  expected: unknown,
  actual: unknown,
  detail: string | undefined,
): string {
  // A column's type, length, nullability or default always "differs", even when one side is none.
  if (ATTRIBUTE_KINDS.has(kind)) return `${what} ${kind} differs`
  if (actual === null) return `${what} is missing`
  if (expected === null) return `${what} is not in the definition`
  return detail === undefined ? `${what} differs` : `${what} differs: ${detail}`
}

/**
 * Compares definitions with a live catalog. Pure: the same inputs give the same issues in the
 * same order (tables as given then extra tables by name; within a table its columns in
 * definition order, extra columns, then primary key, uniques, foreign keys, checks, indexes).
 * Triggers come last in a table, when the catalog has them. What is equivalent or not compared
 * goes to `notes`, when given.
 * @internal
 * @example
 * ```ts
 * compareCatalog([users], await readCatalog(db)).map((d) => d.issue)
 * ```
 */
export function compareCatalog(
  tables: TableList,
  catalog: SchemaCatalog,
  options: SchemaCheckOptions = {},
  verdicts: ServerVerdicts = new Map(),
  notes: SchemaNote[] = [],
): Drift[] {
  const defined = tableArray(tables)
  const liveTables = new Map(catalog.tables.map((t) => [t.name, t]))
  const constraintsOf = new Map<string, CatalogConstraint[]>()
  for (const constraint of catalog.constraints) {
    const list = constraintsOf.get(constraint.table) ?? []
    list.push(constraint)
    constraintsOf.set(constraint.table, list)
  }
  const indexesOf = new Map<string, CatalogIndex[]>()
  for (const index of catalog.indexes) {
    const list = indexesOf.get(index.table) ?? []
    list.push(index)
    indexesOf.set(index.table, list)
  }

  const drifts: Drift[] = []
  for (const table of defined) {
    const name = table.$name
    const live = liveTables.get(name)
    const push: Push = (kind, what, { texts, ...fields }) => {
      const { expected, actual, column, detail } = texts
      drifts.push({
        ...fields,
        definition: table,
        issue: {
          table: name,
          ...(column === null ? {} : { column }),
          kind,
          expected,
          actual,
          message: message(kind, what, expected, actual, detail),
        },
      })
    }
    if (live === undefined) {
      drifts.push({
        definition: table,
        issue: {
          table: name,
          kind: 'missing_table',
          expected: name,
          actual: null,
          message: `table "${name}" is missing`,
        },
      })
      continue
    }
    compareColumns(table, live.columns, push, notes, verdicts)
    compareConstraints(
      table,
      constraintsOf.get(name) ?? [],
      indexesOf.get(name) ?? [],
      verdicts,
      push,
    )
    // A definition cannot declare an exclusion constraint: listed, so it is not silently ignored.
    for (const constraint of constraintsOf.get(name) ?? []) {
      if (constraint.kind !== 'exclusion') continue
      notes.push({
        table: name,
        kind: 'not_compared',
        expected: null,
        actual: `${constraint.name} ${constraint.definition}`,
        message: `exclusion constraint "${constraint.name}" is not compared: a table definition cannot declare one`,
      })
    }
    if (catalog.triggers !== undefined) {
      compareTriggers(
        table,
        catalog.triggers.filter((t) => t.table === name),
        push,
        notes,
      )
    }
  }

  const ignored = new Set([...ALWAYS_IGNORED, ...(options.ignoreTables ?? [])])
  const definedNames = new Set(defined.map((t) => t.$name))
  const extra = catalog.tables
    .map((t) => t.name)
    .filter((n) => !definedNames.has(n) && !ignored.has(n))
    .sort()
  for (const name of extra) {
    drifts.push({
      definition: undefined,
      issue: {
        table: name,
        kind: 'extra_table',
        expected: null,
        actual: name,
        message: `table "${name}" is not in the definitions`,
      },
    })
  }
  return drifts
}

// What an issue says, given with the drift's details while it is built.
interface IssueTexts {
  readonly expected: string | null
  readonly actual: string | null
  readonly column: string | null
  /** What differs, for an issue whose two sides both exist (`order of "version"`). */
  readonly detail?: string
}
type Push = (
  kind: IssueKind,
  what: string,
  fields: Omit<Drift, 'issue' | 'definition'> & { readonly texts: IssueTexts },
) => void

function compareColumns(
  table: AnyTable,
  liveColumns: readonly CatalogColumn[],
  push: Push,
  notes: SchemaNote[],
  verdicts: ServerVerdicts,
): void {
  const byName = new Map(liveColumns.map((c) => [c.name, c]))
  for (const column of table.$meta.columns) {
    const live = byName.get(column.name)
    const what = `column "${column.name}"`
    const expectedType = normalizeType(column.sqlType)
    if (live === undefined) {
      push('missing_column', what, {
        column,
        texts: { expected: expectedType, actual: null, column: column.name },
      })
      continue
    }
    const actualType = normalizeType(live.type)
    if (expectedType !== actualType) {
      const varchar = (t: string) => t.startsWith('character varying')
      push(varchar(expectedType) && varchar(actualType) ? 'length' : 'type', what, {
        column,
        liveColumn: live,
        texts: { expected: expectedType, actual: actualType, column: column.name },
      })
    }
    if (column.notNull !== live.notNull) {
      const text = (notNull: boolean) => (notNull ? 'NOT NULL' : 'NULL')
      push('nullability', what, {
        column,
        liveColumn: live,
        texts: { expected: text(column.notNull), actual: text(live.notNull), column: column.name },
      })
    }
    const expected = expectedDefault(column)
    const actual = actualDefault(live)
    const serial = columnType(column.kind).serial
    // A serial column is satisfied by any sequence default, or by an identity column.
    const same = serial
      ? live.identity !== null ||
        (!live.generated && normalizeExpression(live.default ?? '').startsWith('nextval '))
      : live.identity === null &&
        !live.generated &&
        (sameDefault(column.kind, expected, live.default) ||
          (expected !== null &&
            live.default !== null &&
            verdicts.get(defaultKey(table.$name, column.name, expected, live.default)) === true))
    const equivalent =
      same ||
      serial ||
      expected === null ||
      actual === null ||
      live.identity !== null ||
      live.generated
        ? null
        : equivalentExpression(expected, actual)
    if (equivalent !== null) {
      notes.push({
        table: table.$name,
        column: column.name,
        kind: 'equivalent',
        expected,
        actual,
        message: `column "${column.name}" default ${actual} is equivalent to ${expected}: ${equivalent}`,
      })
    } else if (!same) {
      push('default', what, {
        column,
        liveColumn: live,
        texts: { expected, actual, column: column.name },
      })
    }
  }
  const defined = table.$meta.byName
  for (const live of liveColumns) {
    if (defined.has(live.name)) continue
    push('extra_column', `column "${live.name}"`, {
      liveColumn: live,
      texts: { expected: null, actual: normalizeType(live.type), column: live.name },
    })
  }
}

function single(columns: readonly string[]): string | null {
  return columns.length === 1 ? columns[0]! : null
}

function compareConstraints(
  table: AnyTable,
  constraints: readonly CatalogConstraint[],
  indexes: readonly CatalogIndex[],
  verdicts: ServerVerdicts,
  push: Push,
): void {
  const meta = table.$meta
  const name = table.$name
  const used = new Set<CatalogConstraint | CatalogIndex>()

  // Primary key: by column set.
  const livePk = constraints.find((c) => c.kind === 'primary_key')
  const pkNames = meta.primaryKey.map((c) => c.name)
  const pkText = (cols: readonly string[]) => `PRIMARY KEY (${list(cols)})`
  if (pkNames.length > 0 && (livePk === undefined || !sameColumnSet(pkNames, livePk.columns))) {
    push('primary_key', 'primary key', {
      expectedKey: { name: truncateIdentifier(`${name}_pkey`), columns: meta.primaryKey },
      ...(livePk === undefined ? {} : { liveConstraint: livePk }),
      texts: {
        expected: pkText(pkNames),
        actual: livePk === undefined ? null : pkText(livePk.columns),
        column: single(pkNames),
      },
    })
  } else if (pkNames.length === 0 && livePk !== undefined) {
    push('primary_key', 'primary key', {
      liveConstraint: livePk,
      texts: { expected: null, actual: pkText(livePk.columns), column: single(livePk.columns) },
    })
  }

  // Unique: by column set; a unique constraint, or else a plain unique index.
  const expectedUniques = [
    ...meta.columns
      .filter((c) => c.unique && !c.primaryKey)
      .map((c) => ({ name: truncateIdentifier(`${name}_${c.name}_key`), columns: [c] })),
    ...meta.uniques,
  ]
  const liveUniques = constraints.filter((c) => c.kind === 'unique')
  const unmatchedUniques: typeof expectedUniques = []
  for (const unique of expectedUniques) {
    const cols = unique.columns.map((c) => c.name)
    const match = liveUniques.find((c) => !used.has(c) && sameColumnSet(cols, c.columns))
    if (match === undefined) unmatchedUniques.push(unique)
    else used.add(match)
  }

  // Indexes: declared ones by name, then by definition, among indexes no constraint owns.
  const liveIndexes = indexes.filter((i) => !i.constraint)
  const indexDrifts: Parameters<Push>[] = []
  const unmatchedIndexes: IndexDefinition[] = []
  for (const index of meta.indexes) {
    const named = liveIndexes.find((i) => i.name === index.name)
    if (named === undefined) {
      unmatchedIndexes.push(index)
      continue
    }
    used.add(named)
    const differences = indexDifferences(index, named, verdicts)
    if (differences.length > 0) {
      indexDrifts.push([
        'index',
        `index "${index.name}"`,
        {
          expectedIndex: index,
          liveIndex: named,
          texts: {
            expected: expectedIndexText(index),
            actual: liveIndexText(named),
            column: single(index.columns.map((c) => c.name)),
            detail: differences.join(', '),
          },
        },
      ])
    }
  }
  for (const index of unmatchedIndexes) {
    const match = liveIndexes.find((i) => !used.has(i) && indexMatches(index, i, verdicts))
    if (match !== undefined) {
      used.add(match)
      continue
    }
    indexDrifts.push([
      'index',
      `index "${index.name}"`,
      {
        expectedIndex: index,
        texts: {
          expected: expectedIndexText(index),
          actual: null,
          column: single(index.columns.map((c) => c.name)),
        },
      },
    ])
  }
  const uniqueText = (cols: readonly string[]) => `UNIQUE (${list(cols)})`
  for (const unique of unmatchedUniques) {
    const cols = unique.columns.map((c) => c.name)
    const index = liveIndexes.find(
      (i) => !used.has(i) && plainUniqueIndex(i) && sameColumnSet(cols, i.columns as string[]),
    )
    if (index !== undefined) {
      used.add(index)
      continue
    }
    push('unique', `unique constraint on (${list(cols)})`, {
      expectedKey: unique,
      texts: { expected: uniqueText(cols), actual: null, column: single(cols) },
    })
  }
  for (const live of liveUniques) {
    if (used.has(live)) continue
    push('unique', `unique constraint on (${list(live.columns)})`, {
      liveConstraint: live,
      texts: { expected: null, actual: uniqueText(live.columns), column: single(live.columns) },
    })
  }

  // Foreign keys: by column, then target and actions.
  const liveFks = constraints.filter((c) => c.kind === 'foreign_key')
  for (const column of meta.columns) {
    const ref = column.config.references
    if (ref === undefined) continue
    const target = ref.column()
    const candidates = liveFks.filter((c) => !used.has(c) && sameColumns([column.name], c.columns))
    const exact = candidates.find(
      (c) =>
        c.references !== null &&
        c.references.table === target.table &&
        sameColumns([target.name], c.references.columns) &&
        c.references.onDelete === (ref.onDelete ?? 'no action') &&
        c.references.onUpdate === (ref.onUpdate ?? 'no action'),
    )
    const match = exact ?? candidates[0]
    if (match !== undefined) used.add(match)
    if (exact !== undefined) continue
    push('foreign_key', `foreign key on (${column.name})`, {
      column,
      ...(match === undefined ? {} : { liveConstraint: match }),
      texts: {
        expected: expectedForeignKeyText(column),
        actual: match === undefined ? null : liveForeignKeyText(match),
        column: column.name,
      },
    })
  }
  for (const live of liveFks) {
    if (used.has(live)) continue
    push('foreign_key', `foreign key on (${list(live.columns)})`, {
      liveConstraint: live,
      texts: { expected: null, actual: liveForeignKeyText(live), column: single(live.columns) },
    })
  }

  // Checks: by name (expression compared loosely), else by expression.
  const liveChecks = constraints.filter((c) => c.kind === 'check')
  const enumColumn = (check: CheckDefinition) =>
    meta.columns.find(
      (c) =>
        c.config.enumValues !== undefined &&
        truncateIdentifier(`${name}_${c.name}_check`) === check.name,
    )?.name ?? null
  const checkText = (checkName: string, expression: string) => `${checkName} CHECK (${expression})`
  const unmatchedChecks: CheckDefinition[] = []
  for (const check of meta.checks) {
    const named = liveChecks.find((c) => c.name === check.name)
    if (named === undefined) {
      unmatchedChecks.push(check)
      continue
    }
    used.add(named)
    if (!sameCheck(name, check.expression, named, verdicts)) {
      push('check', `check "${check.name}"`, {
        expectedCheck: check,
        liveConstraint: named,
        texts: {
          expected: checkText(check.name, check.expression),
          actual: `${named.name} ${named.definition}`,
          column: enumColumn(check),
        },
      })
    }
  }
  for (const check of unmatchedChecks) {
    const match = liveChecks.find(
      (c) => !used.has(c) && sameCheck(name, check.expression, c, verdicts),
    )
    if (match !== undefined) {
      used.add(match)
      continue
    }
    push('check', `check "${check.name}"`, {
      expectedCheck: check,
      texts: {
        expected: checkText(check.name, check.expression),
        actual: null,
        column: enumColumn(check),
      },
    })
  }
  for (const live of liveChecks) {
    if (used.has(live)) continue
    push('check', `check "${live.name}"`, {
      liveConstraint: live,
      texts: {
        expected: null,
        actual: `${live.name} ${live.definition}`,
        column: single(live.columns),
      },
    })
  }

  // Indexes last: reported after the constraints, extra ones after the declared ones.
  for (const args of indexDrifts) push(...args)
  for (const live of liveIndexes) {
    if (used.has(live)) continue
    const cols = live.columns.every((c) => c !== null) ? (live.columns as string[]) : []
    push('index', `index "${live.name}"`, {
      liveIndex: live,
      texts: { expected: null, actual: liveIndexText(live), column: single(cols) },
    })
  }
}

/** A trigger as the report shows it: `name BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION f()`. */
function triggerText(trigger: CatalogTrigger): string {
  const events = trigger.events.map((e) =>
    e === 'update' && trigger.updateOf.length > 0 ? `UPDATE OF ${list(trigger.updateOf)}` : e,
  )
  return `${trigger.name} ${trigger.timing.toUpperCase()} ${events.join(' OR ').toUpperCase()} FOR EACH ${trigger.forEachRow ? 'ROW' : 'STATEMENT'}${trigger.conditional ? ' WHEN (...)' : ''} EXECUTE FUNCTION ${trigger.function}()${trigger.enabled ? '' : ' DISABLED'}`
}

function expectedTriggerText(table: string, column: string): string {
  const trigger = onUpdateNowTrigger(table, column)
  return `${trigger.name} BEFORE UPDATE FOR EACH ROW EXECUTE FUNCTION ${trigger.function}() (sets ${column} to CURRENT_TIMESTAMP)`
}

/**
 * Triggers: each `onUpdateNow()` column needs a trigger that keeps it current. The one
 * `generateDDL` names (`<table>_<column>_touch`) must do that; else any trigger that does it
 * (see {@link touchedColumn}) stands in, and is noted as equivalent. A live trigger that keeps a
 * column current the definitions do not mark `onUpdateNow()` is drift; any other live trigger
 * is noted as not compared (the definitions cannot express it).
 */
function compareTriggers(
  table: AnyTable,
  triggers: readonly CatalogTrigger[],
  push: Push,
  notes: SchemaNote[],
): void {
  const name = table.$name
  const used = new Set<CatalogTrigger>()
  for (const column of table.$meta.onUpdateNow) {
    const expected = onUpdateNowTrigger(name, column.name)
    const what = `trigger "${expected.name}"`
    const named = triggers.find((t) => t.name === expected.name)
    if (named !== undefined && touchedColumn(named) === column.name) {
      used.add(named)
      continue
    }
    const equivalent = triggers.find((t) => !used.has(t) && touchedColumn(t) === column.name)
    if (equivalent !== undefined) {
      used.add(equivalent)
      notes.push({
        table: name,
        column: column.name,
        kind: 'equivalent',
        expected: expectedTriggerText(name, column.name),
        actual: triggerText(equivalent),
        message: `trigger "${equivalent.name}" does what "${expected.name}" does: it sets "${column.name}" to the current time on every update`,
      })
      continue
    }
    if (named !== undefined) used.add(named)
    push('trigger', what, {
      touchColumn: column,
      ...(named === undefined ? {} : { liveTrigger: named }),
      texts: {
        expected: expectedTriggerText(name, column.name),
        actual: named === undefined ? null : triggerText(named),
        column: column.name,
        detail: `it does not set "${column.name}" to the current time before every update`,
      },
    })
  }
  for (const live of triggers) {
    if (used.has(live)) continue
    const touched = touchedColumn(live)
    if (touched !== null) {
      push('trigger', `trigger "${live.name}"`, {
        liveTrigger: live,
        texts: {
          expected: null,
          actual: `${triggerText(live)} (sets ${touched} to the current time)`,
          column: touched,
        },
      })
      continue
    }
    notes.push({
      table: name,
      kind: 'not_compared',
      expected: null,
      actual: triggerText(live),
      message: `trigger "${live.name}" is not compared: the definitions cannot express what it does`,
    })
  }
}
