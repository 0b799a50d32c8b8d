/**
 * An admin at the terminal: the `sopbot` command lists and checks the catalog, starts cases,
 * acts on tasks as a named role, uploads documents, and reads a case's timeline. Every seed
 * runs start to end through the CLI alone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap.js';
import { runCli } from '../../src/cli/program.js';
import { catalogDir } from '../../src/sop/loader.js';
import { findStep, missingOutputs } from '../../src/workflow/engine.js';
import { createTestCore } from '../support/test-core.js';

let dir: string;
let core: Core;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-cli-'));
});
afterAll(async () => {
  await core?.database.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await core?.database.close();
  core = await createTestCore({ dir, clock: () => new Date('2026-11-23T02:00:00Z') });
});

/** Runs one sopbot command; returns what the admin saw and the exit code. */
async function sopbot(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { core, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function ok(...argv: string[]) {
  const r = await sopbot(...argv);
  expect(r.err, `sopbot ${argv.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.out;
}

describe('the catalog from the terminal', () => {
  it('lists the five seeds and shows a step table with roles, waktu and transitions', async () => {
    const list = await ok('sop', 'list');
    expect(list.split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['jateng', 'kemenkumham', 'pemalang', 'pupr', 'tangerang']);

    const table = await ok('sop', 'show', 'pupr');
    expect(table).toContain('Konversi waktu: 1 jam = 60 menit, 1 hari = 300 menit, 1 minggu = 1500 menit');
    expect(table).toMatch(/3\. \[pemeriksaan\][^\n]*\n[\s\S]*?Alur: → 4; Kembalikan → 2/);
    const pemalang = await ok('sop', 'show', 'pemalang');
    expect(pemalang).toContain('Alur: Ditolak → 4; Diterima → 5');
    expect(pemalang).toContain('Alur: jika 3=Ditolak → akhir (ditolak); selain itu → 9');
    expect(pemalang).toContain('Waktu: Maksimal 7 hari setelah pelaksanaan kegiatan (7 hari kerja setelah kegiatan 9 selesai)');
  });

  it('validates files: a good one passes, a broken one names the file, the place and the problem', async () => {
    const good = await ok('sop', 'validate', join(catalogDir(), 'jateng.yaml'));
    expect(good).toMatch(/^OK .*jateng\.yaml: SOP "jateng", 7 kegiatan$/);

    const broken = join(dir, 'rusak.yaml');
    await writeFile(broken, 'id: rusak\ncode: RSK\n');
    const r = await sopbot('sop', 'validate', broken);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${broken}: identity:`);
    expect(r.err).toContain('1 dari 1 berkas tidak valid.');
  });

  it('refuses an unknown SOP and an unknown role with the choices', async () => {
    const r = await sopbot('case', 'start', 'tidakada', '--title', 'x');
    expect(r).toMatchObject({ code: 1, err: 'SOP "tidakada" tidak ada di katalog. SOP yang tersedia: jateng, kemenkumham, pemalang, pupr, tangerang.' });
    await ok('case', 'start', 'jateng', '--title', 'Perumusan 2026');
    const role = await sopbot('task', 'done', 'JTG-2026-0001', '--as', 'bupati');
    expect(role.code).toBe(1);
    expect(role.err).toMatch(/^Peran "bupati" tidak ada di SOP ini\. Peran yang ada: stakeholder \(/);
  });
});

describe('a Pemalang case from the terminal', () => {
  it('runs Diterima with a return, uploads, a due date and the timeline', async () => {
    const started = await ok('case', 'start', 'pemalang', '--title', 'Permohonan asesor Kab. Batang', '--as', 'kabid');
    expect(started).toContain('Kasus PML-2026-0001 dimulai.');
    expect(started).toContain('Berikutnya: #1 kegiatan 1: Menerima informasi permintaan tenaga Asesor SDM Aparatur dari instansi lain');
    expect(started).toContain('Kabid · terbuka · batas Senin, 23 November 2026 09.10 WIB');

    const refused = await sopbot('task', 'done', 'PML-2026-0001', '--as', 'kabid');
    expect(refused).toMatchObject({ code: 1, err: 'Kegiatan 1 belum dapat diselesaikan karena output berikut belum diunggah: Disposisi.' });

    const pdf = join(dir, 'disposisi.pdf');
    await writeFile(pdf, '%PDF-1.4 disposisi');
    expect(await ok('task', 'attach', 'PML-2026-0001', pdf, '--as', 'Kabid.')).toMatch(/^Dokumen disposisi\.pdf tersimpan sebagai "Disposisi" \(18 byte, sha256 [0-9a-f]{64}\)\.$/);
    const exe = join(dir, 'virus.exe');
    await writeFile(exe, 'MZ');
    expect((await sopbot('task', 'attach', 'PML-2026-0001', exe, '--as', 'kabid')).err).toBe(
      'Jenis berkas virus.exe tidak diterima. Jenis yang diterima: pdf, doc, docx, xls, xlsx, jpg, jpeg, png.',
    );
    // What is wrong with the file is said before anything about slots.
    expect((await sopbot('task', 'attach', 'PML-2026-0001', join(dir, 'tidak-ada.pdf'), '--as', 'kabid')).err).toBe(`Berkas ${join(dir, 'tidak-ada.pdf')} tidak ditemukan.`);
    expect((await sopbot('task', 'attach', 'PML-2026-0001', dir, '--as', 'kabid')).err).toMatch(/adalah folder, bukan berkas\.$|Jenis berkas/);
    const disguised = join(dir, 'laporan.pdf');
    await writeFile(disguised, 'MZ\x90\x00 not a pdf');
    expect((await sopbot('task', 'attach', 'PML-2026-0001', disguised, '--as', 'kabid')).err).toMatch(/^laporan\.pdf: Isi berkas tidak sesuai dengan jenisnya \(\.pdf\)/);

    await ok('task', 'done', 'PML-2026-0001', '--as', 'kabid');
    await ok('task', 'done', 'PML-2026-0001', '--as', 'subkor');
    const wrongBranch = await sopbot('task', 'choose', 'PML-2026-0001', 'Mungkin', '--as', 'subkor');
    expect(wrongBranch.err).toBe('Pilihan "Mungkin" tidak ada. Pilihan yang tersedia: Ditolak, Diterima.');
    await ok('task', 'choose', 'PML-2026-0001', 'Diterima', '--as', 'subkor');
    await ok('task', 'done', 'PML-2026-0001', '--as', 'subkor');
    await uploadAll('PML-2026-0001', 'subkor');
    await ok('task', 'done', 'PML-2026-0001', '--as', 'subkor');
    await uploadAll('PML-2026-0001', 'kabid');
    const back = await ok('task', 'return', 'PML-2026-0001', '--as', 'kabid', '--reason', 'Nomor surat salah');
    expect(back).toContain('Berikutnya: #7 kegiatan 5a (putaran ke-2)');
    await uploadAll('PML-2026-0001', 'subkor');
    await ok('task', 'done', 'PML-2026-0001', '--as', 'subkor');
    for (const role of ['kabid', 'sekretaris', 'kepala_bkd', 'subkor']) {
      await uploadAll('PML-2026-0001', role);
      await ok('task', role === 'kabid' || role === 'sekretaris' ? 'approve' : 'done', 'PML-2026-0001', '--as', role);
    }
    const due = await ok('task', 'due', 'PML-2026-0001', '2026-12-10 14:00', '--as', 'asesor_sdma');
    expect(due).toContain('batas Kamis, 10 Desember 2026 14.00 WIB');
    await ok('task', 'done', 'PML-2026-0001', '--as', 'asesor_sdma');
    const end = await ok('task', 'done', 'PML-2026-0001', '--as', 'asesor_sdma');
    expect(end).toBe('Tercatat. Kasus PML-2026-0001 ditutup: selesai.');

    const show = await ok('case', 'show', 'PML-2026-0001');
    expect(show).toContain('Status: ditutup (selesai)');
    expect(show).toContain('kegiatan 5b: Memeriksa surat penolakan');
    expect(show).toMatch(/dikembalikan oleh .* \(CLI\) \(Kabid\) pada .* · catatan: Nomor surat salah/);
    expect(show).toContain('Dokumen:');
    expect(show).toContain('Riwayat:');
    expect((await ok('case', 'list', '--status', 'closed'))).toContain('PML-2026-0001');
    expect((await ok('case', 'list', '--status', 'selesai'))).toContain('PML-2026-0001');
    expect(await ok('case', 'list', '--status', 'berjalan')).toBe('Belum ada kasus.');
    expect((await sopbot('case', 'list', '--status', 'aktif')).err).toBe('Status "aktif" tidak dikenal; gunakan berjalan atau selesai.');
    expect((await sopbot('holiday', 'add', '2026-02-30', 'Tidak ada')).err).toMatch(/^Tanggal libur "2026-02-30" tidak sah/);
    expect(await ok('task', 'list')).toBe('Tidak ada tugas terbuka.');
    // A title with a line break, a direction override and 5 000 characters keeps to one line of the list.
    await ok('case', 'start', 'tangerang', '--title', `Baris satu\nbaris dua \u202Eterbalik ${'x'.repeat(5000)}`);
    const listed = await ok('case', 'list', '--status', 'berjalan');
    expect(listed.split('\n')).toHaveLength(1);
    expect(listed).toMatch(/^TNG-2026-0001\s+berjalan\s+Baris satu baris dua terbalik x+…$/);
    expect([...listed].length).toBeLessThan(160);
    expect((await ok('task', 'list')).split('\n')[0]).toMatch(/^TNG-2026-0001 · Baris satu baris dua terbalik x+…$/);
  });
});

describe('every seed from start to end through the CLI', () => {
  for (const sopId of ['jateng', 'kemenkumham', 'pemalang', 'pupr', 'tangerang']) {
    it(`${sopId}: every open task is worked by its role until the case closes`, async () => {
      const started = await ok('case', 'start', sopId, '--title', `Uji ${sopId}`);
      const ref = /Kasus (\S+) dimulai\./.exec(started)![1]!;
      for (let i = 0; i < 40; i++) {
        const details = await core.service.caseDetails(ref);
        if (details.caseRow.status === 'closed') {
          expect(details.caseRow.outcome).toBe(sopId === 'pemalang' ? 'ditolak' : 'selesai');
          return;
        }
        const task = details.tasks.find((t) => t.status === 'open')!;
        const step = findStep(details.definition, task.stepId);
        for (const role of task.roles) {
          await uploadAll(ref, role);
          const verb = { task: 'done', review: 'approve', joint: 'confirm', decision: 'choose' }[step.kind];
          const args = step.kind === 'decision' ? ['task', verb, ref, 'Ditolak', '--as', role] : ['task', verb, ref, '--as', role];
          await ok(...args);
          if (step.kind !== 'joint') break;
        }
      }
      throw new Error(`${ref} did not close`);
    });
  }
});

/** Uploads a small PDF into every document output the role's open task still lacks. */
async function uploadAll(ref: string, role: string) {
  const details = await core.service.caseDetails(ref);
  const task = details.tasks.find((t) => t.status === 'open' && t.roles.includes(role));
  if (!task) return;
  for (const name of missingOutputs(findStep(details.definition, task.stepId), task, details.documents, details.caseRow.decisions)) {
    const file = join(dir, `${name.replace(/[^\w]+/g, '-')}.pdf`);
    await writeFile(file, `%PDF ${name}`);
    await ok('task', 'attach', ref, file, '--as', role, '--slot', name);
  }
}

describe('the installed command', () => {
  it('runs as a separate process on its own PGlite data folder', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, SOPBOT_DATA_DIR: join(dir, 'proc-data'), DATABASE_URL: '' };
    const list = await run(process.execPath, ['bin/sopbot.js', 'sop', 'list'], { env });
    expect(list.stdout).toContain('pupr');
    const start = await run(process.execPath, ['bin/sopbot.js', 'case', 'start', 'tangerang', '--title', 'Dari proses'], { env });
    expect(start.stdout).toContain('Kasus TNG-2026-0001 dimulai.');
    const bad = await run(process.execPath, ['bin/sopbot.js', 'case', 'show', 'TNG-2026-0099'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1, stderr: 'Kasus TNG-2026-0099 tidak ditemukan.\n' });
  }, 60_000);
});

describe('when the database cannot be reached', () => {
  it('says so in one Indonesian sentence and exits 1, with no stack trace and no password', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['sop', 'list'], {
      env: { DATABASE_URL: 'postgres://sopbot:Sandi-Rahasia-9@127.0.0.1:1/sopbot' },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^Basis data tidak dapat dihubungi \(.*ECONNREFUSED.*\)\. Periksa DATABASE_URL dan apakah server PostgreSQL berjalan; sopbot doctor memeriksa semuanya\.$/);
    expect(err.join('\n')).not.toMatch(/\n\s+at |Sandi-Rahasia-9/);
    expect(out).toEqual([]);
  });
});

describe('the command line itself', () => {
  it('answers a mistyped command, a missing option and a request for help in Indonesian', async () => {
    const run = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await runCli(argv, { core, out: (t) => lines.push(t), err: (t) => lines.push(t) });
      return { code, text: lines.join('\n') };
    };
    const unknown = await run('sop', 'lsit');
    expect(unknown.code).toBe(1);
    expect(unknown.text).toMatch(/^Perintah lsit tidak dikenal\.\n\(Maksud Anda list\?\)/);
    const missing = await run('case', 'start', 'pupr');
    expect(missing.text).toMatch(/^Opsi --title <judul> wajib diisi\./);
    expect((await run('sop', 'due', 'pupr')).text).toMatch(/^Argumen <kegiatan> belum diisi\./);
    expect((await run('sop', 'list', '--semua')).text).toMatch(/^Opsi --semua tidak dikenal\./);
    expect((await run('holiday', 'add', '2026-12-24', 'Cuti', 'Bersama')).text).toMatch(
      /^Terlalu banyak argumen untuk add: diharapkan 2, diberikan 3\. Apit nilai yang berisi spasi dengan tanda kutip, misalnya "Cuti Bersama"\./,
    );
    const help = await run('case', 'start', '--help');
    expect(help.text).toContain('Penggunaan: sopbot case start [opsi] <sop>');
    expect(help.text).toContain('Opsi:');
    // Nothing of the library's English is left, in any command's help.
    for (const argv of [['--help'], ['sop', '--help'], ['case', 'export', '--help'], ['bind', 'telegram', '--help'], ['report', 'monitoring', '--help']]) {
      expect((await run(...argv)).text, argv.join(' ')).not.toMatch(/Usage:|Options:|Arguments:|Commands:|display help|\(default:|error:/);
    }
  });
});
