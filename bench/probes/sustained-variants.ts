/** The variants of the sustained S2 probe (`sustained.ts`), by index. */
export const SUSTAINED_VARIANTS = [
  'postgres.js',
  'kysely',
  'drizzle (prepared)',
  'knex',
  'kysely-entities findByUuid',
] as const

/** Seconds each variant runs without pause. */
export const SUSTAINED_SECONDS = 6
