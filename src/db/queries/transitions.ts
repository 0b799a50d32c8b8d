/**
 * The write path of every workflow action: lock a case and read all it decides on, then write
 * what the core decided (case, tasks, events, outbox rows) in one statement. The press path is
 * hand-written SQL built from the drizzle schema (raw.ts): three statements per press.
 */
import type { Table } from 'drizzle-orm';
import type { Actor, CaseEvent, TaskState, Transition } from '../../workflow/model.js';
import type { Queryable } from '../database.js';
import { RawTable, rawQuery, type RawParam, type SqlFragment } from '../raw.js';
import { type cases, events, outbox, type tasks } from '../schema.js';
import { toHoliday, toOfficeHours, type CalendarSettings } from './calendar-settings.js';
import { rawCases, toCase, type CaseRow } from './cases.js';
import { rawDocuments, toStoredDocument, type StoredDocument } from './documents.js';
import { rawTasks, toTask } from './tasks.js';

/**
 * A concurrent change got there first: the case (or a task) is no longer at the version the
 * transition was decided from. Nothing of the write is kept. `taskId` names the first task
 * that changed, or null when only the case did.
 */
export class ConcurrentChangeError extends Error {
  constructor(
    readonly caseId: number,
    readonly taskId: number | null,
  ) {
    super(taskId === null ? `case ${caseId} changed concurrently` : `task ${taskId} changed concurrently`);
    this.name = 'ConcurrentChangeError';
  }
}

/** How `sopbot_concurrent_change()` (migration 0003) undoes a stale write: its code and message. */
const STALE_WRITE = { code: '40001', message: 'sopbot: concurrent change' } as const;

/** A part of a dedupe key: text, or the id of a task the same statement opens (its index in `opened`). */
export type KeyPart = string | { openedTask: number };

/** An outbox row a transition writes; its key may name a task the same statement opens. */
export interface OutboxWrite {
  kind: string;
  role: string | null;
  /** The task the message is about: an existing one, one the transition opens, or none. */
  task: { existing: number } | { opened: number } | null;
  payload: Record<string, unknown>;
  dedupeKey: readonly KeyPart[];
}

export interface CaseForAction extends CalendarSettings {
  caseRow: CaseRow;
  tasks: TaskState[];
  documents: StoredDocument[];
}

const rawEvents = new RawTable(events);
const rawOutbox = new RawTable(outbox);

/** The rows of a case's tasks and documents and the admin's calendar settings, as JSON arrays. */
const STATE_COLUMNS = `
  (select coalesce(json_agg(t order by t."id"), '[]') from tasks t where t."case_id" = (table target)) as tasks,
  (select coalesce(json_agg(d order by d."id"), '[]') from documents d where d."case_id" = (table target)) as documents,
  (select coalesce(json_agg(h order by h."date"), '[]') from extra_holidays h) as holidays,
  (select coalesce(json_agg(o order by o."id"), '[]') from office_hours o) as office_hours`;

/**
 * Reads all an action decides on, for a case named by itself or by one of its tasks.
 *
 * Without `lock`: one statement, so one snapshot; the write that follows checks the versions
 * (`writeTransition`), so a change in between is caught there, not prevented here.
 *
 * With `lock` (inside a transaction): the case row is locked first and the rest read after, in
 * two statements sent together (one round trip). The server runs them in order, and under READ
 * COMMITTED the read takes its snapshot only once the lock is held, so it sees whatever the
 * transaction that held the lock before committed. (A subquery of the locking statement itself
 * would not: it keeps the snapshot from before the wait.)
 */
export async function loadCaseForAction(
  q: Queryable,
  target: { taskId: number } | { caseId: number },
  options: { lock: boolean },
): Promise<CaseForAction | null> {
  const run = rawQuery(q);
  const caseId = 'taskId' in target ? 'select "case_id" from tasks where "id" = $1' : 'select $1::bigint';
  const id = 'taskId' in target ? target.taskId : target.caseId;
  let caseRow: Record<string, unknown> | undefined;
  let state: Record<string, unknown> | undefined;
  if (options.lock) {
    const [caseRows, [stateRow]] = await Promise.all([
      // NO KEY UPDATE, as the write's own update takes: the sweep's outbox rows check their case
      // with KEY SHARE while it holds task rows this action may wait for, and FOR UPDATE would
      // then wait for the sweep while the sweep waits for it.
      run(`select ${rawCases.selectList} from cases where "id" = (${caseId}) for no key update`, [id]),
      run(`with target as (${caseId}) select ${STATE_COLUMNS}`, [id]),
    ]);
    caseRow = caseRows[0];
    state = stateRow;
  } else {
    [state] = await run(`with target as (${caseId}) select row_to_json(c) as case_row, ${STATE_COLUMNS} from cases c where c."id" = (table target)`, [id]);
    caseRow = state?.case_row as Record<string, unknown> | undefined;
  }
  if (!caseRow || !state) return null;
  const rows = (key: string) => state[key] as Record<string, unknown>[];
  return {
    caseRow: toCase(rawCases.read(caseRow)),
    tasks: rows('tasks').map((r) => toTask(rawTasks.read(r))),
    documents: rows('documents').map((r) => toStoredDocument(rawDocuments.read(r))),
    extraHolidays: rows('holidays').map(toHoliday),
    officeHours: rows('office_hours').map(toOfficeHours),
  };
}

/** A task with all its card shows: its case, the case's documents, the admin's calendar settings. */
export interface TaskForView extends CalendarSettings {
  task: TaskState & { caseId: number };
  caseRow: CaseRow;
  documents: StoredDocument[];
}

/**
 * A task for its card, in one statement: every card the dispatcher sends and every edit after a
 * press reads it, and four statements each were a fifth of what delivering a card cost.
 */
export async function loadTaskForView(q: Queryable, taskId: number): Promise<TaskForView | null> {
  const [row] = await rawQuery(q)(
    `select row_to_json(t) as task, row_to_json(c) as case_row,
       (select coalesce(json_agg(d order by d."id"), '[]') from documents d where d."case_id" = t."case_id") as documents,
       (select coalesce(json_agg(h order by h."date"), '[]') from extra_holidays h) as holidays,
       (select coalesce(json_agg(o order by o."id"), '[]') from office_hours o) as office_hours
     from tasks t join cases c on c."id" = t."case_id"
     where t."id" = $1`,
    [taskId],
  );
  if (!row) return null;
  const task = rawTasks.read(row.task as Record<string, unknown>);
  const rows = (key: string) => row[key] as Record<string, unknown>[];
  return {
    task: { ...toTask(task), caseId: task.caseId },
    caseRow: toCase(rawCases.read(row.case_row as Record<string, unknown>)),
    documents: rows('documents').map((r) => toStoredDocument(rawDocuments.read(r))),
    extraHolidays: rows('holidays').map(toHoliday),
    officeHours: rows('office_hours').map(toOfficeHours),
  };
}

/**
 * Writes everything a transition decided: the case, the tasks, the new tasks, the audit events
 * and the outbox rows. Returns the new task ids.
 *
 * All of it is one statement of data-modifying CTEs: a press costs the database one parse and
 * one round trip for its writes, where a statement per table cost five. Rows that name a task
 * opened by the same statement take its id from `opened_ids`.
 *
 * It holds only for the versions the core saw. Every part is written only if the case's update
 * found the case at its version (every change to a case's tasks bumps it): otherwise nothing is
 * written and `ConcurrentChangeError` says so. Each task's update also checks the task's own
 * version; should one miss while the case matched, `sopbot_concurrent_change()` (migration 0003)
 * raises and the error undoes the whole statement.
 */
export async function writeTransition(
  q: Queryable,
  caseRow: { id: number; ref: string; version: number },
  transition: Transition,
  outboxRows: readonly OutboxWrite[],
  actor: Actor,
  now: Date,
): Promise<{ openedIds: number[] }> {
  const params: RawParam[] = [];
  const opened = openedIds(transition.opened.length);
  const caseVersionCheck = `"version" = ${rawCases.param('version', caseRow.version, params)}`;
  const parts: string[] = [
    `case_update as (${updateSql(rawCases, 'cases', caseRow.id, { ...transition.caseChange, version: caseRow.version + 1 }, params, caseVersionCheck)} returning 1)`,
  ];
  const caseMatched = 'exists (select 1 from case_update)';
  const taskUpdates = transition.taskChanges.map((change, i) => {
    // A new deadline is looked at by the reminder sweep at once.
    const set = { ...change.set, ...(change.set.dueAt !== undefined ? { nextCheckAt: now } : {}), version: change.expectedVersion + 1 };
    const versionCheck = `"version" = ${rawTasks.param('version', change.expectedVersion, params)}`;
    parts.push(`task_update_${i} as (${updateSql(rawTasks, 'tasks', change.id, set, params, `${versionCheck} and ${caseMatched}`)} returning "id")`);
    return `select "id" from task_update_${i}`;
  });
  if (transition.opened.length) {
    const rows = transition.opened.map((open) => ({ caseId: caseRow.id, ...open, status: 'open', openedAt: now, confirmations: [], nextCheckAt: open.dueAt ? now : null }));
    parts.push(`opened as (${insertSql(rawTasks, 'tasks', OPENED_TASK_COLUMNS, rows, params, caseMatched)} returning "id")`);
    // Identity values are drawn row by row as the insert runs: ascending ids are the rows' order.
    if (rows.length > 1) parts.push('opened_ids as (select "id", row_number() over (order by "id") - 1 as n from opened)');
  }
  if (transition.events.length) {
    const rows = transition.events.map((e) => ({ caseId: caseRow.id, taskId: taskOf(e.taskRef, opened), type: e.type, actor, channel: actor.channel, data: e.data, at: now }));
    parts.push(`new_events as (${insertSql(rawEvents, 'events', EVENT_COLUMNS, rows, params, caseMatched)})`);
  }
  if (outboxRows.length) {
    const rows = outboxRows.map((m) => ({
      kind: m.kind,
      role: m.role,
      caseId: caseRow.id,
      taskId: m.task === null ? null : taskOf(m.task, opened),
      dedupeKey: opened.key(m.dedupeKey),
      payload: m.payload,
    }));
    parts.push(`new_outbox as (${insertSql(rawOutbox, 'outbox', OUTBOX_COLUMNS, rows, params, caseMatched)} on conflict ("dedupe_key") do nothing)`);
  }
  if (taskUpdates.length) parts.push(`updated_tasks as (${taskUpdates.join(' union all ')})`);
  const updatedIds = taskUpdates.length ? `(select coalesce(json_agg("id"), '[]') from updated_tasks)` : `'[]'::json`;
  const updatedCount = taskUpdates.length ? '(select count(*) from updated_tasks)' : '0';
  const openedList = transition.opened.length ? `(select coalesce(json_agg("id" order by "id"), '[]') from opened)` : `'[]'::json`;
  // A task that missed its version while the case matched: the function raises, and the error
  // undoes every part of the statement, in or out of a transaction.
  const taskGuard = `case when not ${caseMatched} or ${updatedCount} = ${taskUpdates.length} then 0
    else sopbot_concurrent_change(json_build_object('tasksUpdated', ${updatedIds})::text) end`;
  let result: Record<string, unknown> | undefined;
  try {
    [result] = await rawQuery(q)(`with ${parts.join(',\n')}\nselect ${caseMatched} as case_matched, ${openedList} as opened, ${taskGuard} as task_guard`, params);
  } catch (e) {
    if (!isStaleWrite(e)) throw e;
    const updated = new Set((JSON.parse(e.detail) as { tasksUpdated: unknown[] }).tasksUpdated.map(Number));
    throw new ConcurrentChangeError(caseRow.id, transition.taskChanges.find((c) => !updated.has(c.id))?.id ?? null);
  }
  // The case moved on since it was read: nothing was written.
  if (result!.case_matched !== true) throw new ConcurrentChangeError(caseRow.id, null);
  return { openedIds: (result!.opened as unknown[]).map(Number) };
}

/** The error `sopbot_concurrent_change()` raises, as either driver reports it. */
function isStaleWrite(e: unknown): e is { detail: string } {
  const err = e as { code?: unknown; message?: unknown; detail?: unknown } | null;
  return typeof err === 'object' && err !== null && err.code === STALE_WRITE.code && err.message === STALE_WRITE.message && typeof err.detail === 'string';
}

const OPENED_TASK_COLUMNS = ['caseId', 'stepId', 'visit', 'kind', 'roles', 'status', 'openedAt', 'dueAt', 'returnReason', 'confirmations', 'nextCheckAt'] as const;
const EVENT_COLUMNS = ['caseId', 'taskId', 'type', 'actor', 'channel', 'data', 'at'] as const;
const OUTBOX_COLUMNS = ['kind', 'role', 'caseId', 'taskId', 'dedupeKey', 'payload'] as const;

/** SQL for the ids of the tasks the statement opens, by their index in the transition's `opened`. */
interface OpenedIds {
  id(index: number): SqlFragment;
  /** A dedupe key whose parts may name an opened task's id, such as `card:<id>:<role>`. */
  key(parts: readonly KeyPart[]): SqlFragment;
}

function openedIds(count: number): OpenedIds {
  // With one task opened (nearly every press) its id needs no numbering.
  const idSql = (index: number) => (count === 1 ? '(select "id" from opened)' : `(select "id" from opened_ids where n = ${Math.trunc(index)})`);
  return {
    id: (index) => ({ render: () => idSql(index) }),
    key: (parts) => ({
      render: (params) =>
        parts
          .map((part) => {
            if (typeof part !== 'string') return `${idSql(part.openedTask)}::text`;
            params.push(part);
            return `$${params.length}::text`;
          })
          .join(' || '),
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

/** `insert into <table> (...)` of the rows, only if `condition` holds; a value may be an SQL fragment. */
function insertSql<T extends Table>(
  table: RawTable<T>,
  tableName: string,
  keys: readonly (keyof T['$inferSelect'])[],
  rows: { [K in keyof T['$inferSelect']]?: unknown }[],
  params: RawParam[],
  condition: string,
): string {
  const values = rows.map((row) => `(${keys.map((key) => table.param(key, row[key], params)).join(', ')})`);
  // Every value carries its column's cast, so the rows keep their types through the select.
  return `insert into ${tableName} (${keys.map((key) => table.name(key)).join(', ')}) select * from (values ${values.join(', ')}) as v where ${condition}`;
}

