/**
 * Every outbox dedupe key in one place. A key names the cause of a message, so a re-run of the
 * same cause (a retried transaction, a second scheduler replica, a replayed reroute) writes
 * nothing new: the outbox's unique key turns the second insert into a no-op.
 */
import type { KeyPart, OutboxWrite } from '../db/queries/transitions.js';
import type { OutgoingMessage } from '../workflow/model.js';

type TaskRef = { existing: number } | { opened: number };

const taskPart = (task: TaskRef): KeyPart => ('opened' in task ? { openedTask: task.opened } : String(task.existing));

/** The card of a task for one role: one per visit and role. */
export const cardKey = (task: TaskRef, role: string): KeyPart[] => ['card:', taskPart(task), `:${role}`];

/** An edit of a task's cards, one per change of the case (its version after the change). */
export const cardUpdateKey = (taskId: number, caseVersion: number): string => `card-update:${taskId}:c${caseVersion}`;

export const caseClosedKey = (caseId: number, role: string): string => `case-closed:${caseId}:${role}`;

/** A reminder of one deadline: the same deadline is reminded once, a new one (set again) anew. */
export const reminderKey = (taskId: number, dueAt: Date): string => `reminder:${taskId}:${dueAt.toISOString()}`;
export const overdueKey = (taskId: number, dueAt: Date): string => `overdue:${taskId}:${dueAt.toISOString()}`;
/** An escalation once per working day (`day`, local) while the task stays overdue. */
export const escalationKey = (taskId: number, dueAt: Date, day: string): string => `escalation:${taskId}:${dueAt.toISOString()}:${day}`;
/** A notice goes to each role it names: the notice's key with the role. */
export const noticeForRole = (noticeKey: string, role: string): string => `${noticeKey}:${role}`;

/** The daily digest of a role, in parts that each fit one message. */
export const digestKey = (role: string, day: string, part: number): string => `digest:${role}:${day}:${part}`;

/** The daily digest's picture of a role, once per day like its text parts. */
export const digestChartKey = (role: string, day: string): string => `digest-chart:${role}:${day}`;

/**
 * The monthly monitoring form for a role: once per month (`YYYY-MM`, the month reported on) and
 * file, however many scheduler replicas tick on the first working day.
 */
export const monthlyReportKey = (role: string, month: string, file: string): string => `monthly-report:${role}:${month}:${file}`;

/**
 * A file asked for in one chat (a command, a press): once per request (Telegram update_id, Slack
 * trigger or action), so a request handled again after a failure enqueues nothing new.
 */
export const fileAnswerKey = (place: { platform: string; chatId: string; threadId: string }, request: string, file: string): string =>
  `file:${place.platform}:${request}:${file}@${place.chatId}:${place.threadId}`;

/** A role-addressed row delivered into one bound place: routing the same row again adds nothing. */
export const deliveryKey = (parentKey: string, place: { platform: string; chatId: string; threadId: string }): string =>
  `${parentKey}@${place.platform}:${place.chatId}:${place.threadId}`;

/** An edit routed to one message it edits (two roles bound to one chat each got their own card). */
export const editKey = (parentKey: string, editedOutboxId: number): string => `${parentKey}@${editedOutboxId}`;

/** What a transition says to send, as outbox rows addressed to roles (or, for edits, to a task's cards). */
export function outboxWrites(messages: readonly OutgoingMessage[], caseRow: { id: number; version: number }): OutboxWrite[] {
  return messages.map((m): OutboxWrite => {
    switch (m.kind) {
      case 'card':
      case 'task-returned':
        return {
          kind: 'card',
          role: m.role,
          task: m.task,
          dedupeKey: cardKey(m.task, m.role),
          payload: m.kind === 'task-returned' ? { returnReason: m.reason } : {},
        };
      case 'card-update':
        // Role-less: the dispatcher edits every card it sent for this task.
        return { kind: 'card-update', role: null, task: m.task, dedupeKey: [cardUpdateKey(m.task.existing, caseRow.version + 1)], payload: {} };
      case 'case-closed':
        return { kind: 'case-closed', role: m.role, task: null, dedupeKey: [caseClosedKey(caseRow.id, m.role)], payload: { outcome: m.outcome } };
    }
  });
}
