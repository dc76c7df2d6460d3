import type { AnyTable, Column } from '../schema/define-table'
import { quoteIdentifier } from '../schema/naming'

/**
 * The fixed-shape statements of a table, built once per table on first use and reused for every
 * call: no per-call string building where the shape does not change, and one prepared statement
 * text per shape.
 */
export interface TableStatements {
  /** `SELECT <all columns> FROM "t" WHERE "<pk>" = $1 [AND "<soft>" IS NULL]` */
  readonly selectById: string | undefined
  readonly selectByIdWithDeleted: string | undefined
  /** The same by the public id (`uuid`). */
  readonly selectByPublicId: string | undefined
  readonly selectByPublicIdWithDeleted: string | undefined
  /** `DELETE FROM "t" WHERE "<pk>" = $1`, or the soft delete UPDATE. */
  readonly deleteById: string | undefined
  /** `DELETE FROM "t" WHERE "<pk>" = $1`, even on a soft-delete table. */
  readonly forceDeleteById: string | undefined
  /** `UPDATE "t" SET "<soft>" = NULL WHERE "<pk>" = $1 AND "<soft>" IS NOT NULL`. */
  readonly restoreById: string | undefined
  /** `SELECT EXISTS (SELECT 1 FROM "t" WHERE "<pk>" = $1 [AND ...]) AS "exists"` */
  readonly existsById: string | undefined
  /** `SELECT count(*) AS "count" FROM "t" [WHERE "<soft>" IS NULL]` */
  readonly countAll: string
  readonly countAllWithDeleted: string
  /** The single-column primary key, when there is one. */
  readonly primaryKey: Column | undefined
}

const CACHE = new WeakMap<AnyTable, TableStatements>()

/** The fixed statements of `table`, computed on first use and cached for the table's lifetime. */
export function tableStatements(table: AnyTable): TableStatements {
  const cached = CACHE.get(table)
  if (cached !== undefined) return cached
  const meta = table.$meta
  const q = quoteIdentifier
  const from = `SELECT ${meta.selectList} FROM ${meta.quotedName} WHERE `
  const live = meta.softDelete === undefined ? '' : ` AND ${q(meta.softDelete.name)} IS NULL`
  const pk = meta.primaryKey.length === 1 ? meta.primaryKey[0] : undefined
  const pub = meta.publicId
  const soft = meta.softDelete
  const byPk = pk === undefined ? undefined : `${q(pk.name)} = $1`
  const statements: TableStatements = Object.freeze({
    selectById: byPk && `${from}${byPk}${live}`,
    selectByIdWithDeleted: byPk && `${from}${byPk}`,
    selectByPublicId: pub && `${from}${q(pub.name)} = $1${live}`,
    selectByPublicIdWithDeleted: pub && `${from}${q(pub.name)} = $1`,
    deleteById:
      byPk &&
      (soft === undefined
        ? `DELETE FROM ${meta.quotedName} WHERE ${byPk}`
        : `UPDATE ${meta.quotedName} SET ${q(soft.name)} = CURRENT_TIMESTAMP WHERE ${byPk}${live}`),
    forceDeleteById: byPk && `DELETE FROM ${meta.quotedName} WHERE ${byPk}`,
    restoreById:
      byPk &&
      soft &&
      `UPDATE ${meta.quotedName} SET ${q(soft.name)} = NULL WHERE ${byPk} AND ${q(soft.name)} IS NOT NULL`,
    existsById:
      byPk && `SELECT EXISTS (SELECT 1 FROM ${meta.quotedName} WHERE ${byPk}${live}) AS "exists"`,
    countAll: `SELECT count(*) AS "count" FROM ${meta.quotedName}${soft === undefined ? '' : ` WHERE ${q(soft.name)} IS NULL`}`,
    countAllWithDeleted: `SELECT count(*) AS "count" FROM ${meta.quotedName}`,
    primaryKey: pk,
  })
  CACHE.set(table, statements)
  return statements
}
