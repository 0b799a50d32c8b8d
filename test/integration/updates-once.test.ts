/**
 * Each Telegram update and Slack event is handled once, and one whose handling died with its
 * process is handled again when the platform delivers it after the restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { processedUpdates } from '../../src/db/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { claimUpdate, finishUpdate, releaseUpdate } from '../../src/db/queries/updates.js';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.close();
});

describe('claiming an update', () => {
  it('is granted once while it runs and after it finished', async () => {
    const db = database.db;
    expect(await claimUpdate(db, 'telegram', '100')).toBe(true);
    expect(await claimUpdate(db, 'telegram', '100')).toBe(false); // a webhook retry while it runs
    await finishUpdate(db, 'telegram', '100');
    expect(await claimUpdate(db, 'telegram', '100')).toBe(false); // a replay
    expect(await claimUpdate(db, 'slack', '100')).toBe(true); // ids are per platform
  });

  it('is granted again when the process that began it died before finishing', async () => {
    const db = database.db;
    expect(await claimUpdate(db, 'telegram', '200')).toBe(true);
    // As if another process (now gone) had begun it: a restart sees it unfinished.
    await db.update(processedUpdates).set({ owner: 'dead-process' }).where(and(eq(processedUpdates.platform, 'telegram'), eq(processedUpdates.updateId, '200')));
    expect(await claimUpdate(db, 'telegram', '200')).toBe(true);
    expect(await claimUpdate(db, 'telegram', '200')).toBe(false);
  });

  it('is granted again to the same process only after a long silence, or after a failure released it', async () => {
    const db = database.db;
    const t0 = new Date('2026-11-23T02:00:00Z');
    expect(await claimUpdate(db, 'telegram', '300', t0)).toBe(true);
    expect(await claimUpdate(db, 'telegram', '300', new Date(t0.getTime() + 30_000))).toBe(false);
    expect(await claimUpdate(db, 'telegram', '300', new Date(t0.getTime() + 61_000))).toBe(true);
    await releaseUpdate(db, 'telegram', '300');
    expect(await claimUpdate(db, 'telegram', '300')).toBe(true);
  });
});
