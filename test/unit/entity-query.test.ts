import { type CompiledQuery, sql } from 'kysely'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { defaultEntityClass } from '../../src/entity/entity'
import {
  type AnyEntityClass,
  type AnyTable,
  CursorCodec,
  c,
  defineTable,
  Entity,
  InvalidQueryError,
  NotFoundError,
} from '../../src/index'
import { EntityQuery } from '../../src/query/entity-query'
import type { ExecuteResult, QueryExecutor } from '../../src/query/executor'
import { MAX_LIMIT } from '../../src/query/query-options'
import {
  everyKind,
  functionDeployments,
  functions,
  projects,
  projectTasks,
  users,
} from '../fixtures/tables'
import { dummyKysely } from '../setup/capture-executor'

const kysely = dummyKysely()

const served = new Map<string, AnyTable>(
  [users, functions, functionDeployments, projects, projectTasks, everyKind].map((t) => [
    t.$name,
    t,
  ]),
)

interface Statement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/**
 * A QueryExecutor on Kysely's DummyDriver: compiles with the PostgreSQL compiler and never
 * connects. `respond` answers statements (recorded in `statements`); without it, running throws.
 */
function testExecutor(respond?: (statement: Statement) => readonly Record<string, unknown>[]) {
  const statements: Statement[] = []
  const executor: QueryExecutor = {
    kysely,
    cursors: new CursorCodec('unit tests'),
    async execute<R>(query: CompiledQuery<unknown>): Promise<ExecuteResult<R>> {
      const statement = { sql: query.sql, parameters: query.parameters }
      statements.push(statement)
      if (respond === undefined) throw new Error('unit tests do not run SQL')
      return { rows: respond(statement) as R[] }
    },
    executeRead: (query) => executor.execute(query),
    raw: async () => {
      throw new Error('unit tests do not run SQL')
    },
    transaction: async () => {
      throw new Error('unit tests do not run SQL')
    },
    table(name: string): AnyTable {
      const table = served.get(name)
      if (table === undefined) {
        throw new InvalidQueryError('table', `no table named ${JSON.stringify(name)} is served`)
      }
      return table
    },
    entityClass: (table: AnyTable): AnyEntityClass => defaultEntityClass(table),
  }
  return { executor, statements }
}

const { executor } = testExecutor()
const query = (alias?: string) =>
  new EntityQuery(executor, defaultEntityClass(functions), alias === undefined ? {} : { alias })
const projectQuery = (alias?: string) =>
  new EntityQuery(executor, defaultEntityClass(projects), alias === undefined ? {} : { alias })

const FN_COLUMNS = [
  'id',
  'uuid',
  'user_id',
  'name',
  'status',
  'active_deployment_id',
  'analysis_result',
  'created_at',
]
const COLS = FN_COLUMNS.map((n) => `"${n}"`).join(', ')
const F_COLS = FN_COLUMNS.map((n) => `"f"."${n}"`).join(', ')
const P_COLS = projects.$meta.selectList

const cutoff = new Date('2024-01-01T00:00:00.000Z')

/** Runs `fn` and returns the InvalidQueryError it throws. */
function invalid(fn: () => unknown): InvalidQueryError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidQueryError)
    return error as InvalidQueryError
  }
  throw new Error('expected an InvalidQueryError')
}

describe('default selection and FROM', () => {
  it('selects every column of the base table', () => {
    expect(query().toSQL()).toEqual({ sql: `select ${COLS} from "functions"`, parameters: [] })
  })

  it('puts the alias in FROM and leaves columns bare while there is no join', () => {
    expect(query('f').toSQL().sql).toBe(`select ${COLS} from "functions" as "f"`)
  })

  it('writes no AS when the alias is the table name', () => {
    expect(query('functions').toSQL().sql).toBe(`select ${COLS} from "functions"`)
  })

  it('qualifies the default columns once the query has a join', () => {
    expect(query('f').join('users u', 'f.user_id', 'u.id').toSQL().sql).toBe(
      `select ${F_COLS} from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id"`,
    )
  })

  it.each([['f; drop table x'], [''], ['1f'], ['f-g']])('refuses the alias %j', (alias) => {
    const error = invalid(() => query(alias))
    expect(error.path).toBe('alias')
    expect(error.message).not.toContain('drop')
  })

  it('refuses an alias that is not a string', () => {
    expect(
      invalid(() => new EntityQuery(executor, defaultEntityClass(functions), { alias: 3 as any }))
        .path,
    ).toBe('alias')
  })
})

describe('select', () => {
  it('selects columns by SQL name', () => {
    expect(query().select('id', 'uuid', 'name', 'status').toSQL().sql).toBe(
      'select "id", "uuid", "name", "status" from "functions"',
    )
  })

  it('takes one array as well as several arguments', () => {
    expect(query().select(['id', 'name']).toSQL()).toEqual(query().select('id', 'name').toSQL())
  })

  it("selects '*'", () => {
    expect(query().select('*').toSQL().sql).toBe('select * from "functions"')
  })

  it("selects 'alias.*' and 'alias.column'", () => {
    expect(query('f').select('f.*', 'f.name').toSQL().sql).toBe(
      'select "f".*, "f"."name" from "functions" as "f"',
    )
  })

  it("renames with 'column as name' and 'alias.column AS name'", () => {
    expect(query('f').select('name as title', 'f.status AS state').toSQL().sql).toBe(
      'select "name" as "title", "f"."status" as "state" from "functions" as "f"',
    )
  })

  it('selects aliased sql expressions, with their parameters', () => {
    const q = query().select('id', sql<number>`length(name) + ${2}`.as('score'))
    expect(q.toSQL()).toEqual({
      sql: 'select "id", length(name) + $1 as "score" from "functions"',
      parameters: [2],
    })
  })

  it('adds to the selection when called again', () => {
    expect(query().select('id').select('name').toSQL().sql).toBe(
      'select "id", "name" from "functions"',
    )
  })

  it('qualifies a bare column of a joined table with the table it resolved to', () => {
    expect(
      // @ts-expect-error: types know the base table; a joined column is written qualified (run time resolves it)
      query('f').join('users u', 'f.user_id', 'u.id').select('name', 'email').toSQL().sql,
    ).toBe(
      'select "f"."name", "u"."email" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id"',
    )
  })

  it('refuses unknown columns and aliases, naming the item', () => {
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query().select('id', 'nope')).path).toBe('select[1]')
    expect(invalid(() => query('f').select('x.id').toSQL()).message).toContain(
      'unknown table or alias "x"',
    )
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query().select('id').select('nope')).path).toBe('select[1]')
  })

  it('refuses an expression without an alias, a bad AS name, and non-strings', () => {
    expect(invalid(() => query().select(sql`1` as any)).message).toContain('without an alias')
    expect(invalid(() => query().select('id as "x"' as any)).path).toBe('select[0]')
    expect(invalid(() => query().select(42 as any)).message).toContain('a number')
  })

  it('refuses an empty selection', () => {
    expect(invalid(() => query().select([])).path).toBe('select')
  })
})

describe('where', () => {
  it("reads where('status', 'active') as =", () => {
    expect(query().where('status', 'active').toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "status" = $1`,
      parameters: ['active'],
    })
  })

  it.each([
    ['=', 'x', '"name" = $1'],
    ['<>', 'x', '"name" <> $1'],
    ['!=', 'x', '"name" != $1'],
    ['<', 'x', '"name" < $1'],
    ['<=', 'x', '"name" <= $1'],
    ['>', 'x', '"name" > $1'],
    ['>=', 'x', '"name" >= $1'],
    ['like', 'a%', '"name" like $1'],
    ['ilike', 'a%', '"name" ilike $1'],
    ['not like', 'a%', '"name" not like $1'],
    ['not ilike', 'a%', '"name" not ilike $1'],
  ] as const)('compiles %s with a bound value', (op, value, condition) => {
    expect(query().where('name', op, value).toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where ${condition}`,
      parameters: [value],
    })
  })

  it.each([
    ['@>', '"tags" @> $1'],
    ['<@', '"tags" <@ $1'],
    ['&&', '"tags" && $1'],
  ] as const)('binds an array as one parameter with %s', (op, condition) => {
    const q = new EntityQuery(executor, defaultEntityClass(everyKind)).where('tags', op, ['a', 'b'])
    expect(q.toSQL().sql).toMatch(new RegExp(` where ${condition.replace(/[$@&<>]/g, '\\$&')}$`))
    expect(q.toSQL().parameters).toEqual([['a', 'b']])
  })

  it('compiles in as = any($1) and not in as <> all($1), one parameter each', () => {
    expect(query().where('id', 'in', [1, 2, 3]).where('id', 'not in', [4]).toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "id" = any($1) and "id" <> all($2)`,
      parameters: [[1, 2, 3], [4]],
    })
  })

  it('accepts operators in upper case and with extra spaces', () => {
    expect(
      query()
        .where('name', 'NOT  ILIKE' as any, 'a%')
        .where('id', 'IN', [1])
        .toSQL().sql,
    ).toBe(`select ${COLS} from "functions" where "name" not ilike $1 and "id" = any($2)`)
  })

  it('writes is null / is not null for = null and <> null', () => {
    expect(query().where('status', null).where('name', '<>', null).toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "status" is null and "name" is not null`,
      parameters: [],
    })
  })

  it('writes is true / is not false inline', () => {
    expect(
      new EntityQuery(executor, defaultEntityClass(everyKind))
        .select('id')
        .where('flag', 'is', true)
        .where('flag', 'is not', false)
        .toSQL().sql,
    ).toBe('select "id" from "every_kind" where "flag" is true and "flag" is not false')
  })

  it('binds dates and numbers as parameters', () => {
    expect(query().where('created_at', '>', cutoff).where('user_id', 7).toSQL().parameters).toEqual(
      [cutoff, 7],
    )
  })

  it('copies an in-list, so changing the array later does not change the query', () => {
    const ids = [1, 2]
    const q = query().whereIn('id', ids)
    ids.push(3)
    expect(q.toSQL().parameters).toEqual([[1, 2]])
  })
})

describe('orWhere', () => {
  it('ORs with everything before: where(a).where(b).orWhere(c) is ((a and b) or c)', () => {
    expect(
      query().where('status', 'active').where('user_id', 7).orWhere('status', 'pinned').toSQL(),
    ).toEqual({
      sql: `select ${COLS} from "functions" where (("status" = $1 and "user_id" = $2) or "status" = $3)`,
      parameters: ['active', 7, 'pinned'],
    })
  })

  it('lets AND bind tighter: where(a).orWhere(b).where(c) is (a or (b and c))', () => {
    expect(query().where('id', 1).orWhere('id', 2).where('status', 'active').toSQL().sql).toBe(
      `select ${COLS} from "functions" where ("id" = $1 or ("id" = $2 and "status" = $3))`,
    )
  })

  it('takes the operator form, and acts as where when first', () => {
    expect(query().orWhere('id', '>', 5).toSQL().sql).toBe(
      `select ${COLS} from "functions" where "id" > $1`,
    )
  })

  it('never brings soft-deleted rows back: the soft-delete condition stays outside', () => {
    expect(projectQuery().where('status', 'open').orWhere('name', 'x').toSQL().sql).toBe(
      `select ${P_COLS} from "projects" where ("status" = $1 or "name" = $2) and "deleted_at" is null`,
    )
  })

  it('validates like where', () => {
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query().where('id', 1).orWhere('nope', 1)).path).toBe('where[1].column')
  })
})

describe('whereIn, whereNotIn, whereNull, whereNotNull', () => {
  it('whereIn binds the array once', () => {
    expect(query().whereIn('status', ['active', 'paused']).toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "status" = any($1)`,
      parameters: [['active', 'paused']],
    })
  })

  it('whereNotIn', () => {
    expect(query().whereNotIn('id', [1, 2]).toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "id" <> all($1)`,
      parameters: [[1, 2]],
    })
  })

  it('whereNull and whereNotNull', () => {
    expect(query().whereNull('active_deployment_id').whereNotNull('status').toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "active_deployment_id" is null and "status" is not null`,
      parameters: [],
    })
  })

  it('refuses an empty or missing list', () => {
    expect(invalid(() => query().whereIn('id', [])).path).toBe('where[0].values')
    expect(invalid(() => query().whereNotIn('id', 'x' as any)).message).toContain('a string')
  })

  it('refuses unknown columns', () => {
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query().whereNull('nope')).path).toBe('where[0].column')
  })
})

describe('whereRaw', () => {
  it('puts the expression in parentheses, with its parameters bound', () => {
    const q = query()
      .where('user_id', 1)
      .whereRaw(sql<boolean>`created_at > now() - ${7} * interval '1 day' or status = 'pinned'`)
    expect(q.toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "user_id" = $1 and (created_at > now() - $2 * interval '1 day' or status = 'pinned')`,
      parameters: [1, 7],
    })
  })

  it('refuses a string, pointing to the sql tag', () => {
    const error = invalid(() => query().whereRaw("status = 'x'" as any))
    expect(error.path).toBe('where[0]')
    expect(error.message).toContain('sql tag')
    expect(error.message).not.toContain("status = 'x'")
  })

  it('refuses anything that is not an expression', () => {
    expect(invalid(() => query().whereRaw({ sql: 'x' } as any)).message).toContain('an object')
  })
})

describe('joins', () => {
  it("inner joins 'users u'", () => {
    expect(query('f').select('f.id').join('users u', 'f.user_id', 'u.id').toSQL().sql).toBe(
      'select "f"."id" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id"',
    )
  })

  it("left joins 'function_deployments as fd'", () => {
    expect(
      query('f')
        .select('f.id')
        .leftJoin('function_deployments as fd', 'f.id', 'fd.function_id')
        .toSQL().sql,
    ).toBe(
      'select "f"."id" from "functions" as "f" left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id"',
    )
  })

  it('right joins a table without an alias', () => {
    expect(
      query().select('users.email').rightJoin('users', 'functions.user_id', 'users.id').toSQL().sql,
    ).toBe(
      'select "users"."email" from "functions" right join "users" on "functions"."user_id" = "users"."id"',
    )
  })

  it('resolves bare ON columns (base table first) and qualifies them', () => {
    expect(query('f').select('f.id').join('users u', 'user_id', 'u.id').toSQL().sql).toBe(
      'select "f"."id" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id"',
    )
  })

  it('qualifies bare where/order columns once joined', () => {
    const q = query('f')
      .join('users u', 'f.user_id', 'u.id')
      .select('f.id')
      .where('status', 'active')
      // @ts-expect-error: a bare joined column is a run-time feature; typed code writes u.email
      .where('email', 'like', '%@x.io')
      .orderBy('name')
    expect(q.toSQL().sql).toBe(
      'select "f"."id" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id" where "f"."status" = $1 and "u"."email" like $2 order by "f"."name" asc',
    )
  })

  it('resolves a bare column to the base table first, else to the one joined table that has it', () => {
    const q = query('f')
      .join('users u', 'f.user_id', 'u.id')
      .join('projects p', 'p.user_id', 'u.id')
      .select('f.id')
      .where('uuid', 'x')
      // @ts-expect-error: a bare joined column is a run-time feature; typed code writes p.deleted_at
      .where('deleted_at', null)
    expect(q.toSQL().sql).toMatch(/ where "f"."uuid" = \$1 and "p"."deleted_at" is null$/)
  })

  it('refuses a bare column found in two joined tables, and one found nowhere', () => {
    const twice = query('f')
      .join('function_deployments d1', 'f.id', 'd1.function_id')
      .join('function_deployments d2', 'f.id', 'd2.function_id')
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => twice.where('version', 1)).message).toBe(
      'where[0].column: column "version" is ambiguous (in d1, d2): qualify it',
    )
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => twice.where('nope', 1)).message).toBe(
      'where[0].column: unknown column "nope" of functions (as f), function_deployments (as d1), function_deployments (as d2)',
    )
  })

  it('refuses a table that is not served, naming the argument', () => {
    const error = invalid(() => query('f').join('secrets s', 'f.id', 's.id'))
    expect(error.path).toBe('join[0].table')
    expect(error.message).toContain('"secrets"')
  })

  it.each([['users u u'], ['users; drop table x'], ['users as'], ['"users"'], ['']])(
    'refuses the table argument %j',
    (spec) => {
      const error = invalid(() => query('f').join(spec, 'f.user_id', 'u.id'))
      expect(error.path).toBe('join[0].table')
      expect(error.message).not.toContain('drop')
    },
  )

  it('refuses an alias already in the query', () => {
    expect(invalid(() => query('u').join('users u', 'u.user_id', 'u.id')).message).toContain(
      'already a table or alias',
    )
    expect(
      invalid(() =>
        query().join('users', 'user_id', 'users.id').join('users', 'user_id', 'users.id'),
      ).path,
    ).toBe('join[1].table')
  })

  it('refuses ON columns that are unknown or of tables not in the query', () => {
    expect(invalid(() => query('f').join('users u', 'f.user_id', 'u.nope')).path).toBe(
      'join[0].on[1]',
    )
    expect(invalid(() => query('f').join('users u', 'x.user_id', 'u.id')).path).toBe(
      'join[0].on[0]',
    )
  })

  it('takes qualified references to a table joined later, checked when compiled', () => {
    const q = query('f').select('f.id', 'u.email').where('u.email', 'a@x.io')
    expect(q.join('users u', 'f.user_id', 'u.id').toSQL().sql).toBe(
      'select "f"."id", "u"."email" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id" where "u"."email" = $1',
    )
    expect(invalid(() => q.toSQL()).message).toBe(
      'select[1]: unknown table or alias "u" (in scope: f)',
    )
    expect(
      invalid(() => q.join('users u', 'f.user_id', 'u.id').where('u.nope', 1).toSQL()).path,
    ).toBe('where[1].column')
    expect(invalid(() => q.join('functions u', 'f.user_id', 'u.id').toSQL()).message).toBe(
      'select[1]: unknown column "email" of functions (as u)',
    )
  })

  it('resolves bare names when given: a column of a table joined later is refused', () => {
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query('f').select('email')).message).toBe(
      'select[0]: unknown column "email" of functions (as f)',
    )
  })

  it('refuses ON references to tables joined later', () => {
    expect(invalid(() => query('f').join('users u', 'f.user_id', 'p.user_id')).path).toBe(
      'join[0].on[1]',
    )
  })

  it('runs the query methods on a rejected deferred reference lazily: all() rejects', async () => {
    await expect(query('f').where('u.id', 1).all()).rejects.toMatchObject({
      path: 'where[0].column',
    })
  })
})

describe('the Dart query builder examples', () => {
  it('complex query with joins', () => {
    const q = query('f')
      .select(['f.*', 'u.email', sql<number>`count(fd.id)`.as('deployment_count')])
      .join('users u', 'f.user_id', 'u.id')
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .where('f.status', '=', 'active')
      .where('f.created_at', '>', cutoff)
      .groupBy('f.id', 'u.email')
      .orderBy('f.created_at', 'desc')
      .limit(20)
    expect(q.toSQL()).toEqual({
      sql:
        'select "f".*, "u"."email", count(fd.id) as "deployment_count" from "functions" as "f" ' +
        'inner join "users" as "u" on "f"."user_id" = "u"."id" ' +
        'left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id" ' +
        'where "f"."status" = $1 and "f"."created_at" > $2 ' +
        'group by "f"."id", "u"."email" order by "f"."created_at" desc limit $3',
      parameters: ['active', cutoff, 20],
    })
  })

  it('optimized query: specific columns, indexed WHERE, order, limit and offset', () => {
    const q = query()
      .select(['id', 'uuid', 'name', 'status'])
      .where('user_id', 42)
      .where('status', 'active')
      .orderBy('created_at', 'DESC')
      .limit(20)
      .offset(0)
    expect(q.toSQL()).toEqual({
      sql: 'select "id", "uuid", "name", "status" from "functions" where "user_id" = $1 and "status" = $2 order by "created_at" desc limit $3 offset $4',
      parameters: [42, 'active', 20, 0],
    })
  })
})

describe('groupBy and having', () => {
  it('groups by several columns, given as arguments or an array', () => {
    const q = query('f').select('f.user_id').groupBy(['f.user_id', 'status'])
    expect(q.toSQL().sql).toBe(
      'select "f"."user_id" from "functions" as "f" group by "f"."user_id", "status"',
    )
    expect(query('f').select('f.user_id').groupBy('f.user_id', 'status').toSQL()).toEqual(q.toSQL())
  })

  it('having on an aggregate expression, bound', () => {
    const q = query('f')
      .select(['f.id', sql<number>`count(fd.id)`.as('n')])
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .groupBy('f.id')
      .having(sql`count(fd.id)`, '>', 5)
    expect(q.toSQL()).toEqual({
      sql: 'select "f"."id", count(fd.id) as "n" from "functions" as "f" left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id" group by "f"."id" having count(fd.id) > $1',
      parameters: [5],
    })
  })

  it('having on a column, with the two-argument form, ANDed', () => {
    expect(
      query()
        .select('status')
        .groupBy('status')
        .having('status', 'active')
        .having(sql`count(*)`, '>=', 2)
        .toSQL(),
    ).toEqual({
      sql: 'select "status" from "functions" group by "status" having "status" = $1 and count(*) >= $2',
      parameters: ['active', 2],
    })
  })

  it('refuses unknown group columns and bad having operators', () => {
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query().groupBy('id', 'nope')).path).toBe('groupBy[1]')
    expect(invalid(() => query().groupBy([])).path).toBe('groupBy')
    expect(invalid(() => query().having(sql`count(*)`, 'between' as any, 1)).path).toBe(
      'having[0].operator',
    )
    expect(invalid(() => query().having('id; x' as any, 1)).path).toBe('having[0].column')
  })
})

describe('orderBy', () => {
  it('orders by several terms, ascending by default, upper case accepted', () => {
    expect(
      query().orderBy('status').orderBy('created_at', 'DESC').orderBy('id', 'asc').toSQL().sql,
    ).toBe(`select ${COLS} from "functions" order by "status" asc, "created_at" desc, "id" asc`)
  })

  it('orders by a name given in the selection, or by an expression', () => {
    const q = query('f')
      .select(['f.id', sql<number>`count(fd.id)`.as('deployment_count'), 'f.name as title'])
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
      .groupBy('f.id')
      .orderBy('deployment_count', 'desc')
      .orderBy('title')
      .orderBy(sql`length(f.name)`, 'desc')
    expect(q.toSQL().sql).toBe(
      'select "f"."id", count(fd.id) as "deployment_count", "f"."name" as "title" from "functions" as "f" left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id" group by "f"."id" order by "deployment_count" desc, "title" asc, length(f.name) desc',
    )
  })

  it('refuses unknown columns and directions', () => {
    expect(invalid(() => query().orderBy('deployment_count' as any)).path).toBe('orderBy[0].column')
    expect(
      invalid(() =>
        query()
          .orderBy('id')
          .orderBy('id', 'down' as any),
      ).path,
    ).toBe('orderBy[1].direction')
    expect(invalid(() => query().orderBy('id desc' as any)).path).toBe('orderBy[0].column')
  })
})

describe('limit and offset', () => {
  it('binds limit and offset as parameters', () => {
    expect(query().limit(20).offset(40).toSQL()).toEqual({
      sql: `select ${COLS} from "functions" limit $1 offset $2`,
      parameters: [20, 40],
    })
  })

  it('accepts 0 and MAX_LIMIT; the last call wins', () => {
    expect(query().limit(0).toSQL().parameters).toEqual([0])
    expect(query().limit(5).limit(MAX_LIMIT).toSQL().parameters).toEqual([MAX_LIMIT])
  })

  it.each([
    [-1],
    [1.5],
    ['10'],
    [Number.NaN],
    [MAX_LIMIT + 1],
    [Number.POSITIVE_INFINITY],
    [null],
    [10n],
  ])('refuses the limit %s', (n) => {
    expect(invalid(() => query().limit(n as any)).path).toBe('limit')
  })

  it.each([[-1], [0.5], ['0'], [Number.NaN]])('refuses the offset %s', (n) => {
    expect(invalid(() => query().offset(n as any)).path).toBe('offset')
  })
})

describe('soft delete', () => {
  it('leaves out soft-deleted rows of the base table by default', () => {
    expect(projectQuery().toSQL()).toEqual({
      sql: `select ${P_COLS} from "projects" where "deleted_at" is null`,
      parameters: [],
    })
  })

  it('puts the soft-delete condition after the caller conditions', () => {
    expect(projectQuery().where('status', 'open').toSQL().sql).toBe(
      `select ${P_COLS} from "projects" where "status" = $1 and "deleted_at" is null`,
    )
  })

  it('qualifies it with the alias once joined, and filters the base table only', () => {
    expect(
      projectQuery('p').select('p.id').join('project_tasks t', 'p.id', 't.project_id').toSQL().sql,
    ).toBe(
      'select "p"."id" from "projects" as "p" inner join "project_tasks" as "t" on "p"."id" = "t"."project_id" where "p"."deleted_at" is null',
    )
  })

  it('withDeleted() includes them, wherever it is called in the chain', () => {
    expect(projectQuery().withDeleted().where('status', 'open').toSQL().sql).toBe(
      `select ${P_COLS} from "projects" where "status" = $1`,
    )
  })

  it('withDeleted() changes nothing on a table without soft delete', () => {
    expect(query().withDeleted().toSQL()).toEqual(query().toSQL())
  })
})

describe('immutability', () => {
  it('every method returns a new query and leaves the original unchanged', () => {
    const base = query('f')
    const before = base.toSQL()
    const derived = [
      base.select('f.id'),
      base.where('f.id', 1),
      base.orWhere('f.id', 1),
      base.whereIn('f.id', [1]),
      base.whereNotIn('f.id', [1]),
      base.whereNull('f.status'),
      base.whereNotNull('f.status'),
      base.whereRaw(sql<boolean>`true`),
      base.join('users u', 'f.user_id', 'u.id'),
      base.leftJoin('users u', 'f.user_id', 'u.id'),
      base.rightJoin('users u', 'f.user_id', 'u.id'),
      base.groupBy('f.id'),
      base.having('f.id', 1),
      base.orderBy('f.id'),
      base.limit(1),
      base.offset(1),
      base.withDeleted(),
      base.with('owner'),
    ]
    for (const q of derived) {
      expect(q).toBeInstanceOf(EntityQuery)
      expect(q).not.toBe(base)
    }
    expect(base.toSQL()).toEqual(before)
  })

  it('two branches of one base query do not see each other', () => {
    const base = query().where('status', 'active')
    const a = base.where('user_id', 1).orderBy('id')
    const b = base.where('user_id', 2).limit(3)
    expect(a.toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "status" = $1 and "user_id" = $2 order by "id" asc`,
      parameters: ['active', 1],
    })
    expect(b.toSQL()).toEqual({
      sql: `select ${COLS} from "functions" where "status" = $1 and "user_id" = $2 limit $3`,
      parameters: ['active', 2, 3],
    })
    expect(base.toSQL().parameters).toEqual(['active'])
  })

  it('a failed call leaves the query usable', () => {
    const q = query().where('id', 1)
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(() => q.where('nope', 1)).toThrow(InvalidQueryError)
    expect(q.where('id', 2).toSQL().parameters).toEqual([1, 2])
  })
})

describe('rejections of untrusted identifiers and operators', () => {
  it.each([
    ['id; drop table x'],
    ['id--'],
    ['"id"'],
    ['id '],
    [' id'],
    ['1id'],
    ['f.id.x'],
    ['f..id'],
    ['*'],
    ['f.*'],
    [''],
    ['id)'],
    ["id' or '1'='1"],
    ['a'.repeat(64)],
  ])('refuses the column reference %j, without repeating it', (ref) => {
    const error = invalid(() => query('f').where(ref as any, 1))
    expect(error.path).toBe('where[0].column')
    if (ref.length > 3) expect(error.message).not.toContain(ref)
  })

  it('refuses references that are not strings', () => {
    expect(invalid(() => query().where(42 as any, 1)).message).toContain('got a number')
    expect(invalid(() => query().where({ raw: 'id' } as any, 1)).message).toContain('an object')
  })

  it('names unknown columns and aliases that are identifiers', () => {
    // @ts-expect-error: not a column of the table (checked at run time too)
    expect(invalid(() => query().where('nope', 1)).message).toBe(
      'where[0].column: unknown column "nope" of functions',
    )
    expect(invalid(() => query('f').where('g.id', 1).toSQL()).message).toBe(
      'where[0].column: unknown table or alias "g" (in scope: f)',
    )
    // Once aliased, the table name is no longer in scope, as in SQL.
    expect(invalid(() => query('f').where('functions.id', 1).toSQL()).message).toContain(
      '"functions"',
    )
    expect(invalid(() => query('f').where('f.password_hash', 1)).message).toContain(
      'unknown column "password_hash" of functions (as f)',
    )
  })

  it.each([
    ['=='],
    ['= 1 or 1 ='],
    ['; drop table x'],
    ['between'],
    ['regexp'],
    ['~'],
    ['not'],
    [''],
  ])('refuses the operator %j, without repeating it', (op) => {
    const error = invalid(() => query().where('id', op as any, 1))
    expect(error.path).toBe('where[0].operator')
    expect(error.message).toContain('allowed: =')
    if (op.length > 2) expect(error.message.split('; allowed')[0]).not.toContain(op)
  })

  it('refuses operators that are not strings', () => {
    expect(invalid(() => query().where('id', 5 as any, 1)).path).toBe('where[0].operator')
  })

  it('refuses a wrong number of arguments', () => {
    expect(invalid(() => (query().where as any)('id')).path).toBe('where[0]')
    expect(invalid(() => (query().where as any)('id', '=', 1, 2)).path).toBe('where[0]')
  })

  it.each([
    ['undefined', '=', undefined],
    ['a function', '=', () => 1],
    ['an sql expression', '=', sql`now()`],
    ['an empty in-list', 'in', []],
    ['a non-array in-list', 'not in', 5],
    ['is with a string', 'is', 'null'],
    ['like with a number', 'like', 5],
    ['null with <', '<', null],
  ])('refuses %s as a value', (_, op, value) => {
    const error = invalid(() => query().where('name', op as any, value))
    expect(error.path).toBe('where[0].value')
  })

  it('never repeats a value in an error message', () => {
    const secret = 'sk_live_secret_value_123'
    for (const fn of [
      () => query().where('name', 'like', { secret }),
      () => query().where('name', 'is', secret),
      () => query().where('name', 'in', secret),
      () => query().limit(secret as any),
      () => query().where(`${secret}!` as any, 1),
      () => query().where('name', secret as any, 1),
      () => query().whereRaw(secret as any),
      () => query().join(`users ${secret}-`, 'user_id', 'id'),
    ]) {
      expect(invalid(fn).message).not.toContain(secret)
    }
  })
})

describe('with (validation and loading)', () => {
  it('refuses unknown relations and paths at the call, naming the argument', () => {
    const error = invalid(() => query().with('owner', 'nope' as any))
    expect(error.path).toBe('with[1]')
    expect(error.message).toContain('functions has no relation "nope" (relations: owner)')
    expect(invalid(() => query().with('owner.nope' as any)).message).toContain(
      'users has no relation',
    )
    expect(invalid(() => query().with('owner; drop' as any)).message).not.toContain('drop')
    expect(invalid(() => query().with('' as any)).path).toBe('with[0]')
  })

  it('refuses a relation that would hide a column of its entities', () => {
    const clash = defineTable(
      'clash',
      { id: c.serial().primaryKey(), owner: c.integer() },
      { relations: (r) => ({ owner: r.belongsTo('users', 'owner') }) },
    )
    const error = invalid(() => new EntityQuery(executor, defaultEntityClass(clash)).with('owner'))
    expect(error.message).toContain('would hide a property')
  })

  it('loads each relation level with one query for all entities, and attaches it', async () => {
    const { executor: ex, statements } = testExecutor(({ sql: text, parameters }) => {
      if (text.includes('from "project_tasks"')) {
        return [
          { id: 1, project_id: 10, title: 'a', assignee_id: 5, done: false, deleted_at: null },
          { id: 2, project_id: 10, title: 'b', assignee_id: null, done: true, deleted_at: null },
          { id: 3, project_id: 11, title: 'c', assignee_id: 5, done: false, deleted_at: null },
        ]
      }
      if (text.includes('from "projects"')) {
        expect(parameters).toEqual([[10, 11]])
        return [
          { id: 10, user_id: 5, name: 'p10' },
          { id: 11, user_id: 6, name: 'p11' },
        ]
      }
      if (text.includes('from "users"'))
        return [
          { id: 5, email: 'a@x.io' },
          { id: 6, email: 'b@x.io' },
        ]
      throw new Error(`unexpected ${text}`)
    })
    const tasks = await new EntityQuery(ex, defaultEntityClass(projectTasks))
      .with('project.owner', 'assignee')
      .all()
    expect(statements.map((s) => s.sql)).toEqual([
      `select ${projectTasks.$meta.selectList} from "project_tasks" where "deleted_at" is null`,
      `select ${projects.$meta.selectList} from "projects" where "id" = any($1) and "deleted_at" is null`,
      `select ${users.$meta.selectList} from "users" where "id" = any($1)`,
      `select ${users.$meta.selectList} from "users" where "id" = any($1)`,
    ])
    const [a, b, t3] = tasks as any[]
    expect(a.project.name).toBe('p10')
    expect(a.project).toBe(b.project)
    expect(a.project.owner.email).toBe('a@x.io')
    expect(t3.project.owner.email).toBe('b@x.io')
    expect(a.assignee.email).toBe('a@x.io')
    expect(b.assignee).toBeNull()
    expect(Object.keys(a)).toContain('project')
  })

  it('sends no relation query when there are no entities', async () => {
    const { executor: ex, statements } = testExecutor(() => [])
    expect(await new EntityQuery(ex, defaultEntityClass(projects)).with('tasks').all()).toEqual([])
    expect(statements).toHaveLength(1)
  })

  it('execute() refuses relations (rows are not entities)', async () => {
    await expect(query().with('owner').execute()).rejects.toThrow(/use all\(\)/)
  })
})

describe('terminals', () => {
  const fnRow = {
    id: 1,
    uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    user_id: 5,
    name: 'hello',
    status: 'active',
    active_deployment_id: null,
    analysis_result: null,
    created_at: cutoff,
  }

  it('all() sends toSQL() and makes entities of the query class', async () => {
    class FunctionEntity extends Entity.of(functions) {
      get shout(): string {
        return this.name.toUpperCase()
      }
    }
    const { executor: ex, statements } = testExecutor(() => [fnRow])
    const q = new EntityQuery(ex, FunctionEntity).where('status', 'active')
    const [fn] = await q.all()
    expect(statements).toEqual([q.toSQL()])
    expect(fn).toBeInstanceOf(FunctionEntity)
    expect(fn?.userId).toBe(5)
    expect(fn?.shout).toBe('HELLO')
  })

  it('all(), first() and paginate() refuse a custom selection before sending anything', async () => {
    const { executor: ex, statements } = testExecutor(() => [])
    const q = new EntityQuery(ex, defaultEntityClass(functions)).select('id')
    await expect(q.all()).rejects.toThrow(/use execute|through execute\(\)/)
    await expect(q.first()).rejects.toBeInstanceOf(InvalidQueryError)
    await expect(q.paginate({ page: 1, pageSize: 10 })).rejects.toBeInstanceOf(InvalidQueryError)
    expect(statements).toEqual([])
  })

  it('first() adds limit 1 and returns null when empty', async () => {
    const { executor: ex, statements } = testExecutor(() => [])
    expect(
      await new EntityQuery(ex, defaultEntityClass(functions)).orderBy('id', 'desc').first(),
    ).toBeNull()
    expect(statements).toEqual([
      { sql: `select ${COLS} from "functions" order by "id" desc limit $1`, parameters: [1] },
    ])
  })

  it('firstOrThrow() throws NotFoundError naming the table', async () => {
    const { executor: ex } = testExecutor(() => [])
    const error = await new EntityQuery(ex, defaultEntityClass(functions))
      .firstOrThrow()
      .catch((e) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.table).toBe('functions')
  })

  it('count() counts over the conditions and joins, ignoring selection, order, limit and offset', async () => {
    const { executor: ex, statements } = testExecutor(() => [{ count: 7n }])
    const n = await new EntityQuery(ex, defaultEntityClass(functions), { alias: 'f' })
      .select('f.id')
      .join('users u', 'f.user_id', 'u.id')
      .where('u.email', 'like', '%@x.io')
      .orderBy('f.id')
      .limit(5)
      .offset(10)
      .count()
    expect(n).toBe(7)
    expect(statements).toEqual([
      {
        sql: 'select count(*) as "count" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id" where "u"."email" like $1',
        parameters: ['%@x.io'],
      },
    ])
  })

  it('count() with groupBy counts the groups; soft delete applies', async () => {
    const { executor: ex, statements } = testExecutor(() => [{ count: '3' }])
    const n = await new EntityQuery(ex, defaultEntityClass(projects))
      .groupBy('user_id')
      .having(sql`count(*)`, '>', 1)
      .count()
    expect(n).toBe(3)
    expect(statements).toEqual([
      {
        sql: 'select count(*) as "count" from (select 1 as "one" from "projects" where "deleted_at" is null group by "user_id" having count(*) > $1) as "groups"',
        parameters: [1],
      },
    ])
  })

  it('paginate() pages with limit/offset, then counts', async () => {
    const { executor: ex, statements } = testExecutor(({ sql: text }) =>
      text.startsWith('select count') ? [{ count: 45n }] : [fnRow, { ...fnRow, id: 2 }],
    )
    const page = await new EntityQuery(ex, defaultEntityClass(functions))
      .where('status', 'active')
      .orderBy('id')
      .limit(3)
      .paginate({ page: 3, pageSize: 20 })
    expect(statements).toEqual([
      {
        sql: `select ${COLS} from "functions" where "status" = $1 order by "id" asc limit $2 offset $3`,
        parameters: ['active', 20, 40],
      },
      {
        sql: 'select count(*) as "count" from "functions" where "status" = $1',
        parameters: ['active'],
      },
    ])
    expect(page).toMatchObject({ total: 45, page: 3, pageSize: 20, hasMore: false })
    expect(page.items.map((f) => f.id)).toEqual([1, 2])
    const second = await new EntityQuery(ex, defaultEntityClass(functions)).paginate({
      page: 2,
      pageSize: 20,
    })
    expect(second.hasMore).toBe(true)
  })

  it('paginate() checks page and pageSize', async () => {
    const q = query()
    await expect(q.paginate({ page: 0, pageSize: 10 })).rejects.toMatchObject({ path: 'page' })
    await expect(q.paginate({ page: 1.5, pageSize: 10 })).rejects.toMatchObject({ path: 'page' })
    await expect(q.paginate({ page: 1, pageSize: 0 })).rejects.toMatchObject({ path: 'pageSize' })
    await expect(q.paginate({ page: 1, pageSize: MAX_LIMIT + 1 })).rejects.toMatchObject({
      path: 'pageSize',
    })
    await expect(q.paginate({ page: 2 ** 31, pageSize: 100 })).rejects.toMatchObject({
      path: 'page',
    })
  })

  it('execute() returns the rows as they come', async () => {
    const rows = [{ id: 1, n: 2n }]
    const { executor: ex, statements } = testExecutor(() => rows)
    const q = new EntityQuery(ex, defaultEntityClass(functions))
      .select(['id', sql<bigint>`count(*)`.as('n')])
      .groupBy('id')
    expect(await q.execute<{ id: number; n: bigint }>()).toEqual(rows)
    expect(statements).toEqual([q.toSQL()])
  })

  it('kysely is the underlying SelectQueryBuilder of the same statement', () => {
    const q = query('f').where('f.status', 'active').limit(2)
    expect(q.kysely.isSelectQueryBuilder).toBe(true)
    const compiled = q.kysely.compile()
    expect({ sql: compiled.sql, parameters: compiled.parameters }).toEqual(q.toSQL())
    expect(q.kysely.where('f.id', '>', 3).compile().sql).toBe(
      `select ${COLS} from "functions" as "f" where "f"."status" = $1 and "f"."id" > $2 limit $3`,
    )
  })
})

describe('types', () => {
  it('types entities, loaded relations, references and selection names', () => {
    class ProjectEntity extends Entity.of(projects) {}
    const q = new EntityQuery(executor, ProjectEntity)
    expectTypeOf(q.all).returns.resolves.toEqualTypeOf<ProjectEntity[]>()
    const loaded = q.with('owner', 'tasks.assignee')
    type Loaded = Awaited<ReturnType<typeof loaded.first>>
    expectTypeOf<NonNullable<Loaded>['owner']>().toEqualTypeOf<object | null>()
    expectTypeOf<NonNullable<Loaded>['tasks']>().toEqualTypeOf<object[]>()
    expectTypeOf<NonNullable<Loaded>['name']>().toEqualTypeOf<string>()
    expectTypeOf(q.execute<{ n: number }>).returns.resolves.toEqualTypeOf<{ n: number }[]>()
    // @ts-expect-error: not a relation of projects
    expect(() => q.with('nope')).toThrow(InvalidQueryError)
    // A name given in the selection may be ordered by; other strings must be columns.
    q.select(['id', sql<number>`1`.as('one'), 'name as title'])
      .orderBy('one')
      .orderBy('title')
    // @ts-expect-error: not a column, not a selected name
    expect(() => q.orderBy('one')).toThrow(InvalidQueryError)
  })
})
