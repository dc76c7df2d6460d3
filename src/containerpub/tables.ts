import { c, defineTable } from '../index'

// The ContainerPub main database (`dart_cloud`), as containerpub-schema-alignment.md and the
// "Database Schema" section of containerpub-database-system.md give it. Internal SERIAL ids and
// integer foreign keys for joins; UUIDs for everything a client sees.

/** User accounts. */
export const users = defineTable(
  'users',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    email: c.varchar(255).notNull().unique(),
    passwordHash: c.varchar(255).notNull().secret(),
    createdAt: c.timestamp().defaultNow(),
    updatedAt: c.timestamp().defaultNow().onUpdateNow(),
  },
  {
    indexes: [['uuid'], ['email']],
    relations: (r) => ({
      functions: r.hasMany('functions', 'userId'),
      information: r.hasOne('user_information', 'userId', { references: 'uuid' }),
      ownedOrganizations: r.hasMany('organizations', 'ownerId', { references: 'uuid' }),
      membership: r.hasOne('organization_members', 'userId', { references: 'uuid' }),
    }),
  },
)

/** The roles a user can have. */
export const USER_ROLES = ['developer', 'team', 'sub_team_developer'] as const

/**
 * Extended profile of a user (one per user; `user_id` holds the user's uuid). Where the spec's
 * table is loose, the original's SQL (`003_add_user_relationships.sql`) decides: first and last
 * name are required, the role has no default, the times are `timestamptz`.
 */
export const userInformation = defineTable(
  'user_information',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    userId: c
      .uuid()
      .notNull()
      .unique()
      .references(() => users.uuid, { onDelete: 'cascade' }),
    firstName: c.varchar(100).notNull(),
    lastName: c.varchar(100).notNull(),
    phoneNumber: c.varchar(20),
    country: c.varchar(100),
    city: c.varchar(100),
    address: c.text(),
    zipCode: c.varchar(20),
    avatar: c.text(),
    role: c.varchar(50).enum(USER_ROLES).notNull(),
    createdAt: c.timestamptz().defaultNow(),
    updatedAt: c.timestamptz().defaultNow().onUpdateNow(),
  },
  {
    indexes: [['userId'], ['role']],
    relations: (r) => ({ user: r.belongsTo('users', 'userId', { references: 'uuid' }) }),
  },
)

/** Organizations; `owner_id` holds the owner's user uuid. Times are `timestamptz`, as the original has them. */
export const organizations = defineTable(
  'organizations',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    name: c.varchar(255).notNull().unique(),
    ownerId: c
      .uuid()
      .notNull()
      .references(() => users.uuid, { onDelete: 'cascade' }),
    createdAt: c.timestamptz().defaultNow(),
    updatedAt: c.timestamptz().defaultNow().onUpdateNow(),
  },
  {
    indexes: [['ownerId'], ['name']],
    relations: (r) => ({
      owner: r.belongsTo('users', 'ownerId', { references: 'uuid' }),
      memberships: r.hasMany('organization_members', 'organizationId', { references: 'uuid' }),
      members: r.manyToMany('users', {
        through: 'organization_members',
        foreignKey: 'organizationId',
        otherKey: 'userId',
        references: 'uuid',
        targetKey: 'uuid',
      }),
    }),
  },
)

/** Membership of a user in an organization (one organization per user). */
export const organizationMembers = defineTable(
  'organization_members',
  {
    id: c.serial().primaryKey(),
    organizationId: c
      .uuid()
      .notNull()
      .references(() => organizations.uuid, { onDelete: 'cascade' }),
    userId: c
      .uuid()
      .notNull()
      .unique()
      .references(() => users.uuid, { onDelete: 'cascade' }),
    joinedAt: c.timestamptz().defaultNow(),
  },
  {
    indexes: [['organizationId'], ['userId']],
    relations: (r) => ({
      organization: r.belongsTo('organizations', 'organizationId', { references: 'uuid' }),
      user: r.belongsTo('users', 'userId', { references: 'uuid' }),
    }),
  },
)

/** Cloud functions. */
export const functions = defineTable(
  'functions',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    userId: c
      .integer()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: c.varchar(255).notNull(),
    status: c.varchar(50).default('active'),
    // No foreign key in the spec (functions and deployments point at each other): internal by hand.
    activeDeploymentId: c.integer().internal(),
    analysisResult: c.jsonb(),
    createdAt: c.timestamp().defaultNow(),
    updatedAt: c.timestamp().defaultNow().onUpdateNow(),
  },
  {
    uniques: [['userId', 'name']],
    indexes: [['uuid'], ['userId'], ['activeDeploymentId']],
    relations: (r) => ({
      owner: r.belongsTo('users', 'userId'),
      deployments: r.hasMany('function_deployments', 'functionId'),
      activeDeployment: r.belongsTo('function_deployments', 'activeDeploymentId'),
      logs: r.hasMany('function_logs', 'functionId'),
      invocations: r.hasMany('function_invocations', 'functionId'),
    }),
  },
)

/** Deployment versions of a function. */
export const functionDeployments = defineTable(
  'function_deployments',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    functionId: c
      .integer()
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    version: c.integer().notNull(),
    imageTag: c.varchar(255).notNull(),
    s3Key: c.varchar(500).notNull(),
    status: c.varchar(50).default('building'),
    isActive: c.boolean().default(false),
    buildLogs: c.text(),
    deployedAt: c.timestamp().defaultNow(),
  },
  {
    uniques: [['functionId', 'version']],
    // As the original: by function, and composite indexes for "the deployments of a function"
    // (the active one, the latest version first).
    indexes: [
      ['uuid'],
      ['functionId'],
      ['functionId', 'isActive'],
      { columns: ['functionId', { column: 'version', order: 'desc' }] },
    ],
    relations: (r) => ({ function: r.belongsTo('functions', 'functionId') }),
  },
)

/** Execution logs of functions. */
export const functionLogs = defineTable(
  'function_logs',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    functionId: c
      .integer()
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    level: c.varchar(20).notNull(),
    message: c.text().notNull(),
    timestamp: c.timestamp().defaultNow(),
  },
  {
    // Newest first, as the original: time-based queries read the latest rows.
    indexes: [['uuid'], ['functionId'], { columns: [{ column: 'timestamp', order: 'desc' }] }],
    relations: (r) => ({ function: r.belongsTo('functions', 'functionId') }),
  },
)

/** Invocation metrics of functions. */
export const functionInvocations = defineTable(
  'function_invocations',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    functionId: c
      .integer()
      .notNull()
      .references(() => functions.id, { onDelete: 'cascade' }),
    status: c.varchar(50).notNull(),
    durationMs: c.integer(),
    error: c.text(),
    timestamp: c.timestamp().defaultNow(),
  },
  {
    // Newest first, as the original: time-based queries read the latest rows.
    indexes: [['uuid'], ['functionId'], { columns: [{ column: 'timestamp', order: 'desc' }] }],
    relations: (r) => ({ function: r.belongsTo('functions', 'functionId') }),
  },
)

/** Every table of the main database, keyed as `Database.connect({ tables })` takes them. */
export const containerpubTables = Object.freeze({
  users,
  userInformation,
  organizations,
  organizationMembers,
  functions,
  functionDeployments,
  functionLogs,
  functionInvocations,
})

/** Key-value data of functions, in the separate functions database (no foreign key across databases). */
export const functionData = defineTable(
  'function_data',
  {
    id: c.serial().primaryKey(),
    uuid: c.uuid().notNull().unique().defaultRandom(),
    functionId: c.integer().notNull().internal(),
    key: c.varchar(255).notNull(),
    value: c.jsonb(),
    createdAt: c.timestamp().defaultNow(),
    updatedAt: c.timestamp().defaultNow().onUpdateNow(),
  },
  { uniques: [['functionId', 'key']], indexes: [['uuid'], ['functionId'], ['key']] },
)

/** Every table of the functions database. */
export const functionsDbTables = Object.freeze({ functionData })
