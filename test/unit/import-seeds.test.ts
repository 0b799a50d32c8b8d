/**
 * An admin imports each of the five seed documents (the text export they came as) and puts
 * the draft beside the catalog file a person wrote from the same document: every row's text
 * is the same, the flow is the same, and wherever the person chose otherwise the draft asked.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importDocument, type ImportedDraft } from '../../src/import/import.js';
import { loadDefinitionFile, parseDefinition } from '../../src/sop/loader.js';
import type { SopDefinition } from '../../src/sop/definition.js';
import { compareSteps, FIELDS, type FieldResult } from '../support/seed-compare.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/seeds/${name}`, import.meta.url));
const catalogFile = (id: string) => fileURLToPath(new URL(`../../catalog/${id}.yaml`, import.meta.url));

const SEEDS = [
  { id: 'pemalang', code: 'PML' },
  { id: 'tangerang', code: 'TNG' },
  { id: 'kemenkumham', code: 'KUMHAM' },
  { id: 'jateng', code: 'JTG' },
  { id: 'pupr', code: 'PUPR' },
];

async function importSeed(id: string, code: string): Promise<{ draft: ImportedDraft; definition: SopDefinition; shipped: SopDefinition }> {
  const bytes = await readFile(fixture(`${id}.txt`));
  const drafts = importDocument(bytes, { file: `${id}.txt`, id, code });
  expect(drafts).toHaveLength(1);
  const draft = drafts[0]!;
  const parsed = parseDefinition(draft.yaml, `${id}.yaml`);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const shipped = await loadDefinitionFile(catalogFile(id));
  if (!shipped.ok) throw new Error(`catalog ${id} does not load`);
  return { draft, definition: parsed.definition, shipped: shipped.definition };
}

const figures: string[] = [];
afterAll(() => {
  // The figures the import note reports, per seed.
  console.info(`fields matched without a question (of ${FIELDS.join(', ')} per step):\n${figures.join('\n')}`);
});

describe.each(SEEDS)('importing the $id seed', ({ id, code }) => {
  it('gives a draft that validates, with the same identity block, steps and flow as the shipped catalog', async () => {
    const { definition, shipped } = await importSeed(id, code);
    expect(definition.identity).toEqual(shipped.identity);
    expect(definition.steps.map((s) => s.id)).toEqual(shipped.steps.map((s) => s.id));
    expect(definition.konversiWaktu).toEqual(shipped.konversiWaktu);
    expect(definition.roles.map((r) => r.name)).toEqual(shipped.roles.map((r) => r.name));
    const flow = (d: SopDefinition) => d.steps.map((s) => [s.id, s.next, s.end, s.branches, s.route, s.returnTo, s.anchor]);
    expect(flow(definition)).toEqual(flow(shipped));
  });

  it('keeps every row as written, and asks wherever the person who wrote the catalog chose otherwise', async () => {
    const { draft, definition, shipped } = await importSeed(id, code);
    const results: FieldResult[] = compareSteps(definition, shipped, draft.questions);
    const unasked = results.filter((r) => !r.same && !r.asked);
    expect(unasked, JSON.stringify(unasked, null, 1)).toEqual([]);
    // The text fields differ only where the document wrote a list without separators.
    for (const r of results.filter((x) => !x.same && ['kegiatan', 'waktu', 'keterangan'].includes(x.field))) {
      throw new Error(`${id} ${r.step}.${r.field}: ${JSON.stringify(r.draft)} vs ${JSON.stringify(r.shipped)}`);
    }
    const clean = results.filter((r) => r.same && !r.asked).length;
    figures.push(`  ${id.padEnd(12)} ${clean}/${results.length} (${definition.steps.length} steps, ${draft.questions.length} questions)`);
  });

  it('marks every role it read from the text, with the reason as a comment on the role', async () => {
    const { draft, definition } = await importSeed(id, code);
    for (const step of definition.steps) {
      if (!step.roleInferred) continue;
      expect(draft.questions.some((q) => q.step === step.id && q.topic === 'role')).toBe(true);
    }
    const inferred = definition.steps.filter((s) => s.roleInferred).length;
    expect(draft.yaml.match(/# Pelaksana (disimpulkan|tidak terbaca)/g)?.length ?? 0).toBeGreaterThanOrEqual(inferred);
  });
});

describe('what the seeds teach the importer', () => {
  it('reads Pemalang\'s branch rows as one decision whose paths meet again and part after the letter is sent', async () => {
    const { draft, definition } = await importSeed('pemalang', 'PML');
    const step = (sid: string) => definition.steps.find((s) => s.id === sid)!;
    expect(step('3')).toMatchObject({ kind: 'decision', kegiatan: 'Ditolak / Diterima', branches: [{ label: 'Ditolak', next: '4' }, { label: 'Diterima', next: '5' }] });
    expect(step('4').next).toBe('5b');
    expect(step('5b')).toMatchObject({ kind: 'review', role: 'kabid', returnTo: ['4', '5a'] });
    expect(step('8').route).toEqual([{ when: { step: '3', branch: 'Ditolak' }, end: 'ditolak' }, { next: '9' }]);
    expect(step('1')).toMatchObject({ role: 'kabid' });
    expect(step('1').roleInferred).toBeUndefined();
    expect(draft.yaml).toContain('# Pelaksana dari tanda di lajur: kapsul MULAI di kolom Kabid.');
    expect(draft.questions.map((q) => q.text)).toContain('Satu kolom pelaksana bernama berbeda di halaman tabel: "Kelbid.", "Kabid.". Draf memakai "Kabid.".');
  });

  it('reads Jateng\'s symbols as swimlane marks, and asks where the diamond and the sentence disagree', async () => {
    const { draft, definition } = await importSeed('jateng', 'JTG');
    const step = (sid: string) => definition.steps.find((s) => s.id === sid)!;
    expect(step('3')).toMatchObject({ kind: 'joint', roles: ['stake_holder', 'kasi_penilaian_komp', 'asesor'], quorum: 'all' });
    expect(step('6')).toMatchObject({ kind: 'review', returnTo: '5', next: '7' });
    const about6 = draft.questions.filter((q) => q.step === '6').map((q) => q.text);
    expect(about6.some((t) => t.includes('Tanda lajur ada di kolom Kasi Penilaian Komp') && t.includes('Ka. Unit Penilaian Komp ASN sebagai pelaku'))).toBe(true);
    expect(definition.identity.instansi[0]).toBe('PEMERINTAH PROVINSI JAWA TENGAH');
    expect(draft.questions.some((q) => q.text.startsWith('Ejaan instansi berbeda'))).toBe(true);
  });

  it('takes PUPR\'s own time conversion, its returns from the Keterangan, and its shape numbers as marks', async () => {
    const { draft, definition } = await importSeed('pupr', 'PUPR');
    expect(definition.konversiWaktu).toEqual({ jam: 60, hari: 300, minggu: 1500 });
    expect(draft.yaml).toContain('# Konversi waktu dari SOP: 1 Jam = 60 menit, 1 Hari = 300 menit, 1 Minggu = 1500 menit.');
    expect(definition.steps.find((s) => s.id === '8')).toMatchObject({ kind: 'review', returnTo: '1', next: '9' });
    expect(definition.steps.find((s) => s.id === '11')).toMatchObject({ role: 'kepala_balai_pensi' });
    expect(definition.steps.find((s) => s.id === '9')!.output).toEqual([{ name: 'Database e-Kompetensi', document: false }]);
  });
});
