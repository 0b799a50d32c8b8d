/**
 * What an admin reads about the embedded database's data folder: who holds it, why a second
 * process was refused, and what the CLI does while the service runs.
 */

export interface FolderHolder {
  role: 'service' | 'cli';
  pid: number;
  host: string;
  startedAt: string;
}

/** 07.30 on the holder's start day, as a person reads a time (EYD: a period between hour and minute). */
function since(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return ` sejak ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}.${pad(d.getMinutes())}`;
}

function who(h: FolderHolder): string {
  const name = h.role === 'service' ? 'layanan SOP bot' : 'perintah sopbot lain';
  return `${name} (PID ${h.pid} di ${h.host}${since(h.startedAt)})`;
}

export const EMBEDDED = {
  /** A second service on a folder that a running service holds. */
  serviceRefused: (dir: string, h: FolderHolder) =>
    `Folder data ${dir} sedang dipakai ${who(h)}. Dua proses tidak boleh menulis satu folder data: ` +
    `hentikan layanan itu dulu, atau jalankan layanan ini dengan folder lain (SOPBOT_DATA_DIR). ` +
    `Perintah sopbot tetap bisa dipakai selama layanan berjalan.`,
  /** Anyone refused because another process kept the folder for longer than it waited. */
  busy: (dir: string, h: FolderHolder, seconds: number) =>
    `Folder data ${dir} sedang dipakai ${who(h)} dan belum dilepas setelah ${seconds} detik. ` +
    `Tunggu sampai proses itu selesai, lalu ulangi. Bila proses itu sudah tidak ada, ` +
    `berkas kunci ${dir}/sopbot.lock dianggap usang dengan sendirinya dalam satu menit.`,
  /** The CLI found the service but could not reach it. */
  serviceUnreachable: (dir: string, h: FolderHolder, reason: string) =>
    `Folder data ${dir} dipegang ${who(h)}, tetapi layanan itu tidak menjawab (${reason}). ` +
    `Perintah tidak dijalankan agar data tidak tertimpa. Periksa layanan (log, /readyz) lalu ulangi.`,
  /** The service's side of a served command that failed to run at all. */
  servedFailed: (reason: string) => `Layanan gagal menjalankan perintah: ${reason}`,
  /** Refused at the socket: the request did not carry the folder's key. */
  badToken: 'Permintaan ditolak: kunci folder data tidak cocok.',
  /** The service stopped while a command it served was still running. */
  servedInterrupted: 'Layanan berhenti sebelum perintah selesai; periksa hasilnya dengan perintah daftar yang sesuai.',
  /** A stale lock was taken over; said once in the log. */
  staleLockTaken: (h: FolderHolder) => `kunci folder data usang dari ${who(h)} diambil alih`,
  /** Our lock was taken by someone else while we held it (we were unresponsive for over a minute). */
  lockLost: 'kunci folder data diambil proses lain; layanan berhenti agar data tidak ditulis dua proses',
  /** First start: the database folder is created once, in a helper process. */
  initFailed: (dir: string, reason: string) => `Gagal membuat basis data di ${dir}: ${reason}`,
} as const;
