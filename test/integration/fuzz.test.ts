/**
 * Injection fuzzing (issue 7, item 1): hostile strings and hostile shapes fed into every public
 * entry point that takes input, against a real PostgreSQL holding a canary table and the
 * ContainerPub schema with seed rows.
 *
 * Every call must either run (as a parameterised statement) or be refused with one of this
 * package's typed errors: InvalidQueryError, EntityValidationError, MissingParameterError,
 * DtoDefinitionError, NotFoundError, or a DatabaseError mapped from PostgreSQL refusing a bound
 * value (SQLSTATE classes 22 and 23, and the few class-42 states that mean "this operator does not
 * take a parameter of that type"). A TypeError, a RangeError, a raw driver error, a syntax error
 * or a hang fails the property. Besides:
 *
 * - every hostile string carries a marker `EVIL-<n>`: no statement text sent to PostgreSQL (all
 *   are recorded through Kysely's log) and no error message may contain it, so hostile input only
 *   ever travels as a bind parameter and never comes back in a message;
 * - no log of an error may show hostile input either: the marker is searched for in
 *   `util.inspect(error, { depth: Infinity, showHidden: true })`, `JSON.stringify(error)`, its
 *   string and its stack (test/setup/leak-check.ts), and the `leaks` property provokes every kind
 *   of database error with a canary value bound and searches for it the same way;
 * - accepted hostile strings round-trip exactly (written, read back equal);
 * - the canary table (not served by the Database) keeps its rows and secrets, the seed rows of
 *   every ContainerPub table keep their checksum, no table appears or disappears, and
 *   Object.prototype gains nothing.
 *
 * FUZZ_RUNS (default 5000) is the total number of cases, shared by the properties by weight:
 * `FUZZ_RUNS=100000 npm run fuzz`. A failure prints the seed and path; replay one property with
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run --project integration test/integration/fuzz.test.ts -t '<property>:'`.
 */
import fc from 'fast-check'
import { Kysely } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  containerpubTables,
  FunctionDeploymentEntity,
  FunctionDto,
  FunctionEntity,
  FunctionInvocationEntity,
  FunctionLogEntity,
  OrganizationEntity,
  OrganizationMemberDto,
  OrganizationMemberEntity,
  UserEntity,
  UserInformationEntity,
} from '../../src/containerpub/index'
import {
  type AnyTable,
  CheckViolationError,
  COMPARISON_OPERATORS,
  CursorCodec,
  createPostgresClient,
  Database,
  DatabaseError,
  DtoDefinitionError,
  defineDto,
  dtoField,
  EntityValidationError,
  ForeignKeyViolationError,
  InvalidQueryError,
  KyselyEntitiesError,
  MissingParameterError,
  NotFoundError,
  NotNullViolationError,
  PostgresJsDialect,
  StatementTimeoutError,
  UniqueViolationError,
} from '../../src/index'
import { bindNamedParameters, compileNamedSql } from '../../src/query/named-parameters'
import { OPERATORS } from '../../src/query/where-compiler'
import { containerpubDatabase } from '../setup/containerpub-database'
import { assertNoLeak, leaksOf, newCanary } from '../setup/leak-check'

// ------------------------------------------------------------------------------ run settings

const TOTAL_RUNS = positiveInt(process.env.FUZZ_RUNS, 5000)
const SEED = process.env.FUZZ_SEED === undefined ? randomSeed() : Number(process.env.FUZZ_SEED)
const PATH = process.env.FUZZ_PATH
/** Longest a single call may take before it counts as a hang. */
const CALL_TIMEOUT_MS = 20_000

function positiveInt(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`FUZZ_RUNS must be a positive integer`)
  return n
}

function randomSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0
}

// Weights: how the total is shared between the properties.
const WEIGHTS = {
  whereReads: 4,
  exactEquality: 2,
  whereWrites: 3,
  finderOptions: 3,
  writes: 4,
  upserts: 2,
  batches: 2,
  raw: 4,
  builder: 5,
  dto: 2,
  cursors: 2,
  relations: 2,
  keys: 2,
  leaks: 2,
} as const
const WEIGHT_SUM = Object.values(WEIGHTS).reduce((a, b) => a + b, 0)
const runsOf = (name: keyof typeof WEIGHTS) =>
  Math.max(1, Math.round((TOTAL_RUNS * WEIGHTS[name]) / WEIGHT_SUM))
// Generous: a case costs a few milliseconds, a 100k-character one tens.
const timeoutOf = (name: keyof typeof WEIGHTS) => Math.max(60_000, runsOf(name) * 150)

// ------------------------------------------------------------------------------ environment

type Env = Awaited<ReturnType<typeof containerpubDatabase>>
let env: Env
/** The Database under test; every statement it sends is recorded in `statements`. */
let db: Database<typeof containerpubTables>
const statements: string[] = []

const CANARY = [
  { id: 1, secret: 'alpha-secret' },
  { id: 2, secret: "bravo'secret" },
  { id: 3, secret: 'charlie"secret' },
]
/** Seed ids per table, whose rows must never change. */
const seedIds = new Map<string, number[]>()
let seedChecksums: Record<string, string>
let tableNames: string[]
const prototypeKeys = {
  object: Object.getOwnPropertyNames(Object.prototype).sort(),
  array: Object.getOwnPropertyNames(Array.prototype).sort(),
  function: Object.getOwnPropertyNames(Function.prototype).sort(),
}

/** Rows the test owns (written through valid calls), which hostile writes may change. */
const own = {
  userId: 0,
  userUuid: '',
  functionId: 0,
  functionUuid: '',
  otherFunctionId: 0,
  organizationUuid: '',
}

const ENTITIES = [
  UserEntity,
  UserInformationEntity,
  OrganizationEntity,
  OrganizationMemberEntity,
  FunctionEntity,
  FunctionDeploymentEntity,
  FunctionLogEntity,
  FunctionInvocationEntity,
]

beforeAll(async () => {
  console.log(
    `fuzz: FUZZ_RUNS=${TOTAL_RUNS} FUZZ_SEED=${SEED}${PATH === undefined ? '' : ` FUZZ_PATH=${PATH}`}`,
  )
  env = await containerpubDatabase('fuzz')
  const kysely = new Kysely<any>({
    dialect: new PostgresJsDialect({
      sql: createPostgresClient({ url: env.url, max: 4 }),
      ownsClient: true,
    }),
    log: (event) => {
      statements.push(event.query.sql)
    },
  })
  db = Database.fromKysely(kysely, {
    tables: containerpubTables,
    entities: ENTITIES,
    cursorSecret: 'fuzz cursor secret',
  })
  await env.db.executeScript(
    `CREATE TABLE canary (id int PRIMARY KEY, secret text NOT NULL);
     INSERT INTO canary (id, secret) VALUES ${CANARY.map((r) => `(${r.id}, '${r.secret.replaceAll("'", "''")}')`).join(', ')};
     CREATE TABLE leak_checks (id serial PRIMARY KEY, v text CHECK (v NOT LIKE 'CANARY-%'), must text NOT NULL);`,
  )
  await seed(env.db)
  seedChecksums = await checksums()
  tableNames = await listTables()
}, 120_000)

afterEach(async () => {
  await assertUntouched()
})

afterAll(async () => {
  try {
    if (db !== undefined) await assertUntouched()
  } finally {
    await db?.close()
    await env?.close()
  }
})

/** Seed rows in every ContainerPub table: none of their text contains a marker or `evil`. */
async function seed(d: Database<typeof containerpubTables>) {
  const users = d.manager(UserEntity)
  const seedUsers = []
  for (const n of [1, 2, 3]) {
    seedUsers.push(await users.insert({ email: `seed${n}@example.com`, passwordHash: `hash-${n}` }))
  }
  const [u1, u2, u3] = seedUsers as [UserEntity, UserEntity, UserEntity]
  const info = d.manager(UserInformationEntity)
  await info.insert({ userId: u1.uuid, firstName: 'Ada', lastName: 'Lovelace', role: 'team' })
  await info.insert({
    userId: u2.uuid,
    firstName: 'Bob',
    lastName: 'Berg',
    role: 'developer',
    city: 'Oslo',
  })
  const org = await d.manager(OrganizationEntity).insert({ name: 'seed-org', ownerId: u1.uuid })
  const members = d.manager(OrganizationMemberEntity)
  await members.insert({ organizationId: org.uuid, userId: u1.uuid })
  await members.insert({ organizationId: org.uuid, userId: u2.uuid })
  const fns = d.manager(FunctionEntity)
  const f1 = await fns.insert({ userId: u1.id, name: 'seed-fn-1', analysisResult: { score: 1 } })
  const f2 = await fns.insert({ userId: u1.id, name: 'seed-fn-2', status: 'inactive' })
  await fns.insert({ userId: u3.id, name: 'seed-fn-3', analysisResult: ['a', 1, null] })
  const deployments = d.manager(FunctionDeploymentEntity)
  for (const [fn, version] of [
    [f1, 1],
    [f1, 2],
    [f2, 1],
  ] as const) {
    await deployments.insert({
      functionId: fn.id,
      version,
      imageTag: `seed:${version}`,
      s3Key: `seed/${fn.id}/${version}`,
    })
  }
  const logs = d.manager(FunctionLogEntity)
  for (const level of ['info', 'warn', 'error']) {
    await logs.insert({ functionId: f1.id, level, message: `seed log ${level}` })
  }
  const invocations = d.manager(FunctionInvocationEntity)
  await invocations.insert({ functionId: f1.id, status: 'ok', durationMs: 12 })
  await invocations.insert({ functionId: f2.id, status: 'error', error: 'seed failure' })
  for (const table of Object.values(containerpubTables)) {
    const rows = await d.raw<{ id: number }>(`SELECT id FROM ${table.$meta.quotedName} ORDER BY id`)
    seedIds.set(
      table.$name,
      rows.map((r) => r.id),
    )
  }
  // Rows the fuzzing may change: an owner, two functions, an organization.
  const owner = await users.insert({ email: 'owner@fuzz.test', passwordHash: 'h' })
  own.userId = owner.id
  own.userUuid = owner.uuid
  const fn = await fns.insert({ userId: owner.id, name: 'own-fn' })
  own.functionId = fn.id
  own.functionUuid = fn.uuid
  own.otherFunctionId = (await fns.insert({ userId: owner.id, name: 'own-fn-2' })).id
  own.organizationUuid = (
    await d.manager(OrganizationEntity).insert({ name: 'own-org', ownerId: owner.uuid })
  ).uuid
}

async function checksums(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of Object.values(containerpubTables)) {
    const ids = seedIds.get(table.$name) ?? []
    const [row] = await env.db.raw<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS h
         FROM ${table.$meta.quotedName} t WHERE t.id = ANY(@ids)`,
      { ids },
    )
    out[table.$name] = `${row?.n}/${ids.length}:${row?.h}`
  }
  return out
}

async function listTables(): Promise<string[]> {
  const rows = await env.db.raw<{ name: string }>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1`,
  )
  return rows.map((r) => r.name)
}

/** The canary, the seed rows, the set of tables and the built-in prototypes are as they were. */
async function assertUntouched() {
  const canary = await env.db.raw<{ id: number; secret: string }>(
    'SELECT id, secret FROM canary ORDER BY id',
  )
  expect(canary).toEqual(CANARY)
  expect(await checksums()).toEqual(seedChecksums)
  expect(await listTables()).toEqual(tableNames)
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys.object)
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(prototypeKeys.array)
  expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(prototypeKeys.function)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
}

// ------------------------------------------------------------------------------ the oracle

const MARKER = 'EVIL-'

// SQLSTATEs that mean PostgreSQL refused a bound value, or could not type an operator with it:
// no operator for these types (42883, 42725), datatype mismatch (42804), indeterminate type
// (42P18), cannot cast (42846), grouping error (42803), and 42809: postgres.js types an array
// parameter by its first element, so `whereIn(col, [date, ...])` arrives as a scalar (reported:
// EntityQuery does not convert list elements as where inputs do). A syntax error (42601), an
// unknown table or column (42P01, 42703) or anything else is a failure.
const VALUE_STATES = new Set(['42883', '42804', '42P18', '42846', '42725', '42803', '42809'])
const acceptedState = (state: string | undefined) =>
  state !== undefined &&
  (state.startsWith('22') || state.startsWith('23') || VALUE_STATES.has(state))

class FuzzFailure extends Error {}

/** An error in our typed family, of an accepted kind, that does not repeat hostile input. */
function checkError(error: unknown, label: string): void {
  const fail = (why: string): never => {
    throw new FuzzFailure(`${label}: ${why}`, { cause: error })
  }
  if (!(error instanceof KyselyEntitiesError)) {
    throw fail(
      `threw ${error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 300)}` : typeof error}, not a typed error`,
    )
  }
  const typed =
    error instanceof InvalidQueryError ||
    error instanceof EntityValidationError ||
    error instanceof MissingParameterError ||
    error instanceof DtoDefinitionError ||
    error instanceof NotFoundError ||
    (error instanceof DatabaseError && acceptedState(error.sqlState))
  if (!typed) {
    fail(
      `threw ${error.constructor.name} (${error.code}${error instanceof DatabaseError ? `, SQLSTATE ${error.sqlState}` : ''}): ${error.message.slice(0, 300)}`,
    )
  }
  const texts = [error.message, String(error)]
  if (error instanceof InvalidQueryError) texts.push(error.path)
  if (error instanceof EntityValidationError) {
    for (const issue of error.issues) texts.push(issue.path, issue.message)
  }
  if (error instanceof DtoDefinitionError) texts.push(error.field)
  if (texts.some((t) => t.includes(MARKER))) {
    fail(`the error repeats hostile input: ${error.message.slice(0, 300)}`)
  }
  const logged = leaksOf(error, [MARKER])
  if (logged.length > 0) {
    fail(
      `a log of the error shows hostile input (${logged.join(', ')}): ${error.message.slice(0, 300)}`,
    )
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** Per property: calls that ran, and refusals by error class (printed after each property). */
const tally = new Map<string, number>()
function count(key: string) {
  tally.set(key, (tally.get(key) ?? 0) + 1)
}
function kindOf(error: unknown): string {
  if (error instanceof DatabaseError) return `${error.constructor.name} ${error.sqlState}`
  return error instanceof Error ? error.constructor.name : typeof error
}

/**
 * Runs one call: it must resolve or reject with an accepted typed error within the time limit,
 * and no statement it sent may carry hostile text.
 */
async function attempt<T>(label: string, fn: () => T | Promise<T>): Promise<Outcome<T>> {
  statements.length = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FuzzFailure(`${label}: no answer within ${CALL_TIMEOUT_MS} ms (a hang)`)),
      CALL_TIMEOUT_MS,
    )
  })
  let outcome: Outcome<T>
  try {
    outcome = { ok: true, value: await Promise.race([Promise.resolve().then(fn), timeout]) }
  } catch (error) {
    if (error instanceof FuzzFailure) throw error
    checkError(error, label)
    outcome = { ok: false, error }
    count(`refused: ${kindOf(error)}`)
  } finally {
    clearTimeout(timer)
  }
  checkStatements(label)
  if (outcome.ok) count(statements.length > 0 ? 'ran' : 'ran (no statement)')
  return outcome
}

/** Hostile text reached no statement text: it travelled as parameters only. */
function checkStatements(label: string) {
  for (const text of statements) {
    if (text.includes(MARKER) || text.includes('\u0000')) {
      throw new FuzzFailure(`${label}: hostile input in the SQL text: ${text.slice(0, 500)}`)
    }
  }
}

/** Must be refused (with a typed error, already checked by attempt). */
function expectRefused(outcome: Outcome<unknown>, label: string) {
  if (outcome.ok) throw new FuzzFailure(`${label}: accepted, but it must be refused`)
}

/**
 * Runs a property with fast-check and, on failure, reports what is needed to replay it: the seed,
 * the path and a readable (shortened) counterexample.
 */
async function runProperty<Ts extends unknown[]>(
  name: keyof typeof WEIGHTS,
  property: fc.IAsyncProperty<Ts>,
) {
  const numRuns = runsOf(name)
  tally.clear()
  const started = performance.now()
  const details = await fc.check(property, {
    numRuns,
    seed: SEED,
    ...(PATH === undefined ? {} : { path: PATH }),
  })
  const calls = [...tally.entries()].sort((a, b) => b[1] - a[1])
  console.log(
    `fuzz ${name}: ${details.numRuns} cases in ${Math.round(performance.now() - started)} ms; calls: ${calls.map(([k, n]) => `${k} ${n}`).join(', ')}`,
  )
  if (!details.failed) return
  const example = (() => {
    try {
      return shorten(fc.stringify(details.counterexample), 2000)
    } catch {
      return '(not printable)'
    }
  })()
  const error = details.errorInstance
  const message = error instanceof Error ? error.message : String(error)
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined
  throw new Error(
    [
      `fuzz property "${name}" failed after ${details.numRuns} of ${numRuns} runs${details.interrupted ? ' (interrupted)' : ''}.`,
      `Replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npx vitest run --project integration test/integration/fuzz.test.ts -t '${name}:'`,
      `Counterexample: ${example}`,
      `Failure: ${shorten(message, 2000)}`,
      cause === undefined ? '' : `Cause: ${cause.stack ?? cause.message}`,
    ].join('\n'),
    { cause: error },
  )
}

const shorten = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`

// ------------------------------------------------------------------------------ hostile strings

const PAYLOADS = [
  "'",
  "''",
  '"',
  '`',
  '\\',
  "\\'",
  '--',
  '/*',
  '*/',
  '/* /* nested */',
  ';',
  '$$',
  '$tag$',
  '$a$ x $a$',
  '$1',
  '$2::text',
  '@p',
  '@@',
  ':name',
  '?',
  '%',
  '_',
  '\\x27',
  '%27',
  '&#39;',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u0001',
  '\uFF07', // fullwidth apostrophe
  '\uFF02', // fullwidth quotation mark
  '\u2019', // right single quotation mark
  '\u2018',
  '\u201C',
  '\u201D',
  '\u02BC', // modifier letter apostrophe
  '\u0301', // combining acute accent
  '\u200B', // zero-width space
  '\u202E', // right-to-left override
  '\uFEFF', // byte order mark
  '\u0455\u0435l\u0435\u0441t', // "select" in Cyrillic look-alikes
  'DR\u041EP T\u0410BLE canary', // Cyrillic O and A
  '\uFF24\uFF32\uFF2F\uFF30', // fullwidth DROP
  '\u{1D507}\u{1D519}', // mathematical letters
  '\u0130', // dotted capital I
  '\u{1F642}',
  'DROP TABLE canary',
  'DROP TABLE canary;',
  '; DELETE FROM canary',
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  "') OR ('a'='a",
  'UNION SELECT secret FROM canary',
  "' UNION SELECT id, secret FROM canary --",
  "'; DROP TABLE canary; --",
  "'); TRUNCATE canary CASCADE; --",
  '$$; DROP TABLE canary; $$',
  "E'\\''; DROP TABLE canary; --",
  "1; UPDATE canary SET secret = 'pwned'",
  "\\'; DELETE FROM canary; --",
  "'::text; SELECT pg_sleep(30); --",
  'pg_sleep(30)',
  "' AND 1=CAST((SELECT secret FROM canary LIMIT 1) AS int) --",
  "'||(SELECT secret FROM canary LIMIT 1)||'",
  'NULL',
  'null',
  'undefined',
  'true',
  'DEFAULT',
  '*',
  '{"a":1}',
  '{',
  '}',
  '[',
  ']',
  '{"__proto__":{"polluted":1}}',
  '<script>alert(1)</script>',
  ['$', '{jndi:ldap://x}'].join(''),
  '../../etc/passwd',
  '%s%s%n',
]

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PAYLOADS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
)

/** A short hostile string with a marker somewhere in it. */
const shortHostile = fc
  .tuple(fc.array(piece, { maxLength: 6 }), fc.nat(99_999), fc.nat())
  .map(([parts, n, at]) => {
    const marked = [...parts]
    marked.splice(at % (parts.length + 1), 0, `${MARKER}${n}`)
    return marked.join('')
  })

/** A 100,000-character hostile string: one payload repeated after a marker. */
const longHostile = fc
  .tuple(fc.constantFrom(...PAYLOADS.filter((p) => p.length > 0)), fc.nat(99_999))
  .map(([payload, n]) => {
    const head = `${MARKER}${n}`
    return (
      head + payload.repeat(Math.ceil(100_000 / payload.length)).slice(0, 100_000 - head.length)
    )
  })

const hostileString = fc.oneof(
  { weight: 30, arbitrary: shortHostile },
  { weight: 1, arbitrary: longHostile },
)

/** Hostile strings PostgreSQL can store: no NUL (refused by the schemas, or by PostgreSQL). */
const storableString = hostileString.filter((s) => !s.includes('\u0000'))

// ------------------------------------------------------------------------------ hostile shapes

class HostileInstance {
  name = `${MARKER}instance`
  toString() {
    return "'; DROP TABLE canary; --"
  }
  valueOf() {
    return 1
  }
}

function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = `${MARKER}deep`
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value }
  return value
}

function withGetter(key: string, value: unknown): object {
  return Object.defineProperty({}, key, { enumerable: true, get: () => value })
}

const NUMBERS_AS_STRINGS = [
  '1',
  '01',
  '1e3',
  '0x10',
  ' 1',
  '1 ',
  '1.0',
  '-0',
  'NaN',
  'Infinity',
  '9'.repeat(40),
  '1; DROP TABLE canary',
  "1' OR '1'='1",
  '2024-01-01',
  '2024-01-01T00:00:00Z',
  'now()',
]

/** Scalars that are not strings, and strings that look like numbers. */
const hostileScalar = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    -1,
    1.5,
    2 ** 31,
    2 ** 53 + 1,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    true,
    false,
    null,
    undefined,
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constantFrom<unknown>(...NUMBERS_AS_STRINGS),
  fc.date({ noInvalidDate: false }),
  fc.uuid(),
  fc.constant(Symbol(`${MARKER}symbol`)),
  fc.constant(() => `${MARKER}function`),
)

/** Objects and arrays where scalars go: every shape request JSON or a careless caller can give. */
const hostileShape = fc.oneof(
  fc
    .constantFrom<() => unknown>(
      () => new HostileInstance(),
      () => new Map([[`${MARKER}k`, 1]]),
      () => new Set([`${MARKER}s`]),
      () => /EVIL-regexp/,
      () => Buffer.from(`${MARKER}buffer`),
      () => new Uint8Array([39, 59]),
      () => JSON.parse(`{"__proto__": {"polluted": "${MARKER}proto"}}`),
      () => JSON.parse(`{"constructor": {"prototype": {"polluted": "${MARKER}ctor"}}}`),
      () => JSON.parse(`{"prototype": {"polluted": "${MARKER}prototype"}}`),
      () => withGetter('eq', `${MARKER}getter`),
      () => withGetter('name', `${MARKER}getter`),
      () => ({ [Symbol(`${MARKER}key`)]: 1 }),
      () => Object.assign(Object.create(null), { [`${MARKER}key`]: 1 }),
      () => nested(101, 'array'),
      () => nested(101, 'object'),
      () => nested(5_000, 'array'),
      () => nested(20_000, 'object'),
      () => Array.from({ length: 100_001 }, () => 1),
      () => Array.from({ length: 2_000 }, (_, i) => `${MARKER}${i}`),
      () => [],
      () => ({}),
      () => [undefined],
      () => [null],
      () => [[`${MARKER}inner`]],
      () => new Date(Number.NaN),
      () => {
        const cycle: Record<string, unknown> = { name: `${MARKER}cycle` }
        cycle.self = cycle
        return cycle
      },
    )
    .map((make) => make()),
  fc.array(shortHostile, { minLength: 1, maxLength: 4 }),
  fc.dictionary(shortHostile, shortHostile, { maxKeys: 3 }),
)

/** Any hostile value: strings most often, then scalars and shapes. */
const hostileValue = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileScalar },
  { weight: 2, arbitrary: hostileShape },
)

const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
]

/** A hostile identifier-ish name: SQL tricks, prototype names, look-alikes, or any hostile string. */
const hostileName = fc.oneof(
  fc.constantFrom(
    ...PROTO_KEYS,
    'id; DROP TABLE canary',
    'name"--',
    'name --',
    'id)',
    '"id"',
    'functions.id',
    'canary.secret',
    '*',
    'name\u0000',
    'n\u0430me', // Cyrillic a
    'NAME',
    'password_hash',
    '',
    ' ',
  ),
  shortHostile,
)

// ------------------------------------------------------------------------------ typed values

/**
 * A hostile string that fits a column of `max` characters (PostgreSQL counts code points), NUL
 * left out: values that pass validation, so that they reach PostgreSQL as parameters.
 */
const fitting = (max: number) =>
  fc
    .tuple(fc.nat(99_999), fc.array(piece, { maxLength: 4 }), fc.boolean())
    .map(([n, parts, markerFirst]) => {
      const body = parts.join('').replaceAll('\u0000', '')
      const marker = `${MARKER}${n}`
      const chars = Array.from(markerFirst ? marker + body : body + marker)
      return (
        chars.length <= max ? chars : markerFirst ? chars.slice(0, max) : chars.slice(-max)
      ).join('')
    })

/** A JSON document with hostile keys and strings (never `__proto__`: see the report). */
const jsonDocument: fc.Arbitrary<unknown> = fc.oneof(
  fitting(40),
  fc.integer(),
  fc.boolean(),
  fc.dictionary(
    fitting(20),
    fc.oneof(
      fitting(30),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fitting(10), { maxLength: 3 }),
    ),
    { maxKeys: 3, noNullPrototype: true },
  ),
  fc.array(fc.oneof(fitting(20), fc.integer()), { maxLength: 3 }),
)

type ColumnOf = AnyTable['$meta']['columns'][number]

/** A value the column accepts, hostile wherever the column takes text. */
function typedValue(column: ColumnOf): fc.Arbitrary<unknown> {
  switch (column.kind) {
    case 'text':
      return fc.oneof(
        { weight: 4, arbitrary: fitting(200) },
        { weight: 1, arbitrary: storableString },
      )
    case 'varchar':
      return column.config.enumValues !== undefined
        ? fc.constantFrom(...column.config.enumValues)
        : fitting(column.config.length ?? 255)
    case 'uuid':
      return fc.uuid()
    case 'serial':
    case 'integer':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    case 'boolean':
      return fc.boolean()
    case 'timestamp':
    case 'timestamptz':
      return fc.oneof(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.constantFrom('2024-01-02T03:04:05.123456Z', '2024-01-02 03:04:05+02', '2024-01-02'),
      )
    case 'jsonb':
      return jsonDocument
    default:
      return fc.constant(null)
  }
}

const OPERATORS_BY_KIND = (column: ColumnOf): string[] => {
  if (column.kind === 'jsonb') return ['eq', 'ne', 'in', 'notIn', 'isNull', 'contains']
  const base = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'isNull']
  return column.kind === 'text' || column.kind === 'varchar' ? [...base, 'like', 'ilike'] : base
}

/** A well-typed condition on one column: a value, null, a list, or an operator object. */
function typedCondition(column: ColumnOf): fc.Arbitrary<unknown> {
  const value = typedValue(column)
  const scalar = column.kind === 'jsonb' ? fitting(40) : value
  const operand = (op: string): fc.Arbitrary<unknown> => {
    if (op === 'in' || op === 'notIn') return fc.array(value, { minLength: 1, maxLength: 3 })
    if (op === 'like' || op === 'ilike') return fitting(60)
    if (op === 'isNull') return fc.boolean()
    if (op === 'contains') return jsonDocument
    return value
  }
  const operators = fc
    .uniqueArray(fc.constantFrom(...OPERATORS_BY_KIND(column)), { minLength: 1, maxLength: 2 })
    .chain((ops) =>
      fc
        .tuple(...ops.map(operand))
        .map((values) => Object.fromEntries(ops.map((op, i) => [op, values[i]]))),
    )
  const forms: fc.Arbitrary<unknown>[] = [scalar, operators]
  if (column.kind !== 'jsonb') forms.push(fc.array(value, { minLength: 1, maxLength: 3 }))
  if (!column.notNull) forms.push(fc.constant(null))
  return fc.oneof(...forms)
}

/** A well-typed where input: hostile text only where text belongs, so most of it runs. */
function typedWhere(table: AnyTable): fc.Arbitrary<Record<string, unknown>> {
  const columns = table.$meta.columns
  const leaf = fc
    .uniqueArray(fc.nat(columns.length - 1), { minLength: 1, maxLength: 3 })
    .chain((indexes) =>
      fc
        .tuple(...indexes.map((i) => typedCondition(columns[i]!)))
        .map((values) =>
          Object.fromEntries(indexes.map((i, k) => [columns[i]!.property, values[k]])),
        ),
    )
  return fc.letrec<{ where: Record<string, unknown> }>((tie) => ({
    where: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ and: fc.array(tie('where'), { minLength: 1, maxLength: 2 }) }),
      fc.record({ or: fc.array(tie('where'), { minLength: 1, maxLength: 2 }) }),
      fc.record({ not: tie('where') }),
    ),
  })).where
}

// ------------------------------------------------------------------------------ where inputs

function propertiesOf(table: AnyTable): string[] {
  return table.$meta.columns.map((c) => c.property)
}

/** A value in a where position: a hostile string most often, or any hostile value. */
const whereLeaf = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileScalar },
  { weight: 1, arbitrary: hostileShape },
  { weight: 1, arbitrary: fc.array(hostileString, { minLength: 1, maxLength: 3 }) },
)

/** An operator object: known operators with hostile values, sometimes a hostile operator. */
const operatorObject = fc.dictionary(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...OPERATORS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('EQ', 'between', 'raw', 'sql', '$where', '=', 'or', ...PROTO_KEYS),
    },
    { weight: 1, arbitrary: shortHostile },
  ),
  whereLeaf,
  { minKeys: 1, maxKeys: 3 },
)

/** A where input on `table`: mostly known keys with hostile values, nesting and hostile keys. */
function whereInput(table: AnyTable) {
  const key = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...propertiesOf(table)) },
    { weight: 1, arbitrary: hostileName },
    { weight: 1, arbitrary: fc.constantFrom('all', 'user_id', 'created_at') },
  )
  const { where } = fc.letrec<{ where: Record<string, unknown> }>((tie) => ({
    where: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.dictionary(key, fc.oneof(whereLeaf, operatorObject), { minKeys: 1, maxKeys: 3 }),
      fc.record({
        and: fc.array(tie('where'), { minLength: 1, maxLength: 2 }),
      }),
      fc.record({ or: fc.array(tie('where'), { minLength: 1, maxLength: 2 }) }),
      fc.record({ not: tie('where') }),
      fc
        .tuple(fc.constantFrom(...propertiesOf(table)), whereLeaf)
        .map(([k, v]) => ({ [k]: v, or: `${MARKER}not-an-array` })),
    ),
  }))
  return fc.oneof(
    { weight: 8, arbitrary: typedWhere(table) },
    { weight: 6, arbitrary: where },
    { weight: 1, arbitrary: hostileValue }, // not an object at all
    { weight: 1, arbitrary: fc.constant(nestedWhere(40)) },
  )
}

function nestedWhere(depth: number): unknown {
  let where: unknown = { name: `${MARKER}deepest` }
  for (let i = 0; i < depth; i++) where = { not: where }
  return where
}

// ------------------------------------------------------------------------------ managers

const fns = () => db.manager(FunctionEntity)
const users = () => db.manager(UserEntity)
const logs = () => db.manager(FunctionLogEntity)
const invocations = () => db.manager(FunctionInvocationEntity)
const deployments = () => db.manager(FunctionDeploymentEntity)

/** Managers, their tables, and the text columns whose hostile values can be read back. */
const READ_TARGETS = [
  { name: 'functions', manager: fns, table: containerpubTables.functions },
  { name: 'users', manager: users, table: containerpubTables.users },
  { name: 'function_logs', manager: logs, table: containerpubTables.functionLogs },
  {
    name: 'user_information',
    manager: () => db.manager(UserInformationEntity),
    table: containerpubTables.userInformation,
  },
] as const

const textColumns = (table: AnyTable) =>
  table.$meta.columns.filter(
    (c) => (c.kind === 'text' || c.kind === 'varchar') && c.config.enumValues === undefined,
  )

/** Keeps three own log rows (under the own function) for hostile writes to work on. */
async function ownLogIds(): Promise<number[]> {
  const rows = await env.db.manager(FunctionLogEntity).findAll({
    where: { functionId: own.otherFunctionId },
  })
  for (let i = rows.length; i < 3; i++) {
    rows.push(
      await env.db.manager(FunctionLogEntity).insert({
        functionId: own.otherFunctionId,
        level: 'info',
        message: `own log ${i}`,
      }),
    )
  }
  return rows.map((r) => r.id)
}

// ------------------------------------------------------------------------------ properties

describe('injection fuzzing against a real database', () => {
  it(
    'whereReads: where keys, operators and values: finders, count, exists, paginate',
    async () => {
      const targets = READ_TARGETS.map((t) => ({ ...t, where: whereInput(t.table) }))
      const cases = fc.oneof(
        ...targets.map((t) =>
          fc.record({
            target: fc.constant(t.name),
            where: t.where,
            method: fc.constantFrom('findAll', 'findOne', 'count', 'exists', 'paginate', 'cursor'),
            withDeleted: fc.oneof(fc.boolean(), hostileScalar),
          }),
        ),
      )
      await runProperty(
        'whereReads',
        fc.asyncProperty(cases, async ({ target, where, method, withDeleted }) => {
          const t = READ_TARGETS.find((x) => x.name === target)!
          const m = t.manager() as any
          const label = `${target}.${method}({ where })`
          await attempt(label, () => {
            switch (method) {
              case 'findAll':
                return m.findAll({ where, withDeleted })
              case 'findOne':
                return m.findOne({ where })
              case 'count':
                return m.count({ where, withDeleted })
              case 'exists':
                return m.exists({ where })
              case 'paginate':
                return m.paginate({ where, page: 1, pageSize: 5 })
              default:
                return m.paginateByCursor({ where, limit: 5 })
            }
          })
        }),
      )
    },
    timeoutOf('whereReads'),
  )

  it(
    'exactEquality: equality on a hostile string matches exactly the rows holding it, nothing more',
    async () => {
      await runProperty(
        'exactEquality',
        fc.asyncProperty(
          storableString,
          fc.constantFrom('name', 'status'),
          fc.constantFrom('plain', 'eq', 'in', 'like', 'builder'),
          async (value, property, form) => {
            const where =
              form === 'plain'
                ? { [property]: value }
                : form === 'eq'
                  ? { [property]: { eq: value } }
                  : form === 'in'
                    ? { [property]: { in: [value, `${value}x`] } }
                    : { [property]: { like: value.replaceAll(/[\\%_]/g, '\\$&') } }
            const find = () =>
              form === 'builder'
                ? fns()
                    .query()
                    .where(property === 'name' ? 'name' : 'status', '=', value)
                    .all()
                : fns().findAll({ where: where as any })
            // Every row found holds the value itself: `' OR 1=1 --` never widens the filter.
            const matches = (rows: readonly FunctionEntity[]) => {
              for (const row of rows) {
                const held = (row as any)[property]
                expect(form === 'in' ? [value, `${value}x`] : [value]).toContain(held)
              }
            }
            const before = await attempt(`functions where ${form} (before)`, find)
            if (!before.ok) return // refused: too long for the column
            matches(before.value)
            // Write it through a valid call, then the same filter finds that row too.
            const written = await attempt('functions.insert', () =>
              fns().insert({ userId: own.userId, name: `own-${Date.now()}-${Math.random()}` }),
            )
            if (!written.ok) throw new FuzzFailure('a valid insert failed')
            const updated = await attempt('functions.updateById', () =>
              fns().updateById(written.value.id, { [property]: value } as any),
            )
            if (updated.ok) {
              const found = await attempt(`functions where ${form} (after)`, find)
              if (!found.ok) throw new FuzzFailure('the filter was refused once the row existed')
              matches(found.value)
              expect(found.value.map((f) => f.id)).toContain(written.value.id)
              expect(found.value.length).toBe(before.value.length + 1)
            }
            await env.db.manager(FunctionEntity).deleteById(written.value.id)
          },
        ),
      )
    },
    timeoutOf('exactEquality'),
  )

  it(
    'whereWrites: update, delete and forceDelete filters: scoped hostile filters run, unscoped shapes are refused',
    async () => {
      const table = containerpubTables.functionLogs
      const patch = fc
        .tuple(
          fc.record(
            {
              message: fc.oneof(
                { weight: 4, arbitrary: storableString },
                { weight: 1, arbitrary: hostileValue },
              ),
              level: fc.oneof(
                { weight: 4, arbitrary: fitting(20) },
                { weight: 1, arbitrary: hostileValue },
              ),
            },
            { requiredKeys: [] },
          ),
          fc.option(fc.tuple(hostileName, hostileValue), { freq: 8, nil: undefined }),
        )
        .map(([typed, extra]) =>
          extra === undefined ? typed : defineOwn({ ...typed }, extra[0], extra[1]),
        )
      const unscoped = fc.oneof(
        hostileScalar,
        hostileShape.filter((v) => !(typeof v === 'object' && v !== null && 'all' in v)),
        fc.constantFrom<unknown>({}, { all: 'true' }, { all: 1 }, { all: [true] }),
        fc.record({ all: fc.constant(true), message: hostileString }),
      )
      await runProperty(
        'whereWrites',
        fc.asyncProperty(
          whereInput(table),
          patch,
          unscoped,
          fc.constantFrom('update', 'delete', 'forceDelete', 'restore'),
          async (where, patchValue, unscopedWhere, method) => {
            const ids = await ownLogIds()
            // Scoped to the own rows: an injection breaking out of a parameter would reach the seeds.
            const scoped = { and: [{ id: { in: ids } }, where] }
            const m = logs() as any
            const run = (w: unknown) =>
              method === 'update'
                ? m.update(patchValue, { where: w })
                : method === 'delete'
                  ? m.delete({ where: w })
                  : method === 'forceDelete'
                    ? m.forceDelete({ where: w })
                    : m.restore({ where: w })
            const done = await attempt(`function_logs.${method} (scoped)`, () => run(scoped))
            if (done.ok && method === 'update') {
              for (const row of done.value as FunctionLogEntity[]) {
                expect(ids).toContain(row.id)
                for (const [key, value] of Object.entries(patchValue)) {
                  if (typeof value === 'string') expect((row as any)[key]).toBe(value)
                }
              }
            }
            if (method === 'restore') expectRefused(done, 'restore on a table without softDelete')
            const refused = await attempt(`function_logs.${method} (unscoped)`, () =>
              run(unscopedWhere),
            )
            expectRefused(refused, `function_logs.${method} with an unscoped filter`)
          },
        ),
      )
    },
    timeoutOf('whereWrites'),
  )

  it(
    'finderOptions: orderBy, orderDirection, limit, offset, page and pageSize, and options of every shape',
    async () => {
      const properties = propertiesOf(containerpubTables.functions)
      const orderBy = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...properties) },
        { weight: 3, arbitrary: hostileName },
        { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...properties), hostileName)) },
        { weight: 1, arbitrary: hostileValue },
      )
      const direction = fc.oneof(
        fc.constantFrom('asc', 'desc', 'ASC', 'DESC', 'Asc', 'desc ', 'desc; DROP TABLE canary'),
        hostileValue,
      )
      const integer = fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 50 }) },
        { weight: 3, arbitrary: hostileScalar },
        { weight: 1, arbitrary: hostileValue },
        { weight: 1, arbitrary: fc.constantFrom(10_000, 10_001, 2 ** 31, 2 ** 31 - 1, -1) },
      )
      const options = fc.record(
        {
          orderBy,
          orderDirection: direction,
          limit: integer,
          offset: integer,
          page: integer,
          pageSize: integer,
          withDeleted: fc.oneof(fc.boolean(), hostileValue),
        },
        { requiredKeys: [] },
      )
      const wholeOptions = fc.oneof(
        { weight: 6, arbitrary: options },
        { weight: 1, arbitrary: hostileValue },
      )
      await runProperty(
        'finderOptions',
        fc.asyncProperty(
          wholeOptions,
          fc.constantFrom(
            'findAll',
            'findOne',
            'count',
            'exists',
            'paginate',
            'cursor',
            'hasMany',
            'query',
          ),
          async (opts, method) => {
            const m = fns() as any
            const o = opts as any
            await attempt(`functions.${method}(options)`, async () => {
              switch (method) {
                case 'findAll':
                  return m.findAll(opts)
                case 'findOne':
                  return m.findOne(opts)
                case 'count':
                  return m.count(opts)
                case 'exists':
                  return m.exists(opts)
                case 'paginate':
                  return m.paginate(opts)
                case 'cursor':
                  return m.paginateByCursor(opts)
                case 'hasMany': {
                  const parent = await fns().findById(own.functionId)
                  return m.hasMany('deployments', parent, opts)
                }
                default: {
                  let q = m.query()
                  if (typeof o === 'object' && o !== null) {
                    if ('orderBy' in o) q = q.orderBy(o.orderBy, o.orderDirection)
                    if ('limit' in o) q = q.limit(o.limit)
                    if ('offset' in o) q = q.offset(o.offset)
                    if ('page' in o || 'pageSize' in o) return q.paginate(o)
                  }
                  return q.all()
                }
              }
            })
          },
        ),
      )
    },
    timeoutOf('finderOptions'),
  )

  it(
    'writes: insert, update and updateById data: hostile keys and values; accepted strings round-trip',
    async () => {
      const targets = [
        {
          name: 'functions',
          manager: fns,
          table: containerpubTables.functions,
          base: () => ({ userId: own.userId, name: `own-${Math.random()}` }),
          // A fresh row each time: an accepted hostile `id` must not move a row others use.
          target: async () =>
            (
              await env.db
                .manager(FunctionEntity)
                .insert({ userId: own.userId, name: `own-${Math.random()}` })
            ).id,
        },
        {
          name: 'function_logs',
          manager: logs,
          table: containerpubTables.functionLogs,
          base: () => ({ functionId: own.otherFunctionId, level: 'info', message: 'm' }),
          target: async () => (await ownLogIds())[0]!,
        },
        {
          name: 'function_invocations',
          manager: invocations,
          table: containerpubTables.functionInvocations,
          base: () => ({ functionId: own.otherFunctionId, status: 'ok' }),
          target: async () =>
            (
              await env.db
                .manager(FunctionInvocationEntity)
                .insert({ functionId: own.otherFunctionId, status: 'ok' })
            ).id,
        },
        {
          name: 'function_deployments',
          manager: deployments,
          table: containerpubTables.functionDeployments,
          base: () => ({
            functionId: own.otherFunctionId,
            version: 1_000 + Math.floor(Math.random() * 1_000_000),
            imageTag: 't',
            s3Key: 'k',
          }),
          target: async () =>
            (
              await env.db.manager(FunctionDeploymentEntity).insert({
                functionId: own.otherFunctionId,
                version: 2_000_000 + Math.floor(Math.random() * 1_000_000),
                imageTag: 't',
                s3Key: 'k',
              })
            ).id,
        },
      ]
      const extras = fc.dictionary(
        fc.oneof(
          { weight: 2, arbitrary: fc.constantFrom('status', 'analysisResult', 'error') },
          { weight: 1, arbitrary: fc.constantFrom('id', 'uuid', 'createdAt', 'durationMs') },
          { weight: 2, arbitrary: hostileName },
        ),
        hostileValue,
        { minKeys: 1, maxKeys: 2 },
      )
      const data = fc.nat(targets.length - 1).chain((target) =>
        fc.record({
          target: fc.constant(target),
          // Values for the text columns (the round trip), then anything for any key.
          strings: fc.tuple(
            ...textColumns(targets[target]!.table).map((c) =>
              fc.oneof(
                { weight: 4, arbitrary: typedValue(c) as fc.Arbitrary<string> },
                { weight: 1, arbitrary: storableString },
              ),
            ),
          ),
          extra: fc.oneof(
            { weight: 3, arbitrary: fc.constant({}) },
            { weight: 2, arbitrary: extras },
          ),
          shape: fc.constantFrom(
            'plain',
            'plain',
            'json',
            'getters',
            'nullProto',
            'instance',
            'array',
          ),
          method: fc.constantFrom('insert', 'update', 'updateById'),
        }),
      )
      await runProperty(
        'writes',
        fc.asyncProperty(data, async ({ target, strings, extra, shape, method }) => {
          const t = targets[target]!
          const texts = textColumns(t.table)
          const values: Record<string, unknown> = method === 'insert' ? t.base() : {}
          texts.forEach((column, i) => {
            // Updates set some of the text columns, inserts all of them.
            if (method === 'insert' || i % 2 === strings.length % 2) {
              values[column.property] = strings[i]
            }
          })
          // The hostile extras: unknown keys, prototype names, wrong types, nested objects.
          for (const key of Reflect.ownKeys(extra)) {
            Object.defineProperty(values, key, {
              value: (extra as any)[key],
              enumerable: true,
              configurable: true,
              writable: true,
            })
          }
          const input = reshape(values, shape)
          const m = t.manager() as any
          const id = method === 'insert' ? undefined : await t.target()
          const outcome = await attempt(`${t.name}.${method}`, () =>
            method === 'insert'
              ? m.insert(input)
              : method === 'update'
                ? m.update(input, { where: { id } })
                : m.updateById(id, input),
          )
          if (!outcome.ok) return
          const written = Array.isArray(outcome.value) ? outcome.value[0] : outcome.value
          if (written === null || written === undefined) return
          // Read back through a fresh statement: each accepted string is stored exactly.
          const back = (await env.db.manager(t.manager().entity as any).findById(written.id)) as any
          for (const column of texts) {
            const sent = values[column.property]
            if (typeof sent === 'string') {
              expect(back[column.property]).toBe(sent)
              expect(written[column.property]).toBe(sent)
            }
          }
        }),
      )
    },
    timeoutOf('writes'),
  )

  it(
    'upserts: upsert and upsertMany: hostile data, conflictColumns and update lists',
    async () => {
      const properties = propertiesOf(containerpubTables.functions)
      const columnList = fc.oneof(
        {
          weight: 10,
          arbitrary: fc.constantFrom<unknown>(
            ['userId', 'name'],
            ['name', 'userId'],
            ['uuid'],
            ['id'],
          ),
        },
        {
          weight: 2,
          arbitrary: fc.array(fc.oneof(fc.constantFrom(...properties), hostileName), {
            maxLength: 3,
          }),
        },
        { weight: 1, arbitrary: hostileValue },
      )
      const updateList = fc.option(
        fc.oneof(
          {
            weight: 6,
            arbitrary: fc.constantFrom<unknown>(
              [],
              ['status'],
              ['analysisResult', 'status'],
              ['name'],
            ),
          },
          {
            weight: 1,
            arbitrary: fc.array(fc.oneof(fc.constantFrom(...properties), hostileName), {
              maxLength: 3,
            }),
          },
          { weight: 1, arbitrary: hostileValue },
        ),
        { nil: undefined },
      )
      // Ids and uuids that can only meet own rows: an upsert on a seed key would be legitimate.
      const safeId = fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1_000_000, max: 2 ** 31 - 1 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 31),
        },
        { weight: 1, arbitrary: hostileString },
      )
      const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
        fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: bad })
      const row = fc.record(
        {
          userId: mostly(fc.constant('own'), hostileScalar),
          name: mostly(fitting(255), storableString),
          status: mostly(fitting(50), hostileValue),
          analysisResult: mostly(jsonDocument, hostileValue),
          uuid: mostly(fc.uuid(), hostileString),
          id: safeId,
        },
        { requiredKeys: ['userId', 'name'] },
      )
      await runProperty(
        'upserts',
        fc.asyncProperty(
          fc.array(row, { minLength: 1, maxLength: 3 }),
          columnList,
          updateList,
          fc.boolean(),
          async (rows, conflictColumns, update, many) => {
            const data = rows.map((r, i) => {
              const out = { ...r, userId: r.userId === 'own' ? own.userId : r.userId }
              // A body parsed from JSON can carry `__proto__` as an own key.
              return i === 2 ? defineOwn(out, '__proto__', { polluted: `${MARKER}proto` }) : out
            }) as Record<string, unknown>[]
            const options = update === undefined ? { conflictColumns } : { conflictColumns, update }
            const outcome = await attempt<unknown>(
              `functions.${many ? 'upsertMany' : 'upsert'}`,
              () =>
                many
                  ? fns().upsertMany(data as any, options as any)
                  : fns().upsert(data[0] as any, options as any),
            )
            if (!outcome.ok) return
            const written = (many ? outcome.value : [outcome.value]) as FunctionEntity[]
            for (const [i, entity] of written.entries()) {
              const back = await env.db.manager(FunctionEntity).findById(entity.id)
              expect(back?.name).toBe(entity.name)
              // Inserted (or updated with the name as conflict key): the name travelled exactly.
              if (Array.isArray(conflictColumns) && conflictColumns.includes('name')) {
                expect(entity.name).toBe(data[i]!.name)
              }
            }
          },
        ),
      )
    },
    timeoutOf('upserts'),
  )

  it(
    'batches: batchInsert: hostile rows and options; all rows or none, accepted strings round-trip',
    async () => {
      const row = fc
        .tuple(
          fc.record({
            functionId: fc.oneof(
              { weight: 12, arbitrary: fc.constant('own') },
              // Valid integers that no function has: the foreign key fails inside PostgreSQL,
              // possibly after earlier chunks were written.
              { weight: 2, arbitrary: fc.constantFrom(0, -1, 2 ** 31 - 1) },
              { weight: 1, arbitrary: hostileScalar },
            ),
            level: fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom('info', 'warn') },
              { weight: 3, arbitrary: fitting(20) },
              { weight: 1, arbitrary: storableString },
            ),
            message: fc.oneof(
              { weight: 8, arbitrary: storableString },
              { weight: 1, arbitrary: hostileValue },
            ),
          }),
          fc.oneof(
            { weight: 6, arbitrary: fc.constant(undefined) },
            {
              weight: 1,
              arbitrary: fc.record(
                {
                  timestamp: fc.oneof(fc.date({ noInvalidDate: false }), hostileValue),
                  uuid: fc.oneof(fc.uuid(), hostileString),
                  constructor: hostileValue,
                },
                { requiredKeys: [] },
              ),
            },
          ),
        )
        .map(([base, extra]) => (extra === undefined ? base : { ...base, ...extra }))
      const rows = fc.oneof(
        { weight: 8, arbitrary: fc.array(row, { maxLength: 6 }) },
        { weight: 1, arbitrary: hostileValue },
        {
          weight: 1,
          arbitrary: fc.array(fc.oneof(row, hostileValue), { minLength: 1, maxLength: 4 }),
        },
      )
      const options = fc.option(
        fc.oneof(
          fc.record(
            {
              chunkSize: fc.oneof(
                { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
                { weight: 1, arbitrary: hostileScalar },
              ),
              returning: fc.oneof(fc.boolean(), hostileScalar),
            },
            { requiredKeys: [] },
          ),
          hostileValue,
        ),
        { nil: undefined },
      )
      await runProperty(
        'batches',
        fc.asyncProperty(rows, options, async (input, opts) => {
          const data = Array.isArray(input)
            ? input.map((r) =>
                r !== null && typeof r === 'object' && (r as any).functionId === 'own'
                  ? { ...r, functionId: own.otherFunctionId }
                  : r,
              )
            : input
          const count = () => env.db.manager(FunctionLogEntity).count()
          const before = await count()
          const outcome = await attempt('function_logs.batchInsert', () =>
            logs().batchInsert(data as any, opts as any),
          )
          const after = await count()
          if (!outcome.ok) {
            // Nothing half-written: a refused or failed batch leaves the table as it was.
            expect(after).toBe(before)
            return
          }
          expect(after).toBe(before + (data as unknown[]).length)
          if (Array.isArray(outcome.value)) {
            for (const [i, entity] of outcome.value.entries()) {
              expect(entity.message).toBe((data as any[])[i].message)
              expect(entity.level).toBe((data as any[])[i].level)
            }
          }
        }),
      )
    },
    timeoutOf('batches'),
  )

  it(
    'raw: db.raw, rawOne and manager.raw: hostile parameter values and names',
    async () => {
      const name = fc.constantFrom('p', '_', 'P', 'p1', ...PROTO_KEYS)
      const paramsShape = fc.constantFrom('plain', 'json', 'nullProto', 'inherited', 'getter')
      const params = fc.oneof(
        { weight: 8, arbitrary: fc.constant('built') },
        { weight: 1, arbitrary: hostileValue },
      )
      await runProperty(
        'raw',
        fc.asyncProperty(
          name,
          hostileValue,
          paramsShape,
          params,
          fc.constantFrom(
            'text',
            'untyped',
            'canary',
            'jsonb',
            'any',
            'update',
            'manager',
            'rawOne',
          ),
          hostileString,
          async (paramName, value, shape, given, template, sqlText) => {
            // The lexer itself, on hostile text (pure: nothing is sent): a result or a typed error.
            await attempt('compileNamedSql(hostile text)', () => {
              const compiled = compileNamedSql(`SELECT ${sqlText} @${paramName} ${sqlText}`)
              bindNamedParameters(compiled, { [paramName]: value, p: 1 })
            })
            const logId = (await ownLogIds())[0]!
            const texts: Record<string, string> = {
              text: `SELECT @${paramName}::text AS v`,
              untyped: `SELECT @${paramName} AS v`,
              canary: `SELECT count(*)::int AS v FROM canary WHERE secret = @${paramName}::text OR id::text = @${paramName}::text`,
              jsonb: `SELECT @${paramName}::jsonb AS v`,
              any: `SELECT count(*)::int AS v FROM functions WHERE name = ANY(@${paramName}::text[])`,
              update: `UPDATE function_logs SET message = @${paramName} WHERE id = @id RETURNING message AS v`,
              manager: `SELECT * FROM function_logs WHERE message = @${paramName} AND id = @id`,
              rawOne: `SELECT @${paramName}::text AS v, '@skip' AS s, $$@${paramName}$$ AS d -- @${paramName}`,
            }
            const text = texts[template]!
            const bound =
              given === 'built' ? buildParams(paramName, value, shape, { id: logId }) : given
            const outcome = await attempt<unknown>(`raw(${template}, @${paramName})`, () =>
              template === 'manager'
                ? logs().raw(text, bound as any)
                : template === 'rawOne'
                  ? db.rawOne(text, bound as any)
                  : db.raw(text, bound as any),
            )
            if (!outcome.ok || typeof value !== 'string' || given !== 'built') return
            const delivered = shape === 'inherited' ? undefined : value
            const v = (row: unknown) => (row as { v?: unknown } | null)?.v
            if (template === 'text' || template === 'untyped') {
              expect(v((outcome.value as unknown[])[0])).toBe(delivered)
            } else if (template === 'canary' && value.includes(MARKER)) {
              expect(v((outcome.value as unknown[])[0])).toBe(0)
            } else if (template === 'update') {
              expect(v((outcome.value as unknown[])[0])).toBe(delivered)
            } else if (template === 'rawOne') {
              expect(outcome.value).toEqual({ v: delivered, s: '@skip', d: `@${paramName}` })
            }
          },
        ),
      )
    },
    timeoutOf('raw'),
  )

  // postgres.js serialises parameters by the types PostgreSQL described; a number or a
  // non-array object bound to an array-typed parameter (`= ANY(@ids)`) made it throw a raw
  // TypeError. The driver turns that into an InvalidQueryError before anything runs.
  it('a number or an object bound to an array-typed raw parameter is refused with a typed error', async () => {
    for (const value of [5, { ids: [1] }, new Map()]) {
      const error = await db
        .raw('SELECT count(*)::int AS v FROM functions WHERE name = ANY(@p::text[])', { p: value })
        .catch((e) => e)
      expect(error).toBeInstanceOf(InvalidQueryError)
    }
  })

  it(
    'builder: the query builder: hostile references, operators, values, tables, aliases and relations',
    async () => {
      await runProperty(
        'builder',
        fc.asyncProperty(
          fc.constantFrom(undefined, 'f', 'functions'),
          fc.array(builderStep, { maxLength: 4 }),
          builderTerminal,
          async (alias, steps, terminal) => {
            await attempt(
              `query(${alias}) ${steps.map((s) => s[0]).join('.')}.${terminal[0]}`,
              () => {
                let q: any = alias === undefined ? fns().query() : fns().query(alias)
                for (const [method, ...args] of steps) q = q[method](...args)
                const [end, ...endArgs] = terminal
                return q[end](...endArgs)
              },
            )
          },
        ),
      )
    },
    timeoutOf('builder'),
  )

  it(
    'dto: DTO contexts: role-gated fields show only on an exact true; a throwing context is not swallowed',
    async () => {
      const member = (await env.db.manager(UserEntity).findById(own.userId))!
      const membership = await env.db
        .manager(OrganizationMemberEntity)
        .findOne({ where: { userId: { eq: member.uuid } } })
      const loaded = Object.assign(new UserEntity(member), { membership, information: null })
      const fn = (await env.db.manager(FunctionEntity).findById(own.functionId))!
      const withOwner = Object.assign(new FunctionEntity(fn), { owner: member })
      // Null-safe gates, as request-facing predicates should be: only `true` itself shows `name`.
      const Gated = defineDto(FunctionEntity, {
        uuid: true,
        name: dtoField.from('name').when((ctx: unknown) => ctx as boolean),
        status: dtoField.from('status').when((ctx: any) => ctx?.role === 'admin'),
      })
      // The error of a context whose getter throws: it must come out as it is (not swallowed into
      // a shown or hidden field, not re-typed: apps throw their own errors from predicates).
      const contextError = new Error('context getter threw')
      const objectContext = fc.oneof(
        hostileShape.filter((v) => v !== null && typeof v === 'object'),
        fc.constantFrom<unknown>(
          { requesterIsOwner: 'true' },
          { requesterIsOwner: 1 },
          { requesterIsOwner: [true] },
          { requesterIsOwner: { valueOf: () => true } },
          { requesterIsOwner: true },
          { requesterIsOwner: false },
          { role: 'admin' },
          { role: 'ADMIN' },
          { role: 'adm\u0456n' }, // Cyrillic i
          JSON.parse('{"__proto__": {"requesterIsOwner": true, "role": "admin"}}'),
          JSON.parse('{"constructor": {"prototype": {"requesterIsOwner": true}}}'),
          withGetter('requesterIsOwner', 'yes'),
          Object.defineProperty({}, 'requesterIsOwner', {
            enumerable: true,
            get() {
              throw contextError
            },
          }),
          Object.create(null),
          new Proxy({}, { get: () => 'true' }),
        ),
      )
      // The ContainerPub member DTO types its context as an object; the null-safe gates take anything.
      const cases = fc.oneof(
        fc.tuple(fc.constantFrom('member', 'resolve'), objectContext),
        fc.tuple(
          fc.constantFrom('gated', 'function'),
          fc.oneof(objectContext, hostileValue, fc.constantFrom<unknown>(true, 'true', 1, [true])),
        ),
      )
      await runProperty(
        'dto',
        fc.asyncProperty(cases, async ([which, ctx]) => {
          const expected = (() => {
            try {
              if (which === 'member' || which === 'resolve') {
                return (ctx as any).requesterIsOwner === true
              }
              return which === 'gated' ? ctx === true : false
            } catch {
              return 'throws' as const
            }
          })()
          const run = () =>
            which === 'member'
              ? OrganizationMemberDto.from(loaded as any, ctx as any)
              : which === 'gated'
                ? Gated.from(fn, ctx as any)
                : which === 'function'
                  ? FunctionDto.from(withOwner as any, ctx as any)
                  : OrganizationMemberDto.resolve(db, [member], ctx as any).then((r) => r[0]!)
          if (expected === 'throws') {
            statements.length = 0
            await expect(Promise.resolve().then(run)).rejects.toBe(contextError)
            checkStatements(`${which} with a throwing context`)
            return
          }
          const outcome = await attempt(`${which}.from(entity, context)`, run)
          if (!outcome.ok) throw new FuzzFailure(`${which}: refused a context it can read`)
          const out = outcome.value as Record<string, unknown>
          JSON.stringify(out) // JSON-safe
          for (const key of ['id', 'passwordHash', 'userId', 'activeDeploymentId']) {
            expect(out).not.toHaveProperty(key)
          }
          if (which === 'member' || which === 'resolve') expect('uuid' in out).toBe(expected)
          if (which === 'gated') {
            expect('name' in out).toBe(expected)
            expect(Object.keys(out)).toContain('uuid')
          }
          if (which === 'function') expect(out).toEqual(FunctionDto.from(withOwner as any))
        }),
      )
    },
    timeoutOf('dto'),
  )

  it(
    'cursors: cursors: hostile, tampered, foreign and forged cursors are refused or bound as parameters',
    async () => {
      const orderings = [
        { orderBy: undefined, orderDirection: 'asc' },
        { orderBy: 'name', orderDirection: 'desc' },
        { orderBy: 'createdAt', orderDirection: 'asc' },
        { orderBy: 'status', orderDirection: 'asc' },
      ] as const
      const real: string[] = []
      for (const ordering of orderings) {
        const page = await fns().paginateByCursor({ limit: 1, ...(ordering as any) })
        if (page.nextCursor !== null) real.push(page.nextCursor)
      }
      const foreign = new CursorCodec('another secret')
      // A cursor is bound to the shape of the query that issued it: forged ones take a shape too.
      const shapeOf = (ordering: (typeof orderings)[number]) => {
        const table = containerpubTables.functions
        const key = table.$meta.byProperty.get('id')!
        const sort =
          ordering.orderBy === undefined ? undefined : table.$meta.byProperty.get(ordering.orderBy)!
        return {
          columns: sort === undefined ? [key] : [sort, key],
          direction: ordering.orderDirection,
        }
      }
      const [byKey, byName, byCreatedAt, byStatus] = orderings.map(shapeOf) as [
        ReturnType<typeof shapeOf>,
        ReturnType<typeof shapeOf>,
        ReturnType<typeof shapeOf>,
        ReturnType<typeof shapeOf>,
      ]
      const refused = (after: unknown) => ({ after, mustRefuse: true })
      const cursor = fc.oneof(
        { weight: 2, arbitrary: hostileValue.map(refused) },
        { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,120}$/).map(refused) },
        { weight: 1, arbitrary: fc.base64String({ maxLength: 200 }).map(refused) },
        {
          weight: 3,
          // A real cursor, altered: authenticated encryption refuses any change.
          arbitrary: fc
            .tuple(
              fc.constantFrom(...real),
              fc.nat(),
              fc.constantFrom('flip', 'cut', 'append', 'same'),
            )
            .map(([c, at, how]) => {
              const after = tamper(c, at, how)
              // base64url ignores the spare bits of its last character: refused when the bytes differ.
              const same = Buffer.from(after, 'base64url').equals(Buffer.from(c, 'base64url'))
              return { after, mustRefuse: !same }
            }),
        },
        {
          weight: 2,
          // Made with another secret.
          arbitrary: fc
            .array(hostileValue, { minLength: 1, maxLength: 2 })
            .map((values) =>
              refused(foreign.encode(values.map(jsonSafe), values.length === 1 ? byKey : byName)),
            ),
        },
        {
          weight: 3,
          // Forged with the right key, values that fit the orderings: bound as parameters.
          arbitrary: fc
            .oneof(
              fc.tuple(
                fc.tuple(fitting(50), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
                fc.constantFrom(byName, byStatus),
              ),
              fc.tuple(fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 })), fc.constant(byKey)),
              fc.tuple(
                fc.tuple(
                  fc.constantFrom('2024-01-02 03:04:05.123456', '1970-01-01T00:00:00Z'),
                  fc.integer({ min: 1, max: 1000 }),
                ),
                fc.constant(byCreatedAt),
              ),
            )
            .map(([values, shape]) => ({
              after: db.cursors.encode(values, shape),
              mustRefuse: false,
            })),
        },
        {
          weight: 3,
          // Forged with the right key (what only a key leak allows): the values are still checked
          // against their columns and bound as parameters.
          arbitrary: fc
            .array(fc.oneof(hostileValue, fc.integer()), { minLength: 1, maxLength: 2 })
            .chain((values) =>
              fc.constantFrom(byKey, byName, byCreatedAt, byStatus).map((shape) => ({
                after: db.cursors.encode(values.map(jsonSafe), shape),
                mustRefuse: false,
              })),
            ),
        },
      )
      await runProperty(
        'cursors',
        fc.asyncProperty(
          cursor,
          fc.constantFrom(...orderings),
          fc.oneof(
            { weight: 3, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: whereInput(containerpubTables.functions) },
          ),
          async ({ after, mustRefuse }, ordering, where) => {
            const outcome = await attempt('functions.paginateByCursor({ after })', () =>
              fns().paginateByCursor({ limit: 3, after, where, ...(ordering as any) } as any),
            )
            if (mustRefuse && after !== undefined && after !== null) {
              expectRefused(outcome, 'a cursor that is not one of ours')
              if (
                !(outcome as { error: unknown }).error ||
                !((outcome as { error: unknown }).error instanceof InvalidQueryError)
              ) {
                throw new FuzzFailure('a foreign cursor must be an InvalidQueryError')
              }
            }
          },
        ),
      )
    },
    timeoutOf('cursors'),
  )

  it(
    'relations: relation names and options: load, hasMany, belongsTo, manyToMany and with()',
    async () => {
      const relation = fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            'deployments',
            'owner',
            'logs',
            'invocations',
            'activeDeployment',
          ),
        },
        { weight: 3, arbitrary: hostileName },
        { weight: 1, arbitrary: hostileValue },
        { weight: 1, arbitrary: fc.constantFrom('deployments.function', 'owner.functions.logs') },
      )
      const options = fc.option(
        fc.oneof(
          fc.record(
            {
              orderBy: fc.oneof(
                fc.constantFrom('version', 'id', 'timestamp'),
                hostileName,
                hostileValue,
              ),
              orderDirection: fc.oneof(fc.constantFrom('asc', 'DESC'), hostileValue),
              withDeleted: hostileValue,
            },
            { requiredKeys: [] },
          ),
          hostileValue,
        ),
        { nil: undefined },
      )
      await runProperty(
        'relations',
        fc.asyncProperty(
          relation,
          options,
          fc.constantFrom('load', 'hasMany', 'belongsTo', 'manyToMany', 'with', 'orgMembers'),
          async (name, opts, method) => {
            const entities = await env.db.manager(FunctionEntity).findAll({
              where: { id: [own.functionId, own.otherFunctionId] },
            })
            const m = fns() as any
            await attempt(`functions.${method}(relation)`, () => {
              switch (method) {
                case 'load':
                  return m.load(entities, name, opts)
                case 'hasMany':
                  return m.hasMany(name, entities[0], opts)
                case 'belongsTo':
                  return m.belongsTo(name, entities[0])
                case 'manyToMany':
                  return m.manyToMany(name, entities[0], opts)
                case 'with':
                  return m.query().with(name).all()
                default:
                  return db
                    .manager(OrganizationEntity)
                    .findOne({ where: { uuid: own.organizationUuid } })
                    .then((org) =>
                      (db.manager(OrganizationEntity) as any).manyToMany(name, org, opts),
                    )
              }
            })
          },
        ),
      )
    },
    timeoutOf('relations'),
  )

  it(
    'keys: findById, findByUuid, existsById, updateById, deleteById and restoreById keys',
    async () => {
      // deleteById and updateById only ever see keys no seed row has.
      const readKey = fc.oneof(
        hostileValue,
        fc.integer(),
        fc.uuid(),
        fc.uuid().map((u) => u.toUpperCase()),
      )
      const writeKey = fc.oneof(
        hostileString,
        hostileShape,
        fc.constantFrom<unknown>(
          Number.NaN,
          Number.POSITIVE_INFINITY,
          1.5,
          2 ** 31,
          -1,
          0,
          '1',
          1n,
          null,
          undefined,
          true,
        ),
        fc.integer({ min: 1_000_000, max: 2 ** 31 - 1 }),
      )
      await runProperty(
        'keys',
        fc.asyncProperty(
          readKey,
          writeKey,
          fc.constantFrom(
            'findById',
            'findByUuid',
            'existsById',
            'updateById',
            'deleteById',
            'restoreById',
          ),
          fc.constantFrom('functions', 'users', 'function_logs'),
          async (key, safeKey, method, target) => {
            const m = READ_TARGETS.find((t) => t.name === target)!.manager() as any
            const outcome = await attempt(`${target}.${method}(key)`, () => {
              switch (method) {
                case 'findById':
                  return m.findById(key)
                case 'findByUuid':
                  return m.findByUuid(key)
                case 'existsById':
                  return m.existsById(key)
                case 'updateById':
                  return m.updateById(
                    safeKey,
                    target === 'users'
                      ? { email: `${MARKER}x` }
                      : target === 'functions'
                        ? { name: 'x' }
                        : { message: `${MARKER}x` },
                  )
                case 'deleteById':
                  return m.deleteById(safeKey)
                default:
                  return m.restoreById(safeKey)
              }
            })
            if (method === 'restoreById') expectRefused(outcome, 'restoreById without softDelete')
            if (outcome.ok && typeof key === 'string' && method === 'findByUuid') {
              // Found only by its own uuid, whatever the case it was written in.
              const found = outcome.value as { uuid: string } | null
              if (found !== null) expect(found.uuid).toBe(key.toLowerCase())
            }
          },
        ),
      )
    },
    timeoutOf('keys'),
  )
})

// ------------------------------------------------------------------------------ helpers

/** The same data as a plain object, parsed JSON, getters, a null-prototype object, an instance... */
function reshape(values: Record<string, unknown>, shape: string): unknown {
  switch (shape) {
    case 'json':
      try {
        return JSON.parse(JSON.stringify(values))
      } catch {
        return values // bigints and cycles have no JSON
      }
    case 'getters': {
      const out = {}
      for (const key of Reflect.ownKeys(values)) {
        Object.defineProperty(out, key, {
          enumerable: true,
          get: () => (values as any)[key],
        })
      }
      return out
    }
    case 'nullProto':
      return Object.assign(Object.create(null), values)
    case 'instance':
      return Object.assign(new HostileInstance(), values)
    case 'array':
      return [values]
    default:
      return values
  }
}

function buildParams(
  name: string,
  value: unknown,
  shape: string,
  extra: Record<string, unknown>,
): unknown {
  switch (shape) {
    case 'json': {
      // A body parsed from JSON: `__proto__` is an own key there.
      try {
        const json = JSON.stringify({ [name]: value, ...extra })
        if (json !== undefined && name === '__proto__') {
          return JSON.parse(`{"__proto__": ${JSON.stringify(value) ?? 'null'}, "id": ${extra.id}}`)
        }
        return JSON.parse(json)
      } catch {
        return defineOwn({ ...extra }, name, value)
      }
    }
    case 'nullProto':
      return defineOwn(Object.assign(Object.create(null), extra), name, value)
    case 'inherited':
      // Only own properties bind: an inherited value is a missing parameter.
      return Object.assign(Object.create({ [name]: value }), extra)
    case 'getter':
      return Object.defineProperty({ ...extra }, name, { enumerable: true, get: () => value })
    default:
      return defineOwn({ ...extra }, name, value)
  }
}

function defineOwn(target: object, key: string, value: unknown): object {
  return Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

function tamper(cursor: string, at: number, how: string): string {
  const i = at % cursor.length
  switch (how) {
    case 'flip': {
      const c = cursor[i] === 'A' ? 'B' : 'A'
      return cursor.slice(0, i) + c + cursor.slice(i + 1)
    }
    case 'cut':
      return cursor.slice(0, i)
    case 'append':
      return `${cursor}A`
    default:
      return cursor
  }
}

/** What a cursor can carry (JSON): hostile values that JSON cannot hold become their text. */
function jsonSafe(value: unknown): unknown {
  try {
    const json = JSON.stringify(value)
    return json === undefined ? typeof value : JSON.parse(json)
  } catch {
    return `${MARKER}unserialisable` // a bigint, a cycle, or too deep for JSON
  }
}

// ------------------------------------------------------------------------------ builder steps

const FUNCTION_COLUMNS = containerpubTables.functions.$meta.columns.map((c) => c.name)
const USER_COLUMNS = containerpubTables.users.$meta.columns.map((c) => c.name)
const DEPLOYMENT_COLUMNS = containerpubTables.functionDeployments.$meta.columns.map((c) => c.name)

const validRef = fc.oneof(
  fc.constantFrom(...FUNCTION_COLUMNS),
  fc.constantFrom(...FUNCTION_COLUMNS.map((c) => `f.${c}`)),
  fc.constantFrom(...FUNCTION_COLUMNS.map((c) => `functions.${c}`)),
  fc.constantFrom(...USER_COLUMNS.map((c) => `u.${c}`)),
  fc.constantFrom(...DEPLOYMENT_COLUMNS.map((c) => `fd.${c}`)),
)

const ref = fc.oneof(
  { weight: 12, arbitrary: validRef },
  { weight: 2, arbitrary: hostileName },
  { weight: 1, arbitrary: hostileValue },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'f.*',
      '*',
      'u.password_hash',
      'canary.secret',
      'pg_catalog.pg_user',
      'f.name as title',
      'name AS "x"',
      'f.name as EVIL-title',
      'id as id; DROP TABLE canary',
    ),
  },
)

const operator = fc.oneof(
  {
    weight: 12,
    // The whitelist itself, plus spellings it accepts (case, spacing).
    arbitrary: fc.constantFrom(...COMPARISON_OPERATORS, 'LIKE', 'NOT  ILIKE', ' = '),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '= 1 OR 1 =',
      "=' OR 1=1 --",
      '; DROP TABLE canary; --',
      '=\u0000',
      '\uFF1D', // fullwidth =
      '~',
      '||',
      'similar to',
      'is distinct from',
      '= any',
      '',
    ),
  },
  { weight: 1, arbitrary: hostileValue },
)

const tableSpec = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'users u',
      'users as u',
      'function_deployments fd',
      'users',
      'functions f2',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'canary',
      'canary c',
      'pg_catalog.pg_user',
      'users u; DROP TABLE canary',
      'users u --',
      'users AS',
      'users u u',
      '"users"',
      'users\u0000',
      'user\u0455',
    ),
  },
  { weight: 1, arbitrary: hostileValue },
)

type Step = readonly [string, ...unknown[]]

const builderStep: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(fc.constant('where'), ref, operator, whereLeaf),
  fc.tuple(fc.constant('where'), ref, operator, whereLeaf),
  fc.tuple(fc.constant('where'), ref, whereLeaf),
  fc.tuple(fc.constant('where'), validRef, fc.constant('='), fitting(40)),
  fc.tuple(fc.constant('where'), validRef, fc.constantFrom('like', 'ilike'), fitting(40)),
  fc.tuple(fc.constant('orWhere'), ref, operator, whereLeaf),
  fc.tuple(
    fc.constant('whereIn'),
    ref,
    fc.oneof(fc.array(hostileValue, { maxLength: 3 }), hostileValue),
  ),
  fc.tuple(
    fc.constant('whereNotIn'),
    ref,
    fc.oneof(fc.array(hostileValue, { maxLength: 3 }), hostileValue),
  ),
  fc.tuple(fc.constant('whereNull'), ref),
  fc.tuple(fc.constant('whereNotNull'), ref),
  fc.tuple(fc.constant('whereRaw'), fc.oneof(hostileString, hostileValue)),
  fc.tuple(fc.constant('select'), fc.array(ref, { minLength: 0, maxLength: 3 })),
  fc.tuple(fc.constantFrom('join', 'leftJoin', 'rightJoin', 'fullJoin'), tableSpec, ref, ref),
  // Output names that are also column names (hidden ones included): grouped by position.
  fc.tuple(
    fc.constant('select'),
    fc.constantFrom(['uuid as user_id', 'status'], ['name as status'], ['f.name as id']),
  ),
  fc.tuple(
    fc.constantFrom('join', 'leftJoin'),
    fc.constant('users u'),
    fc.constantFrom('f.user_id', 'functions.user_id', 'user_id'),
    fc.constant('u.id'),
  ),
  fc.tuple(fc.constant('groupBy'), fc.array(ref, { minLength: 0, maxLength: 2 })),
  fc.tuple(fc.constant('having'), ref, operator, whereLeaf),
  fc.tuple(fc.constant('having'), fc.oneof(hostileString, hostileValue)),
  fc.tuple(
    fc.constant('groupBy'),
    fc.array(fc.oneof(ref, fc.constantFrom('user_id', 'status', 'id')), { maxLength: 2 }),
  ),
  fc.tuple(
    fc.constant('orderBy'),
    ref,
    fc.oneof(fc.constantFrom('asc', 'desc', 'DESC', undefined), hostileValue),
  ),
  fc.tuple(fc.constant('limit'), fc.oneof(fc.integer({ min: 0, max: 20 }), hostileScalar)),
  fc.tuple(fc.constant('offset'), fc.oneof(fc.integer({ min: 0, max: 20 }), hostileScalar)),
  fc.tuple(fc.constant('withDeleted')),
  fc.tuple(
    fc.constant('with'),
    fc.oneof(fc.constantFrom('owner', 'deployments', 'deployments.function'), hostileName),
  ),
)

const builderTerminal: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(
    fc.constantFrom('execute', 'execute', 'execute', 'all', 'all', 'first', 'count', 'toSQL'),
  ),
  fc.tuple(
    fc.constant('paginate'),
    fc.oneof(
      fc.record({
        page: fc.oneof(fc.integer({ min: 1, max: 3 }), hostileScalar),
        pageSize: fc.oneof(fc.integer({ min: 1, max: 5 }), hostileScalar),
      }),
      hostileValue,
    ),
  ),
)

// ------------------------------------------------------------------------------ leaks (issue 14)

const LEAK_CASES = [
  'unique on insert',
  'unique on batchInsert',
  'unique on update',
  'unique on upsert',
  'unique in a transaction',
  'foreign key',
  'not null (raw)',
  'check (raw)',
  'integer input (raw)',
  'division by zero (raw)',
  'statement timeout',
] as const

describe('leaks: no error provoked with a canary value shows it in any log of it', () => {
  it(
    'leaks: unique, foreign-key, not-null and check violations, data exceptions and timeouts',
    async () => {
      const users = () => db.manager(UserEntity)
      /** The error `work` rejects with; a FuzzFailure when it resolves. */
      const rejection = async (label: string, work: () => Promise<unknown>) => {
        try {
          await work()
        } catch (error) {
          return error
        }
        throw new FuzzFailure(`${label}: accepted, but it must fail`)
      }
      await runProperty(
        'leaks',
        fc.asyncProperty(
          fc.constantFrom(...LEAK_CASES),
          fc.constantFrom(...PAYLOADS.filter((p) => !p.includes('\u0000'))),
          async (kind, payload) => {
            // The hex token is searched for; the payload after it exercises quoting and escaping.
            const token = newCanary()
            const value = `${token}${payload}`
            const taken = async () => {
              await users().insert({ email: value, passwordHash: value })
            }
            let expected: abstract new (...args: any[]) => KyselyEntitiesError = DatabaseError
            const error = await rejection(kind, async () => {
              switch (kind) {
                case 'unique on insert':
                  expected = UniqueViolationError
                  await taken()
                  return users().insert({ email: value, passwordHash: value })
                case 'unique on batchInsert':
                  expected = UniqueViolationError
                  await taken()
                  return users().batchInsert([
                    { email: `${newCanary()}${payload}`, passwordHash: value },
                    { email: value, passwordHash: value },
                  ])
                case 'unique on update': {
                  expected = UniqueViolationError
                  await taken()
                  const other = await users().insert({ email: `${value}-2`, passwordHash: value })
                  return users().update({ email: value }, { where: { uuid: other.uuid } })
                }
                case 'unique on upsert':
                  expected = UniqueViolationError
                  await taken()
                  return users().upsert(
                    { uuid: crypto.randomUUID(), email: value, passwordHash: value },
                    { conflictColumns: ['uuid'] },
                  )
                case 'unique in a transaction':
                  expected = UniqueViolationError
                  await taken()
                  return db.transaction(async (tx) => {
                    await tx.raw('SELECT @v::text AS v', { v: value })
                    await tx.manager(UserEntity).insert({ email: value, passwordHash: value })
                  })
                case 'foreign key':
                  expected = ForeignKeyViolationError
                  return db
                    .manager(FunctionEntity)
                    .insert({ userId: 2_147_483_000, name: value, analysisResult: { value } })
                case 'not null (raw)':
                  expected = NotNullViolationError
                  return db.raw('INSERT INTO leak_checks (v, must) VALUES (@v, NULL)', {
                    v: `ok ${value}`,
                  })
                case 'check (raw)':
                  expected = CheckViolationError
                  return db.raw('INSERT INTO leak_checks (v, must) VALUES (@v, @v)', { v: value })
                case 'integer input (raw)':
                  return db.raw('SELECT @v::int AS n', { v: value })
                case 'division by zero (raw)':
                  return db.raw('SELECT 1 / 0 AS x, @v::text AS v', { v: value })
                default:
                  expected = StatementTimeoutError
                  return db.transaction(async (tx) => {
                    await tx.raw("SET LOCAL statement_timeout = '20ms'")
                    await tx.raw('SELECT pg_sleep(2), @v::text AS v', { v: value })
                  })
              }
            })
            if (!(error instanceof expected)) {
              throw new FuzzFailure(
                `${kind}: threw ${error instanceof Error ? error.constructor.name : typeof error}, not ${expected.name}`,
              )
            }
            assertNoLeak(error, [token], kind)
            count(`refused: ${kindOf(error)}`)
          },
        ),
      )
    },
    timeoutOf('leaks'),
  )
})
