/**
 * Concurrency: many people pressing the same button at the same moment, and two replicas of
 * the service sharing one PostgreSQL database, each driving the same cases at the same time.
 * Whatever the interleaving, each action happens once and every case ends as it would have
 * run alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { TG } from '../../src/messages/id.js';
import { catalogDir, contentHash, loadCatalog } from '../../src/sop/loader.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db.js';
import type { TgMessage, TgUser } from '../support/fake-telegram.js';
import { TelegramWorld } from '../support/telegram-world.js';
import { note } from './report.js';
import { sampleSop } from '../support/sample-sop.js';
import { SEED_SOPS, personOf, runScriptedCase, scriptKey, type RaceTally, type Replica } from './stories.js';
import { consistencyProblems, pool, unsentDeliveries } from './support.js';
import * as outbox from '../../src/db/queries/outbox.js';
import { uploadSlots } from '../../src/workflow/engine.js';

let world: TelegramWorld | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PRESSERS = 50;
const WAIT = 30_000;

/** A test database whose pool lets every presser hold a connection at once (PostgreSQL). */
async function widePoolDatabase(): Promise<TestDatabase> {
  const direct = await createTestDatabase();
  if (!direct.url) return direct;
  const wide = await openDatabase({ url: direct.url, maxConnections: PRESSERS + 10 });
  return {
    ...wide,
    url: direct.url,
    close: async () => {
      await wide.close();
      await direct.close();
    },
  };
}

function dataOf(card: TgMessage, label: string): string {
  const b = card.reply_markup?.inline_keyboard.flat().find((x) => x.text.includes(label));
  if (!b) throw new Error(`no button "${label}" on ${JSON.stringify(card.reply_markup)}`);
  return b.callback_data!;
}

describe('50 people press the same button at once', () => {
  it('exactly one transition and one next card; everyone else is told it was already done', async (ctx) => {
    world = await TelegramWorld.start({ startScheduler: false, database: await widePoolDatabase() });
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const subkor = await w.bindGroup('subkor');
    const sekretaris = await w.bindGroup('sekretaris');
    const people: TgUser[] = Array.from({ length: PRESSERS }, (_, i) => {
      const u = w.tg.addUser({ first_name: 'Pegawai', last_name: String(i + 1) });
      w.tg.setMember(kabid.chat, u, 'member');
      return u;
    });
    const svc = w.core.service;
    const admin = { channel: 'cli' as const, userId: 'admin', name: 'Admin' };
    const { caseRef } = await svc.startCase('pemalang', 'Permohonan asesor serentak', { ...admin, role: 'kabid' });
    const attach = async (taskId: number, name: string, role: string) =>
      svc.attachDocument(taskId, { kind: 'output', name }, { fileName: `${name}.pdf`, mimeType: 'application/pdf', sizeBytes: 10, sha256: 'a'.repeat(64), storageKey: `k/${taskId}` }, personOf(role));

    /** Everyone presses `label` on the open card of `stepId` in the Kabid group, in one burst. */
    const burst = async (stepId: string, ready: string, label: string, nextRole: string, nextStep: string) => {
      const task = (await svc.caseDetails(caseRef)).tasks.find((t) => t.stepId === stepId && t.status === 'open')!;
      const card = await w.tg.waitFor(() => {
        const m = w.botMessages(kabid.chat).find((x) => x.text?.includes(caseRef) && x.text.includes(`Kegiatan ${stepId} (`) && x.reply_markup?.inline_keyboard.length);
        return m?.text?.includes(ready) ? m : undefined;
      }, WAIT, `card ${stepId} ready to press`);
      await w.settled();
      const editsBefore = w.tg.edits.filter((e) => e.messageId === card.message_id).length;
      const data = dataOf(card, label);
      const t0 = Date.now();
      const queries = people.map((p) => w.tg.userPresses(kabid.chat, p, card, data));
      const answers = await w.tg.waitFor(() => (queries.every((q) => w.tg.callbackAnswers.has(q)) ? queries.map((q) => w.tg.callbackAnswers.get(q)!.text ?? '') : undefined), WAIT, 'every press answered');
      const ms = Date.now() - t0;

      const winners = answers.flatMap((a, i) => (a === TG.recorded ? [people[i]!] : []));
      expect(winners, answers.join('\n')).toHaveLength(1);
      const winner = `${winners[0]!.first_name} ${winners[0]!.last_name}`;
      const others = answers.filter((a) => a !== TG.recorded);
      for (const a of others) expect(a).toMatch(new RegExp(`sudah ditutup; sudah ditangani oleh ${winner}`));

      // The database: one closing event, one next task, one card row for it.
      const details = await svc.caseDetails(caseRef);
      const done = details.tasks.find((t) => t.id === task.id)!;
      expect(done).toMatchObject({ status: 'completed', doneBy: { name: winner } });
      const closing = details.events.filter((e) => e.taskId === task.id && ['task.completed', 'task.approved'].includes(e.type));
      expect(closing).toHaveLength(1);
      const next = details.tasks.filter((t) => t.stepId === nextStep);
      expect(next).toHaveLength(1);
      const rows = await outbox.listOutbox(w.database.db, details.caseRow.id);
      expect(rows.filter((r) => r.platform === null && r.kind === 'card' && r.taskId === next[0]!.id)).toHaveLength(1);
      // One edit of the card per upload on it, and one for the press.
      const uploads = (await svc.caseDetails(caseRef)).documents.filter((d) => d.taskId === task.id).length;
      expect(rows.filter((r) => r.platform === null && r.kind === 'card-update' && r.taskId === task.id)).toHaveLength(uploads + 1);

      // The chats: one card in the next role's group, one edit of the pressed card.
      const desk = w.desk(nextRole);
      await w.tg.waitFor(() => w.botMessages(desk.chat).some((m) => m.text?.includes(caseRef) && m.text.includes(`Kegiatan ${nextStep} (`)), WAIT, `card ${nextStep}`);
      await w.cardClosed('kabid', card, `oleh ${winner}`);
      await w.tg.waitFor(async () => (await unsentDeliveries(w.database.db)).length === 0, WAIT, 'outbox drained');
      expect(w.botMessages(desk.chat).filter((m) => m.text?.includes(caseRef) && m.text.includes(`Kegiatan ${nextStep} (`))).toHaveLength(1);
      expect(w.tg.edits.filter((e) => e.messageId === card.message_id).length - editsBefore).toBe(1);
      return { ms, others: others.length };
    };

    // Kegiatan 1: the Disposisi is uploaded, then all 50 press Selesai.
    const first = (await svc.caseDetails(caseRef)).tasks[0]!;
    await attach(first.id, 'Disposisi', 'kabid');
    const selesai = await burst('1', '✅ Disposisi', 'Selesai', 'subkor', '2');

    // On to the Kabid's review (5b) along the Ditolak branch; then all 50 press Setujui.
    const openTask = async () => (await svc.caseDetails(caseRef)).tasks.find((t) => t.status === 'open')!;
    await svc.act((await openTask()).id, { type: 'complete' }, personOf('subkor'));
    await svc.act((await openTask()).id, { type: 'choose', branch: 'Ditolak' }, personOf('subkor'));
    await svc.act((await openTask()).id, { type: 'complete' }, personOf('subkor'));
    const review = await openTask();
    expect(review.stepId).toBe('5b');
    const details = await svc.caseDetails(caseRef);
    const step5b = details.definition.steps.find((s) => s.id === '5b')!;
    // On the Ditolak path 5b asks for no document (the drafts belong to Diterima): the card is ready as it opens.
    const outputs = uploadSlots(step5b, details.caseRow.decisions).filter((x) => x.kind === 'output');
    for (const o of outputs) await attach(review.id, o.name, 'kabid');
    const setujui = await burst('5b', outputs[0] ? `✅ ${outputs[0].name}` : 'Kegiatan 5b (', 'Setujui', 'sekretaris', '6');
    expect(sekretaris.chat.id).toBeDefined();
    expect(subkor.chat.id).toBeDefined();
    expect(await consistencyProblems(w.database.db)).toEqual([]);

    const where = onRealPostgres ? `PostgreSQL, ${PRESSERS} presses handled at once` : 'PGlite (the embedded database runs one transaction at a time)';
    note(ctx, {
      story: 'Concurrency',
      tried: `${PRESSERS} people press Selesai on one card in the same second, then ${PRESSERS} press Setujui (${where})`,
      times: 2 * PRESSERS,
      held: `each burst: exactly 1 "Tercatat", 1 task closed, 1 closing event, 1 next card in the next group, 1 edit of the card; the other ${selesai.others} + ${setujui.others} were told "sudah ditutup; sudah ditangani oleh <the winner>" (all answered in ${selesai.ms} / ${setujui.ms} ms)`,
    });
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------

const CASES = 500;
/** 400 cases of the test SOP (every step kind: decision, upload, due date, review with return, joint) and 20 of each seed. */
const SOP_OF = (i: number) => (i < 400 ? 'contoh' : SEED_SOPS[i % SEED_SOPS.length]!);

/** A case as it ended, without ids, titles or clock times: comparable across databases. */
async function endState(r: Replica, ref: string) {
  const d = await r.service.caseDetails(ref);
  const rows = await outbox.listOutbox(r.db, d.caseRow.id);
  const stepOf = new Map(d.tasks.map((t) => [t.id, `${t.stepId}#${t.visit}`]));
  return {
    sop: d.caseRow.sopId,
    status: d.caseRow.status,
    outcome: d.caseRow.outcome,
    decisions: d.caseRow.decisions,
    tasks: d.tasks.map((t) =>
      [t.stepId, t.visit, t.status, t.action, t.branch, t.wentTo, t.returnReason, t.comment, t.confirmations.map((c) => c.role).sort().join('+'), t.roles.join('+'), t.kind === 'joint' ? 'last of the roles' : t.doneBy?.role].join('|'),
    ),
    events: d.events.map((e) => `${e.type}@${e.taskId ? stepOf.get(e.taskId) : ''}`),
    documents: d.documents.map((doc) => `${stepOf.get(doc.taskId)}:${doc.slotName}`),
    messages: rows.filter((r) => r.platform === null).map((r) => `${r.kind}:${r.role ?? ''}@${r.taskId ? stepOf.get(r.taskId) : ''}`),
  };
}

async function catalogWithSample() {
  return [...(await loadCatalog(catalogDir())).definitions, { definition: sampleSop, contentHash: contentHash(sampleSop) }];
}

describe('two replicas on one PostgreSQL database', () => {
  it.skipIf(!onRealPostgres)(`drive ${CASES} cases at once, racing each other: every case ends as in a serial run`, async (ctx) => {
    const catalog = await catalogWithSample();
    const plan = Array.from({ length: CASES }, (_, i) => ({ i, sopId: SOP_OF(i) }));

    // The serial run: one service, one case after another, once per distinct script.
    const serialDb = await createTestDatabase();
    cleanups.push(() => serialDb.close());
    const serial: Replica = { service: new WorkflowService(serialDb.db), db: serialDb.db };
    await serial.service.registerDefinitions(catalog);
    const s0 = Date.now();
    const reference = new Map<string, Awaited<ReturnType<typeof endState>>>();
    for (const { i, sopId } of plan) {
      const key = `${sopId}:${scriptKey(i)}`;
      if (!reference.has(key)) reference.set(key, await endState(serial, await runScriptedCase([serial], sopId, i)));
    }
    const serialMs = Date.now() - s0;

    // Two replicas: their own connection pools and services, one database.
    const shared = await createTestDatabase();
    cleanups.push(() => shared.close());
    const replicas: Replica[] = [];
    for (let n = 0; n < 2; n++) {
      const database = await openDatabase({ url: shared.url!, maxConnections: 20 });
      const service = new WorkflowService(database.db);
      await service.registerDefinitions(catalog);
      replicas.push({ service, db: database.db });
      cleanups.push(() => database.close());
    }
    const [A] = replicas as [Replica, Replica];

    const tally: RaceTally = { raced: 0, refusals: {}, jointRaces: 0 };
    const r0 = Date.now();
    const refs = await pool(plan, 100, ({ i, sopId }) => runScriptedCase(replicas, sopId, i, tally));
    const raceMs = Date.now() - r0;

    // Every case ends as the serial run of its script did.
    const mismatches: string[] = [];
    const outcomes: Record<string, number> = {};
    for (const [k, { i, sopId }] of plan.entries()) {
      const expected = reference.get(`${sopId}:${scriptKey(i)}`)!;
      const actual = await endState(A, refs[k]!);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`Kasus ${i} ${refs[k]}: ${JSON.stringify(actual)}\n  vs ${JSON.stringify(expected)}`);
      outcomes[`${actual.sop} ${actual.outcome}`] = (outcomes[`${actual.sop} ${actual.outcome}`] ?? 0) + 1;
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(await consistencyProblems(A.db)).toEqual([]);
    expect(await A.service.openTasks()).toEqual([]);
    // References are numbered without gaps per SOP, whichever replica started the case.
    for (const sopId of new Set(plan.map((p) => p.sopId))) {
      const nums = refs.filter((_, k) => plan[k]!.sopId === sopId).map((r) => Number(r.split('-').at(-1))).sort((a, b) => a - b);
      expect(nums).toEqual(nums.map((_, k) => k + 1));
    }

    note(ctx, {
      story: 'Concurrency',
      tried: `two replicas (own connection pools and workflow services; one database) drive ${CASES} cases at once, 100 in flight (400 of a test SOP with every step kind, 20 of each seed SOP); every press sent to both replicas in the same instant with the card's version; joint steps confirmed by all their roles at once`,
      times: tally.raced,
      held: `every race had exactly 1 winner (the losers were refused: ${Object.entries(tally.refusals).map(([c, n]) => `${n} ${c}`).join(', ')}); ${tally.jointRaces} simultaneous joint confirmations all recorded; all ${CASES} cases ended exactly as the serial run of their script (tasks, branches, returns, events, documents, messages): ${Object.entries(outcomes).map(([k, n]) => `${n} ${k}`).join(', ')}; references gap-free per SOP; ${(raceMs / 1000).toFixed(1)} s racing (serial reference runs: ${(serialMs / 1000).toFixed(1)} s)`,
    });
  }, 300_000);
});
