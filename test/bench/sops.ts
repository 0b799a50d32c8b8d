/**
 * SOPs made for the benchmarks: a long chain of plain "Selesai" steps, so every press is the
 * same transition (close one task, open the next, two events, two outbox rows, case version
 * bump), and one-step SOPs that give each Telegram group a role of its own.
 */
import { sopDefinitionSchema, type SopDefinition, type SopDefinitionInput } from '../../src/sop/definition.js';
import { contentHash } from '../../src/sop/loader.js';
import { validateDefinition } from '../../src/sop/validate.js';

export const LINEAR_STEPS = 40;
export const LINEAR_ROLES = ['bench_a', 'bench_b'] as const;

function checked(input: SopDefinitionInput): { definition: SopDefinition; contentHash: string } {
  const definition = sopDefinitionSchema.parse(input);
  const problems = validateDefinition(definition);
  if (problems.length) throw new Error(`bench SOP ${definition.id}: ${JSON.stringify(problems)}`);
  return { definition, contentHash: contentHash(definition) };
}

/** Steps 1..40 alternate between two roles, each "1 jam", the last one ends the case. */
export const linearSop = checked({
  id: 'bench-linear',
  code: 'BNL',
  identity: { nomor: 'BENCH/1', nama: 'Uji beban berantai', instansi: ['Bench'], disahkanOleh: 'Bench' },
  roles: LINEAR_ROLES.map((id) => ({ id, name: `Pelaksana ${id.slice(-1).toUpperCase()}` })),
  steps: Array.from({ length: LINEAR_STEPS }, (_, i) => ({
    id: String(i + 1),
    kegiatan: `Kegiatan berantai ${i + 1}`,
    kind: 'task' as const,
    role: LINEAR_ROLES[i % 2]!,
    waktu: '1 jam',
    ...(i + 1 < LINEAR_STEPS ? { next: String(i + 2) } : { end: 'selesai' as const }),
  })),
});

/** One SOP per group role: a case posts its first card to that role's group only. */
export function groupSop(index: number) {
  const role = `grup_${String(index).padStart(3, '0')}`;
  return {
    role,
    ...checked({
      id: `bench-grup-${index}`,
      code: `BG${index}`,
      identity: { nomor: `BENCH/G${index}`, nama: `Uji kirim ${index}`, instansi: ['Bench'], disahkanOleh: 'Bench' },
      roles: [{ id: role, name: `Grup ${index}` }],
      steps: [
        { id: '1', kegiatan: 'Menerima berkas', kind: 'task', role, waktu: '1 jam', next: '2' },
        { id: '2', kegiatan: 'Menutup berkas', kind: 'task', role, end: 'selesai' },
      ],
    }),
  };
}
