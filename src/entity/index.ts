export {
  type AnyEntityClass,
  defaultEntityClass,
  Entity,
  type EntityClass,
  type EntityConstructor,
  type EntityMethods,
  type EntityOf,
  type EntityStatics,
  isEntityClass,
  type TableOfEntity,
} from './entity'
export { EntityValidationError, type ValidationIssue } from './entity-validation-error'
export { type Decode, type DecodeStep, decodePlan, decodeRow } from './row-decoder'
