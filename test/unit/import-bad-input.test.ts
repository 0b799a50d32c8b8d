/**
 * What an admin may hand the importer by mistake, or what someone may hand it on purpose: a
 * Word file that is no SOP, a table without Pelaksana columns, a damaged file, a file far too
 * large, a zip bomb named .docx. Each is refused with an error that names the problem.
 */
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ImportError, type ImportErrorCode } from '../../src/import/errors.js';
import { importDocument, MAX_IMPORT_BYTES } from '../../src/import/import.js';
import { IMPORT } from '../../src/messages/import.js';
import { docxOf, izinPenelitianDocx, row, table } from '../support/docx-sop.js';
import { Paragraph } from 'docx';

function refusal(bytes: Uint8Array, file: string): { code: ImportErrorCode; message: string } {
  try {
    importDocument(bytes, { file });
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    return { code: e.code, message: IMPORT.error[e.code]({ ...e.data, file }) };
  }
  throw new Error(`${file} was imported`);
}

/** A zip whose one entry is `size` bytes of zeros: tiny on disk, huge when inflated. */
function bomb(size: number, lie: boolean): Uint8Array {
  const zip = zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'word/document.xml': new Uint8Array(size) }, { level: 1 });
  if (!lie) return zip;
  // Rewrite the sizes every header declares, as a crafted bomb does, so only the inflating sees it.
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = 0; i + 4 <= zip.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x04034b50) view.setUint32(i + 22, 1000, true);
    if (sig === 0x02014b50) view.setUint32(i + 24, 1000, true);
  }
  return zip;
}

describe('refused documents', () => {
  it('a Word file that is not an SOP', async () => {
    const letter = await docxOf([
      new Paragraph('Undangan Rapat Koordinasi'),
      new Paragraph('Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada rapat koordinasi.'),
      table([row(['Hari', 'Tempat']), row(['Senin', 'Aula'])]),
    ]);
    const r = refusal(letter, 'undangan.docx');
    expect(r.code).toBe('not_sop');
    expect(r.message).toBe('Berkas undangan.docx bukan dokumen SOP: tidak ada identitas SOP (Nomor SOP, Nama SOP) maupun tabel kegiatan (kolom No dan Kegiatan).');
  });

  it('an activity table with no Pelaksana columns', async () => {
    const noRoles = await docxOf([
      table([row(['Nomor SOP', '1/2025']), row(['Nama SOP', 'CONTOH'])]),
      table([row(['No', 'Kegiatan', 'Kelengkapan', 'Waktu', 'Output', 'Keterangan']), row(['1', 'Menerima surat', 'Surat', '10 menit', 'Disposisi', ''])]),
    ]);
    const r = refusal(noRoles, 'tanpa-pelaksana.docx');
    expect(r.code).toBe('no_role_columns');
    expect(r.message).toContain('tidak memiliki kolom pelaksana');
  });

  it('a damaged file: cut short, or with its compressed document garbled', async () => {
    const good = await izinPenelitianDocx();
    const cut = refusal(good.subarray(0, Math.floor(good.length / 2)), 'terpotong.docx');
    expect(cut.code).toBe('corrupt_zip');
    expect(cut.message).toMatch(/^Berkas terpotong\.docx rusak: arsip DOCX-nya tidak dapat dibaca/);

    const garbled = zipSync({ 'word/document.xml': strToU8('<w:document>'.repeat(2000)) });
    // The deflate stream of the document starts after its 30-byte local header and name.
    const start = 30 + 'word/document.xml'.length;
    for (let i = start + 2; i < start + 40; i++) garbled[i] = 0xff;
    expect(refusal(garbled, 'rusak.docx').code).toBe('corrupt_zip');

    expect(refusal(strToU8('ini bukan dokumen word'), 'palsu.docx')).toEqual({
      code: 'not_zip',
      message: 'Berkas palsu.docx bukan dokumen Word (DOCX): isinya bukan arsip zip.',
    });
    expect(refusal(zipSync({ 'isi.txt': strToU8('halo') }), 'arsip.docx').code).toBe('not_docx');
  });

  it('a file larger than the limit, before any of it is parsed', () => {
    const big = new Uint8Array(50 * 1024 * 1024);
    const r = refusal(big, 'besar.docx');
    expect(r.code).toBe('too_large');
    expect(r.message).toBe(`Berkas besar.docx terlalu besar (50 MB); batasnya ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Simpan ulang dokumen tanpa gambar besar, atau impor ekspor teksnya.`);
  });

  it('a zip bomb named .docx, whether its headers tell the truth or lie', () => {
    const honest = refusal(bomb(8 * 1024 * 1024, false), 'laporan.docx');
    expect(honest.code).toBe('zip_bomb');
    expect(honest.message).toMatch(/^Berkas laporan\.docx ditolak: isinya mengembang jauh melebihi batas \(word\/document\.xml terurai \d+× ukurannya\); ini ciri "zip bomb"/);

    const liar = refusal(bomb(40 * 1024 * 1024, true), 'laporan.docx');
    expect(liar.code).toBe('zip_bomb');
    expect(liar.message).toContain('word/document.xml terurai lebih dari 32 MB');
  });

  it('a Word file with a DOCTYPE, which could expand entities', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><w:document xmlns:w="x"><w:body/></w:document>';
    const r = refusal(zipSync({ 'word/document.xml': strToU8(xml) }), 'entitas.docx');
    expect(r.code).toBe('bad_xml');
    expect(r.message).toContain('DOCTYPE/ENTITY tidak diizinkan');
  });

  it('an old .doc or a PDF, with what to do instead', () => {
    expect(refusal(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'lama.doc').message).toContain('simpan ulang sebagai .docx');
    expect(refusal(strToU8('%PDF-1.7\n...'), 'sop.pdf').message).toContain('impor DOCX aslinya');
  });
});
