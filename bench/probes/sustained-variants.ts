import type { Contender } from '../contenders'

/** The variants of the sustained S2 probe (`sustained.ts`), by index. */
export const SUSTAINED_VARIANTS = [
  'postgres.js',
  'kysely',
  'drizzle (prepared)',
  'knex',
  'kysely-entities findByUuid',
] as const

/** The contender of each sustained variant. */
export const SUSTAINED_CONTENDER: Readonly<Record<(typeof SUSTAINED_VARIANTS)[number], Contender>> =
  {
    'postgres.js': 'postgres.js',
    kysely: 'kysely',
    'drizzle (prepared)': 'drizzle',
    knex: 'knex',
    'kysely-entities findByUuid': 'kysely-entities',
  }

/** Seconds each variant runs without pause. */
export const SUSTAINED_SECONDS = 6
