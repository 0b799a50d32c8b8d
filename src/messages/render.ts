/**
 * Plain-text views shared by the CLI and the chat commands: the step table of an SOP, a case's
 * timeline, a task line. Pure: they take data and return Indonesian text.
 */
import { formatLocal, type WorkCalendar } from '../calendar/calendar.js';
import { describeDuration, parseWaktu } from '../calendar/waktu.js';
import { returnTargets, stepRoles, type SopDefinition, type StepDefinition } from '../sop/definition.js';
import { roleName } from '../workflow/engine.js';
import type { Actor, TaskState } from '../workflow/model.js';
import { ACTION_LABEL, EVENT_LABEL, KIND_LABEL, OUTCOME_LABEL, TASK_STATUS_LABEL } from './id.js';

export function describeWaktu(def: SopDefinition, step: StepDefinition): string {
  const w = parseWaktu(step.waktu, def.konversiWaktu);
  switch (w.kind) {
    case 'none':
      return '-';
    case 'actor-sets':
      return `${w.text} (batas waktu ditentukan pelaksana)`;
    case 'fixed':
      return `${w.text} (${describeDuration(w.duration)})`;
    case 'after-anchor':
      return `${w.text} (${describeDuration(w.duration)} setelah kegiatan ${step.anchor} selesai)`;
  }
}

export function describeTransitions(step: StepDefinition): string {
  const parts: string[] = [];
  if (step.next) parts.push(`→ ${step.next}`);
  if (step.end) parts.push(`→ akhir (${OUTCOME_LABEL[step.end]})`);
  for (const b of step.branches ?? []) parts.push(`${b.label} → ${b.next ?? `akhir (${OUTCOME_LABEL[b.end!]})`}`);
  for (const r of step.route ?? []) {
    const to = r.next ?? `akhir (${OUTCOME_LABEL[r.end!]})`;
    parts.push(r.when ? `jika ${r.when.step}=${r.when.branch} → ${to}` : `selain itu → ${to}`);
  }
  const back = returnTargets(step);
  if (back.length) parts.push(`Kembalikan → ${back.join(' atau ')}`);
  return parts.join('; ');
}

export function renderStepTable(def: SopDefinition, version?: number): string {
  const lines = [
    `${def.identity.nama}`,
    `Nomor ${def.identity.nomor} · id ${def.id} · kode ${def.code}${version ? ` · versi ${version}` : ''}`,
    `Instansi: ${def.identity.instansi.join(', ')}`,
    `Disahkan oleh: ${def.identity.disahkanOleh}`,
  ];
  if (def.konversiWaktu) {
    const k = def.konversiWaktu;
    lines.push(`Konversi waktu: 1 jam = ${k.jam} menit, 1 hari = ${k.hari} menit, 1 minggu = ${k.minggu} menit`);
  }
  lines.push('');
  for (const step of def.steps) {
    lines.push(`${step.id}. [${KIND_LABEL[step.kind]}] ${step.kegiatan}`);
    lines.push(`   Pelaksana: ${stepRoles(step).map((r) => roleName(def, r)).join(' + ')}${step.quorum === 'any' ? ' (cukup salah satu)' : ''}`);
    if (step.kelengkapan.length) lines.push(`   Kelengkapan: ${step.kelengkapan.join('; ')}`);
    lines.push(`   Waktu: ${describeWaktu(def, step)}`);
    if (step.output.length) lines.push(`   Output: ${step.output.map((o) => (o.document ? o.name : `${o.name} (bukan dokumen)`)).join('; ')}`);
    if (step.keterangan) lines.push(`   Keterangan: ${step.keterangan}`);
    lines.push(`   Alur: ${describeTransitions(step)}`);
  }
  return lines.join('\n');
}

export function actorLabel(def: SopDefinition, actor: Actor | null): string {
  if (!actor) return '-';
  return actor.role ? `${actor.name} (${roleName(def, actor.role)})` : actor.name;
}

export function renderTaskLine(def: SopDefinition, task: TaskState, calendar: WorkCalendar): string {
  const step = def.steps.find((s) => s.id === task.stepId);
  const head = `#${task.id} kegiatan ${task.stepId}${task.visit > 1 ? ` (putaran ${task.visit})` : ''}: ${step?.kegiatan ?? ''}`;
  const who = task.roles.map((r) => roleName(def, r)).join(' + ');
  const due = task.dueAt ? `batas ${formatLocal(task.dueAt, calendar)}` : 'tanpa batas waktu';
  if (task.status === 'open') return `${head}\n   ${who} · ${TASK_STATUS_LABEL.open} · ${due}`;
  const what = task.action ? ACTION_LABEL[task.action] : TASK_STATUS_LABEL[task.status];
  const extra = [task.branch ? `pilihan: ${task.branch}` : '', task.comment ? `catatan: ${task.comment}` : '']
    .filter(Boolean)
    .join(' · ');
  return `${head}\n   ${who} · ${what} oleh ${actorLabel(def, task.doneBy)} pada ${task.doneAt ? formatLocal(task.doneAt, calendar) : '-'}${extra ? ` · ${extra}` : ''}`;
}

export interface CaseDetailsView {
  caseRow: { ref: string; title: string; status: string; outcome: string | null; startedAt: Date; startedBy: Actor; sopId: string };
  definition: SopDefinition;
  sopVersion: number;
  tasks: TaskState[];
  documents: { stepId: string; slotKind: string; slotName: string; fileName: string; sizeBytes: number; sha256: string; uploadedAt: Date; uploadedBy: Actor }[];
  events: { type: string; actor: Actor | null; data: Record<string, unknown>; at: Date }[];
}

export function renderCase(view: CaseDetailsView, calendar: WorkCalendar): string {
  const { caseRow: c, definition: def } = view;
  const status = c.status === 'open' ? 'berjalan' : `ditutup (${OUTCOME_LABEL[c.outcome as keyof typeof OUTCOME_LABEL] ?? c.outcome})`;
  const lines = [
    `${c.ref} · ${c.title}`,
    `SOP: ${def.identity.nama} (${def.id} versi ${view.sopVersion})`,
    `Status: ${status}`,
    `Dimulai: ${formatLocal(c.startedAt, calendar)} oleh ${actorLabel(def, c.startedBy)}`,
    '',
    'Kegiatan:',
    ...view.tasks.map((t) => renderTaskLine(def, t, calendar)),
  ];
  if (view.documents.length) {
    lines.push('', 'Dokumen:');
    for (const d of view.documents) {
      lines.push(
        `- [${d.stepId}] ${d.slotKind} "${d.slotName}": ${d.fileName} (${d.sizeBytes} byte, sha256 ${d.sha256.slice(0, 12)}…) oleh ${actorLabel(def, d.uploadedBy)}`,
      );
    }
  }
  lines.push('', 'Riwayat:');
  for (const e of view.events) {
    const details = Object.entries(e.data)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? formatLocal(new Date(v), calendar) : String(v)}`)
      .join(', ');
    lines.push(`- ${formatLocal(e.at, calendar)} · ${EVENT_LABEL[e.type] ?? e.type} · ${actorLabel(def, e.actor)}${details ? ` · ${details}` : ''}`);
  }
  return lines.join('\n');
}
