/**
 * What the report reads for November: the visits done in November, those open when it ended,
 * and the October visits of cases that finished in November (for their whole path); nothing of a
 * case that ended in October. On either driver (PostgreSQL with TEST_DATABASE_URL), with the
 * plans the bench prints over a year of visits.
 */
import { describe, expect, it } from 'vitest';
import { cases, outbox, sopVersions, tasks } from '../../src/db/schema.js';
import { createTestDatabase } from '../support/db.js';
import { explainReportCases, explainReportEscalations, explainReportVisits, reportCases, reportVisits } from '../../src/db/queries/report.js';

const wib = (local: string) => new Date(`${local}:00+07:00`);

describe('the report queries', () => {
  it('read the period, the open ends and the earlier path of the cases finished in it', async () => {
    const database = await createTestDatabase();
    const db = database.db;
    try {
      const [v] = await db.insert(sopVersions).values({ sopId: 'contoh', version: 1, contentHash: 'x', definition: {} }).returning();
      const actor = { channel: 'cli' as const, userId: 'a', name: 'A' };
      const kase = async (ref: string, startedAt: string, closedAt: string | null) =>
        (
          await db
            .insert(cases)
            .values({ ref, sopVersionId: v!.id, sopId: 'contoh', title: ref, status: closedAt ? 'closed' : 'open', outcome: closedAt ? 'selesai' : null, startedBy: actor, startedAt: wib(startedAt), closedAt: closedAt ? wib(closedAt) : null })
            .returning()
        )[0]!.id;
      const visit = async (caseId: number, stepId: string, openedAt: string, doneAt: string | null) =>
        (
          await db
            .insert(tasks)
            .values({ caseId, stepId, visit: 1, kind: 'task', roles: ['kabid'], status: doneAt ? 'completed' : 'open', openedAt: wib(openedAt), doneAt: doneAt ? wib(doneAt) : null, action: doneAt ? 'done' : null })
            .returning()
        )[0]!.id;
      const october = await kase('OKT', '2026-10-05T08:00', '2026-10-06T08:00');
      await visit(october, '1', '2026-10-05T08:00', '2026-10-06T08:00');
      const spanning = await kase('SPAN', '2026-10-30T08:00', '2026-11-03T08:00');
      const before = await visit(spanning, '1', '2026-10-30T08:00', '2026-10-30T09:00');
      const inside = await visit(spanning, '2', '2026-10-30T09:00', '2026-11-02T09:00');
      const running = await kase('RUN', '2026-11-27T08:00', null);
      const doneLater = await visit(running, '1', '2026-11-27T08:00', '2026-12-01T08:00');
      const stillOpen = await visit(running, '2', '2026-12-01T08:00', null);
      const decemberOnly = await kase('DES', '2026-12-02T08:00', null);
      await visit(decemberOnly, '1', '2026-12-02T08:00', null);
      // One escalation notice, routed to one chat: counted once.
      const [notice] = await db.insert(outbox).values({ kind: 'escalation', role: 'subkor', caseId: spanning, taskId: inside, dedupeKey: 'e1', status: 'routed' }).returning();
      await db.insert(outbox).values({ kind: 'escalation', role: 'subkor', caseId: spanning, taskId: inside, dedupeKey: 'e1:chat', parentId: notice!.id, platform: 'telegram', chatId: '-1', threadId: '' });

      const scope = { from: wib('2026-11-01T00:00'), to: wib('2026-12-01T00:00') };
      expect((await reportCases(db, scope)).map((c) => c.ref).sort()).toEqual(['RUN', 'SPAN']);
      const visits = await reportVisits(db, scope);
      expect(visits.map((x) => x.id).sort((a, b) => a - b)).toEqual([before, inside, doneLater].sort((a, b) => a - b));
      expect(visits.find((x) => x.id === inside)).toMatchObject({ escalations: 1, doneAt: wib('2026-11-02T09:00').getTime() });
      // The task opened in December is not November's, though still open.
      expect(visits.some((x) => x.id === stillOpen)).toBe(false);
      expect(await reportVisits(db, { ...scope, sopIds: ['lain'] })).toEqual([]);

      for (const plan of [await explainReportVisits(db, scope), await explainReportEscalations(db, scope), await explainReportCases(db, scope)]) {
        expect(plan.join('\n')).toMatch(/Execution Time/);
      }
    } finally {
      await database.close();
    }
  });
});
