/**
 * Pictures and files in Telegram: a card's 📍 Posisi press and /posisi answer with the case drawn
 * on its flowchart, /sop ID with the SOP's sheet (PDF) and flowchart (photo), /laporan with the
 * monitoring form for the digest role's chat, and the first working day of a month brings last
 * month's form by itself, once. Everything goes through the outbox, so Telegram's 429s and 500s
 * are waited out like for cards. The real bot, dispatcher and transport against the fake Bot API,
 * which keeps Telegram's photo and caption limits.
 */
import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { telegramTransport } from '../../src/channels/telegram/transport.js';
import type { ChannelUseCases } from '../../src/channels/use-cases.js';
import { runCli } from '../../src/cli/program.js';
import * as outbox from '../../src/db/queries/outbox.js';
import type { FileSpec, RenderedFiles } from '../../src/delivery/files.js';
import { svgToPng } from '../../src/graphics/png.js';
import { startFakeTelegram } from '../support/fake-telegram.js';
import { pdfText } from '../support/pdf-text.js';
import { pngSize } from '../support/png.js';
import type { TgChat, TgMessage } from '../support/fake-telegram.js';
import { TelegramWorld } from '../support/telegram-world.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import { catalogDir, loadCatalog } from '../../src/sop/loader.js';

/** No cron ticks: the tests that are about the scheduler tick it themselves, at the moment they name. */
const QUIET = { startScheduler: false } as const;
/** Retries within a test's patience: a 500 is tried again after about 50 ms, not 2 s. */
const QUICK_RETRY = { backoff: { baseMs: 50, capMs: 200 } } as const;
const WAIT = 30_000;
/** A moment in WIB, written as people read it. */
const wib = (local: string) => new Date(`${local}:00+07:00`);

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function cli(w: TelegramWorld, ...argv: string[]): Promise<string> {
  const out: string[] = [];
  const code = await runCli(argv, { core: w.core, out: (t) => out.push(t), err: (t) => out.push(t) });
  expect(code, out.join('\n')).toBe(0);
  return out.join('\n');
}

async function startPemalang(w: TelegramWorld, title: string): Promise<string> {
  const out = await cli(w, 'case', 'start', 'pemalang', '--title', title, '--as', 'kabid');
  return /(PML-\d{4}-\d{4})/.exec(out)![1]!;
}

/** The bot's messages in a chat after `after` (a message id) that carry a photo, a document, or either. */
function sentAfter(w: TelegramWorld, chat: TgChat, after: number, what: 'photo' | 'document'): TgMessage[] {
  return w.botMessages(chat).filter((m) => m.message_id > after && m[what] !== undefined);
}

/** Waits for the first such message after `after`. */
function firstSent(w: TelegramWorld, chat: TgChat, after: number, what: 'photo' | 'document', description: string): Promise<TgMessage> {
  return w.tg.waitFor(() => sentAfter(w, chat, after, what)[0], WAIT, description);
}

/** The picture as the person opens it: the largest size Telegram keeps, with its bytes. */
function biggestPhoto(w: TelegramWorld, m: TgMessage): { width: number; height: number; bytes: Buffer } {
  const size = m.photo?.at(-1);
  if (!size) throw new Error('no photo in the message');
  return { width: size.width, height: size.height, bytes: w.tg.file(size.file_id)!.bytes };
}

function lastMessageId(w: TelegramWorld, chat: TgChat): number {
  return w.tg.lastMessage(chat)?.message_id ?? 0;
}

describe('📍 Posisi: where a case stands, as a picture', () => {
  it('a press on the card answers at once, and the case drawn on its flowchart follows as a photo', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const ref = await startPemalang(w, 'Permohonan asesor Kab. Batang');
    const card = await w.card('kabid', ref, '1');
    const labels = card.reply_markup!.inline_keyboard.map((row) => row.map((b) => b.text));
    expect(labels.at(-1)).toEqual(['📍 Posisi']);
    expect(Buffer.byteLength(card.reply_markup!.inline_keyboard.at(-1)![0]!.callback_data!)).toBeLessThanOrEqual(64);

    const before = lastMessageId(w, kabid.chat);
    const pressedAt = w.tg.now();
    const query = w.press('kabid', card, 'Posisi');
    expect(await w.answerOf(query)).toBe('Gambar sedang disiapkan…');
    const photo = await firstSent(w, kabid.chat, before, 'photo', 'the case picture');
    const took = w.tg.now() - pressedAt;

    const picture = biggestPhoto(w, photo);
    // What Telegram keeps is the picture itself: a PNG 1600 px wide, the flowchart's own height.
    expect(pngSize(picture.bytes)).toEqual({ width: picture.width, height: picture.height });
    expect(picture.width).toBe(1600);
    expect(picture.height).toBeGreaterThan(600);
    expect(picture.height).toBeLessThanOrEqual(1600 * 1.6);
    expect(photo.caption).toContain(`Posisi kasus ${ref} (Permohonan asesor Kab. Batang): sedang di kegiatan 1 (Kabid).`);
    expect(photo.caption).toMatch(/Keadaan per \w+, \d+ \w+ 20\d\d \d\d\.\d\d WIB/);

    // The same press delivered again (Telegram replaying the update) sends nothing more.
    const update = w.tg.updates.find((u) => u.callback_query?.id === query)!;
    w.tg.injectUpdate(structuredClone(update));
    await w.settled();
    expect(sentAfter(w, kabid.chat, before, 'photo')).toHaveLength(1);
    const rows = (await outbox.listOutbox(w.database.db)).filter((r) => r.kind === 'file');
    expect(rows.map((r) => [r.status, r.payload.render])).toEqual([['sent', 'case-picture']]);

    // Five more presses, one after another: each gets its own picture (the figure in the report).
    const times = [took];
    for (let i = 0; i < 5; i++) {
      const last = lastMessageId(w, kabid.chat);
      const at = w.tg.now();
      w.press('kabid', card, 'Posisi');
      await firstSent(w, kabid.chat, last, 'photo', `picture ${i + 2}`);
      times.push(w.tg.now() - at);
    }
    times.sort((a, b) => a - b);
    console.info(`Posisi press to photo over ${times.length} presses: median ${times[Math.floor(times.length / 2)]} ms, max ${times.at(-1)} ms`);
    expect(sentAfter(w, kabid.chat, before, 'photo')).toHaveLength(6);
  }, 60_000);

  it('/posisi only in chats whose role takes part in the case; a closed case\'s notice offers it too', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const sekretaris = await w.bindGroup('sekretaris');
    const stranger = w.tg.addUser({ first_name: 'Orang', last_name: 'Luar' });
    const unbound = w.tg.addGroup({ title: 'Grup lain', members: [stranger] } as never);
    const ref = await startPemalang(w, 'Uji posisi');
    await w.card('kabid', ref, '1');

    // The Sekretaris's role has no step of this case yet; an unbound group has no role at all.
    w.tg.userSends(sekretaris.chat, sekretaris.person, `/posisi ${ref}`);
    await w.tg.waitFor(() => w.botSaid(sekretaris.chat, 'Kasus ini tidak melibatkan peran chat ini.'), WAIT, 'refusal in sekretaris');
    w.tg.userSends(unbound, stranger, `/posisi ${ref}`);
    await w.tg.waitFor(() => w.botSaid(unbound, 'belum terdaftar'), WAIT, 'refusal in an unbound group');
    w.tg.userSends(kabid.chat, kabid.person, '/posisi');
    await w.tg.waitFor(() => w.botSaid(kabid.chat, 'Tulis nomor kasusnya, misalnya /posisi'), WAIT, 'usage');
    await w.settled();
    expect(sentAfter(w, sekretaris.chat, 0, 'photo')).toEqual([]);
    expect(sentAfter(w, unbound, 0, 'photo')).toEqual([]);

    // In the Kabid's chat /posisi sends the picture (Telegram shows "sending a photo…" meanwhile).
    const before = lastMessageId(w, kabid.chat);
    w.tg.userSends(kabid.chat, kabid.person, `/posisi ${ref.toLowerCase()}`);
    await w.tg.waitFor(() => sentAfter(w, kabid.chat, before, 'photo').length === 1, WAIT, 'picture after /posisi');
    expect(w.tg.callsTo('sendChatAction').map((c) => c.params.action)).toContain('upload_photo');

    // The case is cancelled: the notice that closes it carries 📍 Posisi, and the picture says how it ended.
    await cli(w, 'case', 'cancel', ref, '--reason', 'Permohonan ditarik');
    const notice = await w.tg.waitFor(() => w.botSaid(kabid.chat, 'telah ditutup: dibatalkan'), WAIT, 'closed notice');
    expect(notice.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['📍 Posisi']);
    const after = lastMessageId(w, kabid.chat);
    const query = w.tg.userPresses(kabid.chat, kabid.person, notice, notice.reply_markup!.inline_keyboard[0]![0]!.callback_data!);
    expect(await w.answerOf(query)).toBe('Gambar sedang disiapkan…');
    const closed = await firstSent(w, kabid.chat, after, 'photo', 'picture of the closed case');
    expect(closed.caption).toContain(`Posisi kasus ${ref} (Uji posisi): ditutup (dibatalkan).`);
  }, 60_000);

  it('a hostile, very long title is escaped and cut within the 1024-character caption', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const title = `<b>Tebal</b> & <a href="https://contoh.test">tautan</a> ${'sangat panjang '.repeat(150)}`;
    const ref = await startPemalang(w, title);
    const card = await w.card('kabid', ref, '1');
    const before = lastMessageId(w, kabid.chat);
    w.press('kabid', card, 'Posisi');
    const photo = await firstSent(w, kabid.chat, before, 'photo', 'the picture');
    // Shown as typed, never as formatting or a link; the title is cut, the caption within Telegram's limit.
    expect(photo.caption).toContain('<b>Tebal</b> & <a href="https://contoh.test">tautan</a>');
    expect(photo.caption_entities ?? []).toEqual([]);
    expect(photo.caption!.length).toBeLessThanOrEqual(1024);
    expect(photo.caption).toContain('…');
  }, 60_000);

  it('a picture refused with 500 and then 429 is sent again and arrives once', async () => {
    world = await TelegramWorld.start({ ...QUIET, dispatcher: QUICK_RETRY });
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const ref = await startPemalang(w, 'Uji gangguan');
    const card = await w.card('kabid', ref, '1');
    const t0 = w.tg.now();
    w.tg.failNext('sendPhoto', { status: 500 });
    w.tg.failNext('sendPhoto', { status: 429, retryAfter: 1 });
    const before = lastMessageId(w, kabid.chat);
    w.press('kabid', card, 'Posisi');
    await w.tg.waitFor(() => sentAfter(w, kabid.chat, before, 'photo').length === 1, WAIT, 'the picture after the faults');
    await w.tg.waitFor(async () => (await outbox.listOutbox(w.database.db)).some((r) => r.kind === 'file' && r.status === 'sent'), WAIT, 'recorded sent');

    const calls = w.tg.callsTo('sendPhoto').filter((c) => c.time >= t0);
    expect(calls.map((c) => c.fault ?? c.response?.status)).toEqual(['status:500', 'status:429', 200]);
    // The 429 asked for one second: the next try waited for it.
    expect(calls[2]!.time - calls[1]!.time).toBeGreaterThanOrEqual(995);
    expect(sentAfter(w, kabid.chat, before, 'photo')).toHaveLength(1);
  }, 60_000);
});

describe('/sop ID: the SOP sheet', () => {
  it('sends the sheet as a PDF document and its flowchart as a photo', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const subkor = await w.bindGroup('subkor');
    w.tg.userSends(subkor.chat, subkor.person, '/sop');
    const list = await w.tg.waitFor(() => w.botSaid(subkor.chat, 'SOP yang tersedia'), WAIT, 'catalog');
    expect(list.text).toContain('lembar SOP: /sop pemalang');

    w.tg.userSends(subkor.chat, subkor.person, '/sop Pemalang');
    const doc = await firstSent(w, subkor.chat, list.message_id, 'document', 'the sheet');
    const photo = await firstSent(w, subkor.chat, list.message_id, 'photo', 'the flowchart');
    expect(doc.document!.file_name).toBe('SOP-pemalang.pdf');
    const pdf = w.tg.file(doc.document!.file_id)!.bytes;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const read = await pdfText(pdf);
    // The identity page, then the flowchart table.
    expect(read.pages.length).toBeGreaterThanOrEqual(2);
    expect(read.pages[0]).toContain('Nomor SOP');
    expect(doc.caption).toMatch(new RegExp(`Lembar SOP .+ \\(Nomor .+\\), ${read.pages.length} halaman`));
    const picture = biggestPhoto(w, photo);
    expect(pngSize(picture.bytes)).toEqual({ width: 1600, height: picture.height });
    expect(photo.caption).toMatch(/^Bagan alur SOP /);

    w.tg.userSends(subkor.chat, subkor.person, '/sop tidakada');
    const refused = await w.tg.waitFor(() => w.botSaid(subkor.chat, 'SOP "tidakada" tidak ada di katalog'), WAIT, 'unknown SOP');

    // The list carries a button per SOP that does the same.
    const nama = w.core.service.sop('pemalang').definition.identity.nama;
    const button = list.reply_markup!.inline_keyboard.flat().find((b) => b.text === `📄 ${nama}`)!;
    const query = w.tg.userPresses(subkor.chat, subkor.person, list, button.callback_data!);
    expect(await w.answerOf(query)).toBe('Lembar SOP sedang disiapkan…');
    const again = await firstSent(w, subkor.chat, refused.message_id, 'document', 'the sheet from the button');
    expect(again.document?.file_name).toBe('SOP-pemalang.pdf');
  }, 60_000);
});

describe('the monitoring form (issue 17)', () => {
  it('/laporan: for the digest role\'s chat only, the month read as people write it', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const subkor = await w.bindGroup('subkor');

    w.tg.userSends(subkor.chat, subkor.person, '/laporan 2026-11');
    await w.tg.waitFor(() => w.botSaid(subkor.chat, 'Laporan monitoring hanya dikirim ke chat yang terdaftar sebagai Kabid.'), WAIT, 'refusal');

    for (const [typed, answer] of [
      ['/laporan kemarin sore', 'Bulan "kemarin sore" tidak dikenali. Tulis misalnya 2026-11, November 2026 atau 11/2026.'],
      ['/laporan 13/2026', 'Bulan "13/2026" tidak dikenali.'],
      ['/laporan Desember 2099', 'Bulan 2099-12 belum berjalan'],
      ['/laporan tidakada', 'SOP "tidakada" tidak ada di katalog'],
    ] as const) {
      w.tg.userSends(kabid.chat, kabid.person, typed);
      await w.tg.waitFor(() => w.botSaid(kabid.chat, answer), WAIT, `answer to ${typed}`);
    }
    await w.settled();
    expect(sentAfter(w, kabid.chat, 0, 'document')).toEqual([]);

    const before = lastMessageId(w, kabid.chat);
    w.tg.userSends(kabid.chat, kabid.person, '/laporan pemalang November 2026');
    await w.tg.waitFor(() => w.botSaid(kabid.chat, 'Formulir monitoring November 2026 (XLSX dan PDF) sedang disiapkan'), WAIT, 'acknowledged');
    const docs = await w.tg.waitFor(() => {
      const d = sentAfter(w, kabid.chat, before, 'document');
      return d.length === 2 ? d : undefined;
    }, WAIT, 'both files');
    expect(docs.map((d) => d.document!.file_name)).toEqual(['monev-2026-11-pemalang.xlsx', 'monev-2026-11-pemalang.pdf']);
    expect(w.tg.file(docs[0]!.document!.file_id)!.bytes.subarray(0, 2).toString()).toBe('PK');
    expect(w.tg.file(docs[1]!.document!.file_id)!.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(docs[0]!.caption).toContain('Formulir monitoring SOP November 2026: 1 SOP');
    expect(sentAfter(w, subkor.chat, 0, 'document')).toEqual([]);
  }, 60_000);

  it('arrives by itself on the first working day of the month (the 1st a Sunday: the Monday), once', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    const scheduler = w.service.scheduler;
    const reports = () => sentAfter(w, kabid.chat, 0, 'document');

    // A case ran in October, so October has a form to send.
    const october = new WorkflowService(w.database.db, { clock: () => wib('2026-10-20T09:00') });
    await october.registerDefinitions((await loadCatalog(catalogDir())).definitions);
    await october.startCase('pemalang', 'Kasus Oktober', { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' });

    // 1 November 2026 is a Sunday; on Monday the 2nd, nothing before the digest's hour (07.30).
    for (const at of ['2026-11-01T08:00', '2026-11-01T23:00', '2026-11-02T07:00']) {
      expect((await scheduler.tick(wib(at))).monthly, at).toBe(false);
    }
    expect((await scheduler.tick(wib('2026-11-02T07:31'))).monthly).toBe(true);
    const docs = await w.tg.waitFor(() => (reports().length === 2 ? reports() : undefined), WAIT, 'the October form');
    expect(docs.map((d) => d.document!.file_name)).toEqual(['monev-2026-10.xlsx', 'monev-2026-10.pdf']);
    expect(docs[0]!.caption).toMatch(/^🗓 Laporan bulanan otomatis\. Formulir monitoring SOP Oktober 2026/);

    // Later that day, the next days, and a restarted scheduler: nothing more this month.
    for (const at of ['2026-11-02T09:00', '2026-11-03T08:00', '2026-11-30T15:00']) {
      expect((await scheduler.tick(wib(at))).monthly, at).toBe(false);
    }
    const rows = await outbox.listOutbox(w.database.db);
    expect(rows.filter((r) => r.dedupeKey.startsWith('monthly-report:')).map((r) => r.dedupeKey)).toEqual([
      'monthly-report:kabid:2026-10:xlsx',
      'monthly-report:kabid:2026-10:pdf',
      `monthly-report:kabid:2026-10:xlsx@telegram:${kabid.chat.id}:`,
      `monthly-report:kabid:2026-10:pdf@telegram:${kabid.chat.id}:`,
    ]);
    await w.settled();
    expect(reports()).toHaveLength(2);
  }, 60_000);

  it('the daily digest brings its picture once a day, after its text', async () => {
    world = await TelegramWorld.start(QUIET);
    const w = world;
    const kabid = await w.bindGroup('kabid');
    await startPemalang(w, 'Kasus untuk ringkasan');
    await w.card('kabid', (await w.core.service.openTasks(['kabid']))[0]!.caseRef, '1');
    const before = lastMessageId(w, kabid.chat);

    await w.service.scheduler.tick(wib('2026-11-24T08:00'));
    const photo = await firstSent(w, kabid.chat, before, 'photo', 'the digest picture');
    const digest = w.botMessages(kabid.chat).find((m) => m.message_id > before && m.text?.includes('Ringkasan harian'));
    expect(digest!.message_id).toBeLessThan(photo.message_id);
    expect(pngSize(biggestPhoto(w, photo).bytes)).toEqual({ width: 1600, height: 800 });
    expect(photo.caption).toContain('Ringkasan harian Selasa, 24 November 2026 08.00 WIB dalam gambar');

    await w.service.scheduler.tick(wib('2026-11-24T10:00'));
    await w.settled();
    await w.tg.waitFor(async () => (await outbox.listOutbox(w.database.db)).every((r) => r.status !== 'pending' && r.status !== 'sending'), WAIT, 'outbox drained');
    expect(sentAfter(w, kabid.chat, before, 'photo')).toHaveLength(1);
  }, 60_000);
});

describe('pictures that do not fit one photo', () => {
  /** A plain picture of the given size, drawn like the service draws its own. */
  const picture = (width: number, height: number, label: string) =>
    svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#eef"/><text x="20" y="40" font-size="30">${label}</text></svg>`);

  async function deliver(rendered: RenderedFiles) {
    const tg = await startFakeTelegram();
    try {
      const person = tg.addUser({ first_name: 'Kabid' });
      const chat = tg.addGroup({ title: 'Grup Kabid', members: [person] } as never);
      const spec: FileSpec = { render: 'sop-picture', sopId: 'panjang' };
      const transport = telegramTransport(new Telegram(tg.token, { apiRoot: tg.apiRoot }), {} as ChannelUseCases, undefined, async () => rendered);
      const result = await transport.deliver({
        id: 1, dedupeKey: 'k', kind: 'file', role: null, caseId: null, taskId: null, payload: { ...spec },
        platform: 'telegram', chatId: String(chat.id), threadId: null, targetRef: null, attempt: 1,
      });
      return { messages: tg.messagesIn(chat).filter((m) => m.from?.id === tg.bot.id), result, tg };
    } finally {
      await tg.close();
    }
  }

  it('a flowchart drawn as three pictures arrives as one album, the caption on its first photo', async () => {
    const { messages, result } = await deliver({
      as: 'photo',
      files: [1, 2, 3].map((n) => ({ name: `SOP-panjang-${n}.png`, mimeType: 'image/png', data: picture(1600, 2400, `bagian ${n}`) })),
      caption: 'Bagan alur SOP Panjang (3 gambar bersambung).',
    });
    expect(messages.map((m) => [m.photo?.at(-1)?.width, m.photo?.at(-1)?.height, m.caption])).toEqual([
      [1600, 2400, 'Bagan alur SOP Panjang (3 gambar bersambung).'],
      [1600, 2400, undefined],
      [1600, 2400, undefined],
    ]);
    expect(new Set(messages.map((m) => m.media_group_id)).size).toBe(1);
    expect(result.messageRef).toMatchObject({ messageId: String(messages[0]!.message_id) });
  });

  it('a picture past the photo limits (width + height over 10 000) arrives as a document instead', async () => {
    const tall = picture(600, 9600, 'tinggi');
    const { messages } = await deliver({ as: 'photo', files: [{ name: 'SOP-tinggi.png', mimeType: 'image/png', data: tall }], caption: 'Bagan alur SOP Tinggi.' });
    expect(messages).toHaveLength(1);
    expect(messages[0]!.photo).toBeUndefined();
    expect(messages[0]!.document?.file_name).toBe('SOP-tinggi.png');
    expect(messages[0]!.caption).toBe('Bagan alur SOP Tinggi.');
  });
});
