/**
 * An admin draws SOPs and cases from the terminal: `sopbot sop render` writes the formal sheet
 * (PDF, or one SVG/PNG per page) and never overwrites a file without --force; a draft definition
 * renders straight from its YAML; `sop validate --sheet` puts the sheet beside each valid file;
 * `sopbot case render` draws a case on its SOP; `case export` carries it as alur.pdf.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { catalogDir } from '../../src/sop/loader.js';
import { driveCase } from '../support/case-driver.js';
import { parsePage } from '../support/sheet-svg.js';
import { createTestCore } from '../support/test-core.js';

let dir: string;
let core: Core;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-sheet-'));
});
afterAll(async () => {
  await core?.database.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await core?.database.close();
  core = await createTestCore({ dir, clock: () => new Date('2026-11-23T02:00:00Z') });
});

async function sopbot(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { core, cwd: dir, clock: () => new Date('2026-11-23T05:00:00Z'), out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function ok(...argv: string[]) {
  const r = await sopbot(...argv);
  expect(r.err, `sopbot ${argv.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.out;
}

const isPdf = (bytes: Buffer) => bytes.subarray(0, 5).toString() === '%PDF-';

describe('sopbot sop render', () => {
  it('writes the sheet as PDF in the current folder, and refuses to overwrite it without --force', async () => {
    const target = join(dir, 'SOP-pemalang.pdf');
    const out = await ok('sop', 'render', 'pemalang');
    expect(out).toMatch(new RegExp(`^Ditulis ${target.replace(/[.]/g, '\\.')} \\(2 halaman, \\d+ KB\\)\\.$`));
    const first = await readFile(target);
    expect(isPdf(first)).toBe(true);

    const again = await sopbot('sop', 'render', 'pemalang');
    expect(again).toMatchObject({ code: 1, err: `Berkas sudah ada: ${target}. Pakai --force untuk menimpa, atau --out untuk nama lain.` });
    await ok('sop', 'render', 'pemalang', '--force', '--paper', 'f4');
    expect((await readFile(target)).equals(first)).toBe(false);
  });

  it('writes one SVG per page on F4, named after --out, each a page of the sheet', async () => {
    const out = await ok('sop', 'render', 'pupr', '--format', 'svg', '--paper', 'f4', '--out', 'lembar/pupr.svg');
    const names = (await readdir(join(dir, 'lembar'))).sort();
    expect(names.length).toBeGreaterThan(2);
    expect(names).toEqual(names.map((_, i) => `pupr-${i + 1}.svg`).sort());
    expect(out).toContain(`Ditulis ${names.length} berkas (${names.length} halaman): ${join(dir, 'lembar', 'pupr-1.svg')}`);
    const pages = await Promise.all(names.map(async (n) => parsePage(await readFile(join(dir, 'lembar', n), 'utf8'))));
    expect(pages.map((p) => p.kind)).toEqual(['identity', ...pages.slice(1).map(() => 'flow')]);
    expect(Math.round(pages[0]!.width)).toBe(935);
    // A second page refused means nothing is written: the admin does not end up with a mix.
    await writeFile(join(dir, 'lembar', 'pupr-2.svg'), 'lama');
    expect((await sopbot('sop', 'render', 'pupr', '--format', 'svg', '--paper', 'f4', '--out', 'lembar/pupr.svg')).code).toBe(1);
    expect(await readFile(join(dir, 'lembar', 'pupr-2.svg'), 'utf8')).toBe('lama');
  });

  it('draws a draft definition straight from its file, without the catalog, as PNG pages', async () => {
    const draft = join(dir, 'draft-jateng.yaml');
    await copyFile(join(catalogDir(), 'jateng.yaml'), draft);
    await ok('sop', 'render', 'draft-jateng.yaml', '--out', 'draft.png');
    const png = PNG.sync.read(await readFile(join(dir, 'draft-2.png')));
    expect(png.width).toBe(1754);
  });

  it('names what is wrong: format, paper, SOP', async () => {
    expect(await sopbot('sop', 'render', 'pupr', '--format', 'gif')).toMatchObject({ code: 1, err: 'Format "gif" tidak dikenal. Pilih svg, png, atau pdf.' });
    expect(await sopbot('sop', 'render', 'pupr', '--paper', 'a3')).toMatchObject({ code: 1, err: 'Kertas "a3" tidak dikenal. Pilih a4 atau f4.' });
    const unknown = await sopbot('sop', 'render', 'tidakada');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('SOP "tidakada" tidak ada di katalog.');
  });
});

describe('sopbot sop validate --sheet', () => {
  it('writes the sheet of each valid file beside it, or into a folder, and none for a broken one', async () => {
    const drafts = join(dir, 'drafts');
    await mkdir(drafts, { recursive: true });
    await copyFile(join(catalogDir(), 'tangerang.yaml'), join(drafts, 'tangerang.yaml'));
    await writeFile(join(drafts, 'rusak.yaml'), 'id: rusak\ncode: RSK\n');

    const r = await sopbot('sop', 'validate', join(drafts, 'tangerang.yaml'), join(drafts, 'rusak.yaml'), '--sheet');
    expect(r.code).toBe(1);
    const sheet = join(drafts, 'tangerang.lembar-sop.pdf');
    expect(r.out).toMatch(new RegExp(`lembar SOP: ${sheet.replace(/[.]/g, '\\.')} \\(\\d+ KB\\)`));
    expect(isPdf(await readFile(sheet))).toBe(true);
    await expect(stat(join(drafts, 'rusak.lembar-sop.pdf'))).rejects.toThrow();

    await ok('sop', 'validate', join(drafts, 'tangerang.yaml'), '--sheet', join(dir, 'periksa'));
    expect(isPdf(await readFile(join(dir, 'periksa', 'tangerang.lembar-sop.pdf')))).toBe(true);
  });
});

describe('sopbot case render', () => {
  it('draws where an open case stands, and the path and returns of a finished one', async () => {
    await ok('case', 'start', 'pemalang', '--title', 'Permohonan asesor Kab. Batang', '--as', 'kabid');
    await ok('case', 'render', 'PML-2026-0001', '--format', 'svg', '--out', 'posisi.svg');
    const flow = parsePage(await readFile(join(dir, 'posisi-2.svg'), 'utf8'));
    // Started at 09.00 WIB; step 1 has 10 menit, and the admin looks at 12.00: it is late.
    expect(flow.symbols.find((s) => s.step === '1')!.state).toBe('overdue');
    expect(flow.texts.map((t) => t.text)).toContain('Kasus PML-2026-0001: Permohonan asesor Kab. Batang');

    const { caseRef } = await driveCase(core.service, 'pemalang', { choose: { 3: 'Diterima' }, returnOn: { '5b': [1] } });
    const out = await ok('case', 'render', caseRef, '--format', 'svg');
    expect(out).toContain(`${caseRef}-alur-2.svg`);
    const done = parsePage(await readFile(join(dir, `${caseRef}-alur-2.svg`), 'utf8'));
    const taken = done.arrows.filter((a) => a.taken).map((a) => `${a.from}→${a.to}`);
    expect(taken).toEqual(expect.arrayContaining(['1→2', '3→5', '5a→5b', '5b→5a', '5b→6', '9→10']));
    expect(taken).not.toContain('3→4');
    expect(done.symbols.find((s) => s.step === '5a')).toMatchObject({ state: 'visited', visits: 2 });
    expect(done.symbols.find((s) => s.step === '4')!.state).toBeUndefined();
    expect(done.texts.map((t) => t.text).join(' ')).toContain('ditutup (selesai)');
  });

  it('names an unknown case', async () => {
    expect(await sopbot('case', 'render', 'PML-2026-0999')).toMatchObject({ code: 1, err: 'Kasus PML-2026-0999 tidak ditemukan.' });
  });
});

describe('sopbot case export', () => {
  it('carries the case on its SOP as alur.pdf, covered by SHA256SUMS', async () => {
    await ok('case', 'start', 'jateng', '--title', 'Perumusan 2026');
    await ok('case', 'export', 'JTG-2026-0001');
    const zip = unzipSync(new Uint8Array(await readFile(join(dir, 'JTG-2026-0001.zip'))));
    const pdf = Buffer.from(zip['alur.pdf']!);
    expect(isPdf(pdf)).toBe(true);
    const sums = strFromU8(zip['SHA256SUMS']!);
    expect(sums).toContain(`${createHash('sha256').update(pdf).digest('hex')}  alur.pdf`);
    expect(strFromU8(zip['RIWAYAT.txt']!)).toContain('alur.pdf: lembar SOP');
  });
});
