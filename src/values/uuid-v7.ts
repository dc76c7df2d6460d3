import { randomFillSync } from 'node:crypto'

// Random bytes are cut from a block drawn 256 uuids at a time (each slice used once): a
// synchronous draw per uuid would cost more than the rest of the uuid.
const RANDOM_BYTES = 8
const PER_DRAW = 256
const pool = Buffer.alloc(RANDOM_BYTES * PER_DRAW)
let poolOffset = pool.length

let lastMs = -1
let counter = 0

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * A version 7 uuid made in this process (RFC 9562): 48 bits of Unix time in milliseconds, the
 * version (7), a 12-bit counter (`rand_a`, started at a random value below 2,048 each millisecond
 * and incremented within it), the variant (`10`) and 62 random bits from `node:crypto`. Uuids
 * made by one process sort in the order they were made, within a millisecond too; if the clock
 * goes back, or 2,048 or more are made in one millisecond, the time field runs ahead of the clock
 * rather than going back. For ids needed before an insert is sent (`batchInsert` rows that refer
 * to each other); a `defaultRandom({ version: 7 })` column gets one from the server otherwise.
 *
 * @example
 * ```ts
 * const id = randomUuidV7() // '01964f3c-8a2b-7c41-9d3e-5b6a7c8d9e0f'
 * await logs.batchInsert([{ uuid: id, message: 'started' }])
 * // insert into "logs" ("uuid", "message") select * from unnest($1::uuid[], $2::text[]) ...
 * ```
 */
export function randomUuidV7(): string {
  const now = Date.now()
  if (now > lastMs) {
    lastMs = now
    const seed = nextRandom()
    counter = seed[0]! | ((seed[1]! & 0x07) << 8)
  } else if (++counter > 0xfff) {
    lastMs++
    counter = 0
  }
  const random = nextRandom()
  const ms = lastMs
  const high = Math.floor(ms / 0x1_0000_0000)
  const low = ms >>> 0
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    '-' +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    '-' +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
    '-' +
    HEX[0x80 | (random[0]! & 0x3f)]! +
    HEX[random[1]!]! +
    '-' +
    HEX[random[2]!]! +
    HEX[random[3]!]! +
    HEX[random[4]!]! +
    HEX[random[5]!]! +
    HEX[random[6]!]! +
    HEX[random[7]!]!
  )
}

/** Eight fresh random bytes (a view of the pool: read before the next call). */
function nextRandom(): Buffer {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const bytes = pool.subarray(poolOffset, poolOffset + RANDOM_BYTES)
  poolOffset += RANDOM_BYTES
  return bytes
}
