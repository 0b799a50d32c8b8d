/**
 * The SOP changed in the middle of the month (step 2 went from 1 jam to 2 jam): each case is
 * measured against the version it ran on, the form follows the newest version and says the
 * waktu differed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildMonitoringReport } from '../../src/report/build.js';
import { sopDefinitionSchema } from '../../src/sop/definition.js';
import { contentHash } from '../../src/sop/loader.js';
import type { Actor } from '../../src/workflow/model.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { sampleSop, sampleSopInput } from '../support/sample-sop.js';

const as = (role: string): Actor => ({ channel: 'telegram', userId: role, name: role, role });
const wib = (local: string) => new Date(`${local}:00+07:00`);
let database: TestDatabase;
let service: WorkflowService;
let now: Date;

const v2 = sopDefinitionSchema.parse({
  ...sampleSopInput,
  steps: sampleSopInput.steps.map((s) => (s.id === '2' ? { ...s, waktu: '2 jam' } : s)),
});

async function decideAfter(minutes: number, day: string) {
  now = wib(`${day}T08:00`);
  const { caseRef } = await service.startCase('contoh', 'Uji', as('kabid'));
  const open = async () => (await service.caseDetails(caseRef)).tasks.find((t) => t.status === 'open')!;
  await service.act((await open()).id, { type: 'complete' }, as('kabid'));
  now = new Date(now.getTime() + minutes * 60_000);
  await service.act((await open()).id, { type: 'choose', branch: 'Ditolak' }, as('subkor'));
}

beforeAll(async () => {
  database = await createTestDatabase();
  service = new WorkflowService(database.db, { clock: () => now });
  await service.registerDefinitions([{ definition: sampleSop, contentHash: contentHash(sampleSop) }]);
  await decideAfter(90, '2026-11-03'); // version 1: due after 1 jam, late
  await service.registerDefinitions([{ definition: v2, contentHash: contentHash(v2) }]);
  await decideAfter(90, '2026-11-17'); // version 2: due after 2 jam, on time
}, 60_000);
afterAll(async () => {
  await database.close();
});

it('measures each case against its own version and says the waktu changed', async () => {
  const report = await buildMonitoringReport(database.db, service, { from: '2026-11-01', to: '2026-11-30' });
  const sop = report.sops[0]!;
  expect(sop.versions).toEqual([1, 2]);
  const step2 = sop.steps.find((s) => s.stepId === '2')!;
  expect(step2.waktu).toBe('2 jam');
  expect(step2.figures).toMatchObject({ runs: 2, withDue: 2, onTime: 1 });
  expect(step2.catatan).toContain('Waktu baku berbeda antar versi SOP: v2: 2 jam; v1: 1 jam.');
});
