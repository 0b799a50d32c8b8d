/**
 * Every word of the monitoring and evaluation report (src/report): the form of PermenPAN-RB
 * 35/2012 (No | Prosedur | Penilaian | Catatan hasil penilaian | Tindakan yang harus diambil |
 * Paraf), the sentences of its Catatan and Tindakan, the summary, the charts, the CLI; and the
 * new wording of the daily digest (kept here while src/messages/id.ts is being reworked).
 *
 * Numbers are written the Indonesian way: decimal comma ("2,3 hari kerja"), "82%".
 */

const BULAN = [
  'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
  'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember',
];

/** "2,3" (one decimal by default), "12" when whole; never a thousands dot below 1000. */
export function decimal(n: number, digits = 1): string {
  const fixed = n.toFixed(digits);
  const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return trimmed.replace('.', ',');
}

/** "82%" from a share 0..1. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** "2,3 hari kerja", "3,5 jam kerja", "45 menit kerja": working time in the unit a person reads. */
export function workingDuration(minutes: number, dayMinutes: number): string {
  const m = Math.max(0, minutes);
  if (m >= dayMinutes) return `${decimal(m / dayMinutes)} hari kerja`;
  if (m >= 60) return `${decimal(m / 60)} jam kerja`;
  return `${Math.round(m)} menit kerja`;
}

/** "2026-11-03" → "3 November 2026". */
export function dateText(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${BULAN[m! - 1]} ${y}`;
}

/**
 * The form's Periode line: "November 2026 (1 November 2026 – 30 November 2026)", and for a period
 * still running when the report was made, when its "di akhir periode" figures were counted.
 * `asOf` is the local date and time of making ("2026-12-02", "10.00"), given only then.
 */
export function reportPeriodLine(period: { from: string; to: string; wholeMonth: boolean }, asOf?: { date: string; time: string }): string {
  const text = periodText(period.from, period.to, period.wholeMonth);
  const line = period.wholeMonth ? `${text} (${dateText(period.from)} – ${dateText(period.to)})` : text;
  return asOf ? `${line}; masih berjalan: angka "di akhir periode" dihitung per ${dateText(asOf.date)} ${asOf.time}` : line;
}

/** "November 2026" for a whole month, else "3 November 2026 – 14 Desember 2026". */
export function periodText(from: string, to: string, wholeMonth: boolean): string {
  if (wholeMonth) {
    const [y, m] = from.split('-').map(Number);
    return `${BULAN[m! - 1]} ${y}`;
  }
  return from === to ? dateText(from) : `${dateText(from)} – ${dateText(to)}`;
}

/**
 * A kegiatan as a reader can place it in a list: its first words up to about `max` characters,
 * "…" when cut ("Menerima surat permohonan penilaian…").
 */
export function shortKegiatan(text: string, max = 40): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if ([...clean].length <= max) return clean;
  let out = '';
  for (const word of clean.split(' ')) {
    const next = out ? `${out} ${word}` : word;
    if ([...next].length > max - 1) break;
    out = next;
  }
  if (!out) out = [...clean].slice(0, max - 1).join('');
  return `${out.replace(/[,;:.]$/, '')}…`;
}

const quote = (text: string, max = 60) => {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return `"${chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('')}"`;
};

/** The form's own words. */
export const FORM = {
  title: 'FORMULIR MONITORING PELAKSANAAN SOP',
  reportTitle: 'Laporan Monitoring dan Evaluasi Pelaksanaan SOP',
  reportBasis: 'Berdasarkan pelaksanaan yang tercatat di SOP bot (PermenPAN-RB Nomor 35 Tahun 2012)',
  sopName: 'Nama SOP',
  sopNumber: 'Nomor SOP',
  unit: 'Unit kerja',
  period: 'Periode',
  evaluator: 'Penilai',
  evaluatorBlank: '……………………………………',
  version: 'Versi definisi',
  columns: {
    no: 'No',
    prosedur: 'Prosedur',
    penilaian: 'Penilaian',
    baik: 'Berjalan dengan baik',
    tidakBaik: 'Tidak berjalan dengan baik',
    catatan: 'Catatan hasil penilaian',
    tindakan: 'Tindakan yang harus diambil',
    paraf: 'Paraf',
  },
  /** The mark in the Penilaian column that applies. */
  check: '✓',
  figuresTitle: 'Angka per kegiatan',
  figureColumns: {
    stepId: 'Kegiatan',
    pelaksana: 'Pelaksana',
    waktu: 'Waktu baku (tertulis)',
    runs: 'Dijalankan',
    withDue: 'Berbatas waktu',
    onTime: 'Tepat waktu',
    onTimeShare: 'Tepat waktu (%)',
    median: 'Median (hari kerja)',
    p90: 'P90 (hari kerja)',
    baku: 'Jatah waktu (hari kerja)',
    late: 'Total keterlambatan (hari kerja)',
    returned: 'Mengembalikan',
    sentBack: 'Dikembalikan ke sini',
    sentBackShare: 'Dikembalikan (%)',
    escalations: 'Eskalasi',
    openAtEnd: 'Terbuka di akhir periode',
    overdueAtEnd: 'Lewat batas di akhir periode',
    judgment: 'Penilaian',
  },
  rule: (minOnTime: number, maxReturns: number) =>
    `Aturan penilaian: "berjalan dengan baik" bila paling sedikit ${percent(minOnTime)} selesai tepat waktu dan paling banyak ${percent(maxReturns)} dikembalikan; ` +
    'kegiatan tanpa waktu baku dinilai dari pengembalian saja; kegiatan yang tidak dijalankan pada periode ini tidak dinilai. Tindakan bertanda "Saran" adalah usulan dari angka, untuk diputuskan penilai.',
  signPlace: 'Penilai,',
  signName: '(……………………………………)',
  generated: (at: string) => `Dibuat ${at} dari riwayat pelaksanaan SOP bot`,
  page: (i: number, n: number) => `Halaman ${i} dari ${n}`,
  continued: '(lanjutan)',
} as const;

export const JUDGMENT = {
  baik: 'berjalan dengan baik',
  tidak_baik: 'tidak berjalan dengan baik',
  tidak_dinilai: 'tidak dinilai',
} as const;

/** The sentences of the Catatan hasil penilaian, built from a step's figures. */
export const CATATAN = {
  notRunSop: 'Tidak dijalankan pada periode ini.',
  notReached: 'Tidak ada kasus yang sampai ke kegiatan ini pada periode ini; tidak dinilai.',
  runs: (n: number) => `Dijalankan ${n} kali.`,
  onTime: (onTime: number, withDue: number) => `Tepat waktu ${onTime} dari ${withDue} (${percent(withDue ? onTime / withDue : 0)}).`,
  durations: (median: string, p90: string) => `Waktu kerja median ${median}, P90 ${p90}.`,
  median: (median: string) => `Waktu kerja ${median}.`,
  bakuFixed: (waktu: string, allowance: string | null) => `Waktu baku ${waktu}${allowance ? ` (${allowance})` : ''}.`,
  bakuActor: (allowance: string | null) =>
    `Waktu baku menyesuaikan: diukur terhadap batas yang ditentukan pelaksana${allowance ? ` (median jatah ${allowance})` : ''}.`,
  bakuAnchor: (waktu: string) => `Waktu baku ${waktu}: diukur terhadap batas yang dihitung dari kegiatan acuannya.`,
  bakuNone: 'Tanpa waktu baku: dinilai dari pengembalian saja.',
  noDueRecorded: 'Tidak ada kunjungan yang berbatas waktu: dinilai dari pengembalian saja.',
  sentBack: (n: number, runs: number, reasons: { text: string; count: number }[]) =>
    `${n} dari ${runs} dikembalikan ke kegiatan ini` +
    (reasons.length ? ` karena ${reasons.map((r) => `${quote(r.text)}${r.count > 1 ? ` (${r.count}×)` : ''}`).join(', ')}` : '') +
    '.',
  noSentBack: 'Tidak pernah dikembalikan.',
  returned: (n: number) => `Mengembalikan kasus ${n} kali.`,
  escalations: (n: number) => `${n} eskalasi ke atasan.`,
  openAtEnd: (open: number, overdue: number) =>
    `Masih terbuka di akhir periode: ${open}${overdue ? ` (${overdue} sudah lewat batas)` : ''}.`,
  versions: (texts: string[]) => `Waktu baku berbeda antar versi SOP: ${texts.join('; ')}.`,
} as const;

/** Tindakan: suggestions from the figures, each marked as a suggestion for the evaluator to decide. */
export const TINDAKAN = {
  prefix: 'Saran: ',
  keep: 'Tidak ada; pertahankan.',
  none: '—',
  reviewWaktu: (waktu: string, median: string, p90: string) =>
    `tinjau ulang waktu baku (${waktu}): hampir semua pelaksanaan butuh ${median} (P90 ${p90}), jadi waktunya memang tidak cukup.`,
  lateCases: (refs: string[]) =>
    `telusuri kasus yang paling lama (${refs.join(', ')}): keterlambatan terpusat pada sebagian kasus, bukan pada waktu bakunya.`,
  clarifyKelengkapan: (kelengkapan: string[], reason: string, count: number) =>
    `${kelengkapan.length
      ? `perjelas kelengkapan (${kelengkapan.join('; ')}) dan contoh pengisiannya`
      : 'perjelas petunjuk pelaksanaan kegiatan ini'}: alasan pengembalian terbanyak ${quote(reason)} (${count} kali).`,
  reviewReturns: 'bahas alasan pengembalian bersama pelaksana dan pemeriksanya: alasannya beragam.',
  roleLoad: (role: string, sops: string[]) =>
    `periksa beban kerja ${role}: kegiatannya juga terlambat di ${sops.length > 1 ? `SOP lain (${sops.join(', ')})` : sops[0]}.`,
} as const;

/** The summary page. */
export const SUMMARY = {
  title: 'Ringkasan',
  cases: 'Kasus pada periode ini',
  caseColumns: {
    sop: 'SOP',
    started: 'Dimulai',
    finished: 'Selesai',
    rejected: 'Ditolak',
    cancelled: 'Dibatalkan',
    running: 'Berjalan di akhir periode',
    median: 'Median waktu penyelesaian (hari kerja)',
    baku: 'Jumlah waktu baku jalurnya (hari kerja)',
    measured: 'Kasus selesai yang diukur',
  },
  total: 'Jumlah',
  endToEnd: (sop: string, median: string, baku: string, n: number) =>
    `${sop}: kasus selesai butuh median ${median} dari awal sampai akhir; jumlah waktu baku jalurnya ${baku} (${n} kasus).`,
  endToEndNone: (sop: string) => `${sop}: belum ada kasus yang selesai pada periode ini.`,
  costliestTitle: 'Lima kegiatan dengan keterlambatan terbesar',
  costliestColumns: { no: 'No', sop: 'SOP', step: 'Kegiatan', pelaksana: 'Pelaksana', late: 'Total keterlambatan', lateVisits: 'Terlambat', onTime: 'Tepat waktu' },
  noLateness: 'Tidak ada kegiatan yang terlambat pada periode ini.',
  notRun: (names: string[]) => `SOP lain di katalog yang tidak dijalankan pada periode ini: ${names.join(', ')}.`,
  noActivity: 'Tidak ada kasus yang berjalan pada periode ini.',
  rolesTitle: 'Ketepatan waktu per pelaksana',
  roleColumns: { role: 'Pelaksana', withDue: 'Berbatas waktu', onTime: 'Tepat waktu', share: 'Tepat waktu (%)', late: 'Total keterlambatan (hari kerja)' },
  sheetName: 'Ringkasan',
} as const;

/** Titles and axes of the charts. */
export const CHART = {
  onTimePerStep: (sop: string) => `Ketepatan waktu per kegiatan — ${sop}`,
  onTimeAxis: 'Tepat waktu (%)',
  target: (share: number) => `Batas "baik" ${percent(share)}`,
  weeklyTrend: 'Ketepatan waktu per minggu',
  weekLabel: (iso: string) => {
    const [, m, d] = iso.split('-').map(Number);
    return `${d} ${BULAN[m! - 1]!.slice(0, 3)}`;
  },
  latenessPerRole: 'Keterlambatan per pelaksana (hari kerja)',
  lateDaysAxis: 'Hari kerja',
  noData: 'Belum ada data pada periode ini',
  digestOnTime: 'Ketepatan waktu bulan ini per SOP',
  digestOverdue: 'Tugas terlambat per peran (sekarang)',
  noOverdue: 'Tidak ada tugas terlambat',
} as const;

/** The line sent with the report sent each month without being asked. */
export const MONTHLY_CAPTION = (caption: string) => `🗓 Laporan bulanan otomatis. ${caption}`;

/** The line sent with the report's file in a chat. */
export const REPORT_CAPTION = (from: string, to: string, wholeMonth: boolean, sops: number, notWell: number) =>
  `Formulir monitoring SOP ${periodText(from, to, wholeMonth)}: ${sops} SOP` +
  (sops ? (notWell ? `, ${notWell} kegiatan tidak berjalan dengan baik.` : ', semua kegiatan yang dinilai berjalan dengan baik.') : '; tidak ada SOP yang berjalan.');

/** The `sopbot report monitoring` command. */
export const REPORT_CLI = {
  report: 'Laporan (monitoring dan evaluasi SOP)',
  monitoring: 'Formulir monitoring dan evaluasi pelaksanaan SOP per periode, diisi dari riwayat pelaksanaan (XLSX, PDF atau JSON)',
  optSop: 'hanya SOP ini (boleh diulang atau dipisah koma); bawaan: setiap SOP yang berjalan pada periode itu',
  optFrom: 'tanggal awal TTTT-BB-HH',
  optTo: 'tanggal akhir TTTT-BB-HH (ikut dihitung)',
  optMonth: 'satu bulan TTTT-BB (bawaan: bulan lalu)',
  optFormat: 'xlsx | pdf | json (bawaan: xlsx, atau dari akhiran --out)',
  optOut: 'berkas tujuan (bawaan: monev-<periode>.<format> di folder ini)',
  optForce: 'timpa berkas yang sudah ada',
  optEvaluator: 'nama / NIP penilai untuk kepala formulir (bawaan: kosong, diisi saat ditandatangani)',
  optMinOnTime: 'batas "baik": persen tepat waktu paling sedikit (bawaan dari SOPBOT_REPORT_MIN_ON_TIME)',
  optMaxReturns: 'batas "baik": persen dikembalikan paling banyak (bawaan dari SOPBOT_REPORT_MAX_RETURNS)',
  written: (file: string, sops: number, period: string, bytes: number) =>
    `Laporan monitoring ${period} (${sops} SOP) ditulis ke ${file} (${bytes} byte).`,
  noSop: 'Tidak ada SOP yang berjalan pada periode ini; laporan hanya berisi ringkasan.',
} as const;

/** Errors of the report, for the CLI and the chat commands. */
export const REPORT_ERROR = {
  bad_date: (p: { text: string }) => `Tanggal "${p.text}" tidak sah; tulis dengan format TTTT-BB-HH, misalnya 2026-11-01.`,
  bad_month: (p: { text: string }) => `Bulan "${p.text}" tidak sah; tulis misalnya 2026-11, 11/2026 atau November 2026.`,
  not_begun: (p: { from: string }) => `Periode yang dimulai ${p.from} belum berjalan; laporan dibuat untuk bulan yang sudah atau sedang berjalan.`,
  bad_range: (p: { from: string; to: string }) => `Periode ${p.from} s.d. ${p.to} tidak sah: tanggal akhir sebelum tanggal awal.`,
  half_range: () => 'Tulis --from dan --to bersama-sama (atau --month saja).',
  month_and_range: () => 'Pilih salah satu: --month, atau --from dan --to.',
  bad_format: (p: { format: string }) => `Format "${p.format}" tidak dikenal; pilih xlsx, pdf atau json.`,
  unknown_sop: (p: { sopId: string; known: string[] }) =>
    `SOP "${p.sopId}" tidak dikenal. SOP yang ada: ${p.known.join(', ') || '(kosong)'}.`,
  bad_share: (p: { option: string; text: string }) => `${p.option} "${p.text}" tidak sah; tulis persen 0–100, misalnya 80.`,
  exists: (p: { file: string }) => `Berkas ${p.file} sudah ada; pakai --force untuk menimpanya.`,
  unwritable: (p: { file: string; reason: string }) => `Berkas ${p.file} tidak bisa ditulis: ${p.reason}.`,
} as const;

export type ReportErrorCode = keyof typeof REPORT_ERROR;

/** The daily digest: what needs the Kabid first, then the state of things. */
export const DIGEST = {
  title: (date: string) => `📊 Ringkasan harian ${date}`,
  actionTitle: 'Perlu perhatian Anda',
  nothingToAct: 'Tidak ada yang menunggu tindakan Anda. 👍',
  waitingTitle: (role: string) => `Menunggu ${role}`,
  waitingLine: (ref: string, step: string, kegiatan: string, due: string | null) => `• ${ref} keg. ${step} ${kegiatan}${due ? ` — batas ${due}` : ''}`,
  overdueTitle: (n: number) => `Terlambat (${n})`,
  overdueLine: (ref: string, step: string, kegiatan: string, role: string, late: string) =>
    `• ${ref} keg. ${step} ${kegiatan} (${role}): terlambat ${late}`,
  returnsTitle: (n: number) => `Dikembalikan sejak ringkasan terakhir (${n})`,
  returnLine: (ref: string, step: string, kegiatan: string, reason: string | null) =>
    `• ${ref} keg. ${step} ${kegiatan}${reason ? `: ${quote(reason, 80)}` : ''}`,
  stateTitle: 'Keadaan',
  openCases: 'Kasus berjalan per SOP',
  noOpenCases: 'Tidak ada kasus berjalan.',
  dueToday: 'Batas waktu hari ini',
  noneDueToday: 'Tidak ada tugas yang jatuh tempo hari ini.',
  dueLine: (ref: string, step: string, kegiatan: string, role: string, due: string) => `• ${ref} keg. ${step} ${kegiatan} (${role}) batas ${due}`,
  finished: (n: number, refs: string) => `Selesai/ditutup sejak ringkasan terakhir: ${n}${refs ? ` (${refs})` : ''}`,
  onTimeTitle: 'Ketepatan waktu bulan ini',
  onTimeLine: (label: string, onTime: number, total: number) => `• ${label}: ${total ? percent(onTime / total) : '0%'} (${onTime}/${total})`,
  onTimeStepLine: (step: string, kegiatan: string, onTime: number, total: number) =>
    `  • ${step} ${kegiatan}: ${total ? percent(onTime / total) : '0%'} (${onTime}/${total})`,
  noOnTime: 'Belum ada kegiatan berbatas waktu yang selesai bulan ini.',
  more: (n: number) => `…dan ${n} lainnya`,
  /** Sent with the digest's picture. */
  chartCaption: (date: string) => `📊 Ringkasan harian ${date} dalam gambar: ketepatan waktu bulan ini per SOP dan tugas terlambat per peran.`,
} as const;
