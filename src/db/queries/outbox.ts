/**
 * The outbox: messages written in the same transaction as the change that causes them, routed
 * to the chats bound to their role, claimed across replicas, sent, and recorded. Also where a
 * card's sent message is found again (a reply to a card, a notice in a card's thread).
 */
import { and, asc, eq, gt, inArray, isNull, lte, min, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../database.js';
import { events, outbox } from '../schema.js';
import { bindingsForRoles, lockRolesRouting, type BindingRow, type ChatPlatform } from './bindings.js';
import { rawQuery } from '../raw.js';

export type OutboxRow = typeof outbox.$inferSelect;

/** What a feature writes to have something sent; routing and delivery fill in the rest. */
export type NewOutboxRow = Pick<
  typeof outbox.$inferInsert,
  'kind' | 'role' | 'caseId' | 'taskId' | 'payload' | 'dedupeKey' | 'platform' | 'chatId' | 'threadId' | 'nextAttemptAt'
>;

/**
 * Inserts rows, skipping any whose dedupe key exists, so a re-run enqueues nothing twice. Returns
 * how many were new. The rows get ids in the order given (the order they are delivered in).
 * Hand-written (raw.ts): the scheduler writes a thousand notices at once, and drizzle took about
 * 60 µs of CPU a row to build such an insert, more than PostgreSQL takes to write it.
 */
export async function enqueueOutbox(q: Queryable, rows: NewOutboxRow[]): Promise<number> {
  if (!rows.length) return 0;
  const [result] = await rawQuery(q)(
    `with ins as (
       insert into outbox ("kind", "role", "case_id", "task_id", "payload", "dedupe_key", "platform", "chat_id", "thread_id", "next_attempt_at")
       select r->>'kind', r->>'role', (r->>'caseId')::bigint, (r->>'taskId')::bigint, coalesce(r->'payload', '{}'::jsonb), r->>'dedupeKey',
              r->>'platform', r->>'chatId',
              -- A routed row's whole chat is '' (see the schema), so per-chat ordering compares with =.
              case when r->>'platform' is null then r->>'threadId' else coalesce(r->>'threadId', '') end,
              coalesce((r->>'nextAttemptAt')::timestamptz, now())
         from jsonb_array_elements($1::jsonb) with ordinality as e(r, n)
        order by n
       on conflict ("dedupe_key") do nothing
       returning 1
     )
     select count(*)::int as n from ins`,
    [JSON.stringify(rows)],
  );
  return Number(result?.n ?? 0);
}

/** Role-addressed rows due for routing, locked so a second replica routes others. */
export async function lockDueParents(tx: Tx, now: Date, limit: number): Promise<OutboxRow[]> {
  return tx
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), isNull(outbox.platform), lte(outbox.nextAttemptAt, now)))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** How routeParents turns parents into deliveries. */
export interface RoutePlan {
  /** Role-less kinds that edit earlier messages: edit kind -> kind of the messages it edits. */
  editKinds: Record<string, string>;
  /** An edit whose original is still on its way looks again then (the original's send wakes it sooner). */
  waitUntil: Date;
  /** A role-addressed row's delivery into one bound place (routing the same row again adds nothing). */
  deliveryKey: (parent: OutboxRow, place: BindingRow) => string;
  /** An edit's delivery to one message it edits. */
  editKey: (parent: OutboxRow, edited: OutboxRow) => string;
}

export interface RouteResult {
  /** Parents routed (or found no chat, see `unrouted`). */
  moved: number;
  /** Edits waiting for their original. */
  waiting: number;
  /** Role-addressed parents with no chat bound to their role: marked unrouted until one is. */
  unrouted: OutboxRow[];
}

/**
 * Routes locked parents (role-addressed rows and edits) to the places they go, in a few
 * statements for the whole batch rather than four per row:
 *  - a role-addressed row fans out to every place bound to its role (under the role's routing
 *    lock, see lockRolesRouting), or is marked unrouted when none is;
 *  - an edit goes to every message of the kind it edits that was sent for its task, or, while
 *    such a message is still on its way, waits (an edit never overtakes what it edits). A message
 *    sent without a ref cannot be edited; dead and unrouted ones were never seen.
 */
export async function routeParents(tx: Tx, parents: readonly OutboxRow[], now: Date, plan: RoutePlan): Promise<RouteResult> {
  const edits = parents.filter((p) => plan.editKinds[p.kind] !== undefined);
  const plain = parents.filter((p) => plan.editKinds[p.kind] === undefined);
  const roles = [...new Set(plain.map((p) => p.role).filter((r): r is string => r !== null))];
  await lockRolesRouting(tx, roles);
  const places = await bindingsForRoles(tx, roles);
  const editedTasks = [...new Set(edits.map((e) => e.taskId).filter((t): t is number => t !== null))];
  const originals = editedTasks.length
    ? await tx
        .select()
        .from(outbox)
        .where(and(inArray(outbox.taskId, editedTasks), inArray(outbox.kind, [...new Set(edits.map((e) => plan.editKinds[e.kind]!))])))
        .orderBy(asc(outbox.id))
    : [];

  const deliveries: (typeof outbox.$inferInsert)[] = [];
  const outcomes: { id: number; status: 'pending' | 'routed' | 'unrouted'; at: Date | null }[] = [];
  const result: RouteResult = { moved: 0, waiting: 0, unrouted: [] };
  for (const parent of parents) {
    const editedKind = plan.editKinds[parent.kind];
    if (editedKind !== undefined) {
      const mine = originals.filter((o) => parent.taskId !== null && o.taskId === parent.taskId && o.kind === editedKind);
      const unsent = mine.some((o) => (o.platform === null ? o.status === 'pending' : o.status === 'pending' || o.status === 'sending'));
      if (unsent) {
        outcomes.push({ id: parent.id, status: 'pending', at: plan.waitUntil });
        result.waiting++;
        continue;
      }
      for (const t of mine) {
        if (t.platform === null || t.status !== 'sent' || t.messageRef === null) continue;
        // Per target, not per chat: two roles bound to one chat each got their own card.
        deliveries.push({ ...inherit(parent, now), role: t.role, dedupeKey: plan.editKey(parent, t), platform: t.platform, chatId: t.chatId, threadId: t.threadId ?? '', targetRef: t.messageRef });
      }
      outcomes.push({ id: parent.id, status: 'routed', at: null });
      result.moved++;
      continue;
    }
    const bound = parent.role === null ? [] : places.filter((b) => b.role === parent.role);
    for (const b of bound) {
      deliveries.push({ ...inherit(parent, now), dedupeKey: plan.deliveryKey(parent, b), platform: b.platform, chatId: b.chatId, threadId: b.threadId });
    }
    outcomes.push({ id: parent.id, status: bound.length ? 'routed' : 'unrouted', at: null });
    if (!bound.length) result.unrouted.push(parent);
    result.moved++;
  }
  for (let i = 0; i < deliveries.length; i += 500) {
    await tx.insert(outbox).values(deliveries.slice(i, i + 500)).onConflictDoNothing({ target: outbox.dedupeKey });
  }
  await setOutcomes(tx, outcomes);
  return result;
}

function inherit(parent: OutboxRow, now: Date) {
  return {
    kind: parent.kind,
    role: parent.role,
    caseId: parent.caseId,
    taskId: parent.taskId,
    payload: parent.payload,
    parentId: parent.id,
    status: 'pending' as const,
    nextAttemptAt: now,
  };
}

/** Sets each row's status and, where given, when it is due, in one statement. */
async function setOutcomes(q: Queryable, outcomes: readonly { id: number; status: string; at: Date | null }[]): Promise<void> {
  if (!outcomes.length) return;
  await rawQuery(q)(
    `update outbox set "status" = v.status, "next_attempt_at" = coalesce(v.at, outbox."next_attempt_at")
       from jsonb_to_recordset($1::jsonb) as v(id bigint, status text, at timestamptz)
      where outbox."id" = v.id`,
    [JSON.stringify(outcomes.map((o) => ({ id: o.id, status: o.status, at: o.at?.toISOString() ?? null })))],
  );
}

/** Unrouted rows of a role, locked for routing again now that a chat may be bound. */
export async function lockUnrouted(q: Queryable, role: string): Promise<OutboxRow[]> {
  return q
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, 'unrouted'), isNull(outbox.platform), eq(outbox.role, role)))
    .orderBy(asc(outbox.id))
    .for('update', { skipLocked: true });
}

/**
 * Serialises claiming per platform across replicas for the rest of the transaction: the rate
 * windows are counted from the table, and two replicas counting at once would both spend the
 * last token.
 */
export async function lockPlatform(tx: Tx, platform: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sopbot.outbox.${platform}`}))`);
}

/**
 * Due deliveries of a platform that are the oldest unsent row of their chat (platform, chat,
 * thread): a row behind an unsent one waits, which keeps a chat's order. A 'sending' row is
 * due again once its lease expired (its replica died).
 */
export async function lockClaimable(tx: Tx, platform: string, now: Date, limit: number): Promise<OutboxRow[]> {
  // The oldest unsent row of each chat, found in one ordered pass over the unsent rows. Asked as
  // "no earlier unsent row exists" instead, the planner ran it as a nested loop comparing every
  // unsent row with every other whenever the table's statistics were stale, as after a burst of
  // cards, and always on PGlite, which has no autovacuum to refresh them: 1.3-2.5 s per claim
  // with 2 000 cards waiting (docs/performance.md).
  const heads = tx
    .selectDistinctOn([outbox.chatId, outbox.threadId], { id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.platform, platform), inArray(outbox.status, ['pending', 'sending'])))
    .orderBy(outbox.chatId, outbox.threadId, outbox.id);
  return tx
    .select()
    .from(outbox)
    .where(and(inArray(outbox.id, heads), lte(outbox.nextAttemptAt, now)))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** The rate-limit tokens a platform spent lately (ms timestamps, oldest first). */
export interface RecentClaims {
  /** Every attempt of the platform after `overallAfter`. */
  overall: number[];
  /** Chats with at least `chatsFrom` attempts after `since`: their newest `perChat`. */
  chats: Map<string, number[]>;
}

/**
 * The attempts of a platform that took rate-limit tokens: the overall window, and the per-chat
 * window only of the chats a claim could bring to their limit, each as one row. A claim that
 * read every send of the last minute read 1 800 rows at 30/s for the few chats near their 20.
 */
export async function recentClaims(
  q: Queryable,
  platform: string,
  window: { since: Date; overallAfter: Date; chatsFrom: number; perChat: number },
): Promise<RecentClaims> {
  const rows = await rawQuery(q)(
    `with recent as (
       select "chat_id", "claimed_at",
              count(*) over (partition by "chat_id") as n,
              row_number() over (partition by "chat_id" order by "claimed_at" desc) as rn
         from outbox where "platform" = $1 and "claimed_at" > $2::timestamptz
     )
     select true as overall, null as chat_id, coalesce(json_agg(extract(epoch from "claimed_at") * 1000 order by "claimed_at"), '[]') as log
       from recent where "claimed_at" > $3::timestamptz
     union all
     select false, "chat_id", json_agg(extract(epoch from "claimed_at") * 1000 order by "claimed_at")
       from recent where n >= $4 and rn <= $5 group by "chat_id"`,
    [platform, window.since.toISOString(), window.overallAfter.toISOString(), window.chatsFrom, window.perChat],
  );
  const log = (value: unknown) => (value as (number | string)[]).map(Number);
  const overall = rows.find((r) => r.overall === true);
  return {
    overall: overall ? log(overall.log) : [],
    chats: new Map(rows.filter((r) => r.overall !== true).map((r) => [String(r.chat_id ?? ''), log(r.log)])),
  };
}

/** Puts rows back to wait without counting an attempt (rate limits, a paused platform), each until its own time; one statement. */
export async function deferDeliveries(q: Queryable, rows: readonly { id: number; until: Date }[]): Promise<void> {
  await setOutcomes(q, rows.map((r) => ({ id: r.id, status: 'pending', at: r.until })));
}

/**
 * Marks rows sending under a lease. `attempts` is bumped here and doubles as the claim's
 * fencing token: a late finish from a claim that lost its lease matches no row.
 */
export async function markClaimed(tx: Tx, ids: number[], now: Date, leaseUntil: Date): Promise<OutboxRow[]> {
  if (!ids.length) return [];
  const rows = await tx
    .update(outbox)
    .set({ status: 'sending', attempts: sql`${outbox.attempts} + 1`, claimedAt: now, nextAttemptAt: leaseUntil })
    .where(inArray(outbox.id, ids))
    .returning();
  return rows.sort((a, b) => a.id - b.id);
}

function claimedBy(id: number, attempt: number) {
  return and(eq(outbox.id, id), eq(outbox.status, 'sending'), eq(outbox.attempts, attempt));
}

/** Keeps a slow delivery's claim alive. False when the claim was lost. */
export async function extendLease(q: Queryable, id: number, attempt: number, leaseUntil: Date): Promise<boolean> {
  const rows = await q.update(outbox).set({ nextAttemptAt: leaseUntil }).where(claimedBy(id, attempt)).returning({ id: outbox.id });
  return rows.length > 0;
}

/**
 * Records a send; false when the claim was lost (lease expired and another replica took the
 * row). In the same statement, edits of `editKinds` waiting for this row's task need not wait
 * any longer: routing looks at them again (one statement, atomic without a transaction: a
 * crash between the two would leave them asleep until their safety net).
 */
export async function markSent(
  q: Queryable,
  row: { id: number; taskId: number | null },
  attempt: number,
  messageRef: Record<string, unknown> | null,
  sentAt: Date,
  editKinds: readonly string[] = [],
): Promise<boolean> {
  const wake = row.taskId !== null && editKinds.length > 0;
  const [result] = await rawQuery(q)(
    // The send reached the server at the latest now: the rate windows count it from here, so
    // the next token is never freed before the server's own window let this one go.
    `with sent as (
       update outbox set "status" = 'sent', "message_ref" = $3::jsonb, "sent_at" = $4::timestamptz, "claimed_at" = $4::timestamptz, "last_error" = null
        where "id" = $1 and "status" = 'sending' and "attempts" = $2
        returning "id"
     )${
       wake
         ? `, woken as (
       update outbox set "next_attempt_at" = $4::timestamptz
        where exists (select 1 from sent) and "task_id" = $5 and "kind" in (select jsonb_array_elements_text($6::jsonb))
          and "platform" is null and "status" = 'pending' and "next_attempt_at" > $4::timestamptz
     )`
         : ''
     }
     select count(*)::int as n from sent`,
    [row.id, attempt, messageRef === null ? null : JSON.stringify(messageRef), sentAt.toISOString(), ...(wake ? [row.taskId, JSON.stringify(editKinds)] : [])],
  );
  return Number(result?.n) > 0;
}

/** Back to pending for another try; `uncountAttempt` for a server-requested wait (429), which is no failure. */
export async function markRetry(
  q: Queryable,
  id: number,
  attempt: number,
  next: { at: Date; lastError: string; uncountAttempt?: boolean },
): Promise<boolean> {
  const rows = await q
    .update(outbox)
    .set({
      status: 'pending',
      nextAttemptAt: next.at,
      lastError: next.lastError,
      ...(next.uncountAttempt ? { attempts: sql`${outbox.attempts} - 1` } : {}),
    })
    .where(claimedBy(id, attempt))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** Gives up on a row and leaves an audit event, in one transaction, so nothing ends silently. */
export async function markDead(
  q: Queryable,
  row: OutboxRow,
  attempt: number,
  lastError: string,
  now: Date,
): Promise<boolean> {
  return q.transaction(async (tx) => {
    const rows = await tx
      .update(outbox)
      .set({ status: 'dead', lastError })
      .where(claimedBy(row.id, attempt))
      .returning({ id: outbox.id });
    if (!rows.length) return false;
    await tx.insert(events).values({
      caseId: row.caseId,
      taskId: row.taskId,
      type: 'delivery.dead',
      channel: row.platform,
      data: {
        outboxId: row.id,
        kind: row.kind,
        role: row.role,
        platform: row.platform,
        chatId: row.chatId,
        threadId: row.threadId,
        attempts: attempt,
        lastError,
      },
      at: now,
    });
    return true;
  });
}

/** Edits waiting for a message of this task need not wait any longer: let routing look again. */
export async function wakeEdits(q: Queryable, taskId: number, editKinds: string[], now: Date): Promise<void> {
  if (!editKinds.length) return;
  await q
    .update(outbox)
    .set({ nextAttemptAt: now })
    .where(
      and(
        eq(outbox.taskId, taskId),
        inArray(outbox.kind, editKinds),
        isNull(outbox.platform),
        eq(outbox.status, 'pending'),
        gt(outbox.nextAttemptAt, now),
      ),
    );
}

/**
 * The earliest moment after `now` a waiting row becomes due (a backoff, a rate-limit token, a
 * 429, a lease), so a polling loop can sleep exactly until then.
 */
export async function nextAttemptAfter(q: Queryable, now: Date, platforms?: string[]): Promise<Date | null> {
  const [row] = await q
    .select({ at: min(outbox.nextAttemptAt) })
    .from(outbox)
    .where(
      and(
        inArray(outbox.status, ['pending', 'sending']),
        gt(outbox.nextAttemptAt, now),
        platforms ? sql`(${outbox.platform} is null or ${inArray(outbox.platform, platforms)})` : undefined,
      ),
    );
  return row?.at ?? null;
}

export async function listOutbox(q: Queryable, caseId?: number) {
  return q
    .select()
    .from(outbox)
    .where(caseId === undefined ? undefined : eq(outbox.caseId, caseId))
    .orderBy(asc(outbox.id));
}

/** The task whose card is this message (a reply to a card carries the card's message id). */
export async function taskOfCardMessage(q: Queryable, platform: ChatPlatform, chatId: string, messageId: string): Promise<number | null> {
  const rows = await q
    .select({ taskId: outbox.taskId })
    .from(outbox)
    .where(
      and(
        eq(outbox.platform, platform),
        eq(outbox.chatId, chatId),
        eq(outbox.kind, 'card'),
        sql`${outbox.messageRef}->>'messageId' = ${messageId}`,
      ),
    )
    .limit(1);
  return rows[0]?.taskId ?? null;
}

/**
 * The task of a card someone replied to. The dispatcher records a card's message id just after
 * the platform accepted it, so a reply that comes within that moment waits a little (up to about
 * 3 s) for the record instead of being told it replied to nothing.
 */
export async function taskOfRepliedCard(q: Queryable, platform: ChatPlatform, chatId: string, messageId: string): Promise<number | null> {
  for (let attempt = 0; ; attempt++) {
    const taskId = await taskOfCardMessage(q, platform, chatId, messageId);
    if (taskId || attempt >= 12) return taskId;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The message id of the card of a task in a chat, if one was sent there. */
export async function cardMessageIn(q: Queryable, platform: ChatPlatform, chatId: string, taskId: number): Promise<string | null> {
  const rows = await q
    .select({ ref: outbox.messageRef })
    .from(outbox)
    .where(and(eq(outbox.platform, platform), eq(outbox.chatId, chatId), eq(outbox.kind, 'card'), eq(outbox.taskId, taskId), eq(outbox.status, 'sent')))
    .limit(1);
  const ref = rows[0]?.ref as { messageId?: string } | null | undefined;
  return ref?.messageId ?? null;
}
