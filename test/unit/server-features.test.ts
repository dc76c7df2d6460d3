import { describe, expect, it } from 'vitest'
import {
  FEATURE_VERSIONS,
  KyselyEntitiesError,
  requireFeature,
  UnsupportedServerError,
} from '../../src/index'
import { serverFeatures, versionName, versionOfRow } from '../../src/server-features'

describe('serverFeatures', () => {
  it('gives each feature from the version it came in: 15, 17 and 18', () => {
    expect(serverFeatures(150020)).toEqual({
      version: 150020,
      nullsNotDistinct: true,
      backupStart: true,
      mergeReturning: false,
      jsonTable: false,
      uuidv7: false,
    })
    expect(serverFeatures(160009)).toMatchObject({ mergeReturning: false, uuidv7: false })
    expect(serverFeatures(170000)).toMatchObject({
      mergeReturning: true,
      jsonTable: true,
      uuidv7: false,
    })
    expect(serverFeatures(180003)).toMatchObject({ mergeReturning: true, uuidv7: true })
    expect(serverFeatures(140012)).toMatchObject({ nullsNotDistinct: false, backupStart: false })
  })

  it('is frozen, and so is FEATURE_VERSIONS', () => {
    expect(Object.isFrozen(serverFeatures(180000))).toBe(true)
    expect(Object.isFrozen(FEATURE_VERSIONS)).toBe(true)
    expect(FEATURE_VERSIONS).toEqual({
      nullsNotDistinct: 150000,
      backupStart: 150000,
      mergeReturning: 170000,
      jsonTable: 170000,
      uuidv7: 180000,
    })
  })
})

describe('versionName and versionOfRow', () => {
  it('writes server_version_num as people do (two parts from 10 on, three before)', () => {
    expect(versionName(150020)).toBe('15.20')
    expect(versionName(180000)).toBe('18.0')
    expect(versionName(90624)).toBe('9.6.24')
  })

  it('reads the server_version column as a number or its text, else undefined', () => {
    expect(versionOfRow({ server_version: 150020 })).toBe(150020)
    expect(versionOfRow({ server_version: '180003' })).toBe(180003)
    expect(versionOfRow({ server_version: 'x' })).toBeUndefined()
    expect(versionOfRow({})).toBeUndefined()
    expect(versionOfRow(undefined)).toBeUndefined()
  })
})

describe('requireFeature', () => {
  it('passes on a server with the feature', () => {
    expect(() =>
      requireFeature(serverFeatures(170002), 'mergeReturning', 'this report'),
    ).not.toThrow()
  })

  it('refuses an older server with UnsupportedServerError naming the feature and both versions', () => {
    let error: unknown
    try {
      requireFeature(serverFeatures(150020), 'mergeReturning', 'this report')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UnsupportedServerError)
    expect(error).toBeInstanceOf(KyselyEntitiesError)
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_SERVER',
      feature: 'mergeReturning',
      requiredVersion: 170000,
      serverVersion: 150020,
      message:
        'this report needs MERGE ... RETURNING (PostgreSQL 17 or later); the server is PostgreSQL 15.20',
    })
  })

  it("names pg_backup_start for the standby's base backup on PostgreSQL 14", () => {
    expect(() =>
      requireFeature(serverFeatures(140012), 'backupStart', "a standby's base backup"),
    ).toThrow(
      "a standby's base backup needs pg_backup_start (PostgreSQL 15 or later); the server is PostgreSQL 14.12",
    )
  })
})
