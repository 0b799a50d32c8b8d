/**
 * The sheet as files: the chat pictures of the five seeds and of one case with a return match
 * their golden PNGs (test/golden/sheet/) within a small tolerance; the PDF is vector, one page
 * per sheet page on the chosen paper, with its text set in the embedded Noto Sans and readable
 * by a PDF reader.
 *
 * The goldens are the flow pictures at 800 px, stored in grey (a tenth of the colour file's size;
 * a change of colour still changes the grey). After an intended change of the drawing, look at the
 * new pictures, then rewrite them with:
 *
 *   UPDATE_GOLDENS=1 npx vitest run test/unit/sheet-render.test.ts
 *
 * A failing comparison writes the picture it got and the difference next to the golden as
 * *.actual.png and *.diff.png (ignored by git).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import type { CaseView, CaseVisit } from '../../src/sheet/case-view.js';
import { PAPER_SIZE } from '../../src/sheet/layout.js';
import { renderCaseSheet, renderFlowPicture, renderSopSheet } from '../../src/sheet/render.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'sheet');
const seeds = (await loadCatalog(catalogDir())).definitions.map((d) => d.definition);
const seed = (id: string) => seeds.find((d) => d.id === id)!;

/** Share of pixels allowed to differ (anti-aliasing between machines), and pixelmatch's colour threshold. */
const TOLERANCE = 0.002;
const THRESHOLD = 0.1;

function grey(png: Buffer): Buffer {
  return PNG.sync.write(PNG.sync.read(png), { colorType: 0, deflateLevel: 9 });
}

function matchGolden(name: string, png: Buffer) {
  const file = join(goldenDir, `${name}.png`);
  const actual = grey(png);
  if (process.env.UPDATE_GOLDENS === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`golden ${file} is missing; make it with UPDATE_GOLDENS=1 and commit it`);
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  const want = PNG.sync.read(readFileSync(file));
  const got = PNG.sync.read(actual);
  expect([got.width, got.height], `${name}: size`).toEqual([want.width, want.height]);
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: THRESHOLD });
  const share = differing / (want.width * want.height);
  const actualFile = file.replace(/\.png$/, '.actual.png');
  const diffFile = file.replace(/\.png$/, '.diff.png');
  if (share > TOLERANCE) {
    writeFileSync(actualFile, actual);
    writeFileSync(diffFile, PNG.sync.write(diff));
  } else {
    rmSync(actualFile, { force: true });
    rmSync(diffFile, { force: true });
  }
  expect(share, `${name}: ${differing} pixels differ; see ${actualFile} and ${diffFile}`).toBeLessThanOrEqual(TOLERANCE);
}

const t0 = new Date('2026-11-23T02:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
function visit(stepId: string, n: number, minute: number, action: CaseVisit['action'], wentTo: string | null, branch: string | null = null): CaseVisit {
  return { stepId, visit: n, status: action ? 'completed' : 'open', action, branch, wentTo, openedAt: at(minute), dueAt: at(minute + 60), doneAt: action ? at(minute + 5) : null };
}

/** PUPR, returned twice (verification at 3 back to 2, then validation at 8 back to 1), now at 4 and late. */
const puprCase: CaseView = {
  ref: 'PUPR-2026-0007',
  title: 'Penyampaian hasil asesmen Ditjen Bina Marga',
  status: 'open',
  outcome: null,
  startedAt: t0,
  closedAt: null,
  now: at(1000),
  tasks: [
    visit('1', 1, 0, 'done', '2'),
    visit('2', 1, 10, 'done', '3'),
    visit('3', 1, 20, 'returned', '2'),
    visit('2', 2, 30, 'done', '3'),
    visit('3', 2, 40, 'approved', '4'),
    visit('4', 1, 50, 'approved', '5'),
    visit('5', 1, 60, 'done', '6'),
    visit('6', 1, 70, 'approved', '7'),
    visit('7', 1, 80, 'done', '8'),
    visit('8', 1, 90, 'returned', '1'),
    visit('1', 2, 100, 'done', '2'),
    visit('2', 3, 110, 'done', '3'),
    visit('3', 3, 120, 'approved', '4'),
    visit('4', 2, 130, null, null),
  ],
};

describe('the pictures match their goldens', () => {
  for (const def of seeds) {
    it(`${def.id}: the flowchart as a chat picture`, () => {
      const files = renderFlowPicture(def, { pixelWidth: 800 });
      expect(files).toHaveLength(1);
      expect(files[0]!.mimeType).toBe('image/png');
      matchGolden(def.id, files[0]!.data);
    });
  }
  it('a PUPR case that was returned twice and is late at step 4', () => {
    const [file] = renderFlowPicture(seed('pupr'), { caseView: puprCase, pixelWidth: 800 });
    expect(file!.name).toBe('PUPR-2026-0007-alur.png');
    matchGolden('pupr-case', file!.data);
  });
});

describe('the PDF for print', () => {
  it('is vector, one page per sheet page, with the SOP text in the embedded Noto Sans', async () => {
    const sheet = await renderSopSheet(seed('pemalang'), { format: 'pdf', createdAt: t0 });
    expect(sheet.files).toHaveLength(1);
    const { name, mimeType, data } = sheet.files[0]!;
    expect([name, mimeType]).toEqual(['SOP-pemalang.pdf', 'application/pdf']);
    expect(data.subarray(0, 5).toString()).toBe('%PDF-');
    const raw = data.toString('latin1');
    // The font travels with the file (a subset), and nothing is a picture of text.
    expect(raw).toMatch(/\/FontFile2/);
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSans-Bold/);
    expect(raw).not.toMatch(/\/Subtype\s*\/Image/);

    const pdf = await getDocumentProxy(new Uint8Array(data));
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    expect(totalPages).toBe(sheet.pages);
    expect(totalPages).toBe(2);
    const [identity, flow] = text as string[];
    expect(identity).toContain('BKDPML/PA/59/2022');
    expect(identity).toContain('KERJASAMA KEGIATAN PENILAIAN KOMPETENSI');
    expect(identity).toContain('15 September 2022');
    expect(identity).toContain('DASAR HUKUM:');
    for (const w of ['Kegiatan', 'Pelaksana', 'Mutu Baku', 'Menerima informasi permintaan', 'Kembalikan', 'Ditolak', 'Diterima', 'Mulai', 'Selesai']) expect(flow).toContain(w);
    const page = await pdf.getPage(2);
    expect(page.view.map((v) => Math.round(v))).toEqual([0, 0, 842, 595]);
    // Drawn at the size it was laid out: every line of text inside the page, the table's right edge near the margin.
    for (let n = 1; n <= totalPages; n++) {
      const p = await pdf.getPage(n);
      const items = (await p.getTextContent()).items as { str: string; transform: number[]; width: number }[];
      const right = Math.max(...items.map((i) => i.transform[4]! + i.width));
      expect(right, `page ${n}`).toBeLessThanOrEqual(842 - 24);
      expect(right, `page ${n}`).toBeGreaterThan(842 - 24 - 80);
    }
  });

  it('takes F4 when the admin chooses it, and breaks a long table into pages', async () => {
    const sheet = await renderSopSheet(seed('pupr'), { format: 'pdf', paper: 'f4', createdAt: t0 });
    const pdf = await getDocumentProxy(new Uint8Array(sheet.files[0]!.data));
    expect(pdf.numPages).toBe(sheet.pages);
    expect(sheet.pages).toBeGreaterThan(2);
    const view = (await pdf.getPage(1)).view;
    expect([view[2], view[3]].map((v) => Math.round(v! * 10) / 10)).toEqual([PAPER_SIZE.f4.width, PAPER_SIZE.f4.height].map((v) => Math.round(v * 10) / 10));
    const { text } = await extractText(pdf, { mergePages: false });
    const all = (text as string[]).join('\n');
    for (const step of seed('pupr').steps) expect(all).toContain(step.kegiatan.slice(0, 30));
  });

  it('draws a case with its legend', async () => {
    const sheet = await renderCaseSheet(seed('pupr'), puprCase, { format: 'pdf', createdAt: t0 });
    expect(sheet.files[0]!.name).toBe('PUPR-2026-0007-alur.pdf');
    const pdf = await getDocumentProxy(new Uint8Array(sheet.files[0]!.data));
    const { text } = await extractText(pdf, { mergePages: false });
    const flow = (text as string[]).slice(1).join('\n');
    expect(flow).toContain('Kasus PUPR-2026-0007: Penyampaian hasil asesmen Ditjen Bina Marga');
    expect(flow).toContain('lewat batas waktu');
    expect(flow).toContain('×3');
  });
});

describe('SVG and PNG pages', () => {
  it('give one file per page, named in page order', async () => {
    const svg = await renderSopSheet(seed('pupr'), { format: 'svg' });
    expect(svg.files.map((f) => f.name)).toEqual(svg.files.map((_, i) => `SOP-pupr-${i + 1}.svg`));
    expect(svg.files.every((f) => f.mimeType === 'image/svg+xml' && f.data.toString().startsWith('<svg'))).toBe(true);
    const png = await renderSopSheet(seed('tangerang'), { format: 'png', pngWidth: 600 });
    expect(png.files.map((f) => f.name)).toEqual(['SOP-tangerang-1.png', 'SOP-tangerang-2.png']);
    expect(png.files.map((f) => PNG.sync.read(f.data).width)).toEqual([600, 600]);
  });
});
