/**
 * An admin turns an SOP document into a running workflow from the terminal: `sop import`
 * writes the draft and lists the questions, `sop validate` passes, and a case runs on it.
 * Nothing is ever written over an existing file without --force, and a refused document
 * leaves the catalog folder as it was.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { createTestCore } from '../support/test-core.js';
import { izinPenelitianDocx } from '../support/docx-sop.js';

const seed = (name: string) => fileURLToPath(new URL(`../fixtures/seeds/${name}`, import.meta.url));
const messy = fileURLToPath(new URL('../fixtures/import/messy.txt', import.meta.url));

let dir: string;
let catalog: string;
const cores: Core[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-import-'));
  catalog = join(dir, 'katalog');
  await mkdir(catalog);
});
afterAll(async () => {
  for (const c of cores) await c.database.close();
  await rm(dir, { recursive: true, force: true });
});

async function sopbot(argv: string[], core?: Core) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env: { ...process.env, SOPBOT_CATALOG_DIR: catalog }, cwd: dir, out: (t) => out.push(t), err: (t) => err.push(t), ...(core ? { core } : {}) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sopbot sop import', () => {
  it('turns the PUPR seed into a draft in the catalog, lists the questions, and the draft validates', async () => {
    const r = await sopbot(['sop', 'import', seed('pupr.txt'), '--id', 'pupr_impor', '--code', 'PUPRI']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const target = join(catalog, 'pupr_impor.yaml');
    expect(r.out).toContain(`Draf ditulis: ${target} (SOP "pupr_impor", 11 kegiatan, 6 pelaksana).`);
    expect(r.out).toMatch(/Pertanyaan untuk admin \(\d+\):/);
    expect(r.out).toContain('Kegiatan 2: Kegiatan 1 meminta atau menugaskan pihak lain, tetapi tanda kegiatan 2 juga di kolom Kasie Penyelenggaraan. Apakah tanda itu bergeser?');
    expect(r.out).toContain(`Validasi: ${target} valid.`);
    const yaml = await readFile(target, 'utf8');
    expect(yaml).toContain('konversiWaktu:');
    expect(yaml).toContain('roleInferred: true');

    const validate = await sopbot(['sop', 'validate', target]);
    expect(validate).toMatchObject({ code: 0, out: `OK ${target}: SOP "pupr_impor", 11 kegiatan` });
  });

  it('never writes over a file without --force', async () => {
    const target = join(catalog, 'jateng.yaml');
    await writeFile(target, '# disunting tangan\n');
    const refused = await sopbot(['sop', 'import', seed('jateng.txt'), '--id', 'jateng', '--code', 'JTG']);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`Berkas ${target} sudah ada; tidak ditimpa. Pakai --force untuk menimpa, atau --out untuk nama lain.`);
    expect(await readFile(target, 'utf8')).toBe('# disunting tangan\n');

    const forced = await sopbot(['sop', 'import', seed('jateng.txt'), '--id', 'jateng', '--code', 'JTG', '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(target, 'utf8')).toContain('id: jateng');

    // The same document again, without --id: recognised by its Nomor SOP, and refused again.
    const again = await sopbot(['sop', 'import', seed('jateng.txt')]);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`Berkas ${target} sudah ada`);
  });

  it('writes a draft to --out, and one draft per SOP of a file that holds several', async () => {
    const one = await sopbot(['sop', 'import', seed('tangerang.txt'), '--out', 'draf/tangerang.yaml']);
    expect(one.code).toBe(0);
    expect(await readdir(join(dir, 'draf'))).toEqual(['tangerang.yaml']);
    // A folder, new (a trailing slash) or existing, gets the draft as ID.yaml inside it.
    expect((await sopbot(['sop', 'import', seed('jateng.txt'), '--out', 'baru/'])).code).toBe(0);
    const [draft] = await readdir(join(dir, 'baru'));
    expect(draft).toMatch(/^\w+\.yaml$/);
    expect((await sopbot(['sop', 'import', seed('jateng.txt'), '--out', 'draf'])).code).toBe(0);
    expect((await readdir(join(dir, 'draf'))).sort()).toEqual([draft!, 'tangerang.yaml'].sort());

    const two = await sopbot(['sop', 'import', messy, '--out', 'dua']);
    expect(two.out).toContain(`Berkas ini berisi 2 SOP; setiap draf ditulis ke ${join(dir, 'dua')}/ID.yaml.`);
    expect(two.code).toBe(0);
    expect((await readdir(join(dir, 'dua'))).sort()).toEqual(['legalisir_ijazah.yaml', 'penerbitan_surat_keterangan_pindah.yaml']);
  });

  it('imports a Word file, and a case runs on the draft', async () => {
    const file = join(dir, 'izin-penelitian.docx');
    await writeFile(file, await izinPenelitianDocx());
    const r = await sopbot(['sop', 'import', 'izin-penelitian.docx', '--id', 'izin_penelitian', '--code', 'IZP']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Validasi:');

    const saved = process.env.SOPBOT_CATALOG_DIR;
    process.env.SOPBOT_CATALOG_DIR = catalog;
    let core: Core;
    try {
      core = await createTestCore({ dir, clock: () => new Date('2026-11-23T02:00:00Z') });
    } finally {
      if (saved === undefined) delete process.env.SOPBOT_CATALOG_DIR;
      else process.env.SOPBOT_CATALOG_DIR = saved;
    }
    cores.push(core);
    const started = await sopbot(['case', 'start', 'izin_penelitian', '--title', 'Izin penelitian Universitas Contoh', '--as', 'pemohon'], core);
    expect(started.code).toBe(0);
    expect(started.out).toContain('IZP-2026-0001');
    await writeFile(join(dir, 'berkas.pdf'), '%PDF-1.4 berkas permohonan');
    expect((await sopbot(['task', 'attach', 'IZP-2026-0001', join(dir, 'berkas.pdf'), '--as', 'pemohon'], core)).code).toBe(0);
    const done = await sopbot(['task', 'done', 'IZP-2026-0001', '--as', 'pemohon'], core);
    expect(done.code).toBe(0);
    expect(done.out).toContain('Staf Pelayanan');
  });

  it('refuses what is not an SOP document, says why in Indonesian, and writes nothing', async () => {
    const write = async (name: string, bytes: Uint8Array | string) => {
      await writeFile(join(dir, name), bytes);
      return name;
    };
    const cases: [string, string][] = [
      [await write('rusak.docx', 'bukan zip'), 'Berkas rusak.docx bukan dokumen Word (DOCX): isinya bukan arsip zip.'],
      [await write('kosong.docx', zipSync({ 'isi.txt': strToU8('x') })), 'Berkas kosong.docx memang arsip zip, tetapi bukan dokumen Word: word/document.xml tidak ada.'],
      [await write('catatan.txt', 'Catatan rapat\nTidak ada tabel di sini.'), 'Berkas catatan.txt bukan dokumen SOP'],
    ];
    const big = join(dir, 'besar.docx');
    await writeFile(big, '');
    await truncate(big, 50 * 1024 * 1024);
    cases.push(['besar.docx', 'Berkas besar.docx terlalu besar (50 MB); batasnya 20 MB.']);
    cases.push(['tidak-ada.docx', 'Berkas tidak-ada.docx tidak dapat dibaca (ENOENT).']);

    for (const [file, message] of cases) {
      const r = await sopbot(['sop', 'import', file]);
      expect(r.code, file).toBe(1);
      expect(r.err, file).toContain(message);
    }
    expect(await readdir(catalog)).toEqual([]);
  });
});
