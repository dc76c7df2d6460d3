import { describe, expect, it } from 'vitest'
import { containerpubInitSql, userInformation } from '../../src/containerpub/index'

// Where the spec's tables are loose, the original ContainerPub SQL (003_add_user_relationships.sql)
// decides. These are the lines of the generated init-db.sql for those columns.
const tableOf = (name: string): string => {
  const sql = containerpubInitSql()
  const start = sql.indexOf(`CREATE TABLE IF NOT EXISTS "${name}" (`)
  return sql.slice(start, sql.indexOf(');', start))
}

describe('the user relationship tables follow the original SQL', () => {
  it('user_information: names required, role without default, times with time zone', () => {
    const ddl = tableOf('user_information')
    expect(ddl).toContain('"first_name" varchar(100) NOT NULL,')
    expect(ddl).toContain('"last_name" varchar(100) NOT NULL,')
    expect(ddl).toContain('"role" varchar(50) NOT NULL,')
    expect(ddl).not.toContain("DEFAULT 'developer'")
    expect(ddl).toContain('"created_at" timestamptz DEFAULT CURRENT_TIMESTAMP,')
    expect(ddl).toContain('"updated_at" timestamptz DEFAULT CURRENT_TIMESTAMP,')
    expect(ddl).toContain(`CHECK ("role" IN ('developer', 'team', 'sub_team_developer'))`)
  })

  it('organizations and organization_members: times with time zone', () => {
    expect(tableOf('organizations')).toContain(
      '"created_at" timestamptz DEFAULT CURRENT_TIMESTAMP,',
    )
    expect(tableOf('organizations')).toContain('"updated_at" timestamptz DEFAULT CURRENT_TIMESTAMP')
    expect(tableOf('organization_members')).toContain(
      '"joined_at" timestamptz DEFAULT CURRENT_TIMESTAMP',
    )
  })

  it('the other tables keep the spec timestamp (no time zone), as the original init-db.sql has it', () => {
    expect(tableOf('users')).toContain('"created_at" timestamp DEFAULT CURRENT_TIMESTAMP,')
    expect(tableOf('functions')).toContain('"created_at" timestamp DEFAULT CURRENT_TIMESTAMP,')
  })

  it('an insert must name the role and both names (no silent default)', () => {
    const parsed = userInformation.$meta.insertSchema.safeParse({
      userId: '5f0c6ad6-2f5c-4c8a-9f5e-0d8a6c1e2b3a',
    })
    expect(parsed.success).toBe(false)
    const paths = parsed.error?.issues.map((i) => i.path.join('.')).sort()
    expect(paths).toEqual(['firstName', 'lastName', 'role'])
  })
})
