/**
 * The report from the rows: pure, given the cases and visits a period touched, the definition
 * version of each case and each SOP's calendar. Working time is measured only with the calendar's
 * own functions (workingMinutesBetween), so office hours, breaks and holidays count as they do
 * for deadlines; the baku of a visit is the time it was actually given (opening to its due date),
 * which covers fixed waktu, "menyesuaikan" steps whose due date the actor set, and waktu counted
 * from an anchor step alike.
 */
import { DateTime } from 'luxon';
import { isWorkingDay, workingMinutesBetween, type WorkCalendar } from '../calendar/calendar.js';
import { parseWaktu } from '../calendar/waktu.js';
import { CATATAN, TINDAKAN, workingDuration } from '../messages/report.js';
import { stepDocuments, stepRoles, type SopDefinition, type StepDefinition } from '../sop/definition.js';
import type {
  CaseFigures,
  CostlyStep,
  Judgment,
  JudgmentBasis,
  MonitoringReport,
  ReasonCount,
  ReportRule,
  RoleFigures,
  SopReport,
  StepFigures,
  StepRow,
  SuggestionCode,
  WaktuKind,
  WeekFigures,
} from './model.js';
import type { ReportCaseRow, ReportVisitRow } from '../db/queries/report.js';

export interface Period {
  /** Inclusive local dates, YYYY-MM-DD. */
  from: string;
  to: string;
  timezone: string;
}

export interface ComputeInput {
  period: Period;
  rule: ReportRule;
  evaluator: string;
  generatedAt: Date;
  cases: readonly ReportCaseRow[];
  visits: readonly ReportVisitRow[];
  /** Definition of every version the cases name. */
  definitions: ReadonlyMap<number, SopDefinition>;
  /** Version number of every version id. */
  versionNumbers: ReadonlyMap<number, number>;
  /** The SOPs on the report, in order, with the definition their sheet is laid out from (the newest). */
  sops: readonly { sopId: string; definition: SopDefinition; calendar: WorkCalendar }[];
  /** The report's own calendar (its time zone): the summary's day length. */
  calendar: WorkCalendar;
  /** Catalog SOPs (id, name) for the "not run" line. */
  catalog: readonly { sopId: string; nama: string }[];
}

/** The instants a period of local dates covers: [from 00:00, day after `to` 00:00). */
export function periodInstants(period: Period): { from: Date; to: Date } {
  const from = DateTime.fromISO(period.from, { zone: period.timezone }).startOf('day');
  const to = DateTime.fromISO(period.to, { zone: period.timezone }).plus({ days: 1 }).startOf('day');
  return { from: from.toJSDate(), to: to.toJSDate() };
}

/** When a report's period was still running at its making: the local date and time it was counted at. */
export function runningAsOf(report: MonitoringReport): { date: string; time: string } | undefined {
  const made = DateTime.fromISO(report.generatedAt, { zone: report.period.timezone });
  if (made.toISODate()! > report.period.to) return undefined;
  return { date: made.toISODate()!, time: made.toFormat('HH.mm') };
}

/** Whether a period is exactly one calendar month. */
export function isWholeMonth(period: { from: string; to: string }): boolean {
  const from = DateTime.fromISO(period.from);
  return from.day === 1 && from.endOf('month').toISODate() === period.to;
}

/**
 * Working minutes of a regular office day under a calendar, measured with the calendar itself
 * (so breaks in office hours are left out): the first working Monday of 2025 from midnight to
 * midnight.
 */
export function officeDayMinutes(cal: WorkCalendar): number {
  let day = DateTime.fromISO('2025-01-06', { zone: cal.timezone });
  for (let i = 0; i < 60 && !isWorkingDay(day.toISODate()!, cal); i++) day = day.plus({ weeks: 1 });
  const minutes = workingMinutesBetween(day.toJSDate(), day.plus({ days: 1 }).toJSDate(), cal);
  return minutes > 0 ? minutes : 450;
}

/** Linear interpolation between closest ranks, as PostgreSQL's percentile_cont. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

/** The judgment of one step under the rule; see README "Monitoring dan evaluasi". */
export function judge(f: Pick<StepFigures, 'runs' | 'withDue' | 'onTimeShare' | 'sentBackShare'>, rule: ReportRule): { judgment: Judgment; basis: JudgmentBasis } {
  if (f.runs === 0) return { judgment: 'tidak_dinilai', basis: 'none' };
  const returnsOk = (f.sentBackShare ?? 0) <= rule.maxReturnShare + 1e-9;
  if (f.withDue === 0 || f.onTimeShare === null) return { judgment: returnsOk ? 'baik' : 'tidak_baik', basis: 'returns-only' };
  const onTimeOk = f.onTimeShare >= rule.minOnTimeShare - 1e-9;
  return { judgment: onTimeOk && returnsOk ? 'baik' : 'tidak_baik', basis: 'on-time-and-returns' };
}

export function computeReport(input: ComputeInput): MonitoringReport {
  const period = periodInstants(input.period);
  const from = period.from.getTime();
  // A period still running is judged as it stands when the report is made: a step due tomorrow is
  // open, not late at the end of a month that has not ended.
  const to = Math.min(period.to.getTime(), Math.max(from, input.generatedAt.getTime()));
  const caseById = new Map(input.cases.map((c) => [c.id, c]));
  const present = new Set(input.sops.map((s) => s.sopId));
  // Working minutes between two instants (ms) under a calendar: the calendar's own arithmetic.
  const minutes = (a: number, b: number, cal: WorkCalendar) => workingMinutesBetween(new Date(a), new Date(b), cal);
  // The time a visit was given, counted once: the step figures and the path of its case both use it.
  const given = new Map<number, number>();
  const allowance = (v: ReportVisitRow, cal: WorkCalendar) => {
    if (v.dueAt === null) return null;
    let m = given.get(v.id);
    if (m === undefined) given.set(v.id, (m = minutes(v.openedAt, v.dueAt, cal)));
    return m;
  };

  // Visits grouped by SOP and step, and by case (for the path of a finished case): one pass.
  const visitsByStep = new Map<string, Map<string, ReportVisitRow[]>>();
  const visitsByCase = new Map<number, ReportVisitRow[]>();
  for (const v of input.visits) {
    const c = caseById.get(v.caseId);
    if (!c || !present.has(c.sopId)) continue;
    let steps = visitsByStep.get(c.sopId);
    if (!steps) visitsByStep.set(c.sopId, (steps = new Map()));
    let list = steps.get(v.stepId);
    if (!list) steps.set(v.stepId, (list = []));
    list.push(v);
    let perCase = visitsByCase.get(v.caseId);
    if (!perCase) visitsByCase.set(v.caseId, (perCase = []));
    perCase.push(v);
  }

  const inPeriod = (t: number | null): t is number => t !== null && t >= from && t < to;
  const inPeriodDate = (d: Date | null): d is Date => d !== null && inPeriod(d.getTime());
  const weeks = weekStarts(input.period);
  const weekIndex = (t: number) => {
    let i = 0;
    while (i + 1 < weeks.length && weeks[i + 1]!.at <= t) i++;
    return i;
  };
  const extras = new Map<StepRow, StepExtras>();
  const endToEndAll: number[] = [];
  const bakuPathAll: number[] = [];

  const sops: SopReport[] = input.sops.map(({ sopId, definition, calendar }) => {
    const dayMinutes = officeDayMinutes(calendar);
    const sopCases = input.cases.filter((c) => c.sopId === sopId);

    // Cases.
    const endToEnd: number[] = [];
    const bakuPath: number[] = [];
    for (const c of sopCases) {
      if (c.outcome !== 'selesai' || !inPeriodDate(c.closedAt)) continue;
      endToEnd.push(workingMinutesBetween(c.startedAt, c.closedAt, calendar));
      const first = new Map<string, ReportVisitRow>();
      for (const v of visitsByCase.get(c.id) ?? []) {
        if (v.status === 'cancelled') continue;
        const seen = first.get(v.stepId);
        if (!seen || v.visit < seen.visit) first.set(v.stepId, v);
      }
      let sum = 0;
      for (const v of first.values()) sum += allowance(v, calendar) ?? 0;
      bakuPath.push(sum);
    }
    for (const m of endToEnd) endToEndAll.push(m);
    for (const m of bakuPath) bakuPathAll.push(m);
    const cases: CaseFigures = {
      started: sopCases.filter((c) => inPeriodDate(c.startedAt)).length,
      finished: sopCases.filter((c) => c.outcome === 'selesai' && inPeriodDate(c.closedAt)).length,
      rejected: sopCases.filter((c) => c.outcome === 'ditolak' && inPeriodDate(c.closedAt)).length,
      cancelled: sopCases.filter((c) => c.outcome === 'dibatalkan' && inPeriodDate(c.closedAt)).length,
      running: sopCases.filter((c) => c.startedAt.getTime() < to && (c.closedAt === null || c.closedAt.getTime() >= to)).length,
      medianEndToEndMinutes: median(endToEnd),
      medianBakuPathMinutes: median(bakuPath),
      measured: endToEnd.length,
    };

    // Steps: the newest definition's order, then steps only older versions had.
    const versionIds = [...new Set(sopCases.map((c) => c.sopVersionId))].sort(
      (a, b) => (input.versionNumbers.get(b) ?? 0) - (input.versionNumbers.get(a) ?? 0),
    );
    const versionDefs = versionIds.map((id) => input.definitions.get(id)).filter((d): d is SopDefinition => d !== undefined);
    const stepDefs: StepDefinition[] = [...definition.steps];
    for (const d of versionDefs) for (const s of d.steps) if (!stepDefs.some((x) => x.id === s.id)) stepDefs.push(s);

    const byStep = visitsByStep.get(sopId) ?? new Map<string, ReportVisitRow[]>();
    const weekly: WeekFigures[] = weeks.map((w) => ({ weekStart: w.date, withDue: 0, onTime: 0 }));

    const steps: StepRow[] = stepDefs.map((step, i) => {
      const all = byStep.get(step.id) ?? [];
      const done: ReportVisitRow[] = [];
      let openAtEnd = 0;
      let overdueAtEnd = 0;
      for (const v of all) {
        if (v.status === 'completed' && inPeriod(v.doneAt)) done.push(v);
        if (v.status !== 'cancelled' && v.openedAt < to && (v.doneAt === null || v.doneAt >= to)) {
          openAtEnd++;
          if (v.dueAt !== null && v.dueAt < to) overdueAtEnd++;
        }
      }
      const taken: number[] = [];
      const allowances: number[] = [];
      const lateness: { caseId: number; minutes: number }[] = [];
      const reasons: string[] = [];
      let withDue = 0;
      let onTime = 0;
      let lateMinutes = 0;
      let returned = 0;
      let escalations = 0;
      for (const v of done) {
        const doneAt = v.doneAt!;
        const spent = minutes(v.openedAt, doneAt, calendar);
        taken.push(spent);
        if (v.action === 'returned') returned++;
        if (v.returnReason !== null) reasons.push(v.returnReason);
        escalations += v.escalations;
        if (v.dueAt === null) continue;
        withDue++;
        const time = allowance(v, calendar)!;
        allowances.push(time);
        const week = weekly[weekIndex(doneAt)]!;
        week.withDue++;
        if (doneAt <= v.dueAt) {
          onTime++;
          week.onTime++;
        } else {
          // Working time adds up (opening → due → done), so the lateness needs no third count.
          const late = Math.max(0, spent - time);
          lateMinutes += late;
          lateness.push({ caseId: v.caseId, minutes: late });
        }
      }
      taken.sort((a, b) => a - b);
      const figures: StepFigures = {
        runs: done.length,
        withDue,
        onTime,
        onTimeShare: withDue ? onTime / withDue : null,
        medianMinutes: percentile(taken, 0.5),
        p90Minutes: percentile(taken, 0.9),
        allowanceMinutes: median(allowances),
        lateMinutes,
        lateVisits: withDue - onTime,
        returned,
        sentBack: reasons.length,
        sentBackShare: done.length ? reasons.length / done.length : null,
        reasons: commonest(reasons),
        escalations,
        openAtEnd,
        overdueAtEnd,
        slowestCases: [...new Set(lateness.sort((a, b) => b.minutes - a.minutes).slice(0, 20).map((l) => caseById.get(l.caseId)!.ref))].slice(0, 3),
      };
      const { judgment, basis } = judge(figures, input.rule);
      const roles = stepRoles(step);
      // "v2: 2 hari; v1: 1 hari" when the versions of the period disagree on the waktu.
      const waktuByVersion = versionIds.flatMap((id) => {
        const s = input.definitions.get(id)?.steps.find((x) => x.id === step.id);
        return s ? [{ version: input.versionNumbers.get(id) ?? 0, waktu: s.waktu ?? '—' }] : [];
      });
      const waktuTexts = new Set(waktuByVersion.map((w) => w.waktu)).size > 1 ? waktuByVersion.map((w) => `v${w.version}: ${w.waktu}`) : [];
      const row: StepRow = {
        no: i + 1,
        stepId: step.id,
        kegiatan: step.kegiatan,
        roles,
        roleNames: roles.map((r) => roleNameIn([definition, ...versionDefs], r)),
        waktu: step.waktu ?? null,
        waktuKind: waktuKindOf(step, definition),
        figures,
        judgment,
        basis,
        // Written below once every SOP's steps are known (the role-load suggestion looks across SOPs).
        catatan: '',
        tindakan: '',
        suggestions: [],
      };
      extras.set(row, {
        waktuVersions: waktuTexts.length ? waktuTexts : undefined,
        kelengkapan: stepDocuments(step).kelengkapan.map((k) => k.name),
        noCases: sopCases.length === 0,
      });
      return row;
    });

    return {
      sopId,
      code: definition.code,
      nama: definition.identity.nama,
      nomor: definition.identity.nomor,
      instansi: definition.identity.instansi,
      versions: versionIds.map((id) => input.versionNumbers.get(id)).filter((n): n is number => n !== undefined).sort((a, b) => a - b),
      timezone: calendar.timezone,
      dayMinutes,
      cases,
      steps,
      weekly,
    };
  });

  // Roles whose steps miss the on-time share in two or more SOPs.
  const roleLate = new Map<string, Set<string>>();
  for (const sop of sops) {
    for (const s of sop.steps) {
      if (s.figures.onTimeShare === null || s.figures.onTimeShare >= input.rule.minOnTimeShare - 1e-9) continue;
      for (const r of s.roles) roleLate.set(r, (roleLate.get(r) ?? new Set()).add(sop.nama));
    }
  }

  for (const sop of sops) {
    for (const row of sop.steps) Object.assign(row, writeRow(row, extras.get(row)!, sop, roleLate, input.rule));
  }

  const dayMinutes = officeDayMinutes(input.calendar);
  const sum = (pick: (c: CaseFigures) => number) => sops.reduce((n, s) => n + pick(s.cases), 0);
  const costliest: CostlyStep[] = sops
    .flatMap((sop) =>
      sop.steps
        .filter((s) => s.figures.lateMinutes > 0 || s.figures.lateVisits > 0)
        .map((s) => ({
          sopId: sop.sopId,
          sopName: sop.nama,
          stepId: s.stepId,
          kegiatan: s.kegiatan,
          roleNames: s.roleNames,
          lateMinutes: s.figures.lateMinutes,
          lateVisits: s.figures.lateVisits,
          withDue: s.figures.withDue,
          onTime: s.figures.onTime,
          dayMinutes: sop.dayMinutes,
        })),
    )
    .sort((a, b) => b.lateMinutes / b.dayMinutes - a.lateMinutes / a.dayMinutes || b.lateVisits - a.lateVisits)
    .slice(0, 5);

  const roles = new Map<string, RoleFigures>();
  for (const sop of sops) {
    for (const s of sop.steps) {
      s.roles.forEach((r, i) => {
        const f = roles.get(r) ?? { role: r, name: s.roleNames[i] ?? r, withDue: 0, onTime: 0, lateMinutes: 0, lateInSops: [] };
        f.withDue += s.figures.withDue;
        f.onTime += s.figures.onTime;
        // In the report's day: a role's lateness adds up across units.
        f.lateMinutes += (s.figures.lateMinutes / sop.dayMinutes) * dayMinutes;
        roles.set(r, f);
      });
    }
  }
  for (const [r, names] of roleLate) {
    const f = roles.get(r);
    if (f) f.lateInSops = [...names];
  }

  const weekly = weeks.map((w, i) => ({
    weekStart: w.date,
    withDue: sops.reduce((n, s) => n + s.weekly[i]!.withDue, 0),
    onTime: sops.reduce((n, s) => n + s.weekly[i]!.onTime, 0),
  }));

  return {
    period: { from: input.period.from, to: input.period.to, wholeMonth: isWholeMonth(input.period), timezone: input.period.timezone },
    generatedAt: input.generatedAt.toISOString(),
    evaluator: input.evaluator,
    rule: input.rule,
    dayMinutes,
    sops,
    summary: {
      cases: {
        started: sum((c) => c.started),
        finished: sum((c) => c.finished),
        rejected: sum((c) => c.rejected),
        cancelled: sum((c) => c.cancelled),
        running: sum((c) => c.running),
        medianEndToEndMinutes: median(endToEndAll),
        medianBakuPathMinutes: median(bakuPathAll),
        measured: endToEndAll.length,
      },
      costliest,
      roles: [...roles.values()].filter((r) => r.withDue > 0).sort((a, b) => b.lateMinutes - a.lateMinutes || a.name.localeCompare(b.name)),
      weekly,
      notRun: input.catalog.filter((c) => !present.has(c.sopId)).map((c) => c.nama),
    },
  };
}

interface StepExtras {
  waktuVersions: string[] | undefined;
  kelengkapan: string[];
  noCases: boolean;
}

function writeRow(
  row: StepRow,
  extra: StepExtras,
  sop: SopReport,
  roleLate: Map<string, Set<string>>,
  rule: ReportRule,
): { catatan: string; tindakan: string; suggestions: SuggestionCode[] } {
  const f = row.figures;
  const d = (m: number | null) => (m === null ? '—' : workingDuration(m, sop.dayMinutes));
  const parts: string[] = [];
  if (f.runs === 0) {
    parts.push(extra.noCases ? CATATAN.notRunSop : CATATAN.notReached);
    if (f.openAtEnd) parts.push(CATATAN.openAtEnd(f.openAtEnd, f.overdueAtEnd));
    return { catatan: parts.join(' '), tindakan: TINDAKAN.none, suggestions: [] };
  }
  parts.push(CATATAN.runs(f.runs));
  if (f.withDue) parts.push(CATATAN.onTime(f.onTime, f.withDue));
  parts.push(f.runs > 1 ? CATATAN.durations(d(f.medianMinutes), d(f.p90Minutes)) : CATATAN.median(d(f.medianMinutes)));
  // A bare number ("1500", PUPR) is minutes of the SOP's own convention: say what it came to.
  if (row.waktuKind === 'fixed') parts.push(CATATAN.bakuFixed(row.waktu!, /^\d+$/.test(row.waktu!.trim()) && f.allowanceMinutes !== null ? d(f.allowanceMinutes) : null));
  else if (row.waktuKind === 'actor-sets') parts.push(CATATAN.bakuActor(f.allowanceMinutes === null ? null : d(f.allowanceMinutes)));
  else if (row.waktuKind === 'after-anchor') parts.push(CATATAN.bakuAnchor(row.waktu!));
  else parts.push(CATATAN.bakuNone);
  if (row.waktuKind !== 'none' && !f.withDue) parts.push(CATATAN.noDueRecorded);
  if (extra.waktuVersions) parts.push(CATATAN.versions(extra.waktuVersions));
  parts.push(f.sentBack ? CATATAN.sentBack(f.sentBack, f.runs, f.reasons) : CATATAN.noSentBack);
  if (f.returned) parts.push(CATATAN.returned(f.returned));
  if (f.escalations) parts.push(CATATAN.escalations(f.escalations));
  if (f.openAtEnd) parts.push(CATATAN.openAtEnd(f.openAtEnd, f.overdueAtEnd));

  const suggestions: { code: SuggestionCode; text: string }[] = [];
  const onTimeFails = f.onTimeShare !== null && f.onTimeShare < rule.minOnTimeShare - 1e-9;
  if (onTimeFails) {
    const tight = f.medianMinutes !== null && f.p90Minutes !== null && f.p90Minutes <= f.medianMinutes * 1.5 + 1;
    const over = f.allowanceMinutes !== null && f.medianMinutes !== null && f.medianMinutes > f.allowanceMinutes;
    if (tight && over && (row.waktuKind === 'fixed' || row.waktuKind === 'after-anchor')) {
      suggestions.push({ code: 'review-waktu', text: TINDAKAN.reviewWaktu(row.waktu!, d(f.medianMinutes), d(f.p90Minutes)) });
    } else if (f.slowestCases.length) {
      suggestions.push({ code: 'late-cases', text: TINDAKAN.lateCases(f.slowestCases) });
    }
    const lateElsewhere = row.roles.map((r) => ({ r, sops: [...(roleLate.get(r) ?? [])].filter((n) => n !== sop.nama) })).find((x) => x.sops.length);
    if (lateElsewhere) {
      const name = row.roleNames[row.roles.indexOf(lateElsewhere.r)] ?? lateElsewhere.r;
      suggestions.push({ code: 'role-load', text: TINDAKAN.roleLoad(name, lateElsewhere.sops) });
    }
  }
  if ((f.sentBackShare ?? 0) > rule.maxReturnShare + 1e-9) {
    const top = f.reasons[0];
    if (top && top.count >= 2) suggestions.push({ code: 'clarify-kelengkapan', text: TINDAKAN.clarifyKelengkapan(extra.kelengkapan, top.text, top.count) });
    else suggestions.push({ code: 'review-returns', text: TINDAKAN.reviewReturns });
  }
  const tindakan = suggestions.length
    ? suggestions.map((s) => `${TINDAKAN.prefix}${s.text}`).join('\n')
    : row.judgment === 'baik'
      ? TINDAKAN.keep
      : TINDAKAN.none;
  return { catatan: parts.join(' '), tindakan, suggestions: suggestions.map((s) => s.code) };
}

/** The commonest texts, case and spacing ignored, most frequent first (three at most). */
function commonest(texts: string[]): ReasonCount[] {
  const counts = new Map<string, ReasonCount>();
  for (const raw of texts) {
    const text = raw.replace(/\s+/g, ' ').trim();
    const key = text.toLowerCase().replace(/[.!]+$/, '');
    const c = counts.get(key) ?? { text, count: 0 };
    c.count++;
    counts.set(key, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.text.localeCompare(b.text)).slice(0, 3);
}

function waktuKindOf(step: StepDefinition, def: SopDefinition): WaktuKind {
  try {
    return parseWaktu(step.waktu, def.konversiWaktu).kind;
  } catch {
    return 'none';
  }
}

function roleNameIn(defs: SopDefinition[], roleId: string): string {
  for (const d of defs) {
    const name = d.roles.find((r) => r.id === roleId)?.name;
    if (name) return name.replace(/\.$/, '');
  }
  return roleId;
}

/** Monday of each week the period touches (the period's first day for the first, cut week), and its first instant. */
function weekStarts(period: Period): { date: string; at: number }[] {
  const out: { date: string; at: number }[] = [];
  const end = DateTime.fromISO(period.to, { zone: period.timezone });
  let day = DateTime.fromISO(period.from, { zone: period.timezone });
  out.push({ date: day.toISODate()!, at: day.toMillis() });
  day = day.startOf('week').plus({ weeks: 1 });
  while (day <= end) {
    out.push({ date: day.toISODate()!, at: day.toMillis() });
    day = day.plus({ weeks: 1 });
  }
  return out;
}
