/**
 * All SQL of the workflow lives here: reading a case, writing what a transition decided,
 * numbering references, versioning definitions. Callers pass a transaction when they need one.
 */
import { and, asc, desc, eq, inArray, max, sql } from 'drizzle-orm';
import type { SopDefinition } from '../sop/definition.js';
import type {
  Actor,
  CaseEvent,
  CaseState,
  DocumentState,
  FileMeta,
  OutgoingMessage,
  TaskState,
  Transition,
} from '../workflow/model.js';
import type { Queryable } from './database.js';
import { caseCounters, cases, documents, events, extraHolidays, outbox, sopVersions, tasks } from './schema.js';

/** A concurrent change got there first: the whole transaction is rolled back. */
export class ConcurrentChangeError extends Error {
  constructor(readonly taskId: number) {
    super(`task ${taskId} changed concurrently`);
    this.name = 'ConcurrentChangeError';
  }
}

export interface StoredSopVersion {
  id: number;
  sopId: string;
  version: number;
  contentHash: string;
  definition: SopDefinition;
}

/** Records a definition's content as a version, once; the same content keeps its version. */
export async function ensureSopVersion(
  q: Queryable,
  def: SopDefinition,
  contentHash: string,
  sourceFile: string | null,
): Promise<StoredSopVersion> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await q
      .select()
      .from(sopVersions)
      .where(and(eq(sopVersions.sopId, def.id), eq(sopVersions.contentHash, contentHash)))
      .limit(1);
    if (existing[0]) return toSopVersion(existing[0]);
    const [top] = await q.select({ v: max(sopVersions.version) }).from(sopVersions).where(eq(sopVersions.sopId, def.id));
    const inserted = await q
      .insert(sopVersions)
      .values({ sopId: def.id, version: (top?.v ?? 0) + 1, contentHash, definition: def, sourceFile })
      .onConflictDoNothing()
      .returning();
    // Another replica may have inserted the same content or taken the number: read again.
    if (inserted[0]) return toSopVersion(inserted[0]);
  }
  throw new Error(`could not record a version of SOP ${def.id}`);
}

export async function getSopVersion(q: Queryable, id: number): Promise<StoredSopVersion | null> {
  const rows = await q.select().from(sopVersions).where(eq(sopVersions.id, id)).limit(1);
  return rows[0] ? toSopVersion(rows[0]) : null;
}

export async function listSopVersions(q: Queryable, sopId: string): Promise<StoredSopVersion[]> {
  const rows = await q.select().from(sopVersions).where(eq(sopVersions.sopId, sopId)).orderBy(asc(sopVersions.version));
  return rows.map(toSopVersion);
}

function toSopVersion(row: typeof sopVersions.$inferSelect): StoredSopVersion {
  return {
    id: row.id,
    sopId: row.sopId,
    version: row.version,
    contentHash: row.contentHash,
    definition: row.definition as SopDefinition,
  };
}

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

export async function lockCase(q: Queryable, caseId: number): Promise<CaseRow | null> {
  const rows = await q.select().from(cases).where(eq(cases.id, caseId)).for('update');
  return rows[0] ? toCase(rows[0]) : null;
}

/** The case of a task, locked: a press names only its task, and one statement finds and locks the case. */
export async function lockCaseOfTask(q: Queryable, taskId: number): Promise<CaseRow | null> {
  const rows = await q
    .select()
    .from(cases)
    .where(inArray(cases.id, q.select({ caseId: tasks.caseId }).from(tasks).where(eq(tasks.id, taskId))))
    .for('update');
  return rows[0] ? toCase(rows[0]) : null;
}

export async function getCase(q: Queryable, caseId: number): Promise<CaseRow | null> {
  const rows = await q.select().from(cases).where(eq(cases.id, caseId)).limit(1);
  return rows[0] ? toCase(rows[0]) : null;
}

export async function findCaseByRef(q: Queryable, ref: string): Promise<CaseRow | null> {
  const rows = await q.select().from(cases).where(eq(cases.ref, ref.trim().toUpperCase())).limit(1);
  return rows[0] ? toCase(rows[0]) : null;
}

export async function findCaseIdOfTask(q: Queryable, taskId: number): Promise<number | null> {
  const rows = await q.select({ caseId: tasks.caseId }).from(tasks).where(eq(tasks.id, taskId)).limit(1);
  return rows[0]?.caseId ?? null;
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

function toCase(row: typeof cases.$inferSelect): CaseRow {
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

export async function loadTasks(q: Queryable, caseId: number): Promise<TaskState[]> {
  const rows = await q.select().from(tasks).where(eq(tasks.caseId, caseId)).orderBy(asc(tasks.id));
  return rows.map(toTask);
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

function toTask(row: typeof tasks.$inferSelect): TaskState {
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

export interface StoredDocument extends DocumentState {
  mimeType: string;
  storageKey: string;
  uploadedBy: Actor;
  uploadedAt: Date;
}

export async function loadDocuments(q: Queryable, caseId: number): Promise<StoredDocument[]> {
  const rows = await q.select().from(documents).where(eq(documents.caseId, caseId)).orderBy(asc(documents.id));
  return rows.map((r) => ({
    id: r.id,
    taskId: r.taskId,
    stepId: r.stepId,
    slotKind: r.slotKind,
    slotName: r.slotName,
    fileName: r.fileName,
    mimeType: r.mimeType,
    sizeBytes: r.sizeBytes,
    sha256: r.sha256,
    storageKey: r.storageKey,
    uploadedBy: r.uploadedBy,
    uploadedAt: r.uploadedAt,
  }));
}

/** Every stored document with its case reference, oldest first (for `sopbot doctor`). */
export async function listAllDocuments(q: Queryable) {
  return q
    .select({
      id: documents.id,
      caseRef: cases.ref,
      stepId: documents.stepId,
      slotName: documents.slotName,
      fileName: documents.fileName,
      sizeBytes: documents.sizeBytes,
      sha256: documents.sha256,
      storageKey: documents.storageKey,
    })
    .from(documents)
    .innerJoin(cases, eq(cases.id, documents.caseId))
    .orderBy(asc(documents.id));
}

export async function insertDocument(
  q: Queryable,
  values: { caseId: number; taskId: number; stepId: string; slotKind: 'kelengkapan' | 'output'; slotName: string; file: FileMeta; actor: Actor; at: Date },
): Promise<number> {
  const [row] = await q
    .insert(documents)
    .values({
      caseId: values.caseId,
      taskId: values.taskId,
      stepId: values.stepId,
      slotKind: values.slotKind,
      slotName: values.slotName,
      fileName: values.file.fileName,
      mimeType: values.file.mimeType,
      sizeBytes: values.file.sizeBytes,
      sha256: values.file.sha256,
      storageKey: values.file.storageKey,
      uploadedBy: values.actor,
      uploadedAt: values.at,
    })
    .returning({ id: documents.id });
  return row!.id;
}

export interface StoredEvent {
  id: number;
  caseId: number | null;
  taskId: number | null;
  type: string;
  actor: Actor | null;
  channel: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export async function loadEvents(q: Queryable, caseId: number): Promise<StoredEvent[]> {
  return q.select().from(events).where(eq(events.caseId, caseId)).orderBy(asc(events.id));
}

export async function appendEvent(
  q: Queryable,
  values: { caseId?: number | null; taskId?: number | null; type: string; actor?: Actor | null; data?: Record<string, unknown>; at: Date },
): Promise<void> {
  await q.insert(events).values({
    caseId: values.caseId ?? null,
    taskId: values.taskId ?? null,
    type: values.type,
    actor: values.actor ?? null,
    channel: values.actor?.channel ?? null,
    data: values.data ?? {},
    at: values.at,
  });
}

/**
 * Writes everything a transition decided: the case, the tasks (each guarded by the version the
 * core saw), the new tasks, the audit events and the outbox rows. Returns the new task ids.
 */
export async function writeTransition(
  q: Queryable,
  caseRow: { id: number; ref: string; version: number },
  transition: Transition,
  actor: Actor,
  now: Date,
): Promise<{ openedIds: number[] }> {
  await q
    .update(cases)
    .set({ ...transition.caseChange, version: caseRow.version + 1 })
    .where(eq(cases.id, caseRow.id));

  const taskVersions = new Map<number, number>();
  for (const change of transition.taskChanges) {
    const updated = await q
      .update(tasks)
      // A new deadline is looked at by the reminder sweep at once.
      .set({ ...change.set, ...(change.set.dueAt !== undefined ? { nextCheckAt: now } : {}), version: change.expectedVersion + 1 })
      .where(and(eq(tasks.id, change.id), eq(tasks.version, change.expectedVersion)))
      .returning({ id: tasks.id, version: tasks.version });
    if (!updated[0]) throw new ConcurrentChangeError(change.id);
    taskVersions.set(change.id, updated[0].version);
  }

  const openedIds: number[] = [];
  for (const open of transition.opened) {
    const [row] = await q
      .insert(tasks)
      .values({ caseId: caseRow.id, ...open, status: 'open', openedAt: now, confirmations: [], nextCheckAt: open.dueAt ? now : null })
      .returning({ id: tasks.id });
    openedIds.push(row!.id);
  }

  const taskIdOf = (ref: CaseEvent['taskRef']): number | null =>
    ref === undefined ? null : 'existing' in ref ? ref.existing : (openedIds[ref.opened] ?? null);

  if (transition.events.length) {
    await q.insert(events).values(
      transition.events.map((e) => ({
        caseId: caseRow.id,
        taskId: taskIdOf(e.taskRef),
        type: e.type,
        actor,
        channel: actor.channel,
        data: e.data,
        at: now,
      })),
    );
  }

  const rows = transition.messages.map((m) => outboxRow(caseRow, m, openedIds, taskVersions));
  if (rows.length) await q.insert(outbox).values(rows).onConflictDoNothing({ target: outbox.dedupeKey });
  return { openedIds };
}

function outboxRow(
  caseRow: { id: number; ref: string; version: number },
  m: OutgoingMessage,
  openedIds: number[],
  taskVersions: Map<number, number>,
): typeof outbox.$inferInsert {
  switch (m.kind) {
    case 'card': {
      const taskId = openedIds[m.task.opened]!;
      return { kind: 'card', role: m.role, caseId: caseRow.id, taskId, dedupeKey: `card:${taskId}:${m.role}`, payload: {} };
    }
    case 'task-returned': {
      const taskId = openedIds[m.task.opened]!;
      return {
        kind: 'card',
        role: m.role,
        caseId: caseRow.id,
        taskId,
        dedupeKey: `card:${taskId}:${m.role}`,
        payload: { returnReason: m.reason },
      };
    }
    case 'card-update': {
      const taskId = m.task.existing;
      // Role-less: the dispatcher edits every card it sent for this task.
      return { kind: 'card-update', role: null, caseId: caseRow.id, taskId, dedupeKey: `card-update:${taskId}:c${caseRow.version + 1}`, payload: {} };
    }
    case 'case-closed':
      return {
        kind: 'case-closed',
        role: m.role,
        caseId: caseRow.id,
        dedupeKey: `case-closed:${caseRow.id}:${m.role}`,
        payload: { outcome: m.outcome },
      };
  }
}

export async function listOutbox(q: Queryable, caseId?: number) {
  return q
    .select()
    .from(outbox)
    .where(caseId === undefined ? undefined : eq(outbox.caseId, caseId))
    .orderBy(asc(outbox.id));
}

export async function listExtraHolidays(q: Queryable): Promise<{ date: string; name: string }[]> {
  return q.select({ date: extraHolidays.date, name: extraHolidays.name }).from(extraHolidays).orderBy(asc(extraHolidays.date));
}

export async function addExtraHoliday(q: Queryable, date: string, name: string): Promise<void> {
  await q.insert(extraHolidays).values({ date, name }).onConflictDoUpdate({ target: extraHolidays.date, set: { name } });
}

export async function removeExtraHoliday(q: Queryable, date: string): Promise<boolean> {
  const rows = await q.delete(extraHolidays).where(eq(extraHolidays.date, date)).returning();
  return rows.length > 0;
}

export async function tasksByIds(q: Queryable, ids: number[]) {
  if (!ids.length) return [];
  return q.select().from(tasks).where(inArray(tasks.id, ids));
}
