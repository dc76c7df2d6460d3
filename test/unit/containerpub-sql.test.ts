import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { containerpubFunctionsDbSql, containerpubInitSql } from '../../src/containerpub/index'

const committed = (file: string) =>
  readFileSync(new URL(`../../sql/containerpub/${file}`, import.meta.url), 'utf8')

describe('the committed ContainerPub SQL files are what the definitions generate', () => {
  it('init-db.sql (run `npm run sql:generate` after changing src/containerpub/tables.ts)', () => {
    expect(committed('init-db.sql')).toBe(containerpubInitSql())
  })

  it('functions-db.sql', () => {
    expect(committed('functions-db.sql')).toBe(containerpubFunctionsDbSql())
  })

  it('init-db.sql has every table of the spec with its constraints', () => {
    const sql = containerpubInitSql()
    for (const table of [
      'users',
      'user_information',
      'organizations',
      'organization_members',
      'functions',
      'function_deployments',
      'function_logs',
      'function_invocations',
    ]) {
      expect(sql).toContain(`CREATE TABLE IF NOT EXISTS "${table}" (`)
    }
    expect(sql).toContain('CONSTRAINT "functions_user_id_name_key" UNIQUE ("user_id", "name")')
    expect(sql).toContain(
      'CONSTRAINT "function_deployments_function_id_version_key" UNIQUE ("function_id", "version")',
    )
    expect(sql).toContain(
      '"user_id" uuid NOT NULL UNIQUE REFERENCES "users" ("uuid") ON DELETE CASCADE',
    )
    expect(sql).toContain('"owner_id" uuid NOT NULL REFERENCES "users" ("uuid") ON DELETE CASCADE')
    expect(sql).toContain('"name" varchar(255) NOT NULL UNIQUE')
    expect(sql).toContain('"active_deployment_id" integer,')
    expect(sql).not.toContain('function_data')
  })
})
