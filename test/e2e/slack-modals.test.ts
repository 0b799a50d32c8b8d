/**
 * Slack's forms and checks: Kembalikan asks for the reason in a modal (an empty reason is
 * refused inside the modal), decisions are buttons, a "menyesuaikan" step takes its due date
 * in a modal; presses from the wrong channel, by people off the allow list, on stale or forged
 * buttons change nothing; the Home tab shows a person's roles and open tasks, overdue first.
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { nextWorkingStart } from '../../src/calendar/calendar.js';
import { runCli } from '../../src/cli/program.js';
import { tasks } from '../../src/db/schema.js';
import { findStep, missingOutputs } from '../../src/workflow/engine.js';
import type { Actor } from '../../src/workflow/model.js';
import { blocksText, buttonsOf, type SlackUser } from '../support/fake-slack.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import * as tasksQ from '../../src/db/queries/tasks.js';

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WAIT = 20_000;

function outputsOf(w: SlackWorld, sopId: string, stepId: string): string[] {
  return findStep(w.core.service.sop(sopId).definition, stepId)
    .output.filter((o) => o.document)
    .map((o) => o.name);
}

async function work(w: SlackWorld, sopId: string, role: string, ref: string, step: string, button: string, visit = 1) {
  const card = await w.card(role, ref, step, visit);
  const outputs = outputsOf(w, sopId, step);
  for (const name of outputs) await w.upload(role, w.slack.message(card.channel, card.ts)!, `${name.slice(0, 40)}.pdf`, name);
  const current = await w.slack.waitFor(
    () => {
      const m = w.slack.message(card.channel, card.ts)!;
      return outputs.every((o) => textOf(m).includes(`✅ ${o}:`)) ? m : undefined;
    },
    WAIT,
    `card ${step} updated after uploads`,
  );
  await w.press(role, current, button);
  return card;
}

async function cli(w: SlackWorld, args: string[]): Promise<string> {
  const out: string[] = [];
  const code = await runCli(args, { core: w.core, out: (t) => out.push(t), err: (t) => out.push(t) });
  expect(code, out.join('\n')).toBe(0);
  return out.join('\n');
}

describe('Kembalikan through the modal (PUPR)', () => {
  it('refuses an empty reason inside the modal, returns with a real one; wrong channel, allow list, stale and forged buttons change nothing', async () => {
    world = await SlackWorld.start();
    const w = world;
    for (const role of ['kasie', 'asesor_eksternal', 'staf']) await w.bindChannel(role);
    const staf = w.desk('staf');
    const ref = await w.startCase('kasie', 'pupr', 'Uji kompetensi teknis 2026');

    // Step 1 has three outputs: each file in the thread is asked about, the button answers.
    await work(w, 'pupr', 'kasie', ref, '1', 'Selesai');
    const card2 = await work(w, 'pupr', 'asesor_eksternal', ref, '2', 'Selesai');
    const card3 = await w.card('staf', ref, '3');
    expect(buttonsOf(card3.blocks).map((b) => b.text.text)).toEqual(['✅ Setujui', '↩️ Kembalikan']);

    await w.press('staf', card3, 'Kembalikan');
    const modal = await w.modal(staf.person, 'return_reason');
    expect(blocksText(modal.view.blocks as never)).toContain(`Kasus *${ref}*, kegiatan 3`);
    const before = (await tasksQ.getTask(w.core.database.db, (await w.core.service.caseDetails(ref)).tasks.at(-1)!.id))!;

    for (const empty of ['', '   \n ']) {
      const refused = await w.slack.submit(staf.person, modal, { reason: empty });
      expect(refused.status).toBe(200);
      expect(JSON.parse(refused.body)).toEqual({ response_action: 'errors', errors: { reason: 'Alasan pengembalian wajib diisi.' } });
      expect(modal.open).toBe(true);
    }
    await w.settled();
    const unchanged = (await tasksQ.getTask(w.core.database.db, before.id))!;
    expect({ status: unchanged.status, version: unchanged.version }).toEqual({ status: 'open', version: before.version });

    const accepted = await w.slack.submit(staf.person, modal, { reason: 'Lampiran portofolio belum lengkap' });
    expect(accepted).toMatchObject({ status: 200, body: '' });
    expect(modal.open).toBe(false);
    const closed3 = await w.cardClosed('staf', card3, 'Dikembalikan oleh Petugas staf');
    expect(textOf(closed3)).toContain('Alasan: _Lampiran portofolio belum lengkap_');
    expect(await w.whisperTo(staf.person, 'Dikembalikan.')).toContain(`Kasus ${ref} kembali ke pelaksana sebelumnya`);
    const back2 = await w.card('asesor_eksternal', ref, '2', 2);
    expect(textOf(back2)).toContain('↩️ Dikembalikan dengan alasan: _Lampiran portofolio belum lengkap_');

    // Kembalikan from the old card again: the modal says why there is no form this time.
    const oldReturn = buttonsOf(w.slack.message(card3.channel, card3.ts)!.history[0]!.blocks).find((b) => b.text.text.includes('Kembalikan'))!;
    await w.slack.clickButton(staf.person, card3, oldReturn);
    const notice = await w.modal(staf.person, 'notice');
    expect(blocksText(notice.view.blocks as never)).toContain('sudah ditutup');
    expect(notice.view.submit).toBeUndefined();

    // The first visit's Selesai, clicked again from the old message: the task is closed.
    const eksternal = w.desk('asesor_eksternal');
    const oldButton = buttonsOf(w.slack.message(card2.channel, card2.ts)!.history[0]!.blocks).find((b) => b.text.text.includes('Selesai'))!;
    await w.slack.clickButton(eksternal.person, card2, oldButton);
    expect(await w.whisperTo(eksternal.person, 'sudah ditutup')).toContain('kegiatan 2');
    // A button value this app never made.
    await w.slack.clickButton(eksternal.person, back2, { ...buttonsOf(back2.blocks)[0]!, value: 't:999999:1:c' });
    await w.whisperTo(eksternal.person, 'Tombol ini tidak dikenali');

    await work(w, 'pupr', 'asesor_eksternal', ref, '2', 'Selesai', 2);
    const card3b = await w.card('staf', ref, '3', 2);

    // The same card's button pressed in the Kasie's channel: that channel is not the Staf.
    const kasie = w.desk('kasie');
    const approve = buttonsOf(card3b.blocks).find((b) => b.text.text.includes('Setujui'))!;
    await w.slack.clickButton(kasie.person, { ...card3b, channel: kasie.channel.id }, approve);
    expect(await w.whisperTo(kasie.person, 'tidak terdaftar sebagai pelaksana')).toBe('Kanal ini tidak terdaftar sebagai pelaksana kegiatan ini.');

    // With an allow list for the Staf, a colleague in the channel who is not on it is refused.
    expect(await cli(w, ['allow', 'add', 'slack', staf.person.id, '--role', 'staf'])).toContain(staf.person.id);
    const colleague = w.slack.addUser({ name: 'rekan.staf', realName: 'Rekan Staf' });
    staf.channel.members.add(colleague.id);
    await w.slack.click(colleague, card3b, 'Setujui');
    await w.whisperTo(colleague, 'tidak ada dalam daftar petugas');
    await w.settled();
    expect((await w.core.service.caseDetails(ref)).tasks.filter((t) => t.stepId === '3').map((t) => t.status)).toEqual(['completed', 'open']);

    await work(w, 'pupr', 'staf', ref, '3', 'Setujui', 2);
    await w.cardClosed('staf', card3b, 'Disetujui oleh Petugas staf');
    const details = await w.core.service.caseDetails(ref);
    expect(details.tasks.find((t) => t.action === 'returned')).toMatchObject({ stepId: '3', comment: 'Lampiran portofolio belum lengkap' });
    expect(details.tasks.filter((t) => t.status === 'open').map((t) => t.stepId)).toEqual(['4']);
    expect(Math.max(...w.slack.app.deliveries.map((d) => d.ms))).toBeLessThan(3000);
  }, 120_000);
});

describe('decisions and due dates (Pemalang)', () => {
  it('chooses a branch by button; a "menyesuaikan" step takes its due date in a modal that refuses nonsense', async () => {
    world = await SlackWorld.start();
    const w = world;
    for (const role of ['kabid', 'subkor', 'asesor_sdma']) await w.bindChannel(role);
    const ref = await w.startCase('kabid', 'pemalang', 'Permohonan asesor Kab. Batang');
    await work(w, 'pemalang', 'kabid', ref, '1', 'Selesai');
    await work(w, 'pemalang', 'subkor', ref, '2', 'Selesai');
    const decision = await w.card('subkor', ref, '3');
    expect(buttonsOf(decision.blocks).map((b) => b.text.text)).toEqual(['Ditolak', 'Diterima']);
    await w.press('subkor', decision, 'Diterima');
    const decided = await w.cardClosed('subkor', decision, 'Diputuskan oleh Petugas subkor');
    expect(textOf(decided)).toContain('Pilihan: Diterima');

    // Steps 5 to 8 are done by roles outside Slack (here straight through the service).
    const service = w.core.service;
    for (;;) {
      const details = await service.caseDetails(ref);
      const task = details.tasks.find((t) => t.status === 'open')!;
      if (task.stepId === '9') break;
      const role = task.roles[0]!;
      const actor: Actor = { channel: 'cli', userId: role, name: `Petugas ${role}`, role };
      const step = findStep(details.definition, task.stepId);
      for (const name of missingOutputs(step, task, details.documents, details.caseRow.decisions)) {
        const stored = await w.core.files.put(Buffer.from(`%PDF ${name}`));
        await service.attachDocument(task.id, { kind: 'output', name }, { fileName: `${name}.pdf`, mimeType: 'application/pdf', ...stored }, actor);
      }
      await service.act(task.id, { type: step.kind === 'review' ? 'approve' : 'complete' }, actor);
    }

    const asesor = w.desk('asesor_sdma');
    const card9 = await w.card('asesor_sdma', ref, '9');
    expect(textOf(card9)).toContain('belum ditentukan');
    expect(buttonsOf(card9.blocks).map((b) => b.text.text)).toEqual(['✅ Selesai', '📅 Tentukan batas waktu']);
    await w.press('asesor_sdma', card9, 'Tentukan batas waktu');
    const modal = await w.modal(asesor.person, 'due_date');
    const refused = await w.slack.submit(asesor.person, modal, { due: 'minggu depan' });
    expect(JSON.parse(refused.body)).toMatchObject({ response_action: 'errors', errors: { due: expect.stringContaining('Tanggal tidak dikenali') } });
    expect((await w.slack.submit(asesor.person, modal, { due: '15/01/2027 10:00' })).body).toBe('');
    await w.whisperTo(asesor.person, 'Batas waktu tersimpan');
    const dated = await w.slack.waitFor(
      () => {
        const m = w.slack.message(card9.channel, card9.ts)!;
        return textOf(m).includes('15 Januari 2027 10.00 WIB') ? m : undefined;
      },
      WAIT,
      'due date on the card',
    );
    expect(buttonsOf(dated.blocks).map((b) => b.text.text)).toEqual(['✅ Selesai', '📅 Tentukan batas waktu']);
    await w.press('asesor_sdma', dated, 'Selesai');
    await w.cardClosed('asesor_sdma', card9, 'Diselesaikan oleh Petugas asesor_sdma');
  }, 120_000);
});

describe('the App Home tab', () => {
  it("shows the person's roles (channels they are in, allow lists) and the open tasks, overdue first", async () => {
    world = await SlackWorld.start();
    const w = world;
    const madya = await w.bindChannel('jf_madya');
    const asesor = await w.bindChannel('asesor');
    const a = madya.person;
    // A is also named on the Asesor Admin's allow list (no channel of that role yet).
    await cli(w, ['allow', 'add', 'slack', a.id, '--role', 'asesor_admin']);

    const first = await w.startCase('jf_madya', 'kemenkumham', 'Gelombang 1');
    const second = await w.startCase('jf_madya', 'kemenkumham', 'Gelombang 2');
    await w.card('jf_madya', second, '1');
    // The second case's step is overdue: its deadline has passed.
    const late = (await w.core.service.caseDetails(second)).tasks[0]!;
    await w.core.database.db.update(tasks).set({ dueAt: new Date('2026-01-05T03:00:00Z') }).where(eq(tasks.id, late.id));

    const homeOf = async (user: SlackUser, after: number) => {
      expect((await w.slack.openHome(user)).status).toBe(200);
      await w.slack.waitFor(() => w.slack.homePublishes.filter((p) => p.user === user.id).length > after, WAIT, `home of ${user.name}`);
      return blocksText(w.slack.home(user)!.blocks as never);
    };

    const home = await homeOf(a, 0);
    expect(home).toContain('*Peran Anda:* *ASESOR ADMIN*, *JF MADYA*');
    expect(home).toContain('*Tugas terbuka (2)*');
    const secondAt = home.indexOf(second);
    const firstAt = home.indexOf(first);
    expect(secondAt).toBeGreaterThan(0);
    expect(secondAt).toBeLessThan(firstAt);
    expect(home).toContain(`🔴 *TERLAMBAT* · *${second}* · Gelombang 2`);
    expect(home).not.toContain(`🔴 *TERLAMBAT* · *${first}*`);
    expect(home).toContain('Kegiatan 1 (langkah 1 dari 10): Menugaskan untuk melaksanakan penilaian kompetensi');
    expect(home).toMatch(/📅 Batas Senin, 5 Januari 2026 10\.00 WIB/);

    // The Asesor has a role and nothing to do; a stranger has no role.
    expect(await homeOf(asesor.person, 0)).toContain('Tidak ada tugas terbuka untuk peran Anda.');
    const stranger = w.slack.addUser({ name: 'tamu' });
    expect(await homeOf(stranger, 0)).toContain('Anda belum tercatat pada peran mana pun');

    // Once the JF Madya has an allow list, a member of its channel who is not on it loses the role.
    await cli(w, ['allow', 'add', 'slack', a.id, '--role', 'jf_madya']);
    const member = w.slack.addUser({ name: 'anggota' });
    madya.channel.members.add(member.id);
    expect(await homeOf(member, 0)).toContain('Anda belum tercatat pada peran mana pun');

    // Opening the Messages tab publishes nothing.
    const publishes = w.slack.homePublishes.length;
    await w.slack.deliverEvent({ type: 'app_home_opened', user: a.id, channel: 'D1', tab: 'messages', event_ts: '1.1' });
    await w.settled();
    expect(w.slack.homePublishes.length).toBe(publishes);

    // Only a workspace admin may unbind a channel.
    await w.slack.runCommand(member, asesor.channel, 'lepas');
    await w.whisperTo(member, 'Hanya admin workspace');
    const admin = w.slack.addUser({ name: 'admin', isAdmin: true });
    asesor.channel.members.add(admin.id);
    await w.slack.runCommand(admin, asesor.channel, 'lepas');
    await w.slack.waitFor(() => w.botSaid(asesor.channel, 'sebagai Asesor telah dilepas'), WAIT, 'unbound');
    await w.slack.runCommand(asesor.person, asesor.channel, 'peran');
    await w.whisperTo(asesor.person, 'belum terdaftar');
  }, 60_000);
});

describe('reminders in Slack', () => {
  it("go into the card's thread, broadcast to the channel", async () => {
    world = await SlackWorld.start();
    const w = world;
    const desk = await w.bindChannel('jf_madya');
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji pengingat');
    const card = await w.card('jf_madya', ref, '1');
    // Two working days after its deadline, in office hours, the step is overdue.
    const { tasks: open, definition } = await w.core.service.caseDetails(ref);
    const calendar = await w.core.service.calendarFor(definition);
    const later = new Date(nextWorkingStart(new Date(open[0]!.dueAt!.getTime() + 2 * 86_400_000), calendar).getTime() + 3_600_000);
    expect((await w.service.scheduler.tick(later)).sweep.enqueued).toBeGreaterThan(0);
    const notice = await w.slack.waitFor(() => w.slack.botMessages(desk.channel, { thread: card.ts })[0], WAIT, 'notice in the thread');
    expect(notice.text).toContain(ref);
    expect(notice.text).toContain('Terlambat');
    const post = w.slack.callsOf('chat.postMessage').find((c) => c.params.thread_ts === card.ts)!;
    expect(post.params.reply_broadcast).toBe('true');
  }, 60_000);
});
