/**
 * A start that fails half-way leaves nothing behind: Telegram is down when the service sets
 * its webhook, so the start fails; the HTTP port it had opened is free again and the embedded
 * database folder can be opened by the next start.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logging.js';
import { startService } from '../../src/server.js';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram.js';
import { sampleSopInput } from '../support/sample-sop.js';

let dir: string;
let tg: FakeTelegram;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-start-'));
  await mkdir(join(dir, 'catalog'));
  await writeFile(join(dir, 'catalog', 'contoh.yaml'), stringify(sampleSopInput));
  tg = await startFakeTelegram();
});
afterAll(async () => {
  await tg.close();
  await rm(dir, { recursive: true, force: true });
});

/** A free loopback port, found by opening and closing a listener on port 0. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Whether something still listens on the port (a second listener would fail with EADDRINUSE). */
async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('a start that fails after the HTTP server is up', () => {
  it('closes the HTTP server and the database, and the next start works', async () => {
    const port = await freePort();
    const config = loadConfig({
      SOPBOT_DATA_DIR: join(dir, 'data'),
      SOPBOT_CATALOG_DIR: join(dir, 'catalog'),
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_URL: `https://bot.example.go.id/telegram/${'x'.repeat(8)}`,
      TELEGRAM_WEBHOOK_SECRET: 's'.repeat(32),
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    tg.down('bad-gateway');
    await expect(startService(config, silentLogger, { startScheduler: false })).rejects.toThrow();
    tg.up();

    expect(await portIsFree(port)).toBe(true);
    // The embedded database was closed: this process can open the same folder again.
    const core = await openCore(config);
    expect(core.service.catalog().map((s) => s.definition.id)).toEqual(['contoh']);
    await core.close();

    // And with Telegram back, the same configuration starts and stops cleanly.
    const service = await startService(config, silentLogger, { startScheduler: false });
    expect(service.http.port).toBe(port);
    await service.stop();
    expect(await portIsFree(port)).toBe(true);
  }, 60_000);
});
