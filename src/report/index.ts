/**
 * Monitoring and evaluation of each SOP from what actually ran (PermenPAN-RB 35/2012): the
 * report model from the database, and its renderings. Everything here returns data or bytes;
 * delivering them (a file, a chat, the outbox) is the caller's business.
 *
 *   const report = await buildMonitoringReport(db, service, { from: '2026-11-01', to: '2026-11-30' });
 *   const xlsx = await renderReportXlsx(report);   // also renderReportPdf, renderReportJson
 *   const png = renderDigestChart({ onTime, overdueByRole });
 */
import { REPORT_CAPTION } from '../messages/report.js';
import type { MonitoringReport } from './model.js';
import { reportPageSvgs } from './pages.js';
import { svgToPng } from '../graphics/png.js';

export { buildMonitoringReport } from './build.js';
export type { MonitoringReport } from './model.js';
export { renderReportPdf } from './pdf.js';
export { renderReportXlsx } from './xlsx.js';

/** The figures for other tools: the report model as UTF-8 JSON. */
export function renderReportJson(report: MonitoringReport): Buffer {
  return Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
}

/** One page of the printed report as PNG (the README's picture; a chat preview). */
export function renderReportPagePng(report: MonitoringReport, page: number, width = 1684): Buffer {
  const pages = reportPageSvgs(report);
  const svg = pages[Math.min(Math.max(page, 0), pages.length - 1)]!;
  return svgToPng(svg, { width });
}

/** "monev-2026-11.xlsx" for a whole month, "monev-2026-11-01_2026-11-15.pdf" for another range. */
export function reportFileName(period: { from: string; to: string; wholeMonth: boolean }, format: 'xlsx' | 'pdf' | 'json'): string {
  return `monev-${period.wholeMonth ? period.from.slice(0, 7) : `${period.from}_${period.to}`}.${format}`;
}

/**
 * One line to send with the file in a chat: the period, how many SOPs, and how many steps did
 * not run well ("Formulir monitoring SOP November 2026: 3 SOP, 2 kegiatan tidak berjalan dengan baik.").
 */
export function reportCaption(report: MonitoringReport): string {
  const { from, to, wholeMonth } = report.period;
  const notWell = report.sops.reduce((n, s) => n + s.steps.filter((x) => x.judgment === 'tidak_baik').length, 0);
  return REPORT_CAPTION(from, to, wholeMonth, report.sops.length, notWell);
}
