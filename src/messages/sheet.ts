/**
 * The words of the formal SOP sheet (the PermenPAN-RB 35/2012 picture) and of its commands:
 * headings as the regulation's template writes them, the case legend, page labels, and what
 * `sopbot sop render` / `case render` / `sop validate --sheet` print.
 */
import type { Outcome } from '../sop/definition.js';

const BULAN = [
  'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
  'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember',
];

const OUTCOME: Record<Outcome, string> = { selesai: 'selesai', ditolak: 'ditolak', dibatalkan: 'dibatalkan' };

/** "2022-09-15" → "15 September 2022"; absent → "-", as the paper writes an empty date. */
export function tanggal(iso: string | undefined): string {
  if (!iso) return '-';
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${BULAN[(m ?? 1) - 1]} ${y}`;
}

export const SHEET = {
  identity: {
    nomor: 'Nomor SOP',
    tanggalPembuatan: 'Tanggal Pembuatan',
    tanggalRevisi: 'Tanggal Revisi',
    tanggalEfektif: 'Tanggal Efektif',
    disahkanOleh: 'Disahkan oleh',
    nama: 'Nama SOP',
    dasarHukum: 'Dasar Hukum',
    kualifikasi: 'Kualifikasi Pelaksana',
    keterkaitan: 'Keterkaitan',
    peralatan: 'Peralatan/Perlengkapan',
    peringatan: 'Peringatan',
    pencatatan: 'Pencatatan dan Pendataan',
    empty: '-',
    /** A related SOP that is in the catalog too. */
    relatedId: (title: string, id: string) => `${title} (${id})`,
  },
  table: {
    no: 'No',
    kegiatan: 'Kegiatan',
    pelaksana: 'Pelaksana',
    mutuBaku: 'Mutu Baku',
    kelengkapan: 'Kelengkapan',
    waktu: 'Waktu',
    output: 'Output',
    keterangan: 'Keterangan',
    /** An entry that applies on one path only: "(jika Diterima)". */
    onlyWhen: (branch: string) => `(jika ${branch})`,
    /** An output that is a fact, not a file to upload. */
    notDocument: '(bukan berkas)',
    noWaktu: '-',
  },
  symbols: {
    start: 'Mulai',
    end: 'Selesai',
    approve: 'Setujui',
    return: 'Kembalikan',
    /** The way out of a route entry that has no condition: the other branches of the decision. */
    otherwise: 'selain itu',
  },
  page: {
    of: (n: number, total: number) => `Halaman ${n} dari ${total}`,
    title: (nama: string) => `SOP ${nama}`,
    nomor: (nomor: string) => `Nomor SOP: ${nomor}`,
    inferredMark: '*',
    inferredNote: '* Pelaksana dibaca dari uraian kegiatan (tanda kolom pelaksana tidak terbaca di dokumen sumber); mohon dipastikan.',
    konversi: (k: { jam: number; hari: number; minggu: number }) =>
      `Konversi waktu: 1 Jam = ${k.jam} menit, 1 Hari = ${k.hari} menit, 1 Minggu = ${k.minggu} menit`,
  },
  legend: {
    title: (ref: string, title: string) => `Kasus ${ref}: ${title}`,
    at: (when: string) => `Posisi per ${when}`,
    status: {
      open: 'berjalan',
      closed: (outcome: Outcome | null) => `ditutup (${outcome ? OUTCOME[outcome] : '-'})`,
    },
    started: (when: string) => `dimulai ${when}`,
    visited: 'sudah dilalui',
    openNow: 'sedang dikerjakan',
    overdue: 'lewat batas waktu',
    cancelled: 'dihentikan (kasus dibatalkan)',
    path: 'alur yang ditempuh',
    returned: 'dikembalikan',
    count: (n: number) => `×${n}`,
    countNote: '×2: kegiatan dikerjakan dua kali (dikembalikan).',
  },
  files: {
    sop: (id: string) => `SOP-${id}`,
    case: (ref: string) => `${ref}-alur`,
    archiveEntry: 'alur.pdf',
    archiveContents: 'alur.pdf: lembar SOP (format PermenPAN-RB 35/2012) dengan posisi dan alur yang ditempuh kasus ini',
  },
  /** Sent with the sheet and the pictures in a chat (plain text; each platform escapes and cuts it). */
  caption: {
    sop: (nama: string, nomor: string, pages: number) => `Lembar SOP ${nama} (Nomor ${nomor}), ${pages} halaman, format PermenPAN-RB 35/2012.`,
    sopPicture: (nama: string, pictures: number) => `Bagan alur SOP ${nama}${pictures > 1 ? ` (${pictures} gambar bersambung)` : ''}.`,
    /** An album holds at most `shown` pictures: say that the rest is in the PDF, never drop it silently. */
    picturesCut: (shown: number, total: number) => `Ditampilkan gambar 1–${shown} dari ${total}; bagan lengkap ada di lembar SOP (PDF).`,
    /** "Posisi kasus PML-2026-0001 (Permohonan asesor): sedang di kegiatan 5b (Kabid)." */
    case: (ref: string, title: string, where: string, at: string) => `Posisi kasus ${ref} (${title}): ${where}.\nKeadaan per ${at}.`,
    openAt: (steps: string[]) => `sedang di kegiatan ${steps.join(', ')}`,
    openStep: (id: string, roles: string, late: boolean) => `${id} (${roles}${late ? ', lewat batas waktu' : ''})`,
    closed: (outcome: Outcome | null) => `ditutup (${outcome ? OUTCOME[outcome] : '-'})`,
  },
  cli: {
    render: 'Gambar lembar SOP (halaman identitas dan diagram alir) sebagai SVG, PNG, atau PDF',
    caseRender: 'Gambar lembar SOP dengan posisi kasus: kegiatan yang dilalui, yang terbuka, yang terlambat',
    optFormat: 'svg | png | pdf (bawaan: pdf)',
    optPaper: 'a4 | f4, mendatar (bawaan: a4)',
    optOut: 'berkas tujuan; SVG/PNG dengan beberapa halaman ditulis sebagai NAMA-1.svg, NAMA-2.svg, ...',
    optForce: 'timpa berkas yang sudah ada',
    optSheet: 'tulis juga lembar SOP (PDF) tiap berkas yang valid, di samping berkasnya atau di FOLDER',
    badFormat: (f: string) => `Format "${f}" tidak dikenal. Pilih svg, png, atau pdf.`,
    badPaper: (p: string) => `Kertas "${p}" tidak dikenal. Pilih a4 atau f4.`,
    exists: (files: string[]) =>
      `Berkas sudah ada: ${files.join(', ')}. Pakai --force untuk menimpa, atau --out untuk nama lain.`,
    unwritable: (file: string, why: string) => `Berkas ${file} tidak dapat ditulis (${why}).`,
    written: (files: { path: string; bytes: number }[], pages: number) =>
      files.length === 1
        ? `Ditulis ${files[0]!.path} (${pages} halaman, ${kb(files[0]!.bytes)}).`
        : `Ditulis ${files.length} berkas (${pages} halaman): ${files.map((f) => `${f.path} (${kb(f.bytes)})`).join(', ')}.`,
    sheetWritten: (file: string, bytes: number) => `   lembar SOP: ${file} (${kb(bytes)})`,
  },
} as const;

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0).replace('.', ',')} KB`;
}
