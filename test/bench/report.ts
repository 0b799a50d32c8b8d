/**
 * The results as text: the tables the runner prints, and docs/performance.md around the same
 * tables (what each figure measures, the machine, how to reproduce it). Both come from the
 * BenchOutput that is written to docs/performance.json, nothing else.
 */
import type { Driver } from './db.js';
import { LIMITS, type DeliveryResult } from './delivery.js';
import type { EngineResult } from './engine.js';
import type { LatencyResult } from './latency.js';
import { memoryTables, memoryVerdicts } from './memory.js';
import { SHEET_TARGET_MS, type SheetResult } from './sheet.js';
import type { MonevResult } from './monev.js';
import type { SweepCase, SweepResult } from './sweep.js';
import { BENCHES, type BenchName, type BenchOutput, type RunRecord } from './types.js';

const DRIVER_NAME: Record<Driver, string> = { pglite: 'PGlite', postgres: 'PostgreSQL' };
/** The benchmarks that run the service inside the benchmark process, under a load. */
const LOAD_BENCHES = BENCHES.filter((b) => b !== 'memory');
const ALL_DRIVERS: Driver[] = ['pglite', 'postgres'];
/** Issue 14's targets. The engine at 90% or more of the hand-written baseline on PostgreSQL (PGlite's ratio reported). */
const ENGINE_TARGET = 0.9;
/** Press → answer p99, 50 people at once (ms). */
const LATENCY_P99_TARGET_MS: Record<Driver, number> = { postgres: 150, pglite: 300 };
/** One sweep finding 1 000 due among 100 000 open tasks, on PostgreSQL (ms). */
const SWEEP_1000_TARGET_MS = 150;
/** The delivery backlog's rate as a share of Telegram's 30/s, with no 429. */
const DELIVERY_SHARE_TARGET = 0.85;
/** "Grows with what is due, not with what is open": 10× the open tasks, same due, less than this factor. */
const SWEEP_OPEN_FACTOR = 2;
/** Issue 17: the report over 10 000 finished cases in under 2 s on PostgreSQL. */
const MONEV_TARGET_MS = 2000;

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const fixed = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '–');
const pct = (share: number) => `${Math.round(share * 100)}%`;
const pct1 = (share: number) => `${(share * 100).toFixed(1)}%`;
const thousands = (n: number) => n.toLocaleString('en');

class Results {
  constructor(readonly out: BenchOutput) {}

  run(driver: Driver, bench: BenchName): RunRecord | undefined {
    return this.out.runs.find((r) => r.driver === driver && r.bench === bench);
  }

  result<T>(driver: Driver, bench: BenchName): T | undefined {
    const run = this.run(driver, bench);
    return run?.ok ? (run.result as T) : undefined;
  }
}

/** One line per promise of the issue: what was asked, what was measured, held or not. */
interface Verdict {
  what: string;
  target: string;
  figures: Partial<Record<Driver, string>>;
  /** undefined: no target to hold (a figure to report), or not measured. */
  held?: boolean;
}

function sweepCase(cases: SweepCase[], open: number, due: number): SweepCase | undefined {
  return cases.find((c) => c.open === open && c.due === due);
}

function verdicts(res: Results): Verdict[] {
  const drivers = res.out.drivers;
  const list: Verdict[] = [];
  const all = (checks: (boolean | undefined)[]) => (checks.length && checks.every((c) => c !== undefined) ? checks.every(Boolean) : undefined);

  const engineChecks: (boolean | undefined)[] = [];
  const engine: Verdict = { what: 'Engine throughput ÷ hand-written baseline', target: `≥ ${pct(ENGINE_TARGET)} on PostgreSQL; PGlite reported`, figures: {} };
  for (const d of drivers) {
    const r = res.result<EngineResult>(d, 'engine');
    engine.figures[d] = r ? r.runs.map((x) => `${pct(x.ratio)} (${x.concurrency} at a time)`).join(', ') : 'not measured';
    if (d !== 'postgres') continue;
    if (r) for (const x of r.runs) engineChecks.push(x.ratio >= ENGINE_TARGET);
    else engineChecks.push(undefined);
  }
  engine.held = all(engineChecks);
  list.push(engine);

  const latencyChecks: (boolean | undefined)[] = [];
  const latency: Verdict = {
    what: 'Action latency, 50 users at once, p50 / p99',
    target: `answer p99 < ${LATENCY_P99_TARGET_MS.postgres} ms on PostgreSQL, < ${LATENCY_P99_TARGET_MS.pglite} ms on PGlite; all recorded`,
    figures: {},
  };
  for (const d of drivers) {
    const r = res.result<LatencyResult>(d, 'latency');
    latency.figures[d] = r
      ? `answer ${r.answerMs.p50} / ${r.answerMs.p99} ms; next card in outbox ${r.outboxMs.p50} / ${r.outboxMs.p99} ms; ${r.recorded} of ${r.presses} recorded`
      : 'not measured';
    latencyChecks.push(r ? r.answerMs.p99 < LATENCY_P99_TARGET_MS[d] && r.recorded === r.presses : undefined);
  }
  latency.held = all(latencyChecks);
  list.push(latency);

  const sweepChecks: (boolean | undefined)[] = [];
  const sweep: Verdict = {
    what: 'Reminder sweep grows with what is due, not with what is open',
    target: `same 100 due at 10× the open tasks: less than ×${SWEEP_OPEN_FACTOR}`,
    figures: {},
  };
  for (const d of drivers) {
    const cases = res.result<SweepResult>(d, 'sweep')?.cases;
    const small = cases && sweepCase(cases, 10_000, 100);
    const large = cases && sweepCase(cases, 100_000, 100);
    const none = cases && sweepCase(cases, 100_000, 0);
    const many = cases && sweepCase(cases, 100_000, 1_000);
    if (!small || !large || !none || !many) {
      sweep.figures[d] = 'not measured';
      sweepChecks.push(undefined);
      continue;
    }
    const openFactor = large.ms / small.ms;
    sweep.figures[d] =
      `100 due: ${fixed(small.ms)} ms at 10 000 open, ${fixed(large.ms)} ms at 100 000 (×${fixed(openFactor, 2)}); ` +
      `at 100 000 open: nothing due ${fixed(none.ms)} ms, 1 000 due ${fixed(many.ms, 0)} ms (×${fixed(many.ms / large.ms, 1)} of 100 due)`;
    sweepChecks.push(openFactor < SWEEP_OPEN_FACTOR);
  }
  sweep.held = all(sweepChecks);
  list.push(sweep);

  const sweepMany: Verdict = { what: 'Reminder sweep: 1 000 due among 100 000 open', target: `< ${SWEEP_1000_TARGET_MS} ms on PostgreSQL; PGlite reported`, figures: {} };
  for (const d of drivers) {
    const many = sweepCase(res.result<SweepResult>(d, 'sweep')?.cases ?? [], 100_000, 1_000);
    sweepMany.figures[d] = many ? `${fixed(many.ms, 0)} ms (runs ${many.runs.join(', ')} ms), ${many.enqueued} notices` : 'not measured';
    if (d === 'postgres') sweepMany.held = many ? many.ms < SWEEP_1000_TARGET_MS : undefined;
  }
  list.push(sweepMany);

  const lostChecks: (boolean | undefined)[] = [];
  const lost: Verdict = { what: 'Delivery of 2 000 cards to 100 groups: messages lost', target: '0', figures: {} };
  const rateChecks: (boolean | undefined)[] = [];
  const rate: Verdict = { what: 'Delivery: achieved rate as a share of 30/s, 429s received', target: `≥ ${pct(DELIVERY_SHARE_TARGET)}, 0 × 429`, figures: {} };
  for (const d of drivers) {
    const r = res.result<DeliveryResult>(d, 'delivery');
    if (!r) {
      lost.figures[d] = rate.figures[d] = 'not measured';
      lostChecks.push(undefined);
      rateChecks.push(undefined);
      continue;
    }
    lost.figures[d] = r.completed ? `${r.lost}` : `${r.lost} lost, ${r.waitingAtCutoff} still waiting at the ${Math.round(r.seconds)} s cut-off`;
    lostChecks.push(r.completed && r.lost === 0);
    rate.figures[d] = `${pct(r.shareOfLimit)} (${fixed(r.ratePerSecond, 1)}/s; at the limits: ${pct1(r.idealShare)}), ${r.received429} × 429`;
    rateChecks.push(r.completed && r.shareOfLimit >= DELIVERY_SHARE_TARGET && r.received429 === 0);
  }
  lost.held = all(lostChecks);
  rate.held = all(rateChecks);
  list.push(lost, rate);

  const sheetChecks: Record<'png' | 'pdf' | 'posisi', (boolean | undefined)[]> = { png: [], pdf: [], posisi: [] };
  const sheetVerdicts: Record<'png' | 'pdf' | 'posisi', Verdict> = {
    png: { what: 'SOP sheet: the largest seed drawn as the chat picture (PNG), median', target: `< ${SHEET_TARGET_MS} ms`, figures: {} },
    pdf: { what: 'SOP sheet: the largest seed as the printable PDF (every page), median', target: `< ${SHEET_TARGET_MS} ms`, figures: {} },
    posisi: { what: 'SOP sheet: one press of Posisi (case read + drawn + PNG), median', target: `< ${SHEET_TARGET_MS} ms`, figures: {} },
  };
  for (const d of drivers) {
    const r = res.result<SheetResult>(d, 'sheet');
    for (const k of ['png', 'pdf', 'posisi'] as const) {
      sheetVerdicts[k].figures[d] = r ? `${fixed(r[k].p50, 0)} ms (p95 ${fixed(r[k].p95, 0)} ms; CPU ${fixed(r[k].cpuP50, 0)} ms; ${r.seed})` : 'not measured';
      sheetChecks[k].push(r ? r[k].p50 < SHEET_TARGET_MS : undefined);
    }
  }
  for (const k of ['png', 'pdf', 'posisi'] as const) {
    sheetVerdicts[k].held = all(sheetChecks[k]);
    list.push(sheetVerdicts[k]);
  }
  const monevChecks: (boolean | undefined)[] = [];
  const monev: Verdict = { what: 'Monitoring report over a month of 10 000 finished cases (100 000 visits)', target: `< ${MONEV_TARGET_MS / 1000} s on PostgreSQL`, figures: {} };
  for (const d of drivers) {
    const r = res.result<MonevResult>(d, 'report');
    monev.figures[d] = r
      ? `${fixed(r.ms / 1000, 2)} s (queries ${fixed(r.casesQueryMs, 0)} + ${fixed(r.visitsQueryMs, 0)} ms; CPU of the service ${fixed((r.cpuMs ?? 0) / 1000, 2)} s)`
      : 'not measured';
    if (d === 'postgres') monevChecks.push(r ? r.ms < MONEV_TARGET_MS : undefined);
  }
  monev.held = all(monevChecks);
  list.push(monev);

  list.push(...memoryVerdicts(res.out));
  // The service, the load and the fake Bot API share this process, run by tsx: an upper bound of
  // the service's own memory, held against no target (memory.ts measures the service alone).
  const memory: Verdict = {
    what: 'Resident memory of the benchmark process (service, database, harness; under tsx), idle → peak under load',
    target: 'report (no target set)',
    figures: {},
  };
  for (const d of drivers) {
    const idle = res.run(d, 'idle')?.memory;
    const peaks: { bench: BenchName; mb: number }[] = [];
    for (const b of BENCHES) {
      const mb = b === 'idle' ? undefined : res.run(d, b)?.memory?.peakMb;
      if (mb !== undefined) peaks.push({ bench: b, mb });
    }
    const top = peaks.sort((a, b) => b.mb - a.mb)[0];
    memory.figures[d] = `${idle ? `${fixed(idle.idleMb, 0)} MB idle` : 'idle not measured'}${top ? `; highest peak ${fixed(top.mb, 0)} MB (${top.bench})` : ''}`;
  }
  list.push(memory);
  return list;
}

function verdictTable(res: Results): string {
  const drivers = res.out.drivers;
  const rows = verdicts(res).map((v) => [
    v.what,
    v.target,
    ...drivers.map((d) => v.figures[d] ?? '–'),
    v.held === undefined ? (v.target.startsWith('report') ? '—' : 'not measured') : v.held ? 'met' : '**NOT MET**',
  ]);
  return table(['', 'target', ...drivers.map((d) => DRIVER_NAME[d]), 'result'], rows);
}

function engineTables(res: Results): string[] {
  const drivers = res.out.drivers;
  const parts: string[] = [];
  const rows: (string | number)[][] = [];
  for (const d of drivers) {
    for (const r of res.result<EngineResult>(d, 'engine')?.runs ?? []) {
      rows.push([
        DRIVER_NAME[d],
        r.concurrency,
        fixed(r.engineTps),
        fixed(r.baselineTps),
        `${pct(r.ratio)} ${d !== 'postgres' ? '(reported)' : r.ratio >= ENGINE_TARGET ? `(meets ${pct(ENGINE_TARGET)})` : `(**below ${pct(ENGINE_TARGET)}**)`}`,
        `${fixed(r.engineMeanMs, 2)} / ${fixed(r.baselineMeanMs, 2)}`,
        `${thousands(r.engineTransitions)} / ${thousands(r.baselineTransitions)}`,
        r.oneStatementTps === undefined ? '–' : `${fixed(r.oneStatementTps)}: ${pct(r.oneStatementRatio)}`,
      ]);
    }
  }
  parts.push(
    '### Engine throughput (Selesai presses; baseline: the same rows by hand-written SQL)',
    table(
      [
        'database',
        'at a time',
        'engine transitions/s',
        'baseline transitions/s',
        'engine ÷ baseline',
        'ms per transition (engine / baseline)',
        'transitions timed (engine / baseline)',
        'one-statement handler transitions/s: engine ÷ it (reference)',
      ],
      rows,
    ),
  );

  const statementRows: (string | number)[][] = [];
  for (const d of drivers) {
    const s = res.result<EngineResult>(d, 'engine')?.statements;
    if (!s) continue;
    statementRows.push([DRIVER_NAME[d], `${fixed(s.engine.statements, 1)} / ${fixed(s.baseline.statements, 1)}`, `${fixed(s.engine.rows, 1)} / ${fixed(s.baseline.rows, 1)}`]);
  }
  if (statementRows.length) {
    parts.push(
      '#### Statements per transition (besides BEGIN and COMMIT)',
      table(['database', 'statements (engine / baseline)', 'rows returned (engine / baseline)'], statementRows),
    );
  }

  for (const d of drivers) {
    const profile = res.result<EngineResult>(d, 'engine')?.profile;
    if (!profile) continue;
    const buckets = [...new Set([...Object.keys(profile.engine.msPerTransition), ...Object.keys(profile.baseline.msPerTransition)])];
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    const profileRows = buckets
      .map((b) => [b, profile.engine.msPerTransition[b] ?? 0, profile.baseline.msPerTransition[b] ?? 0] as const)
      .sort((a, b) => b[1] - a[1])
      .map(([b, e, base]) => [b, fixed(e, 2), fixed(base, 2), fixed(e - base, 2)]);
    const e = sum(profile.engine.msPerTransition);
    const b = sum(profile.baseline.msPerTransition);
    profileRows.push(['**total**', fixed(e, 2), fixed(b, 2), fixed(e - b, 2)]);
    parts.push(
      `#### Where a transition's time goes, ${DRIVER_NAME[d]} (CPU profile of ${thousands(profile.engine.transitions)} / ${thousands(profile.baseline.transitions)} more transitions, one at a time; ms per transition)`,
      table(['', 'engine', 'baseline', 'difference'], profileRows),
    );
  }
  return parts;
}

function latencyTable(res: Results): string[] {
  const rows: (string | number)[][] = [];
  for (const d of res.out.drivers) {
    const r = res.result<LatencyResult>(d, 'latency');
    if (!r) continue;
    rows.push([
      DRIVER_NAME[d],
      `${r.users} × ${r.rounds}`,
      `${r.recorded}/${r.presses}`,
      `${r.answerMs.p50} / ${r.answerMs.p99} / ${r.answerMs.max}`,
      `${r.outboxMs.p50} / ${r.outboxMs.p99} / ${r.outboxMs.max}`,
      `${r.answerArrivalMs.p50} / ${r.answerArrivalMs.p99} / ${r.answerArrivalMs.max}`,
      r.roundMs,
    ]);
  }
  const phaseRows: (string | number)[][] = [];
  for (const d of res.out.drivers) {
    const r = res.result<LatencyResult>(d, 'latency');
    if (!r?.phases) continue;
    const p = r.phases;
    phaseRows.push([DRIVER_NAME[d], ...(['poll', 'checks', 'read', 'write', 'answer'] as const).map((k) => `${p[k].p50} / ${p[k].p99}`), r.roundMs, r.roundCpuMs]);
  }
  return [
    '### Action latency, 50 people pressing Selesai at once (ms)',
    table(
      [
        'database',
        'users × rounds',
        'recorded',
        'press → callback answer sent, p50 / p99 / max',
        'press → next card in outbox, p50 / p99 / max',
        'press → answer read by the fake Bot API, p50 / p99 / max',
        'whole round answered (median)',
      ],
      rows,
    ),
    ...(phaseRows.length
      ? [
          '#### Where a press’s time goes (ms, p50 / p99 of each phase over the same presses)',
          table(
            [
              'database',
              'press → the bot has the update (long polling)',
              '→ act() called (update claimed, task, chat’s roles)',
              '→ case read (connection, one statement)',
              '→ decided and committed (one statement)',
              '→ answer sent',
              'round answered (wall, median)',
              'CPU of the process in that round (median)',
            ],
            phaseRows,
          ),
        ]
      : []),
  ];
}

function sweepTable(res: Results): string[] {
  const rows: (string | number)[][] = [];
  for (const d of res.out.drivers) {
    for (const c of res.result<SweepResult>(d, 'sweep')?.cases ?? []) {
      rows.push([DRIVER_NAME[d], thousands(c.open), thousands(c.due), fixed(c.ms, 1), c.due ? fixed(c.ms / c.due, 2) : '–', c.enqueued, c.runs.join(', ')]);
    }
  }
  return [
    '### Reminder sweep (one Scheduler.sweep; median of the runs)',
    table(['database', 'open tasks', 'due', 'ms per sweep', 'ms per due task', 'notices written', 'runs (ms)'], rows),
  ];
}

function monevTable(res: Results): string[] {
  const rows: (string | number)[][] = [];
  const plans: string[] = [];
  for (const d of res.out.drivers) {
    const r = res.result<MonevResult>(d, 'report');
    if (!r) continue;
    rows.push([
      DRIVER_NAME[d],
      `${thousands(r.casesInPeriod)} / ${thousands(r.visitsInPeriod)}`,
      `${thousands(r.casesInTables)} / ${thousands(r.visitsInTables)}`,
      `${fixed(r.ms, 0)} (CPU ${fixed(r.cpuMs, 0)})`,
      `${fixed(r.casesQueryMs, 0)} + ${fixed(r.visitsQueryMs, 0)}`,
      fixed(r.computeMs, 0),
      `${fixed(r.xlsxMs, 0)} / ${fixed(r.pdfMs, 0)} (${r.pdfPages} pages) / ${fixed(r.jsonMs, 0)}`,
      r.runs.join(', '),
    ]);
    const block = (name: string, lines: string[]) => `${DRIVER_NAME[d]}, ${name} (EXPLAIN ANALYZE):\n\n${['```', ...lines, '```'].join('\n')}`;
    plans.push(block('the visits query', r.plans.visits), block('the escalations query', r.plans.escalations ?? []), block('the cases query', r.plans.cases));
  }
  return [
    '### Monitoring report (buildMonitoringReport for November; median of 5 runs after a warm-up)',
    table(['database', 'cases / visits in the period', 'cases / visits in the tables', 'ms per report', 'queries (cases + visits) ms', 'working time and words ms', 'XLSX / PDF / JSON ms', 'runs (ms)'], rows),
    ...plans,
  ];
}

function deliveryTables(res: Results): string[] {
  const rows: (string | number)[][] = [];
  const timelines: string[] = [];
  for (const d of res.out.drivers) {
    const r = res.result<DeliveryResult>(d, 'delivery');
    if (!r) continue;
    rows.push([
      DRIVER_NAME[d],
      `${thousands(r.cards)} → ${r.groups}`,
      `${r.firstSeconds} s`,
      `${r.seconds} s (least possible ${r.idealSeconds} s)${r.completed ? '' : ' **CUT OFF**'}`,
      `${fixed(r.ratePerSecond, 1)}/s = ${pct(r.shareOfLimit)} of ${LIMITS.globalPerSecond}/s (at the limits: ${pct1(r.idealShare)})`,
      r.received429,
      r.completed ? r.lost : `${r.lost} (${r.waitingAtCutoff} still waiting at the cut-off)`,
      r.duplicates,
      r.outOfOrder,
      `${r.busiestSecond}/s, ${r.busiestGroupMinute}/min`,
      `${r.outbox.sent} sent, ${r.outbox.dead} dead, ${r.outbox.unsent} unsent`,
      `${fixed(r.statementsPerCard, 1)} / ${fixed(r.rowsPerCard, 0)}`,
    ]);
    timelines.push(
      `${DRIVER_NAME[d]}: ${r.timeline.map((n, i) => `${i * 10}–${i * 10 + 10} s: ${n} (${r.groupsServed[i]} groups)`).join(' · ')}`,
    );
  }
  const parts = [
    `### Delivery of a backlog against Telegram’s limits (${LIMITS.globalPerSecond}/s overall, ${LIMITS.perChatPerMinute}/min per group)`,
    table(
      [
        'database',
        'cards → groups',
        'first card',
        'last card',
        'achieved rate',
        '429s',
        'lost',
        'duplicates',
        'groups out of order',
        'busiest second / group-minute',
        'outbox',
        'statements / rows read per card',
      ],
      rows,
    ),
  ];
  if (timelines.length) parts.push(`Cards accepted per 10 s from the dispatcher's start (groups that got one):\n\n${timelines.map((t) => `- ${t}`).join('\n')}`);
  return parts;
}

function sheetTable(res: Results): string[] {
  const rows: (string | number)[][] = [];
  for (const d of res.out.drivers) {
    const r = res.result<SheetResult>(d, 'sheet');
    if (!r) continue;
    const kb = (n: number) => `${Math.round(n / 1024)} KB`;
    const t = (x: { p50: number; p95: number; max: number; cpuP50: number }) => `${fixed(x.p50, 0)} / ${fixed(x.p95, 0)} / ${fixed(x.max, 0)} (CPU ${fixed(x.cpuP50, 0)})`;
    rows.push([DRIVER_NAME[d], `${r.seed} (${r.steps} kegiatan, ${r.roles} Pelaksana)`, t(r.png), `${r.png.width} × ${r.png.height} px, ${kb(r.png.bytes)}`, t(r.pdf), `${r.pdf.pages} pages, ${kb(r.pdf.bytes)}`, t(r.posisi), `${r.posisi.visits} visits, ${kb(r.posisi.bytes)}`]);
  }
  return [
    `### The formal SOP sheet (ms: wall time median / p95 / max, and the process's CPU time (median) of ${res.out.runs.find((x) => x.bench === 'sheet' && x.ok) ? (res.out.runs.find((x) => x.bench === 'sheet')!.result as SheetResult).runs : '–'} runs)`,
    table(['database', 'seed', 'chat picture (PNG)', 'picture', 'printable sheet (PDF)', 'PDF', 'press of Posisi', 'case picture'], rows),
  ];
}

function memoryTable(res: Results): string[] {
  const rows: (string | number)[][] = [];
  const serverRows: (string | number)[][] = [];
  for (const d of res.out.drivers) {
    const mem = (b: BenchName) => {
      const m = res.run(d, b)?.memory;
      if (!m) return '–';
      return b === 'idle' ? `${fixed(m.idleMb, 0)} (peak ${fixed(m.peakMb, 0)})` : `${fixed(m.idleMb, 0)} → ${fixed(m.peakMb, 0)}`;
    };
    rows.push([DRIVER_NAME[d], ...LOAD_BENCHES.map(mem)]);
    if (d === 'postgres') {
      const server = (b: BenchName) => {
        const s = res.run(d, b)?.memory?.server;
        if (!s) return '–';
        return `${fixed(s.idleMb, 0)} → ${fixed(s.peakMb, 0)} (${s.backends} conn.)`;
      };
      if (LOAD_BENCHES.some((b) => res.run(d, b)?.memory?.server)) serverRows.push(['PostgreSQL server, the service’s connections (Pss)', ...LOAD_BENCHES.map(server)]);
    }
  }
  const head = ['', 'idle service', 'engine throughput', '50-user latency', 'sweep (to 100 000 tasks)', 'delivery (2 000 cards)', 'SOP sheet', 'report (10 000 cases)'];
  const parts = [
    ...memoryTables(res.out),
    '### Resident memory of the benchmark process (MB; settled before the load → peak during it)',
    table(head, [...rows.map((r) => [`service process on ${r[0]}`, ...r.slice(1)]), ...serverRows]),
  ];
  return parts;
}

/** The result tables (printed by the runner; the body of docs/performance.md). */
export function renderTables(out: BenchOutput): string {
  const res = new Results(out);
  const parts = [
    '### Targets',
    verdictTable(res),
    ...engineTables(res),
    ...latencyTable(res),
    ...sweepTable(res),
    '',
    ...monevTable(res),
    ...deliveryTables(res),
    ...sheetTable(res),
    ...memoryTable(res),
  ];
  const failed = out.runs.filter((r) => !r.ok);
  if (failed.length) parts.push(`**Failed:** ${failed.map((r) => `${DRIVER_NAME[r.driver]} ${r.bench}: ${r.error?.split('\n')[0]}`).join('; ')}`);
  return parts.join('\n\n');
}

function missing(out: BenchOutput): string[] {
  const notes: string[] = [];
  for (const d of ALL_DRIVERS.filter((x) => !out.drivers.includes(x))) {
    notes.push(`${DRIVER_NAME[d]} was not part of this run${d === 'postgres' ? ' (BENCH_DATABASE_URL was not set)' : ''}.`);
  }
  const skipped = BENCHES.filter((b) => !out.benches.includes(b));
  if (skipped.length) notes.push(`Not run this time (\`--only\`): ${skipped.join(', ')}.`);
  return notes;
}

/** docs/performance.md: the tables, what they measure, where they came from, how to get them again. */
export function renderDocument(out: BenchOutput): string {
  const m = out.machine;
  const when = `${out.generatedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const loads = out.runs.map((r) => `${DRIVER_NAME[r.driver]} ${r.bench} ${r.loadBefore} → ${r.loadAfter}`).join('; ');
  const notMet = verdicts(new Results(out)).filter((v) => v.held === false);
  const lines = [
    '# Performance',
    '',
    'Produced by `npm run bench` (`test/bench/run.ts`), which rewrites this file and `docs/performance.json` (the same',
    'figures, and more detail) at the end of every run. Do not edit by hand: run it again.',
    '',
    `Last run ${when}: \`${out.command}\`, ${Math.round(out.seconds)} s in all.`,
    ...missing(out).map((n) => `\n${n}`),
    '',
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} logical CPUs`],
        ['memory', `${m.memoryGb} GB`],
        ['system', m.os],
        ['Node.js', m.node],
        ['PGlite', m.pglite ?? '– (not run)'],
        ['PostgreSQL', m.postgres ? `${m.postgres} (its own server on this machine's loopback; shared with other work)` : '– (not run)'],
        ['load average at the start (1 / 5 / 15 min)', m.loadAtStart.join(' / ')],
      ],
    ),
    '',
    `Load average (1 min) before → after each benchmark: ${loads}. A load above the CPU count means other work shared the`,
    'machine during the run, and every figure below is then slower than the machine can do: compare figures of one run',
    '(engine and baseline are measured in alternating slices for that reason), and repeat on an idle machine for absolute numbers.',
    '',
    '## Results',
    '',
    notMet.length
      ? `**Not met:** ${notMet.map((v) => `${v.what} (target ${v.target}; ${Object.entries(v.figures).map(([d, f]) => `${DRIVER_NAME[d as Driver]}: ${f}`).join('; ')})`).join('. ')}.`
      : 'Every target of the issue was met in this run.',
    '',
    renderTables(out),
    '',
    '## What each figure measures',
    '',
    ...EXPLANATIONS,
    '',
    '## How to reproduce',
    '',
    ...REPRODUCE,
    '',
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}`;
}

const EXPLANATIONS = [
  'Every benchmark runs in a Node.js process of its own (`test/bench/child.ts`, forked by `run.ts`, stopped if it has',
  'not reported after its time limit), one after another, so that its resident memory is its own. The service code is',
  'the real one (`src/`): the workflow service, the scheduler, the outbox dispatcher and the telegraf bot, talking to',
  'the fake Telegram Bot API (`test/support/fake-telegram`) on loopback, in the same process. PGlite runs in a copy of',
  'a migrated data folder, as the service runs by default; PostgreSQL gets a fresh database for each benchmark, dropped',
  'after it.',
  '',
  '- **Engine throughput** (`engine.ts`). A test SOP of 40 plain steps alternating between two roles; every measured',
  '  transition is one press of Selesai through `WorkflowService.act`: read the case’s state (one statement), let the',
  '  core decide, then write in one statement guarded by the versions read: close the task, open the next task, two',
  '  audit events, two outbox rows (the edit of the old card, the new card), bump the case version. The **baseline**',
  '  writes exactly the same rows with hand-written SQL on the driver’s own client, in one transaction per',
  '  transition: it locks the case through the task in one statement, then five statements. The **one-statement',
  '  handler**, for reference only, writes the same rows in a single statement guarded by the task’s version and reads',
  '  nothing (it trusts the button); what the engine does beyond it is reading the case it decides on. The three work',
  '  on separate sets of cases in rotating 400 ms slices (12 each, after 1 s of each to warm up), so drift in the',
  '  machine’s load falls on all alike; afterwards the rows of each are counted and must match the transitions. "At a time" is the number of workers pressing',
  '  concurrently, each on its own cases (PGlite is one connection, so only 1). The ratio is engine ÷ baseline',
  '  transitions per second. The statement counts and the CPU profile come from extra transitions after the timed',
  '  ones; "waiting" in the profile is time the process had nothing to run (the PostgreSQL server was working, or',
  '  the socket was in flight).',
  '- **Action latency** (`latency.ts`). Ten groups, each bound to its own role, five people in each; 50 people press',
  '  Selesai on 50 different cards in the same instant, for 10 rounds (after one more, not counted, to warm up), each',
  '  round starting from a quiet service.',
  '  Timed from the moment the press exists in the fake Bot API (the bot learns of it by long polling, as in',
  '  production) to: the bot calling `answerCallbackQuery` ("Tercatat ✅" on the person’s screen), and the',
  '  transaction that wrote the next step’s card row to the outbox committing (the card is handed to the dispatcher;',
  '  sending it is the delivery benchmark’s subject). The third column is when the fake read the answer: it shares',
  '  the process with the service, so it reads only when the service’s work lets the event loop turn (on PGlite the',
  '  database itself runs on that thread), which a Telegram elsewhere would not wait for; the truth lies between the',
  '  first and the third column. "Recorded" counts presses answered "Tercatat" whose card row was written.',
  '- **Reminder sweep** (`sweep.ts`). Open tasks written in bulk into one case (10 000, then 100 000), none due before',
  '  2027; one `Scheduler.sweep` timed with nothing due (5 runs), with 1% overdue (3 runs, each on tasks not swept',
  '  before), and at 100 000 with the same 100 overdue as 1% of 10 000, after a warm-up sweep of 500 (not counted). Each',
  '  overdue task gets an overdue notice and an',
  `  escalation (two outbox rows). The sweep should cost in proportion to what is due: the check above takes the same`,
  `  100 due at 10 000 and at 100 000 open tasks, and asks the larger to take less than ×${SWEEP_OPEN_FACTOR} the time.`,
  '- **Delivery** (`delivery.ts`). 2 000 cards (20 for each of 100 groups, written group by group as a backlog that',
  '  built up office by office) wait in the outbox; the real dispatcher (polling every second, as in production) and',
  '  telegraf transport send them to the fake Bot API, which enforces Telegram’s limits like Telegram: more than 30',
  '  messages in any second, or 20 in any minute into one group, is answered 429 with retry_after. 20 per group fits',
  '  one group-minute, so the 30/s is what binds: N messages spread over T seconds touch at most ⌊T⌋ + 1 one-second',
  '  windows, so 2 000 need at least 66 s. The achieved rate is N / (T + 1 s) with T from the dispatcher’s start to',
  '  the last card accepted; a sender exactly at the limits gets 2 000 / 67 s = 29.9/s (the "at the limits" share).',
  '  **Lost** counts cards given up (dead) or recorded as sent but never received by their group; duplicates and order',
  '  are checked per group from what the groups received. The run is cut off at 150 s. The last column counts the',
  '  database statements the service sent while delivering (routing the backlog to the groups, claiming within the',
  '  limits, rendering each card, recording each send), and the rows they returned, per card.',
  '- **SOP sheet** (`sheet.ts`). The seed with the most kegiatan, drawn by `src/sheet` one run at a time after three',
  '  runs not counted: as the chat picture (`renderFlowPicture`: layout, SVG, PNG at 1600 px with resvg) and as the',
  '  printable sheet (`renderSopSheet` to PDF: identity page and every flowchart page, pdfkit + svg-to-pdfkit, the font',
  '  embedded as a subset). A press of Posisi is what the button does: `caseDetails` of a case of that SOP with two',
  '  returns (14 visits) from the database, then its picture.',
  '- **Memory of `npm start`** (`memory.ts`). The service started as `npm start` starts it (`node bin/start.js`:',
  '  compiled JavaScript, built first when the sources changed) with nothing configured but the port and a new data',
  '  folder (PGlite) or a new, empty database (PostgreSQL; the service migrates it). From the first 200 of `/readyz`,',
  '  `sopbot bind list` and `sopbot holiday add 2027-01-04 Uji` run as separate processes (`bin/sopbot.js`, as',
  '  `npx sopbot`), then `sopbot holiday list`, which must name the holiday: on PGlite the running service runs these',
  '  commands itself. 30 s after ready, the VmRSS of every process in the service’s tree (from `/proc`) is added up;',
  '  the highest sum is sampled every second until then. npm’s own wrapper process is not part of it (not started here).',
  '  On PostgreSQL the server is another program: the Pss of its processes serving the service is given beside it.',
  '  Then a second start, on another new folder or database, with Telegram pointed at the fake Bot API in the',
  '  benchmark process: five groups of ten people (one per shipped SOP’s first role, bound with `sopbot bind telegram`',
  '  and /daftar), 60 cases per group started with `sopbot case start` (on PGlite served by the running service), then',
  '  six rounds in which all 50 people press Selesai on 50 different cards at once. The peak is the highest sum of the',
  '  service’s processes, sampled every 20 ms from the first case started to the last press answered.',
  '- **Memory of the benchmark process** (`child.ts`, `measure.ts`). Resident set size of the process running the service (with PGlite that',
  '  includes the database itself), after a forced garbage collection once the set-up is done ("settled"), and the',
  '  peak sampled every 20 ms during the load. The idle benchmark starts the whole service (bot long polling,',
  '  dispatcher every second, scheduler), binds one group and measures it at rest for 10 s. PGlite’s WebAssembly',
  '  memory only grows, which is why each benchmark gets a fresh process. On PostgreSQL the database is another',
  '  process: where its processes can be read (same machine), the proportional set size (Pss) of the server',
  '  processes serving the service’s connections is given too, sampled every second.',
];

const REPRODUCE = [
  '```sh',
  'npm ci',
  '# PGlite only (3–5 minutes):',
  'npm run bench',
  '# PGlite and PostgreSQL (7–10 minutes); the user needs CREATEDB, each benchmark makes and drops its database:',
  'BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench',
  '# one figure at a time, e.g. the sweep on PostgreSQL; --out keeps docs/ as it is:',
  'BENCH_DATABASE_URL=... npm run bench -- --only sweep --drivers postgres --out /tmp/bench',
  '# one benchmark in the foreground, its report as JSON on stdout:',
  'BENCH_DATABASE_URL=... npx tsx test/bench/child.ts engine postgres',
  '# the memory check of issue 14 alone (about 40 s per database):',
  'BENCH_DATABASE_URL=... npm run bench -- --only memory',
  '```',
  '',
  'Figures depend on the machine and on what else runs on it: run on an idle machine (see the load averages above),',
  'and compare the engine with its baseline, which are measured side by side in the same run.',
];
