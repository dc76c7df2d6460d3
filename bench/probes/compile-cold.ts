// S8 in a fresh process: the first build of one statement by one variant (cold code, first use
// of the table definitions), then the mean of the next 1,000. Prints one JSON line.
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { COMPILE_CASES, compileVariants } from '../compile-variants'

const { values } = parseArgs({ options: { case: { type: 'string' }, variant: { type: 'string' } } })
const which = COMPILE_CASES[Number(values.case)]!
const variant = compileVariants(which)[Number(values.variant)]!
const input = { uuid: '6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f', userId: 4242 }
let start = performance.now()
await variant.build(input)
const first = performance.now() - start
start = performance.now()
for (let i = 0; i < 1_000; i++) await variant.build(input)
const repeated = (performance.now() - start) / 1_000
console.log(JSON.stringify({ label: variant.label, first, repeated }))
process.exit(0)
