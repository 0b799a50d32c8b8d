/**
 * The Tindakan suggestions from the figures alone (the pure computation, rows made by hand): a
 * step late by the same amount every time asks for its waktu baku to be reviewed; a role late in
 * two SOPs asks for a look at its load; a step late in one case only points at that case.
 */
import { describe, expect, it } from 'vitest';
import { makeCalendar } from '../../src/calendar/calendar.js';
import { computeReport } from '../../src/report/compute.js';
import { DEFAULT_RULE } from '../../src/report/model.js';
import { sopDefinitionSchema } from '../../src/sop/definition.js';
import { sampleSopInput } from '../support/sample-sop.js';
import type { ReportCaseRow, ReportVisitRow } from '../../src/db/queries/report.js';

const wib = (local: string) => new Date(`${local}:00+07:00`);
const calendar = makeCalendar({ timezone: 'Asia/Jakarta' });
const contoh = sopDefinitionSchema.parse(sampleSopInput);
const lain = sopDefinitionSchema.parse({ ...sampleSopInput, id: 'lain', code: 'LAIN', identity: { ...sampleSopInput.identity, nama: 'Lain' } });

let nextId = 1;
const cases: ReportCaseRow[] = [];
const visits: ReportVisitRow[] = [];
/** A case of `sopId` whose step 2 opened at `opened` (WIB), was given `givenMin` minutes and took `tookMin`. */
function decision(sopId: string, versionId: number, opened: string, givenMin: number, tookMin: number) {
  const caseId = nextId++;
  const start = wib(opened);
  cases.push({ id: caseId, ref: `${sopId.toUpperCase()}-${caseId}`, sopId, sopVersionId: versionId, status: 'open', outcome: null, startedAt: start, closedAt: null });
  visits.push({
    id: nextId++,
    caseId,
    stepId: '2',
    visit: 1,
    status: 'completed',
    openedAt: start.getTime(),
    dueAt: start.getTime() + givenMin * 60_000,
    doneAt: start.getTime() + tookMin * 60_000,
    action: 'chosen',
    returnReason: null,
    escalations: 0,
  });
  return `${sopId.toUpperCase()}-${caseId}`;
}

function report() {
  return computeReport({
    period: { from: '2026-11-01', to: '2026-11-30', timezone: 'Asia/Jakarta' },
    rule: DEFAULT_RULE,
    evaluator: '',
    generatedAt: wib('2026-12-01T07:30'),
    cases,
    visits,
    definitions: new Map([[1, contoh], [2, lain]]),
    versionNumbers: new Map([[1, 1], [2, 1]]),
    sops: [
      { sopId: 'contoh', definition: contoh, calendar },
      { sopId: 'lain', definition: lain, calendar },
    ],
    calendar,
    catalog: [],
  });
}

describe('the suggested Tindakan', () => {
  it('asks to review the waktu of a step late by the same amount every time, and the load of a role late in two SOPs', () => {
    // Contoh: five decisions given 1 jam, each taking 2 jam (inside office hours, Mondays to Fridays).
    for (const day of ['02', '03', '04', '05', '06']) decision('contoh', 1, `2026-11-${day}T08:00`, 60, 120);
    // Lain: three of four decisions on time, one very late (08.00 to 16.00, the break not counted:
    // 6 working hours late): the lateness is that case's, and more than Contoh's 5 × 1 hour.
    for (const day of ['09', '10', '11']) decision('lain', 2, `2026-11-${day}T08:00`, 60, 30);
    const slow = decision('lain', 2, '2026-11-12T08:00', 60, 480);

    const r = report();
    const contohStep = r.sops.find((s) => s.sopId === 'contoh')!.steps.find((s) => s.stepId === '2')!;
    expect(contohStep.figures).toMatchObject({ runs: 5, onTime: 0, medianMinutes: 120, p90Minutes: 120, allowanceMinutes: 60, lateMinutes: 5 * 60 });
    expect(contohStep.suggestions).toEqual(['review-waktu', 'role-load']);
    expect(contohStep.tindakan).toBe(
      'Saran: tinjau ulang waktu baku (1 jam): hampir semua pelaksanaan butuh 2 jam kerja (P90 2 jam kerja), jadi waktunya memang tidak cukup.\n' +
        'Saran: periksa beban kerja Subkoordinator: kegiatannya juga terlambat di Lain.',
    );

    const lainStep = r.sops.find((s) => s.sopId === 'lain')!.steps.find((s) => s.stepId === '2')!;
    expect(lainStep.figures).toMatchObject({ runs: 4, onTime: 3, lateVisits: 1, slowestCases: [slow] });
    expect(lainStep.suggestions).toEqual(['late-cases', 'role-load']);
    expect(r.summary.roles.find((x) => x.role === 'subkor')).toMatchObject({ withDue: 9, onTime: 3, lateInSops: ['Contoh', 'Lain'] });
    expect(r.summary.costliest.map((c) => `${c.sopId}/${c.stepId}`)).toEqual(['lain/2', 'contoh/2']);
  });
});
