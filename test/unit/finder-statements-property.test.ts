import fc from 'fast-check'
import { type Expression, type SqlBool, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import {
  type AnyTable,
  type Column,
  CursorCodec,
  compileWhere,
  Entity,
  EntityManager,
  InvalidQueryError,
} from '../../src/index'
import { LiteralLimits } from '../../src/query/literal-limits'
import {
  checkDirection,
  checkLimit,
  checkOffset,
  checkOrderBy,
  columnOf,
} from '../../src/query/query-options'
import { tableStatements } from '../../src/query/table-statements'
import { isEmptyWhere } from '../../src/query/where-clause'
import { OPERATORS } from '../../src/query/where-compiler'
import { everyKind, projects } from '../fixtures/tables'
import { captureExecutor, dummyKysely } from '../setup/capture-executor'

// The finders write their SQL themselves, once per shape (src/manager/finder-statements.ts).
// They used to build each statement with Kysely around compileWhere's expression: that code is
// kept here as the reference, and for random inputs, valid or not, both must send the same SQL
// text and parameters, or refuse with the same error.

const RUNS = Number(process.env.FINDER_PROPERTY_RUNS ?? 300)
const kysely = dummyKysely()
const codec = new CursorCodec('unit tests') // the capture executor's secret

// ---------------------------------------------------------------- the reference (Kysely)

function checkOptions<O>(options: O): O {
  if (options === null || typeof options !== 'object') {
    throw new InvalidQueryError('options', 'expected an object')
  }
  return options
}

function filter<Q extends { where(expression: Expression<SqlBool>): Q }>(
  table: AnyTable,
  query: Q,
  where: unknown,
  withDeleted: boolean,
): Q {
  const clause = compileWhere(table, where, { path: 'where', allowAll: true })
  if (clause !== undefined) query = query.where(clause.expression)
  const soft = table.$meta.softDelete
  if (soft !== undefined && !withDeleted) {
    query = query.where(sql<SqlBool>`${sql.ref(soft.name)} is null`)
  }
  return query
}

const columnNames = (table: AnyTable) => table.$meta.columns.map((c) => c.name)

// A table writes its first 16 distinct limits as literals, the others as `$n`: the reference
// keeps its own count per table, fed the limits of the calls that pass every check, in order.
const literalLimits = new Map<AnyTable, LiteralLimits>()
function limitOf(table: AnyTable, limit: number) {
  let limits = literalLimits.get(table)
  if (limits === undefined) {
    limits = new LiteralLimits()
    literalLimits.set(table, limits)
  }
  return limits.literal(limit) === undefined ? limit : sql.lit(limit)
}

function referenceFindAll(table: AnyTable, options: any) {
  checkOptions(options)
  let query = kysely.selectFrom(table.$name).select(columnNames(table))
  query = filter(table, query, options.where, options.withDeleted === true)
  for (const term of checkOrderBy(table, options.orderBy, options.orderDirection)) {
    query = query.orderBy(term.column.name, term.direction)
  }
  const limit = options.limit === undefined ? undefined : checkLimit(options.limit)
  const offset = options.offset === undefined ? undefined : checkOffset(options.offset)
  if (limit !== undefined) query = query.limit(limitOf(table, limit))
  if (offset !== undefined) query = query.offset(offset)
  return query.compile()
}

function referenceCount(table: AnyTable, options: any) {
  checkOptions(options)
  if (options.where === undefined || isEmptyWhere(options.where)) {
    const statements = tableStatements(table)
    const text = options.withDeleted ? statements.countAllWithDeleted : statements.countAll
    return { sql: text, parameters: [] }
  }
  let query = kysely.selectFrom(table.$name).select(sql<bigint>`count(*)`.as('count'))
  query = filter(table, query, options.where, options.withDeleted === true)
  return query.compile()
}

function referenceExists(table: AnyTable, options: any) {
  checkOptions(options)
  let inner = kysely.selectFrom(table.$name).select(sql`1`.as('one'))
  inner = filter(table, inner, options.where, options.withDeleted === true)
  return kysely.selectNoFrom((eb) => eb.exists(inner).as('exists')).compile()
}

function keysetCondition(
  columns: readonly Column[],
  values: readonly unknown[],
  direction: 'asc' | 'desc',
): Expression<SqlBool> {
  const op = sql.raw(direction === 'asc' ? '>' : '<')
  const refs = columns.map((c) => sql.ref(c.name))
  const bound = values.map((v, i) =>
    columns[i]!.kind === 'jsonb' && v !== null && v !== undefined ? JSON.stringify(v) : v,
  )
  const row = sql<SqlBool>`(${sql.join(refs)}) ${op} (${sql.join(bound.map((v) => sql`${v}`))})`
  if (columns.every((c) => c.notNull)) return row
  const [sortRef, keyRef] = refs as [ReturnType<typeof sql.ref>, ReturnType<typeof sql.ref>]
  const [sortValue, keyValue] = values
  if (direction === 'asc') {
    return sortValue === null
      ? sql<SqlBool>`(${sortRef} is null and ${keyRef} > ${keyValue})`
      : sql<SqlBool>`(${row} or ${sortRef} is null)`
  }
  return sortValue === null
    ? sql<SqlBool>`((${sortRef} is null and ${keyRef} < ${keyValue}) or ${sortRef} is not null)`
    : row
}

function referenceCursorPage(table: AnyTable, options: any) {
  checkOptions(options)
  const limit = checkLimit(options.limit)
  if (limit === 0) throw new InvalidQueryError('limit', 'must be at least 1')
  const key = table.$meta.primaryKey[0]!
  const direction = checkDirection(options.orderDirection)
  const sortColumn =
    options.orderBy === undefined ? undefined : columnOf(table, options.orderBy, 'orderBy')
  const columns = sortColumn === undefined || sortColumn === key ? [key] : [sortColumn, key]
  let query = kysely.selectFrom(table.$name).select(columnNames(table))
  columns.forEach((column, i) => {
    if (column.kind === 'timestamp' || column.kind === 'timestamptz') {
      query = query.select(sql`${sql.ref(column.name)}::text`.as(`__ke_cursor_${i}`))
    }
  })
  query = filter(table, query, options.where, options.withDeleted === true)
  if (options.after !== undefined && options.after !== null) {
    const values = codec.decode(options.after, { columns, direction })
    query = query.where(keysetCondition(columns, values, direction))
  }
  for (const column of columns) query = query.orderBy(column.name, direction)
  return query.limit(limitOf(table, limit + 1)).compile()
}

// ---------------------------------------------------------------- inputs

/** Mostly valid values of a column, sometimes anything. */
function valueFor(column: Column): fc.Arbitrary<unknown> {
  const valid = ((): fc.Arbitrary<unknown> => {
    switch (column.kind) {
      case 'serial':
      case 'integer':
        return fc.integer({ min: -1000, max: 1000 })
      case 'smallint':
        return fc.integer({ min: -100, max: 100 })
      case 'bigserial':
      case 'bigint':
        return fc.oneof(
          fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
          fc.nat(),
          fc.constant('42'),
        )
      case 'numeric':
        return fc.oneof(fc.integer(), fc.constantFrom('12.50', '-0.5'))
      case 'real':
      case 'doublePrecision':
        return fc.double({ noNaN: true, noDefaultInfinity: true })
      case 'boolean':
        return fc.boolean()
      case 'text':
      case 'varchar':
        return column.config.enumValues === undefined
          ? fc.string({ maxLength: 4 })
          : fc.constantFrom(...column.config.enumValues)
      case 'citext':
        return fc.string({ maxLength: 4 })
      case 'bytea':
        return fc.uint8Array({ maxLength: 4 })
      case 'uuid':
        return fc.uuid()
      case 'timestamp':
      case 'timestamptz':
        return fc.oneof(
          fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }),
          fc.constant('2024-01-02T03:04:05Z'),
        )
      case 'date':
        return fc.constantFrom('2024-02-29', '1999-12-31')
      case 'jsonb':
        return fc.jsonValue({ maxDepth: 2 })
      case 'inet':
        return fc.constantFrom('10.0.0.1', '::1')
      case 'textArray':
        return fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })
      case 'integerArray':
        return fc.array(fc.integer({ min: -9, max: 9 }), { maxLength: 3 })
    }
  })()
  return fc.oneof(
    { weight: 30, arbitrary: valid },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.object()) },
  )
}

function operand(op: (typeof OPERATORS)[number], column: Column): fc.Arbitrary<unknown> {
  const value = valueFor(column)
  switch (op) {
    case 'eq':
    case 'ne':
      return fc.oneof(value, fc.constant(null))
    case 'in':
    case 'notIn':
      return fc.array(value, { minLength: 1, maxLength: 3 })
    case 'like':
    case 'ilike':
      return fc.string({ maxLength: 4 })
    case 'isNull':
      return fc.boolean()
    case 'contains':
      return fc.oneof(value, fc.jsonValue({ maxDepth: 1 }))
    default:
      return value
  }
}

/** The operators a column takes (the compiler refuses the others). */
function operatorsOf(column: Column): readonly (typeof OPERATORS)[number][] {
  switch (column.kind) {
    case 'jsonb':
      return ['eq', 'ne', 'in', 'notIn', 'isNull', 'contains']
    case 'textArray':
    case 'integerArray':
      return ['eq', 'ne', 'isNull', 'contains']
    case 'text':
    case 'varchar':
      return OPERATORS.filter((op) => op !== 'contains')
    default:
      return OPERATORS.filter((op) => op !== 'contains' && op !== 'like' && op !== 'ilike')
  }
}

function conditionOf(column: Column): fc.Arbitrary<unknown> {
  const value = valueFor(column)
  const operators = fc
    .oneof(
      { weight: 9, arbitrary: fc.constant(operatorsOf(column)) },
      { weight: 1, arbitrary: fc.constant(OPERATORS) },
    )
    .chain((allowed) => fc.shuffledSubarray([...allowed], { minLength: 1, maxLength: 3 }))
    .chain((ops) =>
      fc
        .tuple(...ops.map((op) => operand(op, column)))
        .map((operands) => Object.fromEntries(ops.map((op, i) => [op, operands[i]]))),
    )
  return fc.oneof(
    { weight: 4, arbitrary: value },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.array(value, { minLength: 1, maxLength: 3 }) },
    { weight: 4, arbitrary: operators },
  )
}

/** A where input of `table` (not empty), nested up to `depth` levels below the top. */
function whereOf(table: AnyTable, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const pairs = fc
    .shuffledSubarray([...table.$meta.columns], { minLength: 1, maxLength: 3 })
    .chain((columns) =>
      columns.length === 0
        ? fc.constant([] as [string, unknown][])
        : fc.tuple(
            ...columns.map((c) => conditionOf(c).map((v): [string, unknown] => [c.property, v])),
          ),
    )
  const nested =
    depth === 0
      ? fc.constant([] as [string, unknown][])
      : fc
          .shuffledSubarray(['and', 'or', 'not'], { maxLength: 2 })
          .chain((keys) =>
            keys.length === 0
              ? fc.constant([] as [string, unknown][])
              : fc.tuple(
                  ...keys.map((key) =>
                    (key === 'not'
                      ? whereOf(table, depth - 1)
                      : fc.array(whereOf(table, depth - 1), { minLength: 1, maxLength: 2 })
                    ).map((v): [string, unknown] => [key, v]),
                  ),
                ),
          )
  return fc
    .tuple(pairs, nested, fc.boolean())
    .map(([a, b, nestedFirst]) => Object.fromEntries(nestedFirst ? [...b, ...a] : [...a, ...b]))
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 })

function findOptionsOf(table: AnyTable) {
  const property = fc.constantFrom(...table.$meta.columns.map((c) => c.property))
  return fc.record(
    {
      where: maybe(
        fc.oneof(
          { weight: 20, arbitrary: whereOf(table, 2) },
          { weight: 1, arbitrary: fc.constantFrom({ all: true }, {}, { all: 1 }) },
        ),
      ),
      orderBy: maybe(
        fc.oneof(
          { weight: 4, arbitrary: property },
          { weight: 2, arbitrary: fc.array(property, { minLength: 1, maxLength: 3 }) },
          { weight: 1, arbitrary: fc.constantFrom('nope', [], 7) },
        ),
      ),
      orderDirection: maybe(
        fc.oneof(
          { weight: 20, arbitrary: fc.constantFrom('asc', 'desc', 'ASC', 'DESC') },
          { weight: 1, arbitrary: fc.constant('up') },
        ),
      ),
      limit: maybe(
        fc.oneof(
          { weight: 20, arbitrary: fc.nat(10_000) },
          { weight: 1, arbitrary: fc.constantFrom(1.5, -1, '5', 10_001) },
        ),
      ),
      offset: maybe(
        fc.oneof(
          { weight: 20, arbitrary: fc.nat(1000) },
          { weight: 1, arbitrary: fc.constantFrom(-3, Number.NaN) },
        ),
      ),
      withDeleted: maybe(fc.boolean()),
    },
    { requiredKeys: [] },
  )
}

function cursorOptionsOf(table: AnyTable) {
  const key = table.$meta.primaryKey[0]!
  const sortable = table.$meta.columns.filter((c) => c.kind !== 'jsonb')
  return fc
    .record(
      {
        orderBy: maybe(fc.constantFrom(...sortable)),
        orderDirection: maybe(fc.constantFrom('asc', 'desc', 'DESC')),
        where: maybe(whereOf(table, 1)),
        withDeleted: maybe(fc.boolean()),
        limit: fc.oneof(
          { weight: 20, arbitrary: fc.integer({ min: 1, max: 50 }) },
          { weight: 1, arbitrary: fc.constant(0) },
        ),
        after: fc.boolean(),
      },
      { requiredKeys: ['limit', 'after'] },
    )
    .chain(({ orderBy, after, ...rest }) => {
      const columns = orderBy === undefined || orderBy === key ? [key] : [orderBy, key]
      const position = fc.tuple(
        ...columns.map((c) => (c.notNull ? valueFor(c) : fc.oneof(valueFor(c), fc.constant(null)))),
      )
      // Encoded for the direction the options ask for (the cursor's shape binds it).
      const shape = { columns, direction: checkDirection(rest.orderDirection) }
      return (
        after ? position.map((values) => codec.encode(values, shape)) : fc.constant(undefined)
      ).map((cursor) => ({
        ...rest,
        ...(orderBy === undefined ? {} : { orderBy: orderBy.property }),
        ...(cursor === undefined ? {} : { after: cursor }),
      }))
    })
}

// ---------------------------------------------------------------- the comparison

type Outcome =
  | { readonly sql: string; readonly parameters: readonly unknown[] }
  | { readonly error: string; readonly path: unknown; readonly message: string }

function outcome(run: () => { sql: string; parameters: readonly unknown[] }): Outcome {
  try {
    const { sql, parameters } = run()
    return { sql, parameters: [...parameters] }
  } catch (error) {
    const e = error as { name: string; path?: unknown; message: string }
    return { error: e.name, path: e.path, message: e.message }
  }
}

async function sent(
  cap: ReturnType<typeof captureExecutor>,
  call: () => Promise<unknown>,
): Promise<Outcome> {
  const before = cap.sent.length
  try {
    await call()
  } catch (error) {
    const e = error as { name: string; path?: unknown; message: string }
    expect(cap.sent.length).toBe(before)
    return { error: e.name, path: e.path, message: e.message }
  }
  const last = cap.last()!
  return { sql: last.sql, parameters: [...last.parameters] }
}

describe.each([
  ['every_kind', everyKind],
  ['projects (soft delete)', projects],
])('finders on %s send what the Kysely-built statements sent', (_, table) => {
  class Row extends Entity.of(table as AnyTable) {}
  const cap = captureExecutor([table])
  const manager = new EntityManager(cap.executor, Row) as EntityManager<any>

  it('findAll (and so findOne and paginate)', async () => {
    await fc.assert(
      fc.asyncProperty(findOptionsOf(table), async (options) => {
        const expected = outcome(() => referenceFindAll(table, options))
        expect(await sent(cap, () => manager.findAll(options as any))).toEqual(expected)
        // The same shape again comes from the cache: still the same.
        expect(await sent(cap, () => manager.findAll(options as any))).toEqual(expected)
      }),
      { numRuns: RUNS },
    )
  })

  it('count and exists', async () => {
    await fc.assert(
      fc.asyncProperty(findOptionsOf(table), async ({ where, withDeleted }) => {
        const options = { where, withDeleted }
        expect(await sent(cap, () => manager.count(options))).toEqual(
          outcome(() => referenceCount(table, options)),
        )
        expect(await sent(cap, () => manager.exists(options))).toEqual(
          outcome(() => referenceExists(table, options)),
        )
      }),
      { numRuns: RUNS },
    )
  })

  it('paginateByCursor', async () => {
    await fc.assert(
      fc.asyncProperty(cursorOptionsOf(table), async (options) => {
        expect(await sent(cap, () => manager.paginateByCursor(options as any))).toEqual(
          outcome(() => referenceCursorPage(table, options)),
        )
      }),
      { numRuns: RUNS },
    )
  })
})
