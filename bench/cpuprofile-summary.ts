// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and self
// time per package. `tsx bench/cpuprofile-summary.ts file.cpuprofile [--top 25]`
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly hitCount?: number
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
  readonly startTime: number
  readonly endTime: number
}

export interface SelfTime {
  readonly name: string
  readonly where: string
  readonly ms: number
  readonly percent: number
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly functions: readonly SelfTime[]
  readonly packages: readonly SelfTime[]
}

/** Where a script belongs: its npm package, this repository's src/ or bench/, node itself. */
function packageOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith('node:')) return 'node (core)'
  const src = url.indexOf('/src/')
  if (src >= 0) return 'kysely-entities (src)'
  if (url.includes('/bench/')) return 'bench'
  return url
}

const short = (url: string) => {
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const src = url.indexOf('/src/')
  if (src >= 0) return url.slice(src + 1)
  return url.replace(/^file:\/\//, '')
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const functions = new Map<string, { name: string; where: string; us: number }>()
  const packages = new Map<string, number>()
  let total = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!
    const { functionName, url, lineNumber } = node.callFrame
    const name = functionName || '(anonymous)'
    const where = url === '' ? '' : `${short(url)}:${lineNumber + 1}`
    const key = `${name}@${where}`
    const entry = functions.get(key) ?? { name, where, us: 0 }
    entry.us += us
    functions.set(key, entry)
    const pkg = packageOf(url, name)
    packages.set(pkg, (packages.get(pkg) ?? 0) + us)
    total += us
  }
  const pct = (us: number) => Math.round((us / total) * 1000) / 10
  return {
    totalMs: total / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, percent: pct(f.us) })),
    packages: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, where: '', ms: us / 1000, percent: pct(us) })),
  }
}

/** The summary as text; with `ops`, self time per operation too. */
export function formatProfileSummary(summary: ProfileSummary, ops?: number): string {
  const perOp = (ms: number) =>
    ops === undefined ? '' : `  ${((ms * 1000) / ops).toFixed(1).padStart(8)} µs/op`
  const lines = [`total sampled: ${summary.totalMs.toFixed(0)} ms`, '', 'self time by package:']
  for (const p of summary.packages) {
    lines.push(
      `  ${p.percent.toFixed(1).padStart(5)}%  ${p.ms.toFixed(0).padStart(7)} ms${perOp(p.ms)}  ${p.name}`,
    )
  }
  lines.push('', 'top functions by self time:')
  for (const f of summary.functions) {
    lines.push(
      `  ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms${perOp(f.ms)}  ${f.name}  ${f.where}`,
    )
  }
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  })
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    console.log(`${file}\n${formatProfileSummary(summarizeProfile(profile, Number(values.top)))}\n`)
  }
}
