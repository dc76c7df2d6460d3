import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const alias = {
  'kysely-entities/containerpub': fileURLToPath(
    new URL('./src/containerpub/index.ts', import.meta.url),
  ),
  'kysely-entities/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
  'kysely-entities': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
}

export default defineConfig({
  test: {
    // CI also writes a JSON summary, from which .ci/run prints a plain "N passed, N failed" line
    // per column (VITEST_RESULTS names the file of the PostgreSQL 15 column).
    reporters: process.env.CI
      ? [
          'default',
          ['json', { outputFile: process.env.VITEST_RESULTS ?? '.tmp/vitest-results.json' }],
        ]
      : ['default'],
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-postgres.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/types/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        // Imports the built package (dist/) exactly as a user would: run after `npm run build`.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          globalSetup: ['test/setup/global-postgres.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
})
