/**
 * Each of the five seed SOPs, run as a case through every branch and every return loop the
 * document writes, to its end. Checks the path taken, the task rows, the audit trail and the
 * cards written to the outbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { driveCase, driveTo, person, type CaseStory } from '../support/case-driver.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import * as outboxQ from '../../src/db/queries/outbox.js';
import { buildCard } from '../../src/messages/card.js';

let database: TestDatabase;
let service: WorkflowService;

beforeAll(async () => {
  const catalog = await loadCatalog(catalogDir());
  expect(catalog.failures).toEqual([]);
  expect(catalog.definitions.map((d) => d.definition.id).sort()).toEqual(['jateng', 'kemenkumham', 'pemalang', 'pupr', 'tangerang']);
});

beforeEach(async () => {
  database = await createTestDatabase();
  service = new WorkflowService(database.db, { clock: () => new Date('2026-11-23T02:00:00Z') });
  await service.registerDefinitions((await loadCatalog(catalogDir())).definitions);
});
afterAll(async () => {
  await database?.close();
});

async function runStory(sopId: string, story: CaseStory, expected: { trace: string[]; outcome: string }) {
  const { caseRef, trace, details } = await driveCase(service, sopId, story);
  expect(trace).toEqual(expected.trace);
  expect(details.caseRow).toMatchObject({ status: 'closed', outcome: expected.outcome });

  // One task row per visit, each closed by the role of its step.
  expect(details.tasks).toHaveLength(expected.trace.length);
  expect(details.tasks.every((t) => t.status === 'completed' && t.doneBy && t.roles.includes(t.doneBy.role!))).toBe(true);

  const types = details.events.map((e) => e.type);
  expect(types[0]).toBe('case.started');
  expect(types.at(-1)).toBe('case.closed');
  expect(types.filter((t) => t === 'task.opened')).toHaveLength(expected.trace.length);
  const returns = Object.values(story.returnOn ?? {}).flat().length;
  expect(types.filter((t) => t === 'task.returned')).toHaveLength(returns);
  expect(details.events.at(-1)!.data).toMatchObject({ outcome: expected.outcome });

  // A card for every role of every opened task; a returned task's card carries the reason.
  const outbox = await outboxQ.listOutbox(database.db, details.caseRow.id);
  const cards = outbox.filter((o) => o.kind === 'card');
  expect(cards).toHaveLength(details.tasks.reduce((n, t) => n + t.roles.length, 0));
  expect(cards.filter((o) => typeof o.payload.returnReason === 'string')).toHaveLength(
    details.tasks.filter((t) => t.returnReason).reduce((n, t) => n + t.roles.length, 0),
  );
  expect(outbox.filter((o) => o.kind === 'case-closed').map((o) => o.payload.outcome)).toEqual([expected.outcome]);
  return { caseRef, details };
}

describe('Pemalang: Kerjasama Kegiatan Penilaian Kompetensi', () => {
  it('Diterima: the Kabid and the Sekretaris each send the drafts back once, then the Asesor works and reports', async () => {
    const { details } = await runStory(
      'pemalang',
      { choose: { '3': 'Diterima' }, returnOn: { '5b': [1], '6': [1] } },
      {
        trace: ['1', '2', '3', '5', '5a', '5b', '5a#2', '5b#2', '6', '5b#3', '6#2', '7', '8', '9', '10'],
        outcome: 'selesai',
      },
    );
    // Step 10 counts "maksimal 7 hari" from the Asesor's step 9, not from its own opening.
    const step9 = details.tasks.find((t) => t.stepId === '9')!;
    const step10 = details.tasks.find((t) => t.stepId === '10')!;
    expect(step9.dueAt?.toISOString()).toBe('2027-06-30T08:00:00.000Z'); // set by the Asesor
    expect(step10.dueAt?.toISOString()).toBe('2026-12-02T02:00:00.000Z'); // 7 working days after 23 Nov 09:00 WIB
  });

  it('Ditolak: the rejection letter is returned once, signed, sent, and the case ends as ditolak', async () => {
    const { details } = await runStory(
      'pemalang',
      { choose: { '3': 'Ditolak' }, returnOn: { '5b': [1] } },
      { trace: ['1', '2', '3', '4', '5b', '4#2', '5b#2', '6', '7', '8'], outcome: 'ditolak' },
    );
    // On this path only a surat penolakan exists: rows 5b–8 asked for no Draft surat tugas and
    // no Surat tugas, so nothing was uploaded there and every card listed none.
    const shared = details.tasks.filter((t) => ['5b', '6', '7', '8'].includes(t.stepId));
    expect(details.documents.filter((d) => shared.some((t) => t.id === d.taskId))).toEqual([]);
    for (const task of shared) {
      const card = await cardFor(task.id);
      expect(card.kelengkapan, task.stepId).toEqual([]);
      expect(card.outputs, task.stepId).toEqual([]);
    }
  });

  it('Diterima and Ditolak at the same row 8: only the accepted case is asked for the Surat tugas', async () => {
    const accepted = await driveTo(service, 'pemalang', { choose: { '3': 'Diterima' } }, '8');
    const rejected = await driveTo(service, 'pemalang', { choose: { '3': 'Ditolak' } }, '8');
    expect((await cardFor(accepted.id)).outputs.map((o: { name: string }) => o.name)).toEqual(['Surat tugas']);
    expect((await cardFor(rejected.id)).outputs).toEqual([]);
    const subkor = person('subkor');
    await expect(service.act(accepted.id, { type: 'complete' }, subkor)).rejects.toMatchObject({ code: 'missing_outputs' });
    const file = { fileName: 'surat.pdf', mimeType: 'application/pdf', sizeBytes: 10, sha256: 'a'.repeat(64), storageKey: '2026-11/x' };
    await expect(service.attachDocument(rejected.id, { kind: 'output', name: 'Surat tugas' }, file, subkor)).rejects.toMatchObject({ code: 'unknown_slot' });
    await expect(service.act(rejected.id, { type: 'complete' }, subkor)).resolves.toMatchObject({ caseStatus: 'closed', outcome: 'ditolak' });
  });
});

describe('PUPR: Pelaksanaan Uji Kompetensi', () => {
  it('goes straight through when every check passes', async () => {
    await runStory('pupr', {}, { trace: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'], outcome: 'selesai' });
  });

  it('runs every return loop: 3 → 2, 4 → 3, 6 → 1 and 8 → 1', async () => {
    await runStory(
      'pupr',
      { returnOn: { '3': [1], '4': [1], '6': [1], '8': [1] } },
      {
        trace: [
          '1', '2', '3', '2#2', '3#2', '4', '3#3', '4#2', '5', '6',
          '1#2', '2#3', '3#4', '4#3', '5#2', '6#2', '7', '8',
          '1#3', '2#4', '3#5', '4#4', '5#3', '6#3', '7#2', '8#2', '9', '10', '11',
        ],
        outcome: 'selesai',
      },
    );
  });

  it('counts PUPR waktu in the SOP\'s own minutes (1 hari = 300 menit)', async () => {
    const def = service.sop('pupr').definition;
    expect(def.konversiWaktu).toEqual({ jam: 60, hari: 300, minggu: 1500 });
  });
});

describe('Tangerang: Pelaksanaan Penilaian Kompetensi Aparatur', () => {
  it('runs its ten steps from the Pemohon to the Ka. UPT', async () => {
    await runStory('tangerang', {}, { trace: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], outcome: 'selesai' });
  });
});

describe('Kemenkumham: Pelaksanaan Penilaian Kompetensi oleh Asesor', () => {
  it('holds the joint meeting of step 3 until every role confirmed', async () => {
    const { details } = await runStory('kemenkumham', {}, { trace: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], outcome: 'selesai' });
    const meeting = details.tasks.find((t) => t.stepId === '3')!;
    expect(meeting.confirmations.map((c) => c.role).sort()).toEqual([...meeting.roles].sort());
    expect(details.events.filter((e) => e.type === 'task.confirmed')).toHaveLength(meeting.roles.length);
  });
});

describe('Jateng: Perumusan Kompetensi', () => {
  it('runs the two joint steps and sends the report back from the Ka. Unit once', async () => {
    await runStory('jateng', { returnOn: { '6': [1] } }, { trace: ['1', '2', '3', '4', '5', '6', '5#2', '6#2', '7'], outcome: 'selesai' });
  });
});

/** The card a role would see for a task now. */
async function cardFor(taskId: number) {
  const view = await service.taskView(taskId);
  return buildCard({ def: view.definition, caseRow: view.caseRow, task: view.task, documents: view.documents, calendar: view.calendar });
}
