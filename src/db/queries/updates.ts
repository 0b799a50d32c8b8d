/**
 * Updates (Telegram update_id, Slack event_id and interaction keys) handled once, across
 * restarts and replicas.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Queryable } from '../database.js';
import { rawQuery } from '../raw.js';
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
  return (await claimUpdates(q, platform, [updateId], now, staleMs)).has(updateId);
}

/**
 * claimUpdate for many updates in one statement (the updates of one getUpdates answer arrive
 * together): the ids that should be handled now. An id twice in `updateIds` is claimed once.
 */
export async function claimUpdates(q: Queryable, platform: ChatPlatform, updateIds: readonly string[], now = new Date(), staleMs = 60_000): Promise<Set<string>> {
  if (!updateIds.length) return new Set();
  // Hand-written (raw.ts): every update of every chat runs it, a press before it is answered.
  const rows = await rawQuery(q)(
    `insert into processed_updates ("platform", "update_id", "at", "owner")
     select $1, u, $3::timestamptz, $4 from (select distinct u from jsonb_array_elements_text($2::jsonb) u) ids
     on conflict ("platform", "update_id") do update set "at" = excluded."at", "owner" = excluded."owner"
       where processed_updates."done_at" is null
         and (processed_updates."owner" <> excluded."owner" or processed_updates."at" < $5::timestamptz)
     returning "update_id"`,
    [platform, JSON.stringify(updateIds), now.toISOString(), PROCESS_ID, new Date(now.getTime() - staleMs).toISOString()],
  );
  return new Set(rows.map((r) => String(r.update_id)));
}

/** The update was handled to the end: a later delivery of it is a duplicate. */
export async function finishUpdate(q: Queryable, platform: ChatPlatform, updateId: string, now = new Date()): Promise<void> {
  await finishUpdates(q, platform, [updateId], now);
}

/** finishUpdate for many updates in one statement. */
export async function finishUpdates(q: Queryable, platform: ChatPlatform, updateIds: readonly string[], now = new Date()): Promise<void> {
  if (!updateIds.length) return;
  await rawQuery(q)(
    `update processed_updates set "done_at" = $3::timestamptz
      where "platform" = $1 and "update_id" in (select jsonb_array_elements_text($2::jsonb))`,
    [platform, JSON.stringify(updateIds), now.toISOString()],
  );
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

