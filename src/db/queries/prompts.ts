/**
 * Questions the bot asked one person and waits for (a Kembalikan reason, a case title, an
 * upload's slot, a due date); each expires by itself.
 */
import { and, eq, gt } from 'drizzle-orm';
import type { Queryable } from '../database.js';
import { pendingPrompts } from '../schema.js';
import type { ChatPlatform } from './bindings.js';

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

