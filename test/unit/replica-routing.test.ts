import { describe, expect, it } from 'vitest'
import {
  ConnectionError,
  DatabaseError,
  InvalidQueryError,
  PoolTimeoutError,
  QueryDeadlineError,
} from '../../src/index'
import { formatLsn, parseLsn } from '../../src/replicas/lsn'
import { chooseReplica, type ReplicaCandidate } from '../../src/replicas/replica-choice'
import { replicaFailure } from '../../src/replicas/replica-failure'
import { pruneSamples, replicaLag } from '../../src/replicas/replica-lag'
import { replicaSettings, withoutPassword } from '../../src/replicas/replica-options'
import { WriteTracker } from '../../src/replicas/write-tracker'
import { PostgresStartError, startPostgres } from '../../src/testing/index'

const up = (replayed?: bigint): ReplicaCandidate => ({ state: 'up', replayed })
const dbError = (sqlState: string) =>
  new DatabaseError('failed', {
    sqlState,
    table: undefined,
    column: undefined,
    constraint: undefined,
    detail: undefined,
  } as never)

describe('WAL positions', () => {
  it('parse and print as PostgreSQL writes them, ordered as the WAL', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n)
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848')
    expect(formatLsn(parseLsn('0/0') as bigint)).toBe('0/0')
    expect((parseLsn('0/FFFFFFFF') as bigint) < (parseLsn('1/0') as bigint)).toBe(true)
    for (const bad of [null, undefined, '', '16', '16/', 'x/1', '1/2/3', 42, '123456789/0']) {
      expect(parseLsn(bad)).toBeUndefined()
    }
  })
})

describe('choosing a replica', () => {
  it('goes round-robin over the replicas that are up, and to none when none is', () => {
    const all = [up(), up(), up()]
    expect([0, 1, 2, 3].map((start) => chooseReplica(all, start % 3, undefined)?.index)).toEqual([
      0, 1, 2, 0,
    ])
    const some = [up(), { state: 'down', replayed: 5n } as const, up()]
    expect(chooseReplica(some, 1, undefined)).toEqual({ index: 2, caughtUp: true })
    expect(
      chooseReplica(
        [
          { state: 'down', replayed: 9n },
          { state: 'lagging', replayed: 9n },
        ],
        0,
        undefined,
      ),
    ).toBeUndefined()
    expect(chooseReplica([], 0, undefined)).toBeUndefined()
  })

  it('prefers a replica known to have the write, else one to wait for', () => {
    expect(chooseReplica([up(10n), up(20n)], 0, 15n)).toEqual({ index: 1, caughtUp: true })
    expect(chooseReplica([up(10n), up(20n)], 0, 20n)).toEqual({ index: 1, caughtUp: true })
    expect(chooseReplica([up(10n), up()], 1, 15n)).toEqual({ index: 1, caughtUp: false })
    // A lagging replica that has the write is still left out.
    expect(chooseReplica([{ state: 'lagging', replayed: 99n }, up(1n)], 0, 15n)).toEqual({
      index: 1,
      caughtUp: false,
    })
  })
})

describe('replica lag', () => {
  const samples = [
    { lsn: 100n, at: 1_000 },
    { lsn: 200n, at: 2_000 },
    { lsn: 300n, at: 3_000 },
  ]
  it('is the time since the oldest primary position the replica has not replayed', () => {
    expect(replicaLag(samples, 300n, 3_500)).toBe(0)
    expect(replicaLag(samples, 400n, 3_500)).toBe(0)
    expect(replicaLag(samples, 250n, 3_500)).toBe(500)
    expect(replicaLag(samples, 150n, 3_500)).toBe(1_500)
    expect(replicaLag(samples, 0n, 3_500)).toBe(2_500)
    expect(replicaLag(samples, undefined, 3_500)).toBeUndefined()
    expect(replicaLag([], 5n, 3_500)).toBeUndefined()
  })

  it('keeps one sample older than the window, so a lag beyond it is still seen', () => {
    expect(pruneSamples(samples, 3_500, 1_000, 100)).toEqual([samples[1], samples[2]])
    expect(pruneSamples(samples, 3_500, 10_000, 2)).toEqual([samples[1], samples[2]])
    const kept = pruneSamples(samples, 10_000, 1_000, 100)
    expect(kept).toEqual([samples[2]])
    expect(replicaLag(kept, 250n, 10_000)).toBe(7_000)
  })
})

describe('what a failed read on a replica means', () => {
  it('down for a broken connection or a server shutting down; elsewhere when the primary can run it', () => {
    expect(replicaFailure(new ConnectionError('connect ECONNREFUSED'))).toBe('down')
    expect(replicaFailure(new QueryDeadlineError(1_000, 'server'))).toBe('down')
    expect(replicaFailure(dbError('57P01'))).toBe('down')
    expect(replicaFailure(dbError('57P03'))).toBe('down')
    expect(replicaFailure(dbError('08006'))).toBe('down')
    expect(replicaFailure(dbError('25006'))).toBe('elsewhere')
    expect(replicaFailure(dbError('40001'))).toBe('elsewhere')
    expect(replicaFailure(dbError('55000'))).toBe('elsewhere')
    expect(replicaFailure(new PoolTimeoutError(1_000, 10))).toBe('elsewhere')
    // The read itself is wrong: the primary would say the same.
    expect(replicaFailure(dbError('42601'))).toBeUndefined()
    expect(replicaFailure(dbError('42P01'))).toBeUndefined()
    expect(replicaFailure(new Error('a bug of the caller'))).toBeUndefined()
  })
})

describe('replica options', () => {
  it('take URLs or objects, with defaults; none means no replica set', () => {
    expect(replicaSettings({})).toBeUndefined()
    expect(replicaSettings({ replicas: [] })).toBeUndefined()
    const settings = replicaSettings({
      replicas: ['postgres://r1/app', { url: 'postgresql://r2/app', max: 3 }],
    })
    expect(settings).toMatchObject({
      replicas: [{ url: 'postgres://r1/app' }, { url: 'postgresql://r2/app', max: 3 }],
      maxReplicaLag: 10_000,
      maxReplayWait: 1_000,
      readYourWrites: 'database',
      checkInterval: 1_000,
    })
  })

  it('refuse what they cannot use, naming the option', () => {
    const bad: [unknown, RegExp][] = [
      [{ replicas: [42] }, /replicas\[0\]/],
      [{ replicas: ['mysql://r1/app'] }, /replicas\[0\]\.url/],
      [{ replicas: ['postgres://r'], maxReplicaLag: -1 }, /maxReplicaLag/],
      [{ replicas: ['postgres://r'], maxReplayWait: Number.NaN }, /maxReplayWait/],
      [{ replicas: ['postgres://r'], readYourWrites: 'always' }, /readYourWrites/],
      [{ replicas: ['postgres://r'], replicaCheckInterval: 0 }, /replicaCheckInterval/],
    ]
    for (const [options, message] of bad) {
      expect(() => replicaSettings(options as never)).toThrow(InvalidQueryError)
      expect(() => replicaSettings(options as never)).toThrow(message)
    }
  })

  it('name a replica without its password', () => {
    expect(withoutPassword('postgres://app:s3cret@r1:5432/app')).toBe('postgres://app@r1:5432/app')
    expect(withoutPassword('postgres://r1/app')).toBe('postgres://r1/app')
    expect(withoutPassword('not a url')).not.toContain('not a url')
  })
})

describe('read-your-writes bookkeeping', () => {
  const counting = (positions: bigint[]) => {
    let calls = 0
    const fetch = async () => {
      calls++
      return positions.shift()
    }
    return { fetch, calls: () => calls }
  }

  it('asks the primary nothing until a read follows a write, then once per write', async () => {
    const primary = counting([100n, 200n])
    const tracker = new WriteTracker(primary.fetch)
    expect(await tracker.required()).toBeUndefined()
    expect(primary.calls()).toBe(0)
    tracker.wrote()
    tracker.wrote()
    const [a, b] = await Promise.all([tracker.required(), tracker.required()])
    expect([a, b, primary.calls()]).toEqual([100n, 100n, 1])
    expect(await tracker.required()).toBe(100n)
    tracker.wrote()
    expect(await tracker.required()).toBe(200n)
    expect(primary.calls()).toBe(2)
    expect(await tracker.token()).toBe('0/C8')
  })

  it('asks again after a failed read of the position', async () => {
    let fail = true
    const tracker = new WriteTracker(async () => {
      if (fail) throw new ConnectionError('primary down')
      return 7n
    })
    tracker.wrote()
    await expect(tracker.required()).rejects.toBeInstanceOf(ConnectionError)
    fail = false
    expect(await tracker.required()).toBe(7n)
  })

  it('a session waits for its token, its own writes and its database writes', async () => {
    const database = new WriteTracker(async () => 50n)
    const session = new WriteTracker(async () => 60n, database)
    expect(session.raise('0/28')).toBe(true) // 40
    expect(await session.required()).toBe(40n)
    database.wrote()
    expect(await session.required()).toBe(50n)
    session.wrote()
    expect(await session.required()).toBe(60n)
    expect(session.raise('0/FFFF')).toBe(true)
    expect(await session.required()).toBe(0xffffn)
    expect(session.raise('nonsense')).toBe(false)
    expect(session.raise('')).toBe(true)
  })
})

describe('startPostgres with standbys', () => {
  it('refuses standbys of a server it did not start, rather than giving a primary alone', async () => {
    const start = startPostgres({ url: 'postgres://u:p@example.invalid:5432/x', standbys: 1 })
    await expect(start).rejects.toBeInstanceOf(PostgresStartError)
    await expect(start).rejects.toThrow(/standbys: 1.*embedded primary/)
  })

  it('refuses a count it cannot start', async () => {
    await expect(startPostgres({ url: '', standbys: -1 })).rejects.toThrow(/standbys must be/)
    await expect(startPostgres({ url: '', standbys: 1.5 })).rejects.toThrow(PostgresStartError)
  })
})
