import { watchdog } from './cleanup-watchdog'
import { buildPostgresImage } from './postgres-image'
import { PostgresStartError } from './postgres-start-error'

/** What the container provider needs from startPostgres's options. */
export interface ContainerOptions {
  /** The image; default: the local image {@link buildPostgresImage} builds (built when missing). */
  readonly image: string | undefined
  /** Extra `-c name=value` settings, given to the container's `postgres` command. */
  readonly settings?: Readonly<Record<string, string | number>> | undefined
  /** Called with each line the container logs. */
  readonly onLog?: ((line: string) => void) | undefined
}

/** A started container: its URL, and `stop()`, which removes it. */
export interface ContainerPostgres {
  readonly url: string
  stop(): Promise<void>
}

type PostgresModule = typeof import('@testcontainers/postgresql')

// Settings for a throwaway test server, as the embedded one has; the container listens on all of
// its interfaces (the entrypoint says so) and keeps its socket inside.
const CONTAINER_SETTINGS: Readonly<Record<string, string | number>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: 300,
  TimeZone: 'UTC',
}
/** Bound on the whole start (image pull included), so that a stuck daemon fails instead of hanging. */
const START_DEADLINE_MS = 120_000
const STOP_DEADLINE_MS = 60_000
const PASSWORD = 'postgres'

// Removes the container when this process ends without stop() (Ryuk, Testcontainers' own reaper,
// is often disabled where no registry is reachable, since its image cannot be pulled).
const REMOVE_SCRIPT = `read _ignored
docker rm -f -v "$1" >/dev/null 2>&1`

async function loadTestcontainers(): Promise<PostgresModule> {
  try {
    return await import('@testcontainers/postgresql')
  } catch (cause) {
    throw new PostgresStartError(
      "startPostgres({ provider: 'testcontainers' }) needs the optional package " +
        '@testcontainers/postgresql, which cannot be loaded: `npm install -D @testcontainers/postgresql@11` ' +
        '(version 12 needs Node >= 22.22), or use the embedded provider (the default).',
      { cause },
    )
  }
}

function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  late: (value: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      work.then(late, () => {})
      reject(new Error(`${what} took longer than ${ms} ms`))
    }, ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

function explain(cause: unknown, image: string): string {
  const said = cause instanceof Error ? cause.message : String(cause)
  const hints: string[] = []
  if (/ryuk/i.test(said)) {
    hints.push(
      "Testcontainers' reaper (Ryuk) could not start: without a registry, set TESTCONTAINERS_RYUK_DISABLED=true",
    )
  }
  if (/pull|manifest|not found|no such image/i.test(said)) {
    hints.push(
      `the image ${image} is not on this machine and could not be pulled: build one with buildPostgresImage() from kysely-entities/testing`,
    )
  }
  if (/ENOENT|ECONNREFUSED|docker\.sock|runtime strategy/i.test(said)) {
    hints.push('is Docker running? (docker info)')
  }
  return [said.split('\n')[0], ...hints].join('; ')
}

/**
 * Starts PostgreSQL in a Docker container with `@testcontainers/postgresql` (loaded only now: it
 * is an optional peer dependency). The URL is the `postgres` database as the `postgres`
 * superuser, on the port Docker mapped. `stop()` removes the container and its volumes; a
 * process that ends without calling it has the container removed by a watcher.
 *
 * @internal
 */
export async function startContainerPostgres(
  options: ContainerOptions,
): Promise<ContainerPostgres> {
  const { PostgreSqlContainer } = await loadTestcontainers()
  const image = options.image ?? (await buildPostgresImage()).image
  const settings = { ...CONTAINER_SETTINGS, ...options.settings }
  let container = new PostgreSqlContainer(image)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword(PASSWORD)
    .withCommand(['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])])
    .withStartupTimeout(START_DEADLINE_MS)
  const onLog = options.onLog
  if (onLog !== undefined) {
    container = container.withLogConsumer((stream) => {
      stream.on('data', (line: unknown) => onLog(String(line).trimEnd()))
    })
  }
  type Started = Awaited<ReturnType<typeof container.start>>
  let started: Started
  try {
    started = await withDeadline(
      container.start(),
      START_DEADLINE_MS,
      `Starting a container of ${image}`,
      (late) => void late.stop({ remove: true, removeVolumes: true }).catch(() => {}),
    )
  } catch (cause) {
    throw new PostgresStartError(
      `PostgreSQL in a container of ${image} failed to start: ${explain(cause, image)}`,
      { cause },
    )
  }
  const guard = watchdog(REMOVE_SCRIPT, [started.getId()])
  const url = new URL('postgres://')
  url.hostname = started.getHost()
  url.port = String(started.getPort())
  url.username = 'postgres'
  url.password = PASSWORD
  url.pathname = '/postgres'
  let stopping: Promise<void> | undefined
  return {
    url: url.toString(),
    stop: () => {
      stopping ??= (async () => {
        try {
          await withDeadline(
            started.stop({ remove: true, removeVolumes: true }),
            STOP_DEADLINE_MS,
            'Removing the container',
            () => {},
          )
        } catch (cause) {
          stopping = undefined
          throw new PostgresStartError(
            `Could not remove the container ${started.getId().slice(0, 12)}: ${explain(cause, image)}. It is removed when this process exits`,
            { cause },
          )
        }
        guard.disarm()
      })()
      return stopping
    },
  }
}
