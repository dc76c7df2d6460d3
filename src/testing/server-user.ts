import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { copyFile, link, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises'
import { join, parse, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import type { EmbeddedBinaries } from './embedded-binaries'
import { PostgresStartError } from './postgres-start-error'

const run = promisify(execFile)

/** The OS user the server runs as when the process is root (PostgreSQL refuses to run as root). */
export interface ServerUser {
  readonly uid: number
  readonly gid: number
}

/** True when this process runs as root, where the server needs an unprivileged user. */
export function isRoot(): boolean {
  return process.getuid?.() === 0
}

async function lookUp(name: string): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])])
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) }
  } catch {
    return undefined
  }
}

/** The `postgres` OS user, created (with its group) when it does not exist yet. */
export async function serverUser(): Promise<ServerUser> {
  const existing = await lookUp('postgres')
  if (existing !== undefined) return existing
  try {
    await run('groupadd', ['-f', 'postgres'])
    await run('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'])
  } catch (cause) {
    throw new PostgresStartError(
      'This process runs as root and PostgreSQL refuses to run as root, so the server runs as the ' +
        '"postgres" OS user; that user does not exist and could not be created (groupadd/useradd ' +
        'failed). Create it (useradd postgres), run as another user, or set DATABASE_URL.',
      { cause },
    )
  }
  const created = await lookUp('postgres')
  if (created === undefined) {
    throw new PostgresStartError(
      'The "postgres" OS user was created but `id postgres` cannot find it',
    )
  }
  return created
}

// What `user` may do with a file of this mode and owner: read, write, execute (search for folders).
function allowed(
  info: { mode: number; uid: number; gid: number },
  user: ServerUser,
  bits: 'r' | 'x',
): boolean {
  const [u, g, o] =
    bits === 'r'
      ? [constants.S_IRUSR, constants.S_IRGRP, constants.S_IROTH]
      : [constants.S_IXUSR, constants.S_IXGRP, constants.S_IXOTH]
  if (info.uid === user.uid) return (info.mode & u) !== 0
  if (info.gid === user.gid) return (info.mode & g) !== 0
  return (info.mode & o) !== 0
}

/**
 * Whether `user` can reach `path`: search permission on every folder from `/` down to it (and on
 * `path` itself). Conservative: supplementary groups are not counted.
 */
export async function reachable(path: string, user: ServerUser): Promise<boolean> {
  const absolute = resolve(path)
  const { root } = parse(absolute)
  const parts = absolute
    .slice(root.length)
    .split(sep)
    .filter((p) => p !== '')
  let at = root
  for (const part of ['', ...parts]) {
    at = part === '' ? at : join(at, part)
    const info = await stat(at).catch(() => undefined)
    if (info === undefined || !info.isDirectory() || !allowed(info, user, 'x')) return false
  }
  return true
}

/**
 * The binaries as `user` can run them: where they are, when every folder above them is searchable
 * by `user` and the programs are executable; else a copy under `into` (hard links where the file
 * system allows, else copies), made for this server and removed with it. A root user's private
 * home (mode 0700, like `/root`) holds the project's node_modules in the common case.
 */
export async function binariesFor(
  binaries: EmbeddedBinaries,
  user: ServerUser,
  into: string,
): Promise<EmbeddedBinaries> {
  const programs = await Promise.all([stat(binaries.initdb), stat(binaries.postgres)])
  const runnable = programs.every((p) => allowed(p, user, 'x') && allowed(p, user, 'r'))
  if (runnable && (await reachable(join(binaries.root, 'lib'), user))) {
    if (await reachable(join(binaries.root, 'bin'), user)) return binaries
  }
  const root = join(into, 'native')
  await mirror(binaries.root, root)
  return {
    root,
    initdb: join(root, 'bin', binaries.initdb.slice(join(binaries.root, 'bin').length + 1)),
    postgres: join(root, 'bin', binaries.postgres.slice(join(binaries.root, 'bin').length + 1)),
    version: binaries.version,
  }
}

// A copy of a folder tree whose folders and files anyone may read: links kept as links.
async function mirror(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 })
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name)
    const target = join(to, entry.name)
    if (entry.isDirectory()) await mirror(source, target)
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target)
    else await link(source, target).catch(() => copyFile(source, target))
  }
}

/** The first of `candidates` that `user` can reach, for the server's temporary directory. */
export async function reachableBase(
  candidates: readonly string[],
  user: ServerUser,
): Promise<string> {
  for (const candidate of candidates) {
    if (await reachable(candidate, user)) return candidate
  }
  throw new PostgresStartError(
    `This process runs as root, so the server runs as the "postgres" OS user (uid ${user.uid}), ` +
      `and none of these folders can be reached by it: ${candidates.join(', ')}. Point TMPDIR at ` +
      'a folder every user can search (mode 0755 or 1777 on it and every folder above it).',
  )
}
