/**
 * The workflow core: given a definition, a case's state and an action, decide what changes.
 * Pure: no database, no chat, no clock (the caller passes `now`). Every transition rule of the
 * product lives in this file.
 */
import { dueAt, type WorkCalendar } from '../calendar/calendar.js';
import { parseWaktu } from '../calendar/waktu.js';
import {
  returnTargets,
  roleName,
  roleNames,
  stepDocuments,
  stepRoles,
  type Outcome,
  type SopDefinition,
  type StepDefinition,
} from '../sop/definition.js';
import { refuse } from './errors.js';
import type {
  Actor,
  CaseEvent,
  CaseState,
  DocumentState,
  FileMeta,
  OpenTask,
  OutgoingMessage,
  TaskCommand,
  TaskState,
  Transition,
} from './model.js';

export interface CaseContext {
  def: SopDefinition;
  caseState: CaseState;
  /** Every task of the case, oldest first. */
  tasks: TaskState[];
  documents: DocumentState[];
  calendar: WorkCalendar;
}

/** Where a step leads once it is done. */
type Target = { next: string } | { end: Outcome };

export function findStep(def: SopDefinition, stepId: string): StepDefinition {
  const step = def.steps.find((s) => s.id === stepId);
  if (!step) throw new Error(`step ${stepId} missing from ${def.id}`);
  return step;
}

export function stepNumber(def: SopDefinition, stepId: string): { index: number; total: number } {
  return { index: def.steps.findIndex((s) => s.id === stepId) + 1, total: def.steps.length };
}

/** Outputs of this case's path that must be uploaded (document outputs) and are not yet, for this visit. */
export function missingOutputs(step: StepDefinition, task: TaskState, documents: DocumentState[], decisions: Record<string, string>): string[] {
  return stepDocuments(step, decisions)
    .output.filter((o) => o.document)
    .map((o) => o.name)
    .filter((name) => !documents.some((d) => d.taskId === task.id && d.slotKind === 'output' && d.slotName === name));
}

/** Kelengkapan of this case's path is present when a document of that name exists anywhere in the case (carried from earlier steps). */
export function kelengkapanStatus(step: StepDefinition, documents: DocumentState[], decisions: Record<string, string>) {
  return stepDocuments(step, decisions).kelengkapan.map(({ name }) => {
    const docs = documents.filter((d) => d.slotName.toLowerCase() === name.toLowerCase());
    return { name, present: docs.length > 0, documents: docs };
  });
}

/** The commands a task accepts now, in button order. */
export function allowedCommands(step: StepDefinition, task: TaskState): TaskCommand['type'][] {
  if (task.status !== 'open') return [];
  const adjustable = parseWaktu(step.waktu).kind === 'actor-sets';
  const base: TaskCommand['type'][] =
    step.kind === 'task'
      ? ['complete']
      : step.kind === 'review'
        ? ['approve', 'return']
        : step.kind === 'decision'
          ? ['choose']
          : ['confirm'];
  return adjustable ? [...base, 'set-due'] : base;
}

export function startCase(def: SopDefinition, calendar: WorkCalendar, actor: Actor, now: Date): Transition {
  const first = def.steps[0]!;
  if (actor.role !== undefined && !stepRoles(first).includes(actor.role)) {
    refuse('wrong_role', { stepId: first.id, needed: roleNames(def, stepRoles(first)), actorRole: roleName(def, actor.role) });
  }
  const opened = openStep(def, first, [], calendar, now, null);
  return {
    caseChange: {},
    taskChanges: [],
    opened: [opened],
    events: [
      { type: 'case.started', data: { sopId: def.id } },
      { type: 'task.opened', taskRef: { opened: 0 }, data: { stepId: first.id, visit: 1, dueAt: iso(opened.dueAt) } },
    ],
    messages: stepRoles(first).map((role) => ({ kind: 'card', role, task: { opened: 0 } })),
  };
}

/**
 * Whether `actor` may give a command of this type to the task as they saw it (its version): the
 * task is open and unchanged, theirs to act on, and the step takes such a command. Refuses with
 * the reason otherwise. Asking before a form or a question saves a person typing for nothing.
 */
export function checkCommand(
  ctx: CaseContext,
  taskId: number,
  expectedVersion: number | undefined,
  type: TaskCommand['type'],
  actor: Actor,
): { task: TaskState; step: StepDefinition } {
  const { def } = ctx;
  const task = openTaskFor(ctx, taskId, expectedVersion);
  const step = findStep(def, task.stepId);
  requireRole(def, task, step, actor);
  const allowed = allowedCommands(step, task);
  if (!allowed.includes(type)) refuse('wrong_action', { stepId: step.id, kind: step.kind, allowed });
  return { task, step };
}

export function applyCommand(
  ctx: CaseContext,
  taskId: number,
  expectedVersion: number | undefined,
  command: TaskCommand,
  actor: Actor,
  now: Date,
): Transition {
  const { def } = ctx;
  const { task, step } = checkCommand(ctx, taskId, expectedVersion, command.type, actor);

  switch (command.type) {
    case 'set-due': {
      if (command.dueAt.getTime() <= now.getTime()) refuse('due_in_past', {});
      return {
        caseChange: {},
        taskChanges: [{ id: task.id, expectedVersion: task.version, set: { dueAt: command.dueAt } }],
        opened: [],
        events: [{ type: 'task.due_set', taskRef: { existing: task.id }, data: { dueAt: command.dueAt.toISOString() } }],
        messages: [{ kind: 'card-update', task: { existing: task.id } }],
      };
    }
    case 'return': {
      const reason = command.reason.trim();
      if (!reason) refuse('reason_required', {});
      const targetId = returnTarget(step, ctx.tasks);
      return finish(ctx, task, step, actor, now, { next: targetId }, {
        action: 'returned',
        comment: reason,
        event: { type: 'task.returned', data: { reason, to: targetId } },
        returnReason: reason,
      });
    }
    case 'choose': {
      const branch = step.branches!.find((b) => b.label.toLowerCase() === command.branch.trim().toLowerCase());
      if (!branch) refuse('unknown_branch', { branch: command.branch, options: step.branches!.map((b) => b.label) });
      requireOutputs(ctx, step, task);
      const target: Target = branch.end ? { end: branch.end } : { next: branch.next! };
      return finish(ctx, task, step, actor, now, target, {
        action: 'chosen',
        branch: branch.label,
        event: { type: 'task.branch_chosen', data: { branch: branch.label } },
        decisions: { ...ctx.caseState.decisions, [step.id]: branch.label },
      });
    }
    case 'confirm': {
      const role = actor.role!;
      if (task.confirmations.some((c) => c.role === role)) refuse('already_confirmed', { role: roleName(def, role) });
      const confirmations = [...task.confirmations, { role, actor, at: now.toISOString() }];
      const quorumMet =
        (step.quorum ?? 'all') === 'any' || task.roles.every((r) => confirmations.some((c) => c.role === r));
      if (!quorumMet) {
        return {
          caseChange: {},
          taskChanges: [{ id: task.id, expectedVersion: task.version, set: { confirmations } }],
          opened: [],
          events: [{ type: 'task.confirmed', taskRef: { existing: task.id }, data: { role, quorumMet: false } }],
          messages: [{ kind: 'card-update', task: { existing: task.id } }],
        };
      }
      requireOutputs(ctx, step, task);
      return finish(ctx, task, step, actor, now, forwardTarget(step, ctx.caseState.decisions), {
        action: 'confirmed',
        confirmations,
        event: { type: 'task.confirmed', data: { role, quorumMet: true } },
      });
    }
    case 'complete':
    case 'approve': {
      requireOutputs(ctx, step, task);
      const comment = command.type === 'approve' ? command.comment?.trim() || null : null;
      return finish(ctx, task, step, actor, now, forwardTarget(step, ctx.caseState.decisions), {
        action: command.type === 'complete' ? 'done' : 'approved',
        comment,
        event: { type: command.type === 'complete' ? 'task.completed' : 'task.approved', data: comment ? { comment } : {} },
      });
    }
  }
}

export type UploadSlot = { kind: 'kelengkapan' | 'output'; name: string };

/**
 * Checks an upload against the step's slots on this case's path; the service stores the row.
 * Returns the slot as the SOP names it (the person may have typed another case).
 */
export function attachDocument(
  ctx: CaseContext,
  taskId: number,
  slot: UploadSlot,
  file: FileMeta,
  actor: Actor,
): { transition: Transition; slot: UploadSlot; stepId: string } {
  const task = openTaskFor(ctx, taskId, undefined);
  const step = findStep(ctx.def, task.stepId);
  requireRole(ctx.def, task, step, actor);
  const options = uploadSlots(step, ctx.caseState.decisions);
  const match = options.find((o) => o.kind === slot.kind && o.name.toLowerCase() === slot.name.trim().toLowerCase());
  if (!match) {
    refuse('unknown_slot', { stepId: step.id, slot: slot.name, options: options.map((o) => o.name) });
  }
  return { slot: match, stepId: step.id, transition: attachedTransition(task, match, file) };
}

function attachedTransition(task: TaskState, match: UploadSlot, file: FileMeta): Transition {
  return {
    caseChange: {},
    taskChanges: [],
    opened: [],
    events: [
      {
        type: 'document.attached',
        taskRef: { existing: task.id },
        data: { slotKind: match.kind, slotName: match.name, fileName: file.fileName, sizeBytes: file.sizeBytes, sha256: file.sha256 },
      },
    ],
    messages: [{ kind: 'card-update', task: { existing: task.id } }],
  };
}

/** The slots a person can upload into at this step on this case's path: its document outputs, then its kelengkapan. */
export function uploadSlots(step: StepDefinition, decisions: Record<string, string>): UploadSlot[] {
  const { kelengkapan, output } = stepDocuments(step, decisions);
  return [
    ...output.filter((o) => o.document).map((o) => ({ kind: 'output' as const, name: o.name })),
    ...kelengkapan.map(({ name }) => ({ kind: 'kelengkapan' as const, name })),
  ];
}

export function cancelCase(ctx: CaseContext, reason: string, actor: Actor, now: Date): Transition {
  const { caseState, def } = ctx;
  if (caseState.status !== 'open') refuse('case_closed', { ref: caseState.ref, outcome: caseState.outcome ?? '' });
  if (!reason.trim()) refuse('cancel_reason_required', {});
  const open = ctx.tasks.filter((t) => t.status === 'open');
  return {
    caseChange: { status: 'closed', outcome: 'dibatalkan', closedAt: now },
    taskChanges: open.map((t) => ({
      id: t.id,
      expectedVersion: t.version,
      set: { status: 'cancelled', action: 'cancelled', doneAt: now, doneBy: actor, comment: reason.trim(), wentTo: 'end:dibatalkan' },
    })),
    opened: [],
    events: [{ type: 'case.cancelled', data: { reason: reason.trim() } }],
    messages: [
      ...open.map((t): OutgoingMessage => ({ kind: 'card-update', task: { existing: t.id } })),
      ...stepRoles(def.steps[0]!).map((role): OutgoingMessage => ({ kind: 'case-closed', role, outcome: 'dibatalkan' })),
    ],
  };
}

function openTaskFor(ctx: CaseContext, taskId: number, expectedVersion: number | undefined): TaskState {
  const { caseState } = ctx;
  const task = ctx.tasks.find((t) => t.id === taskId);
  if (!task) refuse('task_not_found', { taskId });
  if (caseState.status !== 'open') refuse('case_closed', { ref: caseState.ref, outcome: caseState.outcome ?? '' });
  if (task.status !== 'open') refuse('task_not_open', { taskId, stepId: task.stepId, by: task.doneBy?.name ?? null });
  if (expectedVersion !== undefined && expectedVersion !== task.version) refuse('stale_version', { taskId });
  return task;
}

function requireRole(def: SopDefinition, task: TaskState, step: StepDefinition, actor: Actor) {
  if (!actor.role || !task.roles.includes(actor.role)) {
    refuse('wrong_role', { stepId: step.id, needed: roleNames(def, task.roles), actorRole: actor.role ? roleName(def, actor.role) : null });
  }
}

function requireOutputs(ctx: CaseContext, step: StepDefinition, task: TaskState) {
  const missing = missingOutputs(step, task, ctx.documents, ctx.caseState.decisions);
  if (missing.length > 0) refuse('missing_outputs', { stepId: step.id, missing });
}

/** The way forward from a step that is done: its `next`, its `end`, or the first matching route entry. */
export function forwardTarget(step: StepDefinition, decisions: Record<string, string>): Target {
  if (step.next) return { next: step.next };
  if (step.end) return { end: step.end };
  for (const entry of step.route ?? []) {
    if (entry.when && decisions[entry.when.step] !== entry.when.branch) continue;
    return entry.end ? { end: entry.end } : { next: entry.next! };
  }
  throw new Error(`step ${step.id} has no way forward (definition was not validated)`);
}

/** Kembalikan goes to the step the SOP names; with several, to the one this case visited last. */
export function returnTarget(step: StepDefinition, tasks: TaskState[]): string {
  const targets = returnTargets(step);
  let best: { stepId: string; taskId: number } | null = null;
  for (const t of tasks) {
    if (targets.includes(t.stepId) && (!best || t.id > best.taskId)) best = { stepId: t.stepId, taskId: t.id };
  }
  return best?.stepId ?? targets[0]!;
}

interface FinishDetails {
  action: NonNullable<TaskState['action']>;
  comment?: string | null;
  branch?: string;
  confirmations?: TaskState['confirmations'];
  event: Omit<CaseEvent, 'taskRef'>;
  decisions?: Record<string, string>;
  returnReason?: string;
}

/** Closes the task and moves the case on: opens the next step, or ends the case. */
function finish(
  ctx: CaseContext,
  task: TaskState,
  step: StepDefinition,
  actor: Actor,
  now: Date,
  target: Target,
  details: FinishDetails,
): Transition {
  const { def } = ctx;
  const wentTo = 'next' in target ? target.next : `end:${target.end}`;
  const transition: Transition = {
    caseChange: details.decisions ? { decisions: details.decisions } : {},
    taskChanges: [
      {
        id: task.id,
        expectedVersion: task.version,
        set: {
          status: 'completed',
          action: details.action,
          doneAt: now,
          doneBy: actor,
          wentTo,
          ...(details.comment !== undefined ? { comment: details.comment } : {}),
          ...(details.branch !== undefined ? { branch: details.branch } : {}),
          ...(details.confirmations !== undefined ? { confirmations: details.confirmations } : {}),
        },
      },
    ],
    opened: [],
    events: [{ ...details.event, taskRef: { existing: task.id }, data: { ...details.event.data, stepId: step.id, to: wentTo } }],
    messages: [{ kind: 'card-update', task: { existing: task.id } }],
  };

  if ('end' in target) {
    transition.caseChange = { ...transition.caseChange, status: 'closed', outcome: target.end, closedAt: now };
    transition.events.push({ type: 'case.closed', data: { outcome: target.end, stepId: step.id } });
    for (const role of stepRoles(def.steps[0]!)) {
      transition.messages.push({ kind: 'case-closed', role, outcome: target.end });
    }
    return transition;
  }

  const nextStep = findStep(def, target.next);
  const completedSoFar = [...ctx.tasks.map((t) => (t.id === task.id ? { ...t, status: 'completed' as const, doneAt: now } : t))];
  const opened = openStep(def, nextStep, completedSoFar, ctx.calendar, now, details.returnReason ?? null);
  transition.opened.push(opened);
  transition.events.push({
    type: 'task.opened',
    taskRef: { opened: 0 },
    data: { stepId: nextStep.id, visit: opened.visit, dueAt: iso(opened.dueAt), ...(opened.returnReason ? { returnReason: opened.returnReason } : {}) },
  });
  for (const role of stepRoles(nextStep)) {
    transition.messages.push(
      details.returnReason
        ? { kind: 'task-returned', role, task: { opened: 0 }, reason: details.returnReason }
        : { kind: 'card', role, task: { opened: 0 } },
    );
  }
  return transition;
}

function openStep(
  def: SopDefinition,
  step: StepDefinition,
  tasks: TaskState[],
  calendar: WorkCalendar,
  now: Date,
  returnReason: string | null,
): OpenTask {
  return {
    stepId: step.id,
    visit: tasks.filter((t) => t.stepId === step.id).length + 1,
    kind: step.kind,
    roles: stepRoles(step),
    dueAt: deadlineFor(def, step, tasks, calendar, now),
    returnReason,
  };
}

/** The deadline of a step opened now: fixed SLA from now, relative SLA from its anchor, none when the actor sets it. */
export function deadlineFor(
  def: SopDefinition,
  step: StepDefinition,
  tasks: TaskState[],
  calendar: WorkCalendar,
  now: Date,
): Date | null {
  const waktu = parseWaktu(step.waktu, def.konversiWaktu);
  if (waktu.kind === 'fixed') return dueAt(now, waktu.duration, calendar);
  if (waktu.kind === 'after-anchor') {
    const anchorDone = tasks
      .filter((t) => t.stepId === step.anchor && t.status === 'completed' && t.doneAt)
      .map((t) => t.doneAt!)
      .sort((a, b) => b.getTime() - a.getTime())[0];
    return dueAt(anchorDone ?? now, waktu.duration, calendar);
  }
  return null;
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
