/**
 * Every sentence of `sopbot sop import`: the errors, the questions for the admin, the comments
 * written into the draft next to each inferred value, and the command's own lines.
 */

/** What an import error carries for its sentence (the codes are src/import/errors.ts's). */
export interface ImportErrorWords {
  /** The file's name as the admin gave it. */
  file?: string;
  limitBytes?: number;
  sizeBytes?: number;
  detail?: string;
}

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(', ');
const what = (w: 'kelengkapan' | 'output') => (w === 'kelengkapan' ? 'Kelengkapan' : 'Output');

export const IMPORT = {
  error: {
    too_large: (d: ImportErrorWords) =>
      `Berkas ${d.file ?? ''} terlalu besar (${mb(d.sizeBytes ?? 0)}); batasnya ${mb(d.limitBytes ?? 0)}. Simpan ulang dokumen tanpa gambar besar, atau impor ekspor teksnya.`,
    not_zip: (d: ImportErrorWords) => `Berkas ${d.file ?? ''} bukan dokumen Word (DOCX): isinya bukan arsip zip.`,
    corrupt_zip: (d: ImportErrorWords) => `Berkas ${d.file ?? ''} rusak: arsip DOCX-nya tidak dapat dibaca (${d.detail ?? 'struktur zip tidak utuh'}).`,
    zip_bomb: (d: ImportErrorWords) =>
      `Berkas ${d.file ?? ''} ditolak: isinya mengembang jauh melebihi batas (${d.detail ?? ''}); ini ciri "zip bomb", bukan dokumen SOP.`,
    not_docx: (d: ImportErrorWords) => `Berkas ${d.file ?? ''} memang arsip zip, tetapi bukan dokumen Word: word/document.xml tidak ada.`,
    bad_xml: (d: ImportErrorWords) => `Isi dokumen Word ${d.file ?? ''} tidak dapat dibaca (${d.detail ?? 'XML tidak sah'}).`,
    unsupported_format: (d: ImportErrorWords) =>
      `Jenis berkas ${d.file ?? ''} tidak didukung (${d.detail ?? ''}). Impor menerima DOCX, atau teks/HTML yang diekspor dari dokumen SOP.`,
    not_sop: (d: ImportErrorWords) =>
      `Berkas ${d.file ?? ''} bukan dokumen SOP: tidak ada identitas SOP (Nomor SOP, Nama SOP) maupun tabel kegiatan (kolom No dan Kegiatan).`,
    no_table: (d: ImportErrorWords) =>
      `Berkas ${d.file ?? ''} tidak memuat tabel kegiatan SOP: tidak ada baris judul dengan kolom "No" dan "Kegiatan"/"Aktivitas".`,
    no_role_columns: (d: ImportErrorWords) =>
      `Tabel kegiatan di ${d.file ?? ''} tidak memiliki kolom pelaksana: di antara kolom Kegiatan dan Mutu Baku tidak ada nama peran.`,
    no_rows: (d: ImportErrorWords) => `Tabel kegiatan di ${d.file ?? ''} tidak berisi satu baris kegiatan pun.`,
  },

  shape: {
    terminator: 'kapsul',
    process: 'kotak proses',
    decision: 'belah ketupat',
    connector: 'konektor',
    arrow: 'panah',
    other: 'tanda',
  },

  sectionTitle: {
    dasarHukum: 'Dasar Hukum',
    kualifikasiPelaksana: 'Kualifikasi Pelaksana',
    keterkaitan: 'Keterkaitan',
    peralatan: 'Peralatan/Perlengkapan',
    peringatan: 'Peringatan',
    pencatatan: 'Pencatatan dan Pendataan',
  },

  header: (file: string, from: number, to: number) =>
    `Draf hasil "sopbot sop import" dari ${file} (baris ${from}–${to}). Setiap nilai yang disimpulkan diberi komentar; jawab pertanyaan impor, lalu jalankan "sopbot sop validate".`,

  /** Comments written into the draft. */
  c: {
    instansiSplit: (joined: string) => `Instansi: satu baris di dokumen ("${joined}"), dipecah per nama lembaga.`,
    instansiLetterhead: 'Instansi diambil dari kop (teks tebal di awal dokumen).',
    instansiHeading: 'Instansi diambil dari judul di awal dokumen.',
    instansiSpelling: (line: string, fix: string) => `Kotak identitas menulis "${line}"; kop menulis "${fix}". Draf memakai ejaan kop.`,
    dateEmpty: (label: string, text: string) => `${label}: ${text === '' ? 'kosong' : `"${text}"`} di SOP.`,
    dateLabel: (label: string) => `SOP menamai tanggal ini "${label}"; dibaca sebagai Tanggal Efektif.`,
    dateUnreadable: (label: string, text: string) => `${label}: "${text}" tidak terbaca sebagai tanggal; isi dengan format YYYY-MM-DD.`,
    signatureJoined: 'Jabatan dari kotak identitas; nama, pangkat dan NIP dari tanda tangan di bawah tabel.',
    acknowledgedBy: (text: string) => `Di bawah tabel: "${text}" (format definisi tidak memiliki kolom untuk ini).`,
    sectionMissing: 'Bagian ini tidak ditemukan di dokumen.',
    sectionHeading: (heading: string) => `Di SOP ini berjudul "${heading}".`,
    sectionSkipped: (nums: number[]) => `Penomoran di SOP melompati nomor ${nums.join(', ')}; tidak ada butir yang hilang dari teks.`,
    sectionSplit: (how: string) =>
      how === 'semicolons' ? 'Butir dipisah menurut tanda titik koma di SOP.' : 'Butir dipisah di setiap awal kata yang sama (misalnya "SOP ...").',
    inColumn: (role: string) => `di kolom ${role}`,
    roleFromMark: (desc: string) => `Pelaksana dari tanda di lajur: ${desc}.`,
    markVersusSentence: (subject: string) => `Kalimat kegiatan menyebut ${subject} sebagai pelakunya; draf mengikuti tanda di lajur.`,
    quorumAll: 'Beberapa lajur bertanda: semua pelaksana itu harus mengonfirmasi (quorum: all).',
    roleSubject: (role: string) => `Pelaksana disimpulkan dari subjek kalimat kegiatan: ${role}.`,
    roleOleh: (role: string) => `Pelaksana disimpulkan dari kata "oleh ${role}".`,
    roleSebagai: (role: string) => `Pelaksana disimpulkan dari kata "sebagai ${role}".`,
    roleReturnedTo: (nextId: string, role: string) => `Pelaksana disimpulkan dari kegiatan ${nextId}, yang mengembalikan pekerjaan ini "ke ${role}".`,
    roleChecker: (back: string, role: string) => `Pelaksana disimpulkan: pemeriksa yang mengembalikan ke ${back} adalah jenjang di atasnya, ${role}.`,
    roleSigns: (role: string) => `Pelaksana disimpulkan: penandatangan adalah pimpinan tertinggi di lajur, ${role}.`,
    roleBelow: (prevId: string, prevRole: string, role: string) =>
      `Pelaksana disimpulkan: kegiatan ${prevId} (${prevRole}) memberi disposisi/tugas ke jenjang di bawahnya, ${role}.`,
    roleAssigns: (role: string) => `Pelaksana disimpulkan: yang menugaskan adalah pimpinan tertinggi di lajur, ${role}.`,
    roleStem: (role: string) => `Pelaksana disimpulkan dari kata kegiatan yang sama dengan nama lajur ${role}.`,
    rolePrevious: (prevId: string) => `Pelaksana tidak terbaca dari teks; disamakan dengan kegiatan ${prevId} sebelumnya.`,
    roleFirstColumn: 'Pelaksana tidak terbaca dari teks; diisi lajur pertama.',
    decisionFromLabels: (labels: string[]) => `Keputusan dari baris berlabel ${list(labels)} di tabel; label dipakai sebagai kegiatan.`,
    branchMerges: (label: string, id: string, root: string) => `Cabang "${label}" bergabung kembali di kegiatan ${id} (kegiatan pertama yang menyebut "${root}").`,
    branchEndsAfter: (label: string, id: string, root: string) =>
      `Cabang "${label}" berakhir setelah kegiatan ${id} (kegiatan terakhir yang menyebut "${root}"); cabang lain berlanjut.`,
    branchEnds: (label: string) => `Cabang "${label}" tidak tertulis bergabung kembali; draf mengakhirinya di sini.`,
    branchesFromText: (targets: string[]) => `Cabang dari kalimat "jika ... maka" ke kegiatan ${targets.join(' dan ')}; labelnya ditebak.`,
    branchStop: (text: string) => `Cabang dari kalimat "${text}"; labelnya ditebak.`,
    nextFromText: (target: string) => `Kegiatan berikutnya ditulis di teks: kegiatan ${target}.`,
    returnFromText: 'Tujuan Kembalikan ditulis di teks ("kembali ke kegiatan ...").',
    returnToRole: (role: string, ids: string[]) =>
      `Kembalikan "ke ${role}": kegiatan ${role} terakhir di setiap jalur menuju kegiatan ini (${ids.join(', ')}).`,
    diamondAsReview: (prevId: string) =>
      `Belah ketupat tanpa label cabang dan hanya satu jalan maju: dijadikan pemeriksaan (Setujui maju, Kembalikan ke ${prevId}).`,
    kegiatanCleaned: 'Teks kegiatan dibersihkan dari tanda format.',
    waktuEmpty: (text: string) => `Waktu: ${text === '' ? 'kosong' : `"${text}"`} di SOP (tanpa standar waktu).`,
    waktuActorSets: 'Tanpa standar waktu tetap: pelaksana menentukan batas waktunya saat kegiatan dibuka.',
    anchorNamed: (anchor: string) => `Dihitung dari selesainya kegiatan ${anchor}, seperti tertulis.`,
    anchorPrevious: (anchor: string) => `"Setelah pelaksanaan kegiatan" dibaca sebagai kegiatan ${anchor}, kegiatan sebelumnya.`,
    waktuBareMinutes: 'Angka tanpa satuan dibaca sebagai menit.',
    waktuUnreadable: (text: string) => `Waktu tertulis "${text}", tidak dikenali; isi "waktu" dengan bentuk yang dikenal atau biarkan kosong.`,
    notAFile: (name: string) => `"${name}" bukan berkas yang diunggah (keadaan atau tindakan), jadi document: false.`,
    unglued: (text: string, pieces: string[]) => `"${text}" tampak dua butir yang menempel; dipisah menjadi ${list(pieces)}.`,
    timezoneDefault: 'Zona waktu bawaan WIB; ganti bila unit berada di WITA (Asia/Makassar) atau WIT (Asia/Jayapura).',
    konversi: (text: string) => `Konversi waktu dari SOP: ${text}.`,
  },

  /** Questions for the admin, printed after the import; each names its step where it has one. */
  q: {
    identityMissing: (label: string) => `${label} tidak ditemukan di dokumen; isi di bagian identity.`,
    instansiSpelling: (line: string, fix: string) => `Ejaan instansi berbeda: kotak identitas "${line}", kop "${fix}". Draf memakai ejaan kop; benar?`,
    dateUnreadable: (label: string, text: string) => `${label} "${text}" tidak terbaca sebagai tanggal; isi dengan format YYYY-MM-DD.`,
    signatureJoined: (joined: string) => `Disahkan oleh dilengkapi dari tanda tangan di bawah tabel: "${joined}". Benar?`,
    identityStacked: 'Label identitas (Nomor, Tanggal, ...) terpisah dari nilainya; nilai dipasangkan menurut urutan. Periksa pasangannya.',
    identityConflict: (key: string, first: string, second: string) => `Identitas "${key}" tertulis dua kali dengan isi berbeda: "${first}" dan "${second}". Draf memakai yang pertama.`,
    sectionOneItem: (heading: string, item: string) => `${heading}: "${item}" ditulis tanpa pemisah butir; draf menjadikannya satu butir. Pecah bila berisi beberapa butir.`,
    sectionSemicolons: (heading: string) => `${heading}: butir dipisah menurut titik koma, dan titik komanya dihapus. Periksa butirnya.`,
    roleVariants: (names: string[], chosen: string) => `Satu kolom pelaksana bernama berbeda di halaman tabel: ${list(names)}. Draf memakai "${chosen}".`,
    headerDataMismatch: (h: number, d: number) =>
      `Judul tabel menyebut ${h} kolom pelaksana, tetapi baris kegiatan hanya memiliki ${d} sel pelaksana. Tanda di lajur dipetakan menurut judul; periksa kolomnya.`,
    gluedRows: (at: number, first: string, second: string) => `Baris ${at} berisi dua kegiatan yang menempel (${first} dan ${second}); draf memisahkannya. Periksa isinya.`,
    waktuSplit: (at: number, waktu: string) => `Waktu terpotong di dua baris (baris ${at}); digabung menjadi "${waktu}".`,
    strayText: (at: number, text: string) => `Baris ${at}: teks di luar kolom yang dikenal tidak dipakai: "${text}".`,
    markOutsideRoles: (at: number, no: string) => `Baris ${at}${no ? ` (kegiatan ${no})` : ''}: ada tanda di kolom tanpa nama pelaksana; tanda itu tidak dipakai.`,
    outOfOrder: (id: string, last: string) => `Nomor ${id} muncul setelah nomor ${last}; draf mengikuti urutan baris di tabel.`,
    numbersSkipped: (missing: string[]) => `Nomor ${missing.join(', ')} tidak ada di tabel; mungkin ada baris yang hilang.`,
    duplicateNumber: (id: string, renamed: string) => `Nomor ${id} dipakai dua kali; baris kedua diberi nomor ${renamed}.`,
    looseRow: (at: number) => `Baris ${at} tidak berbentuk baris tabel; seluruh teksnya dijadikan kegiatan tanpa mutu baku. Lengkapi kelengkapan, waktu dan output.`,
    noSteps: 'Tabel tidak berisi kegiatan.',
    kegiatanEmpty: (at: number) => `Baris ${at} bernomor tetapi tanpa teks kegiatan; isi "kegiatan" sebelum draf dapat divalidasi.`,
    branchWithoutRows: (label: string) => `Cabang "${label}" tidak diikuti kegiatan apa pun; draf mengakhiri kasus di cabang itu.`,
    markVersusSentence: (mark: string, subject: string, connectors: string[]) =>
      `Tanda lajur ada di kolom ${mark}, tetapi kalimatnya menyebut ${subject} sebagai pelaku${connectors.length ? ` (konektor di atasnya di kolom ${connectors.join(', ')})` : ''}. Draf mengikuti tanda; siapa pelaksananya?`,
    sameRoleAfterRequest: (id: string, prevId: string, role: string) =>
      `Kegiatan ${prevId} meminta atau menugaskan pihak lain, tetapi tanda kegiatan ${id} juga di kolom ${role}. Apakah tanda itu bergeser?`,
    roleGuessed: (_id: string, role: string, reason: string) => `Pelaksana ditebak ${role}. ${reason} Benar?`,
    meetingMaybeJoint: (_id: string) => 'Kegiatan ini rapat: mungkin langkah bersama (kind: joint, roles, quorum). Siapa saja pesertanya?',
    decisionOneLabel: (_id: string, label: string) => `Keputusan hanya memiliki label "${label}"; cabang lainnya ditebak. Periksa branches.`,
    branchEndsAfter: (label: string, id: string, next: string) =>
      `Cabang "${label}" dibuat berakhir setelah kegiatan ${id}, cabang lain lanjut ke ${next}. Benar?`,
    branchEndUnknown: (label: string, id: string, target: string) =>
      `Ke mana cabang "${label}" setelah kegiatan ${id} tidak tertulis; draf ${target === 'ditolak' || target === 'selesai' ? `mengakhiri kasus (${target})` : `melanjutkan ke ${target}`}.`,
    unknownTarget: (_id: string, target: string) => `Teks menyebut kegiatan ${target}, yang tidak ada di tabel.`,
    forwardBehind: (target: string) => `Teks melanjutkan ke kegiatan ${target}, yang barisnya ada di atas baris ini; draf melanjutkan ke baris berikutnya. Periksa alurnya.`,
    unlabelledBranches: (_id: string, targets: string[]) =>
      `Cabang ditulis di teks tanpa label tombol; draf memakai "Ya" dan "Tidak" (ke ${targets.join(' / ')}). Ganti labelnya.`,
    jointWithReturn: (_id: string) => 'Langkah bersama ini menyebut pengembalian; format hanya mengizinkan Kembalikan pada pemeriksaan (review).',
    returnUnclear: (_id: string) => 'Teks menyebut pengembalian, tetapi tujuannya tidak terbaca; isi returnTo dan jadikan kind: review.',
    diamondWithoutLabels: (_id: string, prevId: string) =>
      `Belah ketupat tanpa label cabang: draf menjadikannya pemeriksaan (Setujui → lanjut, Kembalikan → ${prevId}). Benar, atau ada cabang lain?`,
    returnRoleNotFound: (_id: string, role: string) => `Teks mengembalikan "ke ${role}", tetapi tidak ada kegiatan ${role} sebelumnya; isi returnTo.`,
    anchorGuessed: (_id: string, waktu: string, anchor: string) => `Waktu "${waktu}" dihitung dari kegiatan ${anchor} (ditebak). Benar?`,
    waktuUnreadable: (_id: string, waktu: string) => `Waktu "${waktu}" tidak dikenali; draf tanpa standar waktu. Tulis ulang (misalnya "2 hari").`,
    notAFile: (_id: string, name: string) => `Output "${name}" dianggap bukan berkas (document: false). Benar?`,
    sameNomor: (nomor: string, id: string) =>
      `SOP bernomor ${nomor} sudah ada di katalog sebagai "${id}"; draf memakai id dan kodenya (berkas lama tidak ditimpa tanpa --force).`,
    idChosen: (id: string) => `Id SOP dipilih otomatis: "${id}". Ganti dengan --id bila perlu.`,
    codeChosen: (code: string) => `Kode nomor kasus dipilih otomatis: "${code}". Ganti dengan --code bila perlu.`,
    unglued: (_id: string, w: 'kelengkapan' | 'output', text: string, pieces: string[]) =>
      `${what(w)} "${text}" tampak dua butir yang menempel; draf memisahkannya menjadi ${list(pieces)}.`,
    maybeSeveral: (_id: string, w: 'kelengkapan' | 'output', text: string, why: 'comma' | 'words') =>
      `${what(w)} "${text}" ${why === 'comma' ? 'memuat koma' : 'ditulis tanpa pemisah'}; draf menjadikannya satu butir. Pecah bila berisi beberapa dokumen.`,
  },

  /** The command's own lines. */
  cli: {
    description: 'Impor dokumen SOP (DOCX, atau teks/HTML ekspornya) menjadi draf definisi',
    optOut: 'berkas draf (bawaan: katalog/ID.yaml); untuk berkas berisi beberapa SOP: folder',
    optId: 'id SOP di draf',
    optCode: 'kode nomor kasus di draf (2-10 huruf besar/angka)',
    optForce: 'timpa berkas draf yang sudah ada',
    unreadable: (file: string, code: string) => `Berkas ${file} tidak dapat dibaca (${code}).`,
    exists: (file: string) => `Berkas ${file} sudah ada; tidak ditimpa. Pakai --force untuk menimpa, atau --out untuk nama lain.`,
    unwritable: (file: string, code: string) => `Draf tidak dapat ditulis ke ${file} (${code}).`,
    several: (n: number, dir: string) => `Berkas ini berisi ${n} SOP; setiap draf ditulis ke ${dir}/ID.yaml.`,
    written: (file: string, id: string, steps: number, roles: number) => `Draf ditulis: ${file} (SOP "${id}", ${steps} kegiatan, ${roles} pelaksana).`,
    questionsHeader: (n: number) => (n === 0 ? 'Tidak ada pertanyaan.' : `Pertanyaan untuk admin (${n}):`),
    question: (n: number, step: string | undefined, text: string) => `${String(n).padStart(3)}. ${step ? `Kegiatan ${step}: ` : ''}${text}`,
    valid: (file: string) => `Validasi: ${file} valid. Periksa pertanyaan di atas, lalu jalankan "sopbot sop validate ${file}" setelah menyunting.`,
    invalid: (file: string, n: number) => `Validasi: ${file} belum valid (${n} masalah, lihat di atas). Sunting drafnya, lalu "sopbot sop validate ${file}".`,
    someInvalid: (bad: number, total: number) => `${bad} dari ${total} draf belum valid.`,
    outMustBeFolder: (out: string) => `--out ${out} harus folder, karena berkas berisi lebih dari satu SOP.`,
    idWithSeveral: 'Dengan beberapa SOP dalam satu berkas, --id dan --code menjadi awalan: ID, ID_2, ...; KODE, KODE2, ...',
  },
};
