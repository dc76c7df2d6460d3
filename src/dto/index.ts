export {
  type AnyDto,
  type ContextArgs,
  type Dto,
  type DtoContext,
  type DtoFields,
  type DtoFieldsContext,
  type DtoFieldsNeeds,
  type DtoOf,
  type DtoOutput,
  type DtoOutputOf,
  defineDto,
  type PublicProperty,
} from './define-dto'
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
