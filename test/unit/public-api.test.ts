import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * The public API: every name each entry point exports, `values` (what exists at run time) and
 * `types` (type-only exports), each sorted. A name added to or removed from an entry point fails
 * here until it is added to or removed from these lists: a change of the public API is made on
 * purpose, and says so in CHANGELOG.md (a removal is a breaking change).
 */
const PUBLIC_API: Record<string, EntryPoint> = {
  'kysely-entities': {
    source: 'src/index.ts',
    load: () => import('../../src/index'),
    values: [
      'COLUMN_TYPES',
      'COMPARISON_OPERATORS',
      'CheckViolationError',
      'ColumnBuilder',
      'ConnectionError',
      'CursorCodec',
      'Database',
      'DatabaseClosedError',
      'DatabaseError',
      'DtoDefinitionError',
      'Entity',
      'EntityManager',
      'EntityQuery',
      'EntityValidationError',
      'FEATURE_VERSIONS',
      'ForeignKeyViolationError',
      'ISSUE_KINDS',
      'InsufficientPrivilegeError',
      'InvalidDefinitionError',
      'InvalidQueryError',
      'KyselyEntitiesError',
      'MAX_LIMIT',
      'MAX_OFFSET',
      'MAX_WHERE_CONDITIONS',
      'MAX_WHERE_DEPTH',
      'MAX_WHERE_LIST',
      'MAX_WHERE_VALUES',
      'MIGRATION_LOCK_KEY',
      'MigrationError',
      'MissingParameterError',
      'NOTE_KINDS',
      'NotFoundError',
      'NotNullViolationError',
      'PoolTimeoutError',
      'PostgresJsDialect',
      'PostgresJsDriver',
      'PreparedStatementLostError',
      'QueryDeadlineError',
      'REDACTED',
      'SerializationFailureError',
      'StatementTimeoutError',
      'TransactionClosedError',
      'UniqueViolationError',
      'UnsupportedOperationError',
      'UnsupportedPluginError',
      'UnsupportedServerError',
      'asScript',
      'c',
      'column',
      'compileWhere',
      'createPostgresClient',
      'defineDto',
      'defineTable',
      'diffSchema',
      'down',
      'dtoField',
      'formatSchemaReport',
      'generateDDL',
      'generateDDLStatements',
      'loadRelation',
      'migrate',
      'namedToPositional',
      'pullSchema',
      'randomUuidV7',
      'readMigrations',
      'relationBuilder',
      'requireFeature',
      'sql',
      'status',
      'to',
      'validateSchema',
    ],
    types: [
      'AnyColumnBuilder',
      'AnyDto',
      'AnyDtoField',
      'AnyEntityClass',
      'AnyTable',
      'AppliedMigration',
      'BatchInsertOptions',
      'BatchRows',
      'CatalogExecutor',
      'ChangedMigration',
      'CheckDefinition',
      'Clock',
      'CloseOptions',
      'Column',
      'ColumnBuilderOf',
      'ColumnBuilders',
      'ColumnConfig',
      'ColumnDefault',
      'ColumnFactory',
      'ColumnKind',
      'ColumnNameOf',
      'ColumnOperators',
      'ColumnRef',
      'ColumnReference',
      'ColumnState',
      'ColumnTarget',
      'ColumnType',
      'ColumnTypes',
      'ColumnWhere',
      'ColumnsOf',
      'ComparisonOperator',
      'ComparisonOperatorInput',
      'CompileWhereOptions',
      'CompiledSql',
      'ComputeSource',
      'ConnectOptions',
      'ConnectionRole',
      'ContainsOperator',
      'ContextArgs',
      'CursorOptions',
      'CursorPage',
      'CursorShape',
      'DatabaseErrorDetails',
      'DatabaseEventListener',
      'DatabaseEventName',
      'DatabaseEvents',
      'DatabaseStats',
      'DefaultComparison',
      'DefaultRandomOptions',
      'DownOptions',
      'Dto',
      'DtoContext',
      'DtoField',
      'DtoFields',
      'DtoFieldsContext',
      'DtoFieldsNeeds',
      'DtoOf',
      'DtoOutput',
      'DtoOutputOf',
      'EntityClass',
      'EntityConstructor',
      'EntityManagerOptions',
      'EntityMethods',
      'EntityOf',
      'EntityProps',
      'EntityQueryOptions',
      'EntityStatics',
      'EqualityOperators',
      'ErrorCode',
      'ExecuteResult',
      'FieldPredicate',
      'FieldSpec',
      'FindOptions',
      'FromKyselyOptions',
      'FromKyselyReplicaOptions',
      'GenerateDDLOptions',
      'IndexColumnInput',
      'IndexDefinition',
      'IndexInput',
      'IndexKey',
      'IndexMethod',
      'IndexOptions',
      'InsertProps',
      'IntegerKind',
      'IssueKind',
      'JsonValue',
      'Jsonify',
      'KeyLookup',
      'KindsWith',
      'KyselyDatabase',
      'KyselyPluginClass',
      'KyselyTable',
      'ListOperators',
      'LoadedRelations',
      'LookupCoalescer',
      'LookupCoalescerOptions',
      'ManagerOf',
      'ManyToManyOptions',
      'MigrateOptions',
      'MigrationDatabase',
      'MigrationErrorDetails',
      'MigrationFile',
      'MigrationProgressEvent',
      'MigrationResult',
      'MigrationStatus',
      'MigrationStep',
      'NoteKind',
      'OrderDirection',
      'OutputNameOf',
      'Page',
      'PaginateOptions',
      'PatternOperators',
      'PlainValue',
      'PoolStats',
      'PoolerMode',
      'PostgresClientOptions',
      'PostgresJsDialectConfig',
      'PropertyOf',
      'PropertySource',
      'PublicProperty',
      'PublicPropertyOf',
      'PullOptions',
      'PullResult',
      'PullSkipped',
      'QueryEvent',
      'QueryEventError',
      'QueryExecutor',
      'QueryOutcome',
      'QueryPaginateOptions',
      'RangeOperators',
      'ReadYourWrites',
      'RefSource',
      'ReferentialAction',
      'Related',
      'RelationBuilder',
      'RelationDefinition',
      'RelationKind',
      'RelationLoadOptions',
      'RelationName',
      'RelationNameOf',
      'RelationOptions',
      'RelationRecord',
      'RelationSource',
      'RelationTarget',
      'RelationsOf',
      'ReplicaConnectOptions',
      'ReplicaEvent',
      'ReplicaOptions',
      'ReplicaStatus',
      'ReplicaTuningOptions',
      'RequestContext',
      'RequiredWhere',
      'RetryDelay',
      'RetryEvent',
      'RowOf',
      'SchemaCheckOptions',
      'SchemaDiff',
      'SchemaDiffOptions',
      'SchemaDiffStep',
      'SchemaIssue',
      'SchemaNote',
      'SchemaReportOptions',
      'SchemaValidationResult',
      'SelectItem',
      'ServerFeature',
      'ServerFeatures',
      'SetState',
      'SqlNameOf',
      'StateOf',
      'StatementUse',
      'StatusOptions',
      'Table',
      'TableBase',
      'TableColumns',
      'TableList',
      'TableMeta',
      'TableOfEntity',
      'TableOptions',
      'TableRecord',
      'ToOptions',
      'TransactionEvent',
      'TransactionOptions',
      'TransactionOutcome',
      'UniqueDefinition',
      'UpdateProps',
      'UpsertOptions',
      'ValidationIssue',
      'ValueOf',
      'WhereAll',
      'WhereClause',
      'WhereFamily',
      'WhereInput',
      'WithContextOptions',
      'WithRelation',
      'WriteOptions',
    ],
  },
  'kysely-entities/containerpub': {
    source: 'src/containerpub/index.ts',
    load: () => import('../../src/containerpub/index'),
    values: [
      'FunctionDataDto',
      'FunctionDataEntity',
      'FunctionDeploymentDto',
      'FunctionDeploymentEntity',
      'FunctionDto',
      'FunctionEntity',
      'FunctionInvocationDto',
      'FunctionInvocationEntity',
      'FunctionLogDto',
      'FunctionLogEntity',
      'OrganizationDto',
      'OrganizationEntity',
      'OrganizationMemberDto',
      'OrganizationMemberEntity',
      'OrganizationWithMembersDto',
      'USER_ROLES',
      'UserDto',
      'UserEntity',
      'UserInformationDto',
      'UserInformationEntity',
      'UserProfileDto',
      'UserWithOrganizationDto',
      'activateDeployment',
      'addUserToOrganization',
      'containerpubFunctionsDbSql',
      'containerpubInitSql',
      'containerpubManagers',
      'containerpubTables',
      'functionData',
      'functionDeployments',
      'functionInvocations',
      'functionLogs',
      'functions',
      'functionsDbManagers',
      'functionsDbTables',
      'getAllUsersWithInformation',
      'getDailyInvocationStats',
      'getDevelopers',
      'getFunctionDetails',
      'getFunctionStats',
      'getFunctionsPaginated',
      'getHourlyInvocationStats',
      'getInvocationStats',
      'getOrganizationMemberCount',
      'getOrganizationWithMembers',
      'getTeamMembers',
      'getUserComplete',
      'getUserOrganization',
      'getUserWithInformation',
      'getUserWithOrganization',
      'getUsersByOrganization',
      'isUserInOrganization',
      'organizationMembers',
      'organizations',
      'removeUserFromOrganization',
      'userInformation',
      'users',
    ],
    types: [
      'ContainerpubManagers',
      'ContainerpubTables',
      'FunctionDataJson',
      'FunctionDeploymentJson',
      'FunctionDetails',
      'FunctionInvocationJson',
      'FunctionJson',
      'FunctionLogJson',
      'FunctionStats',
      'FunctionsDbTables',
      'FunctionsPageOptions',
      'InvocationStatsOptions',
      'InvocationStatsRow',
      'LoadedMember',
      'OrganizationJson',
      'OrganizationMember',
      'OrganizationMemberJson',
      'OrganizationViewContext',
      'OrganizationWithMembers',
      'OrganizationWithMembersInput',
      'OrganizationWithMembersJson',
      'StatsBucket',
      'StatsCutoff',
      'UserComplete',
      'UserInformationJson',
      'UserJson',
      'UserProfileJson',
      'UserRole',
      'UserWithInformation',
      'UserWithOrganization',
      'UserWithOrganizationJson',
      'UsersWithInformationOptions',
    ],
  },
  'kysely-entities/testing': {
    source: 'src/testing/index.ts',
    load: () => import('../../src/testing/index'),
    values: [
      'PostgresImageError',
      'PostgresStartError',
      'buildPostgresImage',
      'createTestDatabase',
      'startPostgres',
    ],
    types: [
      'BuildPostgresImageOptions',
      'PostgresImage',
      'PostgresProvider',
      'PostgresServer',
      'StandbyServer',
      'StartPostgresOptions',
      'TestDatabase',
    ],
  },
}

interface EntryPoint {
  /** The entry point's source, relative to the package root. */
  readonly source: string
  readonly load: () => Promise<object>
  readonly values: readonly string[]
  readonly types: readonly string[]
}

const root = fileURLToPath(new URL('../..', import.meta.url))

/** One TypeScript program over the three entry points, with the project's compiler options. */
function entryProgram(): ts.Program {
  const file = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')
  if (file === undefined) throw new Error('tsconfig.json not found')
  const config = ts.readConfigFile(file, ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  const sources = Object.values(PUBLIC_API).map((entry) => `${root}${entry.source}`)
  return ts.createProgram(sources, { ...options, noEmit: true })
}

const program = entryProgram()

function sourceOf(entry: EntryPoint): ts.SourceFile {
  const source = program.getSourceFile(`${root}${entry.source}`)
  if (source === undefined) throw new Error(`${entry.source} is not in the program`)
  return source
}

/** Every name the entry point exports, values and types, as TypeScript resolves them. */
function exportedNames(entry: EntryPoint): string[] {
  const checker = program.getTypeChecker()
  const module = checker.getSymbolAtLocation(sourceOf(entry))
  if (module === undefined) throw new Error(`${entry.source} is not a module`)
  return checker.getExportsOfModule(module).map((symbol) => symbol.getName())
}

/**
 * Fails, naming them, when `actual` has names that `expected` lacks (added to the public API)
 * or lacks names that `expected` has (removed from it).
 */
function expectListed(
  entry: string,
  kind: string,
  actual: readonly string[],
  expected: readonly string[],
) {
  const added = actual.filter((name) => !expected.includes(name)).sort()
  const removed = expected.filter((name) => !actual.includes(name)).sort()
  const message =
    `${entry}'s ${kind} differ from its list in test/unit/public-api.test.ts: ` +
    `added [${added.join(', ')}], removed [${removed.join(', ')}]`
  expect({ added, removed }, message).toEqual({ added: [], removed: [] })
}

describe.each(Object.entries(PUBLIC_API))('%s', (name, entry) => {
  it('keeps its lists sorted and apart', () => {
    expect(entry.values).toEqual([...new Set(entry.values)].sort())
    expect(entry.types).toEqual([...new Set(entry.types)].sort())
    expect(entry.values.filter((value) => entry.types.includes(value))).toEqual([])
  })

  it('exports exactly the listed values at run time', async () => {
    expectListed(name, 'values', Object.keys(await entry.load()), entry.values)
  })

  it('exports exactly the listed types', async () => {
    const runtime = Object.keys(await entry.load())
    const types = exportedNames(entry).filter((exported) => !runtime.includes(exported))
    expectListed(name, 'types', types, entry.types)
  })

  it('names every export (no export *)', () => {
    const starred = sourceOf(entry)
      .statements.filter(ts.isExportDeclaration)
      .filter((statement) => statement.exportClause === undefined)
      .map((statement) => statement.moduleSpecifier?.getText())
    expect(starred, `${entry.source} re-exports whole modules`).toEqual([])
  })
})
