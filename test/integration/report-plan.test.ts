/**
 * The report's queries and their EXPLAIN ANALYZE (the bench prints the plans over 300 000 visits)
 * run on either driver: PGlite by default, PostgreSQL with TEST_DATABASE_URL.
 */
import { describe, expect, it } from 'vitest';
import { explainReportCases, explainReportEscalations, explainReportVisits, reportCases, reportVisits } from '../../src/db/report-store.js';
import { createTestDatabase } from '../support/db.js';

describe('the report queries', () => {
  it('run on both drivers and explain themselves', async () => {
    const database = await createTestDatabase();
    try {
      const scope = { from: new Date('2026-11-01T00:00:00+07:00'), to: new Date('2026-12-01T00:00:00+07:00') };
      expect(await reportCases(database.db, scope)).toEqual([]);
      expect(await reportVisits(database.db, scope)).toEqual([]);
      for (const plan of [await explainReportVisits(database.db, scope), await explainReportEscalations(database.db, scope), await explainReportCases(database.db, scope)]) {
        expect(plan.join('\n')).toMatch(/Execution Time/);
      }
    } finally {
      await database.close();
    }
  });
});
