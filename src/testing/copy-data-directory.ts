import type { Dirent } from 'node:fs'
import { chown, copyFile, lchown, mkdir, readdir, readlink, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { ServerUser } from './server-user'

// What pg_basebackup leaves out of a base backup: files of the running server, and folders whose
// contents the standby rebuilds (the WAL comes from the slot, the rest is reset at start).
const SKIPPED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label.old',
  'tablespace_map.old',
  'pg_internal.init',
  'postgresql.auto.conf.tmp',
  'current_logfiles',
  'current_logfiles.tmp',
])
const EMPTIED_FOLDERS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
])

const gone = (error: unknown) => (error as { code?: string }).code === 'ENOENT'

/**
 * Copies a running cluster's data directory for a low-level base backup (between
 * `pg_backup_start` and `pg_backup_stop`): folders mode 0700, files as they are, owned by `user`
 * when given. Files that vanish while it copies (the server removes temporary files) are left
 * out, as pg_basebackup does; so are the server's own pid files, and the contents of `pg_wal/`
 * and `pg_replslot/` (the standby's replication slot keeps the WAL it needs on the primary).
 *
 * @example
 * ```ts
 * await copyDataDirectory('/tmp/pg/data', '/tmp/standby/data', { uid: 999, gid: 999 })
 * ```
 */
export async function copyDataDirectory(
  from: string,
  to: string,
  user: ServerUser | undefined,
  depth = 0,
): Promise<void> {
  await mkdir(to, { mode: 0o700 })
  if (user !== undefined) await chown(to, user.uid, user.gid)
  let entries: Dirent[]
  try {
    entries = await readdir(from, { withFileTypes: true })
  } catch (error) {
    if (gone(error)) return
    throw error
  }
  for (const entry of entries) {
    if (depth === 0 && SKIPPED_FILES.has(entry.name)) continue
    if (entry.name === 'pg_internal.init' || entry.name.startsWith('pgsql_tmp')) continue
    const source = join(from, entry.name)
    const target = join(to, entry.name)
    try {
      if (entry.isDirectory()) {
        if (depth === 0 && EMPTIED_FOLDERS.has(entry.name)) {
          await mkdir(target, { mode: 0o700 })
          if (user !== undefined) await chown(target, user.uid, user.gid)
        } else {
          await copyDataDirectory(source, target, user, depth + 1)
        }
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(source), target)
        if (user !== undefined) await lchown(target, user.uid, user.gid)
      } else if (entry.isFile()) {
        await copyFile(source, target)
        if (user !== undefined) await chown(target, user.uid, user.gid)
      }
    } catch (error) {
      if (!gone(error)) throw error
    }
  }
}
