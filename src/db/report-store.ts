/**
 * The SQL of the monitoring report (src/report): the cases a period touched and every visit of
 * them, with the escalation notices each visit caused. Working time needs the unit's calendar,
 * which SQL does not know, so durations and percentiles are computed from this projection in
 * src/report/compute.ts; the database only selects, by index (cases_status for the cases still
 * open, cases_closed for those closed since the period began, tasks_case for their visits,
 * outbox_escalations for the escalation notices).
 */
import { and, asc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { cases, outbox, sopVersions, tasks } from './schema.js';

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
    .where(touched(scope))
    .orderBy(asc(cases.id));
}

/**
 * Every visit of the cases the period touched, also those outside the period: a case that
 * finished in it is measured end to end, against the time standards of its whole path.
 */
export async function reportVisits(q: Queryable, scope: ReportScope): Promise<ReportVisitRow[]> {
  if (scope.sopIds && !scope.sopIds.length) return [];
  const [rows, escalated] = await Promise.all([
    q.select(visitColumns).from(tasks).innerJoin(cases, eq(cases.id, tasks.caseId)).where(touched(scope)).orderBy(asc(tasks.caseId), asc(tasks.id)),
    escalationsQuery(q, scope),
  ]);
  const escalations = new Map(escalated.map((e) => [Number(e.taskId), Number(e.n)]));
  return rows.map((r) => ({
    ...r,
    openedAt: Number(r.openedAt),
    dueAt: r.dueAt === null ? null : Number(r.dueAt),
    doneAt: r.doneAt === null ? null : Number(r.doneAt),
    escalations: escalations.get(r.id) ?? 0,
  }));
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

const epochMs = (column: typeof tasks.openedAt | typeof tasks.dueAt | typeof tasks.doneAt) =>
  sql<number | null>`(extract(epoch from ${column}) * 1000)::float8`;

const visitColumns = {
  id: tasks.id,
  caseId: tasks.caseId,
  stepId: tasks.stepId,
  visit: tasks.visit,
  status: tasks.status,
  openedAt: epochMs(tasks.openedAt),
  dueAt: epochMs(tasks.dueAt),
  doneAt: epochMs(tasks.doneAt),
  action: tasks.action,
  returnReason: tasks.returnReason,
};

/** The plan of the visits query, for the bench and the README (EXPLAIN ANALYZE on the same SQL). */
export async function explainReportVisits(q: Queryable, scope: ReportScope): Promise<string[]> {
  const query = q
    .select(visitColumns)
    .from(tasks)
    .innerJoin(cases, eq(cases.id, tasks.caseId))
    .where(touched(scope))
    .orderBy(asc(tasks.caseId), asc(tasks.id))
    .toSQL();
  return explain(q, query);
}

export async function explainReportCases(q: Queryable, scope: ReportScope): Promise<string[]> {
  const query = q.select({ id: cases.id }).from(cases).where(touched(scope)).orderBy(asc(cases.id)).toSQL();
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
