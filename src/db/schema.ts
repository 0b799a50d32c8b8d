/**
 * The one database schema, shared by PGlite (embedded) and postgres.js (a real server).
 * Migrations in `migrations/` are generated from this file with `npm run db:generate`.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Actor } from '../workflow/model.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();

/** Every distinct content of an SOP file gets a version; cases point at the version they started with. */
export const sopVersions = pgTable(
  'sop_versions',
  {
    id: id(),
    sopId: text('sop_id').notNull(),
    version: integer('version').notNull(),
    contentHash: text('content_hash').notNull(),
    definition: jsonb('definition').notNull(),
    sourceFile: text('source_file'),
    loadedAt: ts('loaded_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sop_versions_sop_version').on(t.sopId, t.version),
    uniqueIndex('sop_versions_sop_hash').on(t.sopId, t.contentHash),
  ],
);

/** Per-prefix, per-year counters behind references like PUPR-2026-0007. */
export const caseCounters = pgTable(
  'case_counters',
  {
    prefix: text('prefix').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.prefix, t.year] })],
);

export const cases = pgTable(
  'cases',
  {
    id: id(),
    ref: text('ref').notNull().unique(),
    sopVersionId: bigint('sop_version_id', { mode: 'number' })
      .notNull()
      .references(() => sopVersions.id),
    sopId: text('sop_id').notNull(),
    title: text('title').notNull(),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
    outcome: text('outcome', { enum: ['selesai', 'ditolak', 'dibatalkan'] }),
    /** Branch last chosen at each decision step, for conditional routes. */
    decisions: jsonb('decisions').$type<Record<string, string>>().notNull().default({}),
    startedBy: jsonb('started_by').$type<Actor>().notNull(),
    startedAt: ts('started_at').notNull(),
    closedAt: ts('closed_at'),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    index('cases_status').on(t.status, t.startedAt),
    // The monitoring report reads the cases closed since the start of its period (with the open
    // ones, through cases_status): history grows by month, a report reads one.
    index('cases_closed').on(t.closedAt),
  ],
);

export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    caseId: bigint('case_id', { mode: 'number' })
      .notNull()
      .references(() => cases.id),
    stepId: text('step_id').notNull(),
    /** 1 for the first visit to a step, 2 after the case came back to it, ... */
    visit: integer('visit').notNull(),
    kind: text('kind', { enum: ['task', 'review', 'decision', 'joint'] }).notNull(),
    roles: jsonb('roles').$type<string[]>().notNull(),
    status: text('status', { enum: ['open', 'completed', 'cancelled'] }).notNull(),
    openedAt: ts('opened_at').notNull(),
    dueAt: ts('due_at'),
    /** Why the case came to this step again (the reviewer's reason), shown on the card. */
    returnReason: text('return_reason'),
    confirmations: jsonb('confirmations')
      .$type<{ role: string; actor: Actor; at: string }[]>()
      .notNull()
      .default([]),
    doneAt: ts('done_at'),
    doneBy: jsonb('done_by').$type<Actor>(),
    action: text('action', { enum: ['done', 'approved', 'returned', 'chosen', 'confirmed', 'cancelled'] }),
    branch: text('branch'),
    comment: text('comment'),
    /** Where the case went after this task: a step id, or "end:<outcome>". */
    wentTo: text('went_to'),
    /** When the reminder sweep should look at this open task next (reminder, deadline, escalation). */
    nextCheckAt: ts('next_check_at'),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    index('tasks_case').on(t.caseId, t.id),
    index('tasks_open_due').on(t.status, t.dueAt),
    // The sweep reads only what is due: a partial index over open tasks keeps it small.
    index('tasks_next_check').on(t.nextCheckAt).where(sql`${t.status} = 'open'`),
    // The monitoring report reads the visits finished in its period (src/db/queries/report.ts).
    index('tasks_done').on(t.doneAt).where(sql`${t.doneAt} is not null`),
  ],
);

export const documents = pgTable(
  'documents',
  {
    id: id(),
    caseId: bigint('case_id', { mode: 'number' })
      .notNull()
      .references(() => cases.id),
    taskId: bigint('task_id', { mode: 'number' })
      .notNull()
      .references(() => tasks.id),
    stepId: text('step_id').notNull(),
    slotKind: text('slot_kind', { enum: ['kelengkapan', 'output'] }).notNull(),
    slotName: text('slot_name').notNull(),
    fileName: text('file_name').notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    uploadedBy: jsonb('uploaded_by').$type<Actor>().notNull(),
    uploadedAt: ts('uploaded_at').notNull(),
  },
  (t) => [index('documents_case').on(t.caseId)],
);

/** Append-only audit trail: who did what, when, from which channel. */
export const events = pgTable(
  'events',
  {
    id: id(),
    caseId: bigint('case_id', { mode: 'number' }).references(() => cases.id),
    taskId: bigint('task_id', { mode: 'number' }).references(() => tasks.id),
    type: text('type').notNull(),
    actor: jsonb('actor').$type<Actor>(),
    channel: text('channel'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    at: ts('at').notNull(),
  },
  (t) => [index('events_case').on(t.caseId, t.id)],
);

/**
 * Messages to send, written in the same transaction as the change that causes them.
 * A row is addressed to a role; the dispatcher routes it to the chats bound to that role.
 *
 * Two shapes share the table. A role-addressed row (platform null) is only routed:
 * pending -> routed (fanned out) | unrouted (no chat bound yet). A routed row (platform set,
 * parent_id -> the role row) is what gets sent: pending -> sending -> sent | dead.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    kind: text('kind').notNull(),
    role: text('role'),
    caseId: bigint('case_id', { mode: 'number' }).references(() => cases.id),
    taskId: bigint('task_id', { mode: 'number' }).references(() => tasks.id),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** Makes enqueueing idempotent: a re-run of the same cause writes nothing new. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    /** The role-addressed row this delivery was routed from. */
    parentId: bigint('parent_id', { mode: 'number' }).references((): AnyPgColumn => outbox.id),
    platform: text('platform'),
    chatId: text('chat_id'),
    /** '' for the whole chat on routed rows, so per-chat ordering can compare with `=`. */
    threadId: text('thread_id'),
    /** For edits: the message ref of the message being edited. */
    targetRef: jsonb('target_ref').$type<Record<string, unknown>>(),
    status: text('status', { enum: ['pending', 'routed', 'unrouted', 'sending', 'sent', 'dead'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When pending: not before. When sending: the claim's lease expiry (crash recovery). */
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    /** When the latest attempt took its rate-limit tokens; the per-chat and global windows count these. */
    claimedAt: ts('claimed_at'),
    lastError: text('last_error'),
    messageRef: jsonb('message_ref').$type<Record<string, unknown>>(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    index('outbox_due').on(t.status, t.nextAttemptAt),
    // Small (unsent rows only): answers "is an earlier row of this chat still unsent?".
    index('outbox_chat_unsent')
      .on(t.platform, t.chatId, t.threadId, t.id)
      .where(sql`${t.status} in ('pending', 'sending')`),
    index('outbox_platform_claimed').on(t.platform, t.claimedAt),
    index('outbox_task').on(t.taskId, t.kind),
    // The monitoring report counts the escalations of a period's cases: a small index (escalation
    // notices only, not their per-chat deliveries) instead of one probe per visit.
    index('outbox_escalations').on(t.caseId).where(sql`${t.kind} = 'escalation' and ${t.parentId} is null`),
  ],
);

/** A chat (or forum topic / Slack channel) that speaks for a role. */
export const bindings = pgTable(
  'bindings',
  {
    id: id(),
    platform: text('platform', { enum: ['telegram', 'slack'] }).notNull(),
    chatId: text('chat_id').notNull(),
    /** Forum topic (Telegram) or '' for the whole chat; never null so the unique index holds. */
    threadId: text('thread_id').notNull().default(''),
    role: text('role').notNull(),
    label: text('label'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('bindings_place_role').on(t.platform, t.chatId, t.threadId, t.role), index('bindings_role').on(t.role)],
);

export const pairingCodes = pgTable('pairing_codes', {
  id: id(),
  codeHash: text('code_hash').notNull().unique(),
  platform: text('platform', { enum: ['telegram', 'slack'] }).notNull(),
  role: text('role').notNull(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const processedUpdates = pgTable(
  'processed_updates',
  {
    platform: text('platform').notNull(),
    updateId: text('update_id').notNull(),
    /** When handling began (or began again after a crash left it unfinished). */
    at: ts('at').notNull().defaultNow(),
    /** When handling finished; null while it runs, or forever if the process died during it. */
    doneAt: ts('done_at'),
    /** The process that handles it (see PROCESS_ID). */
    owner: text('owner'),
  },
  (t) => [primaryKey({ columns: [t.platform, t.updateId] })],
);

export const roleAllowlist = pgTable(
  'role_allowlist',
  {
    platform: text('platform').notNull(),
    role: text('role').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.role, t.userId] })],
);

/** Dates an admin added on top of the shipped libur nasional / cuti bersama list. */
export const extraHolidays = pgTable('extra_holidays', {
  date: date('date', { mode: 'string' }).primaryKey(),
  name: text('name').notNull(),
  addedAt: ts('added_at').notNull().default(sql`now()`),
});

/**
 * Office hours an admin set for a span of dates (Ramadan of a year, say), on top of the
 * configured ones; read with every action, so they apply without a restart.
 */
export const officeHours = pgTable('office_hours', {
  id: id(),
  fromDate: date('from_date', { mode: 'string' }).notNull(),
  toDate: date('to_date', { mode: 'string' }).notNull(),
  /** Monday to Thursday, as periods: "08:00-12:00,12:30-15:00". */
  hours: text('hours').notNull(),
  /** Friday; null: the same as `hours`. */
  fridayHours: text('friday_hours'),
  name: text('name').notNull(),
  addedAt: ts('added_at').notNull().default(sql`now()`),
});

/**
 * A question the bot asked one person and is waiting for the answer to: the reason of a
 * Kembalikan, the title of a new case, the slot of an upload, a due date. Expires by itself.
 */
export const pendingPrompts = pgTable(
  'pending_prompts',
  {
    id: id(),
    platform: text('platform', { enum: ['telegram', 'slack'] }).notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind', { enum: ['return-reason', 'case-title', 'upload-slot', 'due-date'] }).notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    promptMessageId: text('prompt_message_id'),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('pending_prompts_person').on(t.platform, t.chatId, t.userId)],
);
