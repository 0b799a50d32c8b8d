/**
 * The Kabid's admin writes last month's monitoring form from the terminal: by default the
 * previous month, as XLSX; as PDF or JSON when asked; never over an existing file without
 * --force; every mistake in the options named in Indonesian.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import type { MonitoringReport } from '../../src/report/model.js';
import { driveCase } from '../support/case-driver.js';
import { createTestCore } from '../support/test-core.js';

let dir: string;
let core: Core;
let now = new Date('2026-11-10T02:00:00Z');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-report-'));
  core = await createTestCore({ dir, clock: () => now, env: { SOPBOT_REPORT_MIN_ON_TIME: '90' } });
  // One Pemalang case run through in November, Diterima at the decision.
  await driveCase(core.service, 'pemalang', { choose: { '3': 'Diterima' } });
  now = new Date('2026-12-02T02:00:00Z');
}, 60_000);
afterAll(async () => {
  await core.database.close();
  await rm(dir, { recursive: true, force: true });
});

async function sopbot(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { core, cwd: dir, clock: () => now, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The text of every cell of the summary sheet of a month's XLSX form, written by the CLI. */
async function summaryCells(month: string): Promise<string[]> {
  const file = join(dir, `ringkasan-${month}.xlsx`);
  expect((await sopbot('report', 'monitoring', '--month', month, '--out', file, '--force')).code).toBe(0);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load((await readFile(file)) as unknown as ExcelJS.Buffer);
  const cells: string[] = [];
  book.worksheets[0]!.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.value))));
  return cells;
}

describe('sopbot report monitoring', () => {
  it('writes the previous month as XLSX by default, one sheet per SOP that ran', async () => {
    const r = await sopbot('report', 'monitoring', '--evaluator', 'Kabid PKA / 19700101');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const file = join(dir, 'monev-2026-11.xlsx');
    expect(r.out).toBe(`Laporan monitoring November 2026 (1 SOP) ditulis ke ${file} (${(await readFile(file)).length} byte).`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await readFile(file)) as unknown as ExcelJS.Buffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Ringkasan', expect.stringMatching(/^PML /)]);
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const again = await sopbot('report', 'monitoring');
    expect(again.code).toBe(1);
    expect(again.err).toContain('sudah ada; pakai --force untuk menimpanya');
    expect((await sopbot('report', 'monitoring', '--force')).code).toBe(0);
  });

  it('writes JSON for a range, with the rule from the environment and the flags', async () => {
    const out = join(dir, 'nov.json');
    const r = await sopbot('report', 'monitoring', '--from', '2026-11-01', '--to', '2026-11-15', '--out', out, '--max-returns', '30');
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(out, 'utf8')) as MonitoringReport;
    expect(json.rule).toEqual({ minOnTimeShare: 0.9, maxReturnShare: 0.3 });
    expect(json.sops.map((s) => s.sopId)).toEqual(['pemalang']);
    expect(json.sops[0]!.cases.finished).toBe(1);
  });

  it('writes a PDF for one SOP and one month', async () => {
    const out = join(dir, 'pml.pdf');
    expect((await sopbot('report', 'monitoring', '--sop', 'pemalang', '--month', '2026-11', '--format', 'pdf', '--out', out)).code).toBe(0);
    expect((await readFile(out)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('takes the month as the chat command does: 11/2026 and November 2026', async () => {
    for (const month of ['11/2026', 'November 2026']) {
      const out = join(dir, `bulan-${month.replace(/\W/g, '')}.json`);
      const r = await sopbot('report', 'monitoring', '--month', month, '--out', out);
      expect(r.err).toBe('');
      expect((JSON.parse(await readFile(out, 'utf8')) as MonitoringReport).period).toMatchObject({ from: '2026-11-01', to: '2026-11-30' });
    }
  });

  it('judges the month still running as it stands now: a step due tomorrow is open, not late', async () => {
    await core.service.startCase('tangerang', 'Masih berjalan', { channel: 'cli', userId: 'admin', name: 'Admin' });
    now = new Date(now.getTime() + 3_600_000); // the report an hour later; step 1 is due tomorrow
    const out = join(dir, 'des.json');
    expect((await sopbot('report', 'monitoring', '--month', '2026-12', '--sop', 'tangerang', '--out', out)).code).toBe(0);
    const sop = (JSON.parse(await readFile(out, 'utf8')) as MonitoringReport).sops[0]!;
    const open = sop.steps.reduce((n, s) => n + s.figures.openAtEnd, 0);
    const overdue = sop.steps.reduce((n, s) => n + s.figures.overdueAtEnd, 0);
    expect([open, overdue]).toEqual([1, 0]);
    // The form says the month was still running and when its end-of-period figures were counted;
    // a month that has ended says nothing of the kind.
    expect(await summaryCells('2026-12')).toContain(': Desember 2026 (1 Desember 2026 – 31 Desember 2026); masih berjalan: angka "di akhir periode" dihitung per 2 Desember 2026 10.00');
    expect(await summaryCells('2026-11')).toContain(': November 2026 (1 November 2026 – 30 November 2026)');
  });

  it('names each mistake in the options', async () => {
    const cases: [string[], string][] = [
      [['--month', '2026-13'], 'Bulan "2026-13" tidak sah'],
      [['--from', '2026-11-01'], 'Tulis --from dan --to bersama-sama'],
      [['--from', '2026-11-30', '--to', '2026-11-01'], 'tanggal akhir sebelum tanggal awal'],
      [['--format', 'docx'], 'Format "docx" tidak dikenal'],
      [['--sop', 'tidakada', '--out', join(dir, 'x.json')], 'SOP "tidakada" tidak dikenal'],
      [['--min-on-time', '120', '--out', join(dir, 'y.json')], '--min-on-time "120" tidak sah'],
      // A month not yet begun is refused as in the chat (it is 2 December 2026 here).
      [['--month', '2027-05'], 'Periode yang dimulai 2027-05-01 belum berjalan'],
      [['--from', '2027-01-01', '--to', '2027-01-31'], 'Periode yang dimulai 2027-01-01 belum berjalan'],
    ];
    for (const [args, message] of cases) {
      const r = await sopbot('report', 'monitoring', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain(message);
    }
  });
});
