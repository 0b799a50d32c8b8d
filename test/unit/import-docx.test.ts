/**
 * An agency's Word file, as Word writes it: merged header cells, swimlane shapes anchored in
 * the cells (DrawingML, VML, and DrawingML with a VML fallback), a decision made of "Ditolak" /
 * "Diterima" rows, an unnumbered row, a cell holding a numbered list, a time written on two
 * lines, and the activity table continued on a second page under a repeated header.
 */
import { describe, expect, it } from 'vitest';
import { importDocument } from '../../src/import/import.js';
import { readDocx } from '../../src/import/read-docx.js';
import { cellText } from '../../src/import/model.js';
import { parseDefinition } from '../../src/sop/loader.js';
import { izinPenelitianDocx } from '../support/docx-sop.js';

async function imported() {
  const [draft, ...more] = importDocument(await izinPenelitianDocx(), { file: 'izin-penelitian.docx', id: 'izin_penelitian', code: 'IZP' });
  expect(more).toHaveLength(0);
  const parsed = parseDefinition(draft!.yaml, 'izin_penelitian.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return { draft: draft!, def: parsed.definition, step: (id: string) => parsed.definition.steps.find((s) => s.id === id)! };
}

describe('importing a Word SOP', () => {
  it('reads merged cells onto the grid and the shapes in the cells as marks', async () => {
    const model = readDocx(await izinPenelitianDocx(), 'izin-penelitian.docx');
    const header = model.lines.find((l) => cellText(l.cells[0]) === 'No')!;
    // "Pelaksana" spans four grid columns and "Mutu Baku" three: Keterangan is the tenth.
    expect(header.cells.map(cellText)).toEqual(['No', 'Kegiatan', 'Pelaksana', '', '', '', 'Mutu Baku', '', '', 'Keterangan']);
    expect(header.cells[3]!.spanned).toBe(true);
    const second = model.lines[model.lines.indexOf(header) + 1]!;
    expect(second.cells[0]!.continued).toBe(true);
    const first = model.lines.find((l) => cellText(l.cells[0]) === '1')!;
    expect(first.cells[2]!.marks).toEqual([{ shape: 'terminator', text: 'MULAI', source: 'drawing' }]);
    const decision = model.lines.find((l) => cellText(l.cells[1]) === 'Ditolak')!;
    // The DrawingML choice is read, its VML fallback is not counted again.
    expect(decision.cells[3]!.marks).toEqual([{ shape: 'decision', source: 'drawing' }]);
  });

  it('gives a draft that validates, with the identity block, sections and Pelaksana columns', async () => {
    const { def } = await imported();
    expect(def.identity).toEqual({
      nomor: '070/215/KESBANGPOL/2025',
      nama: 'PELAYANAN IZIN PENELITIAN',
      instansi: ['PEMERINTAH KOTA CONTOH', 'BADAN KESATUAN BANGSA DAN POLITIK', 'BIDANG POLITIK DALAM NEGERI'],
      tanggalPembuatan: '2025-01-06',
      tanggalEfektif: '2025-01-13',
      disahkanOleh: 'KEPALA BADAN KESATUAN BANGSA DAN POLITIK Drs. BUDI SANTOSO, M.Si. NIP. 19700512 199603 1 004',
    });
    expect(def.dasarHukum).toHaveLength(2);
    expect(def.peralatan).toEqual(['Komputer', 'Printer']);
    expect(def.roles.map((r) => r.name)).toEqual(['Pemohon', 'Staf Pelayanan', 'Kepala Bidang', 'Kepala Badan']);
  });

  it('takes each row\'s Pelaksana from its shape, with no role left to guess', async () => {
    const { def, draft } = await imported();
    expect(def.steps.map((s) => [s.id, s.role])).toEqual([
      ['1', 'pemohon'],
      ['2', 'staf_pelayanan'],
      ['3', 'staf_pelayanan'],
      ['4', 'staf_pelayanan'],
      ['5', 'staf_pelayanan'],
      ['5a', 'kepala_bidang'],
      ['6', 'kepala_badan'],
      ['7', 'staf_pelayanan'],
      ['8', 'pemohon'],
    ]);
    expect(def.steps.some((s) => s.roleInferred)).toBe(false);
    expect(draft.questions.filter((q) => q.topic === 'role')).toEqual([]);
    expect(draft.yaml).toContain('# Pelaksana dari tanda di lajur: kapsul "MULAI" di kolom Pemohon.');
  });

  it('turns the Ditolak/Diterima rows into a decision whose paths meet at the check and part after the letter goes out', async () => {
    const { step, draft } = await imported();
    expect(step('3')).toMatchObject({ kind: 'decision', branches: [{ label: 'Ditolak', next: '4' }, { label: 'Diterima', next: '5' }] });
    expect(step('4').next).toBe('5a');
    expect(step('5a')).toMatchObject({ kind: 'review', returnTo: ['4', '5'], next: '6' });
    expect(step('7').route).toEqual([{ when: { step: '3', branch: 'Ditolak' }, end: 'ditolak' }, { next: '8' }]);
    expect(draft.questions.find((q) => q.step === '7')?.text).toBe('Cabang "Ditolak" dibuat berakhir setelah kegiatan 7, cabang lain lanjut ke 8. Benar?');
  });

  it('keeps a list cell as its items, joins a time written on two lines, and counts a relative time from the step it names', async () => {
    const { step } = await imported();
    expect(step('2').kelengkapan.map((k) => k.name)).toEqual(['Berkas permohonan', 'Fotokopi KTP', 'Proposal penelitian']);
    expect(step('2').waktu).toBe('15 Menit');
    expect(step('8')).toMatchObject({ waktu: 'Maksimal 7 hari setelah kegiatan 7', anchor: '7', end: 'selesai' });
  });
});
