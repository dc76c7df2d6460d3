export {
  type DtoFields,
  type DtoFieldsContext,
  type DtoFieldsNeeds,
  type DtoOf,
  type DtoOutputOf,
  defineDto,
  type PublicProperty,
} from './define-dto'
export type { AnyDto, ContextArgs, Dto, DtoContext, DtoOutput } from './dto'
export { DtoDefinitionError } from './dto-definition-error'
export {
  type AnyDtoField,
  type ComputeSource,
  type DtoField,
  dtoField,
  type FieldPredicate,
  type FieldSpec,
  isDtoField,
  type PropertySource,
  type RefSource,
  type RelationSource,
} from './dto-field'
export type { Jsonify } from './json-output'
