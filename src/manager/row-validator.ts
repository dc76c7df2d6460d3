import type { z } from 'zod'
import { EntityValidationError, type ValidationIssue } from '../entity/entity-validation-error'
import { columnType } from '../schema/column-types'
import type { AnyTable } from '../schema/define-table'
import { type PlainInsert, plainInsert } from '../schema/plain-insert'
import { jsonbSizeIssues, unreadableInput, validationError } from './validation'

/**
 * A row after validation: camelCase property to value; `undefined` means "not given".
 * @example parseRows(users, [{ email: 'a@x.io', passwordHash: 'h' }])[0] // { email: 'a@x.io', passwordHash: 'h' }
 */
export type ParsedRow = Readonly<Record<string, unknown>>

/**
 * Issues of its own for a row that passed the schema (upsert: the conflict columns); `path` is
 * the row's path, e.g. `rows[3]`.
 * @example (row, path) => row.email === undefined ? [{ path: `${path}.email`, message: 'required' }] : []
 */
export type RowCheck = (row: ParsedRow, path: string) => readonly ValidationIssue[]

// The prefix of a path as `join` in ./validation writes it.
const prefixed = (prefix: string, issue: ValidationIssue): ValidationIssue =>
  prefix === '' ? issue : { path: `${prefix}.${issue.path}`, message: issue.message }

/**
 * Validates rows one at a time with the table's insert schema (camelCase, unknown keys refused),
 * collecting the issues of every bad row; the rows themselves are not kept. A row's path (e.g.
 * `rows[3]`) is only built when the row has an issue. A row of plain values (see
 * {@link plainInsert}) is rebuilt without running the schema, with the same result; any other
 * row goes through the schema.
 *
 * @example
 * ```ts
 * const validator = new RowValidator(users, (i) => `rows[${i}]`)
 * validator.parse({ email: 'a@x.io', passwordHash: 'h' }, 0) // { email: 'a@x.io', passwordHash: 'h' }
 * validator.parse({ email: 42 }, 1)                           // undefined
 * throw validator.error() // EntityValidationError: users: rows[1].email: Invalid input: ...
 * ```
 */
export class RowValidator {
  readonly #table: AnyTable
  readonly #pathOf: (index: number) => string
  readonly #check: RowCheck | undefined
  readonly #hasJsonb: boolean
  readonly #plain: PlainInsert | undefined
  readonly #issues: ValidationIssue[] = []
  #zodError: z.ZodError | undefined

  /** `plain: false` runs the schema on every row (tests compare both paths). */
  constructor(table: AnyTable, pathOf: (index: number) => string, check?: RowCheck, plain = true) {
    this.#table = table
    this.#pathOf = pathOf
    this.#check = check
    this.#plain = plain ? plainInsert(table) : undefined
    this.#hasJsonb = table.$meta.columns.some((c) => columnType(c.kind).where === 'document')
  }

  /** True once a row had an issue. */
  get failed(): boolean {
    return this.#issues.length > 0
  }

  /** The parsed (normalised) row, or `undefined` when it has issues (recorded for {@link error}). */
  parse(row: unknown, index: number): ParsedRow | undefined {
    try {
      return this.#parse(row, index)
    } catch (error) {
      const failure = unreadableInput(this.#table, row, error, this.#pathOf(index))
      if (!(failure instanceof EntityValidationError)) throw failure
      this.#issues.push(...failure.issues)
      return undefined
    }
  }

  #parse(row: unknown, index: number): ParsedRow | undefined {
    const plain = this.#plain?.(row)
    return plain === undefined ? this.#parseWithSchema(row, index) : this.#checked(plain, index)
  }

  #parseWithSchema(row: unknown, index: number): ParsedRow | undefined {
    const table = this.#table
    if (this.#hasJsonb) {
      // A jsonb value nested too deep would overflow the stack inside the schema.
      const tooBig = jsonbSizeIssues(table, row)
      if (tooBig.length > 0) {
        const path = this.#pathOf(index)
        for (const issue of tooBig) this.#issues.push(prefixed(path, issue))
        return undefined
      }
    }
    const result = table.$meta.insertSchema.safeParse(row)
    if (!result.success) {
      this.#zodError ??= result.error
      this.#issues.push(...validationError(table, result.error, this.#pathOf(index)).issues)
      return undefined
    }
    return this.#checked(result.data as ParsedRow, index)
  }

  #checked(parsed: ParsedRow, index: number): ParsedRow | undefined {
    if (this.#check !== undefined) {
      const issues = this.#check(parsed, this.#pathOf(index))
      if (issues.length > 0) {
        this.#issues.push(...issues)
        return undefined
      }
    }
    return parsed
  }

  /** Every issue so far in one error, caused by the first schema error. */
  error(): EntityValidationError {
    return new EntityValidationError(this.#table.$name, [...this.#issues], {
      zodError: this.#zodError,
    })
  }
}
