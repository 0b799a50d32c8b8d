/**
 * Staff on Telegram: each role's group is bound with a pairing code, cases are started with
 * /baru, every step arrives as a card with buttons, returns ask for a reason, uploads reply to
 * the card. The real telegraf bot and dispatcher run against the project's fake Bot API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stepDocuments } from '../../src/sop/definition.js';
import { TelegramWorld, WEBHOOK_SECRET } from '../support/telegram-world.js';
import * as outboxQ from '../../src/db/queries/outbox.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const PUPR_ROLES = ['kasie', 'asesor_eksternal', 'staf', 'asesor_sdm', 'kabid_pemetaan_karir', 'kepala_balai'];

/** The Kasie starts a PUPR case with /baru and answers the title question. */
async function startPuprCase(w: TelegramWorld, title: string): Promise<string> {
  const kasie = w.desk('kasie');
  w.tg.userSends(kasie.chat, kasie.person, '/baru', kasie.threadId ? { threadId: kasie.threadId } : {});
  const question = await w.tg.waitFor(() => w.botSaid(kasie.chat, 'Judul kasus baru', kasie.threadId), 20_000, 'title question');
  expect(question.reply_markup).toBeUndefined();
  w.tg.userSends(kasie.chat, kasie.person, title, { replyTo: question, ...(kasie.threadId ? { threadId: kasie.threadId } : {}) });
  const started = await w.tg.waitFor(() => w.botSaid(kasie.chat, 'dimulai', kasie.threadId), 20_000, 'case started');
  return /Kasus (PUPR-\d{4}-\d{4}) dimulai/.exec(started.text!)![1]!;
}

/** Works one step as its role: uploads what is missing (one file per output), then presses. */
async function work(w: TelegramWorld, role: string, ref: string, step: string, visit: number, button: string, outputs: string[] = []) {
  const card = await w.card(role, ref, step, visit);
  for (const name of outputs) {
    const fresh = w.tg.messagesIn(w.desk(role).chat, w.desk(role).threadId).find((m) => m.message_id === card.message_id)!;
    await w.upload(role, fresh, `${name}.pdf`, name);
  }
  const current = await w.tg.waitFor(
    () => {
      const m = w.tg.messagesIn(w.desk(role).chat, w.desk(role).threadId).find((x) => x.message_id === card.message_id);
      const missing = outputs.filter((o) => !m?.text?.includes(`✅ ${o}:`));
      if (missing.length) throw new Error(`not yet uploaded ${missing.join(', ')} on:\n${m?.text}`);
      return m;
    },
    20_000,
    `card ${step} updated after uploads`,
  );
  const query = w.press(role, current, button);
  return { card, query };
}

describe('a PUPR case on Telegram (long polling)', () => {
  it('runs from /baru to the end through both return loops, with uploads, in six role groups', async () => {
    world = await TelegramWorld.start();
    const w = world;
    for (const role of PUPR_ROLES) await w.bindGroup(role, { forumTopic: role === 'staf' });
    // The command menu was registered at start.
    expect((w.tg.myCommands() as { command: string }[] | undefined)?.map((c) => c.command)).toContain('tugas');

    const ref = await startPuprCase(w, 'Uji kompetensi teknis 2026');
    const first = await w.card('kasie', ref, '1');
    expect(first.text).toContain('Kegiatan 1 (langkah 1 dari 11)');
    expect(first.text).toContain('👤 Pelaksana: Kasie');
    expect(first.text).toMatch(/📅 Batas: \w+, \d+ \w+ 20\d\d \d\d\.\d\d WIB/);

    const def = w.core.service.sop('pupr').definition;
    // What each row asks on this case's path: on the Ditolak path rows 5b–8 ask for no Surat tugas.
    const decisions: Record<string, string> = {};
    const outputsOf = (id: string) => stepDocuments(def.steps.find((s) => s.id === id)!, decisions).output.filter((o) => o.document).map((o) => o.name);

    // Pressing Selesai before the upload is refused with the missing output named.
    if (outputsOf('1').length) {
      const early = w.press('kasie', first, 'Selesai');
      expect(await w.answerOf(early)).toContain('belum diunggah');
    }
    await work(w, 'kasie', ref, '1', 1, 'Selesai', outputsOf('1'));
    await w.cardClosed('kasie', first, 'Diselesaikan oleh Petugas kasie');

    await work(w, 'asesor_eksternal', ref, '2', 1, 'Selesai', outputsOf('2'));

    // The Staf sends step 3 back: Kembalikan asks for the reason, the reply carries it.
    const { card: review3 } = await work(w, 'staf', ref, '3', 1, 'Kembalikan', outputsOf('3'));
    const staf = w.desk('staf');
    const ask = await w.tg.waitFor(() => w.botSaid(staf.chat, 'tulis alasan pengembalian', staf.threadId), 20_000, 'reason question');
    w.tg.userSends(staf.chat, staf.person, 'Lampiran portofolio belum lengkap', { replyTo: ask, threadId: staf.threadId! });
    const closed3 = await w.cardClosed('staf', review3, 'Dikembalikan oleh Petugas staf');
    expect(closed3.text).toContain('Alasan: Lampiran portofolio belum lengkap');
    const back2 = await w.card('asesor_eksternal', ref, '2', 2);
    expect(back2.text).toContain('Dikembalikan dengan alasan: Lampiran portofolio belum lengkap');

    await work(w, 'asesor_eksternal', ref, '2', 2, 'Selesai', outputsOf('2'));
    await work(w, 'staf', ref, '3', 2, 'Setujui', outputsOf('3'));
    await work(w, 'kasie', ref, '4', 1, 'Setujui', outputsOf('4'));
    await work(w, 'staf', ref, '5', 1, 'Selesai', outputsOf('5'));

    // The second loop: the Asesor SDM sends step 6 all the way back to step 1.
    await work(w, 'asesor_sdm', ref, '6', 1, 'Kembalikan', outputsOf('6'));
    const sdm = w.desk('asesor_sdm');
    const ask6 = await w.tg.waitFor(() => w.botSaid(sdm.chat, 'tulis alasan pengembalian'), 20_000, 'reason question 6');
    w.tg.userSends(sdm.chat, sdm.person, 'Jadwal uji bentrok', { replyTo: ask6 });
    for (const [role, step, visit, button] of [
      ['kasie', '1', 2, 'Selesai'], ['asesor_eksternal', '2', 3, 'Selesai'], ['staf', '3', 3, 'Setujui'],
      ['kasie', '4', 2, 'Setujui'], ['staf', '5', 2, 'Selesai'], ['asesor_sdm', '6', 2, 'Setujui'],
      ['staf', '7', 1, 'Selesai'], ['kabid_pemetaan_karir', '8', 1, 'Setujui'], ['staf', '9', 1, 'Selesai'],
      ['kasie', '10', 1, 'Selesai'], ['kepala_balai', '11', 1, 'Selesai'],
    ] as const) {
      await work(w, role, ref, step, visit, button, outputsOf(step));
    }
    await w.tg.waitFor(() => w.botSaid(w.desk('kasie').chat, `Kasus ${ref} (Uji kompetensi teknis 2026) telah ditutup: selesai.`), 20_000, 'closed notice');

    const details = await w.core.service.caseDetails(ref);
    expect(details.caseRow).toMatchObject({ status: 'closed', outcome: 'selesai' });
    expect(details.tasks.filter((t) => t.action === 'returned').map((t) => t.comment)).toEqual(['Lampiran portofolio belum lengkap', 'Jadwal uji bentrok']);
    // Every uploaded file is stored with its size and sha256, from the Telegram chat.
    expect(details.documents.length).toBeGreaterThan(0);
    expect(details.documents.every((d) => /^[0-9a-f]{64}$/.test(d.sha256) && d.sizeBytes > 0 && d.uploadedBy.channel === 'telegram')).toBe(true);
    expect(await w.core.files.exists(details.documents[0]!.storageKey)).toBe(true);
    // Nothing left undelivered, nothing dead.
    const outbox = await outboxQ.listOutbox(w.database.db, details.caseRow.id);
    expect(outbox.filter((o) => o.status === 'dead')).toEqual([]);
  }, 120_000);
});

describe('a Pemalang case on Telegram (webhook)', () => {
  it('goes Diterima and Ditolak through the decision buttons; the webhook refuses a wrong secret', async () => {
    world = await TelegramWorld.start({ webhook: true });
    const w = world;
    expect(w.tg.webhookUrl).toMatch(/\/telegram\/webhook$/);

    // A request without the secret header is refused and processes nothing.
    const forged = await fetch(w.tg.webhookUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 1, message: { message_id: 1, chat: { id: 1, type: 'private' }, date: 0, text: '/sop' } }),
    });
    expect(forged.status).toBe(401);
    const wrong = await fetch(w.tg.webhookUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': `${WEBHOOK_SECRET}x` },
      body: '{}',
    });
    expect(wrong.status).toBe(401);

    for (const role of ['kabid', 'subkor', 'sekretaris', 'kepala_bkd', 'asesor_sdma']) await w.bindGroup(role);
    const def = w.core.service.sop('pemalang').definition;
    // What each row asks on this case's path: on the Ditolak path rows 5b–8 ask for no Surat tugas.
    let decisions: Record<string, string> = {};
    const outputsOf = (id: string) => stepDocuments(def.steps.find((s) => s.id === id)!, decisions).output.filter((o) => o.document).map((o) => o.name);

    for (const branch of ['Diterima', 'Ditolak'] as const) {
      decisions = { '3': branch };
      const kabid = w.desk('kabid');
      w.tg.userSends(kabid.chat, kabid.person, '/baru');
      const q = await w.tg.waitFor(() => w.botMessages(kabid.chat).filter((m) => m.text?.includes('Judul kasus baru')).at(branch === 'Diterima' ? 0 : 1), 20_000, 'title question');
      w.tg.userSends(kabid.chat, kabid.person, `Permohonan ${branch}`, { replyTo: q });
      const started = await w.tg.waitFor(() => w.botMessages(kabid.chat).filter((m) => m.text?.includes('dimulai')).at(branch === 'Diterima' ? 0 : 1), 20_000, 'started');
      const ref = /Kasus (PML-\d{4}-\d{4})/.exec(started.text!)![1]!;

      await work(w, 'kabid', ref, '1', 1, 'Selesai', outputsOf('1'));
      await work(w, 'subkor', ref, '2', 1, 'Selesai', outputsOf('2'));
      const { card: decision } = await work(w, 'subkor', ref, '3', 1, branch);
      const closed = await w.cardClosed('subkor', decision, 'Diputuskan oleh Petugas subkor');
      expect(closed.text).toContain(`Pilihan: ${branch}`);
      if (branch === 'Diterima') {
        await work(w, 'subkor', ref, '5', 1, 'Selesai', outputsOf('5'));
        await work(w, 'subkor', ref, '5a', 1, 'Selesai', outputsOf('5a'));
      } else {
        await work(w, 'subkor', ref, '4', 1, 'Selesai', outputsOf('4'));
      }
      await work(w, 'kabid', ref, '5b', 1, 'Setujui', outputsOf('5b'));
      await work(w, 'sekretaris', ref, '6', 1, 'Setujui', outputsOf('6'));
      await work(w, 'kepala_bkd', ref, '7', 1, 'Selesai', outputsOf('7'));
      await work(w, 'subkor', ref, '8', 1, 'Selesai', outputsOf('8'));
      expect(outputsOf('8')).toEqual(branch === 'Diterima' ? ['Surat tugas'] : []);
      if (branch === 'Diterima') {
        // Step 9 has no fixed time standard: the Asesor sets the due date first.
        const card9 = await w.card('asesor_sdma', ref, '9');
        expect(card9.text).toContain('belum ditentukan');
        w.press('asesor_sdma', card9, 'Tentukan batas waktu');
        const asesor = w.desk('asesor_sdma');
        const ask = await w.tg.waitFor(() => w.botSaid(asesor.chat, 'tulis batas waktu'), 20_000, 'due question');
        w.tg.userSends(asesor.chat, asesor.person, '2027-01-15 10:00', { replyTo: ask });
        await w.tg.waitFor(() => w.botSaid(asesor.chat, 'Batas waktu tersimpan'), 20_000, 'due saved');
        // Setting the due date redraws the card with a new version on its buttons; wait for it.
        await w.tg.waitFor(() => w.tg.messagesIn(asesor.chat).find((m) => m.message_id === card9.message_id && m.text?.includes('15 Januari 2027')), 20_000, 'card 9 with its due date');
        await work(w, 'asesor_sdma', ref, '9', 1, 'Selesai');
        await work(w, 'asesor_sdma', ref, '10', 1, 'Selesai', outputsOf('10'));
      }
      const outcome = branch === 'Diterima' ? 'selesai' : 'ditolak';
      await w.tg.waitFor(() => w.botSaid(kabid.chat, `Kasus ${ref} (Permohonan ${branch}) telah ditutup: ${outcome}.`), 20_000, `closed ${outcome}`);
      expect((await w.core.service.caseDetails(ref)).caseRow.outcome).toBe(outcome);
    }
    // Every delivery went through the webhook with the secret header, and was accepted.
    expect(w.tg.webhookDeliveries.filter((d) => d.status !== 200)).toEqual([]);
  }, 120_000);
});
