/**
 * The card model: what a step card says, independent of Telegram or Slack. Channel adapters
 * render it; the rules of what it contains (which buttons are allowed now, which kelengkapan
 * are present) come from the core.
 */
import { formatLocal, type WorkCalendar } from '../calendar/calendar.js';
import { roleName, stepDocuments, type SopDefinition } from '../sop/definition.js';
import { allowedCommands, findStep, kelengkapanStatus, stepNumber } from '../workflow/engine.js';
import type { Actor, DocumentState, TaskCommand, TaskState } from '../workflow/model.js';
import { brief } from './id.js';
import { describeWaktu } from './render.js';

export interface CardDocument {
  id: number;
  fileName: string;
  sizeBytes: number;
}

export interface Card {
  taskId: number;
  /** The case's id: what a Posisi press names. */
  caseId: number;
  taskVersion: number;
  caseRef: string;
  caseTitle: string;
  sopName: string;
  sopNomor: string;
  step: { id: string; index: number; total: number; kegiatan: string; visit: number };
  roles: string[];
  /** The SOP text lost this row's swimlane mark; its Pelaksana was read from the kegiatan. */
  roleInferred: boolean;
  kelengkapan: { name: string; present: boolean; documents: CardDocument[] }[];
  outputs: { name: string; document: boolean; uploaded: CardDocument[] }[];
  waktu: string;
  due: string | null;
  /** The actor must pick a due date ("menyesuaikan lamanya kegiatan") and has not yet. */
  dueToBeSet: boolean;
  keterangan: string | null;
  returnReason: string | null;
  confirmations: { role: string; by: string }[];
  /** What may be pressed now; empty once the task is closed. */
  actions: CardAction[];
  /** Set once the task is closed: who did what, and when. */
  outcome: { action: NonNullable<TaskState['action']>; by: string; at: string; branch: string | null; comment: string | null } | null;
}

/** How much of typed text a card shows (the whole text stays in the case's history, /kasus). */
const CARD_TITLE_MAX = 200;
const CARD_REASON_MAX = 1000;

export type CardAction =
  | { type: Exclude<TaskCommand['type'], 'choose'> }
  | { type: 'choose'; branch: string; index: number };

export function buildCard(input: {
  def: SopDefinition;
  caseRow: { id: number; ref: string; title: string; status: string; decisions: Record<string, string> };
  task: TaskState;
  documents: DocumentState[];
  calendar: WorkCalendar;
}): Card {
  const { def, task, documents, calendar } = input;
  const step = findStep(def, task.stepId);
  const { index, total } = stepNumber(def, step.id);
  const doc = (d: DocumentState): CardDocument => ({ id: d.id, fileName: d.fileName, sizeBytes: d.sizeBytes });
  const commands = input.caseRow.status === 'open' ? allowedCommands(step, task) : [];
  const actions: CardAction[] = [];
  for (const c of commands) {
    if (c === 'choose') step.branches!.forEach((b, i) => actions.push({ type: 'choose', branch: b.label, index: i }));
    else actions.push({ type: c });
  }
  return {
    taskId: task.id,
    caseId: input.caseRow.id,
    taskVersion: task.version,
    caseRef: input.caseRow.ref,
    caseTitle: brief(input.caseRow.title, CARD_TITLE_MAX),
    sopName: def.identity.nama,
    sopNomor: def.identity.nomor,
    step: { id: step.id, index, total, kegiatan: step.kegiatan, visit: task.visit },
    roles: task.roles.map((r) => roleName(def, r)),
    roleInferred: step.roleInferred === true,
    kelengkapan: kelengkapanStatus(step, documents, input.caseRow.decisions).map((k) => ({ ...k, documents: k.documents.map(doc) })),
    outputs: stepDocuments(step, input.caseRow.decisions).output.map((o) => ({
      name: o.name,
      document: o.document,
      uploaded: documents.filter((d) => d.taskId === task.id && d.slotKind === 'output' && d.slotName === o.name).map(doc),
    })),
    waktu: describeWaktu(def, step),
    due: task.dueAt ? formatLocal(task.dueAt, calendar) : null,
    dueToBeSet: task.status === 'open' && task.dueAt === null && commands.includes('set-due'),
    keterangan: step.keterangan ?? null,
    returnReason: task.returnReason === null ? null : brief(task.returnReason, CARD_REASON_MAX),
    confirmations: task.confirmations.map((c) => ({ role: roleName(def, c.role), by: c.actor.name })),
    actions,
    outcome:
      task.status === 'open' || !task.action
        ? null
        : {
            action: task.action,
            by: actorName(def, task.doneBy),
            at: task.doneAt ? formatLocal(task.doneAt, calendar) : '-',
            branch: task.branch,
            comment: task.comment === null ? null : brief(task.comment, CARD_REASON_MAX),
          },
  };
}

function actorName(def: SopDefinition, actor: Actor | null): string {
  if (!actor) return '-';
  return actor.role ? `${actor.name} (${roleName(def, actor.role)})` : actor.name;
}
