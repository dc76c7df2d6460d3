// Issue 15, section 4 without a database: groupBy and orderBy take expressions and output names,
// having takes any boolean expression, FULL JOIN exists; the exact SQL and parameters, and the
// refusals (an unknown name, a raw string, a hidden column through an output name).
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import * as cp from '../../src/containerpub/index'
import { EntityQuery, InvalidQueryError, MAX_WHERE_VALUES } from '../../src/index'
import { captureExecutor } from '../setup/capture-executor'

const cap = captureExecutor(Object.values(cp.containerpubTables))
const invocations = (alias = 'fi', publicOnly = false) =>
  new EntityQuery(cap.executor, cp.FunctionInvocationEntity, { alias, publicOnly })
const functions = (alias = 'f', publicOnly = false) =>
  new EntityQuery(cap.executor, cp.FunctionEntity, { alias, publicOnly })

const hour = sql<Date>`date_trunc('hour', fi.timestamp)`

function thrown(run: () => unknown): InvalidQueryError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidQueryError)
    return error as InvalidQueryError
  }
  throw new Error('accepted')
}

describe('groupBy', () => {
  it('takes an sql expression, written as it is, its values bound', () => {
    const q = invocations()
      .select([hour.as('bucket'), sql<bigint>`count(*)`.as('n')])
      .groupBy(hour)
      .orderBy(hour)
    expect(q.toSQL()).toEqual({
      sql: `select date_trunc('hour', fi.timestamp) as "bucket", count(*) as "n" from "function_invocations" as "fi" group by date_trunc('hour', fi.timestamp) order by date_trunc('hour', fi.timestamp) asc`,
      parameters: [],
    })
    const bound = invocations()
      .select(sql<bigint>`count(*)`.as('n'))
      .groupBy('fi.function_id', sql`fi.duration_ms / ${100}`)
    expect(bound.toSQL()).toEqual({
      sql: 'select count(*) as "n" from "function_invocations" as "fi" group by "fi"."function_id", fi.duration_ms / $1',
      parameters: [100],
    })
  })

  it('writes an output name as its position in the selection, and orderBy as its name', () => {
    const q = invocations()
      .select(['fi.function_id', hour.as('bucket'), sql<bigint>`count(*)`.as('n')])
      .where('fi.status', 'success')
      .groupBy('fi.function_id', 'bucket')
      .orderBy('bucket', 'desc')
    expect(q.toSQL()).toEqual({
      sql: `select "fi"."function_id", date_trunc('hour', fi.timestamp) as "bucket", count(*) as "n" from "function_invocations" as "fi" where "fi"."status" = $1 group by "fi"."function_id", 2 order by "bucket" desc`,
      parameters: ['success'],
    })
  })

  it('groups by the position of a column renamed by as, even when the name is a column', () => {
    // PostgreSQL would read `group by "status"` as the input column status, not the output.
    const q = invocations('fi').select(['fi.error as status', 'fi.uuid']).groupBy('status', 'uuid')
    expect(q.toSQL().sql).toBe(
      'select "fi"."error" as "status", "fi"."uuid" from "function_invocations" as "fi" group by 1, "uuid"',
    )
  })

  it('after a * the position is unknown: the name when no column has it, else refused', () => {
    const q = functions('f')
      .select(['f.*', sql<string>`lower(u.email)`.as('owner'), sql<bigint>`count(*)`.as('n')])
      .join('users u', 'f.user_id', 'u.id')
      .groupBy('f.id', 'owner')
    expect(q.toSQL().sql).toBe(
      'select "f".*, lower(u.email) as "owner", count(*) as "n" from "functions" as "f" inner join "users" as "u" on "f"."user_id" = "u"."id" group by "f"."id", "owner"',
    )
    const clash = functions('f')
      .select(['f.*', sql<string>`upper(f.name)`.as('status')])
      .groupBy('f.id', 'status')
    const error = thrown(() => clash.toSQL())
    expect(error.path).toBe('groupBy[1]')
    expect(error.message).toContain('a * before it in select hides its position')
  })

  it('refuses an output name given to several outputs', () => {
    const q = invocations().select(['fi.uuid as x', 'fi.status as x']).groupBy('x')
    const error = thrown(() => q.toSQL())
    expect(error.path).toBe('groupBy[0]')
    expect(error.message).toContain('several outputs')
  })

  it('refuses an unknown name, a raw SQL string and an aliased expression, never writing them', () => {
    const unknown = thrown(() =>
      invocations()
        .select(hour.as('bucket'))
        .groupBy('buckett' as any),
    )
    expect(unknown.path).toBe('groupBy[0]')
    expect(unknown.message).toContain('unknown column "buckett"')
    const raw = thrown(() =>
      invocations().groupBy("date_trunc('hour', fi.timestamp); drop table users" as any),
    )
    expect(raw.path).toBe('groupBy[0]')
    expect(raw.message).not.toContain('drop')
    // A name not selected yet is a column reference: select the output first.
    expect(thrown(() => invocations().groupBy('bucket' as any)).path).toBe('groupBy[0]')
    const aliased = thrown(() => invocations().groupBy(hour.as('bucket') as any))
    expect(aliased.message).toContain('aliased expression')
    expect(thrown(() => invocations().groupBy('fi.status', 42 as any)).path).toBe('groupBy[1]')
  })

  it('counts the groups, grouping the inner query by what an output name stands for', async () => {
    cap.respond([{ count: 3n }])
    const n = await invocations()
      .select([sql<Date>`date_trunc('day', fi.timestamp + ${'1 hour'}::interval)`.as('day')])
      .where('fi.status', 'error')
      .groupBy('day')
      .count()
    expect(n).toBe(3)
    expect(cap.last()).toEqual({
      sql: `select count(*) as "count" from (select 1 as "one" from "function_invocations" as "fi" where "fi"."status" = $1 group by date_trunc('day', fi.timestamp + $2::interval)) as "groups"`,
      parameters: ['error', '1 hour'],
    })
  })

  it('leaves the query it was called on unchanged', () => {
    const base = invocations().select(hour.as('bucket'))
    const before = base.toSQL()
    base.groupBy('bucket')
    base.having(sql`count(*) > 1`)
    base.fullJoin('functions f', 'fi.function_id', 'f.id')
    expect(base.toSQL()).toEqual(before)
  })
})

describe('orderBy', () => {
  it('takes an expression with bound values and an output name', () => {
    const q = invocations()
      .select(['fi.uuid', sql<number>`coalesce(fi.duration_ms, ${0})`.as('ms')])
      .orderBy(sql`fi.duration_ms is null`)
      .orderBy('ms', 'DESC')
      .orderBy(sql`abs(fi.duration_ms - ${250})`)
    expect(q.toSQL()).toEqual({
      sql: 'select "fi"."uuid", coalesce(fi.duration_ms, $1) as "ms" from "function_invocations" as "fi" order by fi.duration_ms is null asc, "ms" desc, abs(fi.duration_ms - $2) asc',
      parameters: [0, 250],
    })
  })

  it('refuses an unknown name and a raw string', () => {
    expect(thrown(() => invocations().orderBy('nope' as any)).path).toBe('orderBy[0].column')
    const raw = thrown(() => invocations().orderBy('random()' as any))
    expect(raw.path).toBe('orderBy[0].column')
    expect(raw.message).not.toContain('random')
  })
})

describe('having', () => {
  it('takes any boolean expression, in parentheses, its values bound', () => {
    const q = invocations()
      .select(['fi.function_id', sql<bigint>`count(*)`.as('n')])
      .groupBy('fi.function_id')
      .having('fi.function_id', '<>', 0)
      .having(
        sql<boolean>`count(*) filter (where fi.status <> ${'success'}) > ${2} or max(fi.duration_ms) > ${1000}`,
      )
    expect(q.toSQL()).toEqual({
      sql: 'select "fi"."function_id", count(*) as "n" from "function_invocations" as "fi" group by "fi"."function_id" having "fi"."function_id" <> $1 and (count(*) filter (where fi.status <> $2) > $3 or max(fi.duration_ms) > $4)',
      parameters: [0, 'success', 2, 1000],
    })
  })

  it('refuses a string and anything not an expression as the one argument', () => {
    const raw = thrown(() =>
      invocations()
        .groupBy('fi.status')
        .having('count(*) > 1' as any),
    )
    expect(raw.path).toBe('having[0]')
    expect(raw.message).toContain('never a string')
    expect(thrown(() => invocations().having({ sql: 'true' } as any)).path).toBe('having[0]')
  })

  it('still counts compared values against MAX_WHERE_VALUES', () => {
    const big = Array.from({ length: MAX_WHERE_VALUES }, (_, i) => i)
    const q = invocations().whereIn('fi.duration_ms', big).groupBy('fi.status')
    const error = thrown(() => q.having(sql`count(*)`, '>', 1))
    expect(error.path).toBe('having[0].value')
    expect(error.message).toContain(`more than ${MAX_WHERE_VALUES} values`)
  })
})

describe('fullJoin', () => {
  it('writes full join, next to the other joins', () => {
    const q = functions('f')
      .select(['f.name', 'u.email'])
      .fullJoin('users u', 'f.user_id', 'u.id')
      .leftJoin('function_deployments fd', 'f.id', 'fd.function_id')
    expect(q.toSQL()).toEqual({
      sql: 'select "f"."name", "u"."email" from "functions" as "f" full join "users" as "u" on "f"."user_id" = "u"."id" left join "function_deployments" as "fd" on "f"."id" = "fd"."function_id"',
      parameters: [],
    })
  })

  it('checks the table, the alias and the ON references as the other joins do', () => {
    expect(thrown(() => functions('f').fullJoin('nope n', 'f.id', 'n.id')).path).toBe(
      'join[0].table',
    )
    expect(thrown(() => functions('f').fullJoin('users f', 'f.id', 'f.id')).path).toBe(
      'join[0].table',
    )
    expect(thrown(() => functions('f').fullJoin('users u', 'f.nope', 'u.id')).path).toBe(
      'join[0].on[0]',
    )
  })

  it('refuses a condition that does not join the two sides, which PostgreSQL cannot run', () => {
    // Found by the builder fuzz: fullJoin('users u', 'functions.id', 'id') compared functions.id
    // with itself, and the server refused it (0A000) after the statement was sent.
    for (const [left, right] of [
      ['f.id', 'id'],
      ['u.id', 'u.uuid'],
    ] as const) {
      const error = thrown(() => functions('f').fullJoin('users u', left, right))
      expect(error.path).toBe('join[0].on')
      expect(error.message).toContain('a full join compares a column of "u"')
    }
    // Either order of the two sides is a join.
    expect(functions('f').fullJoin('users u', 'u.id', 'f.user_id').toSQL().sql).toContain(
      'full join "users" as "u" on "u"."id" = "f"."user_id"',
    )
  })
})

describe('public queries', () => {
  it('refuse a hidden column in groupBy and having with the error of an unknown one', () => {
    // function_id is an integer foreign key: internal, so absent from a public query.
    const hidden = thrown(() => invocations('fi', true).groupBy('fi.function_id' as any))
    const missing = thrown(() => invocations('fi', true).groupBy('fi.nope' as any))
    expect(hidden.path).toBe(missing.path)
    expect(hidden.message.replace('function_id', 'nope')).toBe(missing.message)
    const having = thrown(() => invocations('fi', true).having('function_id' as any, 1))
    expect(having.path).toBe('having[0].column')
  })

  it('never let an output name reach a hidden column: it is grouped by position', () => {
    const q = invocations('fi', true)
      .select(['fi.uuid as function_id', sql<bigint>`count(*)`.as('n')])
      .groupBy('function_id')
      .orderBy('function_id')
    // `group by "function_id"` would group by the hidden column; position 1 is "fi"."uuid".
    expect(q.toSQL().sql).toBe(
      'select "fi"."uuid" as "function_id", count(*) as "n" from "function_invocations" as "fi" group by 1 order by "function_id" asc',
    )
    // The hidden column itself cannot be selected under a name.
    expect(thrown(() => invocations('fi', true).select('fi.function_id as x')).path).toBe(
      'select[0]',
    )
    const users = new EntityQuery(cap.executor, cp.UserEntity, { alias: 'u', publicOnly: true })
    expect(
      users
        .select(['u.email as password_hash', sql<bigint>`count(*)`.as('n')])
        .groupBy('password_hash')
        .toSQL().sql,
    ).toBe('select "u"."email" as "password_hash", count(*) as "n" from "users" as "u" group by 1')
  })
})
