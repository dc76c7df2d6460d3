// OpenTelemetry is an optional peer dependency: only types are imported statically (erased from
// the build); the API itself is loaded with a dynamic import that may fail, and then nothing is
// traced. No public type of the package names an OpenTelemetry type.
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api'
import { PACKAGE_VERSION } from '../version'
import type { QueryEventError, TransactionOutcome } from './query-event'
import type { StatementText } from './statement-text'

type OpenTelemetryApi = typeof import('@opentelemetry/api')

let loading: Promise<OpenTelemetryApi | undefined> | undefined

/**
 * `@opentelemetry/api` when it is installed, else undefined; loaded once per process.
 *
 * @example
 * ```ts
 * const api = await loadOpenTelemetry() // undefined without the package: no tracing
 * ```
 */
export function loadOpenTelemetry(): Promise<OpenTelemetryApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (api) => (typeof api?.trace?.getTracerProvider === 'function' ? api : undefined),
    () => undefined,
  )
  return loading
}

/** The server a pool talks to, as the spans of its statements name it. */
export interface ServerTarget {
  /** The database name (`db.namespace`). */
  readonly database: string | undefined
  /** Host name or address (`server.address`); a Unix socket's path. */
  readonly address: string | undefined
  /** Port (`server.port`). */
  readonly port: number | undefined
}

/** The attributes every span of `target` carries. */
function targetAttributes(target: ServerTarget): Attributes {
  const attributes: Attributes = { 'db.system.name': 'postgresql' }
  if (target.database !== undefined) attributes['db.namespace'] = target.database
  if (target.address !== undefined) attributes['server.address'] = target.address
  if (target.port !== undefined) attributes['server.port'] = target.port
  return attributes
}

/**
 * The name and attributes of a statement's span, by the database semantic conventions: the name
 * is `{db.operation.name} {db.collection.name}` (or the operation alone, else `postgresql`); the
 * attributes name the system, the database, the server, the operation, the table, and the text
 * with string literals masked. Never a bound value.
 *
 * @example
 * ```ts
 * statementSpan(analyzeStatement('select * from "users" where "id" = $1'), { database: 'app', address: 'db', port: 5432 })
 * // { name: 'SELECT users', attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'app',
 * //   'server.address': 'db', 'server.port': 5432, 'db.operation.name': 'SELECT',
 * //   'db.collection.name': 'users', 'db.query.text': 'select * from "users" where "id" = $1' } }
 * ```
 */
export function statementSpan(
  statement: StatementText,
  target: ServerTarget,
): { readonly name: string; readonly attributes: Attributes } {
  const attributes = targetAttributes(target)
  const { operation, collection } = statement
  if (operation !== undefined) attributes['db.operation.name'] = operation
  if (collection !== undefined) attributes['db.collection.name'] = collection
  attributes['db.query.text'] = statement.text
  const name =
    operation === undefined
      ? 'postgresql'
      : collection === undefined
        ? operation
        : `${operation} ${collection}`
  return { name, attributes }
}

/**
 * The attributes of a failed statement: `error.type` is the SQLSTATE when PostgreSQL gave one
 * (also as `db.response.status_code`), else the error's class name.
 *
 * @example
 * ```ts
 * errorAttributes({ name: 'UniqueViolationError', sqlState: '23505' })
 * // { 'error.type': '23505', 'db.response.status_code': '23505' }
 * ```
 */
export function errorAttributes(error: QueryEventError): Attributes {
  if (error.sqlState === undefined) return { 'error.type': error.name }
  return { 'error.type': error.sqlState, 'db.response.status_code': error.sqlState }
}

/** The span of a transaction: `transaction`, with the attributes of its server. */
export function transactionSpan(target: ServerTarget): {
  readonly name: string
  readonly attributes: Attributes
} {
  return { name: 'transaction', attributes: targetAttributes(target) }
}

/** A span being recorded, and what ends it. */
export interface OpenSpan {
  readonly span: Span
  /** The context a child of this span is started in. */
  readonly context: Context
  /** The span active where the span was started: statements run from there belong to it. */
  readonly outer: Span | undefined
}

/**
 * Spans through the globally registered tracer provider. {@link active} is the per-statement check:
 * false while no provider is registered (the API's no-op), and then nothing else runs.
 *
 * @example
 * ```ts
 * const api = await loadOpenTelemetry()
 * const tracing = api && new Tracing(api)
 * if (tracing?.active()) tracing.startStatement(text, target, undefined)
 * ```
 */
export class Tracing {
  readonly #api: OpenTelemetryApi
  readonly #noop: unknown
  #delegate: unknown
  #tracer: Tracer | undefined

  constructor(api: OpenTelemetryApi) {
    this.#api = api
    // The API's no-op provider: what an empty proxy provider delegates to.
    this.#noop = new api.ProxyTracerProvider().getDelegate()
  }

  /** True while a tracer provider is registered globally. */
  active(): boolean {
    const provider = this.#api.trace.getTracerProvider() as { getDelegate?: () => unknown }
    const delegate = provider.getDelegate === undefined ? provider : provider.getDelegate()
    if (delegate === this.#noop) return false
    if (delegate !== this.#delegate) {
      // A provider registered (or replaced) since the last span: its tracer.
      this.#delegate = delegate
      this.#tracer = this.#api.trace.getTracer('kysely-entities', PACKAGE_VERSION)
    }
    return true
  }

  /**
   * Starts a statement's span (a CLIENT span), as a child of `transaction` when the statement runs
   * from where the transaction began, else of the caller's active span.
   */
  startStatement(
    statement: StatementText,
    target: ServerTarget,
    transaction: OpenSpan | undefined,
  ): Span {
    const { name, attributes } = statementSpan(statement, target)
    return this.#start(name, attributes, this.#parent(transaction))
  }

  /** Starts a transaction's span, a child of the caller's active span. */
  startTransaction(target: ServerTarget): OpenSpan {
    const api = this.#api
    const active = api.context.active()
    const { name, attributes } = transactionSpan(target)
    const span = this.#start(name, attributes, active)
    return { span, context: api.trace.setSpan(active, span), outer: api.trace.getSpan(active) }
  }

  #parent(transaction: OpenSpan | undefined): Context {
    const active = this.#api.context.active()
    if (transaction === undefined) return active
    // Run from where the transaction began (its callback): under the transaction's span. A span
    // the caller opened inside the callback stays the parent of what runs within it.
    return this.#api.trace.getSpan(active) === transaction.outer ? transaction.context : active
  }

  #start(name: string, attributes: Attributes, parent: Context): Span {
    const tracer = this.#tracer as Tracer
    return tracer.startSpan(name, { kind: this.#api.SpanKind.CLIENT, attributes }, parent)
  }

  /** Ends a statement's span: rows returned or affected, or the error. */
  endStatement(span: Span, rowCount: number | undefined, error: QueryEventError | undefined): void {
    if (error === undefined) {
      if (rowCount !== undefined) span.setAttribute('db.response.returned_rows', rowCount)
    } else {
      this.#fail(span, error)
    }
    span.end()
  }

  /** Ends a transaction's span: its outcome, an error status when it could not be ended. */
  endTransaction(open: OpenSpan, outcome: TransactionOutcome): void {
    open.span.setAttribute('kysely_entities.transaction.outcome', outcome)
    if (outcome === 'error') open.span.setStatus({ code: this.#api.SpanStatusCode.ERROR })
    open.span.end()
  }

  #fail(span: Span, error: QueryEventError): void {
    span.setAttributes(errorAttributes(error))
    // No message: a driver's message may quote a value. The class name says what went wrong.
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: error.name })
  }
}
