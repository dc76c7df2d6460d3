import { describe, expect, it } from 'vitest'
import { InvalidQueryError, MissingParameterError } from '../../src/errors/kysely-entities-error'
import {
  bindNamedParameters,
  compileNamedSql,
  namedToPositional,
} from '../../src/query/named-parameters'

/** Asserts the compiled SQL and names of `text`. */
function expectCompiled(text: string, sql: string, names: readonly string[]): void {
  const compiled = compileNamedSql(text)
  expect(compiled.sql).toBe(sql)
  expect(compiled.names).toEqual(names)
}

/** Asserts that compiling `text` throws an InvalidQueryError whose message contains `message`. */
function expectInvalid(text: string, message: string): void {
  let error: unknown
  try {
    compileNamedSql(text)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(InvalidQueryError)
  expect((error as InvalidQueryError).code).toBe('INVALID_QUERY')
  expect((error as InvalidQueryError).path).toBe('sql')
  expect((error as InvalidQueryError).message).toContain(message)
}

/** The MissingParameterError thrown by `fn`. */
function missing(fn: () => unknown): MissingParameterError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(MissingParameterError)
    return e as MissingParameterError
  }
  throw new Error('expected a MissingParameterError')
}

describe('compileNamedSql: parameters', () => {
  it('compiles a simple parameter', () => {
    expectCompiled('SELECT * FROM users WHERE id = @id', 'SELECT * FROM users WHERE id = $1', [
      'id',
    ])
  })

  it('compiles the example from the docs', () => {
    expect(
      namedToPositional('SELECT * FROM functions WHERE user_id = @user_id AND status = @status', {
        user_id: 1,
        status: 'active',
      }),
    ).toEqual({
      sql: 'SELECT * FROM functions WHERE user_id = $1 AND status = $2',
      parameters: [1, 'active'],
    })
  })

  it('reuses one $n for a repeated name', () => {
    expect(
      namedToPositional('SELECT * FROM t WHERE a = @x OR b = @y OR c = @x OR d = @y', {
        x: 1,
        y: 2,
      }),
    ).toEqual({
      sql: 'SELECT * FROM t WHERE a = $1 OR b = $2 OR c = $1 OR d = $2',
      parameters: [1, 2],
    })
  })

  it('numbers many parameters in order of first appearance', () => {
    const names = Array.from({ length: 25 }, (_, i) => `p${i}`)
    const text = `INSERT INTO t VALUES (${names.map((n) => `@${n}`).join(', ')})`
    const params = Object.fromEntries(names.map((n, i) => [n, i * 10]))
    const { sql, parameters } = namedToPositional(text, params)
    expect(sql).toBe(`INSERT INTO t VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`)
    expect(parameters).toEqual(names.map((_, i) => i * 10))
  })

  it('orders by first appearance, not alphabetically', () => {
    expect(
      namedToPositional('SELECT @zeta, @alpha, @mid', { alpha: 'a', mid: 'm', zeta: 'z' }),
    ).toEqual({
      sql: 'SELECT $1, $2, $3',
      parameters: ['z', 'a', 'm'],
    })
  })

  it('is case-sensitive', () => {
    expect(namedToPositional('SELECT @userId, @userid', { userId: 1, userid: 2 })).toEqual({
      sql: 'SELECT $1, $2',
      parameters: [1, 2],
    })
  })

  it('accepts underscores and digits in names', () => {
    expectCompiled('SELECT @_a1, @b_2_c, @_', 'SELECT $1, $2, $3', ['_a1', 'b_2_c', '_'])
  })

  it('recognises parameters right after punctuation and operators', () => {
    expectCompiled(
      'SELECT * FROM t WHERE col=@a AND f(@b) AND g(1,@c) AND arr[@d] > 0 AND x<>@e AND y+@f',
      'SELECT * FROM t WHERE col=$1 AND f($2) AND g(1,$3) AND arr[$4] > 0 AND x<>$5 AND y+$6',
      ['a', 'b', 'c', 'd', 'e', 'f'],
    )
  })

  it('recognises a parameter at the very start and end of the text', () => {
    expectCompiled('@a', '$1', ['a'])
    expectCompiled('@a + @b', '$1 + $2', ['a', 'b'])
  })

  it('recognises parameters across newlines and tabs', () => {
    expectCompiled('SELECT\n\t@a,\r\n@b', 'SELECT\n\t$1,\r\n$2', ['a', 'b'])
  })

  it('ends a name at a :: cast', () => {
    expectCompiled(
      'SELECT * FROM t WHERE id = @id::uuid AND n = @n::int',
      'SELECT * FROM t WHERE id = $1::uuid AND n = $2::int',
      ['id', 'n'],
    )
  })

  it('leaves :: casts alone', () => {
    expectCompiled(
      "SELECT '1'::int, x::text FROM t WHERE y = @y",
      "SELECT '1'::int, x::text FROM t WHERE y = $1",
      ['y'],
    )
  })
})

describe('compileNamedSql: operators and non-parameters', () => {
  it('keeps @> as an operator', () => {
    expectCompiled('SELECT * FROM t WHERE tags @> @tags', 'SELECT * FROM t WHERE tags @> $1', [
      'tags',
    ])
  })

  it('keeps <@ as an operator, even directly before a name', () => {
    expectCompiled('SELECT * FROM t WHERE a <@ @b', 'SELECT * FROM t WHERE a <@ $1', ['b'])
    expectCompiled('SELECT * FROM t WHERE a <@b', 'SELECT * FROM t WHERE a <@b', [])
  })

  it('keeps @@ as an operator, even directly before a name', () => {
    expectCompiled('SELECT * FROM docs WHERE tsv @@ @query', 'SELECT * FROM docs WHERE tsv @@ $1', [
      'query',
    ])
    expectCompiled(
      'SELECT * FROM docs WHERE tsv @@query',
      'SELECT * FROM docs WHERE tsv @@query',
      [],
    )
  })

  it('keeps @-@ and @? as operators', () => {
    expectCompiled('SELECT @-@ path, doc @? @jp FROM t', 'SELECT @-@ path, doc @? $1 FROM t', [
      'jp',
    ])
  })

  it('does not treat email@example.com in code as a parameter', () => {
    expectCompiled('SELECT email@example.com FROM t', 'SELECT email@example.com FROM t', [])
  })

  it('does not treat @ after a digit, $ or non-ASCII letter as a parameter', () => {
    expectCompiled('SELECT 1@x, a$@y, é@z', 'SELECT 1@x, a$@y, é@z', [])
  })

  it('keeps @1 and @ x (absolute value) as operators', () => {
    expectCompiled('SELECT @1, @ x, @-5 FROM t', 'SELECT @1, @ x, @-5 FROM t', [])
  })

  it('keeps a lone @ at the end of the text', () => {
    expectCompiled('SELECT @', 'SELECT @', [])
  })

  it('rejects a name running into $ or a non-ASCII character', () => {
    expectInvalid('SELECT @a$b', "named parameter at offset 7 is followed by '$'")
    expectInvalid('SELECT @naïve', "named parameter at offset 7 is followed by 'ï'")
  })
})

describe('compileNamedSql: strings, identifiers and comments', () => {
  it("leaves @ inside a single-quoted string with '' escapes", () => {
    expectCompiled(
      "SELECT 'it''s @x', @y, '' AS e, 'a@b'",
      "SELECT 'it''s @x', $1, '' AS e, 'a@b'",
      ['y'],
    )
  })

  it('treats a backslash in a standard string as a plain character', () => {
    expectCompiled("SELECT 'C:\\' , @y", "SELECT 'C:\\' , $1", ['y'])
  })

  it("leaves E-strings with \\' escapes untouched", () => {
    expectCompiled(
      "SELECT E'it\\'s @x', e'\\\\', E'a''@b', @y",
      "SELECT E'it\\'s @x', e'\\\\', E'a''@b', $1",
      ['y'],
    )
  })

  it('does not read E at the end of an identifier as an escape-string prefix', () => {
    // `typE'\'` is the identifier typE then the standard string '\'; @y is code.
    expectCompiled("SELECT typE'\\' , @y", "SELECT typE'\\' , $1", ['y'])
  })

  it('leaves double-quoted identifiers with "" escapes untouched', () => {
    expectCompiled(
      'SELECT "weird@col", "a""@b" FROM t WHERE "x" = @x',
      'SELECT "weird@col", "a""@b" FROM t WHERE "x" = $1',
      ['x'],
    )
  })

  it('leaves $$ bodies untouched', () => {
    expectCompiled(
      "DO $$ BEGIN PERFORM @x; RAISE NOTICE 'it''s'; END $$; SELECT @y",
      "DO $$ BEGIN PERFORM @x; RAISE NOTICE 'it''s'; END $$; SELECT $1",
      ['y'],
    )
  })

  it('leaves $tag$ bodies untouched, including other dollar tags inside', () => {
    expectCompiled(
      'CREATE FUNCTION f() RETURNS int AS $fn$ SELECT @x $$ $other$ $fn$ LANGUAGE sql; SELECT @y',
      'CREATE FUNCTION f() RETURNS int AS $fn$ SELECT @x $$ $other$ $fn$ LANGUAGE sql; SELECT $1',
      ['y'],
    )
  })

  it('ends a dollar quote only at the same tag', () => {
    expectCompiled('SELECT $a$ $ab$ @x $a$, @y', 'SELECT $a$ $ab$ @x $a$, $1', ['y'])
  })

  it('does not treat $1 as a dollar quote', () => {
    // Were `$1 ... $1` a dollar quote, @x would be hidden inside it and the text would compile.
    expectInvalid('SELECT $1, @x, $1', 'positional parameter $1 at offset 7')
    expectCompiled('SELECT $1, $2 FROM t', 'SELECT $1, $2 FROM t', [])
  })

  it('treats $ inside a word as an identifier character', () => {
    expectCompiled('SELECT price$1, a$$b, @x FROM t', 'SELECT price$1, a$$b, $1 FROM t', ['x'])
  })

  it('leaves a lone $ and an unclosed $tag alone', () => {
    expectCompiled('SELECT $ , $abc @x', 'SELECT $ , $abc $1', ['x'])
  })

  it('leaves -- line comments untouched', () => {
    expectCompiled(
      "SELECT @a -- uses @x and 'quote\nFROM t -- @z",
      "SELECT $1 -- uses @x and 'quote\nFROM t -- @z",
      ['a'],
    )
  })

  it('ends a line comment at a carriage return', () => {
    expectCompiled('SELECT 1 -- @x\r@y', 'SELECT 1 -- @x\r$1', ['y'])
  })

  it('leaves nested block comments untouched', () => {
    expectCompiled(
      'SELECT /* outer @x /* inner @y */ still comment @z */ @a',
      'SELECT /* outer @x /* inner @y */ still comment @z */ $1',
      ['a'],
    )
  })

  it('handles empty and adjacent block comments', () => {
    expectCompiled('SELECT /**/@a/* @b */@c', 'SELECT /**/$1/* @b */$2', ['a', 'c'])
  })

  it('keeps a single - and / as operators', () => {
    expectCompiled('SELECT @a - @b / @c', 'SELECT $1 - $2 / $3', ['a', 'b', 'c'])
  })
})

describe('compileNamedSql: errors', () => {
  it('reports an unterminated string with its offset', () => {
    expectInvalid("SELECT @a, 'abc", 'unterminated string literal starting at offset 11')
    expectInvalid("SELECT 'it''s", 'unterminated string literal starting at offset 7')
  })

  it('reports an unterminated E-string with its offset', () => {
    expectInvalid("SELECT E'abc\\'", "unterminated escape string (E'...') starting at offset 7")
  })

  it('reports an unterminated quoted identifier with its offset', () => {
    expectInvalid('SELECT "abc""', 'unterminated quoted identifier starting at offset 7')
  })

  it('reports an unterminated dollar quote with its tag and offset', () => {
    expectInvalid('SELECT $$ abc', 'unterminated dollar-quoted string $$ starting at offset 7')
    expectInvalid(
      'SELECT $fn$ abc $f$',
      'unterminated dollar-quoted string $fn$ starting at offset 7',
    )
  })

  it('reports an unterminated block comment at the outermost opening', () => {
    expectInvalid(
      'SELECT /* a */ 1 /* b /* c */',
      'unterminated block comment starting at offset 17',
    )
  })

  it('does not report a line comment that runs to the end of the text', () => {
    expectCompiled('SELECT @a -- no newline', 'SELECT $1 -- no newline', ['a'])
  })

  it('rejects positional parameters mixed with named ones', () => {
    expectInvalid(
      'SELECT * FROM t WHERE a = @a AND b = $12',
      'positional parameter $12 at offset 37 cannot be mixed with named parameters (@a at offset 26)',
    )
  })

  it('ignores $n inside strings and comments when named parameters are used', () => {
    expectCompiled(
      'SELECT \'$1\', "$2", @a -- $3\n/* $4 */',
      'SELECT \'$1\', "$2", $1 -- $3\n/* $4 */',
      ['a'],
    )
  })

  it('passes positional-only text through unchanged', () => {
    const text = 'SELECT * FROM t WHERE a = $1 AND b = $2'
    const compiled = compileNamedSql(text)
    expect(compiled.sql).toBe(text)
    expect(compiled.names).toEqual([])
    expect(namedToPositional(text, {})).toEqual({ sql: text, parameters: [] })
  })

  it('passes the empty text through', () => {
    expectCompiled('', '', [])
  })
})

describe('bindNamedParameters', () => {
  const compiled = compileNamedSql('UPDATE users SET manager_id = @manager WHERE id = @id')

  it('binds values in $n order', () => {
    expect(bindNamedParameters(compiled, { id: 7, manager: 3 })).toEqual([3, 7])
  })

  it('allows null values', () => {
    expect(bindNamedParameters(compiled, { id: 7, manager: null })).toEqual([null, 7])
  })

  it('ignores extra keys', () => {
    expect(bindNamedParameters(compiled, { id: 7, manager: 1, other: 'x', more: 2 })).toEqual([
      1, 7,
    ])
  })

  it('passes falsy and structured values as they are', () => {
    const list = [1, 2]
    const date = new Date(0)
    const c = compileNamedSql('SELECT @a, @b, @c, @d, @e')
    const values = bindNamedParameters(c, { a: 0, b: '', c: false, d: list, e: date })
    expect(values).toEqual([0, '', false, list, date])
    expect(values[3]).toBe(list)
    expect(values[4]).toBe(date)
  })

  it('refuses a string with an unpaired surrogate anywhere, which would be stored changed', () => {
    const c = compileNamedSql('SELECT @v')
    const lone = `${'🙂'.repeat(3)}\uD83D` // a pair cut in half, as a slice of text can leave
    for (const v of [lone, [lone], { note: lone }, { [lone]: 1 }, '\uDE42x']) {
      expect(() => bindNamedParameters(c, { v })).toThrow(InvalidQueryError)
      expect(() => bindNamedParameters(c, { v })).toThrow(
        /parameters\.v: .*unpaired UTF-16 surrogate/,
      )
    }
    // Whole pairs are valid Unicode: they pass.
    expect(bindNamedParameters(c, { v: '🙂'.repeat(3) })).toEqual(['🙂🙂🙂'])
  })

  it('throws MissingParameterError for an absent name', () => {
    const error = missing(() => bindNamedParameters(compiled, { manager: 1 }))
    expect(error.parameter).toBe('id')
    expect(error.code).toBe('MISSING_PARAMETER')
    expect(error.message).toBe('Missing value for named parameter @id')
  })

  it('throws MissingParameterError for an undefined value', () => {
    const error = missing(() => bindNamedParameters(compiled, { id: 1, manager: undefined }))
    expect(error.parameter).toBe('manager')
  })

  it('never puts parameter values in the error message', () => {
    const error = missing(() =>
      namedToPositional('SELECT @password, @token', { password: 'hunter2-secret' }),
    )
    expect(error.parameter).toBe('token')
    expect(error.message).not.toContain('hunter2-secret')
  })

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'does not resolve @%s through the prototype',
    (name) => {
      const c = compileNamedSql(`SELECT @${name}`)
      expect(missing(() => bindNamedParameters(c, {})).parameter).toBe(name)
    },
  )

  it('binds a prototype-looking name that is an own property', () => {
    const params = JSON.parse('{"__proto__": 5, "constructor": 6}') as Record<string, unknown>
    expect(Object.hasOwn(params, '__proto__')).toBe(true)
    expect(namedToPositional('SELECT @__proto__, @constructor', params).parameters).toEqual([5, 6])
  })

  it('does not bind inherited properties', () => {
    const params = Object.create({ id: 1 }) as Record<string, unknown>
    expect(missing(() => bindNamedParameters(compiled, params)).parameter).toBe('manager')
  })

  it('accepts a null-prototype object', () => {
    const params = Object.assign(Object.create(null) as Record<string, unknown>, {
      id: 1,
      manager: 2,
    })
    expect(bindNamedParameters(compiled, params)).toEqual([2, 1])
  })

  it('returns a fresh array on every call', () => {
    const a = bindNamedParameters(compiled, { id: 1, manager: 2 })
    const b = bindNamedParameters(compiled, { id: 1, manager: 2 })
    expect(a).not.toBe(b)
    a.push('mutated')
    expect(bindNamedParameters(compiled, { id: 1, manager: 2 })).toEqual([2, 1])
  })

  it('rejects a non-object params argument when names must be bound', () => {
    expect(() => bindNamedParameters(compiled, null as unknown as Record<string, unknown>)).toThrow(
      InvalidQueryError,
    )
  })
})

describe('compileNamedSql: cache', () => {
  it('returns the identical frozen object for the same text', () => {
    const text = 'SELECT * FROM cache_test WHERE id = @id AND k = @k'
    const first = compileNamedSql(text)
    const second = compileNamedSql(`${text.slice(0, 10)}${text.slice(10)}`)
    expect(second).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first.names)).toBe(true)
    expect(() => {
      ;(first.names as string[]).push('x')
    }).toThrow(TypeError)
  })

  it('freezes results without named parameters too', () => {
    const compiled = compileNamedSql('SELECT 1 AS frozen_check')
    expect(Object.isFrozen(compiled)).toBe(true)
    expect(Object.isFrozen(compiled.names)).toBe(true)
  })

  it('evicts the oldest entry after 1000 other texts', () => {
    const text = 'SELECT @evict_me'
    const first = compileNamedSql(text)
    for (let i = 0; i < 1000; i++) compileNamedSql(`SELECT @p, ${i}`)
    const again = compileNamedSql(text)
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })

  it('does not cache a text that fails to compile', () => {
    expectInvalid("SELECT 'open", 'unterminated string literal')
    expectInvalid("SELECT 'open", 'unterminated string literal')
  })
})

describe('compileNamedSql: long text', () => {
  it('compiles a 100k-character text', () => {
    const chunk = "SELECT @a, 'x@y''z', \"q@r\", $$ @s $$ /* @t /* @u */ */ -- @v\n"
    const text = chunk.repeat(Math.ceil(100_000 / chunk.length))
    expect(text.length).toBeGreaterThanOrEqual(100_000)
    const compiled = compileNamedSql(text)
    expect(compiled.names).toEqual(['a'])
    expect(compiled.sql).toBe(text.replaceAll('SELECT @a,', 'SELECT $1,'))
  })

  it('numbers thousands of distinct parameters', () => {
    const count = 5000
    const text = Array.from({ length: count }, (_, i) => `@n${i}`).join(',')
    const compiled = compileNamedSql(text)
    expect(compiled.names).toHaveLength(count)
    expect(compiled.sql).toBe(Array.from({ length: count }, (_, i) => `$${i + 1}`).join(','))
  })
})
