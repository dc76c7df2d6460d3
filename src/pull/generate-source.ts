import type { CatalogConstraint, SchemaCatalog } from '../drift/catalog'
import { normalizeExpression } from '../drift/sql-normalization'
import { COLUMN_TYPES } from '../schema/column-types'
import { RESERVED_PROPERTIES } from '../schema/define-table'
import { camelCase, quoteIdentifier, snakeCase } from '../schema/naming'
import { type KindMatch, kindOfType } from './column-kind-of'
import { defaultCode } from './pull-default'
import type { PullExtras } from './pull-extras'
import { indexCode } from './pull-index'
import { addRelations } from './pull-relations'
import { type Link, type PulledColumn, type PulledTable, sqlNameOk } from './pulled-table'
import { commentName, isVariableName, tsString, uniqueName } from './source-text'

/** Something of the database that `pull` did not turn into a definition, and why. */
export interface PullSkipped {
  /** The table it belongs to, or null (a view). */
  readonly table: string | null
  /** What it is: `column "search"`, `index "idx_x"`, `view "active_users"`, `table "x y"`. */
  readonly what: string
  readonly reason: string
}

/** The result of `pull`: the module's source and what it holds. */
export interface PullResult {
  /** The TypeScript module: `import { c, defineTable } from 'kysely-entities'` and one export per table. */
  readonly source: string
  /** The pulled tables: SQL name and the variable the module exports. */
  readonly tables: readonly { readonly name: string; readonly variable: string }[]
  /** What was not pulled; each is also a comment in the source. */
  readonly skipped: readonly PullSkipped[]
}

/** Options of the source generation. */
export interface PullSourceOptions {
  /** The module the generated file imports `c` and `defineTable` from. Default `kysely-entities`. */
  readonly module?: string
}

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
const SECRET_RE = /password|passwd|secret|token|api_?key|private_?key|salt/i

function factoryCode(match: KindMatch): string {
  if (match.kind === 'varchar') return `c.varchar(${match.length})`
  if (match.kind === 'numeric' && match.precision !== undefined) {
    return match.scale === undefined
      ? `c.numeric(${match.precision})`
      : `c.numeric(${match.precision}, ${match.scale})`
  }
  return `c.${match.kind}()`
}

/** The values of `CHECK (col IN (...))` / `col = ANY (ARRAY[...])` on `column`, or undefined. */
function enumValues(check: CatalogConstraint, column: string): string[] | undefined {
  const body = /^CHECK \((.*)\)$/s.exec(check.definition)?.[1]
  if (body === undefined) return undefined
  const text = normalizeExpression(body)
  const head = `${normalizeExpression(quoteIdentifier(column))} in `
  if (!text.startsWith(head)) return undefined
  const list = text.slice(head.length)
  const values: string[] = []
  const re = /'((?:[^']|'')*)'(?:, |$)/y
  let at = 0
  while (at < list.length) {
    re.lastIndex = at
    const match = re.exec(list)
    if (match === null) return undefined
    values.push(match[1]!.replaceAll("''", "'"))
    at = re.lastIndex
  }
  return values.length === 0 ? undefined : values
}

function columnProperty(name: string, used: Set<string>): string {
  let base = camelCase(name)
  if (!IDENTIFIER_RE.test(base) || RESERVED_PROPERTIES.has(base)) base = `${base}Column`
  return uniqueName(base, used)
}

/**
 * Turns a catalog (and the triggers and views `pull` reads besides it) into the source of a
 * module of `defineTable` calls: the pure half of `pullSchema`, for a catalog read once.
 * @internal
 * @example
 * ```ts
 * generateSource(await readCatalog(db), await readPullExtras(db, 'public')).source
 * // import { c, defineTable } from 'kysely-entities'
 * // export const users = defineTable("users", { id: c.serial().primaryKey(), ... })
 * ```
 */
export function generateSource(
  catalog: SchemaCatalog,
  extras: PullExtras,
  options: PullSourceOptions = {},
): PullResult {
  const skipped: PullSkipped[] = []
  const skip = (table: string | null, what: string, reason: string) =>
    skipped.push({ table, what, reason })
  const variables = new Set<string>()
  const tables = new Map<string, PulledTable>()
  const touched = new Set(extras.touchedColumns.map((t) => `${t.table}\u0000${t.column}`))

  for (const live of catalog.tables) {
    // The migration runner's own table: not the application's, and never drift.
    if (live.name === 'schema_migrations') continue
    if (!sqlNameOk(live.name)) {
      skip(live.name, `table ${commentName(live.name)}`, 'its name is not an SQL identifier')
      continue
    }
    if (live.columns.length === 0) {
      skip(live.name, `table ${commentName(live.name)}`, 'it has no columns')
      continue
    }
    let base = camelCase(live.name)
    if (!isVariableName(base)) base = `${base}Table`
    const variable = uniqueName(base, variables)
    const properties = new Set<string>()
    const columns = live.columns.map((col): PulledColumn => {
      const property = columnProperty(col.name, properties)
      return { live: col, property, code: undefined, comments: [], kind: undefined }
    })
    tables.set(live.name, {
      live,
      variable,
      columns,
      byName: new Map(columns.map((c) => [c.live.name, c])),
      options: [],
      relations: [],
      relationNames: new Set(columns.map((c) => c.property)),
      notes: [],
      primaryKey: [],
    })
  }

  const constraintsOf = (table: string) => catalog.constraints.filter((c) => c.table === table)

  // Columns: kind, name, NOT NULL, default, primary key, unique, enum, onUpdateNow.
  for (const table of tables.values()) {
    const name = table.live.name
    const constraints = constraintsOf(name)
    const pk = constraints.find((c) => c.kind === 'primary_key')
    table.primaryKey = pk?.columns ?? []
    const singleUniques = new Set(
      constraints
        .filter((c) => c.kind === 'unique' && c.columns.length === 1)
        .map((c) => c.columns[0]!),
    )
    for (const column of table.columns) {
      const live = column.live
      const what = `column ${commentName(live.name)}`
      if (!sqlNameOk(live.name)) {
        skip(name, what, 'its name is not an SQL identifier')
        continue
      }
      if (live.generated) {
        skip(name, what, 'generated columns are not supported')
        continue
      }
      const match = kindOfType(live.type)
      const sequence =
        live.identity !== null || (live.default !== null && /^nextval\(/.test(live.default))
      let code: string
      let kind: KindMatch['kind']
      if (sequence && (match?.kind === 'integer' || match?.kind === 'bigint')) {
        kind = match.kind === 'integer' ? 'serial' : 'bigserial'
        code = `c.${kind}()`
        if (live.identity !== null) {
          column.comments.push('an identity column in the database; generateDDL writes serial')
        }
      } else if (match === undefined || sequence) {
        skip(
          name,
          what,
          sequence
            ? `a ${live.type} numbered by a sequence is not supported (serial and bigserial are)`
            : `type ${live.type} is not supported`,
        )
        continue
      } else {
        kind = match.kind
        code = factoryCode(match)
      }
      column.code = code
      ;(column as { kind: KindMatch['kind'] }).kind = kind
      if (snakeCase(column.property) !== live.name) column.code += `.name(${tsString(live.name)})`
      const singlePk = table.primaryKey.length === 1 && table.primaryKey[0] === live.name
      if (singlePk) column.code += '.primaryKey()'
      else if (live.notNull && !COLUMN_TYPES[kind].serial) column.code += '.notNull()'
      if (
        live.default !== null &&
        !COLUMN_TYPES[kind].serial &&
        !/^NULL(::.*)?$/.test(live.default)
      ) {
        column.code += defaultCode(kind, live.default)
      }
      if (singleUniques.has(live.name) && !singlePk) column.code += '.unique()'
      if (touched.has(`${name}\u0000${live.name}`) && COLUMN_TYPES[kind].clock === 'instant') {
        column.code += '.onUpdateNow()'
      }
      if (SECRET_RE.test(live.name)) {
        column.comments.push('the name suggests a secret: add .secret() to keep it out of DTOs')
      }
    }
    if (table.primaryKey.length > 1) {
      const props = table.primaryKey.map((n) => table.byName.get(n))
      if (props.every((c) => c?.code !== undefined)) {
        table.options.push(`primaryKey: [${props.map((c) => tsString(c!.property)).join(', ')}]`)
      }
    }
    // Unique constraints over several columns; checks (enums first).
    const uniques: string[] = []
    const checks: string[] = []
    for (const constraint of constraints) {
      const cols = constraint.columns.map((n) => table.byName.get(n))
      const pulled = cols.every((c) => c?.code !== undefined)
      if (constraint.kind === 'unique' && constraint.columns.length > 1) {
        if (pulled) uniques.push(`[${cols.map((c) => tsString(c!.property)).join(', ')}]`)
        else skip(name, `unique ${commentName(constraint.name)}`, 'a column of it is not pulled')
      }
      if (constraint.kind === 'exclusion') {
        skip(
          name,
          `exclusion constraint ${commentName(constraint.name)}`,
          'a table definition cannot declare one; keep it in a migration',
        )
        continue
      }
      if (constraint.kind !== 'check') continue
      if (/ NOT VALID$/.test(constraint.definition)) {
        skip(name, `check ${commentName(constraint.name)}`, 'NOT VALID checks are not supported')
        continue
      }
      const only = cols.length === 1 ? cols[0] : undefined
      const values =
        only?.code !== undefined &&
        only.kind !== undefined &&
        COLUMN_TYPES[only.kind].where === 'text'
          ? enumValues(constraint, only.live.name)
          : undefined
      // enum() refuses a value longer than the varchar: such a check stays a check.
      const length = Number(
        /^c\.varchar\((\d+)\)/.exec(only?.code ?? '')?.[1] ?? Number.POSITIVE_INFINITY,
      )
      const fits = values?.every((v) => [...v].length <= length) === true
      if (only !== undefined && values !== undefined && fits && !only.code!.includes('.enum(')) {
        only.code += `.enum([${values.map(tsString).join(', ')}])`
        continue
      }
      const expression = /^CHECK \((.*)\)$/s.exec(constraint.definition)?.[1]
      if (expression === undefined || !pulled) {
        skip(name, `check ${commentName(constraint.name)}`, 'a column of it is not pulled')
        continue
      }
      checks.push(`${tsString(constraint.name)}: ${tsString(expression)}`)
    }
    if (uniques.length > 0) table.options.push(`uniques: [${uniques.join(', ')}]`)
    if (checks.length > 0) {
      table.options.push(`checks: {\n      ${checks.join(',\n      ')},\n    }`)
    }
  }

  // Foreign keys: `.references()` on the column, and the relations they imply.
  const links: Link[] = []
  for (const table of tables.values()) {
    for (const constraint of constraintsOf(table.live.name)) {
      if (constraint.kind !== 'foreign_key' || constraint.references === null) continue
      const what = `foreign key ${commentName(constraint.name)}`
      const ref = constraint.references
      const to = tables.get(ref.table)
      const column = table.byName.get(constraint.columns[0] ?? '')
      const target = to?.byName.get(ref.columns[0] ?? '')
      if (constraint.columns.length !== 1) {
        skip(table.live.name, what, 'foreign keys over several columns are not supported')
      } else if (to === undefined || target?.code === undefined) {
        skip(table.live.name, what, 'the table or column it references is not pulled')
      } else if (column?.code === undefined) {
        skip(table.live.name, what, 'its column is not pulled')
      } else if (column.code.includes('.references(')) {
        skip(table.live.name, what, 'a column has one foreign key in a definition')
      } else {
        const actions: string[] = []
        if (ref.onDelete !== 'no action') actions.push(`onDelete: ${tsString(ref.onDelete)}`)
        if (ref.onUpdate !== 'no action') actions.push(`onUpdate: ${tsString(ref.onUpdate)}`)
        const rest = actions.length === 0 ? '' : `, { ${actions.join(', ')} }`
        column.code += `.references(() => ${to.variable}.${target.property}${rest})`
        links.push({ from: table, column, to, target, constraint })
      }
    }
  }

  // Indexes (those of constraints are the constraints).
  for (const table of tables.values()) {
    const name = table.live.name
    const indexes: string[] = []
    for (const index of catalog.indexes) {
      if (index.table !== name || index.constraint) continue
      const code = indexCode(table, index)
      if (typeof code === 'string') indexes.push(code)
      else skip(name, `index ${commentName(index.name)}`, code.reason)
    }
    if (indexes.length > 0)
      table.options.push(`indexes: [\n      ${indexes.join(',\n      ')},\n    ]`)
  }

  // Soft delete and the public id.
  for (const table of tables.values()) {
    const deletedAt = table.byName.get('deleted_at')
    if (
      deletedAt?.code !== undefined &&
      deletedAt.kind !== undefined &&
      !deletedAt.live.notNull &&
      COLUMN_TYPES[deletedAt.kind].clock === 'instant'
    ) {
      table.options.push(`softDelete: ${tsString(deletedAt.property)}`)
    }
    const uuids = table.columns.filter(
      (c) =>
        c.kind === 'uuid' &&
        c.live.notNull &&
        c.code?.includes('.unique()') === true &&
        /\.defaultRandom\((?:\{ version: 7 \})?\)/.test(c.code),
    )
    const internalId = table.columns.some((c) => c.kind === 'serial' || c.kind === 'bigserial')
    if (uuids.length === 1 && uuids[0]!.property !== 'uuid' && internalId) {
      table.options.push(`publicId: ${tsString(uuids[0]!.property)}`)
    }
  }

  addRelations(tables, links, catalog.constraints)

  for (const trigger of extras.otherTriggers) {
    skip(
      trigger.table,
      `trigger ${commentName(trigger.name)}`,
      'only updated_at triggers become onUpdateNow()',
    )
  }
  for (const view of extras.views) skip(null, `view ${commentName(view)}`, 'views are not tables')
  for (const { table, policy } of extras.security) {
    skip(
      table,
      policy === null ? 'row-level security (enabled)' : `policy ${commentName(policy)}`,
      'access rules are not part of a table definition: keep them in a migration',
    )
  }

  return {
    source: render(catalog, tables, links, skipped, options),
    tables: [...tables.values()].map((t) => ({ name: t.live.name, variable: t.variable })),
    skipped,
  }
}

/** Tables with the ones they reference first; otherwise in the catalog's (name) order. */
function ordered(tables: ReadonlyMap<string, PulledTable>, links: readonly Link[]): PulledTable[] {
  const out: PulledTable[] = []
  const state = new Map<PulledTable, 'visiting' | 'done'>()
  const visit = (table: PulledTable) => {
    if (state.has(table)) return
    state.set(table, 'visiting')
    for (const link of links) if (link.from === table && link.to !== table) visit(link.to)
    state.set(table, 'done')
    out.push(table)
  }
  for (const table of tables.values()) visit(table)
  return out
}

function render(
  catalog: SchemaCatalog,
  tables: ReadonlyMap<string, PulledTable>,
  links: readonly Link[],
  skipped: readonly PullSkipped[],
  options: PullSourceOptions,
): string {
  const order = ordered(tables, links)
  // A reference to this table or a later one (a cycle) types its thunk: TypeScript cannot infer
  // a variable's type from an initializer that refers to it.
  let annotated = false
  for (const link of links) {
    if (order.indexOf(link.to) < order.indexOf(link.from)) continue
    const thunk = `.references(() => ${link.to.variable}.`
    link.column.code = link.column.code?.replace(
      thunk,
      `.references((): ColumnTarget => ${link.to.variable}.`,
    )
    annotated = true
  }
  const imports = annotated ? 'c, type ColumnTarget, defineTable' : 'c, defineTable'
  const lines: string[] = [
    `// Generated by \`kysely-entities pull\` from schema ${commentName(catalog.schema)}.`,
    '// Review it: names, relations and the comments below are guesses from the catalog.',
    `import { ${imports} } from ${tsString(options.module ?? 'kysely-entities')}`,
    '',
  ]
  const notPulled = (s: PullSkipped) => `// Not pulled: ${s.what}: ${s.reason}.`
  const general = skipped.filter((s) => s.table === null || !tables.has(s.table))
  if (general.length > 0) lines.push(...general.map(notPulled), '')
  for (const table of order) {
    const own = skipped.filter((s) => s.table === table.live.name)
    lines.push(...own.map(notPulled))
    lines.push(
      `export const ${table.variable} = defineTable(`,
      `  ${tsString(table.live.name)},`,
      '  {',
    )
    for (const column of table.columns) {
      if (column.code === undefined) continue
      const note = column.comments.length === 0 ? '' : ` // ${column.comments.join('; ')}`
      lines.push(`    ${column.property}: ${column.code},${note}`)
    }
    const rest = [...table.options]
    if (table.relations.length > 0) {
      rest.push(`relations: (r) => ({\n      ${table.relations.join(',\n      ')},\n    })`)
    }
    if (rest.length === 0) lines.push('  },', ')', '')
    else lines.push('  },', '  {', ...rest.map((o) => `    ${o},`), '  },', ')', '')
  }
  return lines.join('\n')
}
