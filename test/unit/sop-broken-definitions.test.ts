/**
 * Broken definitions: one small valid SOP, broken one way per case, each checked against
 * the exact message the catalog editor will read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DefinitionError, loadCatalog, parseDefinition } from '../../src/sop/loader.js';

const VALID = `id: contoh
code: CTH
identity:
  nomor: "001"
  nama: Contoh SOP
  instansi: [BKD Contoh]
  tanggalPembuatan: 2024-01-15
  disahkanOleh: Kepala BKD
roles:
  - id: staf
    name: Staf
    supervisor: kasi
  - id: kasi
    name: Kasi
steps:
  - id: "1"
    kegiatan: Menyusun konsep surat
    kind: task
    role: staf
    waktu: 1 jam
    output: [Konsep surat]
    keterangan: Koordinasi
    next: "2"
  - id: "2"
    kegiatan: Memeriksa konsep, jika kurang sesuai dikembalikan ke staf
    kind: review
    role: kasi
    waktu: 10 menit
    next: "3"
    returnTo: "1"
  - id: "3"
    kegiatan: Diterima / Ditolak
    kind: decision
    role: kasi
    branches:
      - label: Diterima
        next: "4"
      - label: Ditolak
        next: "4"
  - id: "4"
    kegiatan: Mengirim surat
    kind: task
    role: staf
    waktu: 10 menit
    route:
      - when: { step: "3", branch: Ditolak }
        end: ditolak
      - next: "5"
  - id: "5"
    kegiatan: Rapat pelaksanaan
    kind: joint
    roles: [staf, kasi]
    quorum: all
    waktu: Maksimal 3 hari setelah pengiriman
    anchor: "4"
    end: selesai
`;

/** VALID with `from` replaced by `to`; `from` must occur exactly once, so a case breaks what it says. */
function broken(from: string, to: string): string {
  const at = VALID.indexOf(from);
  if (at < 0 || VALID.indexOf(from, at + 1) >= 0) throw new Error(`"${from}" must occur once in VALID`);
  return VALID.slice(0, at) + to + VALID.slice(at + from.length);
}

function messages(yaml: string): string[] {
  const result = parseDefinition(yaml, 'contoh.yaml');
  return result.ok ? [] : result.errors.map((e) => e.message);
}

const EXTRA_STEP = `  - id: "6"
    kegiatan: Mengarsipkan surat
    kind: task
    role: staf
    end: selesai
`;

const cases: { name: string; yaml: string; expected: string[] }[] = [
  {
    name: 'a step names a role that is not a Pelaksana column',
    yaml: broken('kind: task\n    role: staf\n    waktu: 1 jam', 'kind: task\n    role: kasie\n    waktu: 1 jam'),
    expected: ['contoh.yaml: steps[0].role: langkah "1": peran "kasie" tidak ada di daftar pelaksana'],
  },
  {
    name: 'a joint step names an unknown role',
    yaml: broken('roles: [staf, kasi]', 'roles: [staf, kabid]'),
    expected: ['contoh.yaml: steps[4].roles[1]: langkah "5": peran "kabid" tidak ada di daftar pelaksana'],
  },
  {
    name: 'a transition to a step that does not exist',
    yaml: broken('next: "2"', 'next: "9"'),
    expected: ['contoh.yaml: steps[0].next: langkah "1": langkah tujuan "9" tidak ada'],
  },
  {
    name: 'Kembalikan to a step that does not exist',
    yaml: broken('returnTo: "1"', 'returnTo: ["1", "0"]'),
    expected: ['contoh.yaml: steps[1].returnTo[1]: langkah "2": langkah tujuan Kembalikan "0" tidak ada'],
  },
  {
    name: 'a step nothing leads to',
    yaml: VALID + EXTRA_STEP,
    expected: ['contoh.yaml: steps[5]: langkah "6": tidak dapat dicapai dari langkah pertama "1"'],
  },
  {
    name: 'a loop with no way to an end',
    yaml:
      broken('      - label: Diterima\n        next: "4"', '      - label: Diterima\n        next: "6"') +
      `  - id: "6"
    kegiatan: Menunggu jawaban
    kind: task
    role: staf
    next: "7"
  - id: "7"
    kegiatan: Menanyakan jawaban
    kind: task
    role: staf
    next: "6"
`,
    expected: [
      'contoh.yaml: steps[5]: langkah "6": tidak punya jalan menuju akhir ("end"); alurnya berputar tanpa keluar',
      'contoh.yaml: steps[6]: langkah "7": tidak punya jalan menuju akhir ("end"); alurnya berputar tanpa keluar',
    ],
  },
  {
    name: 'a step with no way out at all',
    yaml: broken('    anchor: "4"\n    end: selesai\n', '    anchor: "4"\n'),
    expected: ['contoh.yaml: steps[4]: langkah "5": tidak punya jalan keluar; tulis "next", "end" atau "route"'],
  },
  {
    name: 'a step with two ways out',
    yaml: broken('    keterangan: Koordinasi\n    next: "2"', '    keterangan: Koordinasi\n    next: "2"\n    end: selesai'),
    expected: ['contoh.yaml: steps[0].end: langkah "1": hanya boleh satu jalan keluar, tetapi ada "next" dan "end"'],
  },
  {
    name: 'a waktu the calendar cannot count',
    yaml: broken('waktu: 1 jam', 'waktu: sebentar saja'),
    expected: [
      'contoh.yaml: steps[0].waktu: langkah "1": waktu "sebentar saja" tidak dikenali; tulis misalnya "10 menit", ' +
        '"1 jam", "2 hari", "1 minggu", "1500" (menit), "menyesuaikan lamanya kegiatan" atau "maksimal 7 hari setelah ..."',
    ],
  },
  {
    name: 'two steps with the same id',
    yaml: VALID + EXTRA_STEP.replace('id: "6"', 'id: "2"'),
    expected: ['contoh.yaml: steps[5].id: langkah "2": nomor langkah ganda, sudah dipakai oleh steps[1]'],
  },
  {
    name: 'a decision without branches',
    yaml: broken(
      '    branches:\n      - label: Diterima\n        next: "4"\n      - label: Ditolak\n        next: "4"\n',
      '    next: "4"\n',
    ),
    expected: [
      'contoh.yaml: steps[2].branches: langkah "3": keputusan (decision) wajib punya "branches"',
      'contoh.yaml: steps[2].next: langkah "3": keputusan (decision) keluar lewat "branches"; hapus "next"',
    ],
  },
  {
    name: 'branches on a step that is not a decision',
    yaml: broken(
      '    keterangan: Koordinasi\n    next: "2"',
      '    keterangan: Koordinasi\n    branches:\n      - label: Ya\n        next: "2"\n      - label: Tidak\n        end: dibatalkan',
    ),
    expected: ['contoh.yaml: steps[0].branches: langkah "1": hanya keputusan (decision) yang boleh punya "branches"'],
  },
  {
    name: 'a review with nowhere to send Kembalikan',
    yaml: broken('    next: "3"\n    returnTo: "1"\n', '    next: "3"\n'),
    expected: ['contoh.yaml: steps[1].returnTo: langkah "2": pemeriksaan (review) wajib punya "returnTo" (tujuan Kembalikan)'],
  },
  {
    name: 'returnTo on a task',
    yaml: broken('    keterangan: Koordinasi\n', '    keterangan: Koordinasi\n    returnTo: "2"\n'),
    expected: ['contoh.yaml: steps[0].returnTo: langkah "1": "returnTo" hanya untuk pemeriksaan (review)'],
  },
  {
    name: 'a joint step with a single role',
    yaml: broken('roles: [staf, kasi]', 'roles: [staf]'),
    expected: ['contoh.yaml: steps[4].roles: langkah "5": langkah bersama (joint) butuh paling sedikit dua peran'],
  },
  {
    name: 'a joint step without a quorum',
    yaml: broken('    quorum: all\n', ''),
    expected: ['contoh.yaml: steps[4].quorum: langkah "5": langkah bersama (joint) wajib menyebut "quorum": all atau any'],
  },
  {
    name: 'a task with roles instead of role',
    yaml: broken('kind: task\n    role: staf\n    waktu: 10 menit', 'kind: task\n    roles: [staf, kasi]\n    waktu: 10 menit'),
    expected: [
      'contoh.yaml: steps[3].roles: langkah "4": hanya langkah bersama (joint) yang memakai "roles"; pakai "role"',
      'contoh.yaml: steps[3].role: langkah "4": tugas (task) wajib menyebut pelaksana ("role")',
    ],
  },
  {
    name: 'a route that asks about a step that is not a decision',
    yaml: broken('when: { step: "3", branch: Ditolak }', 'when: { step: "2", branch: Ditolak }'),
    expected: [
      'contoh.yaml: steps[3].route[0].when.step: langkah "4": rute menyebut langkah "2", padahal itu bukan keputusan (decision)',
    ],
  },
  {
    name: 'a route that names a branch the decision does not have',
    yaml: broken('branch: Ditolak }', 'branch: Batal }'),
    expected: [
      'contoh.yaml: steps[3].route[0].when.branch: langkah "4": langkah "3" tidak punya cabang "Batal" (cabangnya: Diterima, Ditolak)',
    ],
  },
  {
    name: 'a route with no unconditional entry',
    yaml: broken('      - next: "5"\n', '      - when: { step: "3", branch: Diterima }\n        next: "5"\n'),
    expected: [
      'contoh.yaml: steps[3].route: langkah "4": rute butuh tepat satu entri tanpa "when" sebagai jalan bawaan, ada 0',
    ],
  },
  {
    name: 'a relative waktu without its anchor',
    yaml: broken('    anchor: "4"\n', ''),
    expected: [
      'contoh.yaml: steps[4].anchor: langkah "5": waktu "Maksimal 3 hari setelah pengiriman" dihitung dari kegiatan lain; ' +
        'tulis "anchor" (nomor langkah acuan)',
    ],
  },
  {
    name: 'an anchor on a fixed waktu',
    yaml: broken('    waktu: 1 jam\n', '    waktu: 1 jam\n    anchor: "2"\n'),
    expected: ['contoh.yaml: steps[0].anchor: langkah "1": "anchor" hanya dipakai bila waktu dihitung "setelah" kegiatan lain'],
  },
  {
    name: 'an anchor on a step that does not exist',
    yaml: broken('anchor: "4"', 'anchor: "8"'),
    expected: ['contoh.yaml: steps[4].anchor: langkah "5": langkah acuan "8" tidak ada'],
  },
  {
    name: 'a YAML syntax error: a key out of line',
    yaml: broken('  nama: Contoh SOP', ' nama: Contoh SOP'),
    expected: ['contoh.yaml: 5:1: sintaks YAML tidak valid: semua isian harus mulai di kolom yang sama'],
  },
  {
    name: 'a YAML syntax error: a value followed by an indented line',
    yaml: broken('  nama: Contoh SOP\n', '  nama: Contoh SOP\n   nomor: "002"\n'),
    expected: [
      'contoh.yaml: 5:9: sintaks YAML tidak valid: objek bersarang tidak boleh di sini ' +
        '(ada ":" kedua di satu baris, atau sebuah nilai diikuti baris yang menjorok)',
    ],
  },
  {
    name: 'a YAML syntax error: an unclosed quote',
    yaml: broken('  nomor: "001"', '  nomor: "001'),
    expected: ['contoh.yaml: 4:14: sintaks YAML tidak valid: tanda kutip penutup hilang'],
  },
  {
    name: 'a key written twice',
    yaml: broken('code: CTH\n', 'code: CTH\ncode: CTH2\n'),
    expected: ['contoh.yaml: 3:1: sintaks YAML tidak valid: kunci ditulis dua kali di objek yang sama'],
  },
  {
    name: 'the identity block without nama',
    yaml: broken('  nama: Contoh SOP\n', ''),
    expected: ['contoh.yaml: identity.nama: wajib diisi'],
  },
  {
    name: 'a case code in lower case',
    yaml: broken('code: CTH', 'code: cth'),
    expected: ['contoh.yaml: code: kode harus 2-10 huruf besar/angka (contoh: "PUPR")'],
  },
  {
    name: 'a date written in words',
    yaml: broken('tanggalPembuatan: 2024-01-15', 'tanggalPembuatan: 15 Januari 2024'),
    expected: ['contoh.yaml: identity.tanggalPembuatan: tanggal harus berformat YYYY-MM-DD'],
  },
  {
    name: 'a time zone that does not exist',
    yaml: broken('roles:\n', 'unit:\n  timezone: Asia/Jakata\nroles:\n'),
    expected: [
      'contoh.yaml: unit.timezone: zona waktu "Asia/Jakata" tidak dikenal; pakai nama IANA seperti "Asia/Jakarta", ' +
        '"Asia/Makassar" atau "Asia/Jayapura"',
    ],
  },
  {
    name: 'a misspelt field',
    yaml: broken('    keterangan: Koordinasi', '    keterangn: Koordinasi'),
    expected: ['contoh.yaml: steps[0].keterangn: langkah "1": kolom tidak dikenal; maksudnya "keterangan"?'],
  },
  {
    name: 'a field the format does not have',
    yaml: broken('code: CTH\n', 'code: CTH\npemilik: Bidang PA\n'),
    expected: ['contoh.yaml: pemilik: kolom tidak dikenal'],
  },
  {
    name: 'a step kind the engine does not know',
    yaml: broken('kind: review', 'kind: periksa'),
    expected: ['contoh.yaml: steps[1].kind: langkah "2": harus salah satu dari: task, review, decision, joint'],
  },
  {
    name: 'the same output twice in one step',
    yaml: broken('output: [Konsep surat]', 'output: [Konsep surat, Konsep surat]'),
    expected: ['contoh.yaml: steps[0].output[1]: langkah "1": output "Konsep surat" ditulis dua kali'],
  },
  {
    name: 'an output object with an unknown field',
    yaml: broken('output: [Konsep surat]', 'output: [{ name: Konsep surat, dokumen: false }]'),
    expected: ['contoh.yaml: steps[0].output[0].dokumen: langkah "1": kolom tidak dikenal; maksudnya "document"?'],
  },
  {
    name: 'a step id that is a list',
    yaml: broken('next: "2"', 'next: ["2"]'),
    expected: ['contoh.yaml: steps[0].next: langkah "1": harus berupa teks atau angka, bukan daftar'],
  },
  {
    name: 'two roles with the same id',
    yaml: broken('  - id: kasi\n    name: Kasi\n', '  - id: kasi\n    name: Kasi\n  - id: staf\n    name: Staf Pelaksana\n'),
    expected: ['contoh.yaml: roles[2].id: peran "staf": id peran ganda, sudah dipakai oleh roles[0]'],
  },
  {
    name: 'a supervisor that is not a role',
    yaml: broken('supervisor: kasi', 'supervisor: kabid'),
    expected: ['contoh.yaml: roles[0].supervisor: peran "staf": atasan "kabid" tidak ada di daftar pelaksana'],
  },
  {
    name: 'supervisors in a circle',
    yaml: broken('    name: Kasi\n', '    name: Kasi\n    supervisor: staf\n'),
    expected: [
      'contoh.yaml: roles[0].supervisor: peran "staf": rantai atasan berputar (staf → kasi → staf)',
      'contoh.yaml: roles[1].supervisor: peran "kasi": rantai atasan berputar (kasi → staf → kasi)',
    ],
  },
  {
    name: 'an empty file',
    yaml: '# belum diisi\n',
    expected: ['contoh.yaml: (dokumen): berkas kosong; tulis definisi SOP (id, code, identity, roles, steps)'],
  },
  // What a chat platform cannot show is refused here, not dropped on a card (issue 12, item 12).
  {
    name: 'an SOP id longer than 150 characters (Slack keeps an option value up to 150)',
    yaml: broken('id: contoh\n', `id: ${'a'.repeat(151)}\n`),
    expected: ['contoh.yaml: id: paling panjang 150 karakter (Slack menyimpan pilihan SOP sampai 150 karakter)'],
  },
  {
    name: 'a decision with 24 branches (a card holds 25 buttons, Kembalikan and the due date included)',
    yaml: broken(
      '      - label: Diterima\n        next: "4"\n      - label: Ditolak\n        next: "4"\n',
      Array.from({ length: 24 }, (_, i) => `      - label: Pilihan ${i + 1}\n        next: "4"\n`).join(''),
    ).replace('branch: Ditolak', 'branch: Pilihan 2'),
    expected: [
      'contoh.yaml: steps[2].branches: langkah "3": 24 cabang keputusan; paling banyak 23, karena satu kartu Slack memuat paling banyak 25 tombol (termasuk Kembalikan dan Tetapkan batas waktu)',
    ],
  },
  {
    name: 'a step asking for 26 documents (the slot question holds 25 buttons)',
    yaml: broken('    output: [Konsep surat]\n', `    kelengkapan: [${Array.from({ length: 20 }, (_, i) => `Lampiran ${i + 1}`).join(', ')}]\n    output: [${Array.from({ length: 6 }, (_, i) => `Konsep ${i + 1}`).join(', ')}]\n`),
    expected: [
      'contoh.yaml: steps[0]: langkah "1": 26 dokumen unggahan (kelengkapan dan output berupa dokumen); paling banyak 25, karena pertanyaan "dokumen ini untuk yang mana?" memuat paling banyak 25 tombol',
    ],
  },
];

describe('broken definitions', () => {
  it('starts from a definition that is valid', () => {
    expect(messages(VALID)).toEqual([]);
  });

  it.each(cases)('$name', ({ yaml, expected }) => {
    expect(messages(yaml)).toEqual(expected);
  });

  it('reports every problem of a file at once, not only the first', () => {
    const yaml = broken('code: CTH', 'code: cth').replace('kind: review', 'kind: periksa');
    expect(messages(yaml)).toEqual([
      'contoh.yaml: code: kode harus 2-10 huruf besar/angka (contoh: "PUPR")',
      'contoh.yaml: steps[1].kind: langkah "2": harus salah satu dari: task, review, decision, joint',
    ]);
  });

  it('gives each problem as a DefinitionError that knows its file, path and line', () => {
    const result = parseDefinition(broken('next: "2"', 'next: "9"'), 'katalog/contoh.yaml');
    if (result.ok) throw new Error('should fail');
    const [error] = result.errors;
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error).toMatchObject({ file: 'katalog/contoh.yaml', path: ['steps', 0, 'next'], line: 23, column: 11 });
    expect(error!.detail).toBe('langkah "1": langkah tujuan "9" tidak ada');
  });
});

describe('loading a catalog folder', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads the good file and reports each bad one by name', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sop-katalog-'));
    await writeFile(join(dir, 'baik.yaml'), VALID);
    await writeFile(join(dir, 'rusak-sintaks.yaml'), broken('  nomor: "001"', '  nomor: "001'));
    const unknownRole = broken('roles: [staf, kasi]', 'roles: [staf, kabid]');
    await writeFile(join(dir, 'rusak-peran.yml'), unknownRole.replace('id: contoh', 'id: contoh-lain').replace('code: CTH', 'code: CTL'));
    await writeFile(join(dir, 'CATATAN.md'), 'bukan definisi');

    const catalog = await loadCatalog(dir);

    expect(catalog.definitions.map((d) => [d.definition.id, d.file])).toEqual([['contoh', join(dir, 'baik.yaml')]]);
    expect(catalog.failures.map((f) => f.file)).toEqual([join(dir, 'rusak-peran.yml'), join(dir, 'rusak-sintaks.yaml')]);
    expect(catalog.failures.map((f) => f.errors.map((e) => e.message))).toEqual([
      [`${join(dir, 'rusak-peran.yml')}: steps[4].roles[1]: langkah "5": peran "kabid" tidak ada di daftar pelaksana`],
      [`${join(dir, 'rusak-sintaks.yaml')}: 4:14: sintaks YAML tidak valid: tanda kutip penutup hilang`],
    ]);
  });

  it('refuses a second file for an SOP id or a case code already loaded', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sop-katalog-'));
    await writeFile(join(dir, 'a.yaml'), VALID);
    await writeFile(join(dir, 'b.yaml'), VALID.replace('nama: Contoh SOP', 'nama: Contoh SOP revisi'));
    await writeFile(join(dir, 'c.yaml'), VALID.replace('id: contoh', 'id: contoh-kedua'));

    const catalog = await loadCatalog(dir);

    expect(catalog.definitions.map((d) => d.file)).toEqual([join(dir, 'a.yaml')]);
    expect(catalog.failures.flatMap((f) => f.errors.map((e) => e.message))).toEqual([
      `${join(dir, 'b.yaml')}: id: SOP "contoh" sudah dimuat dari ${join(dir, 'a.yaml')}`,
      `${join(dir, 'b.yaml')}: code: kode "CTH" sudah dipakai SOP "contoh" (${join(dir, 'a.yaml')})`,
      `${join(dir, 'c.yaml')}: code: kode "CTH" sudah dipakai SOP "contoh" (${join(dir, 'a.yaml')})`,
    ]);
  });

  it('reports a folder that does not exist instead of throwing', async () => {
    const missing = join(tmpdir(), 'sop-katalog-tidak-ada-xyz');
    const catalog = await loadCatalog(missing);
    expect(catalog.definitions).toEqual([]);
    expect(catalog.failures.flatMap((f) => f.errors.map((e) => e.message))).toEqual([
      `${missing}: (folder): folder katalog tidak dapat dibaca (ENOENT)`,
    ]);
  });
});
