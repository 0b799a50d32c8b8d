/**
 * A Slack form posted twice (issue 12, item 14): only Events API messages were de-duplicated
 * (by event_id), so the same signed view_submission posted twice started KUMHAM-2026-0001 and
 * -0002. Each submission that creates something (a new case, a Kembalikan reason, a due date)
 * and each button press is now handled once per key Slack gives (the view's id, hash and
 * values; the action's action_ts), through the processed-updates mark events use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findStep, missingOutputs } from '../../src/workflow/engine.js';
import type { Actor } from '../../src/workflow/model.js';
import { buttonsOf } from '../support/fake-slack.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import { note } from '../reliability/report.js';

const WAIT = 20_000;
let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Works the case through the service (not Slack) until its open task is at `stepId`. */
async function driveTo(w: SlackWorld, ref: string, stepId: string, choose: Record<string, string> = {}) {
  const service = w.core.service;
  for (let i = 0; i < 30; i++) {
    const details = await service.caseDetails(ref);
    const task = details.tasks.find((t) => t.status === 'open')!;
    if (task.stepId === stepId) return;
    const role = task.roles[0]!;
    const actor: Actor = { channel: 'cli', userId: role, name: `Petugas ${role}`, role };
    const step = findStep(details.definition, task.stepId);
    for (const name of missingOutputs(step, task, details.documents, details.caseRow.decisions)) {
      const stored = await w.core.files.put(Buffer.from(`%PDF ${name}`));
      await service.attachDocument(task.id, { kind: 'output', name }, { fileName: `${name}.pdf`, mimeType: 'application/pdf', ...stored }, actor);
    }
    const command =
      step.kind === 'decision' ? { type: 'choose' as const, branch: choose[step.id] ?? step.branches![0]!.label } : { type: step.kind === 'review' ? ('approve' as const) : step.kind === 'joint' ? ('confirm' as const) : ('complete' as const) };
    for (const r of task.roles) await service.act(task.id, command, { ...actor, role: r, userId: r });
  }
  throw new Error(`${ref} never reached step ${stepId}`);
}

describe('the same signed Slack form posted twice acts once', () => {
  it('/sop baru: one case, not KUMHAM-2026-0001 and -0002; Kembalikan: one return, no second answer; due date: one change', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'the same signed Slack form posted again (issue 12 #14): /sop baru three times (two at once), Kembalikan\'s reason three times, the due date twice; a refused form corrected and sent', times: 8, held: 'one case (KUMHAM-2026-0001 only), one return, one due-date change, one answer each; the corrected form started its own case' });
    world = await SlackWorld.start();
    const w = world;
    const madya = await w.bindChannel('jf_madya');

    // The new-case form, submitted once and then the same bytes twice more, two of them at once.
    expect((await w.slack.runCommand(madya.person, madya.channel, 'baru')).status).toBe(200);
    const form = await w.modal(madya.person, 'new_case');
    const first = await w.slack.submit(madya.person, form, { sop: 'kemenkumham', title: 'Penilaian JF Gelombang 1' });
    expect(first).toMatchObject({ status: 200, body: '' });
    const again = await Promise.all([w.slack.app.replay(first), w.slack.app.replay(first)]);
    expect(again.map((d) => d.status)).toEqual([200, 200]);
    await w.settled();
    await w.slack.waitFor(() => w.botSaid(madya.channel, 'dimulai'), WAIT, 'case started');
    const cases = (await w.core.service.openTasks(['jf_madya'])).map((t) => t.caseRef);
    expect(cases).toEqual(['KUMHAM-2026-0001']);
    expect(w.slack.botMessages(madya.channel).filter((m) => m.text.includes('dimulai'))).toHaveLength(1);

    // A refused form corrected and sent again is not a duplicate: the values are part of the key.
    expect((await w.slack.runCommand(madya.person, madya.channel, 'baru')).status).toBe(200);
    const second = (await w.slack.waitFor(() => w.slack.openModals(madya.person).filter((v) => v.view.callback_id === 'new_case' && v.id !== form.id).at(-1), WAIT, 'second form'))!;
    const blank = await w.slack.submit(madya.person, second, { sop: 'kemenkumham', title: '   ' });
    expect(JSON.parse(blank.body)).toMatchObject({ response_action: 'errors' });
    expect((await w.slack.submit(madya.person, second, { sop: 'kemenkumham', title: 'Penilaian JF Gelombang 2' })).body).toBe('');
    await w.slack.waitFor(async () => (await w.core.service.openTasks(['jf_madya'])).length === 2, WAIT, 'second case');

    // Kembalikan (PUPR step 3): the reason's form posted three times.
    for (const role of ['kasie', 'asesor_eksternal', 'staf']) await w.bindChannel(role);
    const staf = w.desk('staf');
    const pupr = (await w.core.service.startCase('pupr', 'Uji kompetensi ganda', { channel: 'cli', userId: 'kasie', name: 'Petugas kasie', role: 'kasie' })).caseRef;
    await driveTo(w, pupr, '3');
    const card3 = await w.card('staf', pupr, '3');
    await w.press('staf', card3, 'Kembalikan');
    const reasonForm = await w.modal(staf.person, 'return_reason');
    const whispersBefore = w.slack.ephemeralsFor(staf.person).length;
    const returned = await w.slack.submit(staf.person, reasonForm, { reason: 'Nomor surat salah' });
    expect(returned).toMatchObject({ status: 200, body: '' });
    await Promise.all([w.slack.app.replay(returned), w.slack.app.replay(returned)]);
    await w.settled();
    await w.whisperTo(staf.person, 'Dikembalikan.', whispersBefore);
    const details = await w.core.service.caseDetails(pupr);
    expect(details.events.filter((e) => e.type === 'task.returned')).toHaveLength(1);
    expect(details.tasks.filter((t) => t.status === 'open').map((t) => t.stepId)).toEqual(['2']);
    // One answer, not a "sudah tidak terbuka" for each copy.
    expect(w.slack.ephemeralsFor(staf.person).slice(whispersBefore)).toHaveLength(1);

    // The due date (Pemalang step 9): the form posted twice changes the due date once.
    for (const role of ['kabid', 'asesor_sdma']) await w.bindChannel(role);
    const asesor = w.desk('asesor_sdma');
    const pml = (await w.core.service.startCase('pemalang', 'Permohonan asesor ganda', { channel: 'cli', userId: 'kabid', name: 'Petugas kabid', role: 'kabid' })).caseRef;
    await driveTo(w, pml, '9', { '3': 'Diterima' });
    const card9 = await w.card('asesor_sdma', pml, '9');
    await w.press('asesor_sdma', card9, 'Tentukan batas waktu');
    const dueForm = await w.modal(asesor.person, 'due_date');
    const asesorBefore = w.slack.ephemeralsFor(asesor.person).length;
    const dated = await w.slack.submit(asesor.person, dueForm, { due: '15/01/2027 10:00' });
    expect(dated.body).toBe('');
    await w.slack.app.replay(dated);
    await w.settled();
    await w.whisperTo(asesor.person, 'Batas waktu tersimpan', asesorBefore);
    const events = (await w.core.service.caseDetails(pml)).events.filter((e) => e.type.includes('due'));
    expect(events).toHaveLength(1);
    expect(w.slack.ephemeralsFor(asesor.person).slice(asesorBefore)).toHaveLength(1);
  }, 90_000);

  it('a button press posted twice is handled once (action_ts)', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'the same signed Selesai press posted three times (two at once)', times: 3, held: 'one completion, one "Tercatat", no second answer' });
    world = await SlackWorld.start();
    const w = world;
    const madya = await w.bindChannel('jf_madya');
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji tekan ganda');
    const card = await w.card('jf_madya', ref, '1');
    await w.upload('jf_madya', card, 'disposisi.pdf');
    const ready = await w.slack.waitFor(() => {
      const m = w.slack.message(card.channel, card.ts)!;
      return textOf(m).includes('✅ Disposisi:') && buttonsOf(m.blocks).length ? m : undefined;
    }, WAIT, 'card ready');
    const before = w.slack.ephemeralsFor(madya.person).length;
    const press = await w.slack.click(madya.person, ready, 'Selesai');
    await Promise.all([w.slack.app.replay(press), w.slack.app.replay(press)]);
    await w.settled();
    await w.whisperTo(madya.person, 'Tercatat', before);
    expect(w.slack.ephemeralsFor(madya.person).slice(before).map((e) => e.text)).toHaveLength(1);
    expect((await w.core.service.caseDetails(ref)).events.filter((e) => e.type === 'task.completed')).toHaveLength(1);
  });
});
