import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AnyTable } from '../schema/define-table'
import { UsageError } from './usage-error'

const isTable = (value: unknown): value is AnyTable =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { $name?: unknown }).$name === 'string' &&
  typeof (value as { $meta?: unknown }).$meta === 'object'

let tsxRegistered = false

/**
 * Registers the TypeScript loader of the user's project: `tsx`, resolved from the definitions
 * module's folder, never bundled with this package (it is not a dependency of it).
 */
async function registerTsx(path: string, modulePath: string): Promise<void> {
  if (tsxRegistered) return
  let manifest: string
  try {
    manifest = createRequire(path).resolve('tsx/package.json')
  } catch {
    throw new UsageError(
      `${modulePath} is TypeScript: install tsx in your project (npm i -D tsx) or point --tables at compiled JavaScript`,
    )
  }
  // The ES-module build of tsx's API, as its "exports" map names it for `import` (require.resolve
  // would pick the CommonJS build, whose register() cannot find its loader from an ES module).
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } | string } | string>
  }
  const entry = exports?.['./esm/api']
  const file = typeof entry === 'object' ? entry.import : undefined
  const target = typeof file === 'object' ? file.default : file
  if (target === undefined) {
    throw new UsageError(`the tsx installed next to ${modulePath} has no ES-module API: use tsx 4`)
  }
  const api = pathToFileURL(resolve(dirname(manifest), target)).href
  const { register } = (await import(api)) as { register(): unknown }
  register()
  tsxRegistered = true
}

/**
 * The tables a definitions module exports: each exported table, and the tables inside exported
 * records (such as `containerpubTables`), once each; with `exportName`, only that export. A `.ts` module is loaded through the
 * `tsx` of the project it is in.
 */
export async function loadTables(modulePath: string, exportName?: string): Promise<AnyTable[]> {
  const path = resolve(modulePath)
  if (!existsSync(path)) throw new UsageError(`definitions module not found: ${modulePath}`)
  if (/\.[mc]?ts$/.test(path)) await registerTsx(path, modulePath)
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
