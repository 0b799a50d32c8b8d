import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Crash and fault suites start processes and servers of their own; one file at a time.
    fileParallelism: false,
    // The default output, and docs/reliability.md (what was tried, how many times, what held).
    reporters: ['default', './test/reliability/reporter.ts'],
  },
});
