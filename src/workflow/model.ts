/**
 * The workflow's own vocabulary: cases, tasks, actions, and what an action causes.
 * Plain data, shared by the pure core, the service and the channel adapters.
 */
import type { Outcome } from '../sop/definition.js';

export type Channel = 'telegram' | 'slack' | 'cli' | 'system';

/** Whoever acts: a person in a chat, an admin at the terminal, or the service itself. */
export interface Actor {
  channel: Channel;
  /** Platform user id ("12345" on Telegram, "U0123" on Slack, the OS user for the CLI). */
  userId: string;
  name: string;
  /** The role the actor speaks for (the role bound to the chat, or `--as` on the CLI). */
  role?: string;
}

export type CaseStatus = 'open' | 'closed';
export type TaskStatus = 'open' | 'completed' | 'cancelled';
export type TaskAction = 'done' | 'approved' | 'returned' | 'chosen' | 'confirmed' | 'cancelled';

export interface CaseState {
  id: number;
  ref: string;
  sopId: string;
  title: string;
  status: CaseStatus;
  outcome: Outcome | null;
  decisions: Record<string, string>;
  startedAt: Date;
  closedAt: Date | null;
  version: number;
}

export interface Confirmation {
  role: string;
  actor: Actor;
  at: string;
}

export interface TaskState {
  id: number;
  stepId: string;
  visit: number;
  kind: 'task' | 'review' | 'decision' | 'joint';
  roles: string[];
  status: TaskStatus;
  openedAt: Date;
  dueAt: Date | null;
  returnReason: string | null;
  confirmations: Confirmation[];
  doneAt: Date | null;
  doneBy: Actor | null;
  action: TaskAction | null;
  branch: string | null;
  comment: string | null;
  wentTo: string | null;
  version: number;
}

export interface DocumentState {
  id: number;
  taskId: number;
  stepId: string;
  slotKind: 'kelengkapan' | 'output';
  slotName: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
}

/** What a person asks of a task. `version` is the task version they saw (stale presses change nothing). */
export type TaskCommand =
  | { type: 'complete' }
  | { type: 'approve'; comment?: string }
  | { type: 'return'; reason: string }
  | { type: 'choose'; branch: string }
  | { type: 'confirm' }
  | { type: 'set-due'; dueAt: Date };

export interface FileMeta {
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
}

export type CaseEventType =
  | 'case.started'
  | 'case.closed'
  | 'case.cancelled'
  | 'task.opened'
  | 'task.completed'
  | 'task.approved'
  | 'task.returned'
  | 'task.branch_chosen'
  | 'task.confirmed'
  | 'task.due_set'
  | 'document.attached';

export interface CaseEvent {
  type: CaseEventType;
  /** Index into `opened` for events about a task that has no id yet. */
  taskRef?: { existing: number } | { opened: number };
  data: Record<string, unknown>;
}

/** What the service must send after the transaction commits, addressed to roles. */
export type OutgoingMessage =
  | { kind: 'card'; role: string; task: { opened: number } }
  | { kind: 'card-update'; task: { existing: number } }
  | { kind: 'case-closed'; role: string; outcome: Outcome }
  | { kind: 'task-returned'; role: string; task: { opened: number }; reason: string };

/** A new task the core wants opened. */
export interface OpenTask {
  stepId: string;
  visit: number;
  kind: TaskState['kind'];
  roles: string[];
  dueAt: Date | null;
  returnReason: string | null;
}

export interface TaskChange {
  id: number;
  expectedVersion: number;
  set: Partial<Pick<TaskState, 'status' | 'dueAt' | 'confirmations' | 'doneAt' | 'doneBy' | 'action' | 'branch' | 'comment' | 'wentTo'>>;
}

/** Everything one action changes; the service writes it in one transaction. */
export interface Transition {
  caseChange: Partial<Pick<CaseState, 'status' | 'outcome' | 'decisions' | 'closedAt'>>;
  taskChanges: TaskChange[];
  opened: OpenTask[];
  events: CaseEvent[];
  messages: OutgoingMessage[];
}
