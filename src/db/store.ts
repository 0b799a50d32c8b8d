/**
 * All SQL of the workflow lives here: reading a case, writing what a transition decided,
 * numbering references, versioning definitions. Callers pass a transaction when they need one.
 */
import { and, asc, desc, eq, inArray, max, sql, type Table } from 'drizzle-orm';
import { sopDefinitionSchema, type SopDefinition } from '../sop/definition.js';
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
import { RawTable, rawQuery, type RawParam, type SqlFragment } from './raw.js';
import { caseCounters, cases, documents, events, extraHolidays, officeHours, outbox, sopVersions, tasks } from './schema.js';

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
    definition: normalizeStored(row.definition),
  };
}

/**
 * A version stored by an earlier release keeps its JSON as it was then (kelengkapan as plain
 * names, say); reading it through today's schema gives the shape today's code expects. It was
 * valid when stored, so it parses; were it ever not to, it is used as stored.
 */
function normalizeStored(stored: unknown): SopDefinition {
  const parsed = sopDefinitionSchema.safeParse(stored);
  return parsed.success ? parsed.data : (stored as SopDefinition);
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

const rawCases = new RawTable(cases);
const rawTasks = new RawTable(tasks);
const rawDocuments = new RawTable(documents);
const rawEvents = new RawTable(events);
const rawOutbox = new RawTable(outbox);

/** What an admin set at run time that a calendar must know: added holidays and office hours for spans of dates. */
export interface CalendarSettings {
  extraHolidays: { date: string; name: string }[];
  officeHours: StoredOfficeHours[];
}

export interface CaseForAction extends CalendarSettings {
  caseRow: CaseRow;
  tasks: TaskState[];
  documents: StoredDocument[];
}

/**
 * Locks a case (named by itself or by one of its tasks) and reads all an action decides on, in
 * two statements sent together (one round trip). The server runs them in order, and under READ
 * COMMITTED the read takes its snapshot only once the lock is held, so it sees whatever the
 * transaction that held the lock before committed. (A subquery of the locking statement itself
 * would not: it keeps the snapshot from before the wait.) Call it inside a transaction.
 */
export async function loadCaseForAction(q: Queryable, target: { taskId: number } | { caseId: number }): Promise<CaseForAction | null> {
  const run = rawQuery(q);
  const caseId = 'taskId' in target ? 'select "case_id" from tasks where "id" = $1' : 'select $1::bigint';
  const id = 'taskId' in target ? target.taskId : target.caseId;
  const [caseRows, [state]] = await Promise.all([
    run(`select ${rawCases.selectList} from cases where "id" = (${caseId}) for update`, [id]),
    // One row of JSON arrays: the rows of three tables in one statement.
    run(
      `with target as (${caseId})
      select
        (select coalesce(json_agg(t order by t."id"), '[]') from tasks t where t."case_id" = (table target)) as tasks,
        (select coalesce(json_agg(d order by d."id"), '[]') from documents d where d."case_id" = (table target)) as documents,
        (select coalesce(json_agg(h order by h."date"), '[]') from extra_holidays h) as holidays,
        (select coalesce(json_agg(o order by o."id"), '[]') from office_hours o) as office_hours`,
      [id],
    ),
  ]);
  if (!caseRows[0] || !state) return null;
  const rows = (key: string) => state[key] as Record<string, unknown>[];
  return {
    caseRow: toCase(rawCases.read(caseRows[0])),
    tasks: rows('tasks').map((r) => toTask(rawTasks.read(r))),
    documents: rows('documents').map((r) => toStoredDocument(rawDocuments.read(r))),
    extraHolidays: rows('holidays').map(toHoliday),
    officeHours: rows('office_hours').map(toOfficeHours),
  };
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
  const rows = await rawQuery(q)(`select ${rawDocuments.selectList} from documents where "case_id" = $1 order by "id"`, [caseId]);
  return rows.map((r) => toStoredDocument(rawDocuments.read(r)));
}

function toStoredDocument(r: typeof documents.$inferSelect): StoredDocument {
  return {
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
  };
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
 *
 * All of it is one statement of data-modifying CTEs: a press costs the database one parse and
 * one round trip for its writes, where a statement per table cost five. Rows that name a task
 * opened by the same statement take its id from `opened_ids`.
 */
export async function writeTransition(
  q: Queryable,
  caseRow: { id: number; ref: string; version: number },
  transition: Transition,
  actor: Actor,
  now: Date,
): Promise<{ openedIds: number[] }> {
  const params: RawParam[] = [];
  const opened = openedIds(transition.opened.length);
  const parts: string[] = [`case_update as (${updateSql(rawCases, 'cases', caseRow.id, { ...transition.caseChange, version: caseRow.version + 1 }, params)} returning 1)`];
  const taskUpdates = transition.taskChanges.map((change, i) => {
    // A new deadline is looked at by the reminder sweep at once.
    const set = { ...change.set, ...(change.set.dueAt !== undefined ? { nextCheckAt: now } : {}), version: change.expectedVersion + 1 };
    const versionCheck = `"version" = ${rawTasks.param('version', change.expectedVersion, params)}`;
    parts.push(`task_update_${i} as (${updateSql(rawTasks, 'tasks', change.id, set, params, versionCheck)} returning "id")`);
    return `select "id" from task_update_${i}`;
  });
  if (transition.opened.length) {
    const rows = transition.opened.map((open) => ({ caseId: caseRow.id, ...open, status: 'open', openedAt: now, confirmations: [], nextCheckAt: open.dueAt ? now : null }));
    parts.push(`opened as (${insertSql(rawTasks, 'tasks', OPENED_TASK_COLUMNS, rows, params)} returning "id")`);
    // Identity values are drawn row by row as the insert runs: ascending ids are the rows' order.
    if (rows.length > 1) parts.push('opened_ids as (select "id", row_number() over (order by "id") - 1 as n from opened)');
  }
  if (transition.events.length) {
    const rows = transition.events.map((e) => ({ caseId: caseRow.id, taskId: taskOf(e.taskRef, opened), type: e.type, actor, channel: actor.channel, data: e.data, at: now }));
    parts.push(`new_events as (${insertSql(rawEvents, 'events', EVENT_COLUMNS, rows, params)})`);
  }
  if (transition.messages.length) {
    const rows = transition.messages.map((m) => outboxRow(caseRow, m, opened));
    parts.push(`new_outbox as (${insertSql(rawOutbox, 'outbox', OUTBOX_COLUMNS, rows, params)} on conflict ("dedupe_key") do nothing)`);
  }
  const updated = taskUpdates.length ? `(select count(*) from (${taskUpdates.join(' union all ')}) u)::int` : '0';
  const openedList = transition.opened.length ? `(select coalesce(json_agg("id" order by "id"), '[]') from opened)` : `'[]'::json`;
  const [result] = await rawQuery(q)(`with ${parts.join(',\n')}\nselect ${updated} as updated, ${openedList} as opened`, params);
  if (Number(result!.updated) !== taskUpdates.length) {
    // Throwing rolls the whole statement back with the transaction.
    const current = await loadTasks(q, caseRow.id);
    const stale = transition.taskChanges.find((c) => current.find((t) => t.id === c.id)?.version !== c.expectedVersion + 1);
    throw new ConcurrentChangeError(stale?.id ?? transition.taskChanges[0]!.id);
  }
  return { openedIds: (result!.opened as unknown[]).map(Number) };
}

const OPENED_TASK_COLUMNS = ['caseId', 'stepId', 'visit', 'kind', 'roles', 'status', 'openedAt', 'dueAt', 'returnReason', 'confirmations', 'nextCheckAt'] as const;
const EVENT_COLUMNS = ['caseId', 'taskId', 'type', 'actor', 'channel', 'data', 'at'] as const;
const OUTBOX_COLUMNS = ['kind', 'role', 'caseId', 'taskId', 'dedupeKey', 'payload'] as const;

/** SQL for the ids of the tasks the statement opens, by their index in the transition's `opened`. */
interface OpenedIds {
  id(index: number): SqlFragment;
  /** `<prefix><id><suffix>`, such as `card:<id>:<role>`. */
  key(prefix: string, index: number, suffix: string): SqlFragment;
}

function openedIds(count: number): OpenedIds {
  // With one task opened (nearly every press) its id needs no numbering.
  const idSql = (index: number) => (count === 1 ? '(select "id" from opened)' : `(select "id" from opened_ids where n = ${Math.trunc(index)})`);
  return {
    id: (index) => ({ render: () => idSql(index) }),
    key: (prefix, index, suffix) => ({
      render: (params) => {
        params.push(prefix, suffix);
        return `($${params.length - 1}::text || ${idSql(index)} || $${params.length}::text)`;
      },
    }),
  };
}

function taskOf(ref: CaseEvent['taskRef'], opened: OpenedIds): number | SqlFragment | null {
  return ref === undefined ? null : 'existing' in ref ? ref.existing : opened.id(ref.opened);
}

/** `update <table> set ...` of the given columns (undefined ones are left alone), for one id. */
function updateSql<T extends typeof cases | typeof tasks>(
  table: RawTable<T>,
  tableName: string,
  id: number,
  set: Partial<T['$inferSelect']>,
  params: RawParam[],
  alsoWhere?: string,
): string {
  const assignments: string[] = [];
  for (const [key, value] of Object.entries(set) as [keyof T['$inferSelect'], unknown][]) {
    if (value !== undefined) assignments.push(`${table.name(key)} = ${table.param(key, value, params)}`);
  }
  return `update ${tableName} set ${assignments.join(', ')} where "id" = ${table.param('id', id, params)}${alsoWhere ? ` and ${alsoWhere}` : ''}`;
}

/** `insert into <table> (...) values (...), (...)`; a value may be an SQL fragment. */
function insertSql<T extends Table>(
  table: RawTable<T>,
  tableName: string,
  keys: readonly (keyof T['$inferSelect'])[],
  rows: { [K in keyof T['$inferSelect']]?: unknown }[],
  params: RawParam[],
): string {
  const values = rows.map((row) => `(${keys.map((key) => table.param(key, row[key], params)).join(', ')})`);
  return `insert into ${tableName} (${keys.map((key) => table.name(key)).join(', ')}) values ${values.join(', ')}`;
}

function outboxRow(caseRow: { id: number; ref: string; version: number }, m: OutgoingMessage, opened: OpenedIds): { [K in (typeof OUTBOX_COLUMNS)[number]]: unknown } {
  switch (m.kind) {
    case 'card':
    case 'task-returned':
      return {
        kind: 'card',
        role: m.role,
        caseId: caseRow.id,
        taskId: opened.id(m.task.opened),
        dedupeKey: opened.key('card:', m.task.opened, `:${m.role}`),
        payload: m.kind === 'task-returned' ? { returnReason: m.reason } : {},
      };
    case 'card-update': {
      const taskId = m.task.existing;
      // Role-less: the dispatcher edits every card it sent for this task.
      return { kind: 'card-update', role: null, caseId: caseRow.id, taskId, dedupeKey: `card-update:${taskId}:c${caseRow.version + 1}`, payload: {} };
    }
    case 'case-closed':
      return { kind: 'case-closed', role: m.role, caseId: caseRow.id, taskId: null, dedupeKey: `case-closed:${caseRow.id}:${m.role}`, payload: { outcome: m.outcome } };
  }
}

export async function listOutbox(q: Queryable, caseId?: number) {
  return q
    .select()
    .from(outbox)
    .where(caseId === undefined ? undefined : eq(outbox.caseId, caseId))
    .orderBy(asc(outbox.id));
}

const rawHolidays = new RawTable(extraHolidays);
const HOLIDAYS_SQL = `select ${rawHolidays.selectList} from extra_holidays order by "date"`;

function toHoliday(row: Record<string, unknown>): { date: string; name: string } {
  const { date, name } = rawHolidays.read(row);
  return { date, name };
}

export async function listExtraHolidays(q: Queryable): Promise<{ date: string; name: string }[]> {
  return (await rawQuery(q)(HOLIDAYS_SQL, [])).map(toHoliday);
}

export async function addExtraHoliday(q: Queryable, date: string, name: string): Promise<void> {
  await q.insert(extraHolidays).values({ date, name }).onConflictDoUpdate({ target: extraHolidays.date, set: { name } });
}

export async function removeExtraHoliday(q: Queryable, date: string): Promise<boolean> {
  const rows = await q.delete(extraHolidays).where(eq(extraHolidays.date, date)).returning();
  return rows.length > 0;
}

export interface StoredOfficeHours {
  id: number;
  fromDate: string;
  toDate: string;
  hours: string;
  fridayHours: string | null;
  name: string;
}

const rawOfficeHours = new RawTable(officeHours);

function toOfficeHours(row: Record<string, unknown>): StoredOfficeHours {
  const { id, fromDate, toDate, hours, fridayHours, name } = rawOfficeHours.read(row);
  return { id, fromDate, toDate, hours, fridayHours, name };
}

export async function listOfficeHours(q: Queryable): Promise<StoredOfficeHours[]> {
  const rows = await rawQuery(q)(`select ${rawOfficeHours.selectList} from office_hours order by "id"`, []);
  return rows.map(toOfficeHours);
}

/** Holidays and office-hour spans in one round trip, for a calendar outside an action. */
export async function loadCalendarSettings(q: Queryable): Promise<CalendarSettings> {
  const [row] = await rawQuery(q)(
    `select (select coalesce(json_agg(h order by h."date"), '[]') from extra_holidays h) as holidays,
            (select coalesce(json_agg(o order by o."id"), '[]') from office_hours o) as office_hours`,
    [],
  );
  return {
    extraHolidays: (row!.holidays as Record<string, unknown>[]).map(toHoliday),
    officeHours: (row!.office_hours as Record<string, unknown>[]).map(toOfficeHours),
  };
}

export async function addOfficeHours(q: Queryable, values: Omit<StoredOfficeHours, 'id'>): Promise<number> {
  const [row] = await q.insert(officeHours).values(values).returning({ id: officeHours.id });
  return row!.id;
}

export async function removeOfficeHours(q: Queryable, id: number): Promise<boolean> {
  const rows = await q.delete(officeHours).where(eq(officeHours.id, id)).returning();
  return rows.length > 0;
}

export async function tasksByIds(q: Queryable, ids: number[]) {
  if (!ids.length) return [];
  return q.select().from(tasks).where(inArray(tasks.id, ids));
}
