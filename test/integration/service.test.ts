/**
 * The workflow service on a real database (PGlite by default, Postgres with TEST_DATABASE_URL):
 * each action read, decided and written in one statement guarded by versions (under the case's
 * lock when that write met a change), audit events and outbox rows.
 */
import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/sop/loader.js';
import { sopDefinitionSchema } from '../../src/sop/definition.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { WorkflowError } from '../../src/workflow/errors.js';
import { refusalText, TERMS } from '../../src/messages/id.js';
import type { Actor, Transition } from '../../src/workflow/model.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db.js';
import { sampleSop, sampleSopInput } from '../support/sample-sop.js';
import * as calendarSettings from '../../src/db/queries/calendar-settings.js';
import * as outboxQ from '../../src/db/queries/outbox.js';
import * as transitions from '../../src/db/queries/transitions.js';
import { outboxWrites } from '../../src/delivery/outbox-keys.js';

const as = (role: string, name = `Pak ${role}`): Actor => ({ channel: 'telegram', userId: `${role}-1`, name, role });

let database: TestDatabase;
let service: WorkflowService;
let now = new Date('2026-11-23T02:00:00Z'); // Monday 09:00 WIB

beforeEach(async () => {
  database = await createTestDatabase();
  service = new WorkflowService(database.db, { clock: () => now });
  await service.registerDefinitions([{ definition: sampleSop, contentHash: contentHash(sampleSop), file: 'contoh.yaml' }]);
});
afterEach(async () => {
  await database.close();
});

async function openTask(ref: string) {
  const details = await service.caseDetails(ref);
  const open = details.tasks.filter((t) => t.status === 'open');
  expect(open).toHaveLength(1);
  return open[0]!;
}

/** A case started and taken to step 3, the asesor's report (its output: Laporan); its open task. */
async function untilReport() {
  const started = await service.startCase('contoh', 'Uji', as('kabid'));
  await service.act((await openTask(started.caseRef)).id, { type: 'complete' }, as('kabid'));
  await service.act((await openTask(started.caseRef)).id, { type: 'choose', branch: 'Diterima' }, as('subkor'));
  return { ...started, report: await openTask(started.caseRef) };
}

/** A PDF as the upload handler records it, told apart by its name. */
const pdf = (fileName: string) => ({ fileName, mimeType: 'application/pdf', sizeBytes: 10, sha256: createHash('sha256').update(fileName).digest('hex'), storageKey: `2026-11/${fileName}` });

/** The service's refusal, with the words a Telegram user reads for it. */
async function refusalOf(p: Promise<unknown>): Promise<{ code: WorkflowError['code']; message: string }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WorkflowError);
  return { code: (e as WorkflowError).code, message: refusalText(e as WorkflowError, TERMS.telegram) };
}

describe('a case in the database', () => {
  it('numbers cases per SOP and year, and records the start with a card for the first role', async () => {
    const a = await service.startCase('contoh', 'Penilaian JPT 2026', as('kabid'));
    const b = await service.startCase('contoh', 'Penilaian JF', as('kabid'));
    expect([a.caseRef, b.caseRef]).toEqual(['CTH-2026-0001', 'CTH-2026-0002']);

    const details = await service.caseDetails('cth-2026-0001');
    expect(details.caseRow).toMatchObject({ title: 'Penilaian JPT 2026', status: 'open', sopId: 'contoh' });
    expect(details.events.map((e) => e.type)).toEqual(['case.started', 'task.opened']);
    expect(details.events[0]!.actor).toMatchObject({ name: 'Pak kabid', channel: 'telegram' });
    const outbox = await outboxQ.listOutbox(database.db, a.caseId);
    expect(outbox.map((o) => ({ kind: o.kind, role: o.role, taskId: o.taskId, status: o.status }))).toEqual([
      { kind: 'card', role: 'kabid', taskId: a.openedTaskIds[0], status: 'pending' },
    ]);
  });

  it('runs the sample SOP to its end with uploads, a return and a joint step, writing events and outbox rows', async () => {
    const { caseRef, caseId } = await service.startCase('contoh', 'Uji', as('kabid'));
    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    await service.act((await openTask(caseRef)).id, { type: 'choose', branch: 'Diterima' }, as('subkor'));

    const report = await openTask(caseRef);
    const refused = await refusalOf(service.act(report.id, { type: 'complete' }, as('asesor')));
    expect(refused.message).toBe('Kegiatan 3 belum dapat diselesaikan karena output berikut belum diunggah: Laporan.');
    const attached = await service.attachDocument(
      report.id,
      { kind: 'output', name: 'laporan' },
      { fileName: 'laporan.pdf', mimeType: 'application/pdf', sizeBytes: 10, sha256: 'a'.repeat(64), storageKey: '2026-11/x' },
      as('asesor'),
    );
    expect(attached.slot.name).toBe('Laporan');
    await service.act(report.id, { type: 'complete' }, as('asesor'));
    await service.act((await openTask(caseRef)).id, { type: 'return', reason: 'Tanda tangan belum ada' }, as('kabid'));

    const again = await openTask(caseRef);
    expect(again).toMatchObject({ stepId: '3', visit: 2, returnReason: 'Tanda tangan belum ada' });
    await service.attachDocument(
      again.id,
      { kind: 'output', name: 'Laporan' },
      { fileName: 'laporan-2.pdf', mimeType: 'application/pdf', sizeBytes: 12, sha256: 'b'.repeat(64), storageKey: '2026-11/y' },
      as('asesor'),
    );
    await service.act(again.id, { type: 'complete' }, as('asesor'));
    await service.act((await openTask(caseRef)).id, { type: 'approve' }, as('kabid'));
    const meeting = await openTask(caseRef);
    await service.act(meeting.id, { type: 'confirm' }, as('kabid'));
    const end = await service.act(meeting.id, { type: 'confirm' }, as('asesor'));
    expect(end).toMatchObject({ caseStatus: 'closed', outcome: 'selesai' });

    const details = await service.caseDetails(caseRef);
    expect(details.tasks.map((t) => `${t.stepId}/${t.visit}:${t.action}`)).toEqual([
      '1/1:done', '2/1:chosen', '3/1:done', '4/1:returned', '3/2:done', '4/2:approved', '6/1:confirmed',
    ]);
    expect(details.documents.map((d) => d.fileName)).toEqual(['laporan.pdf', 'laporan-2.pdf']);
    expect(details.events.map((e) => e.type)).toEqual([
      'case.started', 'task.opened',
      'task.completed', 'task.opened',
      'task.branch_chosen', 'task.opened',
      'document.attached',
      'task.completed', 'task.opened',
      'task.returned', 'task.opened',
      'document.attached',
      'task.completed', 'task.opened',
      'task.approved', 'task.opened',
      'task.confirmed',
      'task.confirmed', 'case.closed',
    ]);
    const outbox = await outboxQ.listOutbox(database.db, caseId);
    const cards = outbox.filter((o) => o.kind === 'card');
    expect(cards.map((o) => o.role)).toEqual(['kabid', 'subkor', 'asesor', 'kabid', 'asesor', 'kabid', 'kabid', 'asesor']);
    expect(cards.find((o) => o.payload.returnReason)?.payload).toEqual({ returnReason: 'Tanda tangan belum ada' });
    expect(outbox.filter((o) => o.kind === 'case-closed').map((o) => [o.role, o.payload])).toEqual([['kabid', { outcome: 'selesai' }]]);
    // Every action edits the card it came from: one card-update per action on a task.
    expect(outbox.filter((o) => o.kind === 'card-update')).toHaveLength(10);
  });

  it('changes nothing for a stale press, a repeated press, or the wrong role', async () => {
    const { caseRef, caseId } = await service.startCase('contoh', 'Uji', as('kabid'));
    const first = await openTask(caseRef);
    const stale = await refusalOf(service.act(first.id, { type: 'complete' }, as('kabid'), first.version + 1));
    expect(stale.code).toBe('stale_version');
    const wrong = await refusalOf(service.act(first.id, { type: 'complete' }, as('asesor')));
    expect(wrong.message).toBe('Kegiatan 1 dikerjakan oleh Kabid, bukan Asesor.');

    await service.act(first.id, { type: 'complete' }, as('kabid'), first.version);
    const before = await outboxQ.listOutbox(database.db, caseId);
    const repeated = await refusalOf(service.act(first.id, { type: 'complete' }, as('kabid'), first.version));
    expect(repeated.code).toBe('task_not_open');
    expect(await outboxQ.listOutbox(database.db, caseId)).toHaveLength(before.length);
    expect((await service.caseDetails(caseRef)).tasks).toHaveLength(2);
  });

  it('keeps a running case on the definition version it started with', async () => {
    const { caseRef } = await service.startCase('contoh', 'Lama', as('kabid'));
    const changed = sopDefinitionSchema.parse({
      ...sampleSopInput,
      steps: sampleSopInput.steps.map((s) => (s.id === '1' ? { ...s, kegiatan: 'Menerima dan mencatat surat', next: '5' } : s)),
    });
    const [v2] = await service.registerDefinitions([{ definition: changed, contentHash: contentHash(changed) }]);
    expect(v2!.version).toBe(2);
    // The same content again keeps version 2.
    const [same] = await service.registerDefinitions([{ definition: changed, contentHash: contentHash(changed) }]);
    expect(same!.versionId).toBe(v2!.versionId);

    await service.act((await openTask(caseRef)).id, { type: 'complete' }, as('kabid'));
    expect((await openTask(caseRef)).stepId).toBe('2'); // v1: 1 → 2

    const fresh = new WorkflowService(database.db, { clock: () => now }); // a restarted process
    await fresh.registerDefinitions([{ definition: changed, contentHash: contentHash(changed) }]);
    const newer = await fresh.startCase('contoh', 'Baru', as('kabid'));
    const newTask = (await fresh.caseDetails(newer.caseRef)).tasks[0]!;
    await fresh.act(newTask.id, { type: 'complete' }, as('kabid'));
    expect((await fresh.caseDetails(newer.caseRef)).tasks[1]!.stepId).toBe('5'); // v2: 1 → 5
    expect((await fresh.caseDetails(caseRef)).sopVersion).toBe(1);
  });

  it('cancels a case with a reason; acting on it afterwards is refused', async () => {
    const { caseRef } = await service.startCase('contoh', 'Uji', as('kabid'));
    const task = await openTask(caseRef);
    expect((await refusalOf(service.cancelCase(caseRef, ' ', as('kabid')))).code).toBe('cancel_reason_required');
    await service.cancelCase(caseRef, 'Ditarik pemohon', as('kabid'));
    const refused = await refusalOf(service.act(task.id, { type: 'complete' }, as('kabid')));
    expect(refused.message).toBe('Kasus CTH-2026-0001 sudah ditutup (dibatalkan).');
    expect((await refusalOf(service.caseDetails('CTH-2099-0001'))).message).toBe('Kasus CTH-2099-0001 tidak ditemukan.');
  });

  it('counts deadlines with admin-added holidays', async () => {
    now = new Date('2026-12-03T08:55:00Z'); // Thursday 15:55 WIB; 10 minutes reach into the next working day
    await calendarSettings.addExtraHoliday(database.db, '2026-12-04', 'Hari jadi kabupaten');
    const { caseRef } = await service.startCase('contoh', 'Uji', as('kabid'));
    // Friday is a local holiday → Monday 7 Dec 07:35 WIB.
    expect((await openTask(caseRef)).dueAt?.toISOString()).toBe('2026-12-07T00:35:00.000Z');
    now = new Date('2026-11-23T02:00:00Z');
  });
});

describe('the write guard under the core', () => {
  it.each([
    ['inside a transaction', true],
    ['as a statement of its own', false],
  ])('refuses a transition computed from a task version that is no longer current, and writes none of it (%s)', async (_, inTransaction) => {
    const { caseRef, caseId } = await service.startCase('contoh', 'Uji', as('kabid'));
    const task = await openTask(caseRef);
    const before = await service.caseDetails(caseRef);
    const outboxBefore = await outboxQ.listOutbox(database.db, caseId);

    // What the core would write for a Selesai, but from version 7 of a task that is at version 1.
    const transition: Transition = {
          caseChange: {},
          taskChanges: [{ id: task.id, expectedVersion: 7, set: { status: 'completed', action: 'done', doneAt: now, wentTo: '2' } }],
          opened: [{ stepId: '2', visit: 1, kind: 'review', roles: ['subkor'], dueAt: null, returnReason: null }],
          events: [{ type: 'task.completed', taskRef: { existing: task.id }, data: {} }],
          messages: [{ kind: 'card', role: 'subkor', task: { opened: 0 } }],
    };
    const writes = outboxWrites(transition.messages, before.caseRow);
    const write = inTransaction
      ? database.db.transaction(async (tx) => transitions.writeTransition(tx, before.caseRow, transition, writes, as('kabid'), now))
      : transitions.writeTransition(database.db, before.caseRow, transition, writes, as('kabid'), now);
    await expect(write).rejects.toBeInstanceOf(transitions.ConcurrentChangeError);
    await expect(write).rejects.toMatchObject({ taskId: task.id });

    const after = await service.caseDetails(caseRef);
    expect(after.caseRow.version).toBe(before.caseRow.version);
    expect(after.tasks).toEqual(before.tasks);
    expect(after.events).toHaveLength(before.events.length);
    expect(await outboxQ.listOutbox(database.db, caseId)).toHaveLength(outboxBefore.length);
  });
});

describe('another action lands between a press\'s read and its write', () => {
  /**
   * A service that, once it has read the case for its first action (its first `times` reads),
   * waits while `meanwhile`
   * runs through a second service on the same database: its write then meets a case that
   * changed under it, the moment any real pair of presses can meet.
   */
  function serviceWhere(meanwhile: (other: WorkflowService) => Promise<unknown>, times = 1) {
    const other = new WorkflowService(database.db, { clock: () => now });
    let reads = 0;
    class RacingService extends WorkflowService {
      // Asked for right after the case is read, before the core decides.
      override async definitionOf(...args: Parameters<WorkflowService['definitionOf']>) {
        if (++reads <= times) await meanwhile(other);
        return super.definitionOf(...args);
      }
    }
    const racing = new RacingService(database.db, { clock: () => now });
    return {
      racing,
      /** How many times the press read the case and decided. */
      decisions: () => reads,
      async register() {
        const def = [{ definition: sampleSop, contentHash: contentHash(sampleSop), file: 'contoh.yaml' }];
        await racing.registerDefinitions(def);
        await other.registerDefinitions(def);
      },
    };
  }

  async function untilJointStep() {
    const { caseRef, caseId, report } = await untilReport();
    await service.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, pdf('laporan.pdf'), as('asesor'));
    await service.act(report.id, { type: 'complete' }, as('asesor'));
    await service.act((await openTask(caseRef)).id, { type: 'approve' }, as('kabid'));
    return { caseRef, caseId, meeting: await openTask(caseRef) };
  }

  it('two people confirm the joint meeting at the same moment: both confirmations count and the case closes', async () => {
    const { caseRef, caseId, meeting } = await untilJointStep();
    const race = serviceWhere((other) => other.act(meeting.id, { type: 'confirm' }, as('asesor'), meeting.version));
    await race.register();

    // The asesor's confirmation is written first. (The kabid's carries no card version: with the
    // card's, the core would refuse it as made on a card that has changed since.)
    const end = await race.racing.act(meeting.id, { type: 'confirm' }, as('kabid'));

    expect(end).toMatchObject({ caseStatus: 'closed', outcome: 'selesai' });
    // Its first write was undone and it was decided again on the case as the asesor left it.
    expect(race.decisions()).toBe(2);
    const details = await service.caseDetails(caseRef);
    expect(details.caseRow.status).toBe('closed');
    expect(details.events.filter((e) => e.type === 'task.confirmed').map((e) => e.actor?.role)).toEqual(['asesor', 'kabid']);
    expect(details.events.filter((e) => e.type === 'case.closed')).toHaveLength(1);
    const outbox = await outboxQ.listOutbox(database.db, caseId);
    expect(outbox.filter((o) => o.kind === 'case-closed')).toHaveLength(1);
  });

  it('the asesor uploads a second file while Selesai is pressed on the same step: both count, and each edits the card', async () => {
    const { caseRef, caseId, report } = await untilReport();
    await service.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, pdf('laporan.pdf'), as('asesor'));
    const before = await service.caseDetails(caseRef);
    const editsBefore = (await outboxQ.listOutbox(database.db, caseId)).filter((o) => o.kind === 'card-update').length;
    // The upload changes no task, only the case: the press's write is caught by the case's version.
    const race = serviceWhere((other) => other.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, pdf('lampiran.pdf'), as('asesor')));
    await race.register();

    await race.racing.act(report.id, { type: 'complete' }, as('asesor'), report.version);

    expect(race.decisions()).toBe(2);
    const after = await service.caseDetails(caseRef);
    expect(after.caseRow.version).toBe(before.caseRow.version + 2);
    expect(after.documents.map((d) => d.fileName)).toEqual(['laporan.pdf', 'lampiran.pdf']);
    expect(after.events.slice(before.events.length).map((e) => e.type)).toEqual(['document.attached', 'task.completed', 'task.opened']);
    const edits = (await outboxQ.listOutbox(database.db, caseId)).filter((o) => o.kind === 'card-update');
    expect(edits).toHaveLength(editsBefore + 2);
  });

  it('a case that changes under a press twice: the press waits for the case\'s lock and is recorded', async () => {
    const { caseRef, report } = await untilReport();
    let n = 0;
    const upload = () => pdf(`bagian-${++n}.pdf`);
    await service.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, upload(), as('asesor'));
    const race = serviceWhere((other) => other.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, upload(), as('asesor')), 2);
    await race.register();

    const done = await race.racing.act(report.id, { type: 'complete' }, as('asesor'), report.version);

    // Two reads met a change; the third ran under the lock.
    expect(race.decisions()).toBe(3);
    expect(done.openedTaskIds).toHaveLength(1);
    const after = await service.caseDetails(caseRef);
    expect(after.documents.map((d) => d.fileName)).toEqual(['bagian-1.pdf', 'bagian-2.pdf', 'bagian-3.pdf']);
    expect(after.tasks.map((t) => `${t.stepId}:${t.status}`)).toEqual(['1:completed', '2:completed', '3:completed', '4:open']);
  });

  it('two people press Selesai on the same card: one is recorded, the other is told the task is done, and nothing is written twice', async () => {
    const { caseRef, caseId } = await service.startCase('contoh', 'Uji', as('kabid'));
    const first = await openTask(caseRef);
    const versionBefore = (await service.caseDetails(caseRef)).caseRow.version;
    const race = serviceWhere((other) => other.act(first.id, { type: 'complete' }, as('kabid', 'Bu Kabid')));
    await race.register();

    const refused = await refusalOf(race.racing.act(first.id, { type: 'complete' }, as('kabid', 'Pak Kabid')));

    expect(refused.code).toBe('task_not_open');
    expect(race.decisions()).toBe(2);
    const details = await service.caseDetails(caseRef);
    expect(details.caseRow.version).toBe(versionBefore + 1);
    expect(details.tasks.map((t) => `${t.stepId}:${t.status}`)).toEqual(['1:completed', '2:open']);
    expect(details.events.filter((e) => e.type === 'task.completed').map((e) => e.actor?.name)).toEqual(['Bu Kabid']);
    const cards = (await outboxQ.listOutbox(database.db, caseId)).filter((o) => o.kind === 'card');
    expect(cards.map((o) => o.role)).toEqual(['kabid', 'subkor']);
  });
});

describe('two people press at the same moment', () => {
  it.skipIf(!onRealPostgres)('only one of two concurrent approvals wins; the other changes nothing', async () => {
    const { caseRef, caseId } = await service.startCase('contoh', 'Uji', as('kabid'));
    const first = await openTask(caseRef);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => service.act(first.id, { type: 'complete' }, as('kabid', `Kabid ${i}`), first.version)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(['task_not_open', 'stale_version']).toContain((r.reason as WorkflowError).code);
    }
    const details = await service.caseDetails(caseRef);
    expect(details.tasks).toHaveLength(2);
    expect(details.events.filter((e) => e.type === 'task.completed')).toHaveLength(1);
    expect((await outboxQ.listOutbox(database.db, caseId)).filter((o) => o.kind === 'card')).toHaveLength(2);
  });

  it.skipIf(!onRealPostgres)('an upload while the reminder sweep holds the same task waits for the sweep, and both finish', async () => {
    const { caseRef, caseId, report } = await untilReport();
    // The sweep's own statements, on a connection of their own: lock the due task, then (after
    // the upload has begun) write a notice, whose case is checked with KEY SHARE.
    const sweep = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const swept = sweep.begin(async (tx) => {
        await tx`select id from tasks where id = ${report.id} for update of tasks skip locked`;
        const upload = service.attachDocument(report.id, { kind: 'output', name: 'Laporan' }, pdf('laporan.pdf'), as('asesor'));
        await new Promise((r) => setTimeout(r, 300));
        await tx`insert into outbox (kind, role, case_id, task_id, payload, dedupe_key)
                 values ('reminder', 'asesor', ${caseId}, ${report.id}, '{}'::jsonb, ${`uji-sweep:${report.id}`})`;
        // Wrapped: a promise returned as such would be awaited before the commit.
        return { upload };
      });
      const uploaded = await (await swept).upload;
      expect(uploaded.slot.name).toBe('Laporan');
    } finally {
      await sweep.end();
    }
    const kinds = (await outboxQ.listOutbox(database.db, caseId)).map((o) => o.kind);
    expect(kinds).toContain('reminder');
    expect((await service.caseDetails(caseRef)).documents.map((d) => d.fileName)).toEqual(['laporan.pdf']);
  });

  it.skipIf(!onRealPostgres)('numbers 40 cases started at once without gaps or duplicates', async () => {
    const refs = await Promise.all(Array.from({ length: 40 }, (_, i) => service.startCase('contoh', `K${i}`, as('kabid'))));
    const numbers = refs.map((r) => Number(r.caseRef.split('-')[2])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
