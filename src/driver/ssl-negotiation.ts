import { isIP, type Socket } from 'node:net'
import { type ConnectionOptions, connect as connectTls } from 'node:tls'

/** The SSL settings of a postgres.js client, as postgres.js parsed them (`sql.options`). */
export interface SslSettings {
  /** postgres.js's `ssl`: any truthy value negotiates (`'prefer'` falls back to plain). */
  readonly ssl: unknown
  /** `'direct'`: TLS from the first byte (PostgreSQL 17+), without an SSLRequest. */
  readonly sslnegotiation?: unknown
}

// SSLRequest: length 8, then the code 80877103 (1234 << 16 | 5679).
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
/** The server's answer to an SSLRequest that accepts it: `S`. */
const SSL_ACCEPTED = 0x53

/** postgres.js's values of `ssl` that encrypt without checking the server's certificate. */
const UNVERIFIED = new Set(['require', 'allow', 'prefer'])

const addressOf = (where: {
  readonly host?: string
  readonly port?: number
  readonly path?: string
}) => where.path ?? `${where.host}:${where.port}`

/**
 * The error of a connection that could not be made secure, shaped as postgres.js shapes its own
 * connection errors (`code`, `errno`, `address`, `port`), so that it is reported the same way.
 */
function connectionError(
  code: string,
  explanation: string,
  where: { readonly host?: string; readonly port?: number; readonly path?: string },
): Error {
  return Object.assign(new Error(`${explanation} (${addressOf(where)})`), {
    code,
    errno: code,
    address: where.path ?? where.host,
    ...(where.path === undefined ? { port: where.port } : {}),
  })
}

/**
 * Makes `raw` (a socket connecting to PostgreSQL) secure exactly as postgres.js 3.4 does in its
 * `secure()`: an SSLRequest (unless `sslnegotiation` is `'direct'`), then on the server's `S` a
 * TLS handshake over the same socket, with `servername` the host unless it is an IP address.
 * `ssl` `'require'`, `'allow'` and `'prefer'` encrypt without checking the certificate; `true`,
 * `'verify-full'` (any other truthy value) check it against the system's authorities; an object
 * is given to `tls.connect` as it is. On the server's `N`, `'prefer'` goes on unencrypted (the
 * promise gives back `raw`); every other value fails with a `SSL_REFUSED` connection error
 * (where postgres.js would start TLS anyway and fail with `ECONNRESET`). More bytes than the one
 * answer, before TLS starts, are refused too (`SSL_REFUSED`): they cannot come from the server
 * (CVE-2021-23222). All of it must be over within `connectTimeout` seconds (0: no limit), or it
 * fails with `CONNECT_TIMEOUT`. On failure both sockets are destroyed.
 *
 * @example
 * ```ts
 * const raw = new Socket().connect(5432, 'db.example.com')
 * const secure = await negotiateSsl(raw, { host: 'db.example.com', port: 5432 }, { ssl: 'require' }, 30)
 * // SSLRequest, 'S', TLS handshake: `secure` is a TLSSocket, ready for the startup message
 * ```
 */
export function negotiateSsl(
  raw: Socket,
  where: { readonly host?: string; readonly port?: number; readonly path?: string },
  settings: SslSettings,
  connectTimeout: number,
): Promise<Socket> {
  const { ssl } = settings
  const direct = settings.sslnegotiation === 'direct'
  return new Promise<Socket>((resolve, reject) => {
    let secure: Socket | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const cleanup = () => {
      clearTimeout(timer)
      raw.removeListener('error', fail)
      raw.removeListener('close', closed)
      raw.removeListener('data', answered)
      secure?.removeListener('error', fail)
      secure?.removeListener('secureConnect', done)
    }
    const fail = (error: unknown) => {
      cleanup()
      secure?.destroy()
      raw.destroy()
      reject(error)
    }
    const closed = () =>
      fail(connectionError('CONNECTION_CLOSED', 'The server closed the connection', where))
    const done = () => {
      cleanup()
      resolve(secure ?? raw)
    }
    const upgrade = () => {
      const options: ConnectionOptions = {
        socket: raw,
        servername: where.host === undefined || isIP(where.host) ? undefined : where.host,
      }
      if (direct) options.ALPNProtocols = ['postgresql']
      if (typeof ssl === 'string' && UNVERIFIED.has(ssl)) options.rejectUnauthorized = false
      else if (typeof ssl === 'object' && ssl !== null) Object.assign(options, ssl)
      secure = connectTls(options)
      secure.once('secureConnect', done)
      secure.once('error', fail)
    }
    const answered = (answer: Buffer) => {
      raw.removeListener('data', answered)
      if (answer.length !== 1) {
        return fail(
          connectionError(
            'SSL_REFUSED',
            'The server answered the SSLRequest with more than one byte: refused, as unencrypted data cannot come before TLS',
            where,
          ),
        )
      }
      if (answer[0] === SSL_ACCEPTED) return upgrade()
      if (ssl === 'prefer') return done()
      fail(
        connectionError(
          'SSL_REFUSED',
          "The server does not accept SSL connections (it refused the SSLRequest), and the client's ssl setting requires one",
          where,
        ),
      )
    }
    if (connectTimeout > 0) {
      timer = setTimeout(
        () =>
          fail(
            connectionError(
              'CONNECT_TIMEOUT',
              'The SSL negotiation did not finish within the connect timeout',
              where,
            ),
          ),
        connectTimeout * 1000,
      )
    }
    raw.once('error', fail)
    raw.once('close', closed)
    if (direct) return upgrade()
    raw.on('data', answered)
    raw.write(SSL_REQUEST)
  })
}
