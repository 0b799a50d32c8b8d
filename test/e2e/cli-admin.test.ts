/**
 * The admin keeps the installation healthy from the terminal: `sopbot doctor` finds lost and
 * altered documents and a database that is unreachable or not migrated; `sopbot case export`
 * writes the archive of a finished case for the SOP's "Pencatatan dan pendataan" (timeline,
 * raw data, every file, SHA256SUMS); `sopbot bind remove` takes a chat off a role.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { findStep, missingOutputs } from '../../src/workflow/engine.js';
import { createTestCore } from '../support/test-core.js';
import { bindPlace, listBindings } from '../../src/db/queries/bindings.js';

let dir: string;
let core: Core;
let filesDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-admin-'));
});
afterAll(async () => {
  await core?.database.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await core?.database.close();
  // A fresh files folder per test: doctor reads every file the database names.
  filesDir = await mkdtemp(join(dir, 'files-'));
  core = await createTestCore({ dir, filesDir, clock: () => new Date('2026-11-23T02:00:00Z') });
});

async function sopbot(argv: string[], io: { core?: Core | null; env?: NodeJS.ProcessEnv } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    core: io.core === null ? undefined : (io.core ?? core),
    env: io.env,
    cwd: dir,
    clock: () => new Date('2026-12-01T03:00:00Z'),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function ok(...argv: string[]) {
  const r = await sopbot(argv);
  expect(r.err, `sopbot ${argv.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.out;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the admin uploaded, by sha256: each file's content is unique, so its hash names it. */
const uploaded = new Map<string, string>();
let uploads = 0;

/** Uploads a distinct small PDF into every document output the role's open task still lacks. */
async function uploadAll(ref: string, role: string) {
  const details = await core.service.caseDetails(ref);
  const task = details.tasks.find((t) => t.status === 'open' && t.roles.includes(role));
  if (!task) return;
  for (const name of missingOutputs(findStep(details.definition, task.stepId), task, details.documents, details.caseRow.decisions)) {
    const file = join(dir, `${name.replace(/[^\w]+/g, '-')}.pdf`);
    const content = `%PDF-1.4 ${ref} ${name} unggahan ke-${++uploads}\n${'x'.repeat(uploads * 7)}`;
    await writeFile(file, content);
    uploaded.set(sha256(Buffer.from(content)), name);
    await ok('task', 'attach', ref, file, '--as', role, '--slot', name);
  }
}

/**
 * Works every open task of the case through the CLI until it closes: Diterima at decisions,
 * and the first review Kembalikan once, so one step has two visits and two uploads of one slot.
 */
async function runToEnd(ref: string): Promise<string[]> {
  const visited: string[] = [];
  let returned = false;
  for (let i = 0; i < 60; i++) {
    const details = await core.service.caseDetails(ref);
    if (details.caseRow.status === 'closed') return visited;
    const task = details.tasks.find((t) => t.status === 'open')!;
    const step = findStep(details.definition, task.stepId);
    visited.push(task.stepId);
    for (const role of task.roles) {
      await uploadAll(ref, role);
      if (step.kind === 'review' && !returned) {
        returned = true;
        await ok('task', 'return', ref, '--as', role, '--reason', 'Nomor surat salah');
      } else if (step.kind === 'decision') {
        const branch = step.branches!.find((b) => b.label === 'Diterima') ?? step.branches![0]!;
        await ok('task', 'choose', ref, branch.label, '--as', role);
      } else {
        await ok('task', { task: 'done', review: 'approve', joint: 'confirm' }[step.kind], ref, '--as', role);
      }
      if (step.kind !== 'joint') break;
    }
  }
  throw new Error(`${ref} did not close`);
}

async function finishedCase(sopId: string): Promise<{ ref: string; visited: string[] }> {
  const started = await ok('case', 'start', sopId, '--title', `Arsip ${sopId}`);
  const ref = /Kasus (\S+) dimulai\./.exec(started)![1]!;
  const visited = await runToEnd(ref);
  expect((await core.service.caseDetails(ref)).caseRow.status).toBe('closed');
  return { ref, visited };
}

describe('sopbot doctor', () => {
  it('passes a healthy installation: database migrated, catalog loaded, every file intact', async () => {
    const { ref } = await finishedCase('pemalang');
    const documents = (await core.service.caseDetails(ref)).documents.length;
    expect(documents).toBeGreaterThan(3);

    const r = await sopbot(['doctor']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('Basis data: terhubung, migrasi lengkap.');
    expect(r.out).toContain('Katalog: 5 SOP dimuat.');
    expect(r.out).toContain(`Dokumen: ${documents} diperiksa, semuanya utuh.`);
    expect(r.out).toMatch(/Hasil: tidak ada masalah\.$/);
    expect(r.out).not.toContain('MASALAH');
  });

  it('reports a deleted file and an altered one, one line each with case, step, slot and file, and exits 1', async () => {
    const { ref } = await finishedCase('pupr');
    const docs = (await core.service.caseDetails(ref)).documents;
    const [gone, altered, truncated] = [docs[0]!, docs[1]!, docs[2]!];
    await unlink(join(filesDir, gone.storageKey));
    // Same size, different bytes: only the hash can tell.
    const bytes = await readFile(join(filesDir, altered.storageKey));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(join(filesDir, altered.storageKey), bytes);
    await writeFile(join(filesDir, truncated.storageKey), 'pendek');

    const r = await sopbot(['doctor']);
    expect(r.code).toBe(1);
    const problems = r.out.split('\n').filter((l) => l.startsWith('MASALAH'));
    expect(problems).toEqual([
      `MASALAH dokumen: ${ref} kegiatan ${gone.stepId} "${gone.slotName}" ${gone.fileName}: berkas tidak ada di penyimpanan`,
      expect.stringMatching(
        new RegExp(`^MASALAH dokumen: ${ref} kegiatan ${altered.stepId} "${altered.slotName}" ${altered.fileName.replace('.', '\\.')}: isi berubah: sha256 [0-9a-f]{16}…, tercatat ${altered.sha256.slice(0, 16)}…$`),
      ),
      `MASALAH dokumen: ${ref} kegiatan ${truncated.stepId} "${truncated.slotName}" ${truncated.fileName}: ukuran 6 byte, tercatat ${truncated.sizeBytes} byte (isi berubah atau terpotong)`,
    ]);
    expect(r.out).toContain(`Dokumen: ${docs.length} diperiksa, 3 bermasalah.`);
    expect(r.err).toBe('Hasil: 3 masalah ditemukan (lihat di atas).');

    // The archive of that case is refused rather than written with a hole or a wrong file in it.
    const exported = await sopbot(['case', 'export', ref]);
    expect(exported.code).toBe(1);
    expect(exported.err).toContain(`Arsip ${ref} tidak dibuat karena ada dokumen yang tidak utuh:`);
    expect(exported.err).toContain(`kegiatan ${gone.stepId} "${gone.slotName}" ${gone.fileName}: berkas tidak ada di penyimpanan`);
    expect(exported.err).toContain('Periksa semuanya dengan: sopbot doctor');
    await expect(stat(join(dir, `${ref}.zip`))).rejects.toThrow();
  });

  it('on its own data folder: reports migrations not yet applied, then passes once the CLI has opened it', async () => {
    const env = { SOPBOT_DATA_DIR: join(dir, 'fresh-data'), DATABASE_URL: '' };
    const before = await sopbot(['doctor'], { core: null, env });
    expect(before.code).toBe(1);
    expect(before.out).toContain('MASALAH basis data: migrasi belum lengkap');
    expect(before.out).toContain('Katalog: 5 SOP dimuat.');

    expect((await sopbot(['sop', 'list'], { core: null, env })).code).toBe(0);
    const after = await sopbot(['doctor'], { core: null, env });
    expect(after.out).toContain('Basis data: terhubung, migrasi lengkap.');
    expect(after.out).toContain('Dokumen: 0 diperiksa, semuanya utuh.');
    expect(after.code).toBe(0);
  }, 60_000);

  it('reports an unreachable PostgreSQL without showing the password', async () => {
    const env = { DATABASE_URL: 'postgres://sopbot:Sandi-Rahasia-9@127.0.0.1:1/sopbot', SOPBOT_DATA_DIR: dir };
    const r = await sopbot(['doctor'], { core: null, env });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^MASALAH basis data: tidak dapat dihubungi \(.+\)\.$/m);
    expect(`${r.out}\n${r.err}`).not.toContain('Sandi-Rahasia-9');
  }, 60_000);
});

describe('sopbot case export', () => {
  it('writes one zip: the timeline, the raw case, every document with its sha256, and SHA256SUMS', async () => {
    uploaded.clear();
    const { ref, visited } = await finishedCase('pemalang');
    const details = await core.service.caseDetails(ref);

    const r = await sopbot(['case', 'export', ref]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const file = join(dir, `${ref}.zip`);
    expect(r.out).toMatch(new RegExp(`^Arsip kasus ${ref} ditulis ke ${file.replace(/[.]/g, '\\.')} \\(${details.documents.length} dokumen, \\d+ byte\\)\\.$`));

    const zip = unzipSync(new Uint8Array(await readFile(file)));
    const names = Object.keys(zip);
    expect(names.slice(0, 2)).toEqual(['RIWAYAT.txt', 'kasus.json']);
    expect(names.at(-1)).toBe('SHA256SUMS');

    // Every document is there, under dokumen/<step>-<slot>/, byte for byte what was uploaded.
    const documentEntries = names.filter((n) => n.startsWith('dokumen/'));
    expect(documentEntries).toHaveLength(details.documents.length);
    const raw = JSON.parse(strFromU8(zip['kasus.json']!)) as {
      case: { ref: string; status: string };
      tasks: { stepId: string }[];
      events: unknown[];
      documents: { stepId: string; slotName: string; fileName: string; sha256: string; archivePath: string }[];
    };
    expect(raw.case).toMatchObject({ ref, status: 'closed' });
    expect(raw.tasks.map((t) => t.stepId)).toEqual(visited);
    expect(raw.events.length).toBe(details.events.length);
    expect(raw.documents).toHaveLength(details.documents.length);
    for (const doc of raw.documents) {
      expect(doc.archivePath.startsWith(`dokumen/${doc.stepId}-${doc.slotName}/`)).toBe(true);
      const bytes = zip[doc.archivePath]!;
      expect(sha256(bytes)).toBe(doc.sha256);
      expect(uploaded.get(doc.sha256)).toBe(doc.slotName);
    }
    expect(new Set(raw.documents.map((d) => d.archivePath)).size).toBe(raw.documents.length);
    // The slot uploaded again after the Kembalikan keeps both files.
    expect(documentEntries.some((n) => / \(2\)\.pdf$/.test(n))).toBe(true);

    // The timeline is readable on its own: SOP identity, the case, every step visited.
    const timeline = strFromU8(zip['RIWAYAT.txt']!);
    const def = details.definition;
    expect(timeline).toContain(`ARSIP KASUS ${ref}: Arsip pemalang`);
    expect(timeline).toContain(`Nomor SOP: ${def.identity.nomor}`);
    expect(timeline).toContain(`Nama SOP: ${def.identity.nama}`);
    expect(timeline).toContain(`Disahkan oleh: ${def.identity.disahkanOleh}`);
    expect(timeline).toContain('Status: ditutup (selesai)');
    expect(timeline).toContain('catatan: Nomor surat salah');
    for (const stepId of new Set(visited)) expect(timeline).toContain(`kegiatan ${stepId}`);
    for (const path of documentEntries) expect(timeline).toContain(path);

    // SHA256SUMS checks every other file of the archive, in `sha256sum -c` format.
    const sums = strFromU8(zip['SHA256SUMS']!).trimEnd().split('\n');
    expect(sums.map((l) => l.slice(66)).sort()).toEqual(names.filter((n) => n !== 'SHA256SUMS').sort());
    for (const line of sums) {
      const [hash, path] = [line.slice(0, 64), line.slice(66)];
      expect(line.slice(64, 66)).toBe('  ');
      expect(sha256(zip[path]!)).toBe(hash);
    }
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    const { ref } = await finishedCase('tangerang');
    const target = join(dir, 'arsip-tangerang.zip');
    await writeFile(target, 'berkas lama');

    const refused = await sopbot(['case', 'export', ref, '--out', 'arsip-tangerang.zip']);
    expect(refused).toMatchObject({
      code: 1,
      err: `Berkas ${target} sudah ada; pilih nama lain dengan --out, atau timpa dengan --force.`,
    });
    expect(await readFile(target, 'utf8')).toBe('berkas lama');

    await ok('case', 'export', ref, '--out', target, '--force');
    expect(Object.keys(unzipSync(new Uint8Array(await readFile(target))))).toContain('RIWAYAT.txt');
  });

  it('names an unknown case', async () => {
    expect(await sopbot(['case', 'export', 'PML-2026-0999'])).toMatchObject({ code: 1, err: 'Kasus PML-2026-0999 tidak ditemukan.' });
  });
});

describe('sopbot bind remove', () => {
  it('takes a chat or one topic off its role, and says so clearly when there is no such binding', async () => {
    const db = core.database.db;
    await bindPlace(db, { platform: 'telegram', chatId: '-1001234567', threadId: '' }, 'kabid', 'Grup Kabid');
    await bindPlace(db, { platform: 'telegram', chatId: '-1001234567', threadId: '42' }, 'subkor', 'Topik Subkor');
    await bindPlace(db, { platform: 'slack', chatId: 'C0SEKRETARIS', threadId: '' }, 'sekretaris', '#sekretaris');

    const topic = await ok('bind', 'remove', 'telegram', '-1001234567', '--thread', '42');
    expect(topic).toMatch(/^Pendaftaran telegram chat -1001234567 topik 42 sebagai Subkor.* telah dilepas\.$/);
    expect((await listBindings(db)).map((b) => b.role).sort()).toEqual(['kabid', 'sekretaris']);

    await ok('bind', 'remove', 'telegram', '-1001234567');
    await ok('bind', 'remove', 'slack', 'C0SEKRETARIS');
    expect(await listBindings(db)).toEqual([]);
    expect(await ok('bind', 'list')).toBe('Belum ada chat yang terdaftar.');

    expect(await sopbot(['bind', 'remove', 'telegram', '-1001234567'])).toMatchObject({
      code: 1,
      err: 'Tidak ada pendaftaran untuk telegram chat -1001234567. Lihat daftar dengan: sopbot bind list',
    });
    expect(await sopbot(['bind', 'remove', 'whatsapp', '123'])).toMatchObject({
      code: 1,
      err: 'Platform "whatsapp" tidak dikenal; gunakan telegram atau slack.',
    });
  });

  it('accepts a topic written as bind list prints it (chat/topik)', async () => {
    await bindPlace(core.database.db, { platform: 'telegram', chatId: '-100777', threadId: '9' }, 'kabid', null);
    const listed = await ok('bind', 'list');
    expect(listed).toContain('-100777/9');
    expect(await ok('bind', 'remove', 'telegram', '-100777/9')).toMatch(/^Pendaftaran telegram chat -100777 topik 9 sebagai .* telah dilepas\.$/);
    expect(await listBindings(core.database.db)).toEqual([]);
  });
});

describe('sopbot sop due: the calendar, checked by hand', () => {
  it('prints the deadline of a step opened at a given moment, then the Indonesian reading', async () => {
    // PUPR row 2 "1500" = one working week (1 Hari = 300 menit).
    expect(await ok('sop', 'due', 'pupr', '2', '--from', '2026-11-23 14:00')).toBe(
      '2026-11-30 14:00 (Senin, 30 November 2026 14.00 WIB)\nWaktu 1500 (5 hari kerja), dihitung sejak Senin, 23 November 2026 14.00 WIB.',
    );
    // Pemalang row 2 "1 Jam" opened at 11.30: the break does not count.
    expect((await ok('sop', 'due', 'pemalang', '2', '--from', '2026-11-23 11:30')).split('\n')[0]).toBe(
      '2026-11-23 13:30 (Senin, 23 November 2026 13.30 WIB)',
    );
    // Row 10 counts from row 9's completion.
    expect(await ok('sop', 'due', 'pemalang', '10', '--from', '2026-12-17 10:00')).toBe(
      '2026-12-30 10:00 (Rabu, 30 Desember 2026 10.00 WIB)\n' +
        'Waktu Maksimal 7 hari setelah pelaksanaan kegiatan (7 hari kerja setelah kegiatan 9 selesai), dihitung sejak kegiatan 9 selesai pada Kamis, 17 Desember 2026 10.00 WIB.',
    );
    expect(await ok('sop', 'due', 'pemalang', '9')).toBe(
      'Kegiatan 9 berwaktu "menyesuaikan lamanya kegiatan": batas waktunya ditentukan pelaksana saat kegiatan dibuka.',
    );
    expect(await ok('sop', 'due', 'pemalang', '3')).toBe('Kegiatan 3 tidak memiliki standar waktu; tidak ada batas waktu.');
  });

  it('follows the holidays and the office hours an admin adds, without a restart', async () => {
    expect((await ok('sop', 'due', 'tangerang', '4', '--from', '2026-11-23 10:00')).split('\n')[0]).toBe('2026-11-24 10:00 (Selasa, 24 November 2026 10.00 WIB)');
    await ok('holiday', 'add', '2026-11-24', 'Hari jadi kota');
    expect((await ok('sop', 'due', 'tangerang', '4', '--from', '2026-11-23 10:00')).split('\n')[0]).toBe('2026-11-25 10:00 (Rabu, 25 November 2026 10.00 WIB)');

    expect(await ok('hours', 'list')).toBe('Belum ada jam kerja khusus; berlaku jam kerja yang dikonfigurasi.');
    expect(await ok('hours', 'add', '2027-02-08', '2027-03-09', '--hours', '08:00-12:00, 12:30-15:00', '--friday', '08:00-11:30,13:00-15:30', '--name', 'Ramadan 1448 H')).toBe(
      'Jam kerja #1 "Ramadan 1448 H" ditetapkan untuk 2027-02-08 s.d. 2027-03-09: Senin–Kamis 08.00–12.00, 12.30–15.00; Jumat 08.00–11.30, 13.00–15.30.',
    );
    expect(await ok('hours', 'list')).toBe('#1  2027-02-08 s.d. 2027-03-09  Senin–Kamis 08.00–12.00, 12.30–15.00; Jumat 08.00–11.30, 13.00–15.30  (Ramadan 1448 H)');
    // "1 Jam" on Wednesday 10 February 2027 at 14.30: 30 minutes to 15.00, 30 from 08.00 on Thursday.
    expect((await ok('sop', 'due', 'pemalang', '2', '--from', '2027-02-10 14:30')).split('\n')[0]).toBe('2027-02-11 08:30 (Kamis, 11 Februari 2027 08.30 WIB)');
    expect(await ok('hours', 'remove', '1')).toBe('Jam kerja #1 dihapus.');
    expect((await ok('sop', 'due', 'pemalang', '2', '--from', '2027-02-10 14:30')).split('\n')[0]).toBe('2027-02-10 15:30 (Rabu, 10 Februari 2027 15.30 WIB)');
  });

  it('says clearly what is wrong with an unknown step, bad hours or a missing span', async () => {
    expect(await sopbot(['sop', 'due', 'pemalang', '11'])).toMatchObject({
      code: 1,
      err: 'Kegiatan "11" tidak ada di SOP ini. Kegiatan yang ada: 1, 2, 3, 4, 5, 5a, 5b, 6, 7, 8, 9, 10.',
    });
    expect(await sopbot(['hours', 'add', '2027-02-08', '2027-03-09', '--hours', '15:00-08:00', '--name', 'Ramadan'])).toMatchObject({
      code: 1,
      err: 'Jam kerja periode "15.00–08.00" tidak sah: jam selesai harus sesudah jam mulai',
    });
    expect(await sopbot(['hours', 'add', '2027-03-09', '2027-02-08', '--hours', '08:00-15:00', '--name', 'Ramadan'])).toMatchObject({
      code: 1,
      err: 'Periode jam kerja 2027-03-09 s.d. 2027-02-08 tidak sah: tanggal akhir sebelum tanggal awal',
    });
    expect(await sopbot(['hours', 'remove', '7'])).toMatchObject({ code: 1, err: 'Jam kerja 7 tidak ada. Lihat daftar dengan: sopbot hours list' });
    expect(await ok('hours', 'list')).toBe('Belum ada jam kerja khusus; berlaku jam kerja yang dikonfigurasi.');
  });

  it('sop list shows each SOP\'s Nomor beside its name', async () => {
    const list = await ok('sop', 'list');
    expect(list).toContain('KERJASAMA KEGIATAN PENILAIAN KOMPETENSI · Nomor BKDPML/PA/59/2022');
    expect(list).toContain('Nomor PUPR-05.02.CFM.04.SOP.IK.004');
  });
});

describe('an admin who mistypes', () => {
  it('is told when a holiday of that date was already there, and its name changes rather than vanishes', async () => {
    expect(await ok('holiday', 'add', '2026-12-04', 'Hari jadi kabupaten')).toBe('Hari libur 2026-12-04 (Hari jadi kabupaten) ditambahkan.');
    expect(await ok('holiday', 'add', '2026-12-04', 'Hari jadi kabupaten')).toBe('Hari libur 2026-12-04 (Hari jadi kabupaten) ditambahkan.');
    expect(await ok('holiday', 'add', '2026-12-04', 'Cuti bersama daerah')).toBe(
      'Hari libur 2026-12-04 sudah tercatat sebagai "Hari jadi kabupaten"; namanya diganti menjadi "Cuti bersama daerah".',
    );
    expect(await ok('holiday', 'list')).toBe('2026-12-04  Cuti bersama daerah');
  });

  it('cannot allow a user by a name or a mention instead of the platform id', async () => {
    for (const [platform, id, says] of [
      ['telegram', '@budi', 'bukan ID pengguna Telegram: ID berupa angka'],
      ['telegram', 'abc', 'bukan ID pengguna Telegram'],
      ['slack', '<@U123ABC>', 'bukan ID pengguna Slack: ID diawali U atau W'],
      ['slack', 'budi.santoso', 'bukan ID pengguna Slack'],
    ] as const) {
      const r = await sopbot(['allow', 'add', platform, id, '--role', 'kabid']);
      expect(r.code, `${platform} ${id}`).toBe(1);
      expect(r.err).toContain(`"${id}" ${says}`);
    }
    expect(await ok('allow', 'list')).not.toContain('budi');
    expect(await ok('allow', 'add', 'telegram', '123456789', '--role', 'kabid')).toContain('Pengguna 123456789 boleh bertindak sebagai');
    expect(await ok('allow', 'add', 'slack', 'U012AB3CD', '--role', 'kabid')).toContain('Pengguna U012AB3CD boleh bertindak sebagai');
  });

  it('reads when a pairing code expires as a clock on the wall says it', async () => {
    expect(await ok('bind', 'telegram', '--role', 'kabid')).toMatch(/\nBerlaku sekali, sampai Rabu, 2 Desember 2026 10\.00 WIB\.$/);
  });

  it('reads a date alone in sop due --from as the start of that day, and says when the counting starts', async () => {
    expect(await ok('sop', 'due', 'pupr', '2', '--from', '2026-11-23')).toBe(
      '2026-11-30 07:30 (Senin, 30 November 2026 07.30 WIB)\nWaktu 1500 (5 hari kerja), dihitung sejak Senin, 23 November 2026 07.30 WIB: jam kerja pertama setelah Senin, 23 November 2026 00.00 WIB.',
    );
    expect((await ok('sop', 'due', 'pupr', '2', '--from', '2026-11-21 23:33')).split('\n')[1]).toBe(
      'Waktu 1500 (5 hari kerja), dihitung sejak Senin, 23 November 2026 07.30 WIB: jam kerja pertama setelah Sabtu, 21 November 2026 23.33 WIB.',
    );
  });

  it('cannot give one day two sets of special hours, and sees those set in the environment', async () => {
    await ok('hours', 'add', '2027-02-08', '2027-03-09', '--hours', '08:00-12:00, 12:30-15:00', '--name', 'Ramadan 1448 H');
    const clash = await sopbot(['hours', 'add', '2027-02-01', '2027-02-10', '--hours', '08:00-15:00', '--name', 'Lain']);
    expect(clash.code).toBe(1);
    expect(clash.err).toBe(
      'Rentang 2027-02-01 s.d. 2027-02-10 bertumpang tindih dengan jam kerja #1 "Ramadan 1448 H" (2027-02-08 s.d. 2027-03-09). Satu hari hanya boleh punya satu jam kerja khusus: ubah tanggalnya, atau hapus dulu yang lama (sopbot hours remove NOMOR).',
    );
    const env = { SOPBOT_RAMADAN_HOURS: '2028-01-28..2028-02-26 08:00-12:00, 12:30-15:00' };
    const list = await sopbot(['hours', 'list'], { core: null, env: { ...env, SOPBOT_DATA_DIR: join(dir, 'data-env') } });
    expect(list.out).toBe('—   2028-01-28 s.d. 2028-02-26  Senin–Kamis 08.00–12.00, 12.30–15.00; Jumat 08.00–12.00, 12.30–15.00  (dari SOPBOT_RAMADAN_HOURS)');
  });

  it('hears of a role that does not exist instead of "no open tasks"', async () => {
    const r = await sopbot(['task', 'list', '--role', 'kepala_dinas']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Peran "kepala_dinas" tidak ada di SOP mana pun di katalog\. Peran yang ada: /);
    expect(r.out).toBe('');
  });

  it('gets the archive in a folder that did not exist yet', async () => {
    const started = await ok('case', 'start', 'tangerang', '--title', 'Arsip ke folder baru');
    const ref = /Kasus (\S+) dimulai/.exec(started)![1]!;
    const out = await ok('case', 'export', ref, '--out', 'arsip baru/2026/ü.zip');
    expect(out).toContain(`ditulis ke ${join(dir, 'arsip baru/2026/ü.zip')}`);
    expect((await stat(join(dir, 'arsip baru/2026/ü.zip'))).size).toBeGreaterThan(0);
  });
});
