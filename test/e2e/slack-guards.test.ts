/**
 * What guards the Slack channel: requests without a valid v0 signature or older than five
 * minutes get 401 and change nothing; Slack's redeliveries of an event change nothing; every
 * interaction is acknowledged within Slack's 3 seconds even when the workflow is slow; the
 * dispatcher waits out a 429's Retry-After and gives up at once on a channel that cannot take
 * messages; a Slack outage at start only delays readiness.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowService } from '../../src/service/workflow-service.js';
import { buttonsOf, type Tamper } from '../support/fake-slack.js';
import { SlackWorld, textOf } from '../support/slack-world.js';
import * as outbox from '../../src/db/queries/outbox.js';
import { listBindings } from '../../src/db/queries/bindings.js';

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WAIT = 20_000;

describe('signed requests', () => {
  it('answers 401 to forged, stale, unsigned and wrongly keyed requests, and nothing changes', async () => {
    world = await SlackWorld.start();
    const w = world;
    const person = w.slack.addUser({ name: 'petugas.madya', realName: 'Petugas Madya' });
    const channel = w.slack.addChannel({ name: 'sop-jf-madya', members: [person] });
    const code = await w.pairingCode('jf_madya');

    const tampers: Tamper[] = ['forged', 'stale', 'missing', 'wrong-secret'];
    for (const tamper of tampers) {
      expect((await w.slack.runCommand(person, channel, `daftar ${code}`, { tamper })).status).toBe(401);
      expect((await w.slack.openHome(person, { tamper })).status).toBe(401);
    }
    await w.settled();
    expect(await listBindings(w.core.database.db)).toEqual([]);
    expect(w.slack.ephemerals).toEqual([]);
    expect(w.slack.callsOf('views.publish')).toEqual([]);

    // Slack's URL check, signed, gets its challenge back.
    const check = await w.slack.app.raw(JSON.stringify({ type: 'url_verification', challenge: 'tantangan-123', token: 'x' }), 'application/json');
    expect(check).toMatchObject({ status: 200, body: JSON.stringify({ challenge: 'tantangan-123' }) });

    // The code was not spent: the properly signed command binds the channel.
    w.desks.set('jf_madya', { role: 'jf_madya', channel, person });
    expect((await w.slack.runCommand(person, channel, `daftar ${code}`)).status).toBe(200);
    await w.slack.waitFor(() => w.botSaid(channel, 'terdaftar sebagai *JF MADYA*'), WAIT, 'binding');

    // A forged or stale click on a real card does nothing either.
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji tanda tangan');
    const card = await w.card('jf_madya', ref, '1');
    await w.upload('jf_madya', card, 'disposisi.pdf');
    const ready = await w.slack.waitFor(() => (textOf(w.slack.message(channel, card.ts)!).includes('✅ Disposisi:') ? w.slack.message(channel, card.ts) : undefined), WAIT, 'upload shown');
    for (const tamper of ['forged', 'stale'] as const) {
      expect((await w.slack.click(person, ready, 'Selesai', { tamper })).status).toBe(401);
    }
    await w.settled();
    expect((await w.core.service.caseDetails(ref)).tasks.map((t) => t.status)).toEqual(['open']);
    expect(buttonsOf(w.slack.message(channel, card.ts)!.blocks)).toHaveLength(1);
    expect(w.slack.app.deliveries.filter((d) => d.tamper).every((d) => d.status === 401)).toBe(true);
  }, 60_000);
});

describe("Slack's retries", () => {
  it('handles a redelivered event (X-Slack-Retry-Num) once', async () => {
    world = await SlackWorld.start();
    const w = world;
    const desk = await w.bindChannel('jf_madya');
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji pengiriman ulang');
    const card = await w.card('jf_madya', ref, '1');

    const shared = w.slack.shareFile(desk.person, desk.channel, { name: 'disposisi.pdf', bytes: '%PDF disposisi', threadTs: card.ts }, { eventId: 'Ev0RETRY0001' });
    expect((await shared.delivered).status).toBe(200);
    for (const retryNum of [1, 2, 3]) {
      const again = await w.slack.deliverEvent(shared.event, { eventId: 'Ev0RETRY0001', retryNum, retryReason: 'http_timeout' });
      expect(again.status).toBe(200);
    }
    await w.settled();
    await w.slack.waitFor(() => w.slack.botMessages(desk.channel, { thread: card.ts }).some((m) => textOf(m).includes('tersimpan')), WAIT, 'acknowledgement');
    await w.settled();
    expect(w.slack.botMessages(desk.channel, { thread: card.ts }).filter((m) => textOf(m).includes('tersimpan'))).toHaveLength(1);
    expect((await w.core.service.caseDetails(ref)).documents).toHaveLength(1);
    expect(w.slack.callsOf('files.info')).toHaveLength(1);
    expect(w.slack.downloads).toHaveLength(1);

    // The same for the Home tab: one publish per event id.
    const before = w.slack.callsOf('views.publish').length;
    await w.slack.openHome(desk.person, { eventId: 'Ev0HOME0001' });
    await w.slack.openHome(desk.person, { eventId: 'Ev0HOME0001', retryNum: 1 });
    await w.settled();
    expect(w.slack.callsOf('views.publish').length).toBe(before + 1);
  }, 60_000);
});

describe('a slow workflow', () => {
  it('acknowledges every command, click, upload and form within 3 s; the work finishes after', async () => {
    const DELAY = 3_500;
    const slow = { on: false };
    world = await SlackWorld.start({
      prepare: (core) => {
        // The workflow's own transactions take longer than Slack waits for an ack.
        const service = core.service as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        for (const name of ['act', 'startCase', 'attachDocument', 'openTasks', 'caseDetails'] satisfies (keyof WorkflowService)[]) {
          const original = service[name]!.bind(core.service);
          service[name] = async (...args: unknown[]) => {
            if (slow.on) await new Promise((r) => setTimeout(r, DELAY));
            return original(...args);
          };
        }
      },
    });
    const w = world;
    const desk = await w.bindChannel('jf_madya');
    slow.on = true;

    const started = Date.now();
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji basis data lambat');
    expect(Date.now() - started).toBeGreaterThan(DELAY);
    const card = await w.card('jf_madya', ref, '1');
    await w.upload('jf_madya', card, 'disposisi.pdf');
    const current = await w.slack.waitFor(() => (textOf(w.slack.message(desk.channel, card.ts)!).includes('✅ Disposisi:') ? w.slack.message(desk.channel, card.ts) : undefined), WAIT, 'upload shown');
    const press = await w.press('jf_madya', current, 'Selesai');
    expect(press.ms).toBeLessThan(3000);
    await w.cardClosed('jf_madya', card, 'Diselesaikan oleh Petugas jf_madya');
    expect((await w.slack.runCommand(desk.person, desk.channel, 'tugas')).ms).toBeLessThan(3000);
    await w.whisperTo(desk.person, 'Tidak ada tugas terbuka');
    expect((await w.slack.runCommand(desk.person, desk.channel, `kasus ${ref}`)).ms).toBeLessThan(3000);
    await w.whisperTo(desk.person, `${ref} · Uji basis data lambat`);

    const deliveries = w.slack.app.deliveries;
    expect(deliveries.map((d) => d.kind)).toEqual(expect.arrayContaining(['command', 'interaction', 'event']));
    expect(deliveries.filter((d) => d.ms >= 3000)).toEqual([]);
  }, 90_000);
});

describe('delivery to Slack', () => {
  it("waits out a 429's Retry-After, and gives up at once on a channel that cannot take messages", async () => {
    world = await SlackWorld.start({ dispatcher: { backoff: { baseMs: 100 } } });
    const w = world;
    const madya = await w.bindChannel('jf_madya');
    const muda = await w.bindChannel('jf_muda');
    // Binding a channel the app was not invited to works, with a warning that cards cannot come yet.
    const asesor = await w.bindChannel('asesor', { appInvited: false });
    expect(await w.whisperTo(asesor.person, '/invite @sopbot')).toContain('belum menjadi anggota');
    expect(w.slack.ephemeralsFor(madya.person).some((m) => m.text.includes('/invite'))).toBe(false);

    // The first card (a message with blocks) is refused with a 429.
    w.slack.fail('chat.postMessage', { retryAfter: 1, when: (p) => p.blocks !== undefined });
    const ref = await w.startCase('jf_madya', 'kemenkumham', 'Uji batas kirim');
    const card = await w.card('jf_madya', ref, '1');
    const posts = w.slack.callsOf('chat.postMessage').filter((c) => c.params.channel === madya.channel.id);
    const limited = posts.find((c) => c.status === 429)!;
    const sent = posts.find((c) => c.ok && c.at > limited.at)!;
    expect(sent.at - limited.at).toBeGreaterThanOrEqual(1000);

    // The JF Muda's channel is archived before its card comes: no retry can help.
    muda.channel.archived = true;
    await w.upload('jf_madya', card, 'disposisi.pdf');
    const ready = await w.slack.waitFor(() => (textOf(w.slack.message(madya.channel, card.ts)!).includes('✅ Disposisi:') ? w.slack.message(madya.channel, card.ts) : undefined), WAIT, 'upload shown');
    await w.press('jf_madya', ready, 'Selesai');
    const { caseRow } = await w.core.service.caseDetails(ref);
    const dead = await w.slack.waitFor(
      async () => (await outbox.listOutbox(w.core.database.db, caseRow.id)).find((o) => o.chatId === muda.channel.id && o.kind === 'card' && o.status === 'dead'),
      WAIT,
      'the card to the archived channel given up',
    );
    expect(dead).toMatchObject({ attempts: 1, lastError: expect.stringContaining('is_archived') });
    expect(w.slack.callsOf('chat.postMessage').filter((c) => c.params.channel === muda.channel.id)).toHaveLength(1);
  }, 60_000);

  it('starts while Slack is unreachable, says it is not ready, and catches up', async () => {
    world = await SlackWorld.start({ beforeStart: (slack) => slack.fail('auth.test', { httpStatus: 503, times: 6 }) });
    const w = world;
    const readyz = async () => (await (await fetch(`http://127.0.0.1:${w.service.http.port}/readyz`)).json()) as { parts: Record<string, boolean> };
    expect(w.service.slack!.ready()).toBe(false);
    expect((await readyz()).parts.slack).toBe(false);
    // Commands work meanwhile.
    const desk = await w.bindChannel('jf_madya');
    expect(desk.channel.id).toMatch(/^C/);
    await w.slack.waitFor(() => w.service.slack!.ready(), WAIT, 'Slack ready');
    expect((await readyz()).parts.slack).toBe(true);
    // The client's own quick retries, then the channel's slower ones, until Slack answers.
    expect(w.slack.callsOf('auth.test').map((c) => c.status)).toEqual([503, 503, 503, 503, 503, 503, 200]);
  }, 60_000);
});

describe('Socket Mode', () => {
  it('is chosen by an app token: no HTTP endpoint, the connection is opened in the background', async () => {
    world = await SlackWorld.start({ env: { SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-1-A0SOPBOT-0000-fake' } });
    const w = world;
    expect(w.service.slack!.mode).toBe('socket');
    const res = await fetch(`http://127.0.0.1:${w.service.http.port}/slack/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    const open = await w.slack.waitFor(() => w.slack.callsOf('apps.connections.open')[0], WAIT, 'apps.connections.open');
    expect(open.ok).toBe(false);
    expect(w.service.slack!.ready()).toBe(false);
  }, 30_000);
});
