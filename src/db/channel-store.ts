/**
 * The SQL behind the chat channels: pairing codes, bindings of chats to roles, allow lists,
 * updates already processed, and questions waiting for an answer.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { and, asc, eq, gt, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { lockRoleRouting } from './outbox-store.js';
import { bindings, outbox, pairingCodes, pendingPrompts, processedUpdates, roleAllowlist } from './schema.js';

export type ChatPlatform = 'telegram' | 'slack';

/** A chat, or one forum topic / thread of it. */
export interface Place {
  platform: ChatPlatform;
  chatId: string;
  /** '' for the whole chat. */
  threadId: string;
}

// No 0/O, 1/I/L: codes are read off a screen and typed into a phone.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

function hashCode(code: string): string {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
}

export async function createPairingCode(
  q: Queryable,
  values: { platform: ChatPlatform; role: string; ttlMs: number; now: Date },
): Promise<{ code: string; expiresAt: Date }> {
  const raw = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
  const code = `${raw.slice(0, 4)}-${raw.slice(4)}`;
  const expiresAt = new Date(values.now.getTime() + values.ttlMs);
  await q.insert(pairingCodes).values({ codeHash: hashCode(code), platform: values.platform, role: values.role, expiresAt });
  return { code, expiresAt };
}

export type RedeemResult = { ok: true; role: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Uses a code once: the update is conditional, so two groups racing for one code cannot both win. */
export async function redeemPairingCode(q: Queryable, platform: ChatPlatform, code: string, now: Date): Promise<RedeemResult> {
  const codeHash = hashCode(code);
  const used = await q
    .update(pairingCodes)
    .set({ usedAt: now })
    .where(and(eq(pairingCodes.codeHash, codeHash), eq(pairingCodes.platform, platform), isNull(pairingCodes.usedAt), gt(pairingCodes.expiresAt, now)))
    .returning({ role: pairingCodes.role });
  if (used[0]) return { ok: true, role: used[0].role };
  const [row] = await q.select().from(pairingCodes).where(and(eq(pairingCodes.codeHash, codeHash), eq(pairingCodes.platform, platform)));
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.usedAt ? 'used' : 'expired' };
}

/** Call inside the transaction that also reroutes the role's waiting rows (see lockRoleRouting). */
export async function bindPlace(q: Queryable, place: Place, role: string, label: string | null): Promise<boolean> {
  await lockRoleRouting(q, role);
  const inserted = await q
    .insert(bindings)
    .values({ platform: place.platform, chatId: place.chatId, threadId: place.threadId, role, label })
    .onConflictDoNothing()
    .returning({ id: bindings.id });
  return inserted.length > 0;
}

export async function unbindPlace(q: Queryable, place: Place): Promise<string[]> {
  const removed = await q
    .delete(bindings)
    .where(and(eq(bindings.platform, place.platform), eq(bindings.chatId, place.chatId), eq(bindings.threadId, place.threadId)))
    .returning({ role: bindings.role });
  return removed.map((r) => r.role);
}

/** Roles a place speaks for: its own binding, else the whole chat's (a topic inherits its group). */
export async function rolesOfPlace(q: Queryable, place: Place): Promise<string[]> {
  const rows = await q
    .select({ role: bindings.role, threadId: bindings.threadId })
    .from(bindings)
    .where(and(eq(bindings.platform, place.platform), eq(bindings.chatId, place.chatId)))
    .orderBy(asc(bindings.id));
  const own = rows.filter((r) => r.threadId === place.threadId).map((r) => r.role);
  if (own.length || place.threadId === '') return own;
  return rows.filter((r) => r.threadId === '').map((r) => r.role);
}

export async function placesOfRole(q: Queryable, role: string) {
  return q.select().from(bindings).where(eq(bindings.role, role)).orderBy(asc(bindings.id));
}

export async function listBindings(q: Queryable) {
  return q.select().from(bindings).orderBy(asc(bindings.role), asc(bindings.id));
}

/** Without an allow list for the role, any member of a bound chat may act. */
export async function mayAct(q: Queryable, platform: ChatPlatform, role: string, userId: string): Promise<boolean> {
  const rows = await q
    .select({ userId: roleAllowlist.userId })
    .from(roleAllowlist)
    .where(and(eq(roleAllowlist.platform, platform), eq(roleAllowlist.role, role)));
  return rows.length === 0 || rows.some((r) => r.userId === userId);
}

export async function allowUser(q: Queryable, platform: ChatPlatform, role: string, userId: string): Promise<void> {
  await q.insert(roleAllowlist).values({ platform, role, userId }).onConflictDoNothing();
}

export async function disallowUser(q: Queryable, platform: ChatPlatform, role: string, userId: string): Promise<boolean> {
  const rows = await q
    .delete(roleAllowlist)
    .where(and(eq(roleAllowlist.platform, platform), eq(roleAllowlist.role, role), eq(roleAllowlist.userId, userId)))
    .returning();
  return rows.length > 0;
}

export async function listAllowlist(q: Queryable) {
  return q.select().from(roleAllowlist).orderBy(asc(roleAllowlist.platform), asc(roleAllowlist.role), asc(roleAllowlist.userId));
}

/** Names this process in the updates it handles, so a restarted process knows which ones died with the last. */
export const PROCESS_ID = randomUUID();

/**
 * True when this update should be handled now: the first time its id is seen, or again when its
 * handling never finished and was begun by another process (one that died: Telegram and Slack
 * deliver the update again after a restart) or began more than `staleMs` ago. A webhook retry
 * or a replay of a finished update, or of one this process is handling, gets false.
 */
export async function claimUpdate(q: Queryable, platform: ChatPlatform, updateId: string, now = new Date(), staleMs = 60_000): Promise<boolean> {
  const rows = await q
    .insert(processedUpdates)
    .values({ platform, updateId, at: now, owner: PROCESS_ID })
    .onConflictDoUpdate({
      target: [processedUpdates.platform, processedUpdates.updateId],
      set: { at: now, owner: PROCESS_ID },
      setWhere: and(
        isNull(processedUpdates.doneAt),
        or(ne(processedUpdates.owner, PROCESS_ID), lt(processedUpdates.at, new Date(now.getTime() - staleMs))),
      ),
    })
    .returning({ updateId: processedUpdates.updateId });
  return rows.length > 0;
}

/** The update was handled to the end: a later delivery of it is a duplicate. */
export async function finishUpdate(q: Queryable, platform: ChatPlatform, updateId: string, now = new Date()): Promise<void> {
  await q
    .update(processedUpdates)
    .set({ doneAt: now })
    .where(and(eq(processedUpdates.platform, platform), eq(processedUpdates.updateId, updateId)));
}

/** Lets a retry process an update whose handling failed unexpectedly. */
export async function releaseUpdate(q: Queryable, platform: ChatPlatform, updateId: string): Promise<void> {
  await q.delete(processedUpdates).where(and(eq(processedUpdates.platform, platform), eq(processedUpdates.updateId, updateId)));
}

export async function pruneProcessedUpdates(q: Queryable, olderThan: Date): Promise<number> {
  const rows = await q.delete(processedUpdates).where(lt(processedUpdates.at, olderThan)).returning();
  return rows.length;
}

export type PromptKind = (typeof pendingPrompts.$inferSelect)['kind'];

/** Asks one person one question; an earlier unanswered question of theirs in that chat is dropped. */
export async function openPrompt(
  q: Queryable,
  values: { platform: ChatPlatform; chatId: string; userId: string; kind: PromptKind; data: Record<string, unknown>; expiresAt: Date; promptMessageId?: string },
): Promise<number> {
  await cancelPrompts(q, values.platform, values.chatId, values.userId);
  const [row] = await q.insert(pendingPrompts).values({ ...values, promptMessageId: values.promptMessageId ?? null }).returning({ id: pendingPrompts.id });
  return row!.id;
}

export async function setPromptMessage(q: Queryable, id: number, messageId: string): Promise<void> {
  await q.update(pendingPrompts).set({ promptMessageId: messageId }).where(eq(pendingPrompts.id, id));
}

/** Takes (and removes) the person's open question, if it has not expired. */
export async function takePrompt(q: Queryable, platform: ChatPlatform, chatId: string, userId: string, now: Date) {
  const rows = await q
    .delete(pendingPrompts)
    .where(and(eq(pendingPrompts.platform, platform), eq(pendingPrompts.chatId, chatId), eq(pendingPrompts.userId, userId)))
    .returning();
  return rows.find((r) => r.expiresAt > now) ?? null;
}

export async function takePromptById(q: Queryable, id: number, userId: string, now: Date) {
  const rows = await q
    .delete(pendingPrompts)
    .where(and(eq(pendingPrompts.id, id), eq(pendingPrompts.userId, userId), gt(pendingPrompts.expiresAt, now)))
    .returning();
  return rows[0] ?? null;
}

export async function peekPrompt(q: Queryable, platform: ChatPlatform, chatId: string, userId: string, now: Date) {
  const rows = await q
    .select()
    .from(pendingPrompts)
    .where(and(eq(pendingPrompts.platform, platform), eq(pendingPrompts.chatId, chatId), eq(pendingPrompts.userId, userId), gt(pendingPrompts.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

export async function cancelPrompts(q: Queryable, platform: ChatPlatform, chatId: string, userId: string): Promise<number> {
  const rows = await q
    .delete(pendingPrompts)
    .where(and(eq(pendingPrompts.platform, platform), eq(pendingPrompts.chatId, chatId), eq(pendingPrompts.userId, userId)))
    .returning();
  return rows.length;
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
