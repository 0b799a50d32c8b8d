/**
 * Duplicates: Telegram and Slack deliver at least once, so the service sees the same update
 * again (a webhook retry, a replayed batch after a restart, Slack's X-Slack-Retry-Num). A whole
 * working session is played once normally and again with every update delivered twice (half at
 * once, racing the first copy; half later, after it was handled); the two must end the same.
 */
import { asc, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { processedUpdates } from '../../src/db/schema.js';
import type { FakeTelegram, TgMessage, TgUpdate } from '../support/fake-telegram.js';
import { buttonsOf } from '../support/fake-slack.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import { TelegramWorld } from '../support/telegram-world.js';
import { note } from './report.js';
import { sleep, stateSnapshot } from './support.js';
import * as outbox from '../../src/db/queries/outbox.js';

let tgWorld: TelegramWorld | undefined;
let slackWorld: SlackWorld | undefined;
afterEach(async () => {
  await tgWorld?.close();
  tgWorld = undefined;
  await slackWorld?.close();
  slackWorld = undefined;
});

const WAIT = 20_000;

/**
 * From now on every update the fake produces is queued a second time with the same update_id:
 * the even ones at once (both copies in one getUpdates batch, handled concurrently), the odd
 * ones 300 ms later (after the first copy was handled).
 */
function deliverEverythingTwice(tg: FakeTelegram): { copies: () => number; pending: () => Promise<void> } {
  let n = 0;
  const late: Promise<void>[] = [];
  const twice = (update: TgUpdate | undefined) => {
    if (!update) return;
    const copy = structuredClone(update);
    if (n++ % 2 === 0) tg.injectUpdate(copy);
    else late.push(sleep(300).then(() => void tg.injectUpdate(copy)));
  };
  const last = () => tg.updates.at(-1);
  const sends = tg.userSends.bind(tg);
  const presses = tg.userPresses.bind(tg);
  const uploads = tg.userUploads.bind(tg);
  tg.userSends = (...args) => {
    const m = sends(...args);
    const u = last();
    twice(u?.message?.message_id === m.message_id ? u : undefined);
    return m;
  };
  tg.userPresses = (...args) => {
    const id = presses(...args);
    const u = last();
    twice(u?.callback_query?.id === id ? u : undefined);
    return id;
  };
  tg.userUploads = (...args) => {
    const m = uploads(...args);
    const u = last();
    twice(u?.message?.message_id === m.message_id ? u : undefined);
    return m;
  };
  return { copies: () => n, pending: async () => void (await Promise.all(late)) };
}

/** Someone writes; resolves with the bot's first later message in that chat containing `expected`. */
async function say(w: TelegramWorld, role: string, text: string, expected: string, replyTo?: TgMessage): Promise<TgMessage> {
  const d = w.desk(role);
  const sent = w.tg.userSends(d.chat, d.person, text, replyTo ? { replyTo } : {});
  return w.tg.waitFor(() => w.botMessages(d.chat).find((m) => m.message_id > sent.message_id && m.text?.includes(expected)), WAIT, `"${text}" answered with "${expected}"`);
}

async function pressAndWait(w: TelegramWorld, role: string, card: TgMessage, label: string): Promise<string | undefined> {
  return w.answerOf(w.press(role, card, label));
}

async function freshCard(w: TelegramWorld, role: string, card: TgMessage, fragment: string): Promise<TgMessage> {
  return w.tg.waitFor(() => {
    const m = w.tg.message(w.desk(role).chat, card.message_id);
    return m?.text?.includes(fragment) ? m : undefined;
  }, WAIT, `card shows ${fragment}`);
}

/**
 * A working session in Telegram: binding two groups, /baru with its title, an upload, presses
 * on every kind of step, a Kembalikan with its reason, /tugas and /kasus.
 */
async function session(w: TelegramWorld) {
  await w.bindGroup('kabid');
  await w.bindGroup('subkor');
  const question = await say(w, 'kabid', '/baru', 'Judul kasus baru');
  const started = await say(w, 'kabid', 'Permohonan asesor Dinas Arsip', 'dimulai', question);
  const ref = /Kasus (\S+) dimulai/.exec(started.text!)![1]!;
  let card = await w.card('kabid', ref, '1');
  await w.upload('kabid', card, 'disposisi.pdf');
  card = await freshCard(w, 'kabid', card, '✅ Disposisi');
  await pressAndWait(w, 'kabid', card, 'Selesai');
  await pressAndWait(w, 'subkor', await w.card('subkor', ref, '2'), 'Selesai');
  await pressAndWait(w, 'subkor', await w.card('subkor', ref, '3'), 'Ditolak');
  await pressAndWait(w, 'subkor', await w.card('subkor', ref, '4'), 'Selesai');
  // On the Ditolak path the Kabid's review (5b) asks for no document: the drafts belong to Diterima.
  const review = await w.card('kabid', ref, '5b');
  await pressAndWait(w, 'kabid', review, 'Kembalikan');
  const ask = await w.tg.waitFor(() => w.botSaid(w.desk('kabid').chat, 'tulis alasan pengembalian'), WAIT, 'reason question');
  await say(w, 'kabid', 'Nomor surat salah', 'Dikembalikan', ask);
  await w.card('subkor', ref, '4', 2);
  await say(w, 'subkor', '/tugas', 'Tugas terbuka');
  await say(w, 'kabid', `/kasus ${ref}`, ref);
  await w.settled();
  await w.tg.waitFor(() => w.tg.edits.some((e) => e.after.text?.includes('Dikembalikan oleh')), WAIT, 'review card closed');
  return ref;
}

/** What the session left behind, without clock times: the database and every chat. */
async function outcome(w: TelegramWorld, ref: string) {
  const d = await w.core.service.caseDetails(ref);
  const snapshot = await stateSnapshot(w.database.db);
  const norm = (t: string | undefined) => (t ?? '').replace(/\d/g, '#');
  const chats = [...w.desks.values()].map((desk) => w.botMessages(desk.chat).map((m) => `${norm(m.text)} [${(m.reply_markup?.inline_keyboard.flat() ?? []).map((b) => b.text).join(',')}]`).sort());
  const okCalls = (method: string) => w.tg.callsTo(method).filter((c) => c.response?.ok).length;
  return {
    tasks: d.tasks.map((t) => `${t.stepId}#${t.visit} ${t.status} ${t.action ?? ''} ${t.branch ?? ''} ${t.comment ?? ''}`),
    events: d.events.map((e) => e.type),
    documents: d.documents.map((doc) => `${doc.stepId} ${doc.slotName} ${doc.fileName} ${doc.sha256}`),
    counts: {
      cases: snapshot.cases.length,
      outbox: snapshot.outbox.length,
      prompts: snapshot.prompts.length,
      bindings: snapshot.bindings.length,
      usedCodes: snapshot.pairingCodes.filter((c) => c.usedAt).length,
    },
    chats,
    calls: {
      sendMessage: okCalls('sendMessage'),
      editMessageText: okCalls('editMessageText'),
      getFile: okCalls('getFile'),
      answerCallbackQuery: okCalls('answerCallbackQuery'),
      refusedAnswers: w.tg.callsTo('answerCallbackQuery').filter((c) => !c.response?.ok).length,
    },
  };
}

describe('every Telegram update delivered twice', () => {
  it('a whole session with every update twice ends exactly like the session once (polling and webhook)', async (ctx) => {
    tgWorld = await TelegramWorld.start({ startScheduler: false });
    const once = await outcome(tgWorld, await session(tgWorld));
    const updatesOnce = tgWorld.tg.updates.length;
    await tgWorld.close();
    tgWorld = undefined;

    const results: string[] = [];
    let copies = 0;
    for (const webhook of [false, true]) {
      tgWorld = await TelegramWorld.start({ startScheduler: false, webhook });
      const w = tgWorld;
      const doubled = deliverEverythingTwice(w.tg);
      const ref = await session(w);
      await doubled.pending();
      await w.settled();
      await sleep(300);
      const twice = await outcome(w, ref);
      expect(twice).toEqual(once);
      // Each update id was recorded once, and the bot saw each twice.
      const ids = new Set(w.tg.updates.map((u) => u.update_id));
      expect(w.tg.updates.length).toBe(2 * ids.size);
      expect(ids.size).toBe(updatesOnce);
      const recorded = await w.database.db.select({ id: processedUpdates.updateId }).from(processedUpdates).where(sql`${processedUpdates.platform} = 'telegram'`).orderBy(asc(processedUpdates.updateId));
      expect(recorded.map((r) => Number(r.id)).sort()).toEqual([...ids].sort());
      if (webhook) expect(w.tg.webhookDeliveries.filter((d) => d.status === 200).length).toBe(2 * ids.size);
      copies += doubled.copies();
      results.push(`${webhook ? 'webhook' : 'long polling'}: ${ids.size} updates, ${2 * ids.size} deliveries`);
      await w.close();
      tgWorld = undefined;
    }
    note(ctx, {
      story: 'Duplicates',
      tried: 'a whole Telegram session (pairing, /baru and its title, two uploads, Selesai, a decision, Kembalikan with its reason, /tugas, /kasus) with every update delivered twice, half racing the first copy in one batch, half after it was handled; long polling and webhook',
      times: copies,
      held: `ended identical to the session delivered once: same tasks, events, documents, outbox rows, prompts and bindings; the same bot messages in every chat; the same number of sends, edits, downloads and callback answers (0 refused second answers); every update id recorded once (${results.join('; ')})`,
    });
  }, 180_000);
});

describe('Slack events delivered more than once', () => {
  it('the same event_id at the same moment, and again with X-Slack-Retry-Num, is handled once', async (ctx) => {
    slackWorld = await SlackWorld.start();
    const w = slackWorld;
    const desk = await w.bindChannel('jf_madya');
    const refs: string[] = [];
    for (let i = 1; i <= 3; i++) refs.push(await w.startCase('jf_madya', 'kemenkumham', `Uji event ganda ${i}`));
    const cards = await Promise.all(refs.map((ref) => w.card('jf_madya', ref, '1')));

    // Each file shared in a card's thread reaches the app three times at once, then twice more as Slack's retries.
    let deliveries = 0;
    const statuses: number[] = [];
    for (const [i, card] of cards.entries()) {
      const eventId = `Ev0DUP${i}0001`;
      const shared = w.slack.shareFile(desk.person, desk.channel, { name: `disposisi-${i + 1}.pdf`, bytes: `%PDF disposisi ${i + 1}`, threadTs: card.ts }, { eventId });
      const racing = await Promise.all([shared.delivered, w.slack.deliverEvent(shared.event, { eventId }), w.slack.deliverEvent(shared.event, { eventId })]);
      statuses.push(...racing.map((d) => d.status));
      await w.settled();
      for (const retryNum of [1, 2]) statuses.push((await w.slack.deliverEvent(shared.event, { eventId, retryNum, retryReason: 'http_timeout' })).status);
      deliveries += 5;
    }
    // The Home tab: one event id, three copies at once.
    const homes = await Promise.all([1, 2, 3].map(() => w.slack.openHome(desk.person, { eventId: 'Ev0DUPHOME01' })));
    statuses.push(...homes.map((d) => d.status));
    deliveries += 3;
    await w.settled();

    // Slack got its 200 every time (anything else makes it retry), and each upload happened once.
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const [i, card] of cards.entries()) {
      await w.slack.waitFor(() => w.slack.botMessages(desk.channel, { thread: card.ts }).some((m) => textOf(m).includes(`disposisi-${i + 1}.pdf tersimpan`)), WAIT, `upload ${i + 1} stored`);
    }
    await w.settled();
    for (const [i, card] of cards.entries()) {
      expect(w.slack.botMessages(desk.channel, { thread: card.ts }).filter((m) => textOf(m).includes('tersimpan'))).toHaveLength(1);
      const docs = (await w.core.service.caseDetails(refs[i]!)).documents;
      expect(docs.map((d) => d.fileName)).toEqual([`disposisi-${i + 1}.pdf`]);
      expect(buttonsOf(w.slack.message(desk.channel, card.ts)!.blocks).length).toBeGreaterThan(0);
    }
    expect(w.slack.callsOf('files.info')).toHaveLength(cards.length);
    expect(w.slack.downloads).toHaveLength(cards.length);
    expect(w.slack.callsOf('views.publish')).toHaveLength(1);
    const { caseRow } = await w.core.service.caseDetails(refs[0]!);
    const edits = (await outbox.listOutbox(w.core.database.db, caseRow.id)).filter((r) => r.platform === null && r.kind === 'card-update');
    expect(edits).toHaveLength(1);

    note(ctx, {
      story: 'Duplicates',
      tried: 'Slack events with the same event_id: each file shared in a card thread delivered 3 times at the same moment and twice more with X-Slack-Retry-Num; the Home tab event 3 times at once',
      times: deliveries,
      held: `every delivery answered 200 (so Slack stops retrying); each file downloaded, stored and acknowledged once (${cards.length} documents, ${cards.length} files.info, ${cards.length} downloads, 1 card edit per upload); the Home tab published once`,
    });
  }, 90_000);
});
