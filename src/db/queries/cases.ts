/**
 * Cases: their references, numbering and the rows as the workflow reads them.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Actor, CaseState } from '../../workflow/model.js';
import type { Queryable } from '../database.js';
import { RawTable } from '../raw.js';
import { caseCounters, cases } from '../schema.js';

export interface CaseRow extends CaseState {
  sopVersionId: number;
  startedBy: Actor;
}

export const rawCases = new RawTable(cases);

/** PUPR-2026-0007: per prefix and year, numbered without gaps under concurrency (row-level upsert). */
export async function nextCaseRef(q: Queryable, prefix: string, year: number): Promise<string> {
  const [row] = await q
    .insert(caseCounters)
    .values({ prefix, year, last: 1 })
    .onConflictDoUpdate({ target: [caseCounters.prefix, caseCounters.year], set: { last: sql`${caseCounters.last} + 1` } })
    .returning({ last: caseCounters.last });
  return `${prefix}-${year}-${String(row!.last).padStart(4, '0')}`;
}

export async function insertCase(
  q: Queryable,
  values: { ref: string; sopVersionId: number; sopId: string; title: string; startedBy: Actor; startedAt: Date },
): Promise<CaseState> {
  const [row] = await q
    .insert(cases)
    .values({ ...values, status: 'open', decisions: {} })
    .returning();
  return toCase(row!);
}

export interface CaseRow extends CaseState {
  sopVersionId: number;
  startedBy: Actor;
}

export async function getCase(q: Queryable, caseId: number): Promise<CaseRow | null> {
  const rows = await q.select().from(cases).where(eq(cases.id, caseId)).limit(1);
  return rows[0] ? toCase(rows[0]) : null;
}

export async function findCaseByRef(q: Queryable, ref: string): Promise<CaseRow | null> {
  const rows = await q.select().from(cases).where(eq(cases.ref, ref.trim().toUpperCase())).limit(1);
  return rows[0] ? toCase(rows[0]) : null;
}

export async function listCases(
  q: Queryable,
  filter: { status?: 'open' | 'closed'; sopId?: string; limit?: number } = {},
): Promise<CaseRow[]> {
  const conditions = [
    filter.status ? eq(cases.status, filter.status) : undefined,
    filter.sopId ? eq(cases.sopId, filter.sopId) : undefined,
  ].filter((c) => c !== undefined);
  const rows = await q
    .select()
    .from(cases)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(cases.id))
    .limit(filter.limit ?? 100);
  return rows.map(toCase);
}

export function toCase(row: typeof cases.$inferSelect): CaseRow {
  return {
    id: row.id,
    ref: row.ref,
    sopId: row.sopId,
    sopVersionId: row.sopVersionId,
    title: row.title,
    status: row.status,
    outcome: row.outcome,
    decisions: row.decisions,
    startedBy: row.startedBy,
    startedAt: row.startedAt,
    closedAt: row.closedAt,
    version: row.version,
  };
}

