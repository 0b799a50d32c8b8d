/**
 * The report from the database: selects what the period touched (src/db/queries/report.ts),
 * resolves each case's own definition version and each SOP's calendar through the workflow
 * service, and hands it all to the pure computation.
 */
import { DateTime } from 'luxon';
import type { Db } from '../db/database.js';
import { REPORT_ERROR, type ReportErrorCode } from '../messages/report.js';
import type { SopDefinition } from '../sop/definition.js';
import type { WorkflowService } from '../service/workflow-service.js';
import { computeReport, periodInstants, type Period } from './compute.js';
import { DEFAULT_RULE, type MonitoringReport, type ReportRule } from './model.js';
import * as report from '../db/queries/report.js';

export interface ReportOptions {
  /** First and last local date of the period, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  /** The zone the dates are read in; default Asia/Jakarta (SOPBOT_TIMEZONE). */
  timezone?: string;
  /** Only these SOPs (each gets a sheet even with no case); default every SOP that ran in the period. */
  sopIds?: readonly string[];
  rule?: ReportRule;
  /** Nama / NIP for the form's header; default empty, to be written when signing. */
  evaluator?: string;
  /** When the report is made (its footer); default now. */
  now?: Date;
}

export class ReportError extends Error {
  constructor(
    readonly code: ReportErrorCode,
    readonly data: Record<string, unknown>,
  ) {
    super((REPORT_ERROR[code] as (p: Record<string, unknown>) => string)(data));
    this.name = 'ReportError';
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkDate(text: string): string {
  const t = text.trim();
  if (!ISO_DATE.test(t) || !DateTime.fromISO(t).isValid) throw new ReportError('bad_date', { text });
  return t;
}

/** "2026-11" → the first and last day of that month. */
export function monthPeriod(month: string): { from: string; to: string } {
  const t = month.trim();
  const start = /^\d{4}-\d{2}$/.test(t) ? DateTime.fromISO(`${t}-01`) : undefined;
  if (!start?.isValid) throw new ReportError('bad_month', { text: month });
  return { from: start.toISODate()!, to: start.endOf('month').toISODate()! };
}

/** Indonesian month names and their usual short forms (Nopember, Agt…), lower case → 1..12. */
const MONTH_NAMES: Record<string, number> = {
  januari: 1, jan: 1, februari: 2, pebruari: 2, feb: 2, peb: 2, maret: 3, mar: 3, april: 4, apr: 4, mei: 5,
  juni: 6, jun: 6, juli: 7, jul: 7, agustus: 8, agu: 8, agt: 8, ags: 8, agus: 8, september: 9, sep: 9, sept: 9,
  oktober: 10, okt: 10, november: 11, nopember: 11, nov: 11, nop: 11, desember: 12, des: 12,
};

/**
 * A month as people write it in a chat: "2026-11", "11/2026", "11-2026", "November 2026",
 * "Nop 2026". Returns "YYYY-MM", or null for anything else (the caller says what is accepted).
 */
export function parseMonth(text: string): string | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  let year: number | undefined;
  let month: number | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{1,2})$/.exec(t))) [year, month] = [Number(m[1]), Number(m[2])];
  else if ((m = /^(\d{1,2})[/-](\d{4})$/.exec(t))) [year, month] = [Number(m[2]), Number(m[1])];
  else if ((m = /^([a-z]+)\.? (\d{4})$/.exec(t)) && MONTH_NAMES[m[1]!] !== undefined) [year, month] = [Number(m[2]), MONTH_NAMES[m[1]!]];
  if (year === undefined || month === undefined || month < 1 || month > 12 || year < 2000 || year > 2999) return null;
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** The calendar month before the one `now` falls in, in `timezone`: the default period. */
export function previousMonth(now: Date, timezone: string): { from: string; to: string } {
  const start = DateTime.fromJSDate(now, { zone: timezone }).startOf('month').minus({ months: 1 });
  return { from: start.toISODate()!, to: start.endOf('month').toISODate()! };
}

/** Whether any case of the unit ran in the period (the monthly form is sent only then). */
export function anythingRan(db: Db, period: { from: string; to: string; timezone: string }): Promise<boolean> {
  return report.anyCaseRan(db, periodInstants({ from: checkDate(period.from), to: checkDate(period.to), timezone: period.timezone }));
}

export async function buildMonitoringReport(db: Db, service: WorkflowService, options: ReportOptions): Promise<MonitoringReport> {
  const timezone = options.timezone ?? 'Asia/Jakarta';
  const period: Period = { from: checkDate(options.from), to: checkDate(options.to), timezone };
  if (period.to < period.from) throw new ReportError('bad_range', { from: period.from, to: period.to });
  const rule = options.rule ?? DEFAULT_RULE;
  const known = new Set(service.catalog().map((s) => s.definition.id));
  const wanted = options.sopIds ? [...new Set(options.sopIds.map((s) => s.trim()).filter(Boolean))] : undefined;

  const { from, to } = periodInstants(period);
  const scope = { from, to, sopIds: wanted };
  const [cases, visits] = await Promise.all([report.reportCases(db, scope), report.reportVisits(db, scope)]);
  for (const id of wanted ?? []) {
    if (!known.has(id) && !cases.some((c) => c.sopId === id)) throw new ReportError('unknown_sop', { sopId: id, known: [...known].sort() });
  }

  const versionIds = [...new Set(cases.map((c) => c.sopVersionId))];
  const versionNumbers = await report.versionNumbers(db, versionIds);
  const definitions = new Map<number, SopDefinition>();
  for (const id of versionIds) {
    const sopId = cases.find((c) => c.sopVersionId === id)!.sopId;
    definitions.set(id, await service.definitionOf(id, sopId));
  }

  // Each SOP's sheet follows the newest version its cases ran on (the catalog's when none ran).
  const sopIds = wanted ?? [...new Set(cases.map((c) => c.sopId))].sort((a, b) => a.localeCompare(b));
  const sops = [];
  for (const sopId of sopIds) {
    const newest = cases
      .filter((c) => c.sopId === sopId)
      .map((c) => c.sopVersionId)
      .sort((a, b) => (versionNumbers.get(b) ?? 0) - (versionNumbers.get(a) ?? 0))[0];
    const definition = newest !== undefined ? definitions.get(newest)! : service.sop(sopId).definition;
    sops.push({ sopId, definition, calendar: await service.calendarFor(definition) });
  }
  sops.sort((a, b) => a.definition.identity.nama.localeCompare(b.definition.identity.nama, 'id'));

  return computeReport({
    period,
    rule,
    evaluator: options.evaluator?.trim() ?? '',
    generatedAt: options.now ?? new Date(),
    cases,
    visits,
    definitions,
    versionNumbers,
    sops,
    calendar: await service.calendarForZone(timezone),
    catalog: wanted ? [] : service.catalog().map((s) => ({ sopId: s.definition.id, nama: s.definition.identity.nama })),
  });
}
