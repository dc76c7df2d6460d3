import type { AnyTable, Column } from '../schema/define-table'
import {
  callsUuidv7,
  generateDDLStatements,
  onUpdateNowTrigger,
  UUIDV7_FUNCTION,
} from '../schema/generate-ddl'
import { createIndexSql } from '../schema/index-shape'
import { quoteIdentifier as q, truncateIdentifier } from '../schema/naming'
import { type CatalogExecutor, readCatalog, type SchemaCatalog } from './catalog'
import {
  compareCatalog,
  type Drift,
  type SchemaCheckOptions,
  type TableList,
  tableArray,
} from './compare-schema'
import { expectedDefault, serialSequenceName } from './expected-default'
import { type ServerVerdicts, serverVerdicts } from './server-verdicts'
import { normalizeType } from './sql-normalization'

/**
 * One statement of a {@link SchemaDiff}'s `up`, with what a person should know before running it.
 *
 * @example
 * ```ts
 * const step: SchemaDiffStep = {
 *   sql: 'DROP INDEX "idx_deployments_function_version"',
 *   applied: true,
 *   destructive: 'drops index "idx_deployments_function_version", which the definitions do not declare',
 *   guess: null,
 * }
 * ```
 */
export interface SchemaDiffStep {
  /** The statement, without its `;`. */
  readonly sql: string
  /** Whether `up` runs it; false when it is written there as a comment only. */
  readonly applied: boolean
  /**
   * Why the statement can lose data, an index, a rule the database enforces or a trigger, or
   * refuse existing rows (it drops or narrows an index, a constraint, a column or a trigger, or
   * changes a type); null when it cannot.
   */
  readonly destructive: string | null
  /** Why the statement is a guess (a `RENAME` inferred from shapes); null when it is not. */
  readonly guess: string | null
}

/**
 * SQL that would bring the live database in line with the definitions. `up` applies it, `down`
 * undoes exactly what `up` runs (in reverse). Every statement of `up` is also in `steps`, with
 * the reason it is destructive or a guess. Statements that lose data (dropping an extra table or
 * column, changing or narrowing a type) are not run unless `allowDestructive` is set: they
 * appear in `up` as comments (`-- DESTRUCTIVE, review: ...`, after their reason) and, uncommented, in
 * `destructive`, for a person to decide. Other destructive statements (dropping an index or a
 * constraint, SET NOT NULL, dropping a trigger) run, each after a `-- DESTRUCTIVE: reason` line.
 */
export interface SchemaDiff {
  readonly up: string
  readonly down: string
  /** The destructive statements `up` does not run (written there as comments). */
  readonly destructive: readonly string[]
  /** Every statement of `up`, in order, marked. */
  readonly steps: readonly SchemaDiffStep[]
}

/** Options of {@link diffSchema}. */
export interface SchemaDiffOptions extends SchemaCheckOptions {
  /**
   * Run the statements that lose data too (dropping an extra table or column, changing or
   * narrowing a type) instead of writing them as comments. Default false.
   */
  readonly allowDestructive?: boolean
}

// When a statement runs relative to the others: what depends on something comes after it
// (foreign keys after the keys they point at, new tables after the columns they reference), and
// what is dropped goes before what replaces it.
const PHASE = {
  dropForeignKeys: 0,
  dropConstraints: 1,
  columns: 2,
  addConstraints: 3,
  createTables: 4,
  addForeignKeys: 5,
  createIndexes: 6,
  destructive: 7,
  dropTables: 8,
} as const

interface Step {
  readonly phase: number
  /** `run`: a statement; `destructive`: commented and listed; `review`: commented, depends on one. */
  readonly mode: 'run' | 'destructive' | 'review'
  readonly up: readonly string[]
  /** What undoes `up`, in the order to run it. */
  readonly down: readonly string[]
  /** Why `up` is destructive, if it is (a `destructive` step always is). */
  readonly reason?: string
  /** Why `up` is a guess, if it is. */
  readonly guess?: string
  /** For a `destructive` step run anyway: what undoes it as far as it can be undone. */
  readonly undo?: readonly string[]
}

/** Tables in an order where each comes after the tables its foreign keys point at. */
function foreignKeyOrder(tables: readonly AnyTable[]): AnyTable[] {
  const byName = new Map(tables.map((t) => [t.$name, t]))
  const sorted: AnyTable[] = []
  const seen = new Set<string>()
  const visit = (table: AnyTable) => {
    seen.add(table.$name)
    for (const column of table.$meta.columns) {
      const target = column.config.references?.column().table
      const other = target === undefined ? undefined : byName.get(target)
      // A cycle is cut where it closes, as generateDDL does.
      if (other !== undefined && !seen.has(other.$name)) visit(other)
    }
    sorted.push(table)
  }
  for (const table of tables) if (!seen.has(table.$name)) visit(table)
  return sorted
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

function columnList(columns: readonly Column[]): string {
  return columns.map((c) => q(c.name)).join(', ')
}

function referenceClause(column: Column): string {
  const ref = column.config.references!
  const target = ref.column()
  let text = `REFERENCES ${q(target.table)} (${q(target.name)})`
  if (ref.onDelete !== undefined) text += ` ON DELETE ${ref.onDelete.toUpperCase()}`
  if (ref.onUpdate !== undefined) text += ` ON UPDATE ${ref.onUpdate.toUpperCase()}`
  return text
}

function characterLength(type: string): number | undefined {
  const match = /^character varying\((\d+)\)$/.exec(type)
  return match === null ? undefined : Number(match[1])
}

/** The steps for one issue of an existing table. */
function stepsFor(drift: Drift, columnTypeChanged: boolean): Step[] {
  const { issue } = drift
  const table = q(issue.table)
  const alter = `ALTER TABLE ${table}`
  const column = drift.column
  const live = drift.liveColumn
  const constraint = drift.liveConstraint
  const index = drift.liveIndex
  const dropLiveConstraint = (phase: number, replaced: boolean): Step[] =>
    constraint === undefined
      ? []
      : [
          {
            phase,
            mode: 'run',
            up: [`${alter} DROP CONSTRAINT ${q(constraint.name)}`],
            down: [`${alter} ADD CONSTRAINT ${q(constraint.name)} ${constraint.definition}`],
            reason: replaced
              ? `drops constraint "${constraint.name}" (${constraint.definition}) to replace it: the database stops enforcing it in between, and the replacement may refuse existing rows`
              : `drops constraint "${constraint.name}" (${constraint.definition}), which the definitions do not have: the database stops enforcing it`,
          },
        ]
  const addConstraint = (phase: number, name: string, definition: string): Step => ({
    phase,
    mode: 'run',
    up: [`${alter} ADD CONSTRAINT ${q(name)} ${definition}`],
    down: [`${alter} DROP CONSTRAINT ${q(name)}`],
  })

  switch (issue.kind) {
    case 'missing_column': {
      const c = column!
      const serial = c.kind === 'serial' || c.kind === 'bigserial'
      const d = serial ? null : expectedDefault(c)
      return [
        {
          phase: PHASE.columns,
          mode: 'run',
          up: [
            `${alter} ADD COLUMN ${q(c.name)} ${c.sqlType}${c.notNull ? ' NOT NULL' : ''}${d === null ? '' : ` DEFAULT ${d}`}`,
          ],
          down: [`${alter} DROP COLUMN ${q(c.name)}`],
        },
      ]
    }
    case 'extra_column':
      return [
        {
          phase: PHASE.destructive,
          mode: 'destructive',
          up: [`${alter} DROP COLUMN ${q(issue.column!)}`],
          down: [],
          reason: `drops column "${issue.column}", which the definitions do not have: its data is lost`,
          undo: [
            `-- the data of "${issue.column}" is not restored`,
            `${alter} ADD COLUMN ${q(issue.column!)} ${issue.actual}`,
          ],
        },
      ]
    case 'length':
    case 'type': {
      const expected = issue.expected!
      const wider =
        issue.kind === 'length' &&
        (characterLength(expected) ?? 0) > (characterLength(issue.actual ?? '') ?? Infinity)
      const name = q(column!.name)
      if (wider) {
        return [
          {
            phase: PHASE.columns,
            mode: 'run',
            up: [`${alter} ALTER COLUMN ${name} TYPE ${expected}`],
            down: [`${alter} ALTER COLUMN ${name} TYPE ${issue.actual}`],
          },
        ]
      }
      const narrows = issue.kind === 'length'
      return [
        {
          phase: PHASE.columns,
          mode: 'destructive',
          reason: narrows
            ? `narrows column "${column!.name}" from ${issue.actual} to ${expected}: longer values are refused`
            : `changes the type of column "${column!.name}" from ${issue.actual} to ${expected}: values are cast, and refused or changed where the cast fails or loses precision`,
          undo: [
            `${alter} ALTER COLUMN ${name} TYPE ${issue.actual} USING ${name}::${issue.actual}`,
          ],
          // No USING cast for a varchar: an explicit cast would cut longer values silently,
          // where the implicit one refuses them.
          up: [
            expected.startsWith('character varying')
              ? `${alter} ALTER COLUMN ${name} TYPE ${expected}`
              : `${alter} ALTER COLUMN ${name} TYPE ${expected} USING ${name}::${expected}`,
          ],
          down: [],
        },
      ]
    }
    case 'nullability': {
      const name = q(column!.name)
      const [up, down] = column!.notNull ? ['SET', 'DROP'] : ['DROP', 'SET']
      return [
        {
          phase: PHASE.columns,
          mode: 'run',
          up: [`${alter} ALTER COLUMN ${name} ${up} NOT NULL`],
          down: [`${alter} ALTER COLUMN ${name} ${down} NOT NULL`],
          ...(column!.notNull
            ? { reason: `narrows column "${column!.name}" to NOT NULL: fails if a row has NULL` }
            : {}),
        },
      ]
    }
    case 'default':
      return defaultSteps(alter, column!, live!, columnTypeChanged)
    case 'primary_key': {
      const key = drift.expectedKey
      return [
        ...dropLiveConstraint(PHASE.dropConstraints, key !== undefined),
        ...(key === undefined
          ? []
          : [
              addConstraint(
                PHASE.addConstraints,
                key.name,
                `PRIMARY KEY (${columnList(key.columns)})`,
              ),
            ]),
      ]
    }
    case 'unique': {
      const key = drift.expectedKey
      return [
        ...dropLiveConstraint(PHASE.dropConstraints, key !== undefined),
        ...(key === undefined
          ? []
          : [addConstraint(PHASE.addConstraints, key.name, `UNIQUE (${columnList(key.columns)})`)]),
      ]
    }
    case 'foreign_key': {
      return [
        ...dropLiveConstraint(PHASE.dropForeignKeys, column !== undefined),
        ...(column === undefined
          ? []
          : [
              addConstraint(
                PHASE.addForeignKeys,
                truncateIdentifier(`${issue.table}_${column.name}_fkey`),
                `FOREIGN KEY (${q(column.name)}) ${referenceClause(column)}`,
              ),
            ]),
      ]
    }
    case 'check': {
      const check = drift.expectedCheck
      return [
        ...dropLiveConstraint(PHASE.dropConstraints, check !== undefined),
        ...(check === undefined
          ? []
          : [addConstraint(PHASE.addConstraints, check.name, `CHECK (${check.expression})`)]),
      ]
    }
    case 'index': {
      const expected = drift.expectedIndex
      const steps: Step[] = []
      if (index !== undefined) {
        steps.push({
          phase: PHASE.dropConstraints,
          mode: 'run',
          up: [`DROP INDEX ${q(index.name)}`],
          down: [index.definition],
          reason:
            expected === undefined
              ? `drops index "${index.name}" (${index.definition}), which the definitions do not declare: queries that use it get slower${index.unique ? ', and its uniqueness is no longer enforced' : ''}`
              : `drops index "${index.name}" to recreate it as declared (${issue.message.replace(/^index "[^"]*" differs: /, 'differs in ')}): queries that use it get slower until it is rebuilt`,
        })
      }
      if (expected !== undefined) {
        steps.push({
          phase: PHASE.createIndexes,
          mode: 'run',
          up: [createIndexSql(expected, table, q, false)],
          down: [`DROP INDEX ${q(expected.name)}`],
        })
      }
      return steps
    }
    case 'trigger': {
      const steps: Step[] = []
      const live = drift.liveTrigger
      const touched = drift.touchColumn
      if (live !== undefined) {
        steps.push({
          phase: PHASE.dropConstraints,
          mode: 'run',
          up: [`DROP TRIGGER ${q(live.name)} ON ${table}`],
          down: [live.definition],
          reason:
            touched === undefined
              ? `drops trigger "${live.name}", which keeps "${issue.column}" current where the definitions do not ask for it (no onUpdateNow())`
              : `drops trigger "${live.name}" (${live.definition}) to replace it with one that keeps "${touched.name}" current`,
        })
      }
      if (touched !== undefined) {
        const trigger = onUpdateNowTrigger(issue.table, touched.name)
        steps.push({
          phase: PHASE.createIndexes,
          mode: 'run',
          up: [trigger.createFunction, trigger.create],
          down: [`DROP TRIGGER ${q(trigger.name)} ON ${table}`],
        })
      }
      return steps
    }
    default:
      return []
  }
}

function defaultSteps(
  alter: string,
  column: Column,
  live: NonNullable<Drift['liveColumn']>,
  columnTypeChanged: boolean,
): Step[] {
  const name = q(column.name)
  const at = `${alter} ALTER COLUMN ${name}`
  if (live.generated) {
    // Turning a generated column into a plain one keeps its values but cannot be undone here.
    return [
      {
        phase: PHASE.columns,
        mode: 'destructive',
        up: [`${at} DROP EXPRESSION`],
        down: [],
        reason: `drops the generation expression of column "${column.name}": it cannot be put back`,
        undo: [`-- the generation expression of "${column.name}" cannot be put back`],
      },
    ]
  }
  const up: string[] = []
  const down: string[] = []
  const serial = column.kind === 'serial' || column.kind === 'bigserial'
  if (live.identity !== null) {
    up.push(`${at} DROP IDENTITY`)
    down.push(`${at} ADD GENERATED ${live.identity.toUpperCase()} AS IDENTITY`)
  }
  if (serial) {
    const sequence = q(serialSequenceName(column.table, column.name))
    const type = column.kind === 'serial' ? 'integer' : 'bigint'
    up.push(
      `CREATE SEQUENCE IF NOT EXISTS ${sequence} AS ${type} OWNED BY ${q(column.table)}.${name}`,
      // Past the largest id (and never back before what the sequence already gave out).
      `SELECT setval(${literal(sequence)}, GREATEST(COALESCE(MAX(${name}), 0), (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${sequence})) + 1, false) FROM ${q(column.table)}`,
      `${at} SET DEFAULT nextval(${literal(sequence)}::regclass)`,
    )
  } else {
    const expected = expectedDefault(column)
    up.push(expected === null ? `${at} DROP DEFAULT` : `${at} SET DEFAULT ${expected}`)
  }
  down.unshift(
    live.identity === null && live.default !== null
      ? `${at} SET DEFAULT ${live.default}`
      : `${at} DROP DEFAULT`,
  )
  // A new default may not fit the live type until someone runs the type change above.
  return [
    {
      phase: PHASE.columns,
      mode: columnTypeChanged ? 'review' : 'run',
      up,
      down,
      ...(live.identity === null
        ? {}
        : { reason: `drops the identity of column "${column.name}" and its sequence` }),
    },
  ]
}

/** A step as it is run or reviewed: `destructive` steps run when allowed, and what depends on them. */
function resolve(step: Step, allowDestructive: boolean): Step {
  if (!allowDestructive || step.mode === 'run') return step
  return { ...step, mode: 'run', down: step.undo ?? step.down }
}

/** A statement of `up`, after a `-- DESTRUCTIVE: reason` or `-- GUESS: reason` line if it is one. */
function render(step: Step, sql: string): string {
  const notes = [
    ...(step.reason === undefined ? [] : [`-- DESTRUCTIVE: ${step.reason}`]),
    ...(step.guess === undefined ? [] : [`-- GUESS: ${step.guess}`]),
  ]
  if (step.mode === 'run') return [...notes, `${sql};`].join('\n')
  const prefix =
    step.mode === 'destructive'
      ? '-- DESTRUCTIVE, review: '
      : '-- review, after the type change above: '
  return [...notes, `${prefix}${sql.replaceAll('\n', '\n-- ')};`].join('\n')
}

function script(entries: readonly string[], schema: string): string {
  if (entries.length === 0) return ''
  if (schema === 'public') return `${entries.join('\n\n')}\n`
  // generateDDL's statements name tables unqualified; the search path puts them in the schema,
  // and is reset after so a pooled connection does not keep it.
  return `${[`SET search_path TO ${q(schema)};`, ...entries, 'RESET search_path;'].join('\n\n')}\n`
}

/**
 * Renames inferred from shapes: a missing table and an extra one with the same columns (names
 * and types), a missing column and an extra one of the same table and type, each pair the only
 * one of its shape. Each is a guess: a `RENAME` step, and the drifts it stands for.
 */
function renames(drifts: readonly Drift[], catalog: SchemaCatalog): Renames {
  const steps: Step[] = []
  const used = new Set<Drift>()
  const tables = new Map<string, string>()
  const columns = new Map<string, Map<string, string>>()
  // Pairs each `from` with the single `to` of the same key, when that key is unique on both sides.
  const pair = (from: readonly Drift[], to: readonly Drift[], key: (d: Drift) => string) => {
    const count = (list: readonly Drift[], k: string) => list.filter((d) => key(d) === k).length
    const pairs: [Drift, Drift][] = []
    for (const missing of from) {
      const k = key(missing)
      if (count(from, k) !== 1 || count(to, k) !== 1) continue
      pairs.push([missing, to.find((d) => key(d) === k)!])
    }
    return pairs
  }
  const shape = (columns: readonly { name: string; type: string }[]) =>
    JSON.stringify(columns.map((c) => [c.name, normalizeType(c.type)]).sort())
  const liveTables = new Map(catalog.tables.map((t) => [t.name, t]))
  const tablePairs = pair(
    drifts.filter((d) => d.issue.kind === 'missing_table'),
    drifts.filter((d) => d.issue.kind === 'extra_table'),
    (d) =>
      d.definition === undefined
        ? shape(liveTables.get(d.issue.table)?.columns ?? [])
        : shape(d.definition.$meta.columns.map((c) => ({ name: c.name, type: c.sqlType }))),
  )
  for (const [missing, extra] of tablePairs) {
    const from = extra.issue.table
    const to = missing.issue.table
    used.add(missing).add(extra)
    tables.set(from, to)
    steps.push({
      phase: PHASE.columns,
      mode: 'run',
      up: [`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`],
      down: [`ALTER TABLE ${q(to)} RENAME TO ${q(from)}`],
      guess: `table "${from}" is not in the definitions and "${to}" is missing, with the same columns: renamed, not dropped and created`,
    })
  }
  const columnDrifts = drifts.filter((d) => !used.has(d))
  const columnPairs = pair(
    columnDrifts.filter((d) => d.issue.kind === 'missing_column'),
    columnDrifts.filter((d) => d.issue.kind === 'extra_column'),
    (d) =>
      `${d.issue.table}\u0000${d.issue.kind === 'missing_column' ? d.issue.expected : d.issue.actual}`,
  )
  for (const [missing, extra] of columnPairs) {
    const from = extra.issue.column!
    const to = missing.issue.column!
    const alter = `ALTER TABLE ${q(missing.issue.table)}`
    used.add(missing).add(extra)
    const renamed = columns.get(missing.issue.table) ?? new Map<string, string>()
    columns.set(missing.issue.table, renamed.set(from, to))
    steps.push({
      phase: PHASE.columns,
      mode: 'run',
      up: [`${alter} RENAME COLUMN ${q(from)} TO ${q(to)}`],
      down: [`${alter} RENAME COLUMN ${q(to)} TO ${q(from)}`],
      guess: `column "${from}" is not in the definitions and "${to}" is missing, with the same type (${missing.issue.expected}): renamed, not dropped and added`,
    })
  }
  return { steps, tables, columns }
}

/** The guessed renames: their steps and the names they change. */
interface Renames {
  readonly steps: readonly Step[]
  /** Old table name to new. */
  readonly tables: ReadonlyMap<string, string>
  /** By (new) table name: old column name to new. */
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>
}

/**
 * The catalog as it will be once the guessed renames have run, as PostgreSQL renames: the
 * table's constraints, indexes and triggers follow it, a column's constraints, foreign keys
 * pointing at it, index keys and `UPDATE OF` lists follow the column. What the definitions then
 * still ask of the renamed objects (a column's nullability or default, a table's indexes) is
 * compared on it, so the diff carries it as steps of its own instead of a second run.
 */
function renamedCatalog(catalog: SchemaCatalog, renamed: Renames): SchemaCatalog {
  const table = (name: string) => renamed.tables.get(name) ?? name
  const column = (tableName: string, name: string) =>
    renamed.columns.get(tableName)?.get(name) ?? name
  const key = (tableName: string, text: string) => {
    const bare = text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text
    const to = renamed.columns.get(tableName)?.get(bare)
    return to === undefined ? text : q(to)
  }
  return {
    ...catalog,
    tables: catalog.tables.map((t) => {
      const name = table(t.name)
      return { name, columns: t.columns.map((c) => ({ ...c, name: column(name, c.name) })) }
    }),
    constraints: catalog.constraints.map((c) => {
      const name = table(c.table)
      const ref = c.references
      const target = ref === null ? null : table(ref.table)
      return {
        ...c,
        table: name,
        columns: c.columns.map((n) => column(name, n)),
        references:
          ref === null || target === null
            ? null
            : { ...ref, table: target, columns: ref.columns.map((n) => column(target, n)) },
      }
    }),
    indexes: catalog.indexes.map((i) => {
      const name = table(i.table)
      return {
        ...i,
        table: name,
        columns: i.columns.map((n) => (n === null ? null : column(name, n))),
        keys: i.keys.map((k) => key(name, k)),
        include: i.include.map((n) => column(name, n)),
      }
    }),
    ...(catalog.triggers === undefined
      ? {}
      : {
          triggers: catalog.triggers.map((t) => {
            const name = table(t.table)
            return { ...t, table: name, updateOf: t.updateOf.map((n) => column(name, n)) }
          }),
        }),
  }
}

/**
 * Writes the {@link SchemaDiff} for an already-read catalog: the pure half of
 * {@link diffSchema}.
 *
 * @example
 * ```ts
 * const diff = planSchemaDiff(tables, await readCatalog(db))
 * ```
 * @internal
 */
export function planSchemaDiff(
  tables: TableList,
  catalog: SchemaCatalog,
  options: SchemaDiffOptions = {},
  verdicts: ServerVerdicts = new Map(),
): SchemaDiff {
  const defined = tableArray(tables)
  const ordered = foreignKeyOrder(defined)
  const rank = new Map(ordered.map((t, i) => [t.$name, i]))
  const byTable = (d: Drift) => rank.get(d.issue.table) ?? ordered.length
  // Stable: tables in foreign-key order (extra tables after, by name), issues in report order.
  const sort = (drifts: readonly Drift[]) =>
    drifts
      .map((d, i) => ({ d, i }))
      .sort((a, b) => byTable(a.d) - byTable(b.d) || a.i - b.i)
      .map(({ d }) => d)

  const steps: Step[] = []
  const first = sort(compareCatalog(defined, catalog, options, verdicts))
  const renamed = renames(first, catalog)
  for (const rename of renamed.steps) steps.push(rename)
  // With renames guessed, the rest is planned on the catalog as it will be after them.
  const sorted =
    renamed.steps.length === 0
      ? first
      : sort(compareCatalog(defined, renamedCatalog(catalog, renamed), options, verdicts))
  const missing = sorted.filter((d) => d.issue.kind === 'missing_table').map((d) => d.definition!)
  if (missing.length > 0) {
    steps.push({
      phase: PHASE.createTables,
      mode: 'run',
      up: generateDDLStatements(missing),
      down: foreignKeyOrder(missing)
        .reverse()
        .map((t) => `DROP TABLE ${t.$meta.quotedName}`),
    })
  }
  const typeChanged = new Set(
    sorted.filter((d) => d.issue.kind === 'type').map((d) => `${d.issue.table}.${d.issue.column}`),
  )
  for (const drift of sorted) {
    if (drift.issue.kind === 'missing_table') continue
    if (drift.issue.kind === 'extra_table') {
      steps.push({
        phase: PHASE.dropTables,
        mode: 'destructive',
        up: [`DROP TABLE ${q(drift.issue.table)}`],
        down: [],
        reason: `drops table "${drift.issue.table}", which the definitions do not have: its rows are lost`,
        undo: [`-- table "${drift.issue.table}" and its rows cannot be recreated from here`],
      })
      continue
    }
    steps.push(...stepsFor(drift, typeChanged.has(`${drift.issue.table}.${drift.issue.column}`)))
  }
  const ordering = steps
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.phase - b.s.phase || a.i - b.i)
  const allow = options.allowDestructive === true
  const inOrder = ordering.map(({ s }) => resolve(s, allow))

  const up = inOrder.flatMap((s) => s.up.map((sql) => render(s, sql)))
  // A default set or added as uuidv7() needs the function on a server older than 18: created
  // first, as generateDDL does (a missing table's statements carry it already).
  const calls = inOrder.some((s) => s.mode === 'run' && s.up.some((sql) => callsUuidv7(sql)))
  if (calls && !inOrder.some((s) => s.up.includes(UUIDV7_FUNCTION))) {
    up.unshift(`${UUIDV7_FUNCTION};`)
  }
  const down = [...inOrder]
    .reverse()
    .filter((s) => s.mode === 'run')
    .flatMap((s) => s.down.map((sql) => (sql.startsWith('--') ? sql : `${sql};`)))
  const destructive = inOrder.filter((s) => s.mode === 'destructive').flatMap((s) => s.up)
  const marked = inOrder.flatMap((s) =>
    s.up.map(
      (sql): SchemaDiffStep => ({
        sql,
        applied: s.mode === 'run',
        destructive: s.reason ?? null,
        guess: s.guess ?? null,
      }),
    ),
  )
  if (up[0] === `${UUIDV7_FUNCTION};`) {
    marked.unshift({ sql: UUIDV7_FUNCTION, applied: true, destructive: null, guess: null })
  }
  return {
    up: script(up, catalog.schema),
    down: script(down, catalog.schema),
    destructive,
    steps: marked,
  }
}

/**
 * Proposes the SQL that would bring the live database in line with the definitions, from the
 * same catalog read and comparison as `validateSchema`. Additive and simple changes are real
 * statements with their inverse in `down`: creating a missing table (`generateDDL`'s statements),
 * adding a missing column, index, unique, check or foreign key, setting or dropping NOT NULL and
 * defaults, widening a varchar, replacing a constraint or index that differs, dropping one the
 * definitions do not have. Destructive changes (dropping an extra table or column, changing or
 * narrowing a type) are only written as comments and listed in `destructive`. Tables come in
 * foreign-key order; the output is the same for the same database.
 *
 * @example
 * ```ts
 * const { up, down, destructive } = await diffSchema(db, containerpubTables)
 * // up:
 * // ALTER TABLE "users" ALTER COLUMN "email" TYPE character varying(255);
 * //
 * // CREATE INDEX "idx_users_email" ON "users" ("email");
 * //
 * // -- DESTRUCTIVE, review: ALTER TABLE "users" DROP COLUMN "nickname";
 * // destructive: ['ALTER TABLE "users" DROP COLUMN "nickname"']
 * await db.executeScript(up)
 * ```
 */
export async function diffSchema(
  db: CatalogExecutor,
  tables: TableList,
  options: SchemaDiffOptions = {},
): Promise<SchemaDiff> {
  const defined = tableArray(tables)
  const catalog = await readCatalog(
    db,
    options.schema === undefined ? {} : { schema: options.schema },
  )
  const verdicts = await serverVerdicts(db, catalog, defined)
  return planSchemaDiff(defined, catalog, options, verdicts)
}
