import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The security attacks of issue 12 live with the main suite (test/e2e/security-*.test.ts) and
    // note their findings here too, as rows of the bad-input story.
    include: ['test/reliability/**/*.test.ts', 'test/e2e/security-*.test.ts', 'test/unit/logging-errors.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Crash and fault suites start processes and servers of their own; one file at a time.
    fileParallelism: false,
    // The default output, and docs/reliability.md (what was tried, how many times, what held).
    reporters: ['default', './test/reliability/reporter.ts'],
  },
});
