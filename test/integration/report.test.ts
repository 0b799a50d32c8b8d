/**
 * November 2026 in a small office (test/support/report-story.ts: a return with its reason, a late
 * re-do, an escalation the scheduler wrote, a rejection, a cancellation, one case still running at
 * the end of the month), and the Kabid reads the monitoring form of that month: every figure is
 * one the story fixed.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMonitoringReport, ReportError } from '../../src/report/build.js';
import type { MonitoringReport } from '../../src/report/model.js';
import { renderReportJson, renderReportPdf, renderReportXlsx, reportCaption, reportFileName } from '../../src/report/index.js';
import type { WorkflowService } from '../../src/service/workflow-service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { pdfText } from '../support/pdf-text.js';
import { pngSize } from '../support/png.js';
import { runNovemberStory } from '../support/report-story.js';

let database: TestDatabase;
let service: WorkflowService;
let report: MonitoringReport;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ service, report } = await runNovemberStory(database));
}, 60_000);
afterAll(async () => {
  await database.close();
});

const step = (id: string) => report.sops[0]!.steps.find((s) => s.stepId === id)!;

describe('the monitoring report of November 2026', () => {
  it('counts the cases of the month: started, finished, rejected, cancelled, running', () => {
    expect(report.sops.map((s) => s.sopId)).toEqual(['contoh']);
    expect(report.sops[0]!.cases).toMatchObject({ started: 4, finished: 2, rejected: 1, cancelled: 1, running: 1, measured: 2 });
    expect(report.summary.cases).toMatchObject({ started: 4, finished: 2, rejected: 1, cancelled: 1, running: 1 });
  });

  it('measures each step against the time it was given, in working time', () => {
    // Step 1 ran four times in November (case 1 on 2 Nov, cases 2, 3, 5): case 1's was late by 6 h 20 m
    // of working time (due Fri 30 Oct 09.10, done Mon 2 Nov 08.00: Friday 09.10–11.30 and 13.00–16.30, the
    // Friday break not counted, then 30 m on Monday).
    expect(step('1').figures).toMatchObject({ runs: 4, withDue: 4, onTime: 3, lateVisits: 1, returned: 0, sentBack: 0 });
    expect(step('1').figures.lateMinutes).toBe(140 + 210 + 30);
    expect(step('1').judgment).toBe('tidak_baik');
    // Step 3 ("menyesuaikan") is measured against the due date the asesor set: 5 visits, one late (case 1's re-do).
    expect(step('3').waktuKind).toBe('actor-sets');
    expect(step('3').figures).toMatchObject({ runs: 5, withDue: 5, onTime: 4, sentBack: 3, escalations: 1 });
    expect(step('3').figures.lateMinutes).toBe(60 + 150);
    expect(step('3').figures.reasons).toEqual([
      { text: 'Lampiran kurang', count: 2 },
      { text: 'Nilai belum dihitung ulang', count: 1 },
    ]);
    expect(step('4').figures).toMatchObject({ runs: 5, returned: 3, sentBack: 0, onTime: 5 });
    expect(step('4').judgment).toBe('baik');
    // Step 5 has no waktu: judged on returns only.
    expect(step('5')).toMatchObject({ waktuKind: 'none', basis: 'returns-only', judgment: 'baik' });
    // Step 2: case 5's decision was still open, and late, when November ended.
    expect(step('2').figures).toMatchObject({ runs: 3, onTime: 2, openAtEnd: 1, overdueAtEnd: 1 });
  });

  it('writes the Catatan from the figures and marks the Tindakan as a suggestion', () => {
    expect(step('3').catatan).toContain('Dijalankan 5 kali. Tepat waktu 4 dari 5 (80%).');
    expect(step('3').catatan).toContain('3 dari 5 dikembalikan ke kegiatan ini karena "Lampiran kurang" (2×), "Nilai belum dihitung ulang".');
    expect(step('3').catatan).toContain('1 eskalasi ke atasan.');
    expect(step('3').judgment).toBe('tidak_baik');
    expect(step('3').suggestions).toEqual(['clarify-kelengkapan']);
    expect(step('3').tindakan).toMatch(/^Saran: perjelas .*alasan pengembalian terbanyak "Lampiran kurang" \(2 kali\)\.$/);
    expect(step('4').tindakan).toBe('Tidak ada; pertahankan.');
    expect(step('1').catatan).toContain('Waktu baku 10 menit');
  });

  it('names the five steps that cost the most lateness on the summary', () => {
    expect(report.summary.costliest.map((c) => c.stepId)).toEqual(['1', '3', '2']);
    // Asesor: step 3 (5 visits, 4 on time) and the joint step 6 of cases 1-3 (all on time; case 3's
    // anchor step was never reached, so its 7 days counted from the opening).
    expect(report.summary.roles.find((r) => r.role === 'asesor')).toMatchObject({ withDue: 5 + 3, onTime: 4 + 3 });
  });

  it('writes an XLSX with the form of each SOP and the summary, numbers as numbers, Paraf empty', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await renderReportXlsx(report)) as unknown as ExcelJS.Buffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Ringkasan', 'CTH Contoh']);
    const sheet = book.getWorksheet('CTH Contoh')!;
    const texts = (row: number) => (sheet.getRow(row).values as unknown[]).filter((v) => v !== undefined && v !== null).map(String);
    const cell = (ref: string) => sheet.getCell(ref).value;
    // The header names the SOP, the unit, the period and the evaluator.
    const header = [1, 2, 3, 4, 5, 6, 7].flatMap(texts).join(' | ');
    expect(header).toContain('FORMULIR MONITORING PELAKSANAAN SOP');
    expect(header).toContain('Contoh');
    expect(header).toContain('BKD');
    expect(header).toContain('November 2026');
    expect(header).toContain('Dra. Sri Wahyuni / 196805121990032001');
    // Row of step 3: No, Prosedur, the mark in "tidak berjalan dengan baik", Catatan, Tindakan, empty Paraf.
    const row = findRow(sheet, 'Menyusun laporan');
    expect(cell(`A${row}`)).toBe(3);
    expect(cell(`C${row}`) ?? null).toBeNull();
    expect(cell(`D${row}`)).toBe('✓');
    expect(String(cell(`E${row}`))).toContain('Tepat waktu 4 dari 5 (80%)');
    expect(String(cell(`F${row}`))).toMatch(/^Saran: /);
    expect(cell(`G${row}`) ?? null).toBeNull();
    // The figures beside the form are numbers.
    const headerRow = findRow(sheet, 'Dijalankan');
    const col = (label: string) => (sheet.getRow(headerRow).values as unknown[]).indexOf(label);
    expect(sheet.getRow(row).getCell(col('Dijalankan')).value).toBe(5);
    expect(sheet.getRow(row).getCell(col('Tepat waktu (%)')).value).toBeCloseTo(0.8);
    expect(sheet.getRow(row).getCell(col('Eskalasi')).value).toBe(1);
    expect(typeof sheet.getRow(row).getCell(col('Median (hari kerja)')).value).toBe('number');

    const summary = book.getWorksheet('Ringkasan')!;
    const sRow = findRow(summary, 'Contoh');
    expect((summary.getRow(sRow).values as unknown[]).filter((v) => typeof v === 'number').slice(0, 5)).toEqual([4, 2, 1, 1, 1]);
  });

  it('writes a printable PDF: the summary page, then the form of each SOP, with real text', async () => {
    const { pages, text, sizes } = await pdfText(await renderReportPdf(report));
    // The summary, the form of the one SOP, and its chart on a page of its own (the form fills its page).
    expect(pages).toHaveLength(3);
    expect(sizes.every((s) => s.width === 842 && s.height === 595)).toBe(true);
    expect(pages[0]).toContain('Laporan Monitoring dan Evaluasi Pelaksanaan SOP');
    expect(pages[0]).toContain('Lima kegiatan dengan keterlambatan terbesar');
    const form = pages.slice(1).join('\n');
    expect(form).toContain('FORMULIR MONITORING PELAKSANAAN SOP');
    expect(form).toContain('Catatan hasil penilaian');
    expect(form).toContain('Paraf');
    expect(form).toContain('Dra. Sri Wahyuni');
    expect(text).toContain('Lampiran kurang');
    expect(pages[2]).toContain('Ketepatan waktu per kegiatan — Contoh');
    expect(pages[2]).toContain('75% (3/4)');
    expect(pages[2]).toContain('Halaman 3 dari 3');
  });

  it('names its file and says in one line what a chat should know', () => {
    expect(reportFileName(report.period, 'pdf')).toBe('monev-2026-11.pdf');
    expect(reportCaption(report)).toBe('Formulir monitoring SOP November 2026: 1 SOP, 3 kegiatan tidak berjalan dengan baik.');
  });

  it('gives the figures as JSON for other tools', () => {
    const json = JSON.parse(renderReportJson(report).toString('utf8')) as MonitoringReport;
    expect(json.period).toMatchObject({ from: '2026-11-01', to: '2026-11-30', wholeMonth: true });
    expect(json.sops[0]!.steps.find((s) => s.stepId === '3')!.figures.sentBack).toBe(3);
  });

  it('draws its charts as PNGs of the expected size', async () => {
    const { renderStepChart, renderTrendChart, renderRoleChart } = await import('../../src/report/charts.js');
    for (const png of [renderStepChart(report.sops[0]!, report.rule, 'png'), renderTrendChart(report, 'png'), renderRoleChart(report, 'png')]) {
      expect(pngSize(png as Buffer)).toEqual({ width: 1600, height: 800 });
    }
  });
});

describe('the edge cases of the rule', () => {
  it('a month with no run gives each step "not judged", and an unknown SOP is refused by name', async () => {
    const empty = await buildMonitoringReport(database.db, service, { from: '2026-09-01', to: '2026-09-30', sopIds: ['contoh'] });
    expect(empty.sops[0]!.steps.every((s) => s.judgment === 'tidak_dinilai')).toBe(true);
    expect(empty.sops[0]!.steps[0]!.catatan).toBe('Tidak dijalankan pada periode ini.');
    const none = await buildMonitoringReport(database.db, service, { from: '2026-09-01', to: '2026-09-30' });
    expect(none.sops).toEqual([]);
    expect(none.summary.notRun).toEqual(['Contoh']);
    await expect(buildMonitoringReport(database.db, service, { from: '2026-11-01', to: '2026-11-30', sopIds: ['tidakada'] })).rejects.toThrow(ReportError);
  });

  it('a step no case reached in the period is not judged', async () => {
    // 16 November only: case 3 went the Ditolak way; steps 3 and 4 were not reached.
    const day = await buildMonitoringReport(database.db, service, { from: '2026-11-16', to: '2026-11-16' });
    const s3 = day.sops[0]!.steps.find((s) => s.stepId === '3')!;
    expect(s3.judgment).toBe('tidak_dinilai');
    expect(s3.catatan).toBe('Tidak ada kasus yang sampai ke kegiatan ini pada periode ini; tidak dinilai.');
    expect(day.sops[0]!.steps.find((s) => s.stepId === '5')!.figures.runs).toBe(1);
  });
});

function findRow(sheet: ExcelJS.Worksheet, text: string): number {
  let found = 0;
  sheet.eachRow((row, n) => {
    if (!found && (row.values as unknown[]).some((v) => typeof v === 'string' && v.includes(text))) found = n;
  });
  if (!found) throw new Error(`no row with ${text}`);
  return found;
}
