/**
 * A small seeded PRNG (mulberry32): the data set and every input list of the benchmark come from
 * fixed seeds, so two runs load the same rows and ask the same questions.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, max). */
  int(max: number): number
  /** A random element of `items`. */
  pick<T>(items: readonly T[]): T
  /** A version 4 uuid, from this generator (not crypto). */
  uuid(): string
  /** The items in a random order (a new array). */
  shuffle<T>(items: readonly T[]): T[]
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  const next = () => u32() / 4294967296
  const int = (max: number) => Math.floor(next() * max)
  return {
    next,
    int,
    pick: (items) => items[int(items.length)]!,
    uuid() {
      const b: number[] = []
      for (let i = 0; i < 4; i++) {
        const w = u32()
        b.push(w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255)
      }
      b[6] = (b[6]! & 0x0f) | 0x40
      b[8] = (b[8]! & 0x3f) | 0x80
      const h = b.map((x) => HEX[x]!)
      return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`
    },
    shuffle(items) {
      const out = items.slice()
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1)
        const tmp = out[i]!
        out[i] = out[j]!
        out[j] = tmp
      }
      return out
    },
  }
}
