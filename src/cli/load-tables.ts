import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AnyTable } from '../schema/define-table'
import { UsageError } from './usage-error'

const isTable = (value: unknown): value is AnyTable =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { $name?: unknown }).$name === 'string' &&
  typeof (value as { $meta?: unknown }).$meta === 'object'

/**
 * The tables a definitions module exports: each exported table, and the tables inside exported
 * records (such as `containerpubTables`), once each; with `exportName`, only that export. A `.ts` module is loaded through `tsx` when
 * the project has it.
 */
export async function loadTables(modulePath: string, exportName?: string): Promise<AnyTable[]> {
  const path = resolve(modulePath)
  if (!existsSync(path)) throw new UsageError(`definitions module not found: ${modulePath}`)
  if (/\.[mc]?ts$/.test(path)) {
    try {
      const api = (await import('tsx/esm/api' as string)) as { register(): unknown }
      api.register()
    } catch {
      throw new UsageError(
        `${modulePath} is TypeScript: install tsx (npm i -D tsx) or point --tables at compiled JavaScript`,
      )
    }
  }
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  const found = new Map<string, AnyTable>()
  const add = (table: AnyTable) => {
    const other = found.get(table.$name)
    if (other !== undefined && other !== table) {
      throw new UsageError(`${modulePath} exports two definitions of table "${table.$name}"`)
    }
    found.set(table.$name, table)
  }
  let values = Object.values(module)
  if (exportName !== undefined) {
    if (!Object.hasOwn(module, exportName)) {
      throw new UsageError(`${modulePath} has no export named ${JSON.stringify(exportName)}`)
    }
    values = [module[exportName]]
  }
  for (const value of values) {
    if (isTable(value)) add(value)
    else if (typeof value === 'object' && value !== null) {
      for (const inner of Object.values(value)) if (isTable(inner)) add(inner)
    }
  }
  if (found.size === 0) throw new UsageError(`${modulePath} exports no table made by defineTable()`)
  return [...found.values()]
}
