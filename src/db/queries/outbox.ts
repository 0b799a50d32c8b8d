/**
 * The outbox: messages written in the same transaction as the change that causes them, routed
 * to the chats bound to their role, claimed across replicas, sent, and recorded. Also where a
 * card's sent message is found again (a reply to a card, a notice in a card's thread).
 */
import { and, asc, eq, gt, inArray, isNull, lte, min, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../database.js';
import { events, outbox } from '../schema.js';
import { bindingsForRole, lockRoleRouting, type BindingRow, type ChatPlatform } from './bindings.js';
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

/**
 * Fans a role-addressed row out to every chat bound to its role, marking it routed, or marks
 * it unrouted when no chat is bound. Returns the number of deliveries created.
 */
export async function routeToBindings(q: Queryable, parent: OutboxRow, now: Date, keyOf: (place: BindingRow) => string): Promise<number> {
  if (parent.role !== null) await lockRoleRouting(q, parent.role);
  const places = parent.role === null ? [] : await bindingsForRole(q, parent.role);
  if (!places.length) {
    await setParentStatus(q, parent.id, 'unrouted');
    return 0;
  }
  await insertDeliveries(
    q,
    places.map((b) => ({
      ...inherit(parent, now),
      // Place-based, so routing the same row again (a replayed reroute) adds nothing.
      dedupeKey: keyOf(b),
      platform: b.platform,
      chatId: b.chatId,
      threadId: b.threadId,
    })),
  );
  await setParentStatus(q, parent.id, 'routed');
  return places.length;
}

/**
 * Routes an edit to every message of `editedKind` sent for the parent's task. Returns 'wait'
 * (and postpones the parent) while such a message is still on its way, so an edit never
 * overtakes what it edits; otherwise the number of edits created.
 */
export async function routeEdit(
  q: Queryable,
  parent: OutboxRow,
  editedKind: string,
  now: Date,
  waitUntil: Date,
  keyOf: (edited: OutboxRow) => string,
): Promise<number | 'wait'> {
  const originals =
    parent.taskId === null
      ? []
      : await q
          .select()
          .from(outbox)
          .where(and(eq(outbox.taskId, parent.taskId), eq(outbox.kind, editedKind)))
          .orderBy(asc(outbox.id));
  const unsent = originals.some((o) =>
    o.platform === null ? o.status === 'pending' : o.status === 'pending' || o.status === 'sending',
  );
  if (unsent) {
    await q.update(outbox).set({ nextAttemptAt: waitUntil }).where(eq(outbox.id, parent.id));
    return 'wait';
  }
  // A message sent without a ref cannot be edited; dead and unrouted ones were never seen.
  const targets = originals.filter((o) => o.platform !== null && o.status === 'sent' && o.messageRef !== null);
  await insertDeliveries(
    q,
    targets.map((t) => ({
      ...inherit(parent, now),
      role: t.role,
      // Per target, not per chat: two roles bound to one chat each got their own card.
      dedupeKey: keyOf(t),
      platform: t.platform,
      chatId: t.chatId,
      threadId: t.threadId ?? '',
      targetRef: t.messageRef,
    })),
  );
  await setParentStatus(q, parent.id, 'routed');
  return targets.length;
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

async function insertDeliveries(q: Queryable, rows: (typeof outbox.$inferInsert)[]): Promise<void> {
  if (rows.length) await q.insert(outbox).values(rows).onConflictDoNothing({ target: outbox.dedupeKey });
}

async function setParentStatus(q: Queryable, id: number, status: 'routed' | 'unrouted'): Promise<void> {
  await q.update(outbox).set({ status }).where(eq(outbox.id, id));
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

/** Attempts of a platform that took rate-limit tokens after `since`, oldest first. */
export async function recentClaims(
  q: Queryable,
  platform: string,
  since: Date,
): Promise<{ chatId: string | null; claimedAt: Date }[]> {
  const rows = await q
    .select({ chatId: outbox.chatId, claimedAt: outbox.claimedAt })
    .from(outbox)
    .where(and(eq(outbox.platform, platform), gt(outbox.claimedAt, since)))
    .orderBy(asc(outbox.claimedAt));
  return rows.filter((r): r is { chatId: string | null; claimedAt: Date } => r.claimedAt !== null);
}

/** Puts rows back to wait without counting an attempt (rate limits, a paused platform). */
export async function deferDelivery(q: Queryable, id: number, until: Date): Promise<void> {
  await q.update(outbox).set({ status: 'pending', nextAttemptAt: until }).where(eq(outbox.id, id));
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

/** False when the claim was lost (lease expired and another replica took the row). */
export async function markSent(
  q: Queryable,
  id: number,
  attempt: number,
  messageRef: Record<string, unknown> | null,
  sentAt: Date,
): Promise<boolean> {
  const rows = await q
    .update(outbox)
    // The send reached the server at the latest now: the rate windows count it from here, so
    // the next token is never freed before the server's own window let this one go.
    .set({ status: 'sent', messageRef, sentAt, claimedAt: sentAt, lastError: null })
    .where(claimedBy(id, attempt))
    .returning({ id: outbox.id });
  return rows.length > 0;
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
