/**
 * Plain-text views shared by the CLI and the chat commands: the step table of an SOP, a case's
 * timeline, a task line. Pure: they take data and return Indonesian text.
 */
import { formatLocal, type WorkCalendar } from '../calendar/calendar.js';
import { describeDuration, parseWaktu } from '../calendar/waktu.js';
import { returnTargets, roleName, stepRoles, type PathCondition, type SopDefinition, type StepDefinition } from '../sop/definition.js';
import type { Actor, TaskState } from '../workflow/model.js';
import { ACTION_LABEL, brief, CARD, CASE_VIEW, fileSize, KIND_LABEL, NOTICE, OUTCOME_LABEL, TASK_STATUS_LABEL, TIMELINE } from './id.js';

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

/** A document asked only on one path: "Surat tugas (hanya bila kegiatan 3: Diterima)". */
function onPathText(name: string, when: PathCondition | undefined): string {
  return when ? `${name} (hanya bila kegiatan ${when.step}: ${when.branch})` : name;
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
    if (step.roleInferred) lines.push(`   ${CARD.roleInferred}`);
    if (step.kelengkapan.length) lines.push(`   Kelengkapan: ${step.kelengkapan.map((k) => onPathText(k.name, k.when)).join('; ')}`);
    lines.push(`   Waktu: ${describeWaktu(def, step)}`);
    if (step.output.length) {
      lines.push(`   Output: ${step.output.map((o) => onPathText(o.document ? o.name : `${o.name} (bukan dokumen)`, o.when)).join('; ')}`);
    }
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
  const head = `#${task.id} kegiatan ${task.stepId}${task.visit > 1 ? ` (putaran ke-${task.visit})` : ''}: ${step?.kegiatan ?? ''}`;
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
  tasks: (TaskState & { id: number })[];
  documents: { stepId: string; slotKind: string; slotName: string; fileName: string; sizeBytes: number; sha256: string; uploadedAt: Date; uploadedBy: Actor }[];
  events: { type: string; actor: Actor | null; data: Record<string, unknown>; at: Date; taskId?: number | null }[];
}

type TimelineEvent = CaseDetailsView['events'][number];

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** One event of the audit trail as an Indonesian sentence. */
export function describeEvent(e: TimelineEvent, view: Pick<CaseDetailsView, 'definition' | 'tasks'>, calendar: WorkCalendar): string {
  const def = view.definition;
  const who = actorLabel(def, e.actor);
  const task = e.taskId ? view.tasks.find((t) => t.id === e.taskId) : undefined;
  const step = str(e.data.stepId) || task?.stepId || '?';
  const when = (v: unknown) => (typeof v === 'string' && v ? formatLocal(new Date(v), calendar) : null);
  const d = e.data;
  switch (e.type) {
    case 'case.started':
      return TIMELINE.started(who);
    case 'task.opened': {
      const roles = (task?.roles ?? stepRoles(def.steps.find((s) => s.id === step) ?? def.steps[0]!)).map((r) => roleName(def, r)).join(' + ');
      const opened = TIMELINE.opened(step, Number(d.visit ?? task?.visit ?? 1), roles, when(d.dueAt));
      return d.returnReason ? `${opened} ${TIMELINE.openedAfterReturn(str(d.returnReason))}` : opened;
    }
    case 'task.completed':
      return TIMELINE.completed(step, who);
    case 'task.approved':
      return TIMELINE.approved(step, who, str(d.comment) || null);
    case 'task.returned':
      return TIMELINE.returned(str(d.to), who, str(d.reason));
    case 'task.branch_chosen':
      return TIMELINE.chosen(step, str(d.branch), who);
    case 'task.confirmed':
      return TIMELINE.confirmed(step, who, d.quorumMet === false);
    case 'task.due_set':
      return TIMELINE.dueSet(step, when(d.dueAt) ?? '-', who);
    case 'document.attached':
      return TIMELINE.attached(str(d.fileName), fileSize(Number(d.sizeBytes ?? 0)), who, str(d.slotKind), str(d.slotName), step);
    case 'case.closed':
      return TIMELINE.closed(OUTCOME_LABEL[d.outcome as keyof typeof OUTCOME_LABEL] ?? str(d.outcome));
    case 'case.cancelled':
      return TIMELINE.cancelled(who, str(d.reason));
    case 'delivery.dead':
      return TIMELINE.deliveryDead(
        TIMELINE.messageKind[str(d.kind)] ?? str(d.kind),
        d.role ? roleName(def, str(d.role)) : '-',
        TIMELINE.platform[str(d.platform)] ?? str(d.platform),
        `${str(d.chatId)}${d.threadId ? `/${str(d.threadId)}` : ''}`,
        Number(d.attempts ?? 0),
        str(d.lastError),
      );
    default:
      return TIMELINE.unknown(e.type);
  }
}

export function timelineLine(e: TimelineEvent, view: Pick<CaseDetailsView, 'definition' | 'tasks'>, calendar: WorkCalendar): string {
  return `- ${formatLocal(e.at, calendar)} · ${describeEvent(e, view, calendar)}`;
}

function statusText(c: CaseDetailsView['caseRow']): string {
  return c.status === 'open' ? CASE_VIEW.running : CASE_VIEW.closed(OUTCOME_LABEL[c.outcome as keyof typeof OUTCOME_LABEL] ?? str(c.outcome));
}

function caseHeader(view: CaseDetailsView, calendar: WorkCalendar): string[] {
  const { caseRow: c, definition: def } = view;
  return [
    `${c.ref} · ${c.title}`,
    `SOP: ${def.identity.nama} (${def.id} versi ${view.sopVersion})`,
    CASE_VIEW.status(statusText(c)),
    `Dimulai: ${formatLocal(c.startedAt, calendar)} oleh ${actorLabel(def, c.startedBy)}`,
  ];
}

export function renderCase(view: CaseDetailsView, calendar: WorkCalendar): string {
  const { definition: def } = view;
  const lines = [...caseHeader(view, calendar), '', 'Kegiatan:', ...view.tasks.map((t) => renderTaskLine(def, t, calendar))];
  if (view.documents.length) {
    lines.push('', 'Dokumen:');
    for (const d of view.documents) {
      lines.push(
        `- [${d.stepId}] ${d.slotKind} "${d.slotName}": ${d.fileName} (${fileSize(d.sizeBytes)}, sha256 ${d.sha256.slice(0, 12)}…) oleh ${actorLabel(def, d.uploadedBy)}`,
      );
    }
  }
  lines.push('', 'Riwayat:', ...view.events.map((e) => timelineLine(e, view, calendar)));
  return lines.join('\n');
}

/**
 * A case for a chat message of at most `maxChars`: the state and what is open now first, then
 * as many of the newest events as fit (in order), never cut inside a line. `complete` is false
 * when some events were left out: the caller then attaches `renderCase` as a file.
 */
const RETURNS_SHOWN = 5;

export function renderCaseSummary(view: CaseDetailsView, calendar: WorkCalendar, maxChars: number): { text: string; complete: boolean } {
  const full = renderCase(view, calendar);
  if (full.length <= maxChars) return { text: full, complete: true };
  const head = caseHeader(view, calendar).map((l) => brief(l, 400));
  const open = view.tasks.filter((t) => t.status === 'open');
  if (open.length) head.push('', CASE_VIEW.openNow, ...open.map((t) => brief(renderTaskLine(view.definition, t, calendar), 600)));
  // Returns are what a reader of a long case looks for first: the newest few, whatever else fits.
  const returns = view.events.filter((e) => e.type === 'task.returned');
  if (returns.length) {
    const shownReturns = returns.slice(-RETURNS_SHOWN);
    head.push('', CASE_VIEW.returns(shownReturns.length, returns.length), ...shownReturns.map((e) => brief(timelineLine(e, view, calendar), 400)));
  }
  const lines = view.events.map((e) => brief(timelineLine(e, view, calendar), 600));
  const total = lines.length;
  // Room for the head, the two notes and their blank lines.
  let room = maxChars - head.join('\n').length - CASE_VIEW.newest(total, total + 1).length - CASE_VIEW.fullAttached(total).length - 8;
  const shown: string[] = [];
  for (let i = lines.length - 1; i >= 0 && room >= lines[i]!.length + 1; i--) {
    shown.unshift(lines[i]!);
    room -= lines[i]!.length + 1;
  }
  const text = [...head, '', CASE_VIEW.newest(shown.length, total), ...shown, '', CASE_VIEW.fullAttached(total - shown.length)].join('\n');
  return { text, complete: false };
}

/**
 * A list as one message: the head, then as many items (of the first `max`) as fit in `budget`
 * characters, then how many were left out ("…dan 12 lainnya"). `total` counts every item,
 * shown or not; `escapeText` is the channel's, for the one line written here.
 */
export function fitList(head: string, items: readonly string[], total: number, budget: number, escapeText: (s: string) => string): string[] {
  const lines = [head];
  let length = head.length;
  for (const item of items) {
    length += item.length + 2;
    if (length > budget) break;
    lines.push(item);
  }
  const shown = lines.length - 1;
  if (shown < total) lines.push(escapeText(NOTICE.more(total - shown)));
  return lines;
}
