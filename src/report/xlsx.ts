/**
 * The report as an Excel workbook (exceljs): a summary sheet, then one sheet per SOP laid out as
 * the regulation's monitoring form (No | Prosedur | Penilaian: berjalan dengan baik / tidak
 * berjalan dengan baik | Catatan hasil penilaian | Tindakan yang harus diambil | Paraf), printable
 * on A4 landscape, with the figures of each row beside it as numbers (counts, shares formatted
 * as %, durations in working days) for anyone who wants to compute further.
 */
import ExcelJS from 'exceljs';
import { FORM, JUDGMENT, reportPeriodLine, SUMMARY } from '../messages/report.js';
import { runningAsOf } from './compute.js';
import { renderRoleChart, renderStepChart, renderTrendChart } from './charts.js';
import type { MonitoringReport, SopReport } from './model.js';

const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};
const HEAD_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } };
const WRAP: Partial<ExcelJS.Alignment> = { wrapText: true, vertical: 'top' };
const CENTER: Partial<ExcelJS.Alignment> = { wrapText: true, vertical: 'middle', horizontal: 'center' };

/** Working days with two decimals, as a number. */
const days = (minutes: number | null, dayMinutes: number) => (minutes === null ? null : Math.round((minutes / dayMinutes) * 100) / 100);

export async function renderReportXlsx(report: MonitoringReport): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'SOP bot';
  book.created = new Date(report.generatedAt);
  book.title = FORM.reportTitle;
  summarySheet(book, report);
  const names = new Set<string>([SUMMARY.sheetName]);
  for (const sop of report.sops) sopSheet(book, report, sop, uniqueName(`${sop.code} ${sop.nama}`, names));
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** Excel sheet names: 31 characters at most, none of []:*?/\, unique in the book. */
function uniqueName(raw: string, taken: Set<string>): string {
  const base = raw.replace(/[[\]:*?/\\]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 31) || 'SOP';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 31 - String(i).length - 1)} ${i}`;
  taken.add(name);
  return name;
}

function periodLine(report: MonitoringReport): string {
  return reportPeriodLine(report.period, runningAsOf(report));
}

function sopSheet(book: ExcelJS.Workbook, report: MonitoringReport, sop: SopReport, name: string) {
  const ws = book.addWorksheet(name, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 } },
    views: [{ state: 'frozen', ySplit: 11 }],
  });
  ws.columns = [
    { width: 5 },
    { width: 34 },
    { width: 12 },
    { width: 12 },
    { width: 58 },
    { width: 44 },
    { width: 10 },
    { width: 3 },
    ...FIGURE_COLUMNS.map((c) => ({ width: c.width })),
  ];
  ws.mergeCells('A1:G1');
  Object.assign(ws.getCell('A1'), { value: FORM.title, font: { bold: true, size: 14 }, alignment: { horizontal: 'center' } });
  const header: [string, string][] = [
    [FORM.sopName, sop.nama],
    [FORM.sopNumber, sop.nomor],
    [FORM.unit, sop.instansi.join(', ')],
    [FORM.period, periodLine(report)],
    [FORM.evaluator, report.evaluator || FORM.evaluatorBlank],
    [FORM.version, sop.versions.join(', ') || '—'],
  ];
  header.forEach(([label, value], i) => {
    const r = 3 + i;
    ws.getCell(`A${r}`).value = label;
    ws.getCell(`A${r}`).font = { bold: true };
    ws.mergeCells(`A${r}:B${r}`);
    ws.mergeCells(`C${r}:G${r}`);
    ws.getCell(`C${r}`).value = `: ${value}`;
  });

  // The form's two header rows: Penilaian spans its two answers.
  const h1 = 10;
  const h2 = 11;
  const cols = FORM.columns;
  const set = (ref: string, value: string) => Object.assign(ws.getCell(ref), { value, font: { bold: true }, alignment: CENTER, fill: HEAD_FILL, border: THIN });
  for (const [col, label] of [['A', cols.no], ['B', cols.prosedur], ['E', cols.catatan], ['F', cols.tindakan], ['G', cols.paraf]] as const) {
    set(`${col}${h1}`, label);
    ws.mergeCells(`${col}${h1}:${col}${h2}`);
  }
  set(`C${h1}`, cols.penilaian);
  ws.mergeCells(`C${h1}:D${h1}`);
  set(`C${h2}`, cols.baik);
  set(`D${h2}`, cols.tidakBaik);
  ws.getRow(h2).height = 30;
  FIGURE_COLUMNS.forEach((c, i) => {
    const cell = ws.getRow(h2).getCell(9 + i);
    Object.assign(cell, { value: c.label, font: { bold: true }, alignment: CENTER, fill: HEAD_FILL, border: THIN });
  });
  const figuresTitle = ws.getRow(h1).getCell(9);
  figuresTitle.value = FORM.figuresTitle;
  figuresTitle.font = { bold: true };

  let r = h2 + 1;
  for (const step of sop.steps) {
    const row = ws.getRow(r);
    row.getCell(1).value = step.no;
    row.getCell(2).value = `${step.kegiatan}\n(${step.roleNames.join(' + ')})`;
    row.getCell(3).value = step.judgment === 'baik' ? FORM.check : null;
    row.getCell(4).value = step.judgment === 'tidak_baik' ? FORM.check : null;
    row.getCell(5).value = step.catatan;
    row.getCell(6).value = step.tindakan;
    // Paraf stays empty: it is signed on paper.
    for (let c = 1; c <= 7; c++) {
      const cell = row.getCell(c);
      cell.border = THIN;
      cell.alignment = c === 1 || c === 3 || c === 4 ? { ...CENTER, vertical: 'top' } : WRAP;
    }
    const values = FIGURE_COLUMNS.map((c) => c.value(step, sop));
    values.forEach((v, i) => {
      const cell = row.getCell(9 + i);
      cell.value = v;
      cell.border = THIN;
      const fmt = FIGURE_COLUMNS[i]!.numFmt;
      if (fmt) cell.numFmt = fmt;
    });
    // Rows as tall as the longest text: Excel does not grow merged or wrapped rows by itself on open.
    const lines = Math.max(lineCount(step.catatan, 58), lineCount(step.tindakan, 44), lineCount(row.getCell(2).value as string, 34));
    row.height = Math.max(30, lines * 15);
    r++;
  }
  r++;
  ws.mergeCells(`A${r}:G${r}`);
  Object.assign(ws.getCell(`A${r}`), { value: FORM.rule(report.rule.minOnTimeShare, report.rule.maxReturnShare), alignment: WRAP, font: { italic: true, size: 9 } });
  ws.getRow(r).height = 28;
  r += 2;
  ws.getCell(`F${r}`).value = FORM.signPlace;
  ws.getCell(`F${r + 4}`).value = report.evaluator || FORM.signName;
  ws.pageSetup.printArea = `A1:G${r + 4}`;
  ws.pageSetup.printTitlesRow = `${h1}:${h2}`;

  const chart = book.addImage({ buffer: renderStepChart(sop, report.rule, 'png') as unknown as ExcelJS.Buffer, extension: 'png' });
  ws.addImage(chart, { tl: { col: 0, row: r + 6 }, ext: { width: 800, height: 400 } });
}

interface FigureColumn {
  label: string;
  width: number;
  numFmt?: string;
  value: (step: SopReport['steps'][number], sop: SopReport) => string | number | null;
}

const FC = FORM.figureColumns;
const FIGURE_COLUMNS: FigureColumn[] = [
  { label: FC.stepId, width: 9, value: (s) => s.stepId },
  { label: FC.pelaksana, width: 18, value: (s) => s.roleNames.join(' + ') },
  { label: FC.waktu, width: 16, value: (s) => s.waktu ?? '—' },
  { label: FC.runs, width: 11, value: (s) => s.figures.runs },
  { label: FC.withDue, width: 11, value: (s) => s.figures.withDue },
  { label: FC.onTime, width: 11, value: (s) => s.figures.onTime },
  { label: FC.onTimeShare, width: 11, numFmt: '0%', value: (s) => s.figures.onTimeShare },
  { label: FC.median, width: 11, numFmt: '0.00', value: (s, sop) => days(s.figures.medianMinutes, sop.dayMinutes) },
  { label: FC.p90, width: 11, numFmt: '0.00', value: (s, sop) => days(s.figures.p90Minutes, sop.dayMinutes) },
  { label: FC.baku, width: 12, numFmt: '0.00', value: (s, sop) => days(s.figures.allowanceMinutes, sop.dayMinutes) },
  { label: FC.late, width: 13, numFmt: '0.00', value: (s, sop) => days(s.figures.lateMinutes, sop.dayMinutes) },
  { label: FC.returned, width: 13, value: (s) => s.figures.returned },
  { label: FC.sentBack, width: 12, value: (s) => s.figures.sentBack },
  { label: FC.sentBackShare, width: 12, numFmt: '0%', value: (s) => s.figures.sentBackShare },
  { label: FC.escalations, width: 10, value: (s) => s.figures.escalations },
  { label: FC.openAtEnd, width: 12, value: (s) => s.figures.openAtEnd },
  { label: FC.overdueAtEnd, width: 12, value: (s) => s.figures.overdueAtEnd },
  { label: FC.judgment, width: 22, value: (s) => JUDGMENT[s.judgment] },
];

function lineCount(text: string, width: number): number {
  return text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil((line.length * 1.1) / width)), 0);
}

function summarySheet(book: ExcelJS.Workbook, report: MonitoringReport) {
  const ws = book.addWorksheet(SUMMARY.sheetName, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.columns = [{ width: 38 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 12 }, { width: 14 }, { width: 18 }, { width: 18 }, { width: 14 }];
  ws.mergeCells('A1:I1');
  Object.assign(ws.getCell('A1'), { value: FORM.reportTitle, font: { bold: true, size: 14 } });
  const units = [...new Set(report.sops.flatMap((s) => s.instansi))];
  const head: [string, string][] = [
    [FORM.period, periodLine(report)],
    [FORM.unit, units.join(', ') || '—'],
    [FORM.evaluator, report.evaluator || FORM.evaluatorBlank],
  ];
  head.forEach(([label, value], i) => {
    ws.getCell(`A${2 + i}`).value = label;
    ws.getCell(`A${2 + i}`).font = { bold: true };
    ws.getCell(`B${2 + i}`).value = `: ${value}`;
  });
  ws.mergeCells('A5:I5');
  Object.assign(ws.getCell('A5'), { value: FORM.rule(report.rule.minOnTimeShare, report.rule.maxReturnShare), alignment: WRAP, font: { italic: true, size: 9 } });
  ws.getRow(5).height = 30;

  let r = 7;
  const title = (text: string) => {
    Object.assign(ws.getCell(`A${r}`), { value: text, font: { bold: true, size: 12 } });
    r++;
  };
  const headRow = (labels: string[]) => {
    labels.forEach((label, i) => Object.assign(ws.getRow(r).getCell(i + 1), { value: label, font: { bold: true }, alignment: CENTER, fill: HEAD_FILL, border: THIN }));
    ws.getRow(r).height = 32;
    r++;
  };
  const dataRow = (values: (string | number | null)[], formats: (string | undefined)[] = [], bold = false) => {
    values.forEach((v, i) => {
      const cell = ws.getRow(r).getCell(i + 1);
      cell.value = v;
      cell.border = THIN;
      if (formats[i]) cell.numFmt = formats[i]!;
      if (bold) cell.font = { bold: true };
      cell.alignment = i === 0 ? WRAP : { vertical: 'top' };
    });
    r++;
  };

  const C = SUMMARY.caseColumns;
  title(SUMMARY.cases);
  headRow([C.sop, C.started, C.finished, C.rejected, C.cancelled, C.running, C.median, C.baku, C.measured]);
  const caseValues = (c: MonitoringReport['summary']['cases'], dayMinutes: number) => [
    c.started,
    c.finished,
    c.rejected,
    c.cancelled,
    c.running,
    days(c.medianEndToEndMinutes, dayMinutes),
    days(c.medianBakuPathMinutes, dayMinutes),
    c.measured,
  ];
  const fmt = [undefined, undefined, undefined, undefined, undefined, undefined, '0.00', '0.00'];
  for (const sop of report.sops) dataRow([sop.nama, ...caseValues(sop.cases, sop.dayMinutes)], fmt);
  dataRow([SUMMARY.total, ...caseValues(report.summary.cases, report.dayMinutes)], fmt, true);
  if (!report.sops.length) dataRow([SUMMARY.noActivity]);
  if (report.summary.notRun.length) {
    r++;
    ws.mergeCells(`A${r}:I${r}`);
    Object.assign(ws.getCell(`A${r}`), { value: SUMMARY.notRun(report.summary.notRun), alignment: WRAP });
    r++;
  }

  r++;
  const K = SUMMARY.costliestColumns;
  title(SUMMARY.costliestTitle);
  headRow([K.step, K.sop, K.pelaksana, `${K.late} (hari kerja)`, K.lateVisits, K.onTime]);
  if (!report.summary.costliest.length) dataRow([SUMMARY.noLateness]);
  for (const c of report.summary.costliest) {
    dataRow([`${c.stepId}. ${c.kegiatan}`, c.sopName, c.roleNames.join(' + '), days(c.lateMinutes, c.dayMinutes), c.lateVisits, c.withDue ? c.onTime / c.withDue : null], [undefined, undefined, undefined, '0.00', undefined, '0%']);
  }

  r++;
  const R = SUMMARY.roleColumns;
  title(SUMMARY.rolesTitle);
  headRow([R.role, R.withDue, R.onTime, R.share, R.late]);
  for (const role of report.summary.roles) {
    dataRow([role.name, role.withDue, role.onTime, role.withDue ? role.onTime / role.withDue : null, days(role.lateMinutes, report.dayMinutes)], [undefined, undefined, undefined, '0%', '0.00']);
  }

  r += 2;
  const trend = book.addImage({ buffer: renderTrendChart(report, 'png') as unknown as ExcelJS.Buffer, extension: 'png' });
  ws.addImage(trend, { tl: { col: 0, row: r }, ext: { width: 640, height: 320 } });
  const roles = book.addImage({ buffer: renderRoleChart(report, 'png') as unknown as ExcelJS.Buffer, extension: 'png' });
  ws.addImage(roles, { tl: { col: 0, row: r + 18 }, ext: { width: 640, height: 320 } });
}
