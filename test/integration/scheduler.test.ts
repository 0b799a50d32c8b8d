/**
 * Deadlines that bite: time moves across a reminder, the deadline, days of escalation, a
 * weekend, a holiday and the digest hour; each tick writes exactly the messages due then, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { silentLogger } from '../../src/logging.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { contentHash } from '../../src/sop/loader.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import type { Actor } from '../../src/workflow/model.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db.js';
import { sampleSop, sampleSopInput } from '../support/sample-sop.js';
import { sopDefinitionSchema } from '../../src/sop/definition.js';
import * as outbox from '../../src/db/queries/outbox.js';
import { claimUpdate, finishUpdate } from '../../src/db/queries/updates.js';
import { processedUpdates } from '../../src/db/schema.js';

const as = (role: string): Actor => ({ channel: 'telegram', userId: role, name: `Pak ${role}`, role });
/** A moment in WIB, written as people read it. */
const wib = (local: string) => new Date(`${local}:00+07:00`);

let database: TestDatabase;
let service: WorkflowService;
let now: Date;

function scheduler() {
  return new Scheduler({
    db: database.db,
    service,
    logger: silentLogger,
    escalationChain: { asesor: 'subkor', subkor: 'kabid' },
    digest: { role: 'kabid', time: '07:30', timezone: 'Asia/Jakarta' },
  });
}

beforeEach(async () => {
  database = await createTestDatabase();
  now = wib('2026-11-23T09:00');
  service = new WorkflowService(database.db, { clock: () => now });
  await service.registerDefinitions([{ definition: sampleSop, contentHash: contentHash(sampleSop) }]);
});
afterEach(async () => {
  await database.close();
});

/** The notices written so far, as "kind→role" in order. */
async function notices(kinds = ['reminder', 'overdue', 'escalation']) {
  const rows = await outbox.listOutbox(database.db);
  return rows.filter((r) => kinds.includes(r.kind) && r.parentId === null).map((r) => `${r.kind}→${r.role}`);
}

async function openTask(ref: string) {
  return (await service.caseDetails(ref)).tasks.find((t) => t.status === 'open')!;
}

describe('reminders, overdue notices and escalation', () => {
  it('reminds at a quarter of the time left, flags the deadline, escalates once per working day', async () => {
    const s = scheduler();
    const { caseRef } = await service.startCase('contoh', 'Uji', as('kabid'));
    now = wib('2026-11-23T09:05');
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    // Step 2 ("1 jam") opened 09:05, due 10:05: the reminder comes with 15 minutes left.
    const step2 = await openTask(caseRef);
    expect(step2.dueAt).toEqual(wib('2026-11-23T10:05'));

    await s.tick(wib('2026-11-23T09:49'));
    expect(await notices()).toEqual([]);
    await s.tick(wib('2026-11-23T09:50'));
    expect(await notices()).toEqual(['reminder→subkor']);
    const reminder = (await outbox.listOutbox(database.db)).find((r) => r.kind === 'reminder')!;
    expect(reminder.payload.text).toBe(
      '⏰ Pengingat CTH-2026-0001, kegiatan 2: Memutuskan\nSisa waktu 15 menit kerja; batas Senin, 23 November 2026 10.05 WIB.',
    );
    await s.tick(wib('2026-11-23T09:55'));
    expect(await notices()).toEqual(['reminder→subkor']);

    await s.tick(wib('2026-11-23T10:36'));
    expect(await notices()).toEqual(['reminder→subkor', 'overdue→subkor', 'escalation→kabid']);
    const escalation = (await outbox.listOutbox(database.db)).find((r) => r.kind === 'escalation')!;
    expect(escalation.payload.text).toBe(
      '🔺 Eskalasi CTH-2026-0001 (Uji)\nKegiatan 2 oleh Subkoordinator terlambat 31 menit kerja (batas Senin, 23 November 2026 10.05 WIB).\nMemutuskan\nLihat riwayat: /kasus CTH-2026-0001',
    );
    await s.tick(wib('2026-11-23T15:00'));
    expect(await notices(['escalation'])).toHaveLength(1);

    // Tuesday before the office opens: nothing; at opening: the second day's escalation.
    await s.tick(wib('2026-11-24T06:00'));
    expect(await notices(['escalation'])).toHaveLength(1);
    await s.tick(wib('2026-11-24T07:30'));
    expect(await notices(['escalation'])).toHaveLength(2);
    const day2 = (await outbox.listOutbox(database.db)).filter((r) => r.kind === 'escalation')[1]!;
    // Monday 10.05–12.00 and 13.00–16.00: the break is not lateness.
    expect(day2.payload.text).toContain('terlambat 4 jam 55 menit kerja');

    // Saturday and Sunday are quiet; Monday brings the next one.
    for (const d of ['2026-11-25', '2026-11-26', '2026-11-27']) await s.tick(wib(`${d}T08:00`));
    expect(await notices(['escalation'])).toHaveLength(5);
    await s.tick(wib('2026-11-28T09:00'));
    await s.tick(wib('2026-11-29T09:00'));
    expect(await notices(['escalation'])).toHaveLength(5);
    await s.tick(wib('2026-11-30T07:31'));
    expect(await notices(['escalation'])).toHaveLength(6);

    // Once the task is done, nothing more comes.
    now = wib('2026-11-30T08:00');
    await service.act(step2.id, { type: 'choose', branch: 'Ditolak' }, as('subkor'));
    await s.tick(wib('2026-12-01T08:00'));
    expect(await notices(['escalation'])).toHaveLength(6);
  });

  it("counts lateness by the SOP's own office hours where its unit sets them", async () => {
    // The same SOP, for a unit that works mornings only.
    const pagi = sopDefinitionSchema.parse({ ...sampleSopInput, id: 'contoh_pagi', code: 'PGI', unit: { timezone: 'Asia/Jakarta', officeHours: { mondayToThursday: '07:30-12:00' } } });
    await service.registerDefinitions([{ definition: pagi, contentHash: contentHash(pagi) }]);
    const s = scheduler();
    const { caseRef } = await service.startCase('contoh_pagi', 'Uji pagi', as('kabid'));
    now = wib('2026-11-23T09:05');
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    expect((await openTask(caseRef)).dueAt).toEqual(wib('2026-11-23T10:05'));
    await s.tick(wib('2026-11-23T10:36'));
    await s.tick(wib('2026-11-24T07:30'));
    const day2 = (await outbox.listOutbox(database.db)).filter((r) => r.kind === 'escalation')[1]!;
    // Monday 10.05–12.00 only: the afternoon is not this unit's working time.
    expect(day2.payload.text).toContain('terlambat 1 jam 55 menit kerja');
  });

  it('holds notices through cuti bersama and a libur nasional until the next working morning', async () => {
    const s = scheduler();
    now = wib('2026-12-23T14:50'); // Wednesday; 24 Dec is cuti bersama, 25 Dec Natal
    const { caseRef } = await service.startCase('contoh', 'Akhir tahun', as('kabid'));
    now = wib('2026-12-23T15:00');
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    // "1 jam" from 15:00 ends exactly at closing time.
    expect((await openTask(caseRef)).dueAt).toEqual(wib('2026-12-23T16:00'));
    await s.tick(wib('2026-12-23T15:45'));
    expect(await notices()).toEqual(['reminder→subkor']);
    await s.tick(wib('2026-12-23T16:05'));
    await s.tick(wib('2026-12-24T09:00'));
    await s.tick(wib('2026-12-25T09:00'));
    await s.tick(wib('2026-12-26T09:00'));
    expect(await notices()).toEqual(['reminder→subkor']);
    await s.tick(wib('2026-12-28T07:45'));
    expect(await notices()).toEqual(['reminder→subkor', 'overdue→subkor', 'escalation→kabid']);
    const late = (await outbox.listOutbox(database.db)).find((r) => r.kind === 'overdue')!;
    expect(late.payload.text).toContain('Telah melewati batas Rabu, 23 Desember 2026 16.00 WIB selama 15 menit kerja.');
  });

  it('asks nothing of a step without a deadline until the actor sets one, then counts from it', async () => {
    const s = scheduler();
    const { caseRef } = await service.startCase('contoh', 'Uji', as('kabid'));
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    await service.act((await openTask(caseRef)).id, { type: 'choose', branch: 'Diterima' }, as('subkor'));
    const report = await openTask(caseRef);
    expect(report.dueAt).toBeNull();
    await s.tick(wib('2026-11-25T09:00'));
    expect(await notices()).toEqual([]);
    now = wib('2026-11-25T09:00');
    await service.act(report.id, { type: 'set-due', dueAt: wib('2026-11-25T15:00') }, as('asesor'));
    await s.tick(wib('2026-11-25T13:30'));
    expect(await notices()).toEqual(['reminder→asesor']);
    await s.tick(wib('2026-11-25T15:01'));
    expect(await notices()).toEqual(['reminder→asesor', 'overdue→asesor', 'escalation→subkor']);
  });
});

describe('the daily digest', () => {
  it('goes to the digest role once per working day after 07:30, made up when the tick was missed', async () => {
    const s = scheduler();
    const { caseRef } = await service.startCase('contoh', 'Penilaian JPT', as('kabid'));
    await service.startCase('contoh', 'Penilaian JF', as('kabid'));
    now = wib('2026-11-23T09:30');
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    await service.cancelCase('CTH-2026-0002', 'Ditarik', as('kabid'));

    await s.tick(wib('2026-11-24T07:29'));
    expect(await notices(['digest'])).toEqual([]);
    // The service was down at 07:30; the 09:12 tick makes it up.
    await s.tick(wib('2026-11-24T09:12'));
    expect(await notices(['digest'])).toEqual(['digest→kabid']);
    await s.tick(wib('2026-11-24T10:00'));
    expect(await notices(['digest'])).toEqual(['digest→kabid']);
    // Saturday: none.
    await s.tick(wib('2026-11-28T08:00'));
    expect(await notices(['digest'])).toEqual(['digest→kabid']);

    const digest = (await outbox.listOutbox(database.db)).find((r) => r.kind === 'digest')!.payload.text as string;
    // It leads with what needs the Kabid, and names each step by its kegiatan.
    expect(digest).toMatch(
      /^📊 Ringkasan harian Selasa, 24 November 2026 09\.12 WIB\n\nPerlu perhatian Anda:\nTerlambat \(1\):\n• CTH-2026-0001 keg\. 2 Memutuskan \(Subkoordinator\): terlambat .* kerja\n/,
    );
    expect(digest).toContain('Kasus berjalan per SOP:\n• Contoh: 1');
    expect(digest).toContain('Selesai/ditutup sejak ringkasan terakhir: 1 (CTH-2026-0002 dibatalkan)');
    expect(digest).toContain('Ketepatan waktu bulan ini:\n• Contoh: 0% (0/1)\n  • 1 Menerima surat: 0% (0/1)');
  });

  it('lists the returns since the last digest with their reason, and what waits for the Kabid himself', async () => {
    const s = scheduler();
    const { caseRef } = await service.startCase('contoh', 'Penilaian JPT', as('kabid'));
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    await service.act((await openTask(caseRef)).id, { type: 'choose', branch: 'Diterima' }, as('subkor'));
    const report = await openTask(caseRef);
    await service.act(report.id, { type: 'set-due', dueAt: wib('2026-11-24T15:00') }, as('asesor'));
    await service.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, { fileName: 'l.pdf', mimeType: 'application/pdf', sizeBytes: 9, sha256: 'a'.repeat(64), storageKey: 'k' }, as('asesor'));
    await service.act(report.id, { type: 'complete' }, as('asesor'));
    await service.act((await openTask(caseRef)).id, { type: 'return', reason: 'Nilai belum dihitung ulang' }, as('kabid'));
    const { caseRef: second } = await service.startCase('contoh', 'Permohonan baru', as('kabid'));
    now = wib('2026-11-23T09:20');
    await service.startCase('contoh', 'Satu lagi', as('kabid'));

    const [digest] = await s.buildDigest(wib('2026-11-23T09:25'));
    expect(digest).toContain(
      [
        'Perlu perhatian Anda:',
        'Terlambat (1):',
        `• ${second} keg. 1 Menerima surat (Kabid): terlambat 15 menit kerja`,
        'Dikembalikan sejak ringkasan terakhir (1):',
        `• ${caseRef} keg. 4 Memeriksa laporan: "Nilai belum dihitung ulang"`,
        'Menunggu Kabid (1):',
        '• CTH-2026-0003 keg. 1 Menerima surat — batas Senin, 23 November 2026 09.30 WIB',
      ].join('\n'),
    );

    // The picture beside it: this month's on-time share per SOP and the overdue tasks per role.
    const data = await s.digestChartData(wib('2026-11-23T09:25'));
    expect(data.onTime).toEqual([{ label: 'Contoh', onTime: 4, total: 4 }]);
    expect(data.overdueByRole).toEqual([{ label: 'Kabid', count: 1 }]);
    const png = await s.digestPicture(wib('2026-11-23T09:25'));
    expect(png.readUInt32BE(16)).toBe(1600);
    expect(png.readUInt32BE(20)).toBe(800);
  });
});

describe('several replicas', () => {
  it.skipIf(!onRealPostgres)('two schedulers at the same tick write each notice once', async () => {
    for (let i = 0; i < 30; i++) await service.startCase('contoh', `K${i}`, as('kabid'));
    const [a, b] = [scheduler(), scheduler()];
    const tick = wib('2026-11-23T11:00');
    await Promise.all([a.tick(tick), b.tick(tick), a.tick(tick), b.tick(tick)]);
    const rows = await notices(['overdue', 'escalation', 'digest']);
    expect(rows.filter((r) => r === 'overdue→kabid')).toHaveLength(30);
    // Kabid is its own top: no escalation from kabid to kabid.
    expect(rows.filter((r) => r.startsWith('escalation'))).toHaveLength(0);
    const parts = await a.buildDigest(tick);
    expect(rows.filter((r) => r === 'digest→kabid')).toHaveLength(parts.length);
  });
});

describe('two schedulers sweeping a large backlog at once', () => {
  it.skipIf(!onRealPostgres)('share the due tasks: each is looked at once, each notice written once, none lost', async () => {
    // 1 200 overdue tasks of one role, the other, or both (a joint step), besides the case's
    // own first task; each scheduler takes them 50 at a time, so their batches interleave.
    const { caseId } = await service.startCase('contoh', 'Tumpukan', as('kabid'));
    await database.db.execute(sql`
      insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, next_check_at)
      select ${caseId}, '2', 10 + g, 'task',
             (case g % 3 when 0 then '["asesor"]' when 1 then '["subkor"]' else '["asesor", "subkor"]' end)::jsonb,
             'open', ${now.toISOString()}::timestamptz, ${wib('2026-11-23T09:10').toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
      from generate_series(1, 1200) g`);
    const sweepAt = wib('2026-11-23T11:00');
    const due = (await database.db.execute(sql`select id, roles from tasks where status = 'open' and next_check_at <= ${sweepAt.toISOString()}::timestamptz`)) as unknown as
      | { id: number; roles: string[] }[]
      | { rows: { id: number; roles: string[] }[] };
    const dueTasks = (Array.isArray(due) ? due : due.rows).map((t) => ({ id: Number(t.id), roles: t.roles }));
    expect(dueTasks).toHaveLength(1201);

    const make = () =>
      new Scheduler({
        db: database.db,
        service,
        logger: silentLogger,
        escalationChain: { asesor: 'subkor', subkor: 'kabid' },
        digest: { role: 'kabid', time: '07:30', timezone: 'Asia/Jakarta' },
        batchSize: 50,
      });
    const [a, b] = [make(), make()];
    const results = await Promise.all([a.sweep(sweepAt), b.sweep(sweepAt), a.sweep(sweepAt), b.sweep(sweepAt)]);

    // Every due task was looked at by exactly one sweep: none twice, none left.
    expect(results.reduce((n, r) => n + r.checked, 0)).toBe(1201);
    const written = (await outbox.listOutbox(database.db)).filter((r) => r.parentId === null && (r.kind === 'overdue' || r.kind === 'escalation'));
    const expected = dueTasks.flatMap((t) => [
      ...t.roles.map((role) => `${t.id} overdue→${role}`),
      // Escalated to the first role's supervisor: asesor → subkor, subkor → kabid, kabid is the top.
      ...({ asesor: ['subkor'], subkor: ['kabid'] }[t.roles[0]!] ?? []).map((to) => `${t.id} escalation→${to}`),
    ]);
    expect(written.map((r) => `${r.taskId} ${r.kind}→${r.role}`).sort()).toEqual(expected.sort());
    // The sweeps' own count agrees: no sweep thought it wrote a notice that another had written.
    expect(results.reduce((n, r) => n + r.enqueued, 0)).toBe(expected.length);
    // And none of them is due again today.
    expect((await a.sweep(wib('2026-11-23T15:00'))).checked).toBe(0);
  }, 60_000);
});

describe('a sweep over many open tasks', () => {
  it('finds the 100 due among 100 000 open tasks by index (prints the time)', async () => {
    const { caseId } = await service.startCase('contoh', 'Beban', as('kabid'));
    const far = wib('2027-06-30T10:00');
    await database.db.execute(sql`
      insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, next_check_at)
      select ${caseId}, '1', g, 'task', '["kabid"]'::jsonb, 'open', ${now.toISOString()}::timestamptz, ${far.toISOString()}::timestamptz, ${far.toISOString()}::timestamptz
      from generate_series(1, 99900) g`);
    await database.db.execute(sql`
      insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, next_check_at)
      select ${caseId}, '1', 100000 + g, 'task', '["kabid"]'::jsonb, 'open', ${now.toISOString()}::timestamptz, ${wib('2026-11-23T09:10').toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
      from generate_series(1, 99) g`);
    await database.db.execute(sql`analyze tasks`);
    const s = scheduler();
    const started = performance.now();
    const result = await s.sweep(wib('2026-11-23T10:00'));
    const ms = performance.now() - started;
    console.log(`sweep over 100 000 open tasks (${onRealPostgres ? 'PostgreSQL' : 'PGlite'}): ${result.checked} due, ${result.enqueued} notices, ${ms.toFixed(0)} ms`);
    expect(result.checked).toBe(100);
    const second = performance.now();
    expect((await s.sweep(wib('2026-11-23T10:01'))).checked).toBe(0);
    console.log(`second sweep, nothing due: ${(performance.now() - second).toFixed(0)} ms`);
  }, 120_000);
});

describe('remembering incoming updates', () => {
  it('forgets update ids older than two days, once an hour, and keeps the recent ones', async () => {
    const s = scheduler();
    const db = database.db;
    await claimUpdate(db, 'telegram', 'three-days-old', wib('2026-11-20T09:00'));
    await claimUpdate(db, 'telegram', 'yesterday', wib('2026-11-22T09:00'));
    await s.tick(now);
    expect(await remembered()).toEqual(['yesterday']);

    // Within the hour nothing is pruned again; an hour later the next old id goes.
    await claimUpdate(db, 'slack', 'old-again', wib('2026-11-20T10:00'));
    await s.tick(new Date(now.getTime() + 30 * 60_000));
    expect(await remembered()).toEqual(['old-again', 'yesterday']);
    await s.tick(new Date(now.getTime() + 61 * 60_000));
    expect(await remembered()).toEqual(['yesterday']);
    // The remembered one still turns a replay away.
    await finishUpdate(db, 'telegram', 'yesterday');
    expect(await claimUpdate(db, 'telegram', 'yesterday', now)).toBe(false);
  });

  async function remembered() {
    const rows = await database.db.select({ id: processedUpdates.updateId }).from(processedUpdates);
    return rows.map((r) => r.id).sort();
  }
});
