/**
 * A draft imported from a seed document, field by field against the shipped catalog file a
 * human wrote from the same document. A field that differs must be one the draft asked about.
 */
import type { Question } from '../../src/import/infer.js';
import { returnTargets, stepRoles, type SopDefinition, type StepDefinition } from '../../src/sop/definition.js';

export type Field = 'kegiatan' | 'kelengkapan' | 'waktu' | 'output' | 'keterangan' | 'role' | 'kind' | 'transitions';
export const FIELDS: Field[] = ['kegiatan', 'kelengkapan', 'waktu', 'output', 'keterangan', 'role', 'kind', 'transitions'];

/** The question topics that cover a field: a difference there is "asked about" if one of them names the step. */
const COVERS: Record<Field, string[]> = {
  kegiatan: ['kegiatan'],
  kelengkapan: ['kelengkapan'],
  waktu: ['waktu'],
  output: ['output'],
  keterangan: ['keterangan'],
  role: ['role'],
  kind: ['kind'],
  transitions: ['next', 'kind'],
};

export interface FieldResult {
  step: string;
  field: Field;
  same: boolean;
  asked: boolean;
  draft: unknown;
  shipped: unknown;
}

function roleNames(def: SopDefinition, step: StepDefinition): string[] {
  return stepRoles(step).map((id) => def.roles.find((r) => r.id === id)?.name ?? `?${id}`);
}

function transitions(step: StepDefinition) {
  return {
    next: step.next,
    end: step.end,
    branches: step.branches?.map((b) => [b.label, b.next ?? b.end]),
    route: step.route?.map((r) => [r.when ? `${r.when.step}=${r.when.branch}` : '*', r.next ?? r.end]),
    returnTo: returnTargets(step),
    anchor: step.anchor,
  };
}

export function fieldValue(def: SopDefinition, step: StepDefinition, field: Field): unknown {
  switch (field) {
    case 'kegiatan':
      return step.kegiatan;
    case 'kelengkapan':
      return step.kelengkapan.map((k) => k.name);
    case 'waktu':
      return step.waktu;
    case 'output':
      return step.output.map((o) => [o.name, o.document]);
    case 'keterangan':
      return step.keterangan;
    case 'role':
      return roleNames(def, step);
    case 'kind':
      return step.kind;
    case 'transitions':
      return transitions(step);
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every field of every step, paired by position (the drafts keep the table's order). */
export function compareSteps(draft: SopDefinition, shipped: SopDefinition, questions: Question[]): FieldResult[] {
  const out: FieldResult[] = [];
  shipped.steps.forEach((s, i) => {
    const d = draft.steps[i];
    for (const field of FIELDS) {
      const dv = d ? fieldValue(draft, d, field) : undefined;
      const sv = fieldValue(shipped, s, field);
      const step = d?.id ?? s.id;
      const asked = questions.some((q) => q.step === step && COVERS[field].includes(q.topic));
      out.push({ step, field, same: same(dv, sv), asked, draft: dv, shipped: sv });
    }
  });
  return out;
}
