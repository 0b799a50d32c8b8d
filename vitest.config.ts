import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite (npm run test:reliability) and the benchmarks run on their own.
    exclude: ['test/reliability/**', 'test/bench/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own databases and servers; files run in parallel workers. Two even on a
    // two-core machine (vitest's default there is one): many stories wait on fake platforms and
    // timers rather than the CPU, and the suite runs twice in CI (PGlite, then PostgreSQL).
    pool: 'forks',
    maxWorkers: 2,
  },
});
