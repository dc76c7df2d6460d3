import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  compilePropertyCopier,
  compileRowDecoder,
  decodePlan,
  decodeRow,
} from '../../src/entity/row-decoder'
import type { Column } from '../../src/schema/define-table'
import { everyKind } from '../fixtures/tables'

// Names no table definition would accept, to show that names reach generated code only as
// string literals: nothing in them is ever run.
const HOSTILE = [
  'a"b',
  "a'b",
  'back\\slash',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template in a name must stay text
  '`${process.exit(1)}`',
  '"]; globalThis.pwned = 1; x["',
  'line\nbreak',
  '\u2028sep',
  'constructor',
]
// (`__proto__` and the other prototype names are refused by defineTable before any of this.)

function fakeColumns(names: readonly string[]): Column[] {
  return names.map(
    (name, i) =>
      ({ name, property: `${name}!${i}`, kind: 'text', config: {} }) as unknown as Column,
  )
}

describe('compileRowDecoder', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('decodes every kind of column exactly as decodeRow does', () => {
    const plan = decodePlan(everyKind.$meta.columns)
    const decode = compileRowDecoder(plan)
    const names = everyKind.$meta.columns.map((c) => c.name)
    const value = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.integer(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      fc.date({ noInvalidDate: true, min: new Date('0001-01-01'), max: new Date('9999-12-31') }),
      fc.boolean(),
    )
    fc.assert(
      fc.property(fc.tuple(...names.map(() => value)), (values) => {
        const row = Object.fromEntries(names.map((name, i) => [name, values[i]]))
        let expected: unknown
        let failure: unknown
        try {
          expected = decodeRow(plan, row)
        } catch (error) {
          failure = error
        }
        if (failure === undefined) expect(decode(row)).toStrictEqual(expected)
        else expect(() => decode(row)).toThrow((failure as Error).constructor as never)
      }),
      { numRuns: 500 },
    )
  })

  it('keeps hostile names as plain keys: nothing in a name is run', () => {
    const columns = fakeColumns(HOSTILE)
    const decode = compileRowDecoder(decodePlan(columns))
    const row = Object.fromEntries(HOSTILE.map((name, i) => [name, i]))
    const decoded = decode(row)
    expect(Object.keys(decoded)).toEqual(columns.map((c) => c.property))
    expect(Object.values(decoded)).toEqual(HOSTILE.map((_, i) => i))
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined()
  })

  it('falls back to the generic loop where code generation is disabled', () => {
    vi.stubGlobal(
      'Function',
      class {
        constructor() {
          throw new EvalError('Code generation from strings disallowed for this context')
        }
      },
    )
    const plan = decodePlan(everyKind.$meta.columns)
    const decode = compileRowDecoder(plan)
    const row = Object.fromEntries(everyKind.$meta.columns.map((c) => [c.name, null]))
    expect(decode(row)).toStrictEqual(decodeRow(plan, row))
    const copy = compilePropertyCopier(['a', 'b'])
    const target: Record<string, unknown> = {}
    copy(target, { a: 1, c: 3 })
    expect(target).toStrictEqual({ a: 1, b: undefined })
  })
})

describe('compilePropertyCopier', () => {
  it('copies the listed properties in order, missing ones as undefined, and nothing else', () => {
    const copy = compilePropertyCopier(['id', 'email', 'createdAt'])
    const target: Record<string, unknown> = {}
    copy(target, { email: 'a@x.io', id: 1, extra: true })
    expect(Object.keys(target)).toEqual(['id', 'email', 'createdAt'])
    expect(target).toStrictEqual({ id: 1, email: 'a@x.io', createdAt: undefined })
  })

  it('keeps hostile names as plain keys', () => {
    const copy = compilePropertyCopier(HOSTILE)
    const target: Record<string, unknown> = {}
    copy(target, Object.fromEntries(HOSTILE.map((name, i) => [name, i])))
    expect(Object.keys(target)).toEqual(HOSTILE)
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined()
  })
})
