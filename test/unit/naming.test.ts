import { describe, expect, it } from 'vitest'
import { camelCase, quoteIdentifier, snakeCase } from '../../src/schema/naming'

describe('snakeCase', () => {
  it.each([
    ['passwordHash', 'password_hash'],
    ['s3Key', 's3_key'],
    ['activeDeploymentId', 'active_deployment_id'],
    ['already_snake', 'already_snake'],
    ['id', 'id'],
    ['a', 'a'],
    ['A', '_a'],
    ['aB', 'a_b'],
    ['x1', 'x1'],
    ['version2Name', 'version2_name'],
    ['userID', 'user_i_d'],
    ['', ''],
  ])('%s -> %s', (property, name) => {
    expect(snakeCase(property)).toBe(name)
  })
})

describe('camelCase', () => {
  it.each([
    ['password_hash', 'passwordHash'],
    ['s3_key', 's3Key'],
    ['active_deployment_id', 'activeDeploymentId'],
    ['alreadyCamel', 'alreadyCamel'],
    ['id', 'id'],
    ['a', 'a'],
    ['a_b', 'aB'],
    ['version_2', 'version2'],
    ['', ''],
  ])('%s -> %s', (name, property) => {
    expect(camelCase(name)).toBe(property)
  })

  it('inverts snakeCase for the names it produces', () => {
    for (const property of ['passwordHash', 's3Key', 'activeDeploymentId', 'createdAt', 'x']) {
      expect(camelCase(snakeCase(property))).toBe(property)
    }
  })
})

describe('quoteIdentifier', () => {
  it('double-quotes a plain name', () => {
    expect(quoteIdentifier('users')).toBe('"users"')
  })

  it('doubles every embedded double quote', () => {
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"')
    expect(quoteIdentifier('"')).toBe('""""')
    expect(quoteIdentifier('a""b')).toBe('"a""""b"')
  })

  it('leaves single quotes, spaces and semicolons inside the quotes', () => {
    expect(quoteIdentifier("it's; drop table x")).toBe(`"it's; drop table x"`)
  })

  it('quotes the empty name as ""', () => {
    expect(quoteIdentifier('')).toBe('""')
  })
})
