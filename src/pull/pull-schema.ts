import { type CatalogExecutor, readCatalog } from '../drift/catalog'
import { InvalidQueryError } from '../errors/kysely-entities-error'
import { generateSource, type PullResult } from './generate-source'
import { readPullExtras } from './pull-extras'

export type { PullResult, PullSkipped } from './generate-source'

/** Options of {@link pullSchema}. */
export interface PullOptions {
  /** The schema to read. Default `public`. */
  readonly schema?: string
  /** The module the generated file imports `c` and `defineTable` from. Default `kysely-entities`. */
  readonly module?: string
}

// A module specifier as a user writes one: a package name, a subpath or a relative path.
const MODULE_RE = /^[A-Za-z0-9@._/-]+$/

/**
 * Reads an existing database and writes its table definitions: the source of a TypeScript module
 * of `defineTable` calls (every supported column kind, NOT NULL, defaults, primary, unique and
 * foreign keys with their actions, enums from `CHECK (x IN (...))`, other checks, indexes in full
 * shape, `onUpdateNow()` from `updated_at` triggers, soft delete, the public id, and relations:
 * belongsTo, hasMany/hasOne and manyToMany through junction tables). What has no definition (a
 * type the package does not support, an expression index, a view, another trigger) is listed in
 * `skipped` and as a `// Not pulled:` comment; a column whose name suggests a secret carries a
 * comment asking for `.secret()`. `generateDDL` of the module's tables creates a database the
 * drift check finds identical to the one read (for what was pulled). Reads the catalog in six
 * queries. A bad option, or a schema that does not exist, is an {@link InvalidQueryError}.
 *
 * @example
 * ```ts
 * const { source, skipped } = await pullSchema(db)
 * await writeFile('src/tables.ts', source)
 * // CREATE TABLE users (id serial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, ...)
 * // becomes:
 * // export const users = defineTable("users", {
 * //   id: c.serial().primaryKey(),
 * //   email: c.varchar(255).notNull().unique(),
 * // })
 * ```
 */
export async function pullSchema(
  db: CatalogExecutor,
  options: PullOptions = {},
): Promise<PullResult> {
  const schema = options.schema ?? 'public'
  if (typeof schema !== 'string' || schema === '' || schema.includes('\u0000')) {
    throw new InvalidQueryError('schema', 'must be a non-empty schema name')
  }
  const module = options.module ?? 'kysely-entities'
  if (typeof module !== 'string' || !MODULE_RE.test(module)) {
    throw new InvalidQueryError('module', 'must be a module specifier (letters, digits, @ . _ / -)')
  }
  // A schema that does not exist would pull as an empty module: a typo, said as one.
  const found = await db.raw('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = @schema', {
    schema,
  })
  if (found.length === 0) throw new InvalidQueryError('schema', 'no such schema in the database')
  const catalog = await readCatalog(db, { schema })
  const extras = await readPullExtras(db, schema, catalog)
  return generateSource(catalog, extras, { module })
}
