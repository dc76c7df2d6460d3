import { and, desc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/postgres-js'
import knexFactory from 'knex'
import { Database } from 'kysely-entities'
import { FunctionEntity, UserEntity } from 'kysely-entities/containerpub'
import postgres from 'postgres'
import type { Contender } from './contenders'
import { noopKysely } from './noop-dialect'
import { type BenchDB, benchTables, dFunctions, drizzleSchema, dUsers } from './schema'

/** The two statements S8 builds: the fixed one of S1 and the dynamic one of S3. */
export const COMPILE_CASES = ['user by uuid (fixed shape)', 'page of functions (S3 shape)'] as const
export type CompileCase = (typeof COMPILE_CASES)[number]

/** The input of a build: a uuid (S1) or a user id (S3). */
export interface CompileInput {
  readonly uuid: string
  readonly userId: number
}

/** One way to build (and compile) a statement without a database. */
export interface CompileVariant {
  readonly label: string
  readonly contender: Contender
  readonly baseline?: boolean
  readonly note?: string
  /** Builds and compiles; returns the parameters it would send (for the same-work check). */
  build(input: CompileInput): unknown[] | Promise<unknown[]>
  /** Kysely compilations per call, where they can be counted. */
  compilesPerCall?(input: CompileInput): Promise<number>
}

/**
 * The S8 variants of `which`, on clients that never connect: postgres.js and knex open no
 * connection before a statement runs; Kysely and kysely-entities run on a driver that sends
 * nothing (see `noopKysely`).
 */
export function compileVariants(which: CompileCase): CompileVariant[] {
  // Port 9 (discard): nothing is ever sent; these clients only build statements.
  const url = 'postgres://bench@127.0.0.1:9/none'
  const raw = postgres(url, { max: 1 })
  const drizzleDb = drizzle({ client: postgres(url, { max: 1 }), schema: drizzleSchema })
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } })
  const plain = noopKysely<BenchDB>()
  const entities = noopKysely<BenchDB>()
  const db = Database.fromKysely(entities.kysely, { tables: benchTables })
  const users = db.manager(UserEntity)
  const functions = db.manager(FunctionEntity)
  const paramsOf = (query: unknown) => [...((query as { args: unknown[] }).args ?? [])]
  const counted =
    (stats: { compiles: number }, build: (input: CompileInput) => unknown) =>
    async (input: CompileInput) => {
      const before = stats.compiles
      const calls = 100
      for (let i = 0; i < calls; i++) await build(input)
      return (stats.compiles - before) / calls
    }
  // The values of the last statement: its parameters, and a limit the library wrote into the
  // text (finders write a validated limit as a literal, where the others bind it).
  const lastParams = () => {
    const last = entities.stats.last
    const limits = Array.from(last?.sql.matchAll(/ limit (\d+)/g) ?? [], (m) => Number(m[1]))
    return [...limits, ...(last?.parameters ?? [])]
  }

  if (which === 'user by uuid (fixed shape)') {
    const kyselyBuild = ({ uuid }: CompileInput) =>
      plain.kysely.selectFrom('users').selectAll().where('uuid', '=', uuid).compile()
    const keBuild = ({ uuid }: CompileInput) => users.findByUuid(uuid)
    return [
      {
        label: 'postgres.js sql`` (lazy: text built at send)',
        contender: 'postgres.js',
        baseline: true,
        build: ({ uuid }) => paramsOf(raw`select * from users where uuid = ${uuid}`),
      },
      {
        label: 'kysely .compile()',
        contender: 'kysely',
        build: (input) => [...kyselyBuild(input).parameters],
        compilesPerCall: counted(plain.stats, kyselyBuild),
      },
      {
        label: 'drizzle .toSQL()',
        contender: 'drizzle',
        build: ({ uuid }) =>
          drizzleDb.select().from(dUsers).where(eq(dUsers.uuid, uuid)).toSQL().params,
      },
      {
        label: 'drizzle relational .toSQL()',
        contender: 'drizzle',
        build: ({ uuid }) =>
          drizzleDb.query.users
            .findFirst({ where: eq(dUsers.uuid, uuid) })
            .toSQL()
            .params.filter((p) => p !== 1),
      },
      {
        label: 'knex .toSQL().toNative()',
        contender: 'knex',
        build: ({ uuid }) => [...knex('users').where('uuid', uuid).toSQL().toNative().bindings],
      },
      {
        label: 'kysely-entities findByUuid (no-op driver)',
        contender: 'kysely-entities',
        note: 'the whole call: validation, the precompiled text, Kysely executeQuery, an await',
        build: async (input) => {
          await keBuild(input)
          return lastParams()
        },
        compilesPerCall: counted(entities.stats, keBuild),
      },
    ]
  }

  const kyselyBuild = ({ userId }: CompileInput) =>
    plain.kysely
      .selectFrom('functions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', 'active')
      .orderBy('created_at', 'desc')
      .limit(20)
      .compile()
  const keFindAll = ({ userId }: CompileInput) =>
    functions.findAll({
      where: { userId, status: 'active' },
      orderBy: 'createdAt',
      orderDirection: 'desc',
      limit: 20,
    })
  const keQuery = ({ userId }: CompileInput) =>
    functions
      .query()
      .where('user_id', userId)
      .where('status', 'active')
      .orderBy('created_at', 'desc')
      .limit(20)
      .toSQL()
  return [
    {
      label: 'postgres.js sql`` (lazy: text built at send)',
      contender: 'postgres.js',
      baseline: true,
      build: ({ userId }) =>
        paramsOf(
          raw`select * from functions where user_id = ${userId} and status = ${'active'} order by created_at desc limit ${20}`,
        ),
    },
    {
      label: 'kysely .compile()',
      contender: 'kysely',
      build: (input) => [...kyselyBuild(input).parameters],
      compilesPerCall: counted(plain.stats, kyselyBuild),
    },
    {
      label: 'drizzle .toSQL()',
      contender: 'drizzle',
      build: ({ userId }) =>
        drizzleDb
          .select()
          .from(dFunctions)
          .where(and(eq(dFunctions.userId, userId), eq(dFunctions.status, 'active')))
          .orderBy(desc(dFunctions.createdAt))
          .limit(20)
          .toSQL().params,
    },
    {
      label: 'drizzle relational .toSQL()',
      contender: 'drizzle',
      build: ({ userId }) =>
        drizzleDb.query.functions
          .findMany({
            where: and(eq(dFunctions.userId, userId), eq(dFunctions.status, 'active')),
            orderBy: desc(dFunctions.createdAt),
            limit: 20,
          })
          .toSQL().params,
    },
    {
      label: 'knex .toSQL().toNative()',
      contender: 'knex',
      build: ({ userId }) => [
        ...knex('functions')
          .where({ user_id: userId, status: 'active' })
          .orderBy('created_at', 'desc')
          .limit(20)
          .toSQL()
          .toNative().bindings,
      ],
    },
    {
      label: 'kysely-entities findAll (no-op driver)',
      contender: 'kysely-entities',
      note: 'the whole call: where checks, the text cached per shape (no compilation), Kysely executeQuery, an await',
      build: async (input) => {
        await keFindAll(input)
        return lastParams()
      },
      compilesPerCall: counted(entities.stats, keFindAll),
    },
    {
      label: 'kysely-entities query().toSQL()',
      contender: 'kysely-entities',
      build: (input) => [...keQuery(input).parameters],
      compilesPerCall: counted(entities.stats, keQuery),
    },
  ]
}
