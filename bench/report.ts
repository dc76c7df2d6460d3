import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CONTENDER_STACK, CONTENDERS, type Contender } from './contenders'
import type { DataSize } from './data'
import type { VariantResult } from './measure'
import type { CaseResult, ScenarioResult } from './scenario'
import type { MemoryResult } from './scenarios-write'
import { formatMs, formatRate, formatRatio } from './stats'

/** The machine and versions a run was measured on. */
export interface RunMeta {
  readonly date: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGb: number
  readonly platform: string
  readonly node: string
  readonly postgres: string
  readonly server: string
  readonly libraries: Readonly<Record<string, string>>
  /** 1-minute load average at the start and at the end of the run (other processes included). */
  readonly loadAverage: readonly [number, number]
  /** The commit measured (and uncommitted changes in src/). */
  readonly source: string
}

export interface RunSettings {
  readonly quick: boolean
  readonly scale: number
  readonly iterations: number
  readonly opsScale: number
  readonly pool: number
}

/** A target of issue 6 or 17 and whether this run meets it. */
export interface TargetResult {
  readonly scenario: string
  readonly target: string
  readonly met: boolean | null
  readonly measured: string
}

export interface BenchReport {
  readonly meta: RunMeta
  readonly settings: RunSettings
  readonly size: DataSize
  readonly load: { readonly seconds: number; readonly rows: number; readonly rowsPerSec: number }
  readonly seconds: number
  readonly scenarios: readonly ScenarioResult[]
  readonly allChecksPassed: boolean
  readonly targets: readonly TargetResult[]
}

const n = (x: number) => x.toLocaleString('en-US')

// ---------------------------------------------------------------- targets

const find = (s: ScenarioResult | undefined, label: string, caseName?: string) =>
  s?.cases
    .filter((c) => caseName === undefined || c.name === caseName)
    .flatMap((c) => c.results)
    .find((r) => r.label === label)

function fasterThanOthers(s: ScenarioResult | undefined, label: string): TargetResult[] {
  const ke = find(s, label)
  if (s === undefined || ke === undefined) return []
  const out: TargetResult[] = [
    {
      scenario: s.id,
      target: 'within 1.05x of postgres.js',
      met: ke.ratio <= 1.05,
      measured: `${formatRatio(ke.ratio)} (${formatMs(ke.metric)} vs ${formatMs(ke.metric / ke.ratio)})`,
    },
  ]
  const rivals = (['kysely', 'drizzle', 'knex'] as const).map((c) => {
    const best = s.cases[0]!.results.filter((r) => r.contender === c).sort(
      (a, b) => a.metric - b.metric,
    )[0]
    return best
  })
  const beaten = rivals.filter((r) => r !== undefined && ke.metric < r.metric)
  out.push({
    scenario: s.id,
    target: 'faster than plain Kysely, Drizzle and Knex (each one’s fastest variant)',
    met: beaten.length === rivals.length,
    measured: `${formatMs(ke.metric)} vs ${rivals
      .filter((r) => r !== undefined)
      .map((r) => `${r.label} ${formatMs(r.metric)}`)
      .join(', ')}`,
  })
  return out
}

/** Checks this run against the targets of issues 6 and 17. */
export function evaluateTargets(scenarios: readonly ScenarioResult[]): TargetResult[] {
  const byId = (id: string) => scenarios.find((s) => s.id === id)
  const out: TargetResult[] = []
  out.push(...fasterThanOthers(byId('S1'), 'kysely-entities findByUuid'))
  out.push(...fasterThanOthers(byId('S2'), 'kysely-entities findByUuid'))
  const s3 = find(byId('S3'), 'kysely-entities findAll')
  if (s3 !== undefined) {
    out.push({
      scenario: 'S3',
      target: 'within 1.10x of postgres.js',
      met: s3.ratio <= 1.1,
      measured: formatRatio(s3.ratio),
    })
  }
  const s4 = byId('S4')
  const load = find(s4, 'kysely-entities load()')
  const loop = find(s4, 'postgres.js loop (query per parent)')
  if (s4 !== undefined && load !== undefined && loop !== undefined) {
    const statements = (s4.extra?.loadStatements as number | undefined) ?? Number.NaN
    out.push(
      {
        scenario: 'S4',
        target: 'one query per relation level',
        met: statements === 1,
        measured: `${statements} statement(s)`,
      },
      {
        scenario: 'S4',
        target: 'within 1.10x of hand-written = ANY($1)',
        met: load.ratio <= 1.1,
        measured: formatRatio(load.ratio),
      },
      {
        scenario: 'S4',
        target: 'at least 20x faster than the loop',
        met: loop.metric / load.metric >= 20,
        measured: `${formatRatio(loop.metric / load.metric)} faster (hand-written = ANY($1): ${formatRatio(loop.ratio)} faster)`,
      },
    )
  }
  const s5 = byId('S5')
  if (s5 !== undefined) {
    for (const c of s5.cases) {
      const insert = c.results.find((r) => r.label === 'kysely-entities batchInsert')
      if (insert === undefined) continue
      const table = c.name.split(':')[0]
      out.push(
        {
          scenario: 'S5',
          target: `at least 300,000 rows/s (${table})`,
          met: (insert.rowsPerSec ?? 0) >= 300_000,
          measured: `${formatRate(insert.rowsPerSec ?? Number.NaN)} (COPY: ${formatRate((insert.rowsPerSec ?? Number.NaN) * insert.ratio)})`,
        },
        {
          scenario: 'S5',
          target: `within 1.3x of COPY (${table})`,
          met: insert.ratio <= 1.3,
          measured: formatRatio(insert.ratio),
        },
      )
    }
    // Judged on what the insert keeps (the heap after a full collection, after each chunk) for
    // streamed rows; the peak also holds garbage V8 lets grow with the heap before it collects,
    // which varies from run to run. Both are reported, for an array input too.
    for (const method of [
      'kysely-entities batchInsert (streamed)',
      'kysely-entities batchInsert',
    ]) {
      const memory = ((s5.extra?.memory as MemoryResult[] | undefined) ?? []).filter(
        (m) => m.method === method,
      )
      if (memory.length < 2) continue
      const small = memory[0]!
      const large = memory[memory.length - 1]!
      const growth = (large.liveHeapOverInputMb ?? 0) / Math.max(1, small.liveHeapOverInputMb ?? 0)
      const streamed = method.endsWith('(streamed)')
      out.push({
        scenario: 'S5',
        target: streamed
          ? 'constant memory in the row count (rows streamed from a generator)'
          : 'the same with the rows given as one array (reported, not the target)',
        met: growth <= 2,
        measured: `kept: +${large.liveHeapOverInputMb} MB for ${n(large.rows)} rows, +${small.liveHeapOverInputMb} MB for ${n(small.rows)} (${formatRatio(growth)} for ${formatRatio(large.rows / small.rows)} the rows); peak with uncollected garbage: +${large.peakHeapOverInputMb} MB heap, +${large.peakRssOverInputMb} MB RSS for ${n(large.rows)} rows, +${small.peakHeapOverInputMb} MB heap for ${n(small.rows)}`,
      })
    }
  }
  const s7 = byId('S7')
  if (s7 !== undefined) {
    for (const family of ['by id', 'newest first (timestamp desc, id desc)']) {
      const deepest = s7.cases.filter((c) => c.name.startsWith(`${family},`)).at(-1)
      const r = deepest?.results.find((x) => x.label === 'kysely-entities paginateByCursor')
      const vs = r?.extra?.vsFirstPage as number | undefined
      if (deepest !== undefined && r !== undefined && vs !== undefined) {
        out.push({
          scenario: 'S7',
          target: `keyset page at the deepest depth within 1.2x of the first page (${family})`,
          met: vs <= 1.2,
          measured: `${formatRatio(vs)} (${deepest.name}: ${formatMs(r.metric)}; ${formatRatio(r.ratio)} of hand-written keyset)`,
        })
      }
    }
  }
  out.push(...issue17Targets(byId))
  const s8 = find(
    byId('S8'),
    'kysely-entities findByUuid (no-op driver)',
    'repeated: user by uuid (fixed shape)',
  )
  if (s8 !== undefined) {
    const compiles = s8.extra?.compilesPerCall as number | undefined
    out.push({
      scenario: 'S8',
      target: 'a repeated fixed-shape statement costs no compilation',
      met: compiles === 0,
      measured: `${compiles} compilations per call; ${formatMs(s8.metric)} per call`,
    })
  }
  return out
}

/**
 * Issue 17's targets, where a library that sees every call of the process should beat hand-written
 * SQL: S1 ahead of Drizzle's prepared statements, S2 at most half of postgres.js (coalesced
 * lookups), S4 within 1.05x of `= ANY($1)`, S5 within 1.1x of COPY, S7's deepest keyset page
 * within 1.1x of the hand-written one.
 */
function issue17Targets(byId: (id: string) => ScenarioResult | undefined): TargetResult[] {
  const out: TargetResult[] = []
  const s1 = find(byId('S1'), 'kysely-entities findByUuid')
  const prepared = find(byId('S1'), 'drizzle (prepared)')
  if (s1 !== undefined && prepared !== undefined) {
    out.push({
      scenario: 'S1',
      target: 'ahead of Drizzle’s prepared statements (issue 17)',
      met: s1.metric < prepared.metric,
      measured: `${formatMs(s1.metric)} vs ${formatMs(prepared.metric)}`,
    })
  }
  const s2 = find(byId('S2'), 'kysely-entities findByUuid')
  if (s2 !== undefined) {
    out.push({
      scenario: 'S2',
      target: 'at most 0.5x of postgres.js: coalesced lookups (issue 17)',
      met: s2.ratio <= 0.5,
      measured: formatRatio(s2.ratio),
    })
  }
  const s4 = find(byId('S4'), 'kysely-entities load()')
  if (s4 !== undefined) {
    out.push({
      scenario: 'S4',
      target: 'within 1.05x of hand-written = ANY($1) (issue 17)',
      met: s4.ratio <= 1.05,
      measured: formatRatio(s4.ratio),
    })
  }
  for (const c of byId('S5')?.cases ?? []) {
    const insert = c.results.find((r) => r.label === 'kysely-entities batchInsert')
    if (insert === undefined) continue
    out.push({
      scenario: 'S5',
      target: `within 1.1x of COPY (${c.name.split(':')[0]}; issue 17)`,
      met: insert.ratio <= 1.1,
      measured: `${formatRatio(insert.ratio)}, ${formatRate(insert.rowsPerSec ?? Number.NaN)}`,
    })
  }
  const s7 = byId('S7')
  for (const family of ['by id', 'newest first (timestamp desc, id desc)']) {
    const deepest = s7?.cases.filter((c) => c.name.startsWith(`${family},`)).at(-1)
    const r = deepest?.results.find((x) => x.label === 'kysely-entities paginateByCursor')
    if (deepest === undefined || r === undefined) continue
    out.push({
      scenario: 'S7',
      target: `deepest keyset page within 1.1x of the hand-written one (${family}; issue 17)`,
      met: r.ratio <= 1.1,
      measured: `${formatRatio(r.ratio)} (${deepest.name})`,
    })
  }
  return out
}

// ---------------------------------------------------------------- tables

interface Table {
  readonly head: string[]
  readonly rows: string[][]
}

function caseTable(scenario: ScenarioResult, c: CaseResult): Table {
  const rates = c.results.some((r) => r.rowsPerSec !== undefined)
  const extras = [...new Set(c.results.flatMap((r) => Object.keys(r.extra ?? {})))]
  const extraHead: Record<string, string> = {
    vsFirstPage: 'vs own depth 0',
    compilesPerCall: 'compiles/call',
  }
  const metricColumn = scenario.metricColumn
  const head = [
    'variant',
    'p50',
    'p99',
    'min',
    'max',
    'IQR (p25-p75)',
    rates ? 'rows/s' : 'ops/s',
    ...(metricColumn === undefined ? [] : [metricColumn]),
    '× baseline',
    ...extras.map((e) => extraHead[e] ?? e),
  ]
  const rows = c.results.map((r: VariantResult) => [
    `${r.label}${r.baseline ? ' (baseline)' : ''}`,
    formatMs(r.latency.p50),
    formatMs(r.latency.p99),
    formatMs(r.latency.min),
    formatMs(r.latency.max),
    `${formatMs(r.latency.p25)}-${formatMs(r.latency.p75)}`,
    rates ? formatRate(r.rowsPerSec ?? Number.NaN) : formatRate(r.opsPerSec),
    ...(metricColumn === undefined ? [] : [formatMs(r.metric)]),
    formatRatio(r.ratio),
    ...extras.map((e) => {
      const v = r.extra?.[e]
      return typeof v === 'number' ? (e === 'vsFirstPage' ? formatRatio(v) : String(v)) : (v ?? '')
    }),
  ])
  return { head, rows }
}

function checkLine(c: CaseResult): string {
  if (c.check.inputs === 0) return 'Same work: checked in the repeated case.'
  if (c.check.passed) {
    return `Same work: checked — all ${c.check.variants} variants produced the same result as the baseline on ${c.check.inputs} input(s)${(c.check.together ?? 0) > 0 ? `, one at a time and ${c.check.together} at once` : ''}.`
  }
  return `Same work: FAILED — ${c.check.mismatches.join('; ')}`
}

function markdownTable(t: Table, alignLeft = false): string {
  const esc = (s: string) => s.replaceAll('|', '\\|')
  return [
    `| ${t.head.map(esc).join(' | ')} |`,
    `| ${t.head.map((_, i) => (i === 0 || alignLeft ? '---' : '---:')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n')
}

function textTable(t: Table, alignLeft = false): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n')
}

function memoryTable(memory: readonly MemoryResult[]): Table {
  return {
    head: [
      'method',
      'rows',
      'input rows (heap)',
      'peak heap over input',
      'peak RSS over input',
      'kept (heap after GC, max)',
      'rows/s',
    ],
    rows: memory.map((m) => [
      m.method,
      n(m.rows),
      `${m.inputHeapMb} MB`,
      `${m.peakHeapOverInputMb} MB`,
      `${m.peakRssOverInputMb} MB`,
      m.liveHeapOverInputMb === undefined ? '—' : `${m.liveHeapOverInputMb} MB`,
      formatRate(m.rows / m.seconds),
    ]),
  }
}

/** One line per case: each contender's ratios (several variants: labelled). */
function ratioLines(report: BenchReport): string[] {
  const out: string[] = []
  for (const s of report.scenarios) {
    for (const c of s.cases) {
      const cells = CONTENDERS.flatMap((contender) => {
        const list = c.results.filter((r) => r.contender === contender)
        if (list.length === 0) return []
        const parts = list.map((r) =>
          `${formatRatio(r.ratio)} ${list.length > 1 ? shortLabel(r) : ''}`.trim(),
        )
        return [`${contender} ${parts.join(', ')}`]
      })
      out.push(`  ${`${s.id} ${c.name || s.title}`.padEnd(58)} ${cells.join(' | ')}`)
    }
  }
  return out
}

function ratioSummary(report: BenchReport): Table {
  const head = ['scenario', ...CONTENDERS.map((c) => c)]
  const rows: string[][] = []
  for (const s of report.scenarios) {
    for (const c of s.cases) {
      const cells = CONTENDERS.map((contender) => {
        const list = c.results.filter((r) => r.contender === contender)
        if (list.length === 0) return ''
        return list
          .map((r) => `${formatRatio(r.ratio)} ${list.length > 1 ? shortLabel(r) : ''}`.trim())
          .join('; ')
      })
      rows.push([`${s.id}${c.name ? ` ${c.name}` : ` ${s.title}`}`, ...cells])
    }
  }
  return { head, rows }
}

const shortLabel = (r: VariantResult) => {
  const rest = r.label.startsWith(r.contender) ? r.label.slice(r.contender.length).trim() : r.label
  return rest === '' ? '' : `(${rest.replace(/^\((.*)\)$/, '$1')})`
}

function header(report: BenchReport): string[] {
  const m = report.meta
  const s = report.size
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; ${m.platform}`,
    `Node ${m.node}; PostgreSQL ${m.postgres} (${m.server}, same machine)`,
    `Load average (1 min): ${m.loadAverage[0].toFixed(1)} at the start, ${m.loadAverage[1].toFixed(1)} at the end (on ${m.cores} cores; other processes count too)`,
    `kysely-entities source: ${m.source}`,
    `Libraries: ${Object.entries(m.libraries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `Data: ${n(s.users)} users, ${n(s.functions)} functions, ${n(s.deployments)} deployments, ${n(s.invocations)} invocations (seeded), loaded with batchInsert in ${report.load.seconds.toFixed(1)} s (${formatRate(report.load.rowsPerSec)} rows)`,
    `Run: ${report.settings.quick ? 'quick, ' : ''}${report.settings.iterations} iterations, pool of ${report.settings.pool} connections per contender, ${report.seconds.toFixed(0)} s in all; ${m.date}`,
  ]
}

function targetsTable(targets: readonly TargetResult[]): Table {
  return {
    head: ['', 'target', 'this run', ''],
    rows: targets.map((t) => [
      t.scenario,
      t.target,
      t.measured,
      t.met === null ? '?' : t.met ? 'met' : 'MISSED',
    ]),
  }
}

/** The report as plain text for the terminal. */
export function renderText(report: BenchReport): string {
  const out: string[] = ['kysely-entities benchmark', ...header(report), '']
  for (const s of report.scenarios) {
    out.push(`${s.id} ${s.title}`, `  ${s.what}`)
    for (const c of s.cases) {
      if (c.name) out.push(`  -- ${c.name}`)
      out.push(textTable(caseTable(s, c)), checkLine(c))
    }
    const memory = (s.extra?.memory as MemoryResult[] | undefined) ?? []
    if (memory.length > 0) out.push('Memory (fresh process each):', textTable(memoryTable(memory)))
    out.push(...s.notes, '')
  }
  out.push(
    'Ratios to the baseline (hand-written postgres.js; S4: = ANY($1), S5: COPY; below 1 is faster):',
    ...ratioLines(report),
    '',
  )
  out.push('Targets (issues 6 and 17):', textTable(targetsTable(report.targets), true), '')
  out.push(
    report.allChecksPassed
      ? 'Same-work checks: all passed.'
      : 'Same-work checks: SOME FAILED (see above).',
  )
  return out.join('\n')
}

/** The report as Markdown (bench/results/latest.md). */
export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [
    '# kysely-entities benchmark',
    '',
    ...header(report).map((l) => `- ${l}`),
    '',
  ]
  out.push(
    'Every contender runs in this one process on its own pool of the same size, against the same database and data. ' +
      'Each case runs warm-up rounds, then measured rounds; in each round every variant runs its operations in turn (A B C, then B C A, ...), so drift of the machine reaches all alike, and garbage is collected before each turn (outside the timing; the young generation) so that no variant pays for the garbage of the one before it. ' +
      'Before timing, every variant runs on the same inputs and its result (ids of the rows returned, or the table content after a write) is compared with the baseline’s. ' +
      'Ratios are to the baseline of each case (hand-written postgres.js); below 1 is faster.',
    '',
    ...Object.entries(CONTENDER_STACK).map(([c, s]) => `- **${c}**: ${s}`),
    '',
    '![ratios](latest.svg)',
    '',
    '## Ratios to postgres.js',
    '',
    markdownTable(ratioSummary(report), true),
    '',
    '## Targets',
    '',
    markdownTable(targetsTable(report.targets), true),
    '',
  )
  for (const s of report.scenarios) {
    out.push(`## ${s.id} ${s.title}`, '', s.what, '')
    for (const c of s.cases) {
      if (c.name) out.push(`### ${c.name}`, '')
      out.push(markdownTable(caseTable(s, c)), '', checkLine(c), '')
      const notes = c.results
        .filter((r) => r.note !== undefined)
        .map((r) => `- ${r.label}: ${r.note}`)
      if (notes.length > 0) out.push(...notes, '')
    }
    const memory = (s.extra?.memory as MemoryResult[] | undefined) ?? []
    if (memory.length > 0)
      out.push(
        'Memory, a fresh process per measurement (the input rows are built first; peaks are over that). ' +
          'batchInsert runs collect garbage fully after every chunk (to read what the insert keeps), so their peaks hold at most about a chunk of garbage; without that, V8 lets garbage grow with the heap before it collects:',
        '',
        markdownTable(memoryTable(memory)),
        '',
      )
    if (s.notes.length > 0) out.push(...s.notes.map((x) => `- ${x}`), '')
  }
  out.push(
    report.allChecksPassed ? 'All same-work checks passed.' : '**Some same-work checks FAILED.**',
    '',
  )
  return out.join('\n')
}

// ---------------------------------------------------------------- chart

const COLORS: Record<Contender, string> = {
  'postgres.js': '#6b7280',
  kysely: '#2563eb',
  drizzle: '#16a34a',
  knex: '#ea580c',
  'kysely-entities': '#9333ea',
}

const xml = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')

/** A horizontal bar chart of every variant's ratio to its case's baseline, log scale (SVG). */
export function renderSvg(report: BenchReport): string {
  const rowH = 16
  const labelW = 360
  const chartW = 560
  const valueW = 70
  const top = 92
  const width = labelW + chartW + valueW + 20
  const ratios = report.scenarios.flatMap((s) =>
    s.cases.flatMap((c) => c.results.map((r) => r.ratio)),
  )
  const finite = ratios.filter((r) => Number.isFinite(r) && r > 0)
  const lo = 10 ** Math.floor(Math.log10(Math.min(0.5, ...finite)))
  const hi = 10 ** Math.ceil(Math.log10(Math.max(2, ...finite)))
  const x = (ratio: number) =>
    labelW +
    ((Math.log10(Math.max(lo, Math.min(hi, ratio))) - Math.log10(lo)) /
      (Math.log10(hi) - Math.log10(lo))) *
      chartW
  const parts: string[] = []
  let y = top
  for (const s of report.scenarios) {
    for (const c of s.cases) {
      parts.push(
        `<text x="8" y="${y + 12}" font-weight="bold">${xml(`${s.id} ${c.name || s.title}`)}</text>`,
      )
      y += rowH + 2
      for (const r of c.results) {
        const x0 = x(1)
        const x1 = x(r.ratio)
        const bar = Number.isFinite(r.ratio)
          ? `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 2}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${rowH - 4}" fill="${COLORS[r.contender]}"/>`
          : ''
        parts.push(
          `<text x="24" y="${y + 12}">${xml(r.label)}</text>`,
          bar,
          `<text x="${labelW + chartW + 8}" y="${y + 12}">${xml(formatRatio(r.ratio))}</text>`,
        )
        y += rowH
      }
      y += 6
    }
  }
  const ticks: string[] = []
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e
      if (v < lo || v > hi) continue
      const tx = x(v)
      ticks.push(
        `<line x1="${tx.toFixed(1)}" y1="${top - 6}" x2="${tx.toFixed(1)}" y2="${y}" stroke="${v === 1 ? '#111' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`,
        `<text x="${tx.toFixed(1)}" y="${top - 10}" text-anchor="middle">${v >= 1 ? `${v}x` : `${v}x`}</text>`,
      )
    }
  }
  const legend = CONTENDERS.map(
    (c, i) =>
      `<rect x="${8 + i * 150}" y="44" width="12" height="12" fill="${COLORS[c]}"/><text x="${24 + i * 150}" y="54">${xml(c)}</text>`,
  )
  const height = y + 30
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">kysely-entities benchmark: time relative to hand-written postgres.js (log scale, left of 1x is faster)</text>`,
    `<text x="8" y="36">${xml(`${report.meta.cpu}, ${report.meta.cores} cores · Node ${report.meta.node} · PostgreSQL ${report.meta.postgres} · ${report.size.users.toLocaleString('en-US')} users${report.settings.quick ? ' · quick run' : ''}`)}</text>`,
    ...legend,
    ...ticks,
    ...parts,
    `<text x="8" y="${height - 10}" fill="#555">${xml(`Baseline per case: postgres.js (S4: = ANY($1); S5: COPY; S8: the sql\`\` call). ${report.allChecksPassed ? 'All same-work checks passed.' : 'SOME SAME-WORK CHECKS FAILED.'}`)}</text>`,
    '</svg>',
  ].join('\n')
}

/** Writes latest.md, latest.json and latest.svg into `dir`. */
export async function writeReport(report: BenchReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const files = {
    'latest.json': `${JSON.stringify(report, null, 2)}\n`,
    'latest.md': renderMarkdown(report),
    'latest.svg': renderSvg(report),
  }
  const written: string[] = []
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name)
    await writeFile(path, text)
    written.push(path)
  }
  return written
}
