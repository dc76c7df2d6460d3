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
