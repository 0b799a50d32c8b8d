/**
 * The SQL of the monitoring report (src/report): the cases a period touched and every visit of
 * them, with the escalation notices each visit caused. Working time needs the unit's calendar,
 * which SQL does not know, so durations and percentiles are computed from this projection in
 * src/report/compute.ts; the database only selects, by index (cases_status for the cases still
 * open, cases_closed for those closed since the period began, tasks_done for the visits of the
 * period, outbox_escalations for the escalation notices).
 */
import { and, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../database.js';
import { cases, outbox, sopVersions, tasks } from '../schema.js';

export interface ReportScope {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  /** Only these SOPs; all when absent. */
  sopIds?: readonly string[] | undefined;
}

export interface ReportCaseRow {
  id: number;
  ref: string;
  sopId: string;
  sopVersionId: number;
  status: 'open' | 'closed';
  outcome: 'selesai' | 'ditolak' | 'dibatalkan' | null;
  startedAt: Date;
  closedAt: Date | null;
}

/**
 * One visit to a step. Times are epoch milliseconds: a month holds about a hundred thousand
 * visits, and numbers straight from the driver cost a fraction of parsing three timestamps each.
 */
export interface ReportVisitRow {
  id: number;
  caseId: number;
  stepId: string;
  visit: number;
  status: 'open' | 'completed' | 'cancelled';
  openedAt: number;
  dueAt: number | null;
  doneAt: number | null;
  action: 'done' | 'approved' | 'returned' | 'chosen' | 'confirmed' | 'cancelled' | null;
  returnReason: string | null;
  /** Escalation notices written for this visit (role-addressed rows, not their per-chat deliveries). */
  escalations: number;
}

/**
 * Cases that ran at some moment of the period: started before its end and not closed before its
 * start. Written as two branches so each has its own index (open cases: cases_status; cases
 * closed since `from`: cases_closed) instead of one condition no index answers.
 */
function touched(scope: ReportScope): SQL {
  const started = lt(cases.startedAt, scope.to);
  const running = or(and(eq(cases.status, 'open'), started), and(gte(cases.closedAt, scope.from), started))!;
  return scope.sopIds ? and(running, inArray(cases.sopId, [...scope.sopIds]))! : running;
}

/** Whether any case ran in the period: a month in which nothing ran gets no form. */
export async function anyCaseRan(q: Queryable, scope: ReportScope): Promise<boolean> {
  const rows = await q.select({ id: cases.id }).from(cases).where(touched(scope)).limit(1);
  return rows.length > 0;
}

export async function reportCases(q: Queryable, scope: ReportScope): Promise<ReportCaseRow[]> {
  if (scope.sopIds && !scope.sopIds.length) return [];
  return q
    .select({
      id: cases.id,
      ref: cases.ref,
      sopId: cases.sopId,
      sopVersionId: cases.sopVersionId,
      status: cases.status,
      outcome: cases.outcome,
      startedAt: cases.startedAt,
      closedAt: cases.closedAt,
    })
    .from(cases)
    .where(touched(scope));
}

/**
 * The visits of the period (see visitsSql for which), with the escalation notices of each.
 */
export async function reportVisits(q: Queryable, scope: ReportScope): Promise<ReportVisitRow[]> {
  if (scope.sopIds && !scope.sopIds.length) return [];
  const [result, escalated] = await Promise.all([q.execute(visitsSql(scope)), escalationsQuery(q, scope)]);
  const escalations = new Map(escalated.map((e) => [Number(e.taskId), Number(e.n)]));
  // Straight from the driver's rows into the result: a month is a hundred thousand of them, and
  // a mapping layer in between doubled the time spent outside the database.
  return rowsOf(result).map((r) => {
    const id = Number(r.id);
    return {
      id,
      caseId: Number(r.case_id),
      stepId: r.step_id as string,
      visit: Number(r.visit),
      status: r.status as ReportVisitRow['status'],
      openedAt: Number(r.opened_ms),
      dueAt: r.due_ms === null ? null : Number(r.due_ms),
      doneAt: r.done_ms === null ? null : Number(r.done_ms),
      action: r.action as ReportVisitRow['action'],
      returnReason: r.return_reason as string | null,
      escalations: escalations.get(id) ?? 0,
    };
  });
}

/**
 * The visits the report needs, in four disjoint branches, each read by its own index so the
 * query grows with the period, not with the history:
 *   - done in the period (tasks_done), the figures of each step;
 *   - still open (tasks_open_due) or done after the period (tasks_done), opened before its end:
 *     what was open when the period ended;
 *   - done before the period, of the cases that finished in it (cases_closed, then tasks_case):
 *     the rest of their path, for the time each was given from start to end.
 * With a list of SOPs each branch keeps only the visits of the cases the period touched.
 * No ORDER BY: the computation groups the rows itself, and a sort of a month would spill to disk.
 */
function visitsSql(scope: ReportScope): SQL {
  const ms = (column: typeof tasks.openedAt | typeof tasks.dueAt | typeof tasks.doneAt) => sql`(extract(epoch from ${column}) * 1000)::float8`;
  const columns = sql`${tasks.id}, ${tasks.caseId}, ${tasks.stepId}, ${tasks.visit}, ${tasks.status},
      ${ms(tasks.openedAt)} as opened_ms, ${ms(tasks.dueAt)} as due_ms, ${ms(tasks.doneAt)} as done_ms,
      ${tasks.action}, ${tasks.returnReason}`;
  // Instants as text: postgres.js is given no type for a bare Date in hand-written SQL.
  const from = sql`${scope.from.toISOString()}::timestamptz`;
  const to = sql`${scope.to.toISOString()}::timestamptz`;
  const ofSops = scope.sopIds ? sql` and ${tasks.caseId} in (select ${cases.id} from ${cases} where ${touched(scope)})` : sql``;
  // Per case through tasks_case: these are the few cases that span the period's start. OFFSET 0
  // keeps the planner from flattening the lateral join into a hash join over every earlier visit.
  const finishedBefore = sql`select ${cases.id} from ${cases}
      where ${cases.closedAt} >= ${from} and ${cases.closedAt} < ${to} and ${cases.startedAt} < ${from}
        ${scope.sopIds ? sql`and ${inArray(cases.sopId, [...scope.sopIds])}` : sql``}`;
  return sql`select ${columns} from ${tasks}
      where ${tasks.doneAt} >= ${from} and ${tasks.doneAt} < ${to}${ofSops}
    union all
    select ${columns} from ${tasks}
      where ${tasks.status} = 'open' and ${tasks.openedAt} < ${to}${ofSops}
    union all
    select ${columns} from ${tasks}
      where ${tasks.doneAt} >= ${to} and ${tasks.openedAt} < ${to}${ofSops}
    union all
    select ${columns} from (${finishedBefore}) finished
      cross join lateral (select * from ${tasks} where ${tasks.caseId} = finished.id and ${tasks.doneAt} < ${from} offset 0) ${tasks}`;
}

/** Rows of a raw query on either driver (postgres.js: an array; PGlite: { rows }). */
function rowsOf(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : (result as { rows: Record<string, unknown>[] }).rows;
}

/**
 * Escalation notices per visit of the touched cases: role-addressed rows only (parent_id null),
 * not their per-chat deliveries. Read through the partial index outbox_escalations.
 */
function escalationsQuery(q: Queryable, scope: ReportScope) {
  return q
    .select({ taskId: outbox.taskId, n: sql<number>`count(*)::int` })
    .from(outbox)
    .innerJoin(cases, eq(cases.id, outbox.caseId))
    .where(and(eq(outbox.kind, 'escalation'), isNull(outbox.parentId), touched(scope)))
    .groupBy(outbox.taskId);
}

export async function explainReportVisits(q: Queryable, scope: ReportScope): Promise<string[]> {
  const result = await q.execute(sql`explain (analyze, buffers, costs off) ${visitsSql(scope)}`);
  return rowsOf(result).map((r) => String(Object.values(r)[0]));
}

export async function explainReportCases(q: Queryable, scope: ReportScope): Promise<string[]> {
  const query = q.select({ id: cases.id }).from(cases).where(touched(scope)).toSQL();
  return explain(q, query);
}

export async function explainReportEscalations(q: Queryable, scope: ReportScope): Promise<string[]> {
  return explain(q, escalationsQuery(q, scope).toSQL());
}

async function explain(q: Queryable, query: { sql: string; params: unknown[] }): Promise<string[]> {
  // Parameters inlined as literals: EXPLAIN takes no bind parameters on every driver.
  const text = query.sql.replace(/\$(\d+)/g, (_, n: string) => literal(query.params[Number(n) - 1]));
  const result = (await q.execute(sql.raw(`explain (analyze, buffers, costs off) ${text}`))) as unknown as
    | { rows: Record<string, string>[] }
    | Record<string, string>[];
  const rows = Array.isArray(result) ? result : result.rows;
  return rows.map((r) => Object.values(r)[0]!);
}

function literal(value: unknown): string {
  if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`;
  if (typeof value === 'number') return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** Version numbers of stored definitions (the report's header names the versions that ran). */
export async function versionNumbers(q: Queryable, ids: readonly number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map();
  const rows = await q.select({ id: sopVersions.id, version: sopVersions.version }).from(sopVersions).where(inArray(sopVersions.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r.version]));
}
