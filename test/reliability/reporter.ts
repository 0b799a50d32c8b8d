/**
 * Vitest reporter of the reliability suite: when the run ends it collects each test's findings
 * (report.ts) and outcome, keeps them in docs/reliability.json by database (PGlite, or the
 * PostgreSQL of TEST_DATABASE_URL) and renders docs/reliability.md from both: what was tried,
 * how many times, what held. A run of some files only updates the rows of those tests.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import type { Finding } from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const JSON_FILE = join(ROOT, 'docs', 'reliability.json');
const MD_FILE = join(ROOT, 'docs', 'reliability.md');

type Driver = 'pglite' | 'postgres';

interface TestRecord {
  file: string;
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
  findings: Finding[];
  at: string;
}

interface DriverRun {
  at: string;
  machine: string;
  node: string;
  /** Wall time of the last run that included every file. */
  suiteSeconds?: number;
  tests: Record<string, TestRecord>;
}

interface Results {
  runs: Partial<Record<Driver, DriverRun>>;
}

/** Test files in the order the stories are told, with the story a skipped test belongs to. */
const STORY_OF_FILE: Record<string, string> = {
  'concurrency.test.ts': 'Concurrency',
  'duplicates.test.ts': 'Duplicates',
  'crash.test.ts': 'Crash',
  'faults.test.ts': 'Faults',
  'bad-input.test.ts': 'Bad input',
};
const STORY_ORDER = ['Concurrency', 'Duplicates', 'Crash', 'Faults', 'Bad input'];

export default class ReliabilityReporter implements Reporter {
  private started = 0;

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const driver: Driver = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
    const results = load();
    const now = new Date().toISOString();
    const previous = results.runs[driver];
    const run: DriverRun = {
      at: now,
      machine: machine(),
      node: process.version,
      ...(previous?.suiteSeconds !== undefined ? { suiteSeconds: previous.suiteSeconds } : {}),
      tests: { ...(previous?.tests ?? {}) },
    };
    for (const module of testModules) {
      const file = relative(ROOT, module.moduleId);
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'pending') continue;
        const diagnostic = test.diagnostic();
        const error = result.state === 'failed' ? result.errors?.[0]?.message?.split('\n')[0] : undefined;
        run.tests[`${file} > ${test.fullName}`] = {
          file,
          name: test.fullName,
          state: result.state,
          durationMs: Math.round(diagnostic?.duration ?? 0),
          ...(error ? { error } : {}),
          findings: test.meta().reliability ?? [],
          at: now,
        };
      }
    }
    // Tests that no longer exist (file gone) drop out.
    for (const [key, t] of Object.entries(run.tests)) if (!existsSync(join(ROOT, t.file))) delete run.tests[key];
    const ranFiles = new Set(testModules.map((m) => basename(m.moduleId)));
    if (Object.keys(STORY_OF_FILE).every((f) => ranFiles.has(f))) run.suiteSeconds = Math.round((Date.now() - this.started) / 1000);
    results.runs[driver] = run;
    mkdirSync(dirname(JSON_FILE), { recursive: true });
    writeFileSync(JSON_FILE, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(MD_FILE, render(results));
  }
}

function load(): Results {
  try {
    return JSON.parse(readFileSync(JSON_FILE, 'utf8')) as Results;
  } catch {
    return { runs: {} };
  }
}

function machine(): string {
  const list = cpus();
  return `${list.length} × ${list[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB RAM, ${process.platform}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function render(results: Results): string {
  const out: string[] = [
    '# Reliability and security',
    '',
    'Produced by `npm run test:reliability` (the suite in `test/reliability/`, and the attacks of',
    '`test/e2e/security-*.test.ts`, which add rows to the bad-input story; one file at a time); the',
    "suite's reporter (`test/reliability/reporter.ts`) rewrites this file and `docs/reliability.json` at",
    'the end of every run. Each row is one thing the suite did to the service and what it checked',
    'afterwards; "times" counts the attempts (presses, cases, kills, inputs). Every story runs against',
    'the real service code (workflow service, outbox dispatcher, telegraf bot or Bolt app) talking to',
    'fake Telegram / Slack servers on loopback; the crash story runs the service as a child process',
    '(`node --import tsx`) and kills it with SIGKILL. Stories that need concurrent transactions run',
    'only on PostgreSQL (`TEST_DATABASE_URL`); the embedded PGlite is one process by design.',
    '',
    'Reproduce: `npm run test:reliability` (PGlite), and',
    '`TEST_DATABASE_URL=postgres://user@host:port/postgres npm run test:reliability` (PostgreSQL; the',
    'user needs CREATEDB; each test makes and drops its own database).',
  ];
  const sections: [Driver, string][] = [
    ['postgres', 'PostgreSQL (TEST_DATABASE_URL)'],
    ['pglite', 'PGlite (embedded, default)'],
  ];
  for (const [driver, title] of sections) {
    const run = results.runs[driver];
    if (!run) continue;
    const tests = Object.values(run.tests).sort(
      // The story's own file first, then the tests elsewhere that add rows to it (test/e2e/security-*).
      (a, b) => storyIndex(a) - storyIndex(b) || ownFile(a) - ownFile(b) || a.file.localeCompare(b.file),
    );
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const t of tests) counts[t.state]++;
    out.push(
      '',
      `## ${title}`,
      '',
      `Last run ${run.at.replace('T', ' ').slice(0, 16)} UTC on ${run.machine}, Node ${run.node}` +
        (run.suiteSeconds !== undefined ? `; the whole suite took ${run.suiteSeconds} s.` : '.') +
        ` Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped.`,
      '',
      '| story | what was tried | times | what held | result |',
      '| --- | --- | ---: | --- | --- |',
    );
    for (const t of tests) {
      const result =
        t.state === 'passed' ? `passed (${(t.durationMs / 1000).toFixed(1)} s)` : t.state === 'skipped' ? 'skipped: needs PostgreSQL' : `**FAILED**: ${t.error ?? ''}`;
      const story = STORY_OF_FILE[basename(t.file)] ?? basename(t.file);
      if (!t.findings.length) {
        out.push(`| ${cell(story)} | ${cell(t.name)} | — | ${t.state === 'passed' ? 'as the test states' : '—'} | ${cell(result)} |`);
        continue;
      }
      for (const f of t.findings) out.push(`| ${cell(f.story)} | ${cell(f.tried)} | ${f.times} | ${cell(f.held)} | ${cell(result)} |`);
    }
  }
  out.push('');
  return out.join('\n');
}

function ownFile(t: TestRecord): number {
  return t.file.startsWith('test/reliability/') ? 0 : 1;
}

function storyIndex(t: TestRecord): number {
  const story = t.findings[0]?.story ?? STORY_OF_FILE[basename(t.file)] ?? '';
  const i = STORY_ORDER.indexOf(story);
  return i < 0 ? STORY_ORDER.length : i;
}
