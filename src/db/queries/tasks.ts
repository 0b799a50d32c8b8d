/**
 * Tasks: each visit to a step is one row.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { TaskState } from '../../workflow/model.js';
import type { Queryable } from '../database.js';
import { rawQuery, RawTable } from '../raw.js';
import { cases, tasks } from '../schema.js';

export const rawTasks = new RawTable(tasks);

export async function loadTasks(q: Queryable, caseId: number): Promise<TaskState[]> {
  const rows = await rawQuery(q)(`select ${rawTasks.selectList} from tasks where "case_id" = $1 order by "id"`, [caseId]);
  return rows.map((r) => toTask(rawTasks.read(r)));
}

export async function getTask(q: Queryable, taskId: number): Promise<(TaskState & { caseId: number }) | null> {
  const rows = await q.select().from(tasks).where(eq(tasks.id, taskId)).limit(1);
  return rows[0] ? { ...toTask(rows[0]), caseId: rows[0].caseId } : null;
}

/** Open tasks, oldest deadline first (no deadline last), optionally for some roles only. */
export async function listOpenTasks(
  q: Queryable,
  roles?: string[],
): Promise<(TaskState & { caseId: number; caseRef: string; caseTitle: string; sopId: string; sopVersionId: number })[]> {
  const rows = await q
    .select({ task: tasks, ref: cases.ref, title: cases.title, sopId: cases.sopId, sopVersionId: cases.sopVersionId })
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(eq(tasks.status, 'open'))
    .orderBy(sql`${tasks.dueAt} asc nulls last`, asc(tasks.id));
  return rows
    .map((r) => ({ ...toTask(r.task), caseId: r.task.caseId, caseRef: r.ref, caseTitle: r.title, sopId: r.sopId, sopVersionId: r.sopVersionId }))
    .filter((t) => !roles || t.roles.some((role) => roles.includes(role)));
}

export function toTask(row: typeof tasks.$inferSelect): TaskState {
  return {
    id: row.id,
    stepId: row.stepId,
    visit: row.visit,
    kind: row.kind,
    roles: row.roles,
    status: row.status,
    openedAt: row.openedAt,
    dueAt: row.dueAt,
    returnReason: row.returnReason,
    confirmations: row.confirmations,
    doneAt: row.doneAt,
    doneBy: row.doneBy,
    action: row.action,
    branch: row.branch,
    comment: row.comment,
    wentTo: row.wentTo,
    version: row.version,
  };
}

