import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explainStartFailure } from '../../src/testing/embedded-server'
import { reachable } from '../../src/testing/server-user'

// Another user than the owner of the temporary folders made here (whoever runs the tests).
const stranger = { uid: 54_321, gid: 54_321 }

describe('reachable', () => {
  let base: string
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ke-reach-'))
  })
  afterAll(async () => {
    await rm(base, { recursive: true, force: true })
  })

  it('a folder made by mkdtemp (mode 0700) is private: another user cannot reach inside', async () => {
    await chmod(base, 0o700)
    await mkdir(join(base, 'inner'), { mode: 0o755 })
    expect(await reachable(join(base, 'inner'), stranger)).toBe(false)
  })

  it('every folder on the way must be searchable, not only the last one', async () => {
    await chmod(base, 0o755)
    await mkdir(join(base, 'closed'), { mode: 0o700 })
    await mkdir(join(base, 'closed', 'open'), { mode: 0o755 })
    await chmod(join(base, 'closed'), 0o700)
    expect(await reachable(join(base, 'inner'), stranger)).toBe(true)
    expect(await reachable(join(base, 'closed', 'open'), stranger)).toBe(false)
  })

  it('the owner reaches its own private folder; a missing folder is not reachable', async () => {
    const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
    await chmod(base, 0o700)
    expect(await reachable(base, owner)).toBe(true)
    expect(await reachable(join(base, 'missing'), owner)).toBe(false)
  })
})

describe('explainStartFailure', () => {
  const spawnError = (code: string) => Object.assign(new Error(`spawn initdb ${code}`), { code })

  it('names the cause and the fix for each kind of failure', () => {
    expect(explainStartFailure([], spawnError('EACCES'))).toMatch(/cannot be run \(EACCES\).*chmod/)
    expect(explainStartFailure([], spawnError('ENOENT'))).toMatch(/missing \(ENOENT\).*reinstall/)
    expect(
      explainStartFailure(
        ['postgres: error while loading shared libraries: libicuuc.so.60'],
        new Error('exit'),
      ),
    ).toMatch(/shared library is missing.*allowScripts/)
    expect(
      explainStartFailure(
        ['LOG:  could not bind IPv4 address "127.0.0.1": Address already in use'],
        new Error('exit'),
      ),
    ).toMatch(/port is already in use/)
  })

  it('quotes the fatal lines of the server log and nothing else', () => {
    const message = explainStartFailure(
      ['LOG:  starting PostgreSQL', 'FATAL:  invalid value for parameter "shared_buffers"'],
      new Error('the server exited during start'),
    )
    expect(message).toContain('FATAL:  invalid value for parameter "shared_buffers"')
    expect(message).not.toContain('starting PostgreSQL')
  })
})
