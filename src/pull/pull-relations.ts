import type { CatalogConstraint } from '../drift/catalog'
import { COLUMN_TYPES } from '../schema/column-types'
import { camelCase } from '../schema/naming'
import type { Link, PulledColumn, PulledTable } from './pulled-table'
import { tsString, uniqueName } from './source-text'

const capitalize = (text: string) => `${text.slice(0, 1).toUpperCase()}${text.slice(1)}`

/** Whether `link`'s column is a key of its table on its own (so the inverse is a hasOne). */
function singleKey(link: Link, constraints: readonly CatalogConstraint[]): boolean {
  const name = link.column.live.name
  return constraints.some(
    (c) =>
      c.table === link.from.live.name &&
      (c.kind === 'unique' || c.kind === 'primary_key') &&
      c.columns.length === 1 &&
      c.columns[0] === name,
  )
}

/** `{ references: 'uuid' }` when a key is not its table's primary key. */
function keyOption(table: PulledTable, key: PulledColumn, option: string): string | undefined {
  const pk = table.primaryKey
  return pk.length === 1 && pk[0] === key.live.name
    ? undefined
    : `${option}: ${tsString(key.property)}`
}

/**
 * @internal
 * The relations foreign keys imply: belongsTo on the referencing table, hasMany (hasOne when the
 * key is unique) on the referenced one, and manyToMany through junction tables (exactly two
 * foreign keys, besides which only an internal id and times).
 */
export function addRelations(
  tables: ReadonlyMap<string, PulledTable>,
  links: readonly Link[],
  constraints: readonly CatalogConstraint[],
): void {
  // Each relation with the names it may take, in order; manyToMany ones choose first, so that
  // `organizations` on users is the organizations a user is a member of, and the ones it owns
  // (`organizations.owner_id`) are `organizationsAsOwner`.
  const entries: { table: PulledTable; names: string[]; code: string; name?: string }[] = []
  const first: typeof entries = []
  for (const link of links) {
    const { from, column, to, target } = link
    const property = column.property
    const stripped = property.replace(/(Id|Uuid)$/, '')
    const singular = camelCase(to.live.name).replace(/s$/, '')
    const refs = keyOption(to, target, 'references')
    const rest = refs === undefined ? '' : `, { ${refs} }`
    entries.push({
      table: from,
      names: [
        stripped !== property && stripped !== ''
          ? stripped
          : property.startsWith(singular) && singular !== property
            ? singular
            : `${property}Ref`,
      ],
      code: `r.belongsTo(${tsString(to.live.name)}, ${tsString(property)}${rest})`,
    })
    const base = camelCase(from.live.name)
    const qualified = `${base}As${capitalize(stripped === '' ? property : stripped)}`
    const siblings = links.filter((l) => l.from === from && l.to === to).length
    entries.push({
      table: to,
      names: from === to ? ['children', qualified] : siblings > 1 ? [qualified] : [base, qualified],
      code: `r.${singleKey(link, constraints) ? 'hasOne' : 'hasMany'}(${tsString(from.live.name)}, ${tsString(property)}${rest})`,
    })
  }
  for (const junction of tables.values()) {
    const own = links.filter((l) => l.from === junction)
    if (own.length !== 2) continue
    const keyed = new Set(own.map((l) => l.column))
    const plain = junction.columns.every((c) => {
      if (keyed.has(c)) return true
      if (c.kind === undefined) return false
      const type = COLUMN_TYPES[c.kind]
      return type.serial || (type.clock !== 'none' && c.code?.includes('.references(') === false)
    })
    if (!plain || junction.columns.some((c) => c.code === undefined)) continue
    for (const [a, b] of [
      [own[0]!, own[1]!],
      [own[1]!, own[0]!],
    ] as const) {
      const options = [
        `through: ${tsString(junction.live.name)}`,
        `foreignKey: ${tsString(a.column.property)}`,
        `otherKey: ${tsString(b.column.property)}`,
      ]
      const references = keyOption(a.to, a.target, 'references')
      const targetKey = keyOption(b.to, b.target, 'targetKey')
      if (references !== undefined) options.push(references)
      if (targetKey !== undefined) options.push(targetKey)
      const entry = {
        table: a.to,
        names: [camelCase(b.to.live.name)],
        code: `r.manyToMany(${tsString(b.to.live.name)}, { ${options.join(', ')} })`,
      }
      entries.push(entry)
      first.push(entry)
    }
  }
  for (const entry of [...first, ...entries]) {
    if (entry.name !== undefined) continue
    const used = entry.table.relationNames
    const free = entry.names.find((n) => !used.has(n))
    entry.name = free === undefined ? uniqueName(entry.names[0]!, used) : uniqueName(free, used)
  }
  for (const entry of entries) entry.table.relations.push(`${entry.name}: ${entry.code}`)
}
