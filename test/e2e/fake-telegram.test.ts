import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Input, Markup, Telegraf, TelegramError } from 'telegraf';
import { message } from 'telegraf/filters';
import { startFakeTelegram, type FakeTelegram, type FakeTelegramOptions, type TgChat, type TgUser } from '../support/fake-telegram.js';

let tg: FakeTelegram;
let group: TgChat;
let sari: TgUser;
const cleanups: Array<() => Promise<void> | void> = [];

async function start(options: FakeTelegramOptions = {}): Promise<void> {
  tg = await startFakeTelegram(options);
  sari = tg.addUser({ first_name: 'Sari', username: 'sari_w' });
  group = tg.addGroup({ title: 'Bagian Umum' });
}

beforeEach(async () => {
  await start({ webhook: { retryDelayMs: 20 } });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await tg.close();
  expect(tg.internalErrors).toEqual([]);
});

function newBot(webhookReply = false): Telegraf {
  return new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot, webhookReply } });
}

/** bot.launch() only settles once polling stops, so keep the promise and settle it on stop. */
async function launchPolling(bot: Telegraf): Promise<() => Promise<void>> {
  const running = bot.launch().catch((err: unknown) => err);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    bot.stop('test done');
    await running;
  };
  cleanups.push(stop);
  // stop() throws until polling has begun, so wait for the first long poll.
  await tg.waitFor(() => tg.callsTo('getUpdates').length > 0, 2000, 'bot started polling');
  return stop;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

interface ApiAnswer {
  status: number;
  body: { ok: boolean; result?: any; error_code?: number; description?: string; parameters?: { retry_after?: number } };
}

async function api(method: string, params: Record<string, unknown> = {}, token = tg.token): Promise<ApiAnswer> {
  const res = await fetch(`${tg.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as ApiAnswer['body'] };
}

describe('telegraf against the fake', () => {
  it('polling: a command reaches the bot and its reply lands in the chat', async () => {
    const bot = newBot();
    bot.command('daftar', (ctx) => ctx.reply(`Terdaftar: ${ctx.payload}`, { reply_parameters: { message_id: ctx.message.message_id } }));
    const stop = await launchPolling(bot);

    const sent = tg.userSends(group, sari, '/daftar ABC');
    expect(sent.entities).toEqual([{ type: 'bot_command', offset: 0, length: 7 }]);
    const reply = await tg.waitFor(() => tg.lastBotMessage(group));

    expect(reply.text).toBe('Terdaftar: ABC');
    expect(reply.reply_to_message?.message_id).toBe(sent.message_id);
    expect(reply.message_id).toBe(sent.message_id + 1);
    await stop();
    // telegraf confirms the offset on the way out, so nothing is left pending.
    expect(tg.pendingUpdates()).toEqual([]);
  });

  it('a callback press is answered and the card edited (keyboard dropped when omitted)', async () => {
    const bot = newBot();
    bot.action('step:ok', async (ctx) => {
      await ctx.answerCbQuery('Dicatat');
      await ctx.editMessageText('Langkah 1 selesai');
    });
    const card = await bot.telegram.sendMessage(group.id, 'Langkah 1', Markup.inlineKeyboard([Markup.button.callback('Selesai', 'step:ok')]));
    await launchPolling(bot);

    const queryId = tg.userPresses(group, sari, card.message_id, 'step:ok');
    const answer = await tg.waitFor(() => tg.callbackAnswers.get(queryId));
    expect(answer).toMatchObject({ text: 'Dicatat', show_alert: false });

    const edit = await tg.waitFor(() => tg.edits[0]);
    expect(edit.before.reply_markup?.inline_keyboard[0]?.[0]?.callback_data).toBe('step:ok');
    expect(tg.message(group, card.message_id)).toMatchObject({ text: 'Langkah 1 selesai' });
    expect(tg.message(group, card.message_id)?.reply_markup).toBeUndefined();
    expect(() => tg.userPresses(group, sari, card.message_id, 'step:ok')).toThrow(/no button/);
  });

  it('a document upload is downloaded via getFileLink and a file sent back as multipart', async () => {
    // CRLFs and a fake boundary inside the file keep the multipart parser honest.
    const bytes = Buffer.concat([randomBytes(4000), Buffer.from('\r\n--boundary\r\n\r\n'), randomBytes(500)]);
    let downloaded: Buffer | undefined;
    const bot = newBot();
    bot.on(message('document'), async (ctx) => {
      const link = await ctx.telegram.getFileLink(ctx.message.document.file_id);
      downloaded = Buffer.from(await (await fetch(link)).arrayBuffer());
      await ctx.replyWithDocument(Input.fromBuffer(Buffer.concat([downloaded, Buffer.from('!')]), 'balasan.pdf'), {
        caption: '<b>Diterima</b>',
        parse_mode: 'HTML',
      });
    });
    await launchPolling(bot);

    const upload = tg.userUploads(group, sari, { fileName: 'surat.pdf', mimeType: 'application/pdf', bytes });
    expect(upload.document).toMatchObject({ file_name: 'surat.pdf', mime_type: 'application/pdf', file_size: bytes.length });
    const reply = await tg.waitFor(() => tg.lastBotMessage(group)?.document && tg.lastBotMessage(group));

    expect(downloaded?.equals(bytes)).toBe(true);
    expect(reply.document).toMatchObject({ file_name: 'balasan.pdf', mime_type: 'application/pdf', file_size: bytes.length + 1 });
    expect(reply.caption).toBe('Diterima');
    expect(reply.caption_entities).toEqual([{ type: 'bold', offset: 0, length: 8 }]);
    expect(tg.file(reply.document!.file_id)?.bytes.equals(Buffer.concat([bytes, Buffer.from('!')]))).toBe(true);
  });

  it('webhook: delivers with the secret header to webhookCallback, retrying a failed delivery', async () => {
    const bot = newBot();
    bot.on(message('text'), (ctx) => ctx.reply(`pong ${ctx.message.text}`));
    const secrets: Array<string | undefined> = [];
    let failures = 1;
    const hook = bot.webhookCallback('/tg-hook', { secretToken: 'rahasia_123' });
    const port = await listen(
      createServer((req, res) => {
        secrets.push(req.headers['x-telegram-bot-api-secret-token'] as string | undefined);
        if (failures-- > 0) {
          req.resume();
          res.writeHead(500).end();
          return;
        }
        void hook(req, res);
      }),
    );
    await bot.telegram.setWebhook(`http://127.0.0.1:${port}/tg-hook`, { secret_token: 'rahasia_123' });

    tg.userSends(group, sari, 'ping');
    const reply = await tg.waitFor(() => tg.lastBotMessage(group));

    expect(reply.text).toBe('pong ping');
    // The reply is sent while the delivery is still open; the 200 is recorded once it completes.
    await tg.waitFor(() => tg.webhookDeliveries.length === 2);
    expect(secrets).toEqual(['rahasia_123', 'rahasia_123']);
    expect(tg.webhookDeliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    const info = await bot.telegram.getWebhookInfo();
    expect(info).toMatchObject({ url: `http://127.0.0.1:${port}/tg-hook`, pending_update_count: 0 });
    expect(info.last_error_message).toMatch(/500/);
    const conflict = await bot.telegram.getUpdates(0, 100, 0, undefined).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TelegramError);
    expect((conflict as TelegramError).code).toBe(409);
  });

  it('webhook: a wrong secret is refused by telegraf and the update dropped after the retries', async () => {
    const bot = newBot();
    bot.on(message('text'), (ctx) => ctx.reply('should not happen'));
    const port = await listen(createServer(bot.webhookCallback('/tg-hook', { secretToken: 'benar' })));
    await bot.telegram.setWebhook(`http://127.0.0.1:${port}/tg-hook`, { secret_token: 'salah' });

    tg.userSends(group, sari, 'ping');
    await tg.waitFor(() => tg.webhookDeliveries.some((d) => d.dropped), 2000, 'update dropped');

    expect(tg.webhookDeliveries.map((d) => d.status)).toEqual([403, 403, 403, 403]);
    expect(tg.lastBotMessage(group)).toBeUndefined();
    expect(tg.pendingUpdates()).toEqual([]);
  });

  it('webhook reply: a method in the webhook response body is executed', async () => {
    const bot = newBot(true);
    bot.action('ok', (ctx) => ctx.answerCbQuery('lewat webhook'));
    const card = await bot.telegram.sendMessage(group.id, 'Kartu', Markup.inlineKeyboard([Markup.button.callback('OK', 'ok')]));
    const port = await listen(createServer(bot.webhookCallback('/h')));
    await bot.telegram.setWebhook(`http://127.0.0.1:${port}/h`);

    const queryId = tg.userPresses(group, sari, card, 'ok');
    const answer = await tg.waitFor(() => tg.callbackAnswers.get(queryId));

    expect(answer.text).toBe('lewat webhook');
    expect(tg.callsTo('answerCallbackQuery')[0]?.via).toBe('webhook-reply');
  });

  it('a 429 from the fake is a TelegramError with parameters.retry_after', async () => {
    const bot = newBot();
    tg.failNext('sendMessage', { status: 429, retryAfter: 7 });

    const err = await bot.telegram.sendMessage(group.id, 'halo').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TelegramError);
    expect((err as TelegramError).code).toBe(429);
    expect((err as TelegramError).description).toBe('Too Many Requests: retry after 7');
    expect((err as TelegramError).parameters?.retry_after).toBe(7);
    expect(tg.messagesIn(group)).toEqual([]);
    await bot.telegram.sendMessage(group.id, 'halo');
    expect(tg.lastMessage(group)?.text).toBe('halo');
  });

  it('a duplicate (injected) update reaches a polling bot twice', async () => {
    const seen: number[] = [];
    const bot = newBot();
    bot.on(message('text'), (ctx) => {
      seen.push(ctx.update.update_id);
    });
    await launchPolling(bot);

    tg.userSends(group, sari, 'satu');
    await tg.waitFor(() => seen.length === 1);
    tg.injectUpdate(tg.updates[0]!);
    await tg.waitFor(() => seen.length === 2);

    expect(seen[1]).toBe(seen[0]);
  });
});

describe('fake Bot API behaviour', () => {
  it('answers a wrong token with 401 and an unknown method with 404', async () => {
    expect(await api('getMe', {}, '1:wrong')).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect(await api('sendTelepathy')).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
    expect((await api('GETME')).body.result).toMatchObject({ id: tg.bot.id, is_bot: true, username: 'fake_test_bot' });
  });

  it('long polls: returns as soon as an update is queued, honours offset, limit and negative offsets', async () => {
    const started = Date.now();
    const poll = api('getUpdates', { timeout: 5 });
    await tg.waitFor(() => tg.callsTo('getUpdates').length === 1);
    setTimeout(() => tg.userSends(group, sari, 'halo'), 50);
    const first = await poll;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(first.body.result).toHaveLength(1);
    const id = first.body.result[0].update_id as number;

    tg.userSends(group, sari, 'dua');
    tg.userSends(group, sari, 'tiga');
    expect((await api('getUpdates', { offset: id + 1, limit: 1 })).body.result.map((u: any) => u.message.text)).toEqual(['dua']);
    expect((await api('getUpdates', { offset: -1 })).body.result.map((u: any) => u.message.text)).toEqual(['tiga']);
    expect((await api('getUpdates', { offset: id + 4 })).body.result).toEqual([]);

    const timedOut = Date.now();
    expect((await api('getUpdates', { timeout: 1 })).body.result).toEqual([]);
    expect(Date.now() - timedOut).toBeGreaterThanOrEqual(900);
  });

  it('a second getUpdates ends the waiting one with 409, like two bot instances', async () => {
    const first = api('getUpdates', { timeout: 5 });
    await tg.waitFor(() => tg.callsTo('getUpdates').length === 1);
    await api('getUpdates', { timeout: 0 });
    expect((await first).body).toMatchObject({ ok: false, error_code: 409 });
  });

  it('allowed_updates filters what gets queued', async () => {
    await api('getUpdates', { allowed_updates: ['callback_query'] });
    const card = (await api('sendMessage', { chat_id: group.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'a', callback_data: 'a' }]] } })).body.result;
    tg.userSends(group, sari, 'diabaikan');
    tg.userPresses(group, sari, card.message_id, 'a');
    const updates = (await api('getUpdates')).body.result;
    expect(updates.map((u: any) => Object.keys(u)[1])).toEqual(['callback_query']);
  });

  it('parses urlencoded and multipart bodies', async () => {
    const form = new URLSearchParams({ chat_id: String(group.id), text: 'form', reply_markup: JSON.stringify({ force_reply: true }) });
    const res = await fetch(`${tg.apiRoot}/bot${tg.token}/sendMessage`, { method: 'POST', body: form });
    expect(((await res.json()) as ApiAnswer['body']).result).toMatchObject({ text: 'form' });
    expect(tg.callsTo('sendMessage')[0]?.params.reply_markup).toEqual({ force_reply: true });

    const multipart = new FormData();
    multipart.set('chat_id', String(group.id));
    multipart.set('document', new Blob([Buffer.from('isi\r\nberkas')], { type: 'text/plain' }), 'catatan rapat.txt');
    const up = (await (await fetch(`${tg.apiRoot}/bot${tg.token}/sendDocument`, { method: 'POST', body: multipart })).json()) as ApiAnswer['body'];
    expect(up.result.document).toMatchObject({ file_name: 'catatan rapat.txt', mime_type: 'text/plain', file_size: 11 });
    const file = (await api('getFile', { file_id: up.result.document.file_id })).body.result;
    const download = await fetch(`${tg.apiRoot}/file/bot${tg.token}/${file.file_path}`);
    expect(await download.text()).toBe('isi\r\nberkas');

    // Resending by file_id reuses the stored file.
    const again = (await api('sendDocument', { chat_id: group.id, document: up.result.document.file_id })).body.result;
    expect(again.document.file_id).toBe(up.result.document.file_id);
  });

  it('getFile refuses files over 20 MB; photos come as several sizes', async () => {
    const big = tg.userUploads(group, sari, { fileName: 'arsip.zip', bytes: 'kecil', fileSize: 21 * 1024 * 1024 });
    expect(await api('getFile', { file_id: big.document!.file_id })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: file is too big' },
    });
    const photo = tg.userUploads(group, sari, { fileName: 'foto.jpg', bytes: 'jpeg', asPhoto: true, caption: 'bukti' });
    expect(photo.photo!.length).toBeGreaterThan(1);
    const largest = (await api('getFile', { file_id: photo.photo!.at(-1)!.file_id })).body.result;
    expect(largest.file_path).toMatch(/^photos\/.+\.jpg$/);
  });

  it('injected faults: 500 a number of times, connection reset, and an answer lost after processing', async () => {
    tg.failNext('getMe', { status: 500 }, 2);
    expect((await api('getMe')).status).toBe(500);
    expect((await api('getMe')).status).toBe(500);
    expect((await api('getMe')).status).toBe(200);

    tg.failNext('*', { reset: true });
    await expect(api('getChat', { chat_id: group.id })).rejects.toThrow();

    tg.failNext('sendMessage', { status: 502, afterProcessing: true });
    expect((await api('sendMessage', { chat_id: group.id, text: 'terkirim' })).status).toBe(502);
    expect(tg.lastMessage(group)?.text).toBe('terkirim');
  });

  it('outages: 502 while down, refused connections in reset mode, recovery after setOutage', async () => {
    tg.down();
    expect(await api('getMe')).toMatchObject({ status: 502, body: { error_code: 502 } });
    tg.down('reset');
    await expect(api('getMe')).rejects.toThrow();
    tg.up();
    expect((await api('getMe')).status).toBe(200);

    tg.setOutage(100);
    expect((await api('getMe')).status).toBe(502);
    await tg.waitFor(async () => (await api('getMe')).status === 200, 1000);
  });

  it('rate limits per chat and globally when enforced', async () => {
    tg.enforceRateLimits({ perChatPerMinute: 3, globalPerSecond: 5 });
    const other = tg.addGroup({ title: 'Lain' });
    for (let i = 0; i < 3; i++) expect((await api('sendMessage', { chat_id: group.id, text: `m${i}` })).status).toBe(200);
    const limited = await api('sendMessage', { chat_id: group.id, text: 'lagi' });
    expect(limited.status).toBe(429);
    expect(limited.body.parameters?.retry_after).toBeGreaterThan(50);
    expect(limited.body.description).toMatch(/^Too Many Requests: retry after \d+$/);

    expect((await api('sendMessage', { chat_id: other.id, text: 'a' })).status).toBe(200);
    expect((await api('sendMessage', { chat_id: other.id, text: 'b' })).status).toBe(200);
    const global = await api('sendMessage', { chat_id: other.id, text: 'c' });
    expect(global).toMatchObject({ status: 429, body: { parameters: { retry_after: 1 } } });
  });

  it('edits: recorded, "not modified" like Telegram, only the bot\'s own messages', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'Setuju', callback_data: 'ya' }]] };
    const card = (await api('sendMessage', { chat_id: group.id, text: 'Kartu', reply_markup: keyboard })).body.result;
    const same = await api('editMessageText', { chat_id: group.id, message_id: card.message_id, text: 'Kartu', reply_markup: keyboard });
    expect(same.body.description).toMatch(/^Bad Request: message is not modified/);

    await api('editMessageReplyMarkup', { chat_id: group.id, message_id: card.message_id });
    expect(tg.message(group, card.message_id)?.reply_markup).toBeUndefined();
    expect(tg.edits).toHaveLength(1);

    const userMessage = tg.userSends(group, sari, 'punya Sari');
    expect((await api('editMessageText', { chat_id: group.id, message_id: userMessage.message_id, text: 'x' })).body.description).toBe(
      "Bad Request: message can't be edited",
    );
    expect((await api('editMessageText', { chat_id: group.id, message_id: 999, text: 'x' })).body.description).toBe(
      'Bad Request: message to edit not found',
    );
    const tooLong = await api('sendMessage', { chat_id: group.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'a', callback_data: 'x'.repeat(65) }]] } });
    expect(tooLong.body.description).toBe('Bad Request: BUTTON_DATA_INVALID');
  });

  it('parse modes store plain text plus entities and reject malformed markup', async () => {
    const html = (await api('sendMessage', { chat_id: group.id, text: '<b>Tugas</b> &lt;A&amp;B&gt; <a href="https://x.id">lihat</a>', parse_mode: 'HTML' })).body.result;
    expect(html.text).toBe('Tugas <A&B> lihat');
    expect(html.entities).toEqual([
      { type: 'bold', offset: 0, length: 5 },
      { type: 'text_link', offset: 12, length: 5, url: 'https://x.id' },
    ]);
    expect((await api('sendMessage', { chat_id: group.id, text: 'a < b', parse_mode: 'HTML' })).body.description).toMatch(
      /^Bad Request: can't parse entities: Unsupported start tag/,
    );
    expect((await api('sendMessage', { chat_id: group.id, text: '*Langkah 1.*', parse_mode: 'MarkdownV2' })).body.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    const md = (await api('sendMessage', { chat_id: group.id, text: '*Langkah 1\\.* _oleh_ `kode`', parse_mode: 'MarkdownV2' })).body.result;
    expect(md.text).toBe('Langkah 1. oleh kode');
    expect(md.entities.map((e: any) => e.type)).toEqual(['bold', 'italic', 'code']);
  });

  it('forum topics: thread ids, topic replies, and unknown threads', async () => {
    const forum = tg.addGroup({ title: 'Forum SOP', forum: true });
    const topic = tg.addTopic(forum, 'Cuti');
    const sent = (await api('sendMessage', { chat_id: forum.id, text: 'di topik', message_thread_id: topic })).body.result;
    expect(sent).toMatchObject({ message_thread_id: topic, is_topic_message: true });

    const fromUser = tg.userSends(forum, sari, 'balas', { threadId: topic });
    // Telegram points reply_to_message at the topic's creation message.
    expect(fromUser.reply_to_message?.forum_topic_created?.name).toBe('Cuti');
    const reply = tg.userSends(forum, sari, 'jawab', { replyTo: sent });
    expect(reply.message_thread_id).toBe(topic);
    expect(tg.messagesIn(forum, topic).map((m) => m.text)).toEqual([undefined, 'di topik', 'balas', 'jawab']);
    expect((await api('sendMessage', { chat_id: forum.id, text: 'x', message_thread_id: 999 })).body.description).toBe(
      'Bad Request: message thread not found',
    );
  });

  it('members, private chats and blocked users', async () => {
    tg.setMember(group, sari, 'administrator');
    const budi = tg.addUser({ first_name: 'Budi' });
    expect((await api('getChatMember', { chat_id: group.id, user_id: sari.id })).body.result.status).toBe('administrator');
    expect((await api('getChatMember', { chat_id: group.id, user_id: budi.id })).body.result.status).toBe('left');

    expect((await api('sendMessage', { chat_id: budi.id, text: 'hai' })).body).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot can't initiate conversation with a user",
    });
    tg.addPrivateChat(budi);
    expect((await api('sendMessage', { chat_id: budi.id, text: 'hai' })).status).toBe(200);
    tg.blockBot(budi);
    expect((await api('sendMessage', { chat_id: budi.id, text: 'hai' })).body.description).toBe('Forbidden: bot was blocked by the user');
    expect((await api('getChat', { chat_id: 42 })).body.description).toBe('Bad Request: chat not found');
  });

  it('privacy mode: a non-admin bot only sees commands, mentions and replies to itself', async () => {
    const strict = await startFakeTelegram({ privacyMode: true });
    cleanups.push(() => strict.close());
    const room = strict.addGroup({ title: 'Privat' });
    const user = strict.addUser({ first_name: 'Ani' });
    const card = strict.userSends(room, user, 'obrolan biasa');
    strict.userSends(room, user, '/status');
    strict.userSends(room, user, `halo @${strict.bot.username!}`);
    expect(strict.updates.map((u) => u.message?.text)).toEqual(['/status', `halo @${strict.bot.username!}`]);
    strict.setMember(room, strict.bot, 'administrator');
    strict.userSends(room, user, 'sekarang terlihat', { replyTo: card });
    expect(strict.updates).toHaveLength(3);
  });

  it('waitFor fails with a clear message; reset empties the world', async () => {
    await api('getMe');
    await expect(tg.waitFor(() => false, 50, 'a card that never comes')).rejects.toThrow(
      /waitFor timed out after 50 ms: a card that never comes[\s\S]*recent calls: getMe → 200/,
    );
    tg.reset();
    expect(tg.calls).toEqual([]);
    expect(() => tg.messagesIn(group)).toThrow(/unknown chat/);
  });
});
