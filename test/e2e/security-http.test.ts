/**
 * The HTTP side as an outside review attacked it (issue 12, items 7, 11 and 13): a Telegram
 * webhook post with the right secret and a 60 MB body used to be buffered whole (130 MiB) before
 * a 415; a `null` body gave 500; /metrics and /readyz answered anyone on every interface; the
 * server could not be kept on loopback; one metric label read platform="peran".
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logging.js';
import { startService, type RunningService } from '../../src/server.js';
import { createTestCore } from '../support/test-core.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { SlackWorld } from '../support/slack-world.js';
import { TelegramWorld, WEBHOOK_SECRET } from '../support/telegram-world.js';
import { note } from '../reliability/report.js';

let world: TelegramWorld | undefined;
let running: { service: RunningService; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await world?.close();
  await running?.close();
  world = running = undefined;
});

/**
 * Streams up to `total` bytes to the URL in 64 KB chunks (chunked, or with the Content-Length
 * announced) and stops at the answer; resolves with the status and how much was sent by then.
 */
function streamBody(url: string, total: number, headers: Record<string, string>, announce: boolean): Promise<{ status: number | undefined; sent: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    let status: number | undefined;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve({ status, sent });
    };
    const req = request(url, { method: 'POST', headers: { ...headers, ...(announce ? { 'content-length': String(total) } : {}) } }, (res) => {
      status = res.statusCode;
      res.resume();
      res.on('end', () => {
        req.destroy();
        finish();
      });
    });
    req.on('error', finish);
    req.on('close', finish);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (sent < total && status === undefined && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (sent >= total) req.end();
    };
    pump();
  });
}

describe('request bodies are capped on every endpoint', () => {
  it('the Telegram webhook (with its secret) and the Slack endpoint answer 413 to a 60 MB body, announced or chunked, without reading it; null gets 400', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: '60 MB request bodies (issue 12 #7), announced and chunked, to the Telegram webhook with its secret, the Slack endpoint and an unknown path; and null, 42, [], a non-update and broken JSON with the secret', times: 11, held: '413 before reading an announced body; a chunked one cut off within a few MB (the server never held more than 2 MB of it); null / 42 / [] / non-update 400, broken JSON 415; a signed Slack null 400; the webhook worked afterwards' });
    const slack = await startFakeSlack();
    world = await TelegramWorld.start({ webhook: true, startScheduler: false, env: SlackWorld.env(slack) });
    const w = world;
    SlackWorld.attach(slack, w.core, w.service);
    const base = `http://127.0.0.1:${w.service.http.port}`;
    const secret = { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET, 'content-type': 'application/json' };
    const sixty = 60 * 1024 * 1024;

    for (const [path, headers] of [
      ['/telegram/webhook', secret],
      ['/slack/events', { 'content-type': 'application/json' }],
      ['/tidak-ada', {}],
    ] as const) {
      for (const announce of [true, false]) {
        const before = process.memoryUsage().rss;
        const r = await streamBody(`${base}${path}`, sixty, headers, announce);
        // A chunked body is cut off mid-stream: the client reads the 413, or (if the cut wins the race) sees the connection closed.
        const expected = path === '/tidak-ada' && !announce ? [404] : announce ? [413] : [413, undefined];
        expect(expected, `${path} ${announce ? 'announced' : 'chunked'}: ${r.status}`).toContain(r.status);
        // Stopped within a few MB of the 2 MB cap, nowhere near 60 MB.
        expect(r.sent, `${path} bytes sent before the answer`).toBeLessThan(16 * 1024 * 1024);
        expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
      }
    }

    const post = (body: string) => fetch(`${base}/telegram/webhook`, { method: 'POST', headers: secret, body });
    expect((await post('null')).status).toBe(400);
    expect((await post('42')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    expect((await post('{"bukan":"update"}')).status).toBe(400);
    expect((await post('{"update_id":')).status).toBe(415);
    // A signed Slack body of `null` is 400 too, not a handler crash.
    expect((await slack.app.raw('null', 'application/json')).status).toBe(400);

    // The webhook still works after all that.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await w.bindGroup('kabid');
    await slack.close();
  });
});

async function serviceWith(env: Record<string, string>): Promise<RunningService> {
  const dir = await mkdtemp(join(tmpdir(), 'sopbot-http-'));
  const core = await createTestCore({ dir, env: { PORT: '0', ...env } });
  const service = await startService(core.config, silentLogger, { core, startScheduler: false });
  running = {
    service,
    close: async () => {
      await service.stop();
      await core.database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return service;
}

describe('operational endpoints', () => {
  it('METRICS_TOKEN: /metrics needs the bearer token, /readyz shows its parts only with it', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: '/metrics and /readyz with METRICS_TOKEN (issue 12 #11): no token, a wrong one, the right one', times: 3, held: '401 without the right bearer token, metrics with it; /readyz shows its parts only with it' });
    const token = 'token-metrik-rahasia-123';
    const service = await serviceWith({ HOST: '127.0.0.1', METRICS_TOKEN: token });
    const base = `http://127.0.0.1:${service.http.port}`;
    const open = await fetch(`${base}/metrics`);
    expect(open.status).toBe(401);
    expect(await open.text()).not.toContain('sopbot_');
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer salah-salah-salah-salah' } })).status).toBe(401);
    const withToken = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
    expect(await withToken.text()).toContain('sopbot_outbox_messages');
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(await (await fetch(`${base}/readyz`, { headers: { authorization: `Bearer ${token}` } })).json()).toEqual({
      status: 'ready',
      parts: { database: true, migrations: true },
      notReady: [],
    });
  });

  it('METRICS_PORT: metrics on their own loopback listener, not on the public port; an unrouted row is platform="none"', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'METRICS_PORT: /metrics and /readyz asked on the public port, then on the metrics listener', times: 2, held: '404 on the public port (healthz still 200), served on loopback; an unrouted row labelled platform="none" (was "peran")' });
    const service = await serviceWith({ HOST: '127.0.0.1', METRICS_PORT: '0' });
    expect(service.http.metricsPort).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${service.http.port}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${service.http.port}/readyz`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${service.http.port}/healthz`)).status).toBe(200);
    // A case whose first role has no chat yet: its card waits unrouted.
    await service.core.service.startCase('pupr', 'Uji metrik', { channel: 'cli', userId: 'admin', name: 'Admin' });
    let metrics = '';
    // The dispatcher marks the row unrouted on its next round.
    for (let i = 0; i < 100 && !metrics.includes('status="unrouted"'); i++) {
      metrics = await (await fetch(`http://127.0.0.1:${service.http.metricsPort}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(metrics).toMatch(/sopbot_outbox_messages\{status="unrouted",platform="none"\} \d+/);
    expect(metrics).not.toContain('platform="peran"');
    const address = service.http.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
  });

  it('HOST: the server listens where it is told (loopback behind a proxy), 0.0.0.0 by default; METRICS_HOST defaults to loopback', async (ctx) => {
    note(ctx, { story: 'Bad input', tried: 'HOST=127.0.0.2 (issue 12 #13)', times: 1, held: 'the server listens there only (127.0.0.1 refused); default 0.0.0.0, METRICS_HOST default 127.0.0.1' });
    expect(loadConfig({}).host).toBe('0.0.0.0');
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined, host: '127.0.0.1' });
    // Slack's file host is the only place the bot token goes; an origin, not a URL with a path.
    const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-1-uji', SLACK_SIGNING_SECRET: 'rahasia-uji-123' };
    expect(loadConfig(slackEnv).slack!.filesOrigin).toBe('https://files.slack.com');
    expect(() => loadConfig({ ...slackEnv, SLACK_FILES_ORIGIN: 'https://files.slack.com/files-pri' })).toThrow(/SLACK_FILES_ORIGIN/);
    const service = await serviceWith({ HOST: '127.0.0.2' });
    const address = service.http.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.2');
    expect((await fetch(`http://127.0.0.2:${service.http.port}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${service.http.port}/healthz`)).rejects.toThrow();
  });
});
