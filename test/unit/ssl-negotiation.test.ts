import { createServer, type Server, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { negotiateSsl } from '../../src/driver/ssl-negotiation'
import { mapDatabaseError } from '../../src/errors/map-database-error'
import { ConnectionError } from '../../src/index'

// The SSLRequest answers no real PostgreSQL gives (a real server's answers are tested in
// test/integration/hostile-tls.test.ts): bytes after the answer, a server that says nothing.

let server: Server | undefined

afterEach(async () => {
  await new Promise<void>((resolve) =>
    server === undefined ? resolve() : server.close(() => resolve()),
  )
  server = undefined
})

/** A TCP server that answers the SSLRequest with `answer` (or nothing), on a free port. */
async function peer(answer: Buffer | undefined): Promise<{ port: number; requests: Buffer[] }> {
  const requests: Buffer[] = []
  server = createServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', (request) => {
      requests.push(request)
      if (answer !== undefined) socket.write(answer)
    })
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { port: typeof address === 'object' && address !== null ? address.port : 0, requests }
}

const open = (port: number) => new Socket().connect(port, '127.0.0.1')

describe('negotiateSsl', () => {
  it('sends the SSLRequest (length 8, code 80877103)', async () => {
    const { port, requests } = await peer(Buffer.from('N'))
    const raw = open(port)
    await expect(
      negotiateSsl(raw, { host: '127.0.0.1', port }, { ssl: 'prefer' }, 5),
    ).resolves.toBe(raw)
    expect(requests[0]).toEqual(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]))
    raw.destroy()
  })

  it("refuses bytes after the server's 'S' (unencrypted data before TLS), with SSL_REFUSED", async () => {
    const { port } = await peer(Buffer.from('SZ\0\0\0\x05I'))
    const raw = open(port)
    const error = await negotiateSsl(raw, { host: '127.0.0.1', port }, { ssl: 'require' }, 5).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'SSL_REFUSED' })
    expect(mapDatabaseError(error)).toBeInstanceOf(ConnectionError)
    expect(raw.destroyed).toBe(true)
  })

  it("fails with SSL_REFUSED on 'N' for every ssl value but 'prefer'", async () => {
    const { port } = await peer(Buffer.from('N'))
    for (const ssl of ['require', 'allow', 'verify-full', true, { rejectUnauthorized: false }]) {
      const raw = open(port)
      await expect(
        negotiateSsl(raw, { host: '127.0.0.1', port }, { ssl }, 5),
      ).rejects.toMatchObject({ code: 'SSL_REFUSED', address: '127.0.0.1', port })
      expect(raw.destroyed).toBe(true)
    }
  })

  it('fails with CONNECT_TIMEOUT when the server does not answer within the connect timeout', async () => {
    const { port } = await peer(undefined)
    const raw = open(port)
    const error = await negotiateSsl(
      raw,
      { host: '127.0.0.1', port },
      { ssl: 'require' },
      0.05,
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT' })
    expect(mapDatabaseError(error)).toBeInstanceOf(ConnectionError)
    expect(raw.destroyed).toBe(true)
  })
})
