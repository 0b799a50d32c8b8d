/**
 * What staff cannot do from Telegram, and the chat commands around the cards. Every refused
 * press changes nothing in the database and gets a short answer saying why; every callback
 * query is answered; a replayed update is handled once. Binding chats with pairing codes,
 * /tugas, /kasus, /dokumen, /batal and the upload refusals, all through the real telegraf bot
 * against the fake Bot API.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { pendingPrompts } from '../../src/db/schema.js';
import { TG } from '../../src/messages/id.js';
import { uploadRefusal } from '../../src/messages/security.js';
import type { TgChat, TgMessage, TgUser } from '../support/fake-telegram.js';
import { TelegramWorld, type RoleDesk } from '../support/telegram-world.js';
import * as bindings from '../../src/db/queries/bindings.js';
import * as cases from '../../src/db/queries/cases.js';
import * as outbox from '../../src/db/queries/outbox.js';
import * as prompts from '../../src/db/queries/prompts.js';

/** No cron ticks: a digest or reminder landing mid-story would blur "the bot said nothing". */
const QUIET = { startScheduler: false } as const;

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WAIT = 5000;

// ---------------------------------------------------------------------------------------------
// Helpers: people typing, and the state of a case as the database holds it.

/** What a person reads of an HTML message (the fake keeps the text without tags). */
const plain = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const where = (threadId?: number) => (threadId ? { threadId } : {});

/** Someone writes in a chat; resolves with the bot's first later message matching `expected`. */
async function say(
  w: TelegramWorld,
  chat: TgChat,
  user: TgUser,
  text: string,
  expected: string,
  options: { threadId?: number; replyTo?: TgMessage } = {},
): Promise<TgMessage> {
  const sent = w.tg.userSends(chat, user, text, { ...where(options.threadId), ...(options.replyTo ? { replyTo: options.replyTo } : {}) });
  return w.tg.waitFor(
    () => w.botMessages(chat, options.threadId).find((m) => m.message_id > sent.message_id && m.text?.includes(expected)),
    WAIT,
    `bot answers "${text}" with "${expected}"`,
  );
}

/** Bot messages in a chat after a given message. */
function botAfter(w: TelegramWorld, chat: TgChat, after: TgMessage, threadId?: number): TgMessage[] {
  return w.botMessages(chat, threadId).filter((m) => m.message_id > after.message_id);
}

/** /baru in a role's chat: picks the SOP when asked, answers the title question; returns the case ref. */
async function startCase(w: TelegramWorld, desk: RoleDesk, title: string, sopId?: string): Promise<string> {
  const { chat, person, threadId } = desk;
  const sent = w.tg.userSends(chat, person, '/baru', where(threadId));
  let question = await w.tg.waitFor(
    () => w.botMessages(chat, threadId).find((m) => m.message_id > sent.message_id && /Judul kasus baru|SOP mana/.test(m.text ?? '')),
    WAIT,
    '/baru question',
  );
  if (question.text!.includes('SOP mana')) {
    const nama = w.core.service.sop(sopId!).definition.identity.nama.slice(0, 60);
    const button = question.reply_markup!.inline_keyboard.flat().find((b) => b.text === nama)!;
    const picker = question;
    w.tg.userPresses(chat, person, picker, button.callback_data!);
    question = await w.tg.waitFor(
      () => w.botMessages(chat, threadId).find((m) => m.message_id > picker.message_id && m.text?.includes('Judul kasus baru')),
      WAIT,
      'title question',
    );
  }
  const started = await say(w, chat, person, title, 'dimulai', { threadId, replyTo: question });
  return /Kasus (\S+) dimulai/.exec(started.text!)![1]!;
}

/** Everything a press could change, for before/after comparisons. */
async function caseState(w: TelegramWorld, ref: string) {
  const d = await w.core.service.caseDetails(ref);
  return {
    status: d.caseRow.status,
    outcome: d.caseRow.outcome,
    tasks: d.tasks.map((t) => ({ id: t.id, step: t.stepId, status: t.status, version: t.version, action: t.action, doneBy: t.doneBy, dueAt: t.dueAt })),
    events: d.events.map((e) => `${e.type}#${e.taskId ?? ''}`),
    documents: d.documents.map((doc) => doc.id),
    outbox: (await outbox.listOutbox(w.database.db, d.caseRow.id)).length,
    prompts: (await w.database.db.select().from(pendingPrompts)).length,
  };
}

/** The callback_data of a card's button. */
function dataOf(card: TgMessage, label: string): string {
  const b = card.reply_markup?.inline_keyboard.flat().find((x) => x.text.includes(label));
  if (!b) throw new Error(`no button "${label}" on ${JSON.stringify(card.reply_markup)}`);
  return b.callback_data!;
}

/** Every callback query the fake ever produced has been answered exactly once. */
async function everyPressAnswered(w: TelegramWorld) {
  const ids = [...new Set(w.tg.updates.filter((u) => u.callback_query).map((u) => u.callback_query!.id))];
  expect(ids.length).toBeGreaterThan(0);
  await w.tg.waitFor(() => ids.every((id) => w.tg.callbackAnswers.has(id)), WAIT, 'every callback query answered');
  const okAnswers = w.tg.callsTo('answerCallbackQuery').filter((c) => c.response?.ok);
  for (const id of ids) expect(okAnswers.filter((c) => c.params.callback_query_id === id), `answers to ${id}`).toHaveLength(1);
}

/**
 * The Kabid uploads the Disposisi on step 1 and presses Selesai; waits for the card to close.
 * Returns the card (the fake's live message: it loses its buttons) and the pressed data.
 */
async function finishStep1(w: TelegramWorld, ref: string): Promise<{ card: TgMessage; pressed: string }> {
  const card = await w.card('kabid', ref, '1');
  await w.upload('kabid', card, 'disposisi.pdf');
  const fresh = await w.tg.waitFor(() => {
    const m = w.tg.message(w.desk('kabid').chat, card.message_id);
    return m?.text?.includes('✅ Disposisi') ? m : undefined;
  }, WAIT, 'card 1 shows the upload');
  const pressed = dataOf(fresh, 'Selesai');
  const q = w.press('kabid', fresh, 'Selesai');
  expect(await w.answerOf(q)).toBe(TG.recorded);
  await w.cardClosed('kabid', card, 'Diselesaikan oleh');
  return { card, pressed };
}

// ---------------------------------------------------------------------------------------------

describe('presses that must change nothing', () => {
  it('a press from a chat bound to another role, or to no role, is refused', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const subkor = await w.bindGroup('subkor');
    const ref = await startCase(w, kabid, 'Permohonan asesor Dinas Kominfo');
    const card = await w.card('kabid', ref, '1');
    const before = await caseState(w, ref);

    // The Subkor copies the Kabid's Selesai button into the Subkor group.
    const subkorMsg = w.botSaid(subkor.chat, 'terdaftar sebagai')!;
    const q1 = w.tg.userPresses(subkor.chat, subkor.person, subkorMsg, dataOf(card, 'Selesai'), { force: true });
    expect(await w.answerOf(q1)).toBe(TG.wrongChat);

    // A group nobody bound, where a curious member tries the same button.
    const outsider = w.tg.addUser({ first_name: 'Orang Luar' });
    const stray = w.tg.addGroup({ title: 'Grup Lain', members: [outsider] });
    const hint = await say(w, stray, outsider, '/peran', 'belum terdaftar');
    const q2 = w.tg.userPresses(stray, outsider, hint, dataOf(card, 'Selesai'), { force: true });
    expect(await w.answerOf(q2)).toBe(TG.wrongChat);
    expect(w.tg.callbackAnswers.get(q2)!.show_alert).toBe(true);

    await w.settled();
    expect(await caseState(w, ref)).toEqual(before);
    // The card in the Kabid group is untouched, buttons and all.
    expect(w.tg.edits.filter((e) => e.messageId === card.message_id && e.chatId === kabid.chat.id)).toEqual([]);
    expect(botAfter(w, subkor.chat, subkorMsg)).toEqual([]);
    await everyPressAnswered(w);
  }, 30_000);

  it('a press from someone off the role’s allow list is refused; the listed colleague can act', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    await w.bindGroup('subkor');
    const colleague = w.tg.addUser({ first_name: 'Bu', last_name: 'Rina' });
    w.tg.setMember(kabid.chat, colleague, 'member');
    const out: string[] = [];
    const code = await runCli(['allow', 'add', 'telegram', String(colleague.id), '--role', 'kabid'], {
      core: w.core,
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(code, out.join('\n')).toBe(0);

    // Starting a case is acting for the role too: the unlisted member is refused.
    expect((await say(w, kabid.chat, kabid.person, '/baru', 'daftar petugas')).text).toBe(TG.notAllowed);
    expect(await cases.listCases(w.database.db, {})).toEqual([]);

    const ref = await startCase(w, { ...kabid, person: colleague }, 'Permohonan asesor Bappeda');
    const card = await w.card('kabid', ref, '1');
    const before = await caseState(w, ref);

    // The group's other member is not on the list: the press and the upload are refused.
    const q = w.press('kabid', card, 'Selesai', kabid.person);
    expect(await w.answerOf(q)).toBe(TG.notAllowed);
    const upload = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'disposisi.pdf', bytes: '%PDF-1.4 x', replyTo: card });
    const refusal = await w.tg.waitFor(() => botAfter(w, kabid.chat, upload).find((m) => m.reply_to_message?.message_id === upload.message_id), WAIT, 'upload refusal');
    expect(refusal.text).toBe(TG.notAllowed);
    await w.settled();
    expect(await caseState(w, ref)).toEqual(before);
    expect(w.tg.callsTo('getFile')).toEqual([]);

    // Bu Rina, on the list, uploads and completes the step.
    const up = w.tg.userUploads(kabid.chat, colleague, { fileName: 'disposisi.pdf', bytes: '%PDF-1.4 rina', replyTo: card });
    await w.tg.waitFor(() => botAfter(w, kabid.chat, up).find((m) => m.text?.includes('disposisi.pdf tersimpan')), WAIT, 'upload accepted');
    const fresh = await w.tg.waitFor(() => {
      const m = w.tg.message(kabid.chat, card.message_id);
      return m?.text?.includes('✅ Disposisi') ? m : undefined;
    }, WAIT, 'card shows the upload');
    const q2 = w.press('kabid', fresh, 'Selesai', colleague);
    expect(await w.answerOf(q2)).toBe(TG.recorded);
    await w.cardClosed('kabid', card, 'Diselesaikan oleh Bu Rina');
    await w.card('subkor', ref, '2');
    await everyPressAnswered(w);
  }, 30_000);

  it('pressing the card of a finished task again changes nothing', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const subkor = await w.bindGroup('subkor');
    const ref = await startCase(w, kabid, 'Permohonan asesor Disdik');
    const { card: oldCard, pressed } = await finishStep1(w, ref);
    expect(oldCard.reply_markup?.inline_keyboard.length ?? 0).toBe(0);
    await w.card('subkor', ref, '2');
    await w.settled();
    const before = await caseState(w, ref);

    // The old card lost its buttons; an old client still shows them and the Kabid taps again.
    const q = w.tg.userPresses(kabid.chat, kabid.person, oldCard, pressed, { force: true });
    expect(await w.answerOf(q)).toMatch(/sudah ditutup; sudah ditangani oleh Petugas kabid/);
    await w.settled();
    expect(await caseState(w, ref)).toEqual(before);
    // Step 2 reached the Subkor once.
    expect(w.botMessages(subkor.chat).filter((m) => m.text?.includes(ref) && m.text.includes('Kegiatan 2 ('))).toHaveLength(1);
    await everyPressAnswered(w);
  }, 30_000);

  it('forged callback data is answered and changes nothing', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const ref = await startCase(w, kabid, 'Permohonan asesor Dinkes');
    const card = await w.card('kabid', ref, '1');
    const task = (await w.core.service.caseDetails(ref)).tasks[0]!;
    const id = task.id.toString(36);
    const v = task.version.toString(36);
    expect(dataOf(card, 'Selesai')).toBe(`t:${id}:${v}:c`);
    const before = await caseState(w, ref);

    const forged: [string, string | RegExp][] = [
      ['halo', TG.unknownButton],
      ['x'.repeat(100), TG.unknownButton],
      [`t:${id}:${v}:c${'0'.repeat(70)}`, TG.unknownButton],
      ['t:zzzzzz:1:c', TG.unknownButton],
      [`t:${id}:${(task.version + 1).toString(36)}:c`, /sudah berubah sejak pesan ini dikirim/],
      [`t:${id}:${(task.version + 7).toString(36)}:a`, /sudah berubah sejak pesan ini dikirim/],
      [`t:${id}:${v}:q`, TG.unknownButton],
      [`t:${id}:${v}:c:1`, TG.unknownButton],
      [`t:-${id}:${v}:c`, TG.unknownButton],
      [`t:${id}:${v}:b3`, TG.unknownButton],
      // A button this card never had: Setujui on a plain task.
      [`t:${id}:${v}:a`, /tindakan yang dapat dilakukan: Selesai/],
      // Kembalikan on a plain task: refused at once, nobody is asked for a reason.
      [`t:${id}:${v}:r`, TG.unknownButton],
      [`t:${id}:${v}:d`, TG.unknownButton],
      ['s:zz:0', TG.promptGone],
      ['n:zz', TG.noStartableSop],
      ['', TG.unknownButton],
    ];
    const queries = forged.map(([data]) => w.tg.userPresses(kabid.chat, kabid.person, card, data, { force: true }));
    for (const [i, [data, expected]] of forged.entries()) {
      const answer = await w.answerOf(queries[i]!);
      if (typeof expected === 'string') expect(answer, `answer to ${JSON.stringify(data)}`).toBe(expected);
      else expect(answer, `answer to ${JSON.stringify(data)}`).toMatch(expected);
      expect(answer!.length).toBeLessThanOrEqual(200);
    }
    await w.settled();
    expect(await caseState(w, ref)).toEqual(before);
    expect(await prompts.peekPrompt(w.database.db, 'telegram', String(kabid.chat.id), String(kabid.person.id), new Date())).toBeNull();
    // Nothing was said in the chat and the card was not touched.
    expect(botAfter(w, kabid.chat, card)).toEqual([]);
    expect(w.tg.edits.filter((e) => e.messageId === card.message_id)).toEqual([]);
    await everyPressAnswered(w);
  }, 30_000);

  it.each([
    ['long polling', false],
    ['webhook', true],
  ])('a duplicated update (a press, a /daftar) is handled once (%s)', async (_mode, webhook) => {
    world = await TelegramWorld.start({ ...QUIET, webhook });
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const subkor = await w.bindGroup('subkor');
    const ref = await startCase(w, kabid, 'Permohonan asesor BPKAD');
    await finishStep1(w, ref);
    const card2 = await w.card('subkor', ref, '2');

    // The Subkor presses Selesai once; the same update arrives three times.
    const q = w.press('subkor', card2, 'Selesai');
    const update = w.tg.updates.find((u) => u.callback_query?.id === q)!;
    w.tg.injectUpdate(structuredClone(update));
    w.tg.injectUpdate(structuredClone(update));
    expect(await w.answerOf(q)).toBe(TG.recorded);
    await w.card('subkor', ref, '3');
    await w.settled();
    const details = await w.core.service.caseDetails(ref);
    const task2 = details.tasks.find((t) => t.stepId === '2')!;
    expect(details.events.filter((e) => e.type === 'task.completed' && e.taskId === task2.id)).toHaveLength(1);
    expect(details.tasks.filter((t) => t.stepId === '3')).toHaveLength(1);
    expect(w.tg.updates.filter((u) => u.update_id === update.update_id)).toHaveLength(3);
    if (webhook) expect(w.tg.webhookDeliveries.filter((d) => d.update_id === update.update_id && d.status === 200)).toHaveLength(3);
    await w.tg.waitFor(() => w.botMessages(subkor.chat).filter((m) => m.text?.includes(ref) && m.text.includes('Kegiatan 3 (')).length === 1, WAIT, 'one card 3');
    await w.settled();
    expect(w.botMessages(subkor.chat).filter((m) => m.text?.includes(ref) && m.text.includes('Kegiatan 3 ('))).toHaveLength(1);

    // A new group sends /daftar once; a webhook-style replay sends the same update again.
    const person = w.tg.addUser({ first_name: 'Sekretaris' });
    const group = w.tg.addGroup({ title: 'Grup Sekretaris', members: [person] });
    const code = await w.pairingCode('sekretaris');
    const msg = w.tg.userSends(group, person, `/daftar ${code}`);
    const daftar = w.tg.updates.find((u) => u.message?.message_id === msg.message_id && u.message.chat.id === group.id)!;
    w.tg.injectUpdate(structuredClone(daftar));
    await w.tg.waitFor(() => w.botSaid(group, 'terdaftar sebagai'), WAIT, 'bound');
    await w.settled();
    expect(botAfter(w, group, msg).map((m) => m.text)).toEqual([plain(TG.bound(w.core.service.roleLabel('sekretaris')))]);
    expect((await bindings.listBindings(w.database.db)).filter((b) => b.chatId === String(group.id))).toHaveLength(1);
    await everyPressAnswered(w);
  }, 30_000);
});

describe('binding chats to roles', () => {
  it('a pairing code works once; an expired or unknown code is refused', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const [ani, budi] = [w.tg.addUser({ first_name: 'Ani' }), w.tg.addUser({ first_name: 'Budi' })];
    const groupA = w.tg.addGroup({ title: 'Kabid A', members: [ani] });
    const groupB = w.tg.addGroup({ title: 'Kabid B', members: [budi] });
    const label = w.core.service.roleLabel('kabid');

    const code = await w.pairingCode('kabid');
    expect((await say(w, groupA, ani, `/daftar ${code}`, 'terdaftar')).text).toBe(plain(TG.bound(label)));
    expect((await say(w, groupB, budi, `/daftar ${code}`, 'Kode')).text).toBe(TG.codeUsed);
    expect((await say(w, groupB, budi, '/peran', 'terdaftar')).text).toBe(TG.notBound);

    const expired = await bindings.createPairingCode(w.database.db, {
      platform: 'telegram',
      role: 'kabid',
      ttlMs: 24 * 3_600_000,
      now: new Date(Date.now() - 25 * 3_600_000),
    });
    expect((await say(w, groupB, budi, `/daftar ${expired.code}`, 'Kode')).text).toBe(TG.codeExpired);
    expect((await say(w, groupB, budi, '/daftar ABCD-EFGH', 'Kode')).text).toBe(TG.codeUnknown);
    expect((await say(w, groupB, budi, '/daftar', 'KODE')).text).toBe(TG.bindUsage);
    // The expired code stays refused: a refusal does not burn or revive it.
    expect((await say(w, groupB, budi, `/daftar ${expired.code}`, 'Kode')).text).toBe(TG.codeExpired);

    // Codes are read off a screen: lower case without the dash works too.
    const fresh = await w.pairingCode('kabid');
    expect((await say(w, groupB, budi, `/daftar ${fresh.replace('-', '').toLowerCase()}`, 'terdaftar')).text).toBe(plain(TG.bound(label)));

    const rows = await bindings.listBindings(w.database.db);
    expect(rows.map((r) => [r.chatId, r.threadId, r.role])).toEqual([
      [String(groupA.id), '', 'kabid'],
      [String(groupB.id), '', 'kabid'],
    ]);
  }, 30_000);

  it('/peran shows the role; /lepas is refused to a member and works for a group admin', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const label = w.core.service.roleLabel('kabid');
    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar')).text).toBe(plain(TG.roles([label])));

    expect((await say(w, kabid.chat, kabid.person, '/lepas', 'admin')).text).toBe(TG.unbindAdminsOnly);
    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar')).text).toBe(plain(TG.roles([label])));
    expect(await bindings.listBindings(w.database.db)).toHaveLength(1);

    w.tg.setMember(kabid.chat, kabid.person, 'administrator');
    expect((await say(w, kabid.chat, kabid.person, '/lepas', 'dilepas')).text).toBe(plain(TG.unbound([label])));
    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar')).text).toBe(TG.notBound);
    expect(await bindings.listBindings(w.database.db)).toEqual([]);
    expect((await say(w, kabid.chat, kabid.person, '/lepas', 'terdaftar')).text).toBe(TG.notBound);
  }, 30_000);

  it('a forum topic binds only that topic', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid', { forumTopic: true });
    const topic = kabid.threadId!;
    const other = w.tg.addTopic(kabid.chat, 'Obrolan');
    const label = w.core.service.roleLabel('kabid');

    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar', { threadId: topic })).text).toBe(plain(TG.roles([label])));
    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar', { threadId: other })).text).toBe(TG.notBound);
    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar')).text).toBe(TG.notBound);
    expect((await say(w, kabid.chat, kabid.person, '/baru', 'terdaftar', { threadId: other })).text).toBe(TG.notBound);
    expect((await bindings.listBindings(w.database.db)).map((b) => [b.chatId, b.threadId])).toEqual([[String(kabid.chat.id), String(topic)]]);

    // A case started in the topic: its card lands in the topic and nowhere else in the group.
    const ref = await startCase(w, kabid, 'Permohonan lewat topik');
    const card = await w.card('kabid', ref, '1');
    expect(card.message_thread_id).toBe(topic);
    await w.settled();
    const cards = w.tg.messagesIn(kabid.chat).filter((m) => m.text?.includes(ref) && m.text.includes('Kegiatan 1 ('));
    expect(cards.map((m) => m.message_thread_id)).toEqual([topic]);
    // A press in the topic is accepted as the Kabid's (refused only for the missing upload).
    const q = w.press('kabid', card, 'Selesai');
    expect(await w.answerOf(q)).toMatch(/belum diunggah: Disposisi/);
  }, 30_000);

  it('a private chat with the bot can be bound, and gets the cards', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid', { private: true });
    expect(kabid.chat.type).toBe('private');
    expect((await say(w, kabid.chat, kabid.person, '/peran', 'terdaftar')).text).toBe(plain(TG.roles([w.core.service.roleLabel('kabid')])));
    const ref = await startCase(w, kabid, 'Permohonan pribadi');
    await w.card('kabid', ref, '1');
    await finishStep1(w, ref);
    // No group admins in a private chat: the person may unbind it.
    expect((await say(w, kabid.chat, kabid.person, '/lepas', 'dilepas')).text).toBe(plain(TG.unbound([w.core.service.roleLabel('kabid')])));
  }, 30_000);
});

describe('chat commands', () => {
  it('/tugas lists the open tasks of the chat’s roles, oldest deadline first', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    // One front desk speaks for three roles, each first in another SOP.
    const desk = await w.bindGroup('pemohon');
    for (const role of ['kasie', 'jf_madya']) {
      const code = await w.pairingCode(role);
      await say(w, desk.chat, desk.person, `/daftar ${code}`, 'terdaftar');
    }
    const kabid = await w.bindGroup('kabid');

    // Started in this order; their deadlines run the other way (2 hari, 30 menit, 10 menit).
    const tng = await startCase(w, desk, 'Seleksi terbuka JPT', 'tangerang');
    const pupr = await startCase(w, desk, 'Uji kompetensi teknis', 'pupr');
    const kumham = await startCase(w, desk, 'Penilaian kompetensi JF', 'kemenkumham');
    const pml = await startCase(w, kabid, 'Permohonan asesor');

    const open = await w.core.service.openTasks(['pemohon', 'kasie', 'jf_madya']);
    expect(open.map((t) => t.caseRef)).toEqual([kumham, pupr, tng]);
    const dues = open.map((t) => t.dueAt!.getTime());
    expect(dues[0]).toBeLessThan(dues[1]!);
    expect(dues[1]).toBeLessThan(dues[2]!);

    const list = await say(w, desk.chat, desk.person, '/tugas', TG.tasksTitle);
    const text = list.text!;
    const at = [kumham, pupr, tng].map((ref) => text.indexOf(ref));
    expect(at.every((i) => i > 0), text).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).not.toContain(pml);

    const kabidList = await say(w, kabid.chat, kabid.person, '/tugas', TG.tasksTitle);
    expect(kabidList.text).toContain(pml);
    for (const ref of [tng, pupr, kumham]) expect(kabidList.text).not.toContain(ref);

    const stranger = w.tg.addUser({ first_name: 'Tamu' });
    const lobby = w.tg.addGroup({ title: 'Lobi', members: [stranger] });
    expect((await say(w, lobby, stranger, '/tugas', 'terdaftar')).text).toBe(TG.notBound);
  }, 30_000);

  it('/kasus and /dokumen answer only chats of roles in the case; /dokumen sends the files', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    await w.bindGroup('subkor');
    const kasie = await w.bindGroup('kasie');
    const ref = await startCase(w, kabid, 'Permohonan asesor Dishub');
    const card = await w.card('kabid', ref, '1');
    expect((await say(w, kabid.chat, kabid.person, `/dokumen ${ref}`, ref)).text).toBe(TG.noDocuments(ref));

    const bytes = `%PDF-1.4 disposisi kabid ${'x'.repeat(2000)}`;
    await w.upload('kabid', card, 'disposisi-kabid.pdf', undefined, bytes);

    const timeline = await say(w, kabid.chat, kabid.person, `/kasus ${ref}`, ref);
    expect(timeline.text).toContain('Permohonan asesor Dishub');
    expect(timeline.text).toContain('disposisi-kabid.pdf');

    // The Kasie's group has nothing to do with a Pemalang case.
    expect((await say(w, kasie.chat, kasie.person, `/kasus ${ref}`, 'Kasus')).text).toBe(TG.notInCase);
    const sendsBefore = w.tg.callsTo('sendDocument').length;
    expect((await say(w, kasie.chat, kasie.person, `/dokumen ${ref}`, 'Kasus')).text).toBe(TG.notInCase);

    // The Kabid's group gets the file itself, byte for byte.
    const ask = w.tg.userSends(kabid.chat, kabid.person, `/dokumen ${ref}`);
    const sent = await w.tg.waitFor(() => botAfter(w, kabid.chat, ask).find((m) => m.document), WAIT, 'document sent');
    expect(sent.document!.file_name).toBe('disposisi-kabid.pdf');
    expect(sent.caption).toContain(ref);
    expect(w.tg.file(sent.document!.file_id)!.bytes.toString()).toBe(bytes);
    const docCalls = w.tg.callsTo('sendDocument').slice(sendsBefore);
    expect(docCalls.map((c) => String(c.params.chat_id))).toEqual([String(kabid.chat.id)]);

    expect((await say(w, kabid.chat, kabid.person, '/kasus PML-2020-9999', 'tidak ditemukan')).text).toBe('Kasus PML-2020-9999 tidak ditemukan.');
    expect((await say(w, kabid.chat, kabid.person, '/kasus', 'nomor kasus')).text).toBe(TG.caseUsage);
    const stranger = w.tg.addUser({ first_name: 'Tamu' });
    const lobby = w.tg.addGroup({ title: 'Lobi', members: [stranger] });
    expect((await say(w, lobby, stranger, `/dokumen ${ref}`, 'terdaftar')).text).toBe(TG.notBound);
    await w.settled();
    expect(w.tg.callsTo('sendDocument').slice(sendsBefore)).toHaveLength(1);
  }, 30_000);

  it('/batal abandons a pending Kembalikan: the later reply does nothing', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    await w.bindGroup('subkor');
    const ref = await startCase(w, kabid, 'Permohonan yang ditolak');
    await finishStep1(w, ref);
    const card2 = await w.card('subkor', ref, '2');
    expect(await w.answerOf(w.press('subkor', card2, 'Selesai'))).toBe(TG.recorded);
    const card3 = await w.card('subkor', ref, '3');
    expect(await w.answerOf(w.press('subkor', card3, 'Ditolak'))).toBe(TG.recorded);
    const card4 = await w.card('subkor', ref, '4');
    expect(await w.answerOf(w.press('subkor', card4, 'Selesai'))).toBe(TG.recorded);

    // Step 5b is the Kabid's review. Kembalikan asks for a reason; the Kabid thinks better of it.
    const review = await w.card('kabid', ref, '5b');
    const q = w.press('kabid', review, 'Kembalikan');
    expect(await w.answerOf(q)).toBe(TG.writeReason);
    const question = await w.tg.waitFor(() => w.botSaid(kabid.chat, 'tulis alasan pengembalian'), WAIT, 'reason question');
    const before = await caseState(w, ref);
    expect((await say(w, kabid.chat, kabid.person, '/batal', 'Dibatalkan')).text).toBe(TG.promptCancelled);
    const late = w.tg.userSends(kabid.chat, kabid.person, 'Draft belum ditandatangani', { replyTo: question });
    await w.settled();
    expect(botAfter(w, kabid.chat, late)).toEqual([]);
    expect(await caseState(w, ref)).toEqual({ ...before, prompts: 0 });
    const details = await w.core.service.caseDetails(ref);
    expect(details.events.filter((e) => e.type === 'task.returned')).toEqual([]);
    expect(details.tasks.find((t) => t.stepId === '5b')!.status).toBe('open');
    expect(w.tg.message(kabid.chat, review.message_id)!.reply_markup?.inline_keyboard.length).toBeGreaterThan(0);
    expect((await say(w, kabid.chat, kabid.person, '/batal', 'ditanyakan')).text).toBe(TG.nothingToCancel);

    // Asked again, the Kabid answers this time: only now is the draft returned.
    expect(await w.answerOf(w.press('kabid', review, 'Kembalikan'))).toBe(TG.writeReason);
    const again = await w.tg.waitFor(
      () => w.botMessages(kabid.chat).filter((m) => m.text?.includes('tulis alasan pengembalian')).at(1),
      WAIT,
      'second reason question',
    );
    await say(w, kabid.chat, kabid.person, 'Nomor surat salah', 'Dikembalikan', { replyTo: again });
    const closed = await w.cardClosed('kabid', review, 'Dikembalikan oleh Petugas kabid');
    expect(closed.text).toContain('Alasan: Nomor surat salah');
    const returned = (await w.core.service.caseDetails(ref)).events.filter((e) => e.type === 'task.returned');
    expect(returned).toHaveLength(1);
  }, 30_000);

  it('uploads: too big, a wrong type and a loose file are refused clearly; a photo is stored as jpg', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const ref = await startCase(w, kabid, 'Permohonan dengan foto');
    const card = await w.card('kabid', ref, '1');
    const before = await caseState(w, ref);

    const refusalTo = (m: TgMessage) =>
      w.tg.waitFor(() => botAfter(w, kabid.chat, m).find((r) => r.reply_to_message?.message_id === m.message_id), WAIT, `answer to upload ${m.message_id}`);

    const huge = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'pindaian.pdf', bytes: '%PDF-1.4', fileSize: 21 * 1024 * 1024, replyTo: card });
    expect((await refusalTo(huge)).text).toBe(uploadRefusal('too_large', { limitMb: 20, by: 'service' }));
    const exe = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'disposisi.exe', bytes: 'MZ\x90\x00', replyTo: card });
    expect((await refusalTo(exe)).text).toBe(uploadRefusal('type_not_allowed', { allowed: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'jpg', 'jpeg', 'png'] }));
    const loose = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'disposisi.pdf', bytes: '%PDF-1.4 lepas' });
    expect((await refusalTo(loose)).text).toBe(TG.uploadReplyToCard);
    await w.settled();
    expect(await caseState(w, ref)).toEqual(before);
    expect(w.tg.callsTo('getFile')).toEqual([]);

    // A photo of the signed disposisi, replying to the card.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('foto disposisi bertanda tangan'), Buffer.from([0xff, 0xd9])]);
    const photo = w.tg.userUploads(kabid.chat, kabid.person, { fileName: 'ignored', bytes: jpeg, asPhoto: true, replyTo: card });
    const ack = await w.tg.waitFor(() => botAfter(w, kabid.chat, photo).find((m) => m.text?.includes('tersimpan')), WAIT, 'photo stored');
    expect(ack.text).toContain(`foto-${photo.message_id}.jpg tersimpan sebagai "Disposisi"`);
    const [doc] = (await w.core.service.caseDetails(ref)).documents;
    expect(doc).toMatchObject({ fileName: `foto-${photo.message_id}.jpg`, mimeType: 'image/jpeg', sizeBytes: jpeg.length, sha256: createHash('sha256').update(jpeg).digest('hex') });
    const chunks: Buffer[] = [];
    for await (const c of w.core.files.open(doc!.storageKey)) chunks.push(Buffer.from(c as Buffer));
    expect(Buffer.concat(chunks).equals(jpeg)).toBe(true);
    await w.tg.waitFor(() => w.tg.message(kabid.chat, card.message_id)?.text?.includes(`✅ Disposisi: foto-${photo.message_id}.jpg`), WAIT, 'card shows the photo');
  }, 30_000);
});
