import type { WhereText } from './where-compiler'

/** Most statements a {@link StatementCache} keeps by default (twice this, at most, for a moment). */
export const STATEMENT_CACHE_SIZE = 256

/** Longest key a {@link StatementCache} stores by default: longer shapes are rebuilt each time. */
export const STATEMENT_CACHE_KEY_LENGTH = 4096

/**
 * A bounded cache of SQL text by statement shape, least recently used first out (two
 * generations: a hit in the old one moves the entry to the new one; a full new generation
 * replaces the old one). Keys are built by the library from validated names and operators,
 * never from values, so the cache holds one text per shape; its bounds keep inputs that try
 * shape after shape (hostile or not) from growing it: at most `2 × maxSize` entries, none with a
 * key longer than `maxKeyLength`.
 *
 * @example
 * ```ts
 * const cache = new StatementCache()
 * const text = cache.get(key) ?? cache.set(key, build())
 * ```
 */
export class StatementCache {
  readonly #maxSize: number
  readonly #maxKeyLength: number
  #recent = new Map<string, string>()
  #old = new Map<string, string>()

  constructor(maxSize = STATEMENT_CACHE_SIZE, maxKeyLength = STATEMENT_CACHE_KEY_LENGTH) {
    this.#maxSize = maxSize
    this.#maxKeyLength = maxKeyLength
  }

  /** How many statements are held (both generations). */
  get size(): number {
    return this.#recent.size + this.#old.size
  }

  /** The text cached for `key`, or `undefined`. */
  get(key: string): string | undefined {
    const text = this.#recent.get(key)
    if (text !== undefined) return text
    const old = this.#old.get(key)
    if (old !== undefined) {
      this.#old.delete(key)
      this.#add(key, old)
    }
    return old
  }

  /** Caches `text` for `key` (unless the key is too long to keep) and returns it. */
  set(key: string, text: string): string {
    if (key.length <= this.#maxKeyLength) this.#add(key, text)
    return text
  }

  #add(key: string, text: string): void {
    this.#recent.set(key, text)
    if (this.#recent.size >= this.#maxSize) {
      this.#old = this.#recent
      this.#recent = new Map()
    }
  }
}

/**
 * A cache key: the statement's own part (a letter, flags, definition names, directions), then a
 * newline and the where text. Neither part holds a newline, so two keys are equal only for equal
 * shapes; and no part comes from a value.
 *
 * @example shapeKey('S+l-', { shape: '"user_id" = ?', values: [7] }) // 'S+l-\n"user_id" = ?'
 */
export function shapeKey(prefix: string, where: WhereText | undefined): string {
  return where === undefined ? prefix : `${prefix}\n${where.shape}`
}
