import { relations } from 'drizzle-orm'
import {
  boolean,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core'
import {
  type AnyColumnBuilder,
  ColumnBuilder,
  c,
  defineTable,
  Entity,
  type KyselyDatabase,
  type Table,
} from 'kysely-entities'
import { containerpubTables, functionData, functionInvocations } from 'kysely-entities/containerpub'

// ---------------------------------------------------------------- kysely-entities

/**
 * The column builders of a defined table, to define the same columns under another name: a
 * builder keeps its whole description (types, defaults, references), so nothing is copied by hand.
 */
function columnsOf<C extends Record<string, AnyColumnBuilder>>(table: Table<string, C>): C {
  return Object.fromEntries(
    table.$meta.columns.map((column) => [column.property, new ColumnBuilder(column.config)]),
  ) as C
}

/**
 * The target of S5: `function_invocations` as ContainerPub defines it (the package's own columns,
 * foreign key and indexes) under another name, so each run starts from an empty table (TRUNCATE)
 * while `function_invocations` keeps its 1,000,000 rows for S7.
 */
export const benchInvocations = defineTable('bench_invocations', columnsOf(functionInvocations), {
  indexes: [['functionId'], ['timestamp']],
})

export class BenchInvocationEntity extends Entity.of(benchInvocations) {}

/** The same columns with no key, index, foreign key or default: S5's second case. */
export const bareInvocations = defineTable('bench_invocations_bare', {
  functionId: c.integer().notNull(),
  status: c.varchar(50).notNull(),
  durationMs: c.integer(),
  error: c.text(),
  timestamp: c.timestamp(),
})

export class BareInvocationEntity extends Entity.of(bareInvocations) {}

/** The ContainerPub tables, `function_data` (S6) and `bench_invocations` (S5) in one database. */
export const benchTables = Object.freeze({
  ...containerpubTables,
  functionData,
  benchInvocations,
  bareInvocations,
})

/** The Kysely database type (SQL names) that plain Kysely is typed with. */
export type BenchDB = KyselyDatabase<typeof benchTables>

// ---------------------------------------------------------------- Drizzle

export const dUsers = pgTable('users', {
  id: serial('id').primaryKey(),
  uuid: uuid('uuid').notNull().unique().defaultRandom(),
  email: varchar('email', { length: 255 }).notNull().unique(),
  passwordHash: varchar('password_hash', { length: 255 }).notNull(),
  createdAt: timestamp('created_at').defaultNow(),
  updatedAt: timestamp('updated_at').defaultNow(),
})

export const dFunctions = pgTable('functions', {
  id: serial('id').primaryKey(),
  uuid: uuid('uuid').notNull().unique().defaultRandom(),
  userId: integer('user_id').notNull(),
  name: varchar('name', { length: 255 }).notNull(),
  status: varchar('status', { length: 50 }).default('active'),
  activeDeploymentId: integer('active_deployment_id'),
  analysisResult: jsonb('analysis_result'),
  createdAt: timestamp('created_at').defaultNow(),
  updatedAt: timestamp('updated_at').defaultNow(),
})

export const dDeployments = pgTable('function_deployments', {
  id: serial('id').primaryKey(),
  uuid: uuid('uuid').notNull().unique().defaultRandom(),
  functionId: integer('function_id').notNull(),
  version: integer('version').notNull(),
  imageTag: varchar('image_tag', { length: 255 }).notNull(),
  s3Key: varchar('s3_key', { length: 500 }).notNull(),
  status: varchar('status', { length: 50 }).default('building'),
  isActive: boolean('is_active').default(false),
  buildLogs: text('build_logs'),
  deployedAt: timestamp('deployed_at').defaultNow(),
})

const invocationColumns = {
  id: serial('id').primaryKey(),
  uuid: uuid('uuid').notNull().unique().defaultRandom(),
  functionId: integer('function_id').notNull(),
  status: varchar('status', { length: 50 }).notNull(),
  durationMs: integer('duration_ms'),
  error: text('error'),
  timestamp: timestamp('timestamp').defaultNow(),
}

export const dInvocations = pgTable('function_invocations', invocationColumns)
export const dBenchInvocations = pgTable('bench_invocations', invocationColumns)
export const dBareInvocations = pgTable('bench_invocations_bare', {
  functionId: integer('function_id').notNull(),
  status: varchar('status', { length: 50 }).notNull(),
  durationMs: integer('duration_ms'),
  error: text('error'),
  timestamp: timestamp('timestamp'),
})

export const dFunctionData = pgTable('function_data', {
  id: serial('id').primaryKey(),
  uuid: uuid('uuid').notNull().unique().defaultRandom(),
  functionId: integer('function_id').notNull(),
  key: varchar('key', { length: 255 }).notNull(),
  value: jsonb('value'),
  createdAt: timestamp('created_at').defaultNow(),
  updatedAt: timestamp('updated_at').defaultNow(),
})

export const dFunctionsRelations = relations(dFunctions, ({ many }) => ({
  deployments: many(dDeployments),
}))

export const dDeploymentsRelations = relations(dDeployments, ({ one }) => ({
  function: one(dFunctions, { fields: [dDeployments.functionId], references: [dFunctions.id] }),
}))

/** The schema Drizzle's relational queries (`db.query.*`) are built from. */
export const drizzleSchema = {
  users: dUsers,
  functions: dFunctions,
  deployments: dDeployments,
  invocations: dInvocations,
  benchInvocations: dBenchInvocations,
  bareInvocations: dBareInvocations,
  functionData: dFunctionData,
  dFunctionsRelations,
  dDeploymentsRelations,
}
