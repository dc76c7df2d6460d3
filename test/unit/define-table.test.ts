import { describe, expect, it } from 'vitest'
import {
  type AnyColumnBuilder,
  c,
  defineTable,
  InvalidDefinitionError,
  KyselyEntitiesError,
  type TableOptions,
} from '../../src/index'
import { everyKind, functions, users } from '../fixtures/tables'

/** The InvalidDefinitionError thrown by `fn`; fails the test if it throws anything else. */
function definitionError(fn: () => unknown): InvalidDefinitionError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidDefinitionError)
    expect(e).toBeInstanceOf(KyselyEntitiesError)
    expect((e as InvalidDefinitionError).code).toBe('INVALID_DEFINITION')
    expect((e as InvalidDefinitionError).name).toBe('InvalidDefinitionError')
    return e as InvalidDefinitionError
  }
  throw new Error('expected an InvalidDefinitionError')
}

/** defineTable with untyped columns and options, for definitions the types would refuse. */
function define(
  name: string,
  columns: Record<string, unknown>,
  options: Record<string, unknown> = {},
): unknown {
  return defineTable(
    name,
    columns as Record<string, AnyColumnBuilder>,
    options as TableOptions<Record<string, AnyColumnBuilder>>,
  )
}

describe('table metadata', () => {
  it('exposes the SQL name and the columns by property', () => {
    expect(users.$name).toBe('users')
    expect(Object.keys(users.$columns)).toEqual([
      'id',
      'uuid',
      'email',
      'passwordHash',
      'createdAt',
      'updatedAt',
    ])
    expect(users.$columns.email).toBe(users.email)
    expect(users.$meta.name).toBe('users')
    expect(users.$meta.quotedName).toBe('"users"')
  })

  it('lists $meta.columns in definition order', () => {
    expect(users.$meta.columns.map((c) => c.name)).toEqual([
      'id',
      'uuid',
      'email',
      'password_hash',
      'created_at',
      'updated_at',
    ])
    expect(everyKind.$meta.columns.map((c) => c.property)).toEqual(Object.keys(everyKind.$columns))
  })

  it('maps by property and by SQL name to the same column objects', () => {
    const meta = everyKind.$meta
    expect(meta.byProperty.get('s3Key')).toBe(everyKind.s3Key)
    expect(meta.byName.get('s3_key')).toBe(everyKind.s3Key)
    expect(meta.byProperty.get('timestamp')).toBe(everyKind.timestamp)
    expect(meta.byName.get('ts')).toBe(everyKind.timestamp)
    expect(meta.byName.get('timestamp')).toBeUndefined()
    expect(meta.byProperty.size).toBe(meta.columns.length)
    expect(meta.byName.size).toBe(meta.columns.length)
  })

  it('finds a single-column primary key from primaryKey()', () => {
    expect(users.$meta.primaryKey).toEqual([users.id])
  })

  it('takes a composite primary key from the options, in the order given', () => {
    const members = defineTable(
      'members',
      { orgId: c.integer().notNull(), userId: c.integer().notNull(), role: c.text() },
      { primaryKey: ['userId', 'orgId'] },
    )
    expect(members.$meta.primaryKey.map((c) => c.name)).toEqual(['user_id', 'org_id'])
    expect(members.orgId.primaryKey).toBe(false)
  })

  it('has no primary key when none is declared', () => {
    const log = defineTable('log', { line: c.text() })
    expect(log.$meta.primaryKey).toEqual([])
  })

  it('uses a uuid column named uuid as the public id by default', () => {
    expect(users.$meta.publicId).toBe(users.uuid)
    expect(functions.$meta.publicId).toBe(functions.uuid)
  })

  it('has no public id when `uuid` is missing or not a uuid column', () => {
    expect(everyKind.$meta.publicId).toBeUndefined()
    const t = defineTable('t', { id: c.serial().primaryKey(), uuid: c.text() })
    expect(t.$meta.publicId).toBeUndefined()
  })

  it('takes the public id from the options', () => {
    const t = defineTable(
      't',
      { id: c.serial().primaryKey(), publicKey: c.uuid().notNull() },
      { publicId: 'publicKey' },
    )
    expect(t.$meta.publicId).toBe(t.publicKey)
  })

  it('records the soft-delete column', () => {
    const t = defineTable(
      't',
      { id: c.serial().primaryKey(), deletedAt: c.timestamptz() },
      { softDelete: 'deletedAt' },
    )
    expect(t.$meta.softDelete).toBe(t.deletedAt)
    expect(users.$meta.softDelete).toBeUndefined()
  })

  it('lists the onUpdateNow columns', () => {
    expect(users.$meta.onUpdateNow).toEqual([users.updatedAt])
    expect(functions.$meta.onUpdateNow).toEqual([])
  })

  it('names indexes idx_<table>_<sql columns>', () => {
    const t = defineTable(
      'events',
      { userId: c.integer(), createdAt: c.timestamp(), kind: c.text() },
      { indexes: [['userId', 'createdAt'], ['kind']] },
    )
    expect(t.$meta.indexes.map((i) => i.name)).toEqual([
      'idx_events_user_id_created_at',
      'idx_events_kind',
    ])
    expect(t.$meta.indexes[0]!.columns).toEqual([t.userId, t.createdAt])
    expect(t.$meta.indexes[0]!.unique).toBe(false)
    expect(t.$meta.indexes[0]!.where).toBeUndefined()
    expect(users.$meta.indexes.map((i) => i.name)).toEqual(['idx_users_uuid', 'idx_users_email'])
  })

  it('keeps an index name, unique flag and where clause given in full', () => {
    const t = defineTable(
      'events',
      { userId: c.integer(), deletedAt: c.timestamp() },
      {
        indexes: [
          {
            columns: ['userId'],
            name: 'events_live_user',
            unique: true,
            where: 'deleted_at IS NULL',
          },
          { columns: ['deletedAt'] },
        ],
      },
    )
    expect(t.$meta.indexes[0]).toEqual({
      name: 'events_live_user',
      columns: [t.userId],
      keys: [{ column: t.userId, order: 'asc', nulls: 'last', opclass: undefined }],
      include: [],
      using: 'btree',
      unique: true,
      where: 'deleted_at IS NULL',
    })
    expect(t.$meta.indexes[1]!.name).toBe('idx_events_deleted_at')
    expect(t.$meta.indexes[1]!.unique).toBe(false)
  })

  it('names unique constraints <table>_<sql columns>_key', () => {
    expect(functions.$meta.uniques).toHaveLength(1)
    expect(functions.$meta.uniques[0]!.name).toBe('functions_user_id_name_key')
    expect(functions.$meta.uniques[0]!.columns).toEqual([functions.userId, functions.name])
  })

  it('adds a CHECK constraint per enum column with the exact expression', () => {
    expect(everyKind.$meta.checks).toEqual([
      {
        name: 'every_kind_role_check',
        expression: `"role" IN ('developer', 'team', 'sub_team_developer')`,
      },
    ])
  })

  it('doubles single quotes in enum CHECK values and uses the SQL column name', () => {
    const t = defineTable('t', { kind: c.text().enum(["it's", 'b']).name('the_kind') })
    expect(t.$meta.checks).toEqual([
      { name: 't_the_kind_check', expression: `"the_kind" IN ('it''s', 'b')` },
    ])
  })

  it('keeps declared checks before enum checks', () => {
    const t = defineTable(
      't',
      { price: c.integer(), status: c.varchar(10).enum(['a', 'b']) },
      { checks: { t_price_positive: 'price > 0' } },
    )
    expect(t.$meta.checks).toEqual([
      { name: 't_price_positive', expression: 'price > 0' },
      { name: 't_status_check', expression: `"status" IN ('a', 'b')` },
    ])
  })

  it('builds the select list of every quoted SQL name, in order', () => {
    expect(users.$meta.selectList).toBe(
      '"id", "uuid", "email", "password_hash", "created_at", "updated_at"',
    )
    const t = defineTable('t', { a: c.text().name('Upper'), bC: c.text() })
    expect(t.$meta.selectList).toBe('"Upper", "b_c"')
  })

  it('stores the relations built by the callback', () => {
    const owner = functions.$relations.owner!
    expect(owner.kind).toBe('belongsTo')
    expect(owner.foreignKey).toBe('userId')
    expect(owner.target).toBe('users')
    expect(owner.references).toBeUndefined()
    expect(Object.keys(users.$relations)).toEqual([
      'functions',
      'information',
      'ownedOrganizations',
      'membership',
    ])
  })

  it('stores every relation kind with its options', () => {
    const orgs = defineTable('orgs', { id: c.serial().primaryKey() })
    const members = defineTable(
      'members',
      { orgId: c.integer().notNull(), userId: c.integer().notNull() },
      { primaryKey: ['orgId', 'userId'] },
    )
    const t = defineTable(
      'projects',
      { id: c.serial().primaryKey(), orgUuid: c.uuid() },
      {
        relations: (r) => ({
          tasks: r.hasMany('tasks', 'projectId'),
          profile: r.hasOne(() => users, 'userId', { references: 'id' }),
          org: r.belongsTo(() => orgs, 'orgUuid', { references: 'uuid' }),
          people: r.manyToMany(() => users, {
            through: () => members,
            foreignKey: 'orgId',
            otherKey: 'userId',
            targetKey: 'id',
          }),
        }),
      },
    )
    expect(t.$relations.tasks).toMatchObject({
      kind: 'hasMany',
      target: 'tasks',
      foreignKey: 'projectId',
    })
    expect(t.$relations.profile).toMatchObject({ kind: 'hasOne', references: 'id' })
    expect(t.$relations.org).toMatchObject({ kind: 'belongsTo', references: 'uuid' })
    expect(t.$relations.people).toMatchObject({
      kind: 'manyToMany',
      foreignKey: 'orgId',
      otherKey: 'userId',
      targetKey: 'id',
    })
    expect(t.$relations.org!.target).toBeTypeOf('function')
    expect((t.$relations.org!.target as () => unknown)()).toBe(orgs)
    expect((t.$relations.people!.through as () => unknown)()).toBe(members)
    expect(Object.isFrozen(t.$relations.people)).toBe(true)
  })
})

describe('frozen results', () => {
  it('freezes the table, its columns, its metadata and lists', () => {
    expect(Object.isFrozen(users)).toBe(true)
    expect(Object.isFrozen(users.$columns)).toBe(true)
    expect(Object.isFrozen(users.$meta)).toBe(true)
    expect(Object.isFrozen(users.$meta.columns)).toBe(true)
    expect(Object.isFrozen(users.$meta.primaryKey)).toBe(true)
    expect(Object.isFrozen(users.$meta.indexes)).toBe(true)
    expect(Object.isFrozen(users.$meta.indexes[0])).toBe(true)
    expect(Object.isFrozen(users.$meta.uniques)).toBe(true)
    expect(Object.isFrozen(users.$meta.checks)).toBe(true)
    expect(Object.isFrozen(users.$meta.onUpdateNow)).toBe(true)
    expect(Object.isFrozen(users.$relations)).toBe(true)
    for (const column of users.$meta.columns) expect(Object.isFrozen(column)).toBe(true)
  })

  it('refuses writes to the table and its columns', () => {
    expect(() => {
      ;(users as unknown as Record<string, unknown>).$name = 'other'
    }).toThrow(TypeError)
    expect(() => {
      ;(users.email as unknown as Record<string, unknown>).name = 'other'
    }).toThrow(TypeError)
    expect(users.$name).toBe('users')
    expect(users.email.name).toBe('email')
  })
})

describe('derived schemas', () => {
  it('rowSchema is keyed by SQL name, entitySchema by property', () => {
    expect(Object.keys(users.$meta.rowSchema.shape)).toContain('password_hash')
    expect(Object.keys(users.$meta.entitySchema.shape)).toContain('passwordHash')
  })

  it('insertSchema requires NOT NULL columns without a default only', () => {
    const result = users.$meta.insertSchema.safeParse({})
    expect(result.success).toBe(false)
    const missing = result.success ? [] : result.error.issues.map((i) => i.path.join('.'))
    expect(missing.sort()).toEqual(['email', 'passwordHash'])
  })

  it('updateSchema accepts an empty patch', () => {
    expect(users.$meta.updateSchema.parse({})).toEqual({})
  })
})

describe('InvalidDefinitionError', () => {
  it.each(['users; drop', '', '1users', 'user-name', 'a'.repeat(64), 'tab le'])(
    'refuses the table name %j',
    (name) => {
      const error = definitionError(() => define(name, { id: c.serial() }))
      expect(error.message).toContain('defineTable: table name')
      expect(error.message).toContain(JSON.stringify(name))
    },
  )

  it('accepts a 63-character table name', () => {
    const name = 'a'.repeat(63)
    expect((define(name, { id: c.serial() }) as { $name: string }).$name).toBe(name)
  })

  it('refuses a non-string table name', () => {
    definitionError(() => defineTable(42 as unknown as string, { id: c.serial() }))
  })

  it('refuses a table without columns', () => {
    const error = definitionError(() => define('empty', {}))
    expect(error.message).toBe('defineTable("empty"): a table needs at least one column')
  })

  it.each([
    'toMap',
    'copyWith',
    'toJSON',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    'valueOf',
  ])('refuses the reserved property %s', (property) => {
    const error = definitionError(() => define('t', { [property]: c.text() }))
    expect(error.message).toBe(
      `defineTable("t") column "${property}": "${property}" is reserved by entities`,
    )
  })

  it('refuses __proto__ defined as an own property', () => {
    const columns = {}
    Object.defineProperty(columns, '__proto__', {
      value: c.text(),
      enumerable: true,
      configurable: true,
      writable: true,
    })
    const error = definitionError(() => define('t', columns))
    expect(error.message).toContain('"__proto__" is reserved')
  })

  it('refuses __proto__ from a JSON.parse object', () => {
    const columns = JSON.parse('{"id": 1, "__proto__": 2}') as Record<string, unknown>
    expect(Object.keys(columns)).toContain('__proto__')
    columns.id = c.serial()
    Object.defineProperty(columns, '__proto__', { value: c.text() })
    const error = definitionError(() => define('t', columns))
    expect(error.message).toContain('column "__proto__"')
  })

  it.each(['$name', '$meta', 'my-col', 'has space', '1st', 'é'])(
    'refuses the property %j',
    (property) => {
      const error = definitionError(() => define('t', { [property]: c.text() }))
      expect(error.message).toBe(
        `defineTable("t") column "${property}": a property name must be an identifier`,
      )
    },
  )

  it.each([
    ['a string', 'text'],
    ['null', null],
    ['a config object', c.text().config],
    ['a builder factory', c.text],
  ])('refuses %s instead of a builder', (_label, value) => {
    const error = definitionError(() => define('t', { id: c.serial(), bad: value }))
    expect(error.message).toBe(
      'defineTable("t") column "bad": expected a column builder such as c.text()',
    )
  })

  it('refuses two properties that map to one SQL name', () => {
    const error = definitionError(() =>
      define('t', { createdAt: c.timestamp(), created_at: c.timestamp() }),
    )
    expect(error.message).toBe(
      'defineTable("t"): properties "createdAt" and "created_at" both map to column "created_at"',
    )
  })

  it('refuses a name() that collides with another column', () => {
    const error = definitionError(() =>
      define('t', { email: c.text(), other: c.text().name('email') }),
    )
    expect(error.message).toContain('both map to column "email"')
  })

  it('refuses an SQL name longer than 63 characters', () => {
    const error = definitionError(() => define('t', { a: c.text().name('x'.repeat(64)) }))
    expect(error.message).toContain('must be an identifier of at most 63 characters')
  })

  it.each(['Weird Name', 'a.b', 'x"; drop table t; --', '', '1abc'])(
    'refuses a name() that is not an identifier: %j',
    (name) => {
      const error = definitionError(() => define('t', { a: c.text().name(name) }))
      expect(error.message).toContain('must be an identifier')
    },
  )

  it('refuses an empty SQL name', () => {
    const error = definitionError(() => define('t', { a: c.text().name('') }))
    expect(error.message).toContain('column "a"')
  })

  it('refuses primaryKey() on two columns', () => {
    const error = definitionError(() =>
      define('t', { a: c.integer().primaryKey(), b: c.integer().primaryKey() }),
    )
    expect(error.message).toContain('defineTable("t"): several columns call primaryKey()')
  })

  it('refuses a primary key given both by a column and by the options', () => {
    const error = definitionError(() =>
      define('t', { a: c.integer().primaryKey(), b: c.integer().notNull() }, { primaryKey: ['b'] }),
    )
    expect(error.message).toBe(
      'defineTable("t"): primary key given both by a column and by the options',
    )
  })

  it('refuses a nullable primary key column', () => {
    const error = definitionError(() => define('t', { id: c.integer().primaryKey().nullable() }))
    expect(error.message).toBe('defineTable("t") column "id": a primary key cannot be nullable')
  })

  it('refuses a nullable column in a composite primary key', () => {
    const error = definitionError(() =>
      define('t', { a: c.integer().notNull(), b: c.integer() }, { primaryKey: ['a', 'b'] }),
    )
    expect(error.message).toContain('defineTable("t") column "b"')
  })

  it.each([
    ['primaryKey', { primaryKey: ['nope'] }, 'primaryKey names unknown column "nope"'],
    ['primaryKey (empty)', { primaryKey: [] }, 'primaryKey lists no columns'],
    ['indexes', { indexes: [['a', 'nope']] }, 'an index names unknown column "nope"'],
    [
      'indexes (full)',
      { indexes: [{ columns: ['nope'] }] },
      'an index names unknown column "nope"',
    ],
    ['indexes (empty)', { indexes: [[]] }, 'an index lists no columns'],
    ['uniques', { uniques: [['nope']] }, 'a unique constraint names unknown column "nope"'],
    ['softDelete', { softDelete: 'nope' }, 'softDelete names unknown column "nope"'],
    ['publicId', { publicId: 'nope' }, 'publicId names unknown column "nope"'],
  ])('refuses an unknown column in %s', (_label, options, message) => {
    const error = definitionError(() =>
      define('t', { a: c.integer().notNull(), deletedAt: c.timestamp() }, options),
    )
    expect(error.message).toBe(`defineTable("t"): ${message}`)
  })

  it.each([
    ['NOT NULL timestamp', c.timestamp().notNull()],
    ['text', c.text()],
    ['integer', c.integer()],
  ])('refuses softDelete on a %s column', (_label, builder) => {
    const error = definitionError(() =>
      define('t', { id: c.serial().primaryKey(), deletedAt: builder }, { softDelete: 'deletedAt' }),
    )
    expect(error.message).toBe('defineTable("t"): softDelete column must be a nullable timestamp')
  })

  it.each([0, 1.5, -1, 10485761, Number.NaN])('refuses varchar(%s)', (length) => {
    const error = definitionError(() => define('t', { code: c.varchar(length) }))
    expect(error.message).toBe(
      `defineTable("t") column "code": varchar length must be an integer from 1 to 10485760, got ${String(length)}`,
    )
  })

  it('accepts varchar(1) and varchar(10485760)', () => {
    const t = define('t', { a: c.varchar(1), b: c.varchar(10485760) }) as typeof users
    expect(t.$meta.columns.map((col) => col.sqlType)).toEqual(['varchar(1)', 'varchar(10485760)'])
  })

  it.each([0, 1001, 2.5, -3])('refuses numeric precision %s', (precision) => {
    const error = definitionError(() => define('t', { price: c.numeric(precision, 0) }))
    expect(error.message).toBe('defineTable("t") column "price": numeric precision must be 1..1000')
  })

  it.each([
    [10, -1],
    [10, 11],
    [10, 1.5],
  ])('refuses numeric(%s, %s)', (precision, scale) => {
    const error = definitionError(() => define('t', { price: c.numeric(precision, scale) }))
    expect(error.message).toBe(
      'defineTable("t") column "price": numeric scale must be 0..precision',
    )
  })

  it('accepts numeric(1000, 1000) and numeric(1, 0)', () => {
    const t = define('t', { a: c.numeric(1000, 1000), b: c.numeric(1, 0) }) as typeof users
    expect(t.$meta.columns.map((col) => col.sqlType)).toEqual([
      'numeric(1000,1000)',
      'numeric(1,0)',
    ])
  })

  it.each([
    ['a string on an integer', c.integer().default('1' as unknown as number)],
    ['a too-long varchar', c.varchar(2).default('abc')],
    [
      'a value outside the enum',
      c
        .varchar(10)
        .enum(['a', 'b'])
        .default('c' as 'a'),
    ],
    [
      'null on NOT NULL',
      c
        .text()
        .notNull()
        .default(null as unknown as string),
    ],
    ['an out-of-range smallint', c.smallint().default(40000)],
    ['an invalid uuid', c.uuid().default('nope')],
  ])('refuses a default value that does not fit: %s', (_label, builder) => {
    const error = definitionError(() => define('t', { col: builder }))
    expect(error.message).toBe(
      'defineTable("t") column "col": default value does not fit the column type',
    )
  })

  it('accepts defaults that fit, including null on a nullable column', () => {
    const t = define('t', {
      a: c.integer().default(0),
      b: c.text().default(null as unknown as string),
      d: c.bigint().default(5n),
      e: c.jsonb().default({ x: [1] }),
      f: c.varchar(10).enum(['a', 'b']).default('b'),
    }) as typeof users
    expect(t.$meta.columns.every((col) => col.hasDefault)).toBe(true)
  })

  it.each([
    [
      'defaultNow() on a text column',
      () => (c.text() as any).defaultNow(),
      'defaultNow() needs a timestamp or date column',
    ],
    [
      'defaultRandom() on a text column',
      () => (c.text() as any).defaultRandom(),
      'defaultRandom() needs a uuid column',
    ],
    [
      'onUpdateNow() on a date column',
      () => (c.date() as any).onUpdateNow(),
      'onUpdateNow() needs a timestamp column',
    ],
    [
      'onUpdateNow() on an integer',
      () => (c.integer() as any).onUpdateNow(),
      'onUpdateNow() needs a timestamp column',
    ],
    [
      'enum() on an integer',
      () => (c.integer() as any).enum(['1']),
      'enum() needs a text or varchar column',
    ],
  ])('refuses %s at run time', (_label, build, message) => {
    const error = definitionError(() => define('t', { col: build() }))
    expect(error.message).toBe(`defineTable("t") column "col": ${message}`)
  })

  it('refuses a relation not built with the relation builder', () => {
    const error = definitionError(() =>
      define('t', { id: c.serial() }, { relations: () => ({ owner: { kind: 'belongsTo' } }) }),
    )
    expect(error.message).toContain('relation "owner"')
  })

  it('names the table and the column in column errors', () => {
    const error = definitionError(() => define('accounts', { id: c.serial(), code: c.varchar(0) }))
    expect(error.message).toContain('defineTable("accounts")')
    expect(error.message).toContain('column "code"')
  })
})
