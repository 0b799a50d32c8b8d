/**
 * The Slack channel's pure parts: the v0 signature check, button values, the Block Kit card,
 * and how Slack's errors are classified for the dispatcher.
 */
import { webApi } from '@slack/bolt';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodePress, encodePress } from '../../src/channels/slack/action-value.js';
import { SLASH_COMMAND } from '../../src/channels/slack/bot.js';
import { SLACK_EVENTS_PATH, verifySlackSignature } from '../../src/channels/slack/receiver.js';
import { escapeMrkdwn, homeView, renderCardBlocks } from '../../src/channels/slack/render.js';
import { SLACK_LIMITS, classify } from '../../src/channels/slack/transport.js';
import type { Card } from '../../src/messages/card.js';
import { blocksText, buttonsOf } from '../support/fake-slack.js';
import { overflowsOf } from '../support/fake-slack/blocks.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const sign = (ts: number, body: string, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;

describe('verifySlackSignature', () => {
  const now = new Date('2026-11-23T03:00:00Z');
  const ts = Math.floor(now.getTime() / 1000);
  const body = Buffer.from('token=x&command=%2Fsop&text=tugas');

  it('accepts the signature Slack makes, within five minutes either way', () => {
    expect(verifySlackSignature(SECRET, { signature: sign(ts, body.toString()), timestamp: String(ts) }, body, now)).toEqual({ ok: true });
    expect(verifySlackSignature(SECRET, { signature: sign(ts - 300, body.toString()), timestamp: String(ts - 300) }, body, now).ok).toBe(true);
  });

  it('refuses missing, stale, forged, wrongly keyed and tampered requests', () => {
    const check = (signature: string | undefined, timestamp: string | undefined, b = body) => verifySlackSignature(SECRET, { signature, timestamp }, b, now);
    expect(check(undefined, String(ts))).toEqual({ ok: false, reason: 'missing' });
    expect(check(sign(ts, body.toString()), undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check(sign(ts, body.toString()), 'soon')).toEqual({ ok: false, reason: 'missing' });
    expect(check(sign(ts - 301, body.toString()), String(ts - 301))).toEqual({ ok: false, reason: 'stale' });
    expect(check(sign(ts + 301, body.toString()), String(ts + 301))).toEqual({ ok: false, reason: 'stale' });
    expect(check(`v0=${'0'.repeat(64)}`, String(ts))).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(sign(ts, body.toString(), 'another-secret'), String(ts))).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(sign(ts, body.toString()), String(ts), Buffer.from(`${body.toString()}&x=1`))).toEqual({ ok: false, reason: 'mismatch' });
    expect(check('v0=short', String(ts))).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('button values', () => {
  it('round-trip every press and refuse anything else', () => {
    for (const press of [
      { kind: 'task', taskId: 12, version: 3, action: 'complete' },
      { kind: 'task', taskId: 12, version: 3, action: 'return' },
      { kind: 'task', taskId: 7, version: 0, action: 'choose', branchIndex: 1 },
      { kind: 'slot', promptId: 99, slotIndex: 2 },
      { kind: 'position', caseId: 4321 },
      { kind: 'sheet', sopIndex: 3 },
      { kind: 'case-sheet', caseId: 17 },
    ] as const) {
      expect(decodePress(encodePress(press).value)).toEqual(press);
    }
    expect(encodePress({ kind: 'position', caseId: 4321 })).toEqual({ actionId: 'file:p:4321', value: 'p:4321' });
    for (const junk of [undefined, '', 't:1:2', 't:x:1:c', 't:1:1:z', 's:1', 'n:1', `t:1:1:c${'x'.repeat(80)}`, 't:-1:1:c', 'p:', 'p:1:2', 'p:x', 'constructor:1', 'toString:1']) {
      expect(decodePress(junk)).toBeNull();
    }
  });
});

const card: Card = {
  taskId: 41,
  caseId: 12,
  taskVersion: 2,
  caseRef: 'KUMHAM-2026-0007',
  caseTitle: 'Gelombang <2> & lanjutan',
  sopName: 'PELAKSANAAN PENILAIAN KOMPETENSI OLEH ASESOR',
  sopNomor: 'SDM-307-OT.02.02 TAHUN 2024',
  step: { id: '5', index: 5, total: 10, kegiatan: 'Intake data', visit: 2 },
  roles: ['ASESOR ADMIN'],
  roleInferred: false,
  kelengkapan: [
    { name: 'DRH', present: true, documents: [{ id: 1, fileName: 'drh.pdf', sizeBytes: 10 }] },
    { name: 'CI', present: false, documents: [] },
  ],
  outputs: [{ name: 'data hasil penilaian kompetensi', document: true, uploaded: [] }],
  waktu: '1 Hari (1 hari kerja)',
  due: 'Selasa, 24 November 2026 10.00 WIB',
  dueToBeSet: false,
  keterangan: 'OLEH ADMIN 1:30',
  returnReason: 'Data belum lengkap',
  confirmations: [],
  actions: [{ type: 'complete' }, { type: 'choose', branch: 'Diterima', index: 0 }],
  outcome: null,
};

describe('the Block Kit card', () => {
  it('carries the same content as the Telegram card, escaped, with one button per allowed action', () => {
    const blocks = renderCardBlocks(card);
    const text = blocksText(blocks as never);
    expect(text).toContain('📋 *KUMHAM-2026-0007* · Gelombang &lt;2&gt; &amp; lanjutan');
    expect(text).toContain('*Kegiatan 5 (langkah 5 dari 10), putaran ke-2*');
    expect(text).toContain('↩️ Dikembalikan dengan alasan: _Data belum lengkap_');
    expect(text).toContain('✅ DRH (drh.pdf)');
    expect(text).toContain('⬜ CI');
    expect(text).toContain('⬜ data hasil penilaian kompetensi: belum ada');
    expect(text).toContain('📅 Batas: Selasa, 24 November 2026 10.00 WIB');
    expect(text).toContain('ℹ️ Keterangan: OLEH ADMIN 1:30');
    expect(text).toContain('Kirim berkas di utas');
    const buttons = buttonsOf(blocks as never);
    expect(buttons.map((b) => [b.text.text, b.action_id, b.value])).toEqual([
      ['✅ Selesai', 'task:c', 't:41:2:c'],
      ['Diterima', 'task:b0', 't:41:2:b0'],
    ]);
    // Beside the buttons, the menu (⋮): where the case stands, and its SOP's sheet.
    expect(overflowsOf(blocks as never).map((m) => m.options.map((o) => [o.text.text, o.value]))).toEqual([
      [
        ['Posisi kasus pada bagan SOP', 'p:12'],
        ['Lembar SOP', 'l:12'],
      ],
    ]);
  });

  it('loses its buttons once closed and says who did what', () => {
    const closed = renderCardBlocks({
      ...card,
      actions: [],
      outcome: { action: 'returned', by: 'Budi (ASESOR ADMIN)', at: 'Selasa, 24 November 2026 09.00 WIB', branch: null, comment: 'Ulangi' },
    });
    expect(buttonsOf(closed as never)).toEqual([]);
    expect(overflowsOf(closed as never)).toEqual([]);
    const text = blocksText(closed as never);
    expect(text).toContain('*Dikembalikan oleh Budi (ASESOR ADMIN) pada Selasa, 24 November 2026 09.00 WIB*');
    expect(text).toContain('Alasan: _Ulangi_');
    expect(text).not.toContain('Kirim berkas di utas');
  });

  it("keeps within Slack's limits for long SOP texts", () => {
    const long = renderCardBlocks({ ...card, step: { ...card.step, kegiatan: 'x'.repeat(5000) } });
    for (const b of long as { text?: { text: string } }[]) expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    expect(escapeMrkdwn('<@U1> & <!channel>')).toBe('&lt;@U1&gt; &amp; &lt;!channel&gt;');
  });

  it('puts overdue tasks first on the Home tab as given, and caps the list', () => {
    const task = { caseRef: 'X-1', caseTitle: 't', step: 'Kegiatan 1', kegiatan: 'k', roles: ['R'], due: null, overdue: false };
    const view = homeView(['JF MADYA'], Array.from({ length: 45 }, () => task));
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(blocksText(view.blocks as never)).toContain('…dan 5 tugas lain');
  });
});

describe("Slack's errors for the dispatcher", () => {
  const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });

  it('turns a 429 into a wait of exactly Retry-After', () => {
    expect(classify(new webApi.WebAPIRateLimitedError(7))).toMatchObject({ retryAfterSeconds: 7, permanent: false });
  });

  it('gives up at once where no retry can help, and retries the rest', () => {
    for (const code of ['channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'message_not_found', 'invalid_blocks']) {
      expect(classify(platform(code))).toMatchObject({ permanent: true, message: `slack: ${code}` });
    }
    for (const code of ['internal_error', 'fatal_error', 'service_unavailable']) {
      expect(classify(platform(code)).permanent).toBe(false);
    }
    expect(classify(new webApi.WebAPIHTTPError(503, 'Service Unavailable', {})).permanent).toBe(false);
    expect(classify(new Error('socket hang up'))).toMatchObject({ permanent: false });
  });

  it('sends about one message per second into a channel', () => {
    expect(SLACK_LIMITS).toEqual({ perChatPerMinute: 60 });
  });
});

describe('the app manifest', () => {
  it('asks Slack for what the app handles, at the path it listens on', () => {
    const manifest = parse(readFileSync(new URL('../../src/channels/slack/manifest.yaml', import.meta.url), 'utf8'));
    const command = manifest.features.slash_commands[0];
    expect(command.command).toBe(SLASH_COMMAND);
    for (const url of [command.url, manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url]) {
      expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    }
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['app_home_opened', 'message.channels']));
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'files:read', 'files:write', 'users:read', 'channels:read', 'channels:history']),
    );
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
