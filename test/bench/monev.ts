/**
 * The monitoring report over a month of 10 000 finished cases (100 000 task visits, a tenth of
 * them escalated), with eleven earlier months of the same size in the tables beside it (1,2 million
 * visits), so the period has to be found by index, not by reading everything. Measures buildMonitoringReport
 * (both queries and the working-time computation) end to end, each part on its own, the XLSX,
 * PDF and JSON of the result, and keeps the query plans (EXPLAIN ANALYZE).
 *
 * Each case: steps 1, 2, 3, then three rounds of 3 → 4 with two returns (the re-dos of 3 carry the
 * reason), ten visits in all; even cases get 90 minutes a visit, odd ones 30 (late), so half the
 * visits are late. Rows are written in bulk with generate_series, as the sweep benchmark does.
 */
import { buildMonitoringReport, renderReportJson, renderReportPdf, renderReportXlsx } from '../../src/report/index.js';
import { periodInstants } from '../../src/report/compute.js';
import { contentHash } from '../../src/sop/loader.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { sampleSop } from '../support/sample-sop.js';
import type { BenchDatabase, Driver } from './db.js';
import { median, round } from './measure.js';
import { profile } from './profile.js';
import * as report from '../../src/db/queries/report.js';

export interface MonevResult {
  casesInPeriod: number;
  visitsInPeriod: number;
  casesInTables: number;
  visitsInTables: number;
  escalations: number;
  /** buildMonitoringReport end to end, median of the runs (ms). */
  ms: number;
  runs: number[];
  /** CPU time of the service process for one build, median (ms): what the load of other work on the machine does not inflate. */
  cpuMs: number;
  /** Parts of one build: the cases query, the visits query, the rest (definitions, working time, words). */
  casesQueryMs: number;
  visitsQueryMs: number;
  computeMs: number;
  xlsxMs: number;
  pdfMs: number;
  jsonMs: number;
  pdfPages: number;
  plans: { cases: string[]; visits: string[]; escalations: string[] };
}

const PERIOD = { from: '2026-11-01', to: '2026-11-30', timezone: 'Asia/Jakarta' };
const PER_MONTH = 10_000;
/** Months of history before the period: a year of a busy unit in the tables, so the period is a twelfth of them. */
const HISTORY_MONTHS = Number(process.env.BENCH_REPORT_HISTORY_MONTHS ?? 11);

export async function benchMonev(database: BenchDatabase, _driver: Driver, ready: () => Promise<void>, sample: () => void): Promise<MonevResult> {
  const service = new WorkflowService(database.db);
  const [registered] = await service.registerDefinitions([{ definition: sampleSop, contentHash: contentHash(sampleSop) }]);
  // A year in the tables: eleven months of history, then November (the period), 28 days each from the 1st.
  let first = 1;
  const months = Array.from({ length: HISTORY_MONTHS + 1 }, (_, i) => {
    const m = 11 - HISTORY_MONTHS + i; // 0-based month index in 2026 ending at November (10)
    const d = new Date(Date.UTC(2026, m - 1, 1));
    return `${d.toISOString().slice(0, 7)}-01T08:00:00+07:00`;
  });
  // November's cases start from 31 October, so a few hundred of them began in October and finish in
  // November: their October visits come through the query's last branch.
  months[HISTORY_MONTHS] = '2026-10-31T08:00:00+07:00';
  for (const monthStart of months) {
    await seedMonth(database, registered!.versionId, monthStart, first, first + PER_MONTH - 1);
    first += PER_MONTH;
  }
  await database.raw(
    `insert into outbox (kind, role, case_id, task_id, payload, dedupe_key, status)
     select 'escalation', 'subkor', case_id, id, '{}'::jsonb, 'bench-esc:' || id, 'routed' from tasks where id % 10 = 0`,
  );
  // Each escalation's two per-chat deliveries, which the report must not count again.
  await database.raw(
    `insert into outbox (kind, role, case_id, task_id, payload, dedupe_key, status, parent_id, platform, chat_id, thread_id)
     select o.kind, o.role, o.case_id, o.task_id, '{}'::jsonb, o.dedupe_key || ':' || n, 'sent', o.id, 'telegram', '-100' || n, ''
       from outbox o cross join generate_series(1, 2) n where o.kind = 'escalation' and o.parent_id is null`,
  );
  await database.raw('analyze');
  const counts = (await database.raw(`select (select count(*) from cases)::int as cases, (select count(*) from tasks)::int as tasks,
      (select count(*) from outbox where kind = 'escalation' and parent_id is null)::int as escalations`))[0]!;
  await ready();

  const options = { ...PERIOD, sopIds: undefined, now: new Date('2026-12-01T00:30:00Z') };
  // Warm-up: the first build compiles the code paths (V8 tiers, PGlite's WebAssembly).
  const warm = await buildMonitoringReport(database.db, service, options);
  if (process.env.BENCH_PROFILE_TOP) console.error(JSON.stringify((await profile(() => buildMonitoringReport(database.db, service, options))).breakdown));
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    sample();
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    await buildMonitoringReport(database.db, service, options);
    const used = process.cpuUsage(cpuStart);
    runs.push(round(performance.now() - started, 1));
    cpu.push((used.user + used.system) / 1000);
    sample();
  }
  const { from, to } = periodInstants(PERIOD);
  const scope = { from, to };
  let t = performance.now();
  await report.reportCases(database.db, scope);
  const casesQueryMs = performance.now() - t;
  t = performance.now();
  const visits = await report.reportVisits(database.db, scope);
  const visitsQueryMs = performance.now() - t;

  t = performance.now();
  await renderReportXlsx(warm);
  const xlsxMs = performance.now() - t;
  t = performance.now();
  const pdf = await renderReportPdf(warm);
  const pdfMs = performance.now() - t;
  t = performance.now();
  renderReportJson(warm);
  const jsonMs = performance.now() - t;

  const sop = warm.sops[0]!;
  if (sop.cases.finished !== PER_MONTH) throw new Error(`the report counted ${sop.cases.finished} finished cases, wanted ${PER_MONTH}`);
  const visitsInPeriod = sop.steps.reduce((n, s) => n + s.figures.runs, 0);
  if (visits.length < visitsInPeriod) throw new Error(`fetched ${visits.length} visits, counted ${visitsInPeriod}`);
  const ms = median(runs);
  return {
    casesInPeriod: sop.cases.finished,
    visitsInPeriod,
    casesInTables: Number(counts.cases),
    visitsInTables: Number(counts.tasks),
    escalations: Number(counts.escalations),
    ms: round(ms, 1),
    runs,
    cpuMs: round(median(cpu), 1),
    casesQueryMs: round(casesQueryMs, 1),
    visitsQueryMs: round(visitsQueryMs, 1),
    computeMs: round(ms - casesQueryMs - visitsQueryMs, 1),
    xlsxMs: round(xlsxMs, 1),
    pdfMs: round(pdfMs, 1),
    jsonMs: round(jsonMs, 1),
    pdfPages: (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length,
    plans: {
      cases: await report.explainReportCases(database.db, scope),
      visits: await report.explainReportVisits(database.db, scope),
      escalations: await report.explainReportEscalations(database.db, scope),
    },
  };
}

/** `count` finished cases spread over 28 days from `monthStart`, ten visits each. */
async function seedMonth(database: BenchDatabase, versionId: number, monthStart: string, fromN: number, toN: number) {
  const spacing = (28 * 86_400) / (toN - fromN + 1);
  await database.raw(
    `insert into cases (ref, sop_version_id, sop_id, title, status, outcome, decisions, started_by, started_at, closed_at, version)
     select 'BENCH-' || g, $1, 'contoh', 'Bench ' || g, 'closed', 'selesai', '{}'::jsonb,
            '{"channel":"cli","userId":"bench","name":"bench"}'::jsonb,
            $2::timestamptz + ((g - $3) * $4::double precision) * interval '1 second',
            $2::timestamptz + ((g - $3) * $4::double precision) * interval '1 second' + interval '20 hours', 1
       from generate_series($3::int, $5::int) g`,
    [versionId, monthStart, fromN, spacing, toN],
  );
  await database.raw(
    `insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, done_at, action, comment, return_reason, went_to)
     select c.id, v.step, v.visit, v.kind, v.roles::jsonb, 'completed',
            c.started_at + v.k * interval '2 hours',
            c.started_at + v.k * interval '2 hours' + case when c.id % 2 = 0 then interval '90 minutes' else interval '30 minutes' end,
            c.started_at + v.k * interval '2 hours' + interval '1 hour',
            v.action,
            case when v.action = 'returned' then (array['Lampiran kurang', 'Nomor surat salah', 'Nilai belum dihitung ulang'])[1 + (c.id + v.k) % 3] end,
            case when v.reopened then (array['Lampiran kurang', 'Nomor surat salah', 'Nilai belum dihitung ulang'])[1 + (c.id + v.k - 1) % 3] end,
            v.went
       from cases c
       cross join (values
         (0, '1', 1, 'task', '["kabid"]', 'done', false, '2'),
         (1, '2', 1, 'decision', '["subkor"]', 'chosen', false, '3'),
         (2, '3', 1, 'task', '["asesor"]', 'done', false, '4'),
         (3, '4', 1, 'review', '["kabid"]', 'returned', false, '3'),
         (4, '3', 2, 'task', '["asesor"]', 'done', true, '4'),
         (5, '4', 2, 'review', '["kabid"]', 'returned', false, '3'),
         (6, '3', 3, 'task', '["asesor"]', 'done', true, '4'),
         (7, '4', 3, 'review', '["kabid"]', 'approved', false, '6'),
         (8, '6', 1, 'joint', '["kabid","asesor"]', 'confirmed', false, 'end:selesai'),
         (9, '6', 2, 'joint', '["kabid","asesor"]', 'confirmed', false, 'end:selesai')
       ) as v(k, step, visit, kind, roles, action, reopened, went)
      where c.id between $1 and $2`,
    [fromN, toN],
  );
}
