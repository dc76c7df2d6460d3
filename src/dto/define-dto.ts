import { type AnyEntityClass, isEntityClass, type TableOfEntity } from '../entity/entity'
import { DtoDefinitionError, describe } from './dto-definition-error'
import { DtoMapper } from './dto-mapper'
import type { DtoFields, DtoOf, FieldChecks, PublicProperty } from './dto-types'

/**
 * Defines a DTO mapper for entity class `E`: the only way entities should leave the server.
 * Internal ids (serial ids, integer foreign keys, `.internal()` columns) and `secret()` columns
 * cannot be selected: a type error, and a {@link DtoDefinitionError} at definition time when
 * forced with a cast. Unknown properties and relations are refused the same way. Output is plain
 * JSON data (Dates as ISO strings, bigints as decimal strings), keys in definition order.
 *
 * Array form: public properties copied as they are. Object form: output key to `true` (the
 * property of that name) or a {@link dtoField}.
 *
 * @example
 * ```ts
 * export const UserDto = defineDto(UserEntity, ['uuid', 'email'])
 * UserDto.from(user) // { "uuid": "9b1d…", "email": "a@x.io" }
 *
 * export const FunctionDto = defineDto(FunctionEntity, {
 *   uuid: true,
 *   createdAt: true,                                        // Date -> ISO string
 *   ownerUuid: dtoField.ref('owner', users.uuid),           // not the internal user_id
 *   analysis: dtoField.from('analysisResult').when((ctx: { isOwner: boolean }) => ctx.isOwner),
 * })
 * FunctionDto.from(fnWithOwner, { isOwner: false })
 * // { "uuid": "5f0c…", "createdAt": "2024-05-06T07:08:09.010Z", "ownerUuid": "9b1d…" }
 * await FunctionDto.resolve(db, fns, { isOwner: true }) // loads `owner` for all fns in one query
 *
 * defineDto(UserEntity, ['id'])          // type error (and DtoDefinitionError): a serial id
 * defineDto(UserEntity, ['passwordHash']) // type error: a secret
 * ```
 */
export function defineDto<
  E extends AnyEntityClass,
  const F extends DtoFields<E> | readonly PublicProperty<TableOfEntity<E>>[],
>(entity: E, fields: F & FieldChecks<E, F>): DtoOf<E, F>
export function defineDto(entity: unknown, fields: unknown): unknown {
  if (!isEntityClass(entity)) {
    throw new DtoDefinitionError(
      '',
      `defineDto: expected an entity class (class X extends Entity.of(table)), got ${describe(entity)}`,
    )
  }
  const label = `defineDto(${entity.name})`
  let entries: (readonly [string, unknown])[]
  if (Array.isArray(fields)) {
    entries = []
    for (const property of fields) {
      if (typeof property !== 'string') {
        throw new DtoDefinitionError(
          '',
          `${label}: properties must be strings, got ${describe(property)}`,
        )
      }
      entries.push([property, true])
    }
  } else if (fields !== null && typeof fields === 'object') {
    entries = Object.entries(fields)
  } else {
    throw new DtoDefinitionError(
      '',
      `${label}: expected a list of properties or an object of fields, got ${describe(fields)}`,
    )
  }
  if (entries.length === 0) throw new DtoDefinitionError('', `${label}: a DTO needs a field`)
  const seen = new Set<string>()
  for (const [key] of entries) {
    if (seen.has(key)) throw new DtoDefinitionError(key, `${label}: field "${key}" is listed twice`)
    seen.add(key)
  }
  return new DtoMapper(entity, entries)
}
