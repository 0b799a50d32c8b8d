/**
 * The admin's `sopbot task attach` goes through the same door as the chat channels (issue 12,
 * items 2, 4 and 5): SOPBOT_ALLOWED_EXTENSIONS (it used to apply the built-in list: a .png was
 * taken with "pdf,zip" allowed and the .zip refused), the content's signature, the one size
 * limit; a document row that cannot be written takes its file with it; and `sopbot doctor`
 * names a file in the folder that no document names.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { uploadRefusal } from '../../src/messages/security.js';
import { createTestCore } from '../support/test-core.js';
import { note } from '../reliability/report.js';

let dir: string;
let core: Core;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-sec-cli-'));
  core = await createTestCore({ dir, env: { SOPBOT_ALLOWED_EXTENSIONS: 'pdf,zip', SOPBOT_MAX_UPLOAD_MB: '1' }, clock: () => new Date('2026-11-23T02:00:00Z') });
});
afterAll(async () => {
  await core?.database.close();
  await rm(dir, { recursive: true, force: true });
});

async function sopbot(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { core, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function stored(): Promise<string[]> {
  const root = join(dir, 'files');
  const months = await readdir(root).catch(() => [] as string[]);
  return (await Promise.all(months.map(async (m) => (await readdir(join(root, m))).map((f) => `${m}/${f}`)))).flat();
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'), Buffer.alloc(100)]);

describe('sopbot task attach', () => {
  it('applies SOPBOT_ALLOWED_EXTENSIONS, the signature check and the size limit; a failed row leaves no file; doctor finds strays', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'sopbot task attach (issue 12 #4, #5): a real .png with SOPBOT_ALLOWED_EXTENSIONS=pdf,zip, MZ bytes as laporan.pdf, 2 MB with a 1 MB limit, a good PDF into a slot that does not exist, a real .zip; then a stray file in the folder', times: 6, held: 'the png, the fake pdf and the big one refused before writing; the failed slot\'s file removed with its row; the zip stored; sopbot doctor names the stray file and exits 1' });
    const started = await sopbot('case', 'start', 'pemalang', '--title', 'Uji lampiran CLI', '--as', 'kabid');
    expect(started.code).toBe(0);
    const file = async (name: string, bytes: Buffer | string) => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    };

    // A real PNG, but png is not among "pdf,zip".
    const png = await sopbot('task', 'attach', 'PML-2026-0001', await file('foto.png', PNG), '--as', 'kabid');
    expect(png).toMatchObject({ code: 1, err: 'Jenis berkas foto.png tidak diterima. Jenis yang diterima: pdf, zip.' });
    // Executable bytes under a PDF name.
    const exe = await sopbot('task', 'attach', 'PML-2026-0001', await file('laporan.pdf', EXE), '--as', 'kabid');
    expect(exe).toMatchObject({ code: 1, err: `laporan.pdf: ${uploadRefusal('content_mismatch', { extension: 'pdf', detected: 'exe' })}` });
    // 2 MB with a 1 MB limit.
    const big = await sopbot('task', 'attach', 'PML-2026-0001', await file('besar.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2 * 1024 * 1024)])), '--as', 'kabid');
    expect(big).toMatchObject({ code: 1, err: 'Berkas besar.pdf lebih besar dari batas 1 MB.' });
    // The bytes were fine, the slot is not: the row fails after the write, and the file goes with it.
    const slot = await sopbot('task', 'attach', 'PML-2026-0001', await file('surat.pdf', '%PDF-1.4 surat'), '--as', 'kabid', '--slot', 'Tidak Ada');
    expect(slot.code).toBe(1);
    expect(await stored()).toEqual([]);

    // The zip the setting allows is taken.
    const zip = Buffer.from(zipSync({ 'disposisi.txt': strToU8('disposisi') }));
    const taken = await sopbot('task', 'attach', 'PML-2026-0001', await file('arsip.zip', zip), '--as', 'kabid');
    expect(taken).toMatchObject({ code: 0, err: '' });
    expect(taken.out).toContain('arsip.zip tersimpan sebagai "Disposisi"');
    expect(await stored()).toHaveLength(1);

    const healthy = await sopbot('doctor');
    expect(healthy.out).toContain('Folder berkas: tidak ada berkas tanpa catatan dokumen.');

    // A stray file in the folder (a crash between write and row in an older version, a copy by hand).
    const [month] = (await stored())[0]!.split('/');
    const stray = `${month}/00000000-0000-4000-8000-000000000000`;
    await mkdir(join(dir, 'files', month!), { recursive: true });
    await writeFile(join(dir, 'files', stray), 'sisa');
    const doctor = await sopbot('doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.out).toContain(`MASALAH berkas: ${stray} (4 byte) ada di folder berkas, tetapi tidak tercatat pada dokumen mana pun`);
    expect(doctor.out).toContain('Folder berkas: 1 berkas tanpa catatan dokumen.');
    // One copied to the top of the folder, where nothing is ever stored, is found as well.
    await writeFile(join(dir, 'files', 'salinan.pdf'), '%PDF');
    const again = await sopbot('doctor');
    expect(again.out).toContain('MASALAH berkas: salinan.pdf (4 byte) ada di folder berkas, tetapi tidak tercatat pada dokumen mana pun');
    expect(again.out).toContain('Folder berkas: 2 berkas tanpa catatan dokumen.');
  });
});

describe('sopbot case export', () => {
  it('names survive the system unzip: UTF-8 names, no right-to-left override, the extension kept when cut; sha256sum -c passes', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'case export names (issue 12 #9): Surat José.pdf, a right-to-left override, a 190-character name, decomposed Café Ñandú 漢字.pdf; unpacked with the system unzip', times: 4, held: 'names as written (UTF-8, NFC), the override gone, the long name cut to 120 keeping .pdf; sha256sum -c SHA256SUMS: every line OK' });
    const admin = { channel: 'cli' as const, userId: 'admin', name: 'Admin', role: 'kabid' };
    const { caseRef, openedTaskIds } = await core.service.startCase('pemalang', 'Uji arsip', admin);
    const long = `${'Laporan kegiatan penilaian kompetensi '.repeat(5)}akhir.pdf`;
    // Names as an older version stored them (today's intake refuses the override).
    const names = ['Surat José.pdf', 'laporan\u202Efdp.exe.pdf', long, 'Cafe\u0301 Ñandú 漢字.pdf'];
    for (const fileName of names) {
      const stored = await core.files.put(Buffer.from(`%PDF-1.4 ${fileName}`));
      await core.service.attachDocument(openedTaskIds[0]!, { kind: 'output', name: 'Disposisi' }, { fileName, mimeType: 'application/pdf', ...stored }, admin);
    }
    const zip = join(dir, 'ekspor.zip');
    const exported = await sopbot('case', 'export', caseRef, '--out', zip);
    expect(exported.code, exported.err).toBe(0);
    const into = join(dir, 'buka');
    const run = promisify(execFile);
    await run('unzip', ['-q', zip, '-d', into], { env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
    const check = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: into });
    expect(check.stdout.split('\n').filter(Boolean).every((l) => l.endsWith(': OK'))).toBe(true);
    const extracted = (await readdir(join(into, 'dokumen', '1-Disposisi'))).sort();
    expect(extracted).toContain('Surat José.pdf');
    expect(extracted).toContain('laporanfdp.exe.pdf');
    expect(extracted).toContain('Café Ñandú 漢字.pdf');
    const cut = extracted.find((n) => n.startsWith('Laporan kegiatan'))!;
    expect(cut.endsWith('.pdf')).toBe(true);
    expect([...cut].length).toBeLessThanOrEqual(120);
    expect(extracted.join('')).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });
});
