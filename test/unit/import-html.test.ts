/**
 * An SOP saved from Word as a web page: real <table> markup with rowspan and colspan, lists as
 * <ol><li>, the letterhead in <b>. It reads as the same SOP its DOCX would.
 */
import { describe, expect, it } from 'vitest';
import { importDocument } from '../../src/import/import.js';
import { parseDefinition } from '../../src/sop/loader.js';

const page = `<!DOCTYPE html><html><head><title>SOP</title><style>td{border:1px solid}</style></head><body>
<p><b>PEMERINTAH KABUPATEN CONTOH</b></p>
<p><b>DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL</b></p>
<table>
<tr><td rowspan="3">PEMERINTAH KABUPATEN CONTOH<br>DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL</td><td>Nomor SOP</td><td>470/88/DISDUKCAPIL/2025</td></tr>
<tr><td>Tanggal Pembuatan</td><td>3 Maret 2025</td></tr>
<tr><td>Disahkan oleh</td><td>KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL<br>NIP. 19750101 200003 1 001</td></tr>
<tr><td></td><td>Nama SOP</td><td>PENERBITAN KARTU KELUARGA</td></tr>
</table>
<table>
<tr><td>Dasar Hukum</td><td>Kualifikasi Pelaksana</td></tr>
<tr><td><ol><li>Undang-Undang Nomor 24 Tahun 2013 tentang Administrasi Kependudukan</li></ol></td><td><ol><li>Memahami aplikasi SIAK</li><li>Teliti</li></ol></td></tr>
</table>
<table>
<tr><th rowspan="2">No</th><th rowspan="2">Kegiatan</th><th colspan="3">Pelaksana</th><th colspan="3">Mutu Baku</th><th rowspan="2">Keterangan</th></tr>
<tr><th>Pemohon</th><th>Operator</th><th>Kepala Seksi</th><th>Kelengkapan</th><th>Waktu</th><th>Output</th></tr>
<tr><td>1</td><td>Mengajukan permohonan Kartu Keluarga</td><td>MULAI</td><td></td><td></td><td><ol><li>Formulir F-1.01</li><li>KK lama</li></ol></td><td>10 menit</td><td>Berkas permohonan</td><td></td></tr>
<tr><td>2</td><td>Memverifikasi dan memasukkan data ke SIAK</td><td></td><td>&#9633;</td><td></td><td>Berkas permohonan</td><td>30 menit</td><td>Data terverifikasi</td><td>Jika berkas tidak lengkap dikembalikan ke kegiatan 1</td></tr>
<tr><td>3</td><td>Menandatangani Kartu Keluarga secara elektronik</td><td></td><td></td><td>&#9633;</td><td>Data terverifikasi</td><td>1 jam</td><td>Kartu Keluarga</td><td></td></tr>
</table>
</body></html>`;

describe('importing an SOP saved as HTML', () => {
  it('reads the tables with their spans, the lists, the marks, and gives a draft that validates', () => {
    const [draft] = importDocument(new TextEncoder().encode(page), { file: 'kk.html', id: 'kartu_keluarga', code: 'KK' });
    const parsed = parseDefinition(draft!.yaml, 'kartu_keluarga.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const def = parsed.definition;
    expect(def.identity).toEqual({
      nomor: '470/88/DISDUKCAPIL/2025',
      nama: 'PENERBITAN KARTU KELUARGA',
      instansi: ['PEMERINTAH KABUPATEN CONTOH', 'DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL'],
      tanggalPembuatan: '2025-03-03',
      disahkanOleh: 'KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL NIP. 19750101 200003 1 001',
    });
    expect(def.kualifikasiPelaksana).toEqual(['Memahami aplikasi SIAK', 'Teliti']);
    expect(def.roles.map((r) => r.name)).toEqual(['Pemohon', 'Operator', 'Kepala Seksi']);
    expect(def.steps.map((s) => [s.id, s.role, s.kind])).toEqual([
      ['1', 'pemohon', 'task'],
      ['2', 'operator', 'review'],
      ['3', 'kepala_seksi', 'task'],
    ]);
    expect(def.steps[0]!.kelengkapan.map((k) => k.name)).toEqual(['Formulir F-1.01', 'KK lama']);
    expect(def.steps[1]!.returnTo).toBe('1');
    expect(def.steps.some((s) => s.roleInferred)).toBe(false);
  });
});
