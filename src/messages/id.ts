/**
 * Every sentence a person reads, in Indonesian. Nothing user-facing is written elsewhere;
 * an English catalog would be a sibling of this file with the same keys.
 */
import type { Outcome } from '../sop/definition.js';
import type { RefusalCode, RefusalParams } from '../workflow/errors.js';
import type { TaskAction, TaskCommand } from '../workflow/model.js';

/**
 * Text someone typed, cut to `max` characters with "…" when longer: a 4 KB title or a pasted
 * reference is shown in part rather than pushing a message past the platform's limit.
 */
export function brief(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** How a channel names its own commands, for sentences that point to one. */
export interface ChannelTerms {
  /** The command that lists a role's open tasks. */
  tasks: string;
}

export const TERMS = {
  telegram: { tasks: '/tugas' },
  slack: { tasks: '/sop tugas' },
  cli: { tasks: 'sopbot task list' },
} as const satisfies Record<string, ChannelTerms>;

/** The command a refusal names when it says what may be done instead. */
const COMMAND_WORD: Record<TaskCommand['type'], string> = {
  complete: 'Selesai',
  approve: 'Setujui',
  return: 'Kembalikan',
  choose: 'pilih cabang',
  confirm: 'Konfirmasi',
  'set-due': 'tentukan batas waktu',
};

/** Why the workflow refused, in words: one entry per code the core raises (the compiler checks). */
export const REFUSALS: { [C in RefusalCode]: (p: RefusalParams[C], terms: ChannelTerms) => string } = {
  case_not_found: (p) => `Kasus ${brief(p.ref, 41)} tidak ditemukan.`,
  task_not_found: (p) => `Tugas #${p.taskId} tidak ditemukan.`,
  sop_not_found: (p) => `SOP "${p.sopId}" tidak ada di katalog. SOP yang tersedia: ${p.known.join(', ') || '(kosong)'}.`,
  case_closed: (p) => `Kasus ${p.ref} sudah ditutup (${OUTCOME_LABEL[p.outcome as Outcome] ?? p.outcome}).`,
  task_not_open: (p) => `Tugas #${p.taskId} (kegiatan ${p.stepId}) sudah ditutup${p.by ? `; sudah ditangani oleh ${p.by}` : ''}.`,
  stale_version: (p, t) => `Tugas #${p.taskId} sudah berubah sejak pesan ini dikirim. Muat ulang dengan ${t.tasks} lalu coba lagi.`,
  wrong_role: (p) =>
    `Kegiatan ${p.stepId} dikerjakan oleh ${p.needed.join(' / ')}` +
    (p.actorRole ? `, bukan ${p.actorRole}.` : '; Anda belum terdaftar sebagai peran tersebut.'),
  wrong_action: (p) =>
    `Kegiatan ${p.stepId} berjenis ${KIND_LABEL[p.kind]}; tindakan yang dapat dilakukan: ${p.allowed.map((c) => COMMAND_WORD[c]).join(', ')}.`,
  missing_outputs: (p) => `Kegiatan ${p.stepId} belum dapat diselesaikan karena output berikut belum diunggah: ${p.missing.join('; ')}.`,
  reason_required: () => `Alasan pengembalian wajib diisi.`,
  unknown_branch: (p) => `Pilihan "${p.branch}" tidak ada. Pilihan yang tersedia: ${p.options.join(', ')}.`,
  already_confirmed: (p) => `Peran ${p.role} sudah mengonfirmasi kegiatan ini.`,
  due_in_past: () => `Batas waktu harus setelah saat ini.`,
  unknown_slot: (p) =>
    `Kegiatan ${p.stepId} tidak memiliki dokumen "${p.slot}". Dokumen yang dapat diunggah: ${p.options.join('; ') || '(tidak ada)'}.`,
  title_required: () => `Judul kasus wajib diisi.`,
  cancel_reason_required: () => `Alasan pembatalan wajib diisi.`,
  definition_changed: (p) => `Definisi SOP "${p.sopId}" yang dipakai kasus ini tidak ditemukan di basis data.`,
};

/** A refusal of the workflow in a channel's words. */
export function refusalText<C extends RefusalCode>(e: { code: C; params: RefusalParams[C] }, terms: ChannelTerms): string {
  return (REFUSALS[e.code] as (p: RefusalParams[C], t: ChannelTerms) => string)(e.params, terms);
}

export const KIND_LABEL = {
  task: 'tugas',
  review: 'pemeriksaan',
  decision: 'keputusan',
  joint: 'kegiatan bersama',
} as const;

export const BUTTON = {
  complete: 'Selesai',
  approve: 'Setujui',
  return: 'Kembalikan',
  confirm: 'Konfirmasi',
  setDue: 'Tentukan batas waktu',
  /** Where the case stands, drawn on its SOP's flowchart. */
  position: 'Posisi',
} as const;

export const OUTCOME_LABEL: Record<Outcome, string> = {
  selesai: 'selesai',
  ditolak: 'ditolak',
  dibatalkan: 'dibatalkan',
};

export const ACTION_LABEL: Record<TaskAction, string> = {
  done: 'diselesaikan',
  approved: 'disetujui',
  returned: 'dikembalikan',
  chosen: 'diputuskan',
  confirmed: 'dikonfirmasi',
  cancelled: 'dibatalkan',
};

/** Indonesian size of a file: "812 byte", "12,3 KB", "4,5 MB". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${kb.toFixed(1).replace('.', ',')} KB`;
  return `${(kb / 1024).toFixed(1).replace('.', ',')} MB`;
}

/** The audit trail as sentences, one per event; `who` is a name with its role, `step` a kegiatan number. */
export const TIMELINE = {
  started: (who: string) => `Kasus dimulai oleh ${who}.`,
  opened: (step: string, visit: number, roles: string, due: string | null) =>
    `Kegiatan ${step} ${visit > 1 ? `dibuka kembali (putaran ke-${visit})` : 'dibuka'} untuk ${roles}; ${due ? `batas ${due}` : 'tanpa batas waktu'}.`,
  openedAfterReturn: (reason: string) => `Alasan pengembalian: ${reason}`,
  completed: (step: string, who: string) => `Kegiatan ${step} diselesaikan oleh ${who}.`,
  approved: (step: string, who: string, comment: string | null) =>
    `Kegiatan ${step} disetujui oleh ${who}${comment ? `; catatan: ${comment}` : '.'}`,
  returned: (to: string, who: string, reason: string) => `Dikembalikan ke kegiatan ${to} oleh ${who}: ${reason}`,
  chosen: (step: string, branch: string, who: string) => `Kegiatan ${step} diputuskan "${branch}" oleh ${who}.`,
  confirmed: (step: string, who: string, waiting: boolean) =>
    `Kegiatan ${step} dikonfirmasi oleh ${who}.${waiting ? ' Menunggu konfirmasi peran lain.' : ''}`,
  dueSet: (step: string, due: string, who: string) => `Batas waktu kegiatan ${step} ditetapkan ${due} oleh ${who}.`,
  attached: (file: string, size: string, who: string, slotKind: string, slot: string, step: string) =>
    `Berkas ${file} (${size}) diunggah oleh ${who} sebagai ${slotKind} "${slot}" kegiatan ${step}.`,
  closed: (outcome: string) => `Kasus ditutup: ${outcome}.`,
  cancelled: (who: string, reason: string) => `Kasus dibatalkan oleh ${who}: ${reason}`,
  deliveryDead: (kind: string, role: string, platform: string, chat: string, attempts: number, error: string) =>
    `Pesan ${kind} untuk ${role} tidak dapat dikirim ke ${platform} (chat ${chat}) setelah ${attempts} percobaan: ${error}`,
  unknown: (type: string) => `Peristiwa ${type}.`,
  messageKind: { card: 'kartu', 'card-update': 'pembaruan kartu', 'case-closed': 'pemberitahuan kasus ditutup', reminder: 'pengingat', overdue: 'pemberitahuan keterlambatan', escalation: 'eskalasi', digest: 'ringkasan', file: 'berkas atau gambar' } as Record<string, string>,
  platform: { telegram: 'Telegram', slack: 'Slack' } as Record<string, string>,
} as const;

/** /kasus: the state first, then the newest events; the whole timeline goes along as a file when it does not fit. */
export const CASE_VIEW = {
  status: (state: string) => `Status: ${state}`,
  running: 'berjalan',
  closed: (outcome: string) => `ditutup (${outcome})`,
  openNow: 'Sedang terbuka:',
  returns: (shown: number, total: number) => (shown < total ? `Pengembalian terakhir (${shown} dari ${total}):` : 'Pengembalian:'),
  newest: (shown: number, total: number) => (shown < total ? `Riwayat terbaru (${shown} dari ${total} peristiwa):` : 'Riwayat:'),
  fullAttached: (n: number) => `${n} peristiwa sebelumnya ada dalam berkas riwayat lengkap terlampir.`,
  fileName: (ref: string) => `${ref}-riwayat.txt`,
  fileCaption: (ref: string) => `Riwayat lengkap kasus ${ref}`,
} as const;

export const TASK_STATUS_LABEL = {
  open: 'terbuka',
  completed: 'selesai',
  cancelled: 'dibatalkan',
} as const;

/** The admin command line. */
export const CLI = {
  description: 'Alat admin SOP bot: katalog SOP, kasus dan arsipnya, tugas, pendaftaran chat, hari libur, pemeriksaan (doctor).',
  sop: 'Katalog SOP',
  sopList: 'Daftar SOP yang dimuat beserta versinya',
  sopValidate: 'Periksa satu atau beberapa berkas definisi SOP',
  sopShow: 'Tampilkan tabel kegiatan SOP: pelaksana, waktu, alur',
  sopDue: 'Hitung batas waktu sebuah kegiatan bila dibuka pada saat tertentu (kalender kerja, hari libur, jam kerja)',
  argStep: 'nomor kegiatan, misalnya 5a',
  optFrom: 'saat kegiatan dibuka, "YYYY-MM-DD HH:MM" waktu setempat unit (bawaan: sekarang)',
  unknownStep: (step: string, known: string[]) => `Kegiatan "${step}" tidak ada di SOP ini. Kegiatan yang ada: ${known.join(', ')}.`,
  noWaktu: (step: string) => `Kegiatan ${step} tidak memiliki standar waktu; tidak ada batas waktu.`,
  actorSetsWaktu: (step: string, text: string) =>
    `Kegiatan ${step} berwaktu "${text}": batas waktunya ditentukan pelaksana saat kegiatan dibuka.`,
  dueFrom: (waktu: string, from: string) => `Waktu ${waktu}, dihitung sejak ${from}.`,
  dueFromNextWorking: (waktu: string, start: string, from: string) =>
    `Waktu ${waktu}, dihitung sejak ${start}: jam kerja pertama setelah ${from}.`,
  dueAfterAnchor: (waktu: string, anchor: string, from: string) => `Waktu ${waktu}, dihitung sejak kegiatan ${anchor} selesai pada ${from}.`,
  hours: 'Jam kerja untuk rentang tanggal tertentu (misalnya Ramadan), di atas jam kerja yang dikonfigurasi',
  hoursAdd: 'Tetapkan jam kerja untuk rentang tanggal; berlaku tanpa memulai ulang layanan',
  optHours: 'periode Senin–Kamis, misalnya "08.00-12.00, 12.30-15.00"',
  optFridayHours: 'periode hari Jumat (bawaan: sama dengan --hours)',
  optHoursName: 'nama rentang, misalnya "Ramadan 1448 H"',
  argHoursId: 'nomor rentang (lihat sopbot hours list)',
  noOfficeHours: 'Belum ada jam kerja khusus; berlaku jam kerja yang dikonfigurasi.',
  officeHoursLine: (id: number, from: string, to: string, hours: string, friday: string | null, name: string) =>
    `#${id}  ${from} s.d. ${to}  Senin–Kamis ${hours}; Jumat ${friday ?? hours}  (${name})`,
  officeHoursAdded: (id: number, from: string, to: string, hours: string, friday: string | null, name: string) =>
    `Jam kerja #${id} "${name}" ditetapkan untuk ${from} s.d. ${to}: Senin–Kamis ${hours}; Jumat ${friday ?? hours}.`,
  officeHoursMissing: (id: string) => `Jam kerja ${id} tidak ada. Lihat daftar dengan: sopbot hours list`,
  officeHoursRemoved: (id: number) => `Jam kerja #${id} dihapus.`,
  officeHoursFromConfig: (from: string, to: string, hours: string, friday: string | null) =>
    `—   ${from} s.d. ${to}  Senin–Kamis ${hours}; Jumat ${friday ?? hours}  (dari SOPBOT_RAMADAN_HOURS)`,
  officeHoursOverlap: (from: string, to: string, other: string) =>
    `Rentang ${from} s.d. ${to} bertumpang tindih dengan jam kerja ${other}. Satu hari hanya boleh punya satu jam kerja khusus: ubah tanggalnya, atau hapus dulu yang lama (sopbot hours remove NOMOR).`,
  case: 'Kasus (satu jalannya SOP)',
  caseStart: 'Mulai kasus baru dari sebuah SOP',
  caseList: 'Daftar kasus terbaru',
  caseShow: 'Rincian kasus dengan riwayat lengkap',
  caseCancel: 'Batalkan kasus yang masih berjalan',
  task: 'Tugas (kegiatan yang sedang terbuka)',
  taskList: 'Daftar tugas terbuka, batas waktu terdekat dulu',
  taskDone: 'Tandai tugas selesai',
  taskApprove: 'Setujui hasil pemeriksaan',
  taskReturn: 'Kembalikan dengan alasan',
  taskChoose: 'Pilih cabang keputusan',
  taskConfirm: 'Konfirmasi kegiatan bersama',
  taskDue: 'Tentukan batas waktu (untuk waktu "menyesuaikan")',
  taskAttach: 'Unggah dokumen ke tugas',
  holiday: 'Hari libur tambahan (di luar SKB 3 Menteri yang sudah dibawa)',
  optTitle: 'judul kasus, misalnya nama kegiatan penilaian',
  optAs: 'peran yang bertindak (id atau nama pelaksana)',
  optAsStart: 'peran yang memulai (harus pelaksana kegiatan pertama)',
  optSlot: 'nama dokumen (output/kelengkapan) bila kegiatan memiliki lebih dari satu',
  argTask: 'nomor tugas (#12) atau nomor kasus (PUPR-2026-0001)',
  argDue: '"YYYY-MM-DD HH:MM" waktu setempat unit',
  catalogFailure: (file: string, errors: string[]) => `Definisi tidak dimuat: ${file}\n${errors.map((e) => `  ${e}`).join('\n')}`,
  catalogHasFailures: (n: number) => `${n} berkas definisi gagal dimuat (lihat di atas).`,
  validOk: (file: string, id: string, steps: number) => `OK ${file}: SOP "${id}", ${steps} kegiatan`,
  invalidFiles: (bad: number, total: number) => `${bad} dari ${total} berkas tidak valid.`,
  caseStarted: (ref: string) => `Kasus ${ref} dimulai.`,
  caseCancelled: (ref: string) => `Kasus ${ref} dibatalkan.`,
  caseEnded: (ref: string, outcome: string) => `Tercatat. Kasus ${ref} ditutup: ${outcome}.`,
  acted: (ref: string) => `Tercatat untuk kasus ${ref}.`,
  nextTask: 'Berikutnya:',
  noCases: 'Belum ada kasus.',
  noTasks: 'Tidak ada tugas terbuka.',
  badStatus: (s: string) => `Status "${s}" tidak dikenal; gunakan berjalan atau selesai.`,
  taskMissing: (ref: string) => `Tugas ${ref} tidak ditemukan.`,
  noOpenTask: (ref: string) => `Kasus ${ref} tidak memiliki tugas terbuka.`,
  ambiguousTask: (ids: number[]) => `Ada beberapa tugas terbuka untuk peran ini: ${ids.map((i) => `#${i}`).join(', ')}. Sebutkan nomornya.`,
  unknownRole: (input: string, known: string[]) => `Peran "${input}" tidak ada di SOP ini. Peran yang ada: ${known.join(', ')}.`,
  unknownCatalogRole: (input: string, known: string[]) => `Peran "${input}" tidak ada di SOP mana pun di katalog. Peran yang ada: ${known.join(', ')}.`,
  badDateTime: (t: string) => `Waktu "${t}" tidak dikenali; tulis misalnya "30/11 14.00" atau "2026-11-30 14.00".`,
  chooseSlot: (names: string[]) =>
    names.length ? `Sebutkan dokumennya dengan --slot: ${names.map((n) => `"${n}"`).join(', ')}.` : 'Kegiatan ini tidak menerima dokumen.',
  fileUnreadable: (f: string) => `Berkas ${f} tidak dapat dibaca.`,
  fileNotFound: (f: string) => `Berkas ${f} tidak ditemukan.`,
  fileIsFolder: (f: string) => `${f} adalah folder, bukan berkas.`,
  fileTypeRefused: (f: string, allowed: string[]) => `Jenis berkas ${f} tidak diterima. Jenis yang diterima: ${allowed.join(', ')}.`,
  fileTooLarge: (f: string, mb: number) => `Berkas ${f} lebih besar dari batas ${mb} MB.`,
  attached: (file: string, slot: string, size: number, sha: string) => `Dokumen ${file} tersimpan sebagai "${slot}" (${size} byte, sha256 ${sha}).`,
  noExtraHolidays: 'Belum ada hari libur tambahan.',
  holidayAdded: (d: string, n: string) => `Hari libur ${d} (${n}) ditambahkan.`,
  holidayRenamed: (d: string, before: string, n: string) => `Hari libur ${d} sudah tercatat sebagai "${before}"; namanya diganti menjadi "${n}".`,
  holidayRemoved: (d: string) => `Hari libur ${d} dihapus.`,
  holidayMissing: (d: string) => `Tanggal ${d} tidak ada di daftar hari libur tambahan.`,
  unexpected: (detail: string) => `Kesalahan tak terduga:\n${detail}`,
  databaseUnreachable: (detail: string) =>
    `Basis data tidak dapat dihubungi (${detail}). Periksa DATABASE_URL dan apakah server PostgreSQL berjalan; sopbot doctor memeriksa semuanya.`,
  noPermission: (path: string, code: string) =>
    `Tidak ada izin membuka ${path} (${code}). Jalankan perintah sebagai pengguna yang menjalankan layanan.`,
  bind: 'Daftarkan chat (grup, topik, atau pribadi) sebagai sebuah peran',
  bindPlatform: (p: string) => `Buat kode pendaftaran sekali pakai untuk ${p}`,
  bindList: 'Daftar chat yang terdaftar',
  optRole: 'id peran (lihat sopbot sop show ID)',
  optTtl: 'masa berlaku kode dalam jam',
  badTtl: (t: string) => `Masa berlaku "${t}" tidak sah; tulis jumlah jam antara 1 dan 168.`,
  pairingCode: (platform: string, code: string, role: string, expires: string) =>
    platform === 'telegram'
      ? `Kode pendaftaran untuk peran ${role}: ${code}\nKirim di grup (atau topik, atau chat pribadi dengan bot): /daftar ${code}\nBerlaku sekali, sampai ${expires}.`
      : `Kode pendaftaran untuk peran ${role}: ${code}\nKetik di kanal Slack (setelah aplikasinya diundang ke kanal): /sop daftar ${code}\nBerlaku sekali, sampai ${expires}.`,
  noBindings: 'Belum ada chat yang terdaftar.',
  allow: 'Daftar petugas yang boleh bertindak untuk sebuah peran (tanpa daftar: semua anggota chat)',
  allowed: (u: string, role: string) => `Pengguna ${u} boleh bertindak sebagai ${role}.`,
  badUserId: (platform: 'telegram' | 'slack', u: string) =>
    platform === 'telegram'
      ? `"${u}" bukan ID pengguna Telegram: ID berupa angka, misalnya 123456789 (bukan @nama).`
      : `"${u}" bukan ID pengguna Slack: ID diawali U atau W, misalnya U012AB3CD (dari profil anggota, "Salin ID anggota").`,
  disallowed: (u: string, role: string) => `Pengguna ${u} dihapus dari daftar ${role}.`,
  notAllowed: (u: string) => `Pengguna ${u} tidak ada di daftar.`,
  noAllowlist: 'Belum ada daftar petugas; semua anggota chat terdaftar boleh bertindak.',
  badPlatform: (p: string) => `Platform "${p}" tidak dikenal; gunakan telegram atau slack.`,
  bindRemove: 'Lepaskan pendaftaran sebuah chat (atau satu topiknya)',
  optThread: 'id topik/utas; tanpa ini: pendaftaran seluruh chat',
  unbound: (place: string, roles: string[]) => `Pendaftaran ${place} sebagai ${roles.join(', ')} telah dilepas.`,
  bindingMissing: (place: string) => `Tidak ada pendaftaran untuk ${place}. Lihat daftar dengan: sopbot bind list`,
  place: (platform: string, chatId: string, threadId: string) => `${platform} chat ${chatId}${threadId ? ` topik ${threadId}` : ''}`,
  doctor: 'Periksa basis data, katalog, dan keutuhan setiap dokumen tersimpan',
  doctorDatabaseOk: 'Basis data: terhubung, migrasi lengkap.',
  doctorDatabaseDown: (detail: string) => `MASALAH basis data: tidak dapat dihubungi (${detail}).`,
  doctorMigrationsPending: 'MASALAH basis data: migrasi belum lengkap; migrasi diterapkan saat layanan dimulai atau saat perintah sopbot lain dijalankan.',
  doctorCatalogOk: (n: number) => `Katalog: ${n} SOP dimuat.`,
  doctorCatalogFailure: (file: string, errors: string[]) => `MASALAH katalog: ${file} tidak dimuat: ${errors.join('; ')}`,
  doctorCatalogDown: (detail: string) => `MASALAH katalog: tidak dapat dibaca (${detail}).`,
  doctorDocument: (ref: string, step: string, slot: string, file: string, problem: string) =>
    `MASALAH dokumen: ${ref} kegiatan ${step} "${slot}" ${file}: ${problem}`,
  fileMissing: 'berkas tidak ada di penyimpanan',
  fileSizeDiffers: (actual: number, expected: number) => `ukuran ${actual} byte, tercatat ${expected} byte (isi berubah atau terpotong)`,
  fileHashDiffers: (actual: string, expected: string) => `isi berubah: sha256 ${actual.slice(0, 16)}…, tercatat ${expected.slice(0, 16)}…`,
  fileUnreadableDetail: (detail: string) => `berkas tidak dapat dibaca (${detail})`,
  doctorDocumentsUnlisted: (detail: string) => `MASALAH dokumen: daftar dokumen tidak dapat dibaca dari basis data (${detail}).`,
  doctorDocumentsOk: (n: number) => `Dokumen: ${n} diperiksa, semuanya utuh.`,
  doctorDocumentsChecked: (n: number, bad: number) => `Dokumen: ${n} diperiksa, ${bad} bermasalah.`,
  doctorOk: 'Hasil: tidak ada masalah.',
  doctorFailed: (n: number) => `Hasil: ${n} masalah ditemukan (lihat di atas).`,
  caseExport: 'Tulis arsip kasus (zip): riwayat, data mentah, dan semua dokumen, untuk Pencatatan dan Pendataan',
  optOut: 'berkas zip tujuan (bawaan: NOMOR-KASUS.zip di folder ini)',
  optForce: 'timpa berkas tujuan bila sudah ada',
  exportExists: (file: string) => `Berkas ${file} sudah ada; pilih nama lain dengan --out, atau timpa dengan --force.`,
  exportDamaged: (ref: string, problems: string[]) =>
    `Arsip ${ref} tidak dibuat karena ada dokumen yang tidak utuh:\n${problems.map((p) => `  ${p}`).join('\n')}\nPeriksa semuanya dengan: sopbot doctor`,
  exportProblem: (step: string, slot: string, file: string, problem: string) => `kegiatan ${step} "${slot}" ${file}: ${problem}`,
  exportUnwritable: (file: string, detail: string) => `Berkas ${file} tidak dapat ditulis (${detail}).`,
  exported: (ref: string, file: string, documents: number, bytes: number) => `Arsip kasus ${ref} ditulis ke ${file} (${documents} dokumen, ${bytes} byte).`,
  archive: {
    title: (ref: string, title: string) => `ARSIP KASUS ${ref}: ${title}`,
    made: (at: string) => `Dibuat ${at} dengan sopbot case export.`,
    identity: 'IDENTITAS SOP',
    nomor: 'Nomor SOP',
    nama: 'Nama SOP',
    instansi: 'Instansi',
    tanggalPembuatan: 'Tanggal Pembuatan',
    tanggalRevisi: 'Tanggal Revisi',
    tanggalEfektif: 'Tanggal Efektif',
    disahkanOleh: 'Disahkan oleh',
    version: 'Versi definisi',
    dasarHukum: 'Dasar Hukum',
    pencatatan: 'Pencatatan dan Pendataan',
    timeline: 'RIWAYAT KASUS',
    files: 'BERKAS DALAM ARSIP',
    noFiles: '(kasus ini tidak memiliki dokumen)',
    fileLine: (path: string, step: string, slot: string) => `${path} (kegiatan ${step}, "${slot}")`,
    contents: 'RIWAYAT.txt: dokumen ini · kasus.json: data mentah kasus, kegiatan, riwayat, dokumen · dokumen/: semua berkas yang diunggah',
    verify: 'Periksa keutuhan berkas: sha256sum -c SHA256SUMS',
  },
} as const;

/** Step cards, the same words on every platform. */
export const CARD = {
  step: (id: string, index: number, total: number, visit: number) =>
    `Kegiatan ${id} (langkah ${index} dari ${total})${visit > 1 ? `, putaran ke-${visit}` : ''}`,
  pelaksana: 'Pelaksana',
  roleInferred: 'Pelaksana ini disimpulkan dari bunyi kegiatan karena tanda kolomnya tidak terbaca pada naskah SOP; mohon dipastikan oleh admin.',
  returned: 'Dikembalikan dengan alasan',
  kelengkapan: 'Kelengkapan',
  output: 'Output',
  notDocument: 'bukan dokumen',
  missing: 'belum ada',
  uploadHint: 'Balas pesan ini dengan berkas untuk mengunggah output.',
  waktu: 'Waktu',
  due: 'Batas',
  dueToBeSet: 'belum ditentukan: tekan "Tentukan batas waktu"',
  noDue: 'tanpa batas waktu',
  keterangan: 'Keterangan',
  confirmed: 'Sudah mengonfirmasi',
  outcome: (action: string, by: string, at: string) => `${action[0]!.toUpperCase()}${action.slice(1)} oleh ${by} pada ${at}`,
  branch: 'Pilihan',
  reason: 'Alasan',
  note: 'Catatan',
  caseClosedNotice: (ref: string, title: string, outcome: string) => `Kasus ${ref} (${brief(title, 200)}) telah ditutup: ${outcome}.`,
} as const;

/** What the Telegram bot says in chats. */
export const TG = {
  commands: [
    { command: 'tugas', description: 'Tugas terbuka untuk peran grup ini' },
    { command: 'baru', description: 'Mulai kasus baru' },
    { command: 'kasus', description: 'Riwayat kasus: /kasus NOMOR' },
    { command: 'dokumen', description: 'Dokumen kasus: /dokumen NOMOR' },
    { command: 'sop', description: 'Daftar SOP; /sop ID: lembar SOP dan bagan alurnya' },
    { command: 'posisi', description: 'Posisi kasus pada bagan SOP: /posisi NOMOR' },
    { command: 'ringkasan', description: 'Ringkasan harian (untuk peran penerima ringkasan)' },
    { command: 'laporan', description: 'Formulir monitoring SOP: /laporan [ID] [bulan]' },
    { command: 'peran', description: 'Peran yang terdaftar di chat ini' },
    { command: 'daftar', description: 'Daftarkan chat ini: /daftar KODE' },
    { command: 'lepas', description: 'Lepaskan pendaftaran chat ini' },
    { command: 'batal', description: 'Batalkan pertanyaan yang sedang berjalan' },
    { command: 'bantuan', description: 'Bantuan' },
  ],
  help: (roles: string[]) =>
    [
      roles.length
        ? `Chat ini terdaftar sebagai: <b>${roles.join(', ')}</b>.`
        : 'Chat ini belum terdaftar. Mintalah admin membuat kode pendaftaran (sopbot bind telegram --role PERAN), lalu kirim /daftar KODE di sini.',
      '',
      'Setiap kegiatan untuk peran ini datang sebagai kartu dengan tombol: Selesai, Setujui / Kembalikan, pilihan keputusan, atau Konfirmasi.',
      'Untuk mengunggah dokumen, balas (reply) kartu dengan berkas.',
      '',
      '/tugas — tugas terbuka, batas waktu terdekat dulu',
      '/baru — mulai kasus baru',
      '/kasus NOMOR — riwayat kasus',
      '/dokumen NOMOR — dokumen kasus',
      '/posisi NOMOR — gambar posisi kasus pada bagan alur SOP (juga tombol Posisi pada kartu)',
      '/sop — daftar SOP; /sop ID — lembar SOP (PDF) dan bagan alurnya',
      '/ringkasan — ringkasan harian (chat penerima ringkasan)',
      '/laporan [ID] [bulan] — formulir monitoring SOP, misalnya /laporan 2026-11 (chat penerima ringkasan)',
      '/peran — peran chat ini',
      '/batal — batalkan pertanyaan yang sedang berjalan',
    ].join('\n'),
  notBound: 'Chat ini belum terdaftar sebagai peran apa pun. Kirim /daftar KODE dengan kode dari admin.',
  bindUsage: 'Tulis kodenya: /daftar KODE',
  bound: (role: string) => `Chat ini sekarang terdaftar sebagai <b>${role}</b>. Kartu kegiatan untuk peran ini akan dikirim ke sini.`,
  alreadyBound: (role: string) => `Chat ini sudah terdaftar sebagai <b>${role}</b>.`,
  codeUnknown: 'Kode pendaftaran tidak dikenal. Periksa kembali atau mintalah kode baru kepada admin.',
  codeUsed: 'Kode pendaftaran ini sudah dipakai. Mintalah kode baru kepada admin.',
  codeExpired: 'Kode pendaftaran ini sudah kedaluwarsa. Mintalah kode baru kepada admin.',
  unbound: (roles: string[]) => `Pendaftaran chat ini sebagai ${roles.join(', ')} telah dilepas.`,
  unbindAdminsOnly: 'Hanya admin grup yang boleh melepas pendaftaran.',
  roles: (roles: string[]) => `Chat ini terdaftar sebagai: <b>${roles.join(', ')}</b>.`,
  catalogTitle: 'SOP yang tersedia:',
  catalogLine: (nama: string, nomor: string, id: string, steps: number) => `• <b>${nama}</b>\n  Nomor ${nomor} · ${steps} kegiatan · /baru (${id}) · lembar SOP: /sop ${id}`,
  noStartableSop: 'Tidak ada SOP yang kegiatan pertamanya dikerjakan peran chat ini.',
  chooseSop: 'SOP mana yang akan dimulai?',
  askTitle: (sop: string) => `Judul kasus baru untuk <b>${sop}</b>? Balas pesan ini dengan judulnya (/batal untuk membatalkan).`,
  caseStarted: (ref: string) => `Kasus <b>${ref}</b> dimulai. Kartu kegiatan pertama segera dikirim.`,
  noTasks: 'Tidak ada tugas terbuka untuk peran chat ini.',
  tasksTitle: 'Tugas terbuka:',
  caseUsage: 'Tulis nomor kasusnya, misalnya /kasus PUPR-2026-0001',
  notInCase: 'Kasus ini tidak melibatkan peran chat ini.',
  unknownCommand: (command: string) => `Perintah /${command} tidak dikenal. Kirim /bantuan untuk daftar perintah.`,
  noDocuments: (ref: string) => `Kasus ${ref} belum memiliki dokumen.`,
  askReason: (name: string, ref: string) => `${name}, tulis alasan pengembalian untuk ${ref}. Balas pesan ini (/batal untuk membatalkan; otomatis dibatalkan setelah 10 menit).`,
  askDue: (name: string, ref: string) => `${name}, tulis batas waktu untuk ${ref}, misalnya 30/11 atau 30/11 14.00 (waktu setempat; tanpa jam berarti akhir jam kantor hari itu). Balas pesan ini (/batal untuk membatalkan).`,
  badDue: 'Tanggal tidak dikenali. Tulis misalnya 30/11, 30/11 14.00 atau 2026-11-30 14.00.',
  promptCancelled: 'Dibatalkan.',
  nothingToCancel: 'Tidak ada yang sedang ditanyakan.',
  returnDone: (ref: string) => `Dikembalikan. Kasus ${ref} kembali ke pelaksana sebelumnya.`,
  dueSet: 'Batas waktu tersimpan.',
  // Answers to button presses (short: Telegram shows them as a toast).
  recorded: 'Tercatat ✅',
  writeReason: 'Tulis alasannya di chat.',
  writeDue: 'Tulis batas waktunya di chat.',
  unknownButton: 'Tombol ini tidak dikenali.',
  wrongChat: 'Chat ini tidak terdaftar sebagai pelaksana kegiatan ini.',
  notAllowed: 'Anda tidak ada dalam daftar petugas yang boleh bertindak untuk peran ini.',
  promptGone: 'Pertanyaan ini sudah kedaluwarsa atau bukan untuk Anda.',
  uploadReplyToCard: 'Untuk mengunggah dokumen, balas (reply) kartu kegiatannya dengan berkas.',
  uploadTooBig: (mb: number) => `Berkas terlalu besar: batas unduh bot adalah ${mb} MB.`,
  uploadBadType: (allowed: string[]) => `Jenis berkas ini tidak diterima. Jenis yang diterima: ${allowed.join(', ')}.`,
  chooseSlot: 'Dokumen ini untuk yang mana?',
  uploaded: (file: string, slot: string, size: number, sha: string) => `📎 ${file} tersimpan sebagai "${slot}" (${size} byte, sha256 ${sha.slice(0, 16)}…).`,
  noSlots: 'Kegiatan ini tidak menerima dokumen.',
  uploadFailed: 'Berkas tidak dapat diunduh dari Telegram. Silakan kirim lagi.',
  internalError: 'Terjadi kesalahan pada sistem. Silakan coba beberapa saat lagi.',
  digestOnlyFor: (role: string) => `Ringkasan hanya tersedia di chat yang terdaftar sebagai ${role}.`,
  positionUsage: 'Tulis nomor kasusnya, misalnya /posisi PUPR-2026-0001',
  /** The answer to a Posisi press, at once; the picture follows through the outbox. */
  pictureComing: 'Gambar sedang disiapkan…',
  sheetComing: 'Lembar SOP sedang disiapkan…',
  reportOnlyFor: (role: string) => `Laporan monitoring hanya dikirim ke chat yang terdaftar sebagai ${role}.`,
  reportComing: (period: string) => `Formulir monitoring ${period} (XLSX dan PDF) sedang disiapkan dan segera dikirim ke chat ini.`,
  badMonth: (text: string) => `Bulan "${text}" tidak dikenali. Tulis misalnya 2026-11, November 2026 atau 11/2026.`,
  futureMonth: (month: string) => `Bulan ${month} belum berjalan; laporan monitoring hanya untuk bulan ini atau bulan yang telah lewat.`,
} as const;

/** "2 jam 5 menit kerja", "1 hari 3 jam kerja" (a working day being the unit's office day). */
export function workingTimeText(minutes: number, dayMinutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const days = Math.floor(m / dayMinutes);
  const rest = m - days * dayMinutes;
  const hours = Math.floor(rest / 60);
  const mins = rest % 60;
  const parts = [days ? `${days} hari` : '', hours ? `${hours} jam` : '', mins || (!days && !hours) ? `${mins} menit` : ''].filter(Boolean);
  return `${parts.join(' ')} kerja`;
}

/** Reminders, overdue notices, escalations and the daily digest. */
export const NOTICE = {
  reminder: (ref: string, step: string, kegiatan: string, left: string, due: string) =>
    `⏰ Pengingat ${ref}, kegiatan ${step}: ${kegiatan}\nSisa waktu ${left}; batas ${due}.`,
  overdue: (ref: string, step: string, kegiatan: string, late: string, due: string) =>
    `⚠️ Terlambat ${ref}, kegiatan ${step}: ${kegiatan}\nTelah melewati batas ${due} selama ${late}.`,
  escalation: (ref: string, title: string, step: string, kegiatan: string, role: string, late: string, due: string) =>
    `🔺 Eskalasi ${ref} (${brief(title, 200)})\nKegiatan ${step} oleh ${role} terlambat ${late} (batas ${due}).\n${kegiatan}\nLihat riwayat: /kasus ${ref}`,
  digestTitle: (date: string) => `📊 Ringkasan harian ${date}`,
  openCases: 'Kasus berjalan per SOP',
  noOpenCases: 'Tidak ada kasus berjalan.',
  dueToday: 'Batas waktu hari ini',
  noneDueToday: 'Tidak ada tugas yang jatuh tempo hari ini.',
  overdueTitle: 'Terlambat',
  noneOverdue: 'Tidak ada tugas terlambat. 👍',
  overdueLine: (ref: string, step: string, role: string, age: string, late: string) => `• ${ref} keg. ${step} (${role}): dibuka ${age} lalu, terlambat ${late}`,
  dueLine: (ref: string, step: string, role: string, due: string) => `• ${ref} keg. ${step} (${role}) batas ${due}`,
  sinceTitle: 'Sejak ringkasan terakhir',
  finished: (n: number, refs: string) => `Selesai/ditutup: ${n}${refs ? ` (${refs})` : ''}`,
  returned: (n: number, refs: string) => `Dikembalikan: ${n}${refs ? ` (${refs})` : ''}`,
  onTimeTitle: 'Ketepatan waktu bulan ini',
  onTimeLine: (label: string, onTime: number, total: number) => `• ${label}: ${total ? Math.round((onTime / total) * 100) : 0}% (${onTime}/${total})`,
  noOnTime: 'Belum ada kegiatan berbatas waktu yang selesai bulan ini.',
  more: (n: number) => `…dan ${n} lainnya`,
  part: (i: number, n: number) => `(bagian ${i}/${n})`,
} as const;

/** What the Slack app says: mrkdwn (*tebal*, _miring_); the same words as Telegram where they fit. */
export const SLACK = {
  help: (roles: string[]) =>
    [
      roles.length
        ? `Kanal ini terdaftar sebagai: *${roles.join(', ')}*.`
        : 'Kanal ini belum terdaftar. Mintalah admin membuat kode pendaftaran (`sopbot bind slack --role PERAN`), undang aplikasinya ke kanal ini, lalu ketik `/sop daftar KODE` di sini.',
      '',
      'Setiap kegiatan untuk peran ini datang sebagai kartu dengan tombol: Selesai, Setujui / Kembalikan, pilihan keputusan, atau Konfirmasi.',
      'Untuk mengunggah dokumen, kirim berkas di utas (thread) kartunya.',
      '',
      '`/sop tugas` — tugas terbuka, batas waktu terdekat dulu',
      '`/sop baru` — mulai kasus baru',
      '`/sop kasus NOMOR` — riwayat kasus',
      '`/sop ringkasan` — ringkasan harian (kanal penerima ringkasan)',
      '`/sop dokumen NOMOR` — dokumen kasus',
      '`/sop posisi NOMOR` — gambar posisi kasus pada bagan alur SOP (juga menu ⋮ pada kartu)',
      '`/sop katalog` — daftar SOP, dengan tombol lembar SOP',
      '`/sop laporan [ID] [bulan]` — formulir monitoring SOP, misalnya `/sop laporan 2026-11` (kanal penerima ringkasan)',
      '`/sop peran` — peran kanal ini',
      '`/sop daftar KODE` — daftarkan kanal ini',
      '`/sop lepas` — lepaskan pendaftaran kanal ini',
    ].join('\n'),
  unknownSubcommand: (sub: string) => `Perintah \`/sop ${sub}\` tidak dikenal. Ketik \`/sop bantuan\` untuk daftar perintah.`,
  notBound: 'Kanal ini belum terdaftar sebagai peran apa pun. Ketik `/sop daftar KODE` dengan kode dari admin.',
  bindUsage: 'Tulis kodenya: `/sop daftar KODE`',
  bound: (role: string) => `Kanal ini sekarang terdaftar sebagai *${role}*. Kartu kegiatan untuk peran ini akan dikirim ke sini.`,
  alreadyBound: (role: string) => `Kanal ini sudah terdaftar sebagai *${role}*.`,
  inviteApp: 'Aplikasi SOP bot belum menjadi anggota kanal ini, jadi kartu belum dapat dikirim ke sini. Undang dulu: `/invite @sopbot`.',
  codeUnknown: TG.codeUnknown,
  codeUsed: TG.codeUsed,
  codeExpired: TG.codeExpired,
  unbound: (roles: string[]) => `Pendaftaran kanal ini sebagai ${roles.join(', ')} telah dilepas.`,
  unbindAdminsOnly: 'Hanya admin workspace Slack yang boleh melepas pendaftaran kanal.',
  roles: (roles: string[]) => `Kanal ini terdaftar sebagai: *${roles.join(', ')}*.`,
  catalogTitle: TG.catalogTitle,
  catalogLine: (nama: string, nomor: string, id: string, steps: number) => `• *${nama}*\n   Nomor ${nomor} · ${steps} kegiatan · id \`${id}\``,
  /** The button beside each SOP of /sop katalog (Slack allows 75 characters). */
  sheetButton: 'Lembar SOP',
  catalogMore: (n: number) => `…dan ${n} SOP lain (tanpa tombol; Slack memuat paling banyak 50 blok dalam satu pesan).`,
  sheetComing: (nama: string) => `Lembar SOP *${nama}* sedang disiapkan dan segera dikirim ke kanal ini.`,
  positionUsage: 'Tulis nomor kasusnya, misalnya `/sop posisi KUMHAM-2026-0001`',
  /** The card's overflow menu (⋮): its one item. */
  positionOption: 'Posisi kasus pada bagan SOP',
  sheetOption: 'Lembar SOP',
  pictureComing: (ref: string) => `Gambar posisi kasus *${ref}* sedang disiapkan dan segera dikirim ke kanal ini.`,
  reportOnlyFor: (role: string) => `Laporan monitoring hanya dikirim ke kanal yang terdaftar sebagai ${role}.`,
  reportComing: (period: string) => `Formulir monitoring ${period} (XLSX dan PDF) sedang disiapkan dan segera dikirim ke kanal ini.`,
  noStartableSop: 'Tidak ada SOP yang kegiatan pertamanya dikerjakan peran kanal ini.',
  // Modal titles and buttons: Slack allows 24 characters.
  appName: 'SOP bot',
  loading: 'Memuat…',
  close: 'Tutup',
  newCaseModal: 'Kasus baru',
  newCaseIntro: (roles: string[]) => `Kasus baru dimulai oleh *${roles.join(', ')}*. Kartu kegiatan pertama dikirim ke kanal peran pelaksananya.`,
  sopLabel: 'SOP',
  sopPlaceholder: 'Pilih SOP',
  titleLabel: 'Judul kasus',
  titlePlaceholder: 'contoh: Penilaian kompetensi gelombang 1',
  start: 'Mulai',
  cancel: 'Batal',
  chooseSop: 'Pilih SOP yang akan dimulai.',
  caseStarted: (ref: string, title: string, by: string) => `Kasus *${ref}* (${title}) dimulai oleh ${by}. Kartu kegiatan pertama segera dikirim.`,
  noTasks: 'Tidak ada tugas terbuka untuk peran kanal ini.',
  tasksTitle: TG.tasksTitle,
  caseUsage: 'Tulis nomor kasusnya, misalnya `/sop kasus KUMHAM-2026-0001`',
  documentsUsage: 'Tulis nomor kasusnya, misalnya `/sop dokumen KUMHAM-2026-0001`',
  notInCase: 'Kasus ini tidak melibatkan peran kanal ini.',
  noDocuments: TG.noDocuments,
  documentsSending: (ref: string, n: number) => `Mengirim ${n} dokumen kasus ${ref} ke kanal ini…`,
  documentCaption: (ref: string, stepId: string, slot: string) => `${ref} · kegiatan ${stepId} · ${slot}`,
  returnModal: 'Kembalikan',
  returnIntro: (ref: string, stepId: string) => `Kasus *${ref}*, kegiatan ${stepId}. Tulis alasan pengembalian; pelaksana sebelumnya membacanya di kartunya.`,
  reasonLabel: 'Alasan pengembalian',
  reasonRequired: REFUSALS.reason_required({}, TERMS.slack),
  dueModal: 'Batas waktu',
  dueIntro: (ref: string, stepId: string, zone: string) =>
    `Kasus *${ref}*, kegiatan ${stepId}. Tulis batas waktu dalam waktu setempat (${zone}), misalnya 30/11 atau 30/11 14.00; tanpa jam berarti akhir jam kantor hari itu.`,
  dueLabel: 'Batas waktu',
  duePlaceholder: '30/11 14.00',
  badDue: TG.badDue,
  save: 'Simpan',
  titleRequired: REFUSALS.title_required({}, TERMS.slack),
  recorded: TG.recorded,
  returnDone: TG.returnDone,
  dueSet: TG.dueSet,
  unknownButton: TG.unknownButton,
  wrongChannel: 'Kanal ini tidak terdaftar sebagai pelaksana kegiatan ini.',
  notAllowed: TG.notAllowed,
  promptGone: TG.promptGone,
  uploadInThread: 'Untuk mengunggah dokumen, kirim berkas di utas (thread) kartu kegiatannya.',
  uploadTooBig: (mb: number) => `Berkas terlalu besar: batasnya ${mb} MB.`,
  uploadBadType: TG.uploadBadType,
  chooseSlot: TG.chooseSlot,
  slotChosen: (file: string, slot: string) => `${file} → ${slot}`,
  uploaded: TG.uploaded,
  noSlots: TG.noSlots,
  uploadFailed: 'Berkas tidak dapat diunduh dari Slack. Silakan kirim lagi.',
  internalError: TG.internalError,
  uploadHint: 'Kirim berkas di utas (thread) pesan ini untuk mengunggah output.',
  sopFooter: (nomor: string) => `Nomor SOP ${nomor}`,
  cardFallback: (ref: string, step: string, kegiatan: string) => `${ref} · ${step}: ${kegiatan}`,
  home: {
    title: 'SOP bot',
    rolesTitle: 'Peran Anda',
    rolesHow: 'Peran dihitung dari kanal peran yang Anda ikuti (bila daftar petugasnya mengizinkan) dan dari daftar petugas peran.',
    noRoles: 'Anda belum tercatat pada peran mana pun: bergabunglah ke kanal peran, atau mintalah admin menambahkan Anda ke daftar petugas (`sopbot allow add slack ID_ANDA --role PERAN`).',
    tasksTitle: (n: number) => `Tugas terbuka (${n})`,
    noTasks: 'Tidak ada tugas terbuka untuk peran Anda.',
    overdue: 'TERLAMBAT',
    due: (at: string) => `Batas ${at}`,
    more: (n: number) => `…dan ${n} tugas lain. Ketik \`/sop tugas\` di kanal peran untuk daftar lengkap.`,
  },
} as const;

/** A refusal's words: fixed, or made from the refusal's data (what was typed, a role's name). */
type RefusalWords = string | ((p: Record<string, string>) => string);

/**
 * Why a chat's request stopped before it reached the workflow (the chat is not bound, the
 * person is not on the role's list, the button is not one of ours…), in each platform's words
 * ("chat" on Telegram, "kanal" on Slack). The channels' use cases raise these codes.
 */
export const CHANNEL_REFUSALS = {
  not_bound: { telegram: TG.notBound, slack: SLACK.notBound },
  wrong_chat: { telegram: TG.wrongChat, slack: SLACK.wrongChannel },
  not_allowed: { telegram: TG.notAllowed, slack: SLACK.notAllowed },
  unknown_button: { telegram: TG.unknownButton, slack: SLACK.unknownButton },
  prompt_gone: { telegram: TG.promptGone, slack: SLACK.promptGone },
  no_startable_sop: { telegram: TG.noStartableSop, slack: SLACK.noStartableSop },
  not_in_case: { telegram: TG.notInCase, slack: SLACK.notInCase },
  no_slots: { telegram: TG.noSlots, slack: SLACK.noSlots },
  code_unknown: { telegram: TG.codeUnknown, slack: SLACK.codeUnknown },
  code_used: { telegram: TG.codeUsed, slack: SLACK.codeUsed },
  code_expired: { telegram: TG.codeExpired, slack: SLACK.codeExpired },
  report_digest_only: {
    telegram: (p) => TG.reportOnlyFor(p.role ?? ''),
    slack: (p) => SLACK.reportOnlyFor(p.role ?? ''),
  },
  bad_month: { telegram: (p) => TG.badMonth(p.text ?? ''), slack: (p) => TG.badMonth(p.text ?? '') },
  future_month: { telegram: (p) => TG.futureMonth(p.month ?? ''), slack: (p) => TG.futureMonth(p.month ?? '') },
} as const satisfies Record<string, Record<'telegram' | 'slack', RefusalWords>>;

export type ChannelRefusalCode = keyof typeof CHANNEL_REFUSALS;

/** A channel refusal in a platform's words (plain text; each adapter escapes it). */
export function channelRefusalText(e: { code: ChannelRefusalCode; params: Record<string, string> }, platform: 'telegram' | 'slack'): string {
  const words: RefusalWords = CHANNEL_REFUSALS[e.code][platform];
  return typeof words === 'function' ? words(e.params) : words;
}

/**
 * The command-line library (commander) writes its own errors and help headings in English; these
 * put them in Indonesian. Errors are matched by their fixed English shape; anything not matched is
 * shown as it came.
 */
export const CLI_LIBRARY = {
  helpOption: 'tampilkan bantuan perintah ini',
  helpCommand: 'tampilkan bantuan sebuah perintah',
  helpText: [
    ['Usage:', 'Penggunaan:'],
    ['Global Options:', 'Opsi umum:'],
    ['Options:', 'Opsi:'],
    ['Arguments:', 'Argumen:'],
    ['Commands:', 'Perintah:'],
    ['[options]', '[opsi]'],
    ['[command]', '[perintah]'],
    ['(default: ', '(bawaan: '],
    ['(choices: ', '(pilihan: '],
  ] as const,
  errors: [
    [/^error: missing required argument '(.+)'$/m, (a: string) => `Argumen <${a}> belum diisi.`],
    [/^error: option '(.+)' argument missing$/m, (o: string) => `Opsi ${o} perlu nilai.`],
    [/^error: required option '(.+)' not specified$/m, (o: string) => `Opsi ${o} wajib diisi.`],
    [/^error: unknown option '(.+?)'/m, (o: string) => `Opsi ${o} tidak dikenal.`],
    [/^error: unknown command '(.+?)'/m, (c: string) => `Perintah ${c} tidak dikenal.`],
    [
      /^error: too many arguments(?: for '(.+?)')?\. Expected (\d+) arguments? but got (\d+)\.$/m,
      (c?: string, expected?: string, got?: string) =>
        `Terlalu banyak argumen${c ? ` untuk ${c}` : ''}: diharapkan ${expected}, diberikan ${got}. Apit nilai yang berisi spasi dengan tanda kutip, misalnya "Cuti Bersama".`,
    ],
  ] as const,
  suggestion: (names: string) => `(Maksud Anda ${names}?)`,
  suggestions: (names: string) => `(Maksud Anda salah satu dari ${names}?)`,
} as const;
