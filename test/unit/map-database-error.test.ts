import { describe, expect, it } from 'vitest'
import { columnsFromDetail, mapDatabaseError } from '../../src/errors/map-database-error'
import {
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  ForeignKeyViolationError,
  InsufficientPrivilegeError,
  InvalidQueryError,
  KyselyEntitiesError,
  NotNullViolationError,
  PreparedStatementLostError,
  SerializationFailureError,
  UniqueViolationError,
} from '../../src/index'
import { leaksOf } from '../setup/leak-check'

/** An error shaped like postgres.js's PostgresError. */
function postgresJsError(fields: Record<string, unknown>): Error {
  return Object.assign(
    new Error(String(fields.message ?? 'failed')),
    { name: 'PostgresError' },
    fields,
  )
}

/** An error shaped like pg's DatabaseError. */
function pgError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message ?? 'failed')), { name: 'error' }, fields)
}

const uniqueFields = {
  message: 'duplicate key value violates unique constraint "functions_user_id_name_key"',
  code: '23505',
  detail: 'Key (user_id, name)=(1, x) already exists.',
}

describe('mapDatabaseError: 23505 unique violation', () => {
  it('maps a postgres.js error', () => {
    const cause = postgresJsError({
      ...uniqueFields,
      table_name: 'functions',
      constraint_name: 'functions_user_id_name_key',
      schema_name: 'public',
    })
    const mapped = mapDatabaseError(cause) as UniqueViolationError
    expect(mapped).toBeInstanceOf(UniqueViolationError)
    expect(mapped).toBeInstanceOf(DatabaseError)
    expect(mapped).toBeInstanceOf(KyselyEntitiesError)
    expect(mapped.code).toBe('UNIQUE_VIOLATION')
    expect(mapped.name).toBe('UniqueViolationError')
    expect(mapped.sqlState).toBe('23505')
    expect(mapped.table).toBe('functions')
    expect(mapped.constraint).toBe('functions_user_id_name_key')
    expect(mapped.column).toBeUndefined()
    expect(mapped.columns).toEqual(['user_id', 'name'])
    expect(mapped.message).toBe(uniqueFields.message)
    expect(mapped.cause).toBeUndefined()
    expect(mapped.driverError()).toBe(cause)
  })

  it('maps a pg error', () => {
    const cause = pgError({
      ...uniqueFields,
      table: 'functions',
      constraint: 'functions_user_id_name_key',
    })
    const mapped = mapDatabaseError(cause) as UniqueViolationError
    expect(mapped).toBeInstanceOf(UniqueViolationError)
    expect(mapped.table).toBe('functions')
    expect(mapped.constraint).toBe('functions_user_id_name_key')
    expect(mapped.columns).toEqual(['user_id', 'name'])
  })

  it('keeps the values of the detail out of the message', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        message: 'duplicate key value violates unique constraint "users_email_key"',
        code: '23505',
        detail: 'Key (email)=(secret.person@example.com) already exists.',
      }),
    ) as UniqueViolationError
    expect(mapped.columns).toEqual(['email'])
    expect(mapped.message).not.toContain('secret.person')
  })

  it('has no columns when there is no detail', () => {
    const mapped = mapDatabaseError(postgresJsError({ code: '23505' })) as UniqueViolationError
    expect(mapped).toBeInstanceOf(UniqueViolationError)
    expect(mapped.columns).toEqual([])
  })
})

describe('columnsFromDetail', () => {
  it.each([
    ['Key (user_id, name)=(1, x) already exists.', ['user_id', 'name']],
    ['Key (email)=(a@b.c) already exists.', ['email']],
    ['Key ("Weird Col", b)=(1, 2) already exists.', ['Weird Col', 'b']],
    ['Key (user_id)=(999) is not present in table "users".', ['user_id']],
    ['Key (id)=(1) is still referenced from table "functions".', ['id']],
  ])('reads %j', (detail, columns) => {
    expect(columnsFromDetail(detail)).toEqual(columns)
  })

  it.each([undefined, '', 'Failing row contains (1, x).', 'key (a)=(1)'])(
    'reads no columns from %j',
    (detail) => {
      expect(columnsFromDetail(detail)).toEqual([])
    },
  )
})

describe('mapDatabaseError: other SQLSTATEs', () => {
  it('maps 23503 to ForeignKeyViolationError with the referencing columns', () => {
    const cause = postgresJsError({
      message:
        'insert or update on table "functions" violates foreign key constraint "functions_user_id_fkey"',
      code: '23503',
      detail: 'Key (user_id)=(999) is not present in table "users".',
      table_name: 'functions',
      constraint_name: 'functions_user_id_fkey',
    })
    const mapped = mapDatabaseError(cause) as ForeignKeyViolationError
    expect(mapped).toBeInstanceOf(ForeignKeyViolationError)
    expect(mapped.code).toBe('FOREIGN_KEY_VIOLATION')
    expect(mapped.columns).toEqual(['user_id'])
    expect(mapped.constraint).toBe('functions_user_id_fkey')
    expect(mapped.table).toBe('functions')
    expect(mapped.cause).toBeUndefined()
    expect(mapped.driverError()).toBe(cause)
  })

  it('maps 23502 to NotNullViolationError with the column (postgres.js)', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        message: 'null value in column "email" of relation "users" violates not-null constraint',
        code: '23502',
        table_name: 'users',
        column_name: 'email',
      }),
    ) as NotNullViolationError
    expect(mapped).toBeInstanceOf(NotNullViolationError)
    expect(mapped.code).toBe('NOT_NULL_VIOLATION')
    expect(mapped.column).toBe('email')
    expect(mapped.table).toBe('users')
  })

  it('maps 23502 to NotNullViolationError with the column (pg)', () => {
    const mapped = mapDatabaseError(
      pgError({ message: 'null value', code: '23502', table: 'users', column: 'email' }),
    ) as NotNullViolationError
    expect(mapped).toBeInstanceOf(NotNullViolationError)
    expect(mapped.column).toBe('email')
  })

  it('maps 23514 to CheckViolationError with the constraint', () => {
    const mapped = mapDatabaseError(
      pgError({
        message:
          'new row for relation "every_kind" violates check constraint "every_kind_role_check"',
        code: '23514',
        table: 'every_kind',
        constraint: 'every_kind_role_check',
      }),
    ) as CheckViolationError
    expect(mapped).toBeInstanceOf(CheckViolationError)
    expect(mapped.code).toBe('CHECK_VIOLATION')
    expect(mapped.constraint).toBe('every_kind_role_check')
  })

  it('maps 40001 to SerializationFailureError, not a deadlock', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        message: 'could not serialize access due to concurrent update',
        code: '40001',
      }),
    ) as SerializationFailureError
    expect(mapped).toBeInstanceOf(SerializationFailureError)
    expect(mapped.code).toBe('SERIALIZATION_FAILURE')
    expect(mapped.sqlState).toBe('40001')
    expect(mapped.deadlock).toBe(false)
  })

  it('maps 42501 (a role or a Row Level Security policy refused it) to InsufficientPrivilegeError', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        message: 'new row violates row-level security policy for table "functions"',
        code: '42501',
      }),
    ) as InsufficientPrivilegeError
    expect(mapped).toBeInstanceOf(InsufficientPrivilegeError)
    expect(mapped).toBeInstanceOf(DatabaseError)
    expect(mapped.code).toBe('INSUFFICIENT_PRIVILEGE')
    expect(mapped.sqlState).toBe('42501')
  })

  it('maps 26000 (a prepared statement missing, as behind a transaction pooler) to PreparedStatementLostError naming the fix', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        message: 'prepared statement "k3x9q1" does not exist',
        code: '26000',
        routine: 'FetchPreparedStatement',
      }),
    ) as PreparedStatementLostError
    expect(mapped).toBeInstanceOf(PreparedStatementLostError)
    expect(mapped).toBeInstanceOf(DatabaseError)
    expect(mapped.code).toBe('PREPARED_STATEMENT_LOST')
    expect(mapped.sqlState).toBe('26000')
    expect(mapped.message).toMatch(
      /prepared statement "k3x9q1" does not exist: .*pooler: 'transaction'/,
    )
  })

  it('maps 40P01 to SerializationFailureError marked as a deadlock', () => {
    const mapped = mapDatabaseError(
      pgError({ message: 'deadlock detected', code: '40P01' }),
    ) as SerializationFailureError
    expect(mapped).toBeInstanceOf(SerializationFailureError)
    expect(mapped.sqlState).toBe('40P01')
    expect(mapped.deadlock).toBe(true)
  })

  it.each([
    ['42P01', 'relation "nope" does not exist'],
    ['42703', 'column "nope" does not exist'],
    ['XX000', 'internal error'],
  ])('maps the unlisted SQLSTATE %s to a plain DatabaseError', (code, message) => {
    const cause = postgresJsError({ message, code, table_name: 't' })
    const mapped = mapDatabaseError(cause) as DatabaseError
    expect(mapped.constructor).toBe(DatabaseError)
    expect(mapped.code).toBe('DATABASE')
    expect(mapped.sqlState).toBe(code)
    expect(mapped.message).toBe(message)
    expect(mapped.table).toBe('t')
    expect(mapped.cause).toBeUndefined()
    expect(mapped.driverError()).toBe(cause)
  })

  it('uses a fallback message when the driver gives none', () => {
    const mapped = mapDatabaseError({ code: '42P01' }) as DatabaseError
    expect(mapped).toBeInstanceOf(DatabaseError)
    expect(mapped.message).toBe('Database error')
  })
})

describe('mapDatabaseError: connection failures', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'ENOTFOUND',
    'CONNECTION_CLOSED',
    'CONNECTION_ENDED',
    'CONNECT_TIMEOUT',
    '57P01',
    '57P02',
    '57P03',
    '08006',
    '08001',
    '28P01',
    '28000',
    '3D000',
    '53300',
  ])('maps %s to ConnectionError', (code) => {
    const cause = Object.assign(new Error('connect failed'), { code })
    const mapped = mapDatabaseError(cause) as ConnectionError
    expect(mapped).toBeInstanceOf(ConnectionError)
    expect(mapped).not.toBeInstanceOf(DatabaseError)
    expect(mapped.code).toBe('CONNECTION')
    expect(mapped.message).toBe('Connection to PostgreSQL failed: connect failed')
    expect(mapped.cause).toBeUndefined()
    expect(mapped.driverError()).toBe(cause)
  })

  it('maps a 57P01 admin shutdown from postgres.js', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        message: 'terminating connection due to administrator command',
        code: '57P01',
      }),
    )
    expect(mapped).toBeInstanceOf(ConnectionError)
    expect((mapped as ConnectionError).message).toContain('administrator command')
  })
})

describe('mapDatabaseError: pass-through', () => {
  it.each([
    ['a string', 'boom'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', false],
  ])('returns %s unchanged', (_label, value) => {
    expect(mapDatabaseError(value)).toBe(value)
  })

  it('returns an Error without a code unchanged', () => {
    const error = new TypeError('not a database error')
    expect(mapDatabaseError(error)).toBe(error)
  })

  it('returns an error whose code is not a SQLSTATE unchanged', () => {
    const error = Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' })
    expect(mapDatabaseError(error)).toBe(error)
    const lower = Object.assign(new Error('x'), { code: '23505x' })
    expect(mapDatabaseError(lower)).toBe(lower)
    const numeric = Object.assign(new Error('x'), { code: 23505 })
    expect(mapDatabaseError(numeric)).toBe(numeric)
  })

  it('returns errors that are already mapped unchanged', () => {
    const unique = mapDatabaseError(postgresJsError(uniqueFields))
    expect(mapDatabaseError(unique)).toBe(unique)
    const query = new InvalidQueryError('limit', 'must be an integer')
    expect(mapDatabaseError(query)).toBe(query)
    const connection = new ConnectionError('gone')
    expect(mapDatabaseError(connection)).toBe(connection)
  })
})

describe('mapDatabaseError: class 22 redaction', () => {
  it.each([
    ['22P02', 'invalid input syntax for type uuid: "SECRET"', 'invalid input syntax for type uuid'],
    [
      '22P02',
      'invalid input syntax for type integer: "SECRET"',
      'invalid input syntax for type integer',
    ],
    [
      '22007',
      'invalid input syntax for type timestamp: "SECRET"',
      'invalid input syntax for type timestamp',
    ],
    ['22008', 'date/time field value out of range: "SECRET"', 'date/time field value out of range'],
    ['22P02', 'invalid input value for enum mood: "SECRET"', 'invalid input value for enum mood'],
    [
      '22P02',
      'invalid input syntax for type json: "SECRET with "quotes" inside"',
      'invalid input syntax for type json',
    ],
    [
      '22021',
      'invalid byte sequence for encoding "UTF8": 0x00',
      'invalid byte sequence for encoding "UTF8"',
    ],
  ])('%s: redacts the value in %j', (code, message, redacted) => {
    const mapped = mapDatabaseError(postgresJsError({ message, code })) as DatabaseError
    expect(mapped).toBeInstanceOf(DatabaseError)
    expect(mapped.message).toBe(redacted)
    expect(mapped.message).not.toContain('SECRET')
    expect(mapped.sqlState).toBe(code)
  })

  it('keeps class 22 messages that carry no value', () => {
    const mapped = mapDatabaseError(
      pgError({ message: 'value too long for type character varying(3)', code: '22001' }),
    ) as DatabaseError
    expect(mapped.message).toBe('value too long for type character varying(3)')
  })

  it('does not redact quoted names outside class 22', () => {
    const message = 'relation "secret_table" does not exist'
    const mapped = mapDatabaseError(postgresJsError({ message, code: '42P01' })) as DatabaseError
    expect(mapped.message).toBe(message)
  })

  it('keeps the original error, unredacted, for driverError() only, not as the cause', () => {
    const cause = postgresJsError({
      message: 'invalid input syntax for type uuid: "SECRET"',
      code: '22P02',
    })
    const mapped = mapDatabaseError(cause) as DatabaseError
    expect(mapped.cause).toBeUndefined()
    expect(mapped.driverError()).toBe(cause)
  })
})

describe('mapDatabaseError: what it returns is safe to log whole (issue 14)', () => {
  const SECRET = 'CANARY-unit-7f3a'
  /** A postgres.js error as it reaches us: `query` and `parameters` attached, not enumerable. */
  function withStatement(error: Error): Error {
    return Object.defineProperties(error, {
      query: { value: `select * from t where x = $1 /* ${SECRET} */`, enumerable: false },
      parameters: { value: [SECRET], enumerable: false },
      args: { value: [SECRET], enumerable: false },
    })
  }
  const postgresErrors = [
    { ...uniqueFields, detail: `Key (email)=(${SECRET}) already exists.` },
    {
      message: 'new row for relation "t" violates check constraint "c"',
      code: '23514',
      detail: `Failing row contains (1, ${SECRET}).`,
    },
    {
      message: `invalid input syntax for type integer: "${SECRET}"`,
      code: '22P02',
      where: `unnamed portal parameter $1 = '${SECRET}'`,
    },
    { message: 'canceling statement due to statement timeout', code: '57014' },
    {
      message: 'password authentication failed for user "app"',
      code: '28P01',
      hint: SECRET,
      internal_query: SECRET,
    },
    { message: 'terminating connection due to administrator command', code: '57P01' },
  ]

  it.each(postgresErrors)('shows no value of $code, and keeps it for driverError()', (fields) => {
    const original = withStatement(postgresJsError(fields))
    const mapped = mapDatabaseError(original) as DatabaseError | ConnectionError
    expect(mapped).toBeInstanceOf(KyselyEntitiesError)
    expect(leaksOf(mapped, [SECRET])).toEqual([])
    expect(mapped.cause).toBeUndefined()
    expect(mapped.driverError()).toBe(original)
  })

  it('keeps the schema, the data type and the routine PostgreSQL names', () => {
    const mapped = mapDatabaseError(
      postgresJsError({
        ...uniqueFields,
        schema_name: 'public',
        data_type_name: 'int4',
        routine: '_bt_check_unique',
      }),
    ) as DatabaseError
    expect(mapped.schema).toBe('public')
    expect(mapped.dataType).toBe('int4')
    expect(mapped.routine).toBe('_bt_check_unique')
  })

  it('gives a connection error its SQLSTATE, none for a socket error', () => {
    const refused = mapDatabaseError(postgresJsError({ message: 'x', code: '3D000' }))
    expect((refused as ConnectionError).sqlState).toBe('3D000')
    const socket = mapDatabaseError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))
    expect((socket as ConnectionError).sqlState).toBeUndefined()
  })

  it.each([
    ['MAX_PARAMETERS_EXCEEDED', 'Max number of parameters (65534) exceeded'],
    ['UNDEFINED_VALUE', 'Undefined values are not allowed'],
  ])('maps postgres.js %s to an InvalidQueryError on parameters', (code, message) => {
    const mapped = mapDatabaseError(withStatement(Object.assign(new Error(message), { code })))
    expect(mapped).toBeInstanceOf(InvalidQueryError)
    expect((mapped as InvalidQueryError).path).toBe('parameters')
    expect(leaksOf(mapped, [SECRET])).toEqual([])
  })

  it('maps any other error carrying a statement to a DatabaseError without its message', () => {
    const original = withStatement(new RangeError(`cannot serialise ${SECRET}`))
    const mapped = mapDatabaseError(original) as DatabaseError
    expect(mapped).toBeInstanceOf(DatabaseError)
    expect(mapped.message).toContain('RangeError')
    expect(mapped.sqlState).toBeUndefined()
    expect(leaksOf(mapped, [SECRET])).toEqual([])
    expect(mapped.driverError()).toBe(original)
  })

  it('leaves an error the caller threw (no code, no statement) as it is', () => {
    const own = new Error(`my own ${SECRET}`)
    expect(mapDatabaseError(own)).toBe(own)
  })
})
