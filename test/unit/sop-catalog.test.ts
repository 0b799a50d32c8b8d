/**
 * The shipped catalog: the five seed SOPs, each checked for the facts a case depends on —
 * who acts, where Kembalikan goes, how branches and shared rows split, how time is counted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseWaktu } from '../../src/calendar/waktu.js';
import { returnTargets, stepDocuments, stepRoles, type SopDefinition, type StepDefinition } from '../../src/sop/definition.js';
import { catalogDir, loadCatalog, parseDefinition, type Catalog } from '../../src/sop/loader.js';

const CATALOG = fileURLToPath(new URL('../../catalog', import.meta.url));

let catalog: Catalog;
const sop = (id: string): SopDefinition => {
  const found = catalog.definitions.find((d) => d.definition.id === id);
  if (!found) throw new Error(`SOP ${id} not loaded`);
  return found.definition;
};
const step = (def: SopDefinition, id: string): StepDefinition => {
  const found = def.steps.find((s) => s.id === id);
  if (!found) throw new Error(`step ${id} not in ${def.id}`);
  return found;
};
/** The steps in order, following `next` only: the shape of a linear SOP. */
const nextChain = (def: SopDefinition) => def.steps.map((s) => [s.id, s.next ?? s.end]);

beforeAll(async () => {
  catalog = await loadCatalog(CATALOG);
});

describe('the shipped catalog', () => {
  it('loads all five seed SOPs with no failures', () => {
    expect(catalog.failures.map((f) => f.errors.map((e) => e.message))).toEqual([]);
    expect(catalog.definitions.map((d) => [d.definition.id, d.definition.code]).sort()).toEqual([
      ['jateng', 'JTG'],
      ['kemenkumham', 'KUMHAM'],
      ['pemalang', 'PML'],
      ['pupr', 'PUPR'],
      ['tangerang', 'TNG'],
    ]);
    for (const d of catalog.definitions) {
      expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(d.file.endsWith(`${d.definition.id}.yaml`)).toBe(true);
    }
  });

  it('runs every unit in WIB', () => {
    for (const d of catalog.definitions) expect(d.definition.unit.timezone).toBe('Asia/Jakarta');
  });

  it('is the default catalog folder unless SOPBOT_CATALOG_DIR says otherwise', () => {
    const saved = process.env.SOPBOT_CATALOG_DIR;
    try {
      delete process.env.SOPBOT_CATALOG_DIR;
      expect(catalogDir()).toBe(CATALOG);
      process.env.SOPBOT_CATALOG_DIR = '/srv/sop-katalog';
      expect(catalogDir()).toBe('/srv/sop-katalog');
    } finally {
      if (saved === undefined) delete process.env.SOPBOT_CATALOG_DIR;
      else process.env.SOPBOT_CATALOG_DIR = saved;
    }
  });
});

describe('Pemalang: Kerjasama Kegiatan Penilaian Kompetensi', () => {
  it('keeps the identity block', () => {
    const def = sop('pemalang');
    expect(def.identity).toMatchObject({
      nomor: 'BKDPML/PA/59/2022',
      nama: 'KERJASAMA KEGIATAN PENILAIAN KOMPETENSI',
      tanggalPembuatan: '2022-09-15',
      tanggalEfektif: '2022-09-16',
    });
    expect(def.identity.tanggalRevisi).toBeUndefined();
    expect(def.dasarHukum).toHaveLength(5);
    expect(def.roles.map((r) => r.name)).toEqual(['Asesor SDMA', 'Subkor', 'Kabid.', 'Sekretaris', 'Kepala BKD']);
  });

  it('has the ten numbered rows and the two unnumbered ones, 5a and 5b', () => {
    expect(sop('pemalang').steps.map((s) => s.id)).toEqual(['1', '2', '3', '4', '5', '5a', '5b', '6', '7', '8', '9', '10']);
  });

  it('starts with the Kabid (MULAI) and decides Diterima / Ditolak at step 3', () => {
    const def = sop('pemalang');
    expect(step(def, '1').role).toBe('kabid');
    const decision = step(def, '3');
    expect(decision.kind).toBe('decision');
    expect(decision.branches).toEqual([
      { label: 'Ditolak', next: '4' },
      { label: 'Diterima', next: '5' },
    ]);
  });

  it('sends both drafts to the Kabid, who returns them to the Subkor; the Sekretaris returns to the Kabid', () => {
    const def = sop('pemalang');
    expect(step(def, '4').next).toBe('5b');
    expect(step(def, '5a').next).toBe('5b');
    const kabid = step(def, '5b');
    expect(kabid).toMatchObject({ kind: 'review', role: 'kabid', next: '6' });
    expect(returnTargets(kabid)).toEqual(['4', '5a']);
    expect(new Set(returnTargets(kabid).map((id) => step(def, id).role))).toEqual(new Set(['subkor']));
    expect(step(def, '6')).toMatchObject({ kind: 'review', role: 'sekretaris', returnTo: '5b', next: '7' });
    expect(step(def, '7').role).toBe('kepala_bkd');
  });

  it('closes a rejected request after the letter is sent, and sends an accepted one on to the Asesor', () => {
    const def = sop('pemalang');
    expect(step(def, '8').route).toEqual([{ when: { step: '3', branch: 'Ditolak' }, end: 'ditolak' }, { next: '9' }]);
    // The shared rows ask for the Surat tugas and its draft only on the Diterima path.
    const accepted = { when: { step: '3', branch: 'Diterima' } };
    expect(step(def, '8').output).toEqual([{ name: 'Surat tugas', document: true, ...accepted }]);
    for (const id of ['5b', '6', '7']) {
      expect(step(def, id).kelengkapan).toEqual([{ name: 'Draft surat tugas', ...accepted }]);
      expect(step(def, id).output).toEqual([{ name: 'Draft Surat tugas', document: true, ...accepted }]);
    }
    expect(stepDocuments(step(def, '8'), { '3': 'Ditolak' })).toEqual({ kelengkapan: [], output: [] });
    expect(stepDocuments(step(def, '8'), { '3': 'Diterima' }).output.map((o) => o.name)).toEqual(['Surat tugas']);
    expect(stepRoles(step(def, '9'))).toEqual(['asesor_sdma']);
    expect(step(def, '10').end).toBe('selesai');
  });

  it('lets the Asesor set the due date of the task, and counts the report from the task', () => {
    const def = sop('pemalang');
    expect(parseWaktu(step(def, '9').waktu)).toEqual({ kind: 'actor-sets', text: 'menyesuaikan lamanya kegiatan' });
    const report = step(def, '10');
    expect(report.anchor).toBe('9');
    expect(parseWaktu(report.waktu, def.konversiWaktu)).toEqual({
      kind: 'after-anchor',
      duration: { days: 7, minutes: 0 },
      text: 'Maksimal 7 hari setelah pelaksanaan kegiatan',
    });
  });
});

describe('Tangerang: Pelaksanaan Penilaian Kompetensi Aparatur', () => {
  it('keeps all nine Pelaksana columns, used or not', () => {
    expect(sop('tangerang').roles.map((r) => r.name)).toEqual([
      'Pemohon',
      'Assessor',
      'Staf Admin',
      'Ka. TU UPT',
      'Ka. UPT',
      'Sekretaris',
      'Ka. Badan',
      'Sekda',
      'Walikota',
    ]);
  });

  it('runs 1 to 10 in order with no returns or branches', () => {
    const def = sop('tangerang');
    expect(nextChain(def)).toEqual([
      ['1', '2'],
      ['2', '3'],
      ['3', '4'],
      ['4', '5'],
      ['5', '6'],
      ['6', '7'],
      ['7', '8'],
      ['8', '9'],
      ['9', '10'],
      ['10', 'selesai'],
    ]);
    expect(def.steps.every((s) => s.kind === 'task')).toBe(true);
  });

  it('has the Pemohon propose and the assessors do the assessment work', () => {
    const def = sop('tangerang');
    expect(def.steps.map((s) => s.role)).toEqual([
      'pemohon',
      'staf_admin',
      'ka_upt',
      'staf_admin',
      'assessor',
      'assessor',
      'assessor',
      'assessor',
      'assessor',
      'ka_upt',
    ]);
  });

  it('counts weeks as five working days', () => {
    const def = sop('tangerang');
    expect(parseWaktu(step(def, '8').waktu)).toMatchObject({ duration: { days: 5, minutes: 0 } });
    expect(parseWaktu(step(def, '9').waktu)).toMatchObject({ duration: { days: 10, minutes: 0 } });
  });

  it('splits the Mutu Baku lists into the documents they name', () => {
    expect(step(sop('tangerang'), '5').output.map((o) => o.name)).toEqual([
      'Standar Kompetensi jabatan',
      'soal-soal',
      'interview guide',
      'Draft Psikogram',
      'Draft laporan',
    ]);
  });
});

describe('Kemenkumham: Pelaksanaan Penilaian Kompetensi oleh Asesor', () => {
  it('has ten steps over the five columns', () => {
    const def = sop('kemenkumham');
    expect(def.steps).toHaveLength(10);
    expect(def.roles.map((r) => r.name)).toEqual(['JF MADYA', 'JF MUDA', 'ASESOR ADMIN', 'ASESOR', 'TENAGA PENDUKUNG']);
    expect(def.identity).toMatchObject({ tanggalPembuatan: '2023-07-18', tanggalRevisi: '2024-05-14' });
    expect(def.identity.tanggalEfektif).toBeUndefined();
  });

  it('holds the preparation meeting as one joint step of everyone whose work it settles', () => {
    const meeting = step(sop('kemenkumham'), '3');
    expect(meeting).toMatchObject({ kind: 'joint', quorum: 'all', keterangan: '1 gelombang 30 orang' });
    expect(meeting.roles).toEqual(['jf_madya', 'jf_muda', 'asesor', 'asesor_admin']);
  });

  it('carries the drafts of step 2 into the meeting by name', () => {
    const def = sop('kemenkumham');
    const drafts = step(def, '2').output[0]!.name;
    expect(step(def, '3').kelengkapan.map((k) => k.name)).toContain(drafts);
  });

  it('reads the role of pra ukom and intake from the Keterangan', () => {
    const def = sop('kemenkumham');
    expect(step(def, '4')).toMatchObject({ role: 'asesor', keterangan: 'oleh assessor 1:3' });
    expect(step(def, '5')).toMatchObject({ role: 'asesor_admin', keterangan: 'OLEH ADMIN 1:30', kegiatan: 'Intake data' });
  });

  it('does not ask for a file where the output is a fact', () => {
    const def = sop('kemenkumham');
    expect(step(def, '4').output).toEqual([
      { name: 'kesiapan peserta dalam memahami pelaksanaan penilaian kompetensi', document: false },
    ]);
    expect(step(def, '10').output[0]!.document).toBe(false);
  });

  it('has no returns: the SOP writes none', () => {
    expect(sop('kemenkumham').steps.flatMap(returnTargets)).toEqual([]);
  });
});

describe('Jawa Tengah: Perumusan Kompetensi', () => {
  it('keeps the stakeholder column and the five Pelaksana columns', () => {
    expect(sop('jateng').roles.map((r) => r.id)).toEqual([
      'stakeholder',
      'ka_unit',
      'kasi',
      'administrator',
      'asesor',
      'administrasi_pelaporan',
    ]);
  });

  it('meets with the stakeholder and signs with them as joint steps', () => {
    const def = sop('jateng');
    expect(step(def, '3')).toMatchObject({ kind: 'joint', roles: ['stakeholder', 'kasi', 'asesor'], quorum: 'all', waktu: '3 jam' });
    expect(step(def, '4')).toMatchObject({ kind: 'joint', roles: ['stakeholder', 'kasi'], quorum: 'all' });
  });

  it("makes the Ka. Unit's diamond a review of the Kasi's report", () => {
    const def = sop('jateng');
    expect(step(def, '6')).toMatchObject({ kind: 'review', role: 'ka_unit', next: '7', returnTo: '5' });
    expect(step(def, '5').role).toBe('kasi');
  });

  it('starts with the Ka. Unit and ends with the Kasi filing the document', () => {
    const def = sop('jateng');
    expect(def.steps).toHaveLength(7);
    expect(step(def, '1')).toMatchObject({ role: 'ka_unit', output: [{ name: 'Surat Penugasan', document: true }] });
    expect(step(def, '1').waktu).toBeUndefined();
    expect(step(def, '7')).toMatchObject({ role: 'kasi', end: 'selesai' });
    expect(step(def, '7').output).toEqual([{ name: 'dokumen terdokumentasikan.', document: false }]);
  });
});

describe('PUPR: Penyampaian Hasil Penilaian Potensi dan Kompetensi', () => {
  it('keeps the SOP\'s own time conversion: its minutes count in office days from one SOP day (300) up', () => {
    const def = sop('pupr');
    expect(def.konversiWaktu).toEqual({ jam: 60, hari: 300, minggu: 1500 });
    expect(parseWaktu(step(def, '2').waktu, def.konversiWaktu)).toMatchObject({
      kind: 'fixed',
      duration: { days: 5, minutes: 0 },
    });
    // Under this table 300 minutes are one working day: "2 hari" and "600" are two.
    expect(parseWaktu('2 hari', def.konversiWaktu)).toMatchObject({ duration: { days: 2, minutes: 0 } });
    expect(parseWaktu(step(def, '3').waktu, def.konversiWaktu)).toMatchObject({ duration: { days: 2, minutes: 0 } });
    expect(parseWaktu(step(def, '4').waktu, def.konversiWaktu)).toMatchObject({ duration: { days: 0, minutes: 60 } });
  });

  it('has eleven steps, returns written in the Keterangan, and the Kepala Balai signing last', () => {
    const def = sop('pupr');
    expect(def.steps).toHaveLength(11);
    const reviews = def.steps.filter((s) => s.kind === 'review').map((s) => [s.id, s.next, returnTargets(s)]);
    expect(reviews).toEqual([
      ['3', '4', ['2']],
      ['4', '5', ['3']],
      ['6', '7', ['1']],
      ['8', '9', ['1']],
    ]);
    expect(step(def, '1').role).toBe('kasie');
    expect(step(def, '10').role).toBe('kasie');
    expect(step(def, '11')).toMatchObject({ role: 'kepala_balai', end: 'selesai' });
  });

  it('gives the written work to the staff and the checks up the line', () => {
    const def = sop('pupr');
    expect(def.steps.map((s) => s.role)).toEqual([
      'kasie',
      'asesor_eksternal',
      'staf',
      'kasie',
      'staf',
      'asesor_sdm',
      'staf',
      'kabid_pemetaan_karir',
      'staf',
      'kasie',
      'kepala_balai',
    ]);
    expect(def.roles.find((r) => r.id === 'staf')?.supervisor).toBe('kasie');
  });

  it('does not ask for a file for the e-Kompetensi entry', () => {
    expect(step(sop('pupr'), '9').output).toEqual([{ name: 'Database e-Kompetensi', document: false }]);
  });
});

describe('content hash', () => {
  it('ignores comments and layout, and changes with any real change', async () => {
    const file = join(CATALOG, 'pemalang.yaml');
    const text = await readFile(file, 'utf8');
    const original = parseDefinition(text, file);
    const relaid = parseDefinition(`# disunting ulang\n${stringify(parse(text), { indent: 4 })}\n\n`, file);
    const changed = parseDefinition(text.replace('waktu: 10 menit', 'waktu: 15 menit'), file);
    if (!original.ok || !relaid.ok || !changed.ok) throw new Error('pemalang.yaml should load');
    expect(relaid.contentHash).toBe(original.contentHash);
    expect(changed.contentHash).not.toBe(original.contentHash);
  });
});
