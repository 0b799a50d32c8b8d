/**
 * What a reliability test found, for docs/reliability.md. A test notes each thing it tried
 * (how many times, what held) on its own task; the reporter (reporter.ts) collects the notes of
 * every test of the run, with the test's pass / fail / skip, and renders the table.
 */
import type { TestContext } from 'vitest';

export interface Finding {
  /** The story: Concurrency, Duplicates, Crash, Faults, Bad input. */
  story: string;
  /** What was tried, in a phrase. */
  tried: string;
  /** How many times (presses, cases, kills, inputs ...). */
  times: number;
  /** What held, with the figures that show it. */
  held: string;
}

declare module 'vitest' {
  interface TaskMeta {
    reliability?: Finding[];
  }
}

/** Notes a finding on the running test; the reporter picks it up when the run ends. */
export function note(context: Pick<TestContext, 'task'>, finding: Finding): void {
  (context.task.meta.reliability ??= []).push(finding);
}
