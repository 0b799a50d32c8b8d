/**
 * November 2026 in a small office, the story behind the monitoring report's tests and the
 * README's picture: four cases of the sample SOP run through the service with a clock that moves
 * as the story says (a return with its reason, a late re-do, an escalation the scheduler wrote, a
 * rejection, a cancellation, one still running at the end of the month).
 *
 *   npx tsx test/support/report-story.ts docs   # writes docs/monitoring-form.png (the README's page)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Database } from '../../src/db/database.js';
import { silentLogger } from '../../src/logging.js';
import { buildMonitoringReport, renderReportPagePng, renderReportPdf, renderReportXlsx } from '../../src/report/index.js';
import type { MonitoringReport } from '../../src/report/model.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { contentHash } from '../../src/sop/loader.js';
import type { Actor } from '../../src/workflow/model.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { sampleSop } from './sample-sop.js';

const as = (role: string): Actor => ({ channel: 'telegram', userId: role, name: `Pak ${role}`, role });
/** A moment in WIB, written as people read it. */
export const wib = (local: string) => new Date(`${local}:00+07:00`);
const pdf = { fileName: 'laporan.pdf', mimeType: 'application/pdf', sizeBytes: 1000, sha256: 'c'.repeat(64), storageKey: 'k' };

export async function runNovemberStory(database: Pick<Database, 'db'>): Promise<{ service: WorkflowService; report: MonitoringReport }> {
  let now = wib('2026-10-30T09:00');
  const service = new WorkflowService(database.db, { clock: () => now });
  await service.registerDefinitions([{ definition: sampleSop, contentHash: contentHash(sampleSop) }]);
  const openTask = async (ref: string) => (await service.caseDetails(ref)).tasks.find((t) => t.status === 'open')!;
  /** Moves the clock to `local` and lets the role of the open task of `ref` act. */
  const at = async (local: string, ref: string, role: string, command: Parameters<WorkflowService['act']>[1]) => {
    now = wib(local);
    const task = await openTask(ref);
    if (command.type === 'complete' && task.stepId === '3') await service.attachDocument(task.id, { kind: 'output', name: 'Laporan' }, pdf, as(role));
    await service.act(task.id, command, as(role));
  };
  const start = async (local: string, title: string) => {
    now = wib(local);
    return (await service.startCase('contoh', title, as('kabid'))).caseRef;
  };
  const scheduler = new Scheduler({
    db: database.db,
    service,
    logger: silentLogger,
    escalationChain: { asesor: 'subkor', subkor: 'kabid' },
    digest: { role: 'kabid', time: '07:30', timezone: 'Asia/Jakarta' },
  });
  // Case 1, started on Friday 30 October and finished in November: step 1 (due 09.10 that Friday) done on Monday.
  const c1 = await start('2026-10-30T09:00', 'Penilaian JPT');
  await at('2026-11-02T08:00', c1, 'kabid', { type: 'complete' });
  await at('2026-11-02T08:30', c1, 'subkor', { type: 'choose', branch: 'Diterima' });
  await at('2026-11-02T09:00', c1, 'asesor', { type: 'set-due', dueAt: wib('2026-11-03T15:00') });
  await at('2026-11-03T14:00', c1, 'asesor', { type: 'complete' });
  await at('2026-11-04T09:00', c1, 'kabid', { type: 'return', reason: 'Lampiran kurang' });
  await at('2026-11-04T09:30', c1, 'asesor', { type: 'set-due', dueAt: wib('2026-11-04T15:00') });
  // Overdue since 15:00: the morning sweep writes the overdue notice and the escalation to Subkoordinator.
  await scheduler.sweep(wib('2026-11-05T08:00'));
  await at('2026-11-05T10:00', c1, 'asesor', { type: 'complete' });
  await at('2026-11-05T11:00', c1, 'kabid', { type: 'approve' });
  await at('2026-11-05T13:00', c1, 'kabid', { type: 'confirm' });
  await at('2026-11-05T13:30', c1, 'asesor', { type: 'confirm' });

  // Case 2: returned twice for the same reason, finished.
  const c2 = await start('2026-11-09T08:00', 'Penilaian JF');
  await at('2026-11-09T08:05', c2, 'kabid', { type: 'complete' });
  await at('2026-11-09T08:35', c2, 'subkor', { type: 'choose', branch: 'Diterima' });
  await at('2026-11-09T09:00', c2, 'asesor', { type: 'set-due', dueAt: wib('2026-11-10T12:00') });
  await at('2026-11-10T10:00', c2, 'asesor', { type: 'complete' });
  await at('2026-11-10T11:00', c2, 'kabid', { type: 'return', reason: 'Lampiran kurang.' });
  await at('2026-11-10T11:05', c2, 'asesor', { type: 'set-due', dueAt: wib('2026-11-11T12:00') });
  await at('2026-11-11T10:00', c2, 'asesor', { type: 'complete' });
  await at('2026-11-11T11:00', c2, 'kabid', { type: 'return', reason: 'Nilai belum dihitung ulang' });
  await at('2026-11-11T11:05', c2, 'asesor', { type: 'set-due', dueAt: wib('2026-11-12T12:00') });
  await at('2026-11-12T10:00', c2, 'asesor', { type: 'complete' });
  await at('2026-11-12T11:00', c2, 'kabid', { type: 'approve' });
  await at('2026-11-12T13:00', c2, 'kabid', { type: 'confirm' });
  await at('2026-11-12T13:30', c2, 'asesor', { type: 'confirm' });

  // Case 3: rejected at the decision, late (due 1 hour after 08:10, chosen 10:10).
  const c3 = await start('2026-11-16T08:00', 'Penilaian ditolak');
  await at('2026-11-16T08:10', c3, 'kabid', { type: 'complete' });
  await at('2026-11-16T10:10', c3, 'subkor', { type: 'choose', branch: 'Ditolak' });
  await at('2026-11-16T11:00', c3, 'subkor', { type: 'complete' });
  await at('2026-11-16T13:00', c3, 'kabid', { type: 'confirm' });
  await at('2026-11-16T13:10', c3, 'asesor', { type: 'confirm' });

  // Case 4: cancelled; case 5: still waiting for Subkoordinator at the end of the month (overdue).
  const c4 = await start('2026-11-20T08:00', 'Ditarik');
  now = wib('2026-11-20T09:00');
  await service.cancelCase(c4, 'Permohonan ditarik', as('kabid'));
  const c5 = await start('2026-11-27T08:00', 'Akhir bulan');
  await at('2026-11-27T08:05', c5, 'kabid', { type: 'complete' });
  // December: outside the period.
  await at('2026-12-01T08:00', c5, 'subkor', { type: 'choose', branch: 'Diterima' });

  const report = await buildMonitoringReport(database.db, service, {
    from: '2026-11-01',
    to: '2026-11-30',
    timezone: 'Asia/Jakarta',
    evaluator: 'Dra. Sri Wahyuni / 196805121990032001',
    now: wib('2026-12-01T07:30'),
  });
  return { service, report };
}

/** Writes the story's report into `dir`: the README's page (the form), and the PDF and XLSX to open. */
async function writeSample(dir: string) {
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    const { report } = await runNovemberStory(database);
    writeFileSync(join(dir, 'monitoring-form.png'), renderReportPagePng(report, 1));
    writeFileSync(join(dir, 'monitoring-example.pdf'), await renderReportPdf(report));
    writeFileSync(join(dir, 'monitoring-example.xlsx'), await renderReportXlsx(report));
  } finally {
    await database.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx test/support/report-story.ts <folder>');
  await writeSample(dir);
}
