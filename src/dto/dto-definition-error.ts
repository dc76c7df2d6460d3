import { KyselyEntitiesError } from '../errors/kysely-entities-error'

/**
 * A DTO that cannot be allowed: a field that would expose an internal id (a serial id, an integer
 * foreign key, an `.internal()` column) or a `secret()` column, an unknown property or relation,
 * a nested DTO of the wrong table. Thrown by `defineDto` at definition time, so a leaking DTO
 * never reaches a request. Also thrown by `from` when a relation the DTO needs was not loaded
 * (use `resolve`), and when a computed value returns an entity (map it with a DTO instead).
 *
 * @example
 * ```ts
 * defineDto(UserEntity, ['id'] as any)
 * // throws DtoDefinitionError:
 * // defineDto(UserEntity) field "id": property "id" is a serial id (internal); internal ids never leave the server
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
