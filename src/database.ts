import { type AccessMode, CompiledQuery, type IsolationLevel, Kysely } from 'kysely'
import type postgres from 'postgres'
import { createPostgresClient, type PostgresClientOptions } from './driver/postgres-js-client'
import { PostgresJsDialect } from './driver/postgres-js-dialect'
import {
  asScript,
  type CloseOptions,
  observeDriver,
  type PostgresJsDriver,
  type StatementUse,
} from './driver/postgres-js-driver'
import { resolveQueryDeadline } from './driver/query-deadline'
import type { AnyEntityClass, EntityClass, TableOfEntity } from './entity/entity'
import {
  DatabaseClosedError,
  InvalidQueryError,
  TransactionClosedError,
  UnsupportedOperationError,
} from './errors/kysely-entities-error'
import { mapDatabaseError } from './errors/map-database-error'
import { checkKyselyPlugins, type KyselyPluginClass } from './kysely-plugins'
import { EntityManager } from './manager/entity-manager'
import { DatabaseObserver } from './observability/database-observer'
import { loadOpenTelemetry, Tracing } from './observability/open-telemetry'
import { secretNames } from './observability/parameter-redaction'
import type { DatabaseStats } from './observability/pool-stats'
import type {
  DatabaseEventListener,
  DatabaseEventName,
  QueryEvent,
} from './observability/query-event'
import type { ReplicaEvent } from './observability/replica-event'
import { checkParameterCount } from './query/bindable'
import { CursorCodec } from './query/cursor'
import type { QueryExecutor } from './query/executor'
import { LookupCoalescer } from './query/lookup-coalescer'
import { bindNamedParameters, compileNamedSql } from './query/named-parameters'
import { describe } from './query/query-options'
import { type FromKyselyReplicaOptions, kyselyReplicas } from './replicas/kysely-replicas'
import type { ReplicaStatus } from './replicas/replica-event'
import { type ReplicaConnectOptions, replicaSettings } from './replicas/replica-options'
import { CURRENT_LSN, lsnOfResult, openReplicaSet } from './replicas/replica-pools'
import type { ReplicaSet } from './replicas/replica-set'
import { WriteTracker } from './replicas/write-tracker'
import { compileRequestContext } from './request-context'
import type { AnyTable } from './schema/define-table'
import type {
  KyselyDatabase,
  PropertyOf,
  PublicPropertyOf,
  TableRecord,
} from './schema/table-types'
import {
  SERVER_VERSION_COLUMN,
  type ServerFeatures,
  serverFeatures,
  versionOfRow,
} from './server-features'
import { checkTables, TableRegistry } from './table-registry'
import {
  checkSavepointOptions,
  checkTransactionOptions,
  type TransactionOptions,
  type WithContextOptions,
  withContextTransactionOptions,
} from './transaction-options'
import { checkRetryOptions, runWithRetries } from './transaction-retry'
import {
  assertScopeOpen,
  type OpenHandle,
  runSavepoint,
  runTransaction,
  type TransactionScope,
} from './transaction-scope'

/**
 * What sits between a `Database` and PostgreSQL (the `pooler` option of {@link Database.connect}):
 *
 * - `'transaction'`: a transaction pooler (PgBouncer `pool_mode=transaction`, the pooler port of
 *   managed PostgreSQL): consecutive statements may run on different server connections, so no
 *   named prepared statement is ever made (each statement is parsed in the unnamed one, as
 *   postgres.js's `prepare: false` and Prisma's `pgbouncer=true` do), and nothing relies on
 *   session state outside a transaction.
 * - `'session'`: a session pooler (PgBouncer `pool_mode=session`): a client keeps its server
 *   connection, so statements are prepared once per connection, as on a direct connection.
 * - `'none'`: a direct connection; the same as `'session'`.
 *
 * @example
 * ```ts
 * const pooler: PoolerMode = process.env.PGBOUNCER === '1' ? 'transaction' : 'none'
 * const db = await Database.connect({ url, tables, pooler })
 * ```
 */
export type PoolerMode = 'none' | 'session' | 'transaction'

const POOLER_MODES: readonly PoolerMode[] = ['none', 'session', 'transaction']

/** Options of {@link Database.connect}: where to connect, the pool, and the tables. */
export interface ConnectOptions<TTables extends TableRecord>
  extends PostgresClientOptions,
    ReplicaConnectOptions {
  /** The table definitions this database serves, e.g. `{ users, functions }`. */
  readonly tables: TTables
  /**
   * The secret keyset cursors are encrypted with. Without it a random key is used, so a cursor
   * works only with the Database that made it: set it when several processes serve one API.
   */
  readonly cursorSecret?: string | Uint8Array
  /**
   * Entity classes to use for rows of their tables when loading relations (a table without one
   * gets `Entity.of(table)`). `db.manager(Entity)` registers its class too.
   */
  readonly entities?: readonly AnyEntityClass[]
  /**
   * An existing postgres.js client to run on instead of opening a pool. It is not ended by
   * `close()`; its own type parsers apply (see {@link createPostgresClient} for ours).
   */
  readonly client?: postgres.Sql<any>
  /**
   * Milliseconds a statement or a transaction waits for a free connection of the pool (all `max`
   * of them busy or held by transactions) before it fails with {@link PoolTimeoutError}. A call
   * that timed out was never sent and never runs later, except a read (below), which may still
   * run, its result unread. Default 30,000; `Infinity` waits for ever.
   */
  readonly poolTimeout?: number
  /**
   * Reads (the managers' finders, {@link Database.executeRead}) sent on one pooled connection at
   * once, 1 to 100; default 8. With no connection idle, a read is pipelined behind busy
   * statements, as postgres.js does: as fast as postgres.js with many reads in flight. One that
   * has not started within `poolTimeout` fails with {@link PoolTimeoutError} all the same. Any
   * other statement, and every transaction, waits for an idle connection. 1 pipelines nothing.
   */
  readonly pipeline?: number
  /**
   * Milliseconds a statement, once sent, waits for PostgreSQL's answer before it fails with
   * {@link QueryDeadlineError}; its connection is then closed and never used again (the next call
   * gets a new one), and a transaction it was in is over. A safety net for a stalled server or a
   * network black hole, where the server's own `statement_timeout` cannot fire. Default:
   * `statementTimeout` + 5,000 when set (so the server's timeout, a {@link StatementTimeoutError},
   * normally comes first), else 300,000 (five minutes). `Infinity`: no deadline, e.g. for a
   * Database that runs long migrations. Each statement has its own deadline: a long transaction
   * of short statements never reaches it. A stream (Kysely's `.stream()`) has it for each chunk
   * of rows, counted only while it waits for the server: a long stream that keeps coming, or a
   * slow consumer, never reaches it. The connection is closed on the pool `Database.connect`
   * opens, with or without TLS, to one host; with several hosts in `url`, or a `client` of your
   * own, the call still fails at its deadline but its stalled connection stays in the pool until
   * the network gives up on it.
   */
  readonly queryDeadline?: number
  /**
   * What sits between this pool and PostgreSQL: see {@link PoolerMode}. Set `'transaction'` behind
   * a transaction pooler (PgBouncer `pool_mode=transaction`): no named prepared statements. Every
   * statement outside a transaction may then run on another server connection, so do in a
   * transaction whatever needs a session (`SET`, temporary tables, advisory locks, `LISTEN`);
   * `withContext` and the migration runner already do. `statementTimeout` (a startup parameter,
   * which PgBouncer refuses) is refused with it: set `statement_timeout` on the role instead
   * (`ALTER ROLE app SET statement_timeout = '5s'`).
   *
   * Unset (the default), `connect` asks the server its process id and compares it with the one
   * the connection's startup announced: a pooler such as PgBouncer announces one of its own. Then
   * the pool makes no named prepared statements, as with `'transaction'`, since it cannot tell
   * the pool modes apart; say `'session'` to keep them behind a session pooler. A transaction
   * pooler this check misses would lose prepared statements: the statement then fails at once
   * with {@link PreparedStatementLostError}, which names this option.
   */
  readonly pooler?: PoolerMode
  /**
   * Called for each statement when it ends, as `db.on('query', log)` is: its text (values as
   * `$1`), duration, row count, outcome, pool wait, server. Statements the driver sends by
   * itself (`start transaction`, `commit`, savepoints, the check of `connect`) included.
   */
  readonly log?: (event: QueryEvent) => void
  /**
   * Puts the bound values into each {@link QueryEvent} (`parameters`), except for a statement
   * whose text names a table with a `secret()` column or such a column: its values are all
   * `'[redacted]'`. Default false: no value ever reaches a listener. Spans never carry values.
   */
  readonly logParameters?: boolean
  /**
   * Spans for statements and transactions through OpenTelemetry, when `@opentelemetry/api` is
   * installed and a tracer provider is registered globally (the usual OpenTelemetry set-up).
   * Default true; false never loads the API. Without a registered provider nothing is measured.
   */
  readonly tracing?: boolean
  /**
   * Coalesces point lookups: the `findById`, `findByUuid` and `findOne`-by-a-unique-key calls made
   * on one handle (the Database, or one transaction) in the same tick, for the same table and key
   * column, are sent as ONE statement, `select ... where "uuid" = any($1)`, and each caller still
   * gets its own entity, its own `null`, its own error, as if the calls had been made one by one.
   * A lone call sends the statement it always did (`where "uuid" = $1`), with no timer and no
   * added wait: the calls of a tick are sent once the current microtasks have run. If the
   * statement of several keys fails outside a transaction, each key is sent again alone, so that
   * each caller gets its own result or error. `db.on('query')` sees one statement for the group.
   * Default true; false sends every lookup as its own statement.
   *
   * @example
   * ```ts
   * const db = await Database.connect({ url, tables })
   * await Promise.all(uuids.map((u) => db.manager(UserEntity).findByUuid(u)))
   * // select "id", "uuid", ... from "users" where "uuid" = any($1)   [uuids]
   * const plain = await Database.connect({ url, tables, coalesceLookups: false })
   * // the same calls: select ... where "uuid" = $1, once per uuid
   * ```
   */
  readonly coalesceLookups?: boolean
}

/**
 * Options of {@link Database.fromKysely}: the tables, the plugins you vouch for, and read replicas
 * as Kysely instances of yours (see {@link FromKyselyReplicaOptions}).
 */
export interface FromKyselyOptions<TTables extends TableRecord> extends FromKyselyReplicaOptions {
  /** The table definitions this database serves, e.g. `{ users, functions }`. */
  readonly tables: TTables
  /** As in {@link ConnectOptions.entities}. */
  readonly entities?: readonly AnyEntityClass[]
  /** As in {@link ConnectOptions.cursorSecret}. */
  readonly cursorSecret?: string | Uint8Array
  /**
   * Plugin classes of the Kysely instance that you vouch for: they change no result row (no
   * renamed key, no changed value, no row added or dropped) and no table a statement reaches.
   * Entities trust the rows of their own statements, so any other plugin is refused with
   * {@link UnsupportedPluginError}. Exactly these classes are allowed, not their subclasses;
   * Kysely's `DeduplicateJoinsPlugin` and `HandleEmptyInListsPlugin` need no listing, and
   * `CamelCasePlugin`, `ParseJSONResultsPlugin` and `WithSchemaPlugin` cannot be listed.
   */
  readonly allowPlugins?: readonly KyselyPluginClass[]
  /** As in {@link ConnectOptions.coalesceLookups}: default true. */
  readonly coalesceLookups?: boolean
}

/**
 * The manager `db.manager(Entity)` returns: on a public view (`Database<T, 'public'>`), one whose
 * where and orderBy name only public properties.
 * @example
 * ```ts
 * const m: ManagerOf<typeof UserEntity, Tables, 'public'> = db.public().manager(UserEntity)
 * m.findAll({ where: { email } })           // compiles
 * m.findAll({ where: { passwordHash: h } }) // type error (and InvalidQueryError at run time)
 * ```
 */
export type ManagerOf<
  E extends AnyEntityClass,
  TTables extends TableRecord,
  V extends 'trusted' | 'public',
> = EntityManager<
  E,
  TTables,
  TableOfEntity<E>,
  V extends 'public' ? PublicPropertyOf<TableOfEntity<E>> : PropertyOf<TableOfEntity<E>>
>

function checkPooler(pooler: unknown, statementTimeout: number | undefined): void {
  if (pooler !== undefined && !POOLER_MODES.includes(pooler as PoolerMode)) {
    throw new InvalidQueryError('pooler', "expected 'none', 'session' or 'transaction'")
  }
  if (pooler === 'transaction' && statementTimeout !== undefined) {
    throw new InvalidQueryError(
      'statementTimeout',
      "a transaction pooler refuses it (it is a startup parameter): set statement_timeout on the role instead (ALTER ROLE app SET statement_timeout = '5s'), or leave out pooler: 'transaction'",
    )
  }
}

// The dialect of each Database.connect pool, for close({ timeout }): keyed by its Kysely instance.
const POOLS = new WeakMap<Kysely<any>, PostgresJsDialect>()

// One per Database.connect/fromKysely: shared by every transaction handle made from it.
interface Root {
  closed: boolean
  readonly kysely: Kysely<any>
  /** The served tables, and the entity class for the rows of each. */
  readonly registry: TableRegistry
  readonly cursors: CursorCodec
  /** The driver of a `Database.connect` pool: plain statements go straight to it. */
  readonly driver: PostgresJsDriver | undefined
  /** The listeners and tracing of a `Database.connect` pool. */
  readonly observer: DatabaseObserver | undefined
  /** The read replicas of `Database.connect({ replicas })`. */
  replicas?: ReplicaSet
  /** Read-your-writes of the whole Database (`readYourWrites: 'database'`). */
  tracker?: WriteTracker
  /** Whether each handle coalesces its point lookups (`coalesceLookups`). */
  readonly coalesceLookups: boolean
  /** The server's features: read at connect, or at the first `serverFeatures()` of fromKysely. */
  features?: Promise<ServerFeatures>
}

// Where a handle's reads go ('auto': replicas when there are some), and whose writes they see.
interface View {
  readonly route: 'auto' | 'primary'
  readonly tracker: WriteTracker | undefined
}

function makeRoot(
  kysely: Kysely<any>,
  tables: TableRecord,
  coalesceLookups: boolean,
  entities: readonly AnyEntityClass[] = [],
  cursorSecret?: string | Uint8Array,
  driver?: PostgresJsDriver,
  observer?: DatabaseObserver,
): Root {
  const registry = new TableRegistry(tables, entities)
  const cursors = new CursorCodec(cursorSecret)
  return { closed: false, kysely, registry, cursors, driver, observer, coalesceLookups }
}

/** `coalesceLookups` as given: true when absent, else a boolean. */
function checkCoalesceLookups(value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'boolean') {
    throw new InvalidQueryError('coalesceLookups', `expected a boolean, got ${describe(value)}`)
  }
  return value
}

/**
 * A PostgreSQL database served through its table definitions: a typed Kysely instance, raw SQL
 * with named parameters, and transactions. Managers and entities work through it.
 *
 * @example
 * ```ts
 * const db = await Database.connect({ url: process.env.DATABASE_URL, tables: { users, functions } })
 * const rows = await db.raw('SELECT uuid FROM functions WHERE user_id = @user_id', { user_id: 1 })
 * // SELECT uuid FROM functions WHERE user_id = $1   -- parameters: [1]
 * await db.close()
 * ```
 */
export class Database<
  TTables extends TableRecord = TableRecord,
  V extends 'trusted' | 'public' = 'trusted',
> implements QueryExecutor
{
  readonly #kysely: Kysely<KyselyDatabase<TTables>>
  readonly #tables: TTables
  readonly #root: Root
  readonly #scope: TransactionScope | undefined
  readonly #publicOnly: boolean
  #publicView: Database<TTables, 'public'> | undefined
  readonly #view: View
  #primaryView: Database<TTables, V> | undefined
  // Managers are stateless views of (handle, entity): one per pair is enough.
  readonly #managers = new Map<AnyEntityClass, EntityManager<any, TTables, any, any>>()

  /**
   * The coalescer of this handle's point lookups (see {@link ConnectOptions.coalesceLookups}):
   * one per handle, so a transaction's lookups are never sent with another's, nor a
   * {@link primary} or {@link session} handle's with those of the Database; a {@link public} view
   * shares its handle's (its statements run alike). `undefined` with `coalesceLookups: false`.
   *
   * @example
   * ```ts
   * db.lookups !== undefined // true by default
   * ```
   */
  readonly lookups: LookupCoalescer | undefined

  private constructor(
    kysely: Kysely<KyselyDatabase<TTables>>,
    tables: TTables,
    root: Root,
    scope: TransactionScope | undefined,
    publicOnly = false,
    view: View = { route: 'auto', tracker: root.tracker },
    lookups?: LookupCoalescer,
  ) {
    this.#kysely = kysely
    this.#tables = tables
    this.#root = root
    this.#scope = scope
    this.#publicOnly = publicOnly
    this.#view = view
    // Outside a transaction a failed statement of several keys is sent again key by key; in one,
    // the failure aborted the transaction, so its callers get that error.
    this.lookups =
      lookups ??
      (root.coalesceLookups
        ? new LookupCoalescer((query) => this.executeRead(query), {
            retryEach: scope === undefined,
          })
        : undefined)
  }

  /**
   * The public view of this handle, for request input: the same pool (or, on a `tx`, the same
   * transaction) and the same API, in which every entry point that takes request input treats
   * secret and internal columns (password hashes, serial ids, integer foreign keys) as columns
   * that do not exist. The managers of the view refuse them in `where` (finders, `count`,
   * `exists`, `paginate`, `paginateByCursor`, updates and deletes), `orderBy` (relation loads
   * too) and by-id methods on an internal key; its queries (`manager.query()`) refuse them in
   * select, where, groupBy, having and orderBy references, and refuse `*`. The refusal is the
   * {@link InvalidQueryError} an unknown name gets (`where.passwordHash: unknown column of
   * users`), so it tells nothing either; nothing is sent. Keyset cursors of the view are valid
   * only in the view. Results are unchanged: entities keep every column, and DTOs decide what
   * leaves the server. Raw SQL and `kysely` are code, not request input: unchanged. Transactions
   * opened on the view give public handles; the view of a view is itself.
   *
   * Not the default: server code filters by internal keys all the time
   * (`functions.findAll({ where: { userId: user.id } })`), so `db` stays trusted and a request
   * handler takes `db.public()` for what the client sends.
   *
   * @example
   * ```ts
   * const pub = db.public()
   * await pub.manager(FunctionEntity).paginateByCursor({ limit: 20, where: body.where, orderBy: body.orderBy })
   * // { where: { status: 'active' }, orderBy: 'name' }: ... where "status" = $1 order by "name" asc, "id" asc limit 21
   * // { where: { userId: 7 } }: throws InvalidQueryError: where.userId: unknown column of functions
   * ```
   */
  public(): Database<TTables, 'public'> {
    if (this.#publicOnly) return this as unknown as Database<TTables, 'public'>
    this.#publicView ??= new Database<TTables, 'public'>(
      this.#kysely,
      this.#tables,
      this.#root,
      this.#scope,
      true,
      this.#view,
      this.lookups,
    )
    return this.#publicView
  }

  /** True on a public view ({@link public}): request input cannot name secret or internal columns. */
  get publicOnly(): boolean {
    return this.#publicOnly
  }

  /**
   * Opens a postgres.js pool (prepared statements, one reserved connection per transaction only)
   * and checks that the server answers, so a bad URL or a refused connection fails here with a
   * {@link ConnectionError} rather than at the first query. With `pooler` unset, that check also
   * tells whether a pooler such as PgBouncer sits in between, and then turns named prepared
   * statements off (see {@link ConnectOptions.pooler}).
   *
   * @example
   * ```ts
   * const db = await Database.connect({ url: 'postgres://app@localhost/app', tables: { users }, max: 20 })
   * const pooled = await Database.connect({ url: 'postgres://app@pgbouncer:6432/app', tables: { users }, pooler: 'transaction' })
   * ```
   */
  static async connect<TTables extends TableRecord>(
    options: ConnectOptions<TTables>,
  ): Promise<Database<TTables>> {
    checkTables(options.tables)
    const {
      tables,
      client,
      entities,
      cursorSecret,
      poolTimeout,
      pipeline,
      queryDeadline,
      pooler,
      log,
      logParameters,
      tracing,
      coalesceLookups,
      replicas: _replicas,
      maxReplicaLag: _maxReplicaLag,
      maxReplayWait: _maxReplayWait,
      readYourWrites: _readYourWrites,
      replicaCheckInterval: _replicaCheckInterval,
      onReplicaEvent: _onReplicaEvent,
      ...connection
    } = options
    const replicas = replicaSettings(options)
    const coalesce = checkCoalesceLookups(coalesceLookups)
    const api = tracing === false ? undefined : await loadOpenTelemetry()
    const observer = new DatabaseObserver({
      logParameters: logParameters === true,
      secrets: secretNames(Object.values(tables)),
      tracing: api === undefined ? undefined : new Tracing(api),
    })
    if (log !== undefined) observer.on('query', log)
    // Checked before a pool is opened: a bad value leaves nothing to close. Unset, the driver
    // derives it from the client's statement_timeout (ours, or that of a client of your own).
    if (queryDeadline !== undefined) resolveQueryDeadline(queryDeadline, undefined)
    checkPooler(pooler, connection.statementTimeout)
    const dialect = new PostgresJsDialect({
      sql: client ?? createPostgresClient(connection),
      ownsClient: client === undefined,
      ...(poolTimeout === undefined ? {} : { poolTimeout }),
      ...(pipeline === undefined ? {} : { pipeline }),
      ...(queryDeadline === undefined ? {} : { queryDeadline }),
      ...(pooler === 'transaction' ? { prepare: false } : {}),
    })
    const kysely = new Kysely<KyselyDatabase<TTables>>({ dialect })
    POOLS.set(kysely, dialect)
    // Kysely made the driver: observed from the first statement (connect's check) on.
    if (dialect.driver !== undefined) observeDriver(dialect.driver, observer, 'primary')
    let version: number | undefined
    try {
      // Unset: a pooler between us and the server turns named prepared statements off. The
      // detection is the first statement, so that nothing of ours is prepared before it.
      // Either way, the server's version comes back in that round trip (serverFeatures()).
      const driver = pooler === undefined ? dialect.driver : undefined
      if (driver === undefined) {
        const { rows } = await kysely.executeQuery(
          CompiledQuery.raw(`select ${SERVER_VERSION_COLUMN}`),
        )
        version = versionOfRow(rows[0])
      } else {
        await driver.detectPooler()
        version = driver.serverVersion
      }
    } catch (error) {
      await kysely.destroy().catch(() => {})
      throw mapDatabaseError(error)
    }
    const root = makeRoot(
      kysely,
      tables,
      coalesce,
      entities,
      cursorSecret,
      dialect.driver,
      observer,
    )
    if (version !== undefined) root.features = Promise.resolve(serverFeatures(version))
    if (replicas !== undefined) {
      const driver = dialect.driver
      const primaryLsn = async () =>
        lsnOfResult(await (driver as PostgresJsDriver).execute(CURRENT_LSN, 'read'))
      if (replicas.readYourWrites === 'database') root.tracker = new WriteTracker(primaryLsn)
      try {
        // Replica events reach onReplicaEvent and db.on('replica', ...) alike.
        const onEvent = (event: ReplicaEvent) => {
          replicas.onEvent(event)
          observer.emit('replica', event)
        }
        root.replicas = await openReplicaSet(
          { ...replicas, onEvent },
          connection,
          {
            poolTimeout,
            pipeline,
            queryDeadline,
            // Replicas behind a transaction pooler too: no named prepared statements there either.
            ...(pooler === 'transaction' ? { prepare: false } : {}),
          },
          primaryLsn,
          (driver) => observeDriver(driver, observer, 'replica'),
        )
      } catch (error) {
        await dialect.close({ timeout: 0 }).catch(() => {})
        await kysely.destroy().catch(() => {})
        throw error
      }
    }
    return new Database(kysely, tables, root, undefined)
  }

  /**
   * Serves the tables through a Kysely instance you already have, on any PostgreSQL dialect
   * (pg, postgres.js, PGlite). Entities normalise what those drivers return (an int8 as a string,
   * a date as a `Date`). `close()` destroys that Kysely instance.
   *
   * The instance's plugins are checked here, since entities trust the rows of their statements:
   * a plugin that changes result rows (`CamelCasePlugin`, `ParseJSONResultsPlugin`) or the tables
   * statements reach (`WithSchemaPlugin`, `kysely.withSchema()`) is refused with
   * {@link UnsupportedPluginError}, and so is any plugin not known to leave them alone unless its
   * class is in `allowPlugins`. Kysely's `DeduplicateJoinsPlugin` and `HandleEmptyInListsPlugin`
   * are allowed.
   *
   * @example
   * ```ts
   * const db = Database.fromKysely(new Kysely({ dialect: new PostgresDialect({ pool }) }), { tables })
   *
   * // A plugin of yours that only looks at statements and results, vouched for:
   * const traced = new Kysely({ dialect, plugins: [new TracingPlugin()] })
   * const db2 = Database.fromKysely(traced, { tables, allowPlugins: [TracingPlugin] })
   *
   * Database.fromKysely(new Kysely({ dialect, plugins: [new CamelCasePlugin()] }), { tables })
   * // throws UnsupportedPluginError: Database.fromKysely: plugins[0] is "CamelCasePlugin", which renames ...
   *
   * // Read replicas, a Kysely instance each: reads go there as with Database.connect({ replicas }).
   * const replicated = Database.fromKysely(primaryKysely, { tables, replicas: [replicaKysely], maxReplayWait: 500 })
   * ```
   *
   * With `replicas` (see {@link FromKyselyReplicaOptions}), reads are routed as with
   * {@link Database.connect}'s replicas, with the same read-your-writes, health checks,
   * `db.primary`, `db.session()` and `db.replicas()`; read-only transactions run through the
   * replica instance's `transaction()`. Still synchronous: the replicas are checked first at the
   * first read, which waits for that check. `close()` destroys the replica instances too.
   */
  static fromKysely<TTables extends TableRecord>(
    kysely: Kysely<any>,
    options: FromKyselyOptions<TTables>,
  ): Database<TTables> {
    checkTables(options.tables)
    checkKyselyPlugins(kysely, options.allowPlugins)
    const coalesce = checkCoalesceLookups(options.coalesceLookups)
    const replicas = kyselyReplicas(kysely, options, options.allowPlugins)
    const root = makeRoot(kysely, options.tables, coalesce, options.entities, options.cursorSecret)
    if (replicas !== undefined) {
      root.replicas = replicas.set
      if (replicas.tracker !== undefined) root.tracker = replicas.tracker
    }
    return new Database(kysely, options.tables, root, undefined)
  }

  /**
   * Calls `listener` for each event `name` of this database's pool: `'query'` when a statement
   * ends ({@link QueryEvent}: text without values, duration, row count, outcome, pool wait), and
   * `'transaction'` when a transaction ends ({@link TransactionEvent}). Every statement the
   * driver sends is seen, those of `db.kysely` and the driver's own `start transaction`,
   * `commit`, `rollback` and savepoints included. Listeners run synchronously; what one throws
   * never changes the statement's outcome. Only a `Database.connect` pool emits events (else
   * {@link UnsupportedOperationError}); a transaction handle registers on its database.
   *
   * While nobody listens and no OpenTelemetry tracer provider is registered, the driver
   * measures nothing (no clock is read per statement).
   *
   * @example
   * ```ts
   * const slow = (e: QueryEvent) => { if (e.duration > 200) logger.warn({ sql: e.text, ms: e.duration }) }
   * db.on('query', slow)
   * await db.manager(UserEntity).findByUuid(uuid)
   * // slow({ text: 'select ... from "users" where "uuid" = $1', outcome: 'ok', rowCount: 1, ... })
   * db.off('query', slow)
   * ```
   */
  on<K extends DatabaseEventName>(name: K, listener: DatabaseEventListener<K>): this {
    this.#observer(`on('${name}')`).on(name, listener)
    return this
  }

  /**
   * Removes a listener added with {@link on}.
   *
   * @example
   * ```ts
   * db.off('query', slow)
   * ```
   */
  off<K extends DatabaseEventName>(name: K, listener: DatabaseEventListener<K>): this {
    this.#observer(`off('${name}')`).off(name, listener)
    return this
  }

  #observer(call: string): DatabaseObserver {
    const observer = this.#root.observer
    if (observer === undefined) {
      throw new UnsupportedOperationError(
        `${call} needs a Database.connect pool; a Database.fromKysely database runs its statements through a driver this package does not see`,
      )
    }
    return observer
  }

  /**
   * The state of this database's pools now: connections in use and idle, transactions, calls
   * waiting for a connection, reads pipelined (see {@link PoolStats}), for the primary and each
   * replica of `Database.connect({ replicas })` (empty without). Only for a `Database.connect` pool (else
   * {@link UnsupportedOperationError}).
   *
   * @example
   * ```ts
   * const { primary } = db.stats()
   * metrics.gauge('db.pool.in_use', primary.inUse)
   * metrics.gauge('db.pool.waiting', primary.waiting)
   * ```
   */
  stats(): DatabaseStats {
    const driver = this.#root.driver
    if (driver === undefined) {
      throw new UnsupportedOperationError(
        'stats() needs a Database.connect pool; a Database.fromKysely database has a pool this package does not see',
      )
    }
    return { primary: driver.stats(), replicas: this.#root.replicas?.stats() ?? [] }
  }

  /**
   * What the server has, by its version: `server_version_num` and a flag per version-dependent
   * feature (see {@link ServerFeatures}), frozen. Read once per database: `Database.connect`
   * reads the version in the round trip of its first statement, so this costs nothing there; a
   * `Database.fromKysely` database reads it at the first call
   * (`select current_setting('server_version_num')::int`). Transaction handles share it.
   *
   * @example
   * ```ts
   * const features = await db.serverFeatures()
   * // on PostgreSQL 15.20:
   * // { version: 150020, nullsNotDistinct: true, backupStart: true, mergeReturning: false, jsonTable: false, uuidv7: false }
   * if (!features.mergeReturning) await db.raw('INSERT ... ON CONFLICT ... RETURNING *', params)
   * ```
   */
  serverFeatures(): Promise<ServerFeatures> {
    this.#assertUsable()
    const root = this.#root
    if (root.features === undefined) {
      const read = root.kysely
        .executeQuery(CompiledQuery.raw(`select ${SERVER_VERSION_COLUMN}`))
        .then((result) => {
          const version = versionOfRow(result.rows[0])
          if (version === undefined) {
            throw new UnsupportedOperationError(
              "serverFeatures(): the server did not answer current_setting('server_version_num') with a number",
            )
          }
          return serverFeatures(version)
        })
        .catch((error: unknown) => {
          throw mapDatabaseError(error)
        })
      // A failed read (a dropped connection) is read again by the next call.
      read.catch(() => {
        if (root.features === read) root.features = undefined
      })
      root.features = read
    }
    return root.features
  }

  /** The typed Kysely instance (SQL table and column names); inside a transaction, the transaction. */
  get kysely(): Kysely<KyselyDatabase<TTables>> {
    this.#assertUsable()
    return this.#kysely
  }

  /** The table definitions. */
  get tables(): TTables {
    return this.#tables
  }

  /** Encrypts and checks the keyset cursors of this database's managers. */
  get cursors(): CursorCodec {
    return this.#root.cursors
  }

  /** The served table with SQL name `name`; throws {@link InvalidQueryError} when there is none. */
  table(name: string): AnyTable {
    return this.#root.registry.table(name)
  }

  /** The entity class for rows of `table`: the registered subclass, else `Entity.of(table)`. */
  entityClass<T extends AnyTable>(table: T): EntityClass<T> {
    return this.#root.registry.entityClass(table)
  }

  /** Registers `entity` as the class for rows of its table (managers and relation loading use it). */
  register(entity: AnyEntityClass): void {
    this.#root.registry.register(entity, 'register')
  }

  /**
   * The manager of `entity` on this handle: on the root, statements run on the pool; on a `tx`
   * given to a transaction callback, inside that transaction. The entity's table must be one of
   * this database's tables; its class becomes the one relation loading uses for that table.
   *
   * @example
   * ```ts
   * const functions = db.manager(FunctionEntity)
   * await db.transaction(async (tx) => {
   *   await tx.manager(FunctionEntity).updateById(id, { status: 'inactive' }) // inside the transaction
   * })
   * ```
   */
  manager<E extends AnyEntityClass>(entity: E): ManagerOf<E, TTables, V> {
    this.#assertUsable()
    let manager = this.#managers.get(entity)
    if (manager === undefined) {
      this.#root.registry.register(entity, 'manager')
      manager = new EntityManager<E, TTables>(this, entity)
      this.#managers.set(entity, manager)
    }
    return manager as ManagerOf<E, TTables, V>
  }

  /** True on a handle given to a {@link transaction} callback. */
  get isTransaction(): boolean {
    return this.#scope !== undefined
  }

  /**
   * True when {@link copyIn} can run here: on a transaction handle of a `Database.connect` pool
   * (a `Database.fromKysely` database has no COPY through its dialect).
   * @internal
   */
  get canCopy(): boolean {
    return this.#root.driver !== undefined && this.#scope !== undefined
  }

  /**
   * Runs `sql`, a `copy "t" (...) from stdin`, on this transaction's connection, sending
   * `chunks` as its text data; `onWritten` is called after each chunk is written. Resolves to the
   * server's row count. Only where {@link canCopy}.
   * @example await tx.copyIn('copy "items" ("sku", "qty") from stdin', chunks(), () => {}) // 2
   * @internal
   */
  copyIn(
    sql: string,
    chunks: AsyncIterable<string>,
    onWritten: () => void,
  ): Promise<number | undefined> {
    const driver = this.#root.driver
    if (driver === undefined || this.#scope === undefined) {
      return Promise.reject(new Error('COPY needs a transaction of a Database.connect pool'))
    }
    try {
      this.#assertUsable()
    } catch (error) {
      return Promise.reject(error)
    }
    // The transaction's own connection: Kysely hands it over in turn with its other statements.
    return this.#kysely
      .getExecutor()
      .provideConnection((connection) => driver.copyIn(connection, sql, chunks, onWritten))
  }

  /**
   * This Database with every statement on the primary: the same pool and API, where reads
   * (finders, queries, `executeRead`, read-only transactions) do not go to the replicas of
   * `Database.connect({ replicas })`. For a read that must see the latest data whatever the
   * replicas replayed, or a `SELECT` with side effects. Without replicas it is this Database.
   *
   * @example
   * ```ts
   * const db = await Database.connect({ url, replicas: [replicaUrl], tables })
   * await db.manager(UserEntity).findByUuid(uuid)         // a replica (which has the writes made through db)
   * await db.primary.manager(UserEntity).findByUuid(uuid) // the primary
   * ```
   */
  get primary(): Database<TTables, V> {
    if (this.#view.route === 'primary' || this.#root.replicas === undefined) return this
    this.#primaryView ??= new Database<TTables, V>(
      this.#kysely,
      this.#tables,
      this.#root,
      this.#scope,
      this.#publicOnly,
      { route: 'primary', tracker: this.#view.tracker },
    )
    return this.#primaryView
  }

  /**
   * A session of this Database for read-your-writes across requests: the same pool and API,
   * whose reads see every write made through the session, and those of the `token` it starts
   * from. Give the next request of the same user {@link sessionToken} (in a cookie or a header,
   * to any process of the application) and open its session with it: that request then reads
   * what the previous one wrote, even on another process, and even when the Database was
   * connected with `readYourWrites: 'session'` (where reads outside sessions wait for nothing).
   * A token that is not one (tampered with) is an {@link InvalidQueryError}; a token is a WAL
   * position (`16/B374D848`), nothing secret. Without replicas, and on a transaction handle
   * (whose statements all run in its transaction), a session is this handle itself.
   *
   * @example
   * ```ts
   * app.post('/profile', async (req, res) => {
   *   const s = db.session(req.cookies.rw ?? '')
   *   await s.manager(UserEntity).updateById(req.user.id, req.body)
   *   res.cookie('rw', await s.sessionToken()).redirect('/profile')
   * })
   * app.get('/profile', async (req, res) => {
   *   const s = db.session(req.cookies.rw ?? '')
   *   res.json(await s.manager(UserEntity).findById(req.user.id)) // on a replica that has the update
   * })
   * ```
   */
  session(token = ''): Database<TTables, V> {
    const root = this.#root
    const replicas = root.replicas
    if (replicas === undefined || this.#scope !== undefined) return this
    const tracker = new WriteTracker(() => replicas.primaryLsn(), this.#view.tracker)
    if (typeof token !== 'string' || !tracker.raise(token)) {
      throw new InvalidQueryError('session', 'expected a token from sessionToken(), or ""')
    }
    return new Database<TTables, V>(this.#kysely, this.#tables, root, undefined, this.#publicOnly, {
      route: this.#view.route,
      tracker,
    })
  }

  /**
   * The token of this handle's read-your-writes scope (a {@link session}, or the Database with
   * `readYourWrites: 'database'`): the primary's WAL position its reads must see. `''` when
   * nothing was written, or without replicas.
   *
   * @example
   * ```ts
   * res.setHeader('x-read-after', await session.sessionToken()) // '0/3000148'
   * ```
   */
  async sessionToken(): Promise<string> {
    return (await this.#view.tracker?.token()) ?? ''
  }

  /**
   * The read replicas and their state as of the last health check or read: `up` (reads go
   * there), `down` (it refused or broke a connection) or `lagging` (further behind the primary
   * than `maxReplicaLag`), with the lag seen. Addresses come without their password. Empty
   * without replicas.
   *
   * @example
   * ```ts
   * db.replicas()
   * // [{ url: 'postgres://app@replica-1:5432/app', state: 'up', healthy: true, lagMs: 0, reason: undefined }]
   * ```
   */
  replicas(): ReplicaStatus[] {
    return this.#root.replicas?.status() ?? []
  }

  /**
   * Runs raw SQL with named parameters (`@name`), sent as bind parameters of a prepared statement.
   * `@name` inside string literals, quoted identifiers, dollar-quoted bodies and comments is left
   * alone, as are operators such as `@>` and `::` casts. An unbound name throws
   * {@link MissingParameterError} before anything is sent.
   *
   * Parameters may be a string, number, bigint, boolean, null, a valid Date, a Uint8Array or
   * Buffer (bytea), an array of these (a PostgreSQL array; no bytes inside), or a plain
   * object/array of JSON values (json/jsonb). Anything else (a Map, a Set, a class instance...),
   * a value whose getter throws, or more than 65,533 parameters is an {@link InvalidQueryError}
   * naming the parameter, before anything is sent. A parameter cast `@p::jsonb` (or `::json`) is
   * sent as JSON text: a string is taken as JSON text (`'{"k":1}'` is an object), other values
   * are serialised.
   *
   * ```ts
   * await db.raw('UPDATE functions SET analysis_result = @r::jsonb WHERE id = @id', {
   *   r: JSON.stringify({ score: 9 }), // or { score: 9 }: the same document
   *   id: 1,
   * })
   * // UPDATE functions SET analysis_result = $1::text::jsonb WHERE id = $2   -- ['{"score":9}', 1]
   * ```
   *
   * @example
   * ```ts
   * const rows = await db.raw<{ uuid: string; deployments: bigint }>(
   *   `SELECT f.uuid, COUNT(fd.id) AS deployments FROM functions f
   *    LEFT JOIN function_deployments fd ON fd.function_id = f.id
   *    WHERE f.user_id = @user_id GROUP BY f.id HAVING COUNT(fd.id) > @min`,
   *   { user_id: 1, min: 5 },
   * )
   * // ... WHERE f.user_id = $1 GROUP BY f.id HAVING COUNT(fd.id) > $2   -- [1, 5]
   * ```
   */
  async raw<R = Record<string, unknown>>(
    text: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<R[]> {
    if (typeof text !== 'string') throw new InvalidQueryError('sql', 'expected a string of SQL')
    const compiled = compileNamedSql(text)
    const parameters = bindNamedParameters(compiled, params)
    const result = await this.execute<R>(CompiledQuery.raw(compiled.sql, parameters))
    return result.rows as R[]
  }

  /**
   * Runs a compiled statement that only reads, as the managers' finders do. Outside a transaction,
   * with no connection idle, it may be pipelined behind busy statements (`pipeline`, default 8
   * a connection) instead of waiting for a connection of its own; if it has not started within
   * `poolTimeout`, the call fails with {@link PoolTimeoutError} and the statement may still run
   * later, its result unread. So give it only statements without side effects. In a transaction,
   * or on another dialect, it is {@link execute}.
   *
   * With replicas (`Database.connect({ replicas })`) it runs on a replica that is up and has
   * replayed the writes this handle must see (read-your-writes: see {@link session}), waiting up to
   * `maxReplayWait` for one, else on the primary; a replica that fails it (down, a conflict with
   * recovery, a statement that writes) is left out and the read runs on the primary. On
   * {@link primary}, always the primary.
   *
   * @example
   * ```ts
   * const { rows } = await db.executeRead(db.kysely.selectFrom('users').selectAll().where('email', '=', email).compile())
   * // select * from "users" where "email" = $1
   * ```
   */
  executeRead<R>(
    query: CompiledQuery<unknown>,
  ): Promise<{ readonly rows: readonly R[]; readonly numAffectedRows?: bigint }> {
    return this.#execute<R>(query, 'read')
  }

  /**
   * Runs a script of several statements (DDL, a migration file) as one simple-protocol request:
   * no parameters, nothing returned. Other dialects (`fromKysely`) receive it as one statement text.
   *
   * @example
   * ```ts
   * await db.executeScript(generateDDL(Object.values(tables)))
   * ```
   */
  async executeScript(text: string): Promise<void> {
    if (typeof text !== 'string') throw new InvalidQueryError('sql', 'expected a string of SQL')
    await this.execute(asScript(CompiledQuery.raw(text, [])))
  }

  /**
   * {@link raw} for a statement that returns at most one row: that row, or `null`.
   * @example
   * ```ts
   * const stats = await db.rawOne<{ total: bigint }>('SELECT COUNT(*) AS total FROM functions WHERE user_id = @id', { id })
   * ```
   */
  async rawOne<R = Record<string, unknown>>(
    text: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<R | null> {
    const rows = await this.raw<R>(text, params)
    return rows[0] ?? null
  }

  /**
   * Runs a compiled query on this handle (in its transaction, if any), mapping driver errors to
   * this package's error classes. Always on the primary, even with replicas (where it counts as
   * a write for read-your-writes): reads that may go to a replica use {@link executeRead}.
   */
  execute<R>(
    query: CompiledQuery<unknown>,
  ): Promise<{ readonly rows: readonly R[]; readonly numAffectedRows?: bigint }> {
    return this.#execute<R>(query, 'statement')
  }

  #execute<R>(
    query: CompiledQuery<unknown>,
    use: StatementUse,
  ): Promise<{ readonly rows: readonly R[]; readonly numAffectedRows?: bigint }> {
    // More parameters than the protocol carries: refused before anything is sent.
    try {
      checkParameterCount(query.parameters.length, 'parameters')
    } catch (error) {
      return Promise.reject(error)
    }
    const root = this.#root
    if (this.#scope === undefined && !root.closed && root.replicas !== undefined) {
      // With replicas: a read goes to one (or the primary, see ReplicaSet.read); any other
      // statement goes to the primary and counts as a write for read-your-writes.
      if (use === 'read' && this.#view.route === 'auto') {
        return root.replicas.read<R>(query, this.#view.tracker, () =>
          this.#executeOnPrimary<R>(query, use),
        )
      }
      if (use === 'statement') return this.#executeWrite<R>(query)
    }
    return this.#executeOnPrimary<R>(query, use)
  }

  async #executeWrite<R>(
    query: CompiledQuery<unknown>,
  ): Promise<{ readonly rows: readonly R[]; readonly numAffectedRows?: bigint }> {
    try {
      return await this.#executeOnPrimary<R>(query, 'statement')
    } finally {
      this.#view.tracker?.wrote()
    }
  }

  #executeOnPrimary<R>(
    query: CompiledQuery<unknown>,
    use: StatementUse,
  ): Promise<{ readonly rows: readonly R[]; readonly numAffectedRows?: bigint }> {
    // Outside a transaction, on this package's own driver, a statement needs nothing of Kysely's
    // connection handling: the driver admits, runs and maps errors itself.
    const driver = this.#root.driver
    if (driver !== undefined && this.#scope === undefined && !this.#root.closed) {
      return driver.execute<R>(query, use)
    }
    return this.#executeWithKysely<R>(query)
  }

  async #executeWithKysely<R>(
    query: CompiledQuery<unknown>,
  ): Promise<{ readonly rows: readonly R[]; readonly numAffectedRows?: bigint }> {
    this.#assertUsable()
    try {
      return (await this.#kysely.executeQuery(query)) as { rows: R[]; numAffectedRows?: bigint }
    } catch (error) {
      throw mapDatabaseError(error)
    }
  }

  /**
   * Runs `fn` in a transaction: everything done through the `tx` it receives (raw SQL, its
   * `kysely`, its managers) is inside it. Returning commits; throwing rolls back and rethrows.
   * With replicas, a transaction opened with `accessMode: 'read only'` runs on a replica (as
   * {@link executeRead} chooses one), and runs again on the primary if that replica fails it
   * (down, a conflict with recovery): its callback may then run twice. Every other transaction
   * runs on the primary, and counts as a write for read-your-writes once it has ended.
   * Called on a `tx`, it opens a savepoint instead, and a throw rolls back only that level.
   *
   * With `retries: n`, an attempt that fails with a {@link SerializationFailureError} (PostgreSQL
   * aborted it to keep `serializable` transactions serializable, or to break a deadlock) is
   * rolled back and the whole callback runs again in a new transaction, up to `n` more times,
   * after a backoff with jitter (see {@link TransactionOptions.retryDelay}); the last failure is
   * rethrown. Any other error is thrown at once. A nested transaction cannot retry (refused with
   * {@link InvalidQueryError}): only the outermost level can replay everything it did.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   await tx.raw('UPDATE functions SET active_deployment_id = @d WHERE id = @f', { d, f })
   *   await tx.transaction(async (inner) => { ... })   // SAVEPOINT ke_sp_1 ... RELEASE SAVEPOINT ke_sp_1
   * }, { isolationLevel: 'serializable' })
   * // begin isolation level serializable; ...; commit
   *
   * // A transfer that loses a race to another one is run again, up to 5 times.
   * await db.transaction(async (tx) => {
   *   await tx.raw('UPDATE accounts SET balance = balance - @n WHERE id = @from', { n, from })
   *   await tx.raw('UPDATE accounts SET balance = balance + @n WHERE id = @to', { n, to })
   * }, { isolationLevel: 'serializable', retries: 5, retryDelay: { base: 20, max: 500 } })
   * ```
   */
  async transaction<R>(
    fn: (tx: Database<TTables, V>) => Promise<R>,
    options: TransactionOptions = {},
  ): Promise<R> {
    this.#assertUsable()
    checkTransactionOptions(options)
    const scope = this.#scope
    if (scope !== undefined) {
      checkSavepointOptions(options)
      return runSavepoint(scope, this.#openHandle(), fn)
    }
    const { isolationLevel, accessMode } = options
    const retry = checkRetryOptions(options)
    if (retry.retries === 0) return this.#transactionOnce(fn, isolationLevel, accessMode)
    return runWithRetries(retry, () => this.#transactionOnce(fn, isolationLevel, accessMode))
  }

  // One attempt of an outermost transaction: begin, fn, commit (or rollback and rethrow).
  async #transactionOnce<R>(
    fn: (tx: Database<TTables, V>) => Promise<R>,
    isolationLevel: IsolationLevel | undefined,
    accessMode: AccessMode | undefined,
  ): Promise<R> {
    this.#assertUsable()
    const onPrimary = () =>
      runTransaction(this.#kysely, isolationLevel, accessMode, this.#openHandle(), fn)
    const replicas = this.#root.replicas
    if (replicas === undefined) return onPrimary()
    // A read-only transaction goes to a replica; any other is a write for read-your-writes,
    // counted once it has ended (committed or not).
    if (accessMode === 'read only' && this.#view.route === 'auto') {
      return replicas.transaction(
        this.#view.tracker,
        (kysely) => runTransaction(kysely, isolationLevel, accessMode, this.#openHandle(), fn),
        onPrimary,
      )
    }
    try {
      return await onPrimary()
    } finally {
      this.#view.tracker?.wrote()
    }
  }

  // The handle a transaction level's callback receives: these tables and root, on its `trx`.
  // A public view's transactions give public handles.
  #openHandle(): OpenHandle<Database<TTables, V>> {
    return (trx, scope) =>
      new Database<TTables, V>(
        trx as any,
        this.#tables,
        this.#root,
        scope,
        this.#publicOnly,
        this.#view,
      )
  }

  /**
   * Runs `fn(tx)` in a transaction whose first statement sets the request context for that
   * transaction only: each custom setting with `set_config(name, value, true)` and the role with
   * `set_config('role', role, true)` (the same as `SET LOCAL ROLE`). Names and values are bind
   * parameters; setting names must be `prefix.name` in lower case and role names plain
   * identifiers (taken as written, like a quoted identifier), else {@link InvalidQueryError}
   * before anything is sent. Commit or rollback ends them, so a pooled connection never carries
   * one request's user or role into the next request. Row Level Security policies read the
   * settings with `current_setting('app.user_uuid', true)`.
   *
   * Superusers and roles with BYPASSRLS skip every policy, and so does a table's owner unless
   * the table has FORCE ROW LEVEL SECURITY: when the pool connects as such a user (as in most
   * test set-ups), give `role`, a role without those rights of which the connecting user is a
   * member. The policies then apply to everything `fn` does through `tx`. This guards against
   * forgetting a filter, not against the SQL `fn` runs: a statement inside can `RESET ROLE`.
   *
   * On a `tx` it opens a savepoint: if `fn` throws, rolling back to the savepoint restores the
   * settings and role of the enclosing transaction; if it returns, they stay in force until the
   * enclosing transaction ends (PostgreSQL keeps `is_local` settings of a released savepoint).
   * Once a setting has been used on a connection, `current_setting(name, true)` returns `''`
   * rather than NULL outside the transaction: write policies with
   * `nullif(current_setting('app.user_uuid', true), '')::uuid`.
   *
   * @example
   * ```ts
   * // ALTER TABLE functions ENABLE ROW LEVEL SECURITY;
   * // CREATE POLICY own ON functions USING (user_id = (SELECT id FROM users
   * //   WHERE uuid = nullif(current_setting('app.user_uuid', true), '')::uuid));
   * const mine = await db.withContext(
   *   { settings: { 'app.user_uuid': user.uuid }, role: 'app_user' },
   *   (tx) => tx.manager(FunctionEntity).findAll(),
   * )
   * // begin; select set_config($1, $2, true), set_config('role', $3, true); select ... from "functions"; commit
   * ```
   */
  async withContext<R>(
    context: WithContextOptions,
    fn: (tx: Database<TTables, V>) => Promise<R>,
  ): Promise<R> {
    this.#assertUsable()
    const { statement } = compileRequestContext(context)
    const options = withContextTransactionOptions(context)
    return this.transaction(async (tx) => {
      if (statement !== undefined) await tx.execute(statement)
      return fn(tx)
    }, options)
  }

  /**
   * Closes gracefully, then ends the pool (when this Database opened it). From the call on, new
   * statements and transactions fail at once with {@link DatabaseClosedError}; those already
   * running, transactions included, may finish for up to `timeout` ms (default 10,000). After
   * that the pool is ended anyway and what still runs fails with {@link DatabaseClosedError}
   * (a transaction cut off so is rolled back by the server). Resolves once the pool is ended;
   * calling it again waits for the same close. Not allowed on a transaction handle.
   * (`timeout` applies to `Database.connect` pools; `fromKysely` just destroys its Kysely
   * instances, the replicas' included.)
   *
   * @example
   * ```ts
   * process.on('SIGTERM', async () => {
   *   await db.close({ timeout: 5_000 }) // requests in flight get 5 s to finish
   *   process.exit(0)
   * })
   * ```
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#scope !== undefined) {
      throw new TransactionClosedError('close() is not available inside a transaction')
    }
    const root = this.#root
    const dialect = POOLS.get(root.kysely)
    // The driver refuses new work at once; transaction handles stay usable while they drain.
    if (dialect !== undefined && !root.closed) {
      await Promise.all([dialect.close(options), root.replicas?.drain(options.timeout)])
    }
    if (root.closed) return
    root.closed = true
    // Replicas first: their health check reads the primary's position through root.kysely.
    await root.replicas?.close(0)
    await root.kysely.destroy()
  }

  #assertUsable(): void {
    if (this.#root.closed) throw new DatabaseClosedError()
    assertScopeOpen(this.#scope)
  }
}
