/**
 * The SQL of the scheduler: the due-task sweep (indexed on next_check_at, SKIP LOCKED so
 * replicas share it) and the figures of the daily digest.
 */
import { and, asc, count, eq, gte, isNotNull, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../database.js';
import { rawQuery } from '../raw.js';
import { cases, outbox, tasks } from '../schema.js';

export interface DueTask {
  id: number;
  caseId: number;
  stepId: string;
  roles: string[];
  openedAt: Date;
  dueAt: Date | null;
  caseRef: string;
  caseTitle: string;
  sopId: string;
  sopVersionId: number;
}

/** Open tasks whose next check has come, locked for this sweep; rows another replica holds are skipped. */
export async function lockDueChecks(tx: Tx, now: Date, limit: number): Promise<DueTask[]> {
  return tx
    .select({
      id: tasks.id,
      caseId: tasks.caseId,
      stepId: tasks.stepId,
      roles: tasks.roles,
      openedAt: tasks.openedAt,
      dueAt: tasks.dueAt,
      caseRef: cases.ref,
      caseTitle: cases.title,
      sopId: cases.sopId,
      sopVersionId: cases.sopVersionId,
    })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(and(eq(tasks.status, 'open'), lte(tasks.nextCheckAt, now)))
    .orderBy(asc(tasks.nextCheckAt))
    .limit(limit)
    .for('update', { of: tasks, skipLocked: true });
}

/** Sets when each swept task is looked at again (null: never), in one statement for the whole batch. */
export async function setNextChecks(q: Queryable, checks: readonly { id: number; at: Date | null }[]): Promise<void> {
  if (!checks.length) return;
  await rawQuery(q)(
    `update tasks set "next_check_at" = v.at
       from jsonb_to_recordset($1::jsonb) as v(id bigint, at timestamptz)
      where tasks."id" = v.id`,
    [JSON.stringify(checks.map((c) => ({ id: c.id, at: c.at?.toISOString() ?? null })))],
  );
}

/** When the last digest for a role was written (the "since" of the next one). */
export async function lastDigestAt(q: Queryable, role: string): Promise<Date | null> {
  const [row] = await q
    .select({ at: sql<Date | null>`max(${outbox.createdAt})` })
    .from(outbox)
    .where(and(eq(outbox.kind, 'digest'), eq(outbox.role, role)));
  return row?.at ? new Date(row.at) : null;
}

export async function openCasesPerSop(q: Queryable): Promise<{ sopId: string; open: number }[]> {
  return q
    .select({ sopId: cases.sopId, open: count() })
    .from(cases)
    .where(eq(cases.status, 'open'))
    .groupBy(cases.sopId)
    .orderBy(asc(cases.sopId));
}

export interface TaskWithCase {
  id: number;
  stepId: string;
  roles: string[];
  openedAt: Date;
  dueAt: Date | null;
  caseRef: string;
  sopId: string;
  sopVersionId: number;
}

const taskWithCase = {
  id: tasks.id,
  stepId: tasks.stepId,
  roles: tasks.roles,
  openedAt: tasks.openedAt,
  dueAt: tasks.dueAt,
  caseRef: cases.ref,
  sopId: cases.sopId,
  sopVersionId: cases.sopVersionId,
};

/** Open tasks with their case, those matching `where`. */
function openTasksWithCase(q: Queryable, where: SQL | undefined) {
  return q.select(taskWithCase).from(tasks).innerJoin(cases, eq(cases.id, tasks.caseId)).where(and(eq(tasks.status, 'open'), where));
}

export async function openTasksDueBetween(q: Queryable, from: Date, to: Date): Promise<TaskWithCase[]> {
  return openTasksWithCase(q, and(gte(tasks.dueAt, from), lt(tasks.dueAt, to))).orderBy(asc(tasks.dueAt));
}

export async function overdueTasks(q: Queryable, now: Date): Promise<TaskWithCase[]> {
  return openTasksWithCase(q, lt(tasks.dueAt, now)).orderBy(asc(tasks.dueAt));
}

export async function casesClosedSince(q: Queryable, since: Date): Promise<{ ref: string; outcome: string | null }[]> {
  return q
    .select({ ref: cases.ref, outcome: cases.outcome })
    .from(cases)
    .where(and(eq(cases.status, 'closed'), gte(cases.closedAt, since)))
    .orderBy(asc(cases.closedAt));
}

/** Open tasks a role acts on (alone or in a joint step), nearest deadline first. */
export async function openTasksOfRole(q: Queryable, role: string): Promise<TaskWithCase[]> {
  return openTasksWithCase(q, sql`${tasks.roles} @> ${JSON.stringify([role])}::jsonb`).orderBy(sql`${tasks.dueAt} asc nulls last`, asc(tasks.id));
}

export async function returnsSince(
  q: Queryable,
  since: Date,
): Promise<{ ref: string; stepId: string; sopId: string; sopVersionId: number; reason: string | null }[]> {
  return q
    .select({ ref: cases.ref, stepId: tasks.stepId, sopId: cases.sopId, sopVersionId: cases.sopVersionId, reason: tasks.comment })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(and(eq(tasks.action, 'returned'), gte(tasks.doneAt, since)))
    .orderBy(asc(tasks.doneAt));
}

/** Tasks with a deadline completed since `from`, per SOP and step, and how many were on time. */
export async function onTimeSince(q: Queryable, from: Date): Promise<{ sopId: string; stepId: string; total: number; onTime: number }[]> {
  const rows = await q
    .select({
      sopId: cases.sopId,
      stepId: tasks.stepId,
      total: count(),
      onTime: sql<number>`count(*) filter (where ${tasks.doneAt} <= ${tasks.dueAt})`,
    })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(and(eq(tasks.status, 'completed'), isNotNull(tasks.dueAt), gte(tasks.doneAt, from)))
    .groupBy(cases.sopId, tasks.stepId)
    .orderBy(asc(cases.sopId), asc(tasks.stepId));
  return rows.map((r) => ({ ...r, total: Number(r.total), onTime: Number(r.onTime) }));
}
