import { KyselyEntitiesError } from '../errors/kysely-entities-error'

/**
 * A DTO that cannot be allowed: a field that would expose an internal id (a serial id, an integer
 * foreign key, an `.internal()` column) or a `secret()` column, an unknown property or relation,
 * a nested DTO of the wrong table. Thrown by `defineDto` at definition time, so a leaking DTO
 * never reaches a request. Also thrown by `from`, `fromMany` and `resolve`, before anything is
 * written: when what they are given is not an entity of the DTO's very table definition, built by
 * an entity class (a plain object, `null`, a spread copy, `Object.create(UserEntity.prototype)`,
 * an entity of a look-alike table of the same name); when a relation the DTO needs was not loaded
 * (use `resolve`) or holds an entity of another table; and when a computed value contains an
 * entity, is circular, or carries a key named like a secret or internal column
 * (`compute(e => e.toMap())`). The message names the field and the column, never a value.
 *
 * @example
 * ```ts
 * defineDto(UserEntity, ['id'] as any)
 * // throws DtoDefinitionError:
 * // defineDto(UserEntity) field "id": property "id" is a serial id (internal); internal ids never leave the server
 * UserDto.from({ uuid, email } as any)
 * // throws DtoDefinitionError: defineDto(UserEntity).from: expected an entity of "users" (...), got an object no entity class constructed
 * ```
 */
export class DtoDefinitionError extends KyselyEntitiesError {
  /** The output key of the offending field, or `''` when the error is about the whole DTO. */
  readonly field: string

  constructor(field: string, message: string) {
    super('DTO_DEFINITION', message)
    this.field = field
  }
}

/**
 * A value as DTO errors show it: its kind, never its content (it may be request data).
 * @example
 * ```ts
 * describe(null)        // 'null'
 * describe([1])         // 'an array'
 * describe(String)      // 'function String'
 * describe('a@x.io')    // 'string'
 * ```
 */
export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return `function ${value.name}`
  return typeof value
}
