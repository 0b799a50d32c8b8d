/**
 * Real exports are messier than the seeds: text taken from Word or PDF loses the swimlane
 * marks, stacks the identity labels apart from their values, numbers steps out of order, glues
 * two rows onto one line, splits "15" / "Menit", holds two SOPs in one file, and writes a
 * "Tidak" branch or a return only in the Keterangan. The importer reads what it can, keeps
 * every row, and asks about the rest.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/import/errors.js';
import { importDocument } from '../../src/import/import.js';
import { parseDefinition } from '../../src/sop/loader.js';
import type { SopDefinition } from '../../src/sop/definition.js';

const messy = fileURLToPath(new URL('../fixtures/import/messy.txt', import.meta.url));

async function importMessy() {
  const drafts = importDocument(await readFile(messy), { file: 'messy.txt' });
  const defs = drafts.map((d) => {
    const parsed = parseDefinition(d.yaml, `${d.id}.yaml`);
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    return parsed.definition;
  });
  return { drafts, defs };
}

const texts = (qs: { text: string }[]) => qs.map((q) => q.text);

describe('a messy export', () => {
  it('holds two SOPs: each becomes its own valid draft, with its own identity', async () => {
    const { drafts, defs } = await importMessy();
    expect(defs.map((d) => [d.identity.nomor, d.identity.nama])).toEqual([
      ['800/12/DISDIK/2024', 'PENERBITAN SURAT KETERANGAN PINDAH SEKOLAH'],
      ['800/13/DISDIK/2024', 'LEGALISIR IJAZAH'],
    ]);
    expect(new Set(drafts.map((d) => d.id)).size).toBe(2);
    expect(new Set(drafts.map((d) => d.code)).size).toBe(2);
  });

  it('pairs identity labels stacked apart from their values, and says it did', async () => {
    const { drafts, defs } = await importMessy();
    expect(defs[0]!.identity).toMatchObject({
      tanggalPembuatan: '2024-01-02',
      tanggalEfektif: '2024-01-03',
      disahkanOleh: 'KEPALA DINAS PENDIDIKAN Dra. SITI AMINAH NIP. 19700101 199503 2 001',
      instansi: ['PEMERINTAH KABUPATEN CONTOH', 'DINAS PENDIDIKAN'],
    });
    expect(texts(drafts[0]!.questions)).toContain('Label identitas (Nomor, Tanggal, ...) terpisah dari nilainya; nilai dipasangkan menurut urutan. Periksa pasangannya.');
  });

  it('keeps every row, in the table\'s order, and asks about numbers out of order, missing, and rows glued together', async () => {
    const { drafts, defs } = await importMessy();
    const first: SopDefinition = defs[0]!;
    expect(first.steps.map((s) => s.id)).toEqual(['1', '2', '4', '3', '5', '7']);
    expect(first.steps.find((s) => s.id === '7')!.kegiatan).toBe('Staf Layanan menyerahkan surat kepada pemohon');
    expect(first.steps.find((s) => s.id === '5')!.output).toEqual([{ name: 'Surat keterangan', document: true }]);
    const qs = drafts[0]!.questions;
    expect(qs.find((q) => q.step === '3' && q.topic === 'numbering')?.text).toBe('Nomor 3 muncul setelah nomor 4; draf mengikuti urutan baris di tabel.');
    expect(qs.find((q) => q.step === '7' && q.topic === 'numbering')?.text).toBe('Nomor 6 tidak ada di tabel; mungkin ada baris yang hilang.');
    expect(texts(qs)).toContain('Baris 27 berisi dua kegiatan yang menempel (5 dan 7); draf memisahkannya. Periksa isinya.');
  });

  it('joins a time split over two lines, and asks about a time it cannot read', async () => {
    const { drafts, defs } = await importMessy();
    expect(defs[0]!.steps.find((s) => s.id === '2')!.waktu).toBe('15 Menit');
    expect(texts(drafts[0]!.questions)).toContain('Waktu terpotong di dua baris (baris 24); digabung menjadi "15 Menit".');
    expect(defs[0]!.steps.find((s) => s.id === '7')!.waktu).toBeUndefined();
    expect(drafts[0]!.questions.find((q) => q.step === '7' && q.topic === 'waktu')?.text).toBe(
      'Waktu "sesuai jadwal piket" tidak dikenali; draf tanpa standar waktu. Tulis ulang (misalnya "2 hari").',
    );
    expect(drafts[0]!.yaml).toContain('# Waktu tertulis "sesuai jadwal piket", tidak dikenali');
  });

  it('reads a "Tidak" branch and a return written only in the Keterangan', async () => {
    const { drafts, defs } = await importMessy();
    const step = (id: string) => defs[0]!.steps.find((s) => s.id === id)!;
    expect(step('2')).toMatchObject({ kind: 'decision', branches: [{ label: 'Ya', next: '4' }, { label: 'Tidak', end: 'ditolak' }] });
    expect(drafts[0]!.questions.find((q) => q.step === '2' && q.topic === 'kind')?.text).toBe(
      'Cabang ditulis di teks tanpa label tombol; draf memakai "Ya" dan "Tidak" (ke 4 / ditolak). Ganti labelnya.',
    );
    // "dikembalikan ke kegiatan 3": back by the SOP's own numbers, though row 3 comes after row 4.
    expect(step('4')).toMatchObject({ kind: 'review', returnTo: '3' });
    expect(defs[1]!.steps.find((s) => s.id === '2')).toMatchObject({ kind: 'decision', branches: [{ label: 'Ya', next: '3' }, { label: 'Tidak', end: 'ditolak' }] });
  });

  it('reads roles from the sentences when no swimlane mark survived, each marked and asked', async () => {
    const { drafts, defs } = await importMessy();
    expect(defs[0]!.steps.map((s) => [s.id, s.role, s.roleInferred])).toEqual([
      ['1', 'pemohon', true],
      ['2', 'staf_layanan', true],
      ['4', 'kepala_seksi', true],
      ['3', 'staf_layanan', true],
      ['5', 'kepala_seksi', true],
      ['7', 'staf_layanan', true],
    ]);
    expect(drafts[0]!.questions.find((q) => q.step === '4' && q.topic === 'role')?.text).toBe(
      'Pelaksana ditebak Kepala Seksi. Pelaksana disimpulkan dari subjek kalimat kegiatan: Kepala Seksi. Benar?',
    );
  });
});

describe('damaged exports', () => {
  it('never crash the importer: 150 seeds with lines dropped, joined, cut, repeated or reversed give drafts or a named refusal', async () => {
    const names = ['pemalang', 'tangerang', 'kemenkumham', 'jateng', 'pupr'];
    const seeds = await Promise.all(names.map((n) => readFile(fileURLToPath(new URL(`../fixtures/seeds/${n}.txt`, import.meta.url)), 'utf8')));
    let state = 20261201;
    const random = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const outcomes = { drafts: 0, valid: 0, refused: 0 };
    for (let i = 0; i < 150; i++) {
      const lines = seeds[i % seeds.length]!.split('\n');
      for (let k = 0, n = 1 + Math.floor(random() * 6); k < n; k++) {
        const at = Math.floor(random() * lines.length);
        const op = random();
        if (op < 0.25) lines.splice(at, 1);
        else if (op < 0.45) lines[at] = (lines[at] ?? '').replace('\t', '');
        else if (op < 0.6) lines[at] = (lines[at] ?? '') + (lines[at + 1] ?? '');
        else if (op < 0.75) lines.splice(at, 0, lines[Math.floor(random() * lines.length)] ?? '');
        else if (op < 0.85) lines[at] = (lines[at] ?? '').split('\t').reverse().join('\t');
        else lines[at] = (lines[at] ?? '').slice(0, Math.floor(random() * (lines[at]?.length ?? 0)));
      }
      try {
        for (const draft of importDocument(new TextEncoder().encode(lines.join('\n')), { file: `rusak-${i}.txt` })) {
          outcomes.drafts++;
          // Written or not, a draft is YAML the validator can read and point into.
          const parsed = parseDefinition(draft.yaml, 'draf.yaml');
          if (parsed.ok) outcomes.valid++;
          else expect(parsed.errors.every((e) => !e.detail.startsWith('sintaks YAML'))).toBe(true);
        }
      } catch (e) {
        expect(e).toBeInstanceOf(ImportError);
        outcomes.refused++;
      }
    }
    expect(outcomes.drafts + outcomes.refused).toBeGreaterThanOrEqual(150);
    expect(outcomes.valid).toBeGreaterThan(outcomes.drafts / 2);
  });
});

/** A 40-row SOP in the text export's layout: marks in some rows, lists, returns, times of every kind. */
function fortyRows(): string {
  const roles = ['Pemohon', 'Staf Administrasi', 'Analis', 'Kepala Seksi', 'Kepala Bidang', 'Kepala Dinas'];
  const waktu = ['10 menit', '1 jam', '2 hari', '1 minggu', '30 menit', 'menyesuaikan lamanya kegiatan'];
  const lines = [
    '**PEMERINTAH PROVINSI CONTOH',
    'DINAS KOMUNIKASI DAN INFORMATIKA**',
    'Nomor SOP\t: 045/999/DISKOMINFO/2025',
    'Tanggal Pembuatan\t: 2 Juni 2025',
    'Tanggal Efektif\t: 16 Juni 2025',
    'Disahkan oleh\t: KEPALA DINAS KOMUNIKASI DAN INFORMATIKA',
    'Nama SOP\t: PENGELOLAAN PERMOHONAN INFORMASI PUBLIK',
    '',
    'Dasar Hukum\tKualifikasi Pelaksana',
    '<ol>1. Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik2. Peraturan Komisi Informasi Nomor 1 Tahun 2021</ol>\t<ol>1. Memahami pelayanan informasi</ol>',
    '',
    `No\tKegiatan\tPelaksana${'\t'.repeat(roles.length)}Mutu Baku\t\t\tKeterangan`,
    `\t\t${roles.join('\t')}\tKelengkapan\tWaktu\tOutput\t`,
  ];
  for (let n = 1; n <= 40; n++) {
    const role = n % roles.length;
    const cells = roles.map((_r, k) => (k === role && n % 3 === 0 ? '□' : ''));
    const ket = n % 7 === 0 ? `Jika belum sesuai dikembalikan ke kegiatan ${n - 1}` : n % 5 === 0 ? `oleh ${roles[role]}` : '';
    lines.push(`${n}\t${roles[role]} memproses tahap ${n} permohonan informasi\t${cells.join('\t')}\t1. Formulir ${n} 2. Lampiran ${n}\t${waktu[n % waktu.length]}\tHasil tahap ${n}\t${ket}`);
  }
  return lines.join('\n');
}

describe('speed', () => {
  it('imports a 40-row SOP in under a second', () => {
    const text = new TextEncoder().encode(fortyRows());
    const times: number[] = [];
    let steps = 0;
    for (let k = 0; k < 5; k++) {
      const start = performance.now();
      const [draft] = importDocument(text, { file: 'empat-puluh.txt' });
      times.push(performance.now() - start);
      const parsed = parseDefinition(draft!.yaml, 'empat-puluh.yaml');
      if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
      steps = parsed.definition.steps.length;
    }
    expect(steps).toBe(40);
    const best = Math.min(...times);
    console.info(`40-row import: best ${best.toFixed(1)} ms, first ${times[0]!.toFixed(1)} ms, median ${[...times].sort((a, b) => a - b)[2]!.toFixed(1)} ms`);
    expect(times[0]).toBeLessThan(1000);
  });
});
