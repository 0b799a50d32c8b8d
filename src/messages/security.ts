/**
 * What a person reads when the service refuses something for its own safety: a berkas whose
 * name or content is not what it claims, one over the size limit, an external Slack berkas,
 * and what `sopbot doctor` says of berkas nobody names. Indonesian, EYD V.
 */

/** A size limit as people write it: "20 MB", "1,5 MB", "500 KB" (a fraction of a megabyte is not read as such). */
function limitText(mb: number): string {
  if (mb >= 1) return `${String(Math.round(mb * 10) / 10).replace('.', ',')} MB`;
  const kb = mb * 1024;
  return kb >= 1 ? `${String(Math.round(kb * 10) / 10).replace('.', ',')} KB` : `${Math.round(kb * 1024)} byte`;
}

/** Why an upload was refused, by code (src/storage/intake.ts). */
export const UPLOAD_REFUSAL = {
  name_invalid: (p: { reason: 'empty' | 'control' | 'too_long' | 'path' }) =>
    ({
      empty: 'Nama berkas kosong. Beri nama berkas lalu kirim lagi.',
      control: 'Nama berkas mengandung karakter tersembunyi atau karakter kendali. Ganti nama berkas lalu kirim lagi.',
      too_long: 'Nama berkas terlalu panjang (lebih dari 200 karakter). Perpendek namanya lalu kirim lagi.',
      path: 'Nama berkas tidak boleh hanya "." atau "..". Ganti nama berkas lalu kirim lagi.',
    })[p.reason],
  type_not_allowed: (p: { allowed: string[] }) => `Jenis berkas ini tidak diterima. Jenis yang diterima: ${p.allowed.join(', ')}.`,
  content_mismatch: (p: { extension: string; detected: string | null }) =>
    `Isi berkas tidak sesuai dengan jenisnya (.${p.extension}): ` +
    (p.detected ? `isinya berkas ${p.detected}.` : 'isinya tidak dikenali.') +
    ' Kirim berkas asli dengan nama yang sesuai isinya.',
  too_large: (p: { limitMb: number; by: 'service' | 'telegram' }) =>
    p.by === 'telegram'
      ? `Berkas terlalu besar: batas unduh bot Telegram adalah ${limitText(p.limitMb)}.`
      : `Berkas terlalu besar: batas unggah layanan ini adalah ${limitText(p.limitMb)} (SOPBOT_MAX_UPLOAD_MB).`,
  empty: (_p: Record<string, never>) => 'Berkas kosong (0 byte) tidak disimpan.',
} as const;

export type UploadRefusalCode = keyof typeof UPLOAD_REFUSAL;
export type UploadRefusalParams<C extends UploadRefusalCode> = Parameters<(typeof UPLOAD_REFUSAL)[C]>[0];

export function uploadRefusal<C extends UploadRefusalCode>(code: C, params: UploadRefusalParams<C>): string {
  return (UPLOAD_REFUSAL[code] as (p: UploadRefusalParams<C>) => string)(params);
}

export const SLACK_PICKER = {
  /** The label of a group of SOPs in the /sop baru picker when there are more than 100. */
  group: (from: number, to: number) => `SOP ${from}–${to}`,
} as const;

export const SECURITY = {
  /** Slack: a berkas whose bytes live outside Slack (Google Drive, Dropbox, a link). */
  slackExternalFile:
    'Berkas ini tersimpan di luar Slack (misalnya Google Drive atau tautan), jadi tidak dapat diunduh bot. Unggah berkas aslinya langsung ke utas kartu ini.',
  /** Slack: files.info gave a download address on a host other than Slack's file host. */
  slackForeignHost: 'Alamat unduhan berkas ini bukan dari Slack, jadi tidak diunduh. Unggah berkas aslinya langsung ke utas kartu ini.',
  /** Telegram /baru when more SOPs can be started than one picker holds. */
  moreSops: (n: number) => `…dan ${n} SOP lain. Ketik /baru <id SOP> untuk memulai salah satunya (daftar id: /sop).`,
  /** sopbot doctor: a stored berkas no document names (left by a failed upload). */
  doctorOrphanFile: (key: string, bytes: number) =>
    `MASALAH berkas: ${key} (${bytes} byte) ada di folder berkas, tetapi tidak tercatat pada dokumen mana pun; periksa lalu hapus bila tidak diperlukan`,
  doctorOrphansOk: 'Folder berkas: tidak ada berkas tanpa catatan dokumen.',
  doctorOrphansFound: (n: number) => `Folder berkas: ${n} berkas tanpa catatan dokumen.`,
} as const;
