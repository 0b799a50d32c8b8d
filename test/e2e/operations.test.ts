/**
 * What the agency's IT staff watch: /healthz, /readyz naming the part that is down, /metrics in
 * Prometheus format, and logs that never carry the bot token.
 */
import { Relay } from '../support/relay.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, onRealPostgres } from '../support/db.js';
import { TelegramWorld } from '../support/telegram-world.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const base = (w: TelegramWorld) => `http://127.0.0.1:${w.service.http.port}`;

describe('health and metrics', () => {
  it('says healthy and ready part by part, and counts cases, actions and messages', async () => {
    world = await TelegramWorld.start();
    const w = world;
    expect((await fetch(`${base(w)}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base(w)}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', parts: { database: true, migrations: true, telegram: true }, notReady: [] });

    await w.bindGroup('kepala_balai');
    await w.bindGroup('kasie');
    const { caseRef } = await w.core.service.startCase('pupr', 'Uji metrik', { channel: 'cli', userId: 'admin', name: 'Admin' });
    await w.card('kasie', caseRef, '1');

    const metrics = await (await fetch(`${base(w)}/metrics`)).text();
    expect(metrics).toContain('sopbot_open_cases{sop="pupr"} 1');
    expect(metrics).toContain('sopbot_open_tasks{sop="pupr"} 1');
    expect(metrics).toMatch(/sopbot_action_duration_seconds_count\{action="start",outcome="ok"\} 1/);
    expect(metrics).toMatch(/sopbot_messages_total\{platform="telegram",kind="card",result="sent"\} 1/);
    expect(metrics).toContain('# TYPE sopbot_outbox_oldest_pending_seconds gauge');
    expect(metrics).toContain('sopbot_process_resident_memory_bytes');
  }, 60_000);
});

describe('the logs', () => {
  it('carry what happened but never the bot token, even in file links', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    world = await TelegramWorld.start({ logger: pino({ level: 'debug' }, sink) });
    const w = world;
    await w.bindGroup('kasie');
    const { caseRef } = await w.core.service.startCase('pupr', 'Uji log', { channel: 'cli', userId: 'admin', name: 'Admin' });
    const card = await w.card('kasie', caseRef, '1');
    await w.upload('kasie', card, 'Format Rekap.pdf', 'Format Rekap');
    // A failing download logs its error: the link it failed on embeds the token.
    w.tg.failNext('getFile', { status: 500 });
    const kasie = w.desk('kasie');
    const sent = w.tg.userUploads(kasie.chat, kasie.person, { fileName: 'gagal.pdf', bytes: '%PDF', replyTo: card });
    const question = await w.tg.waitFor(() => w.botMessages(kasie.chat).find((m) => m.reply_to_message?.message_id === sent.message_id), 20_000, 'slot question');
    const slot = question.reply_markup!.inline_keyboard.flat().find((b) => b.text === 'Format Laporan')!;
    w.tg.userPresses(kasie.chat, kasie.person, question, slot.callback_data!);
    await w.tg.waitFor(() => lines.some((l) => l.includes('unduhan file Telegram gagal')), 20_000, 'the failed download is logged');
    // The person is told to send it again; only then is the next fault armed, or that answer would take it.
    await w.tg.waitFor(() => w.botSaid(kasie.chat, 'tidak dapat diunduh dari Telegram'), 20_000, 'the download apology');

    // A platform call that fails names the method and the chat: a command's answer…
    w.tg.failNext('sendMessage', { status: 500 });
    w.tg.userSends(kasie.chat, kasie.person, '/tugas');
    const failedReply = await w.tg.waitFor(
      () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'penanganan update Telegram gagal'),
      20_000,
      'the failed reply is logged',
    );
    expect(failedReply).toMatchObject({ method: 'sendMessage', chatId: kasie.chat.id });
    // The person is told to try again (that answer goes through before the next fault is armed).
    await w.tg.waitFor(() => w.botSaid(kasie.chat, 'Terjadi kesalahan'), 20_000, 'the apology');
    // …and a card the dispatcher could not deliver.
    w.tg.failNext('sendMessage', { status: 500 });
    await w.core.service.startCase('pupr', 'Uji log kedua', { channel: 'cli', userId: 'admin', name: 'Admin' });
    const failedCard = await w.tg.waitFor(
      () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'pengiriman gagal; akan dicoba lagi'),
      20_000,
      'the failed delivery is logged',
    );
    expect(failedCard).toMatchObject({ method: 'sendMessage', chatId: String(kasie.chat.id), kind: 'card', platform: 'telegram' });

    const log = lines.join('');
    expect(log).toContain('SOP bot berjalan');
    const secretPart = w.tg.token.split(':')[1]!;
    expect(log).not.toContain(secretPart);
    // Every line speaks the service's language.
    const english = /\b(the|could not|failed|will retry|given up|is bound|waits)\b/i;
    for (const line of lines) expect(String((JSON.parse(line) as { msg?: string }).msg ?? ''), line).not.toMatch(english);
  }, 60_000);
});

describe('readiness follows the database', () => {
  it.skipIf(!onRealPostgres)('goes not-ready when the database goes away and ready when it is back', async () => {
    const direct = await createTestDatabase();
    const url = new URL(direct.url!);
    const relay = await Relay.start({ host: url.hostname, port: Number(url.port) });
    const viaRelay = new URL(direct.url!);
    viaRelay.port = String(relay.port);
    const database = await openDatabase({ url: viaRelay.toString(), maxConnections: 2 });
    world = await TelegramWorld.start({
      database: {
        ...database,
        close: async () => {
          await database.close();
          await direct.close();
        },
      },
    });
    const w = world;
    const readyz = async () => {
      const r = await fetch(`${base(w)}/readyz`);
      return { status: r.status, body: (await r.json()) as { notReady: string[] } };
    };
    expect((await readyz()).status).toBe(200);

    await relay.down();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.notReady).toEqual(['database', 'migrations']);
    // The process stays up meanwhile.
    expect((await fetch(`${base(w)}/healthz`)).status).toBe(200);

    await relay.up();
    await w.tg.waitFor(async () => (await readyz()).status === 200, 20_000, 'ready again');
    await relay.down().catch(() => {});
    await relay.up();
  }, 60_000);
});
