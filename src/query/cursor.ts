import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { columnType } from '../schema/column-types'
import type { Column } from '../schema/define-table'

/** Longest cursor accepted: a cursor holds one value per sort column, never kilobytes. */
const MAX_CURSOR_LENGTH = 4096
const IV_BYTES = 12
const TAG_BYTES = 16

// A synchronous randomBytes(12) costs ~10 µs, half of a cursor: nonces are cut from a block of
// random bytes drawn 1,024 nonces at a time (the same CSPRNG output, each slice used once).
const NONCES_PER_DRAW = 1_024
let nonces = Buffer.alloc(0)
let nonceOffset = 0

/** A fresh random 96-bit GCM nonce, never handed out twice. */
function nextNonce(): Buffer {
  if (nonceOffset + IV_BYTES > nonces.length) {
    nonces = randomBytes(IV_BYTES * NONCES_PER_DRAW)
    nonceOffset = 0
  }
  const nonce = nonces.subarray(nonceOffset, nonceOffset + IV_BYTES)
  nonceOffset += IV_BYTES
  return nonce
}

// JSON cannot hold a Date or a bigint: tag them so they come back as what they were.
function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { d: value.toISOString() }
  if (typeof value === 'bigint') return { b: value.toString() }
  if (value instanceof Uint8Array) return { x: Buffer.from(value).toString('hex') }
  return value
}

function decodeValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = value as { d?: unknown; b?: unknown; x?: unknown }
    if (typeof tagged.d === 'string') return tagged.d
    if (typeof tagged.b === 'string') return tagged.b
    if (typeof tagged.x === 'string') return Buffer.from(tagged.x, 'hex')
  }
  return value
}

/**
 * What a cursor is bound to: the query shape that gives its values their meaning. A cursor made
 * for one shape is refused by every other (another table, other sort columns, the other
 * direction, the other mode), so a hidden value it carries cannot be replayed where a visible
 * column would show it.
 *
 * @example
 * ```ts
 * const shape: CursorShape = { columns: [functions.createdAt, functions.id], direction: 'desc', publicOnly: true }
 * // bound to: functions, (created_at, id), desc, public
 * ```
 */
export interface CursorShape {
  /** The sort columns, in order (the primary key last): their table is bound too. */
  readonly columns: readonly Column[]
  readonly direction: 'asc' | 'desc'
  /** Whether the query was a public one (see `Database.public()`). Default false. */
  readonly publicOnly?: boolean
}

// The authenticated data of a cursor: its shape, unambiguously (JSON of identifiers and words).
function boundText(shape: CursorShape): Buffer {
  const tables = [...new Set(shape.columns.map((c) => c.table))]
  return Buffer.from(
    JSON.stringify([
      'kysely-entities cursor v2',
      tables,
      shape.columns.map((c) => c.name),
      shape.direction,
      shape.publicOnly === true ? 'public' : 'trusted',
    ]),
  )
}

// Every page of a keyset walk binds the same few shapes: their bound data is made once per
// shape (a path of WeakMaps through its frozen columns, then direction and mode), not per cursor.
interface ShapeNode {
  readonly next: WeakMap<Column, ShapeNode>
  readonly data: Map<string, Buffer>
}
const shapes: ShapeNode = { next: new WeakMap(), data: new Map() }

function boundData(shape: CursorShape): Buffer {
  let node = shapes
  for (const column of shape.columns) {
    let child = node.next.get(column)
    if (child === undefined) {
      child = { next: new WeakMap(), data: new Map() }
      node.next.set(column, child)
    }
    node = child
  }
  const mode = shape.publicOnly === true ? `${shape.direction} public` : shape.direction
  let data = node.data.get(mode)
  if (data === undefined) {
    data = boundText(shape)
    node.data.set(mode, data)
  }
  return data
}

/**
 * Keyset cursors as authenticated encryption (AES-256-GCM) of the last row's sort values. A
 * cursor goes to clients, and its values include the primary key: encrypted, it reveals no
 * internal id; authenticated, it cannot be forged or altered. Its {@link CursorShape} (table,
 * sort columns, direction, public or not) is the cipher's authenticated data: a cursor is valid
 * only for the query shape that issued it. The key is derived from a secret; without one it is
 * random, so cursors are valid only for this codec (this Database, this process): give every
 * process serving one API the same `cursorSecret`.
 *
 * @example
 * ```ts
 * const cursors = new CursorCodec(process.env.CURSOR_SECRET)
 * const shape = { columns: [functions.createdAt, functions.id], direction: 'desc' } as const
 * const token = cursors.encode([new Date(), 42], shape)  // 'q3vV…' (opaque, different every time)
 * cursors.decode(token, shape) // [Date string, 42]
 * cursors.decode(token, { ...shape, direction: 'asc' }) // throws InvalidQueryError: after: invalid cursor: ...
 * ```
 */
export class CursorCodec {
  readonly #key: Buffer

  constructor(secret?: string | Uint8Array) {
    if (
      secret !== undefined &&
      (secret.length === 0 || (typeof secret !== 'string' && !(secret instanceof Uint8Array)))
    ) {
      throw new InvalidQueryError('cursorSecret', 'expected a non-empty string or bytes')
    }
    // A domain-separated hash: the same secret used elsewhere never yields this key.
    this.#key =
      secret === undefined
        ? randomBytes(32)
        : createHash('sha256').update('kysely-entities cursor v1\0').update(secret).digest()
  }

  /** An opaque cursor for these sort values, valid only for a query of this shape. */
  encode(values: readonly unknown[], shape: CursorShape): string {
    const iv = nextNonce()
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(boundData(shape))
    const plain = Buffer.from(JSON.stringify(values.map(encodeValue)))
    // GCM is a stream cipher: update() returns the whole body and final() nothing more.
    const body = cipher.update(plain)
    cipher.final()
    const out = Buffer.allocUnsafe(IV_BYTES + TAG_BYTES + body.length)
    iv.copy(out, 0)
    cipher.getAuthTag().copy(out, IV_BYTES)
    body.copy(out, IV_BYTES + TAG_BYTES)
    return out.toString('base64url')
  }

  /**
   * The sort values of a cursor made by {@link encode} for this shape, each validated against its
   * column before it is bound. Anything else (not a string, too long, not made with this key,
   * altered, made for another table, ordering, direction or mode) is an {@link InvalidQueryError}
   * at `path`.
   */
  decode(cursor: unknown, shape: CursorShape, path = 'after'): unknown[] {
    const columns = shape.columns
    const invalid = (why: string) => new InvalidQueryError(path, `invalid cursor: ${why}`)
    if (typeof cursor !== 'string') throw invalid('expected a string')
    if (
      cursor.length === 0 ||
      cursor.length > MAX_CURSOR_LENGTH ||
      !/^[A-Za-z0-9_-]+$/.test(cursor)
    ) {
      throw invalid('not a cursor of this API')
    }
    const bytes = Buffer.from(cursor, 'base64url')
    if (bytes.length <= IV_BYTES + TAG_BYTES) throw invalid('not a cursor of this API')
    let parsed: unknown
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES))
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      decipher.setAAD(boundData(shape))
      const plain = decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES))
      // final() checks the tag: nothing of the body is read before it has passed.
      decipher.final()
      parsed = JSON.parse(plain.toString('utf8'))
    } catch {
      throw invalid('not a cursor of this query (made for another one, or altered)')
    }
    if (!Array.isArray(parsed) || parsed.length !== columns.length) {
      throw invalid('it does not match this ordering')
    }
    return columns.map((column, i) => {
      const raw = decodeValue(parsed[i])
      // The column's own schema, built once with the table: null only where the column allows it.
      const result = column.schema.safeParse(raw)
      if (!result.success) throw invalid('it does not match this ordering')
      // A valid timestamp string is bound as it is: PostgreSQL reads its microseconds exactly.
      return columnType(column.kind).exactText && typeof raw === 'string' ? raw : result.data
    })
  }
}
