/**
 * Updates (Telegram update_id, Slack event_id and interaction keys) handled once, across
 * restarts and replicas.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt, ne, or } from 'drizzle-orm';
import type { Queryable } from '../database.js';
import { processedUpdates } from '../schema.js';
import type { ChatPlatform } from './bindings.js';

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

/**
 * Forgets updates claimed before `olderThan`. Telegram keeps an undelivered update for 24 hours
 * and Slack retries within minutes, so an older id can never arrive again.
 */
export async function pruneProcessedUpdates(q: Queryable, olderThan: Date): Promise<number> {
  const rows = await q.delete(processedUpdates).where(lt(processedUpdates.at, olderThan)).returning({ id: processedUpdates.updateId });
  return rows.length;
}

