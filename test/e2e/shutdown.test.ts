/**
 * The service as IT staff run it: a separate process, stopped with SIGTERM in the middle of a
 * burst of button presses. It exits 0 in bounded time, and after a restart every press has
 * taken effect exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db.js';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram.js';
import { sampleSopInput } from '../support/sample-sop.js';
import * as bindings from '../../src/db/queries/bindings.js';

const CASES = 30;
let dir: string;
let tg: FakeTelegram;
let database: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-stop-'));
  await mkdir(join(dir, 'catalog'));
  await writeFile(join(dir, 'catalog', 'contoh.yaml'), stringify(sampleSopInput));
  tg = await startFakeTelegram();
  if (onRealPostgres) database = await createTestDatabase();
  env = {
    PATH: process.env.PATH ?? '',
    SOPBOT_DATA_DIR: join(dir, 'data'),
    SOPBOT_CATALOG_DIR: join(dir, 'catalog'),
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_RATE_PER_CHAT_PER_MINUTE: '1000',
    TELEGRAM_RATE_PER_SECOND: '1000',
    PORT: '0',
    LOG_FORMAT: 'json',
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
  };
});
afterAll(async () => {
  await tg.close();
  await database?.close();
  await rm(dir, { recursive: true, force: true });
});

function startProcess(): { child: ChildProcess; exited: Promise<{ code: number | null; ms: number }>; log: string[] } {
  const log: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  let signalledAt = 0;
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, ms: signalledAt ? Date.now() - signalledAt : -1 })),
  );
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalledAt = Date.now();
    return kill(signal);
  };
  return { child, exited, log };
}

/** Opens the service's database from this process (only while no child holds the PGlite folder). */
async function withCore<T>(fn: (core: Awaited<ReturnType<typeof openCore>>) => Promise<T>): Promise<T> {
  const core = await openCore(loadConfig(env));
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

describe('SIGTERM during a burst of presses', () => {
  it('exits 0 quickly and, after a restart, every press took effect exactly once', async () => {
    const { code } = await withCore(async (core) => {
      for (let i = 0; i < CASES; i++) await core.service.startCase('contoh', `Kasus ${i + 1}`, { channel: 'cli', userId: 'admin', name: 'Admin' });
      return bindings.createPairingCode(core.database.db, { platform: 'telegram', role: 'kabid', ttlMs: 3_600_000, now: new Date() });
    });

    const group = tg.addGroup({ title: 'Kabid' });
    const kabid = tg.addUser({ first_name: 'Bu Kabid' });
    let run = startProcess();
    tg.userSends(group, kabid, `/daftar ${code}`);
    // The 30 cards waited for a bound chat; they arrive now.
    const cards = await tg.waitFor(() => {
      const c = tg.messagesIn(group).filter((m) => m.from?.id === tg.bot.id && m.reply_markup?.inline_keyboard.length);
      return c.length === CASES ? c : undefined;
    }, 60_000, 'all cards').catch((e: unknown) => { throw new Error(`${String(e)}\n${tg.messagesIn(group).map((m) => m.text).join('\n')}\n${run.log.join('')}`); });

    // Each answer takes a while, so the stop falls among presses still being handled.
    tg.failNext('answerCallbackQuery', { delayMs: 400 }, CASES);
    for (const card of cards) {
      const done = card.reply_markup!.inline_keyboard.flat().find((b) => b.text.includes('Selesai'))!;
      tg.userPresses(group, kabid, card, done.callback_data!);
    }
    await tg.waitFor(() => tg.calls.some((c) => c.method === 'answerCallbackQuery'), 30_000, 'the first presses being handled');
    const answeredAtStop = tg.callbackAnswers.size;
    run.child.kill('SIGTERM');
    const stopped = await run.exited;
    expect(stopped.code, run.log.join('')).toBe(0);
    expect(stopped.ms).toBeLessThan(15_000);
    // The stop came mid-burst; the presses in flight were finished before the process exited.
    expect(answeredAtStop).toBeLessThan(CASES);
    const handledBeforeStop = tg.callbackAnswers.size;

    // Restarted, the service picks up whatever Telegram still holds for it.
    run = startProcess();
    await tg.waitFor(() => run.log.join('').includes('SOP bot berjalan'), 60_000, 'the restarted service is up');
    await tg.waitFor(() => tg.callbackAnswers.size === CASES, 60_000, 'every press answered');
    // The cards edited after the presses are the proof the dispatcher sent what the actions wrote.
    await tg.waitFor(() => tg.messagesIn(group).filter((m) => m.text?.includes('Diselesaikan oleh Bu Kabid')).length === CASES, 60_000, 'every card closed');
    run.child.kill('SIGTERM');
    const second = await run.exited;
    if (second.code !== 0) console.log(run.log.join('').slice(-4000));
    expect(second.code).toBe(0);

    await withCore(async (core) => {
      const open = await core.service.openTasks();
      // Each case moved from step 1 to step 2 once: 30 open step-2 tasks, no step 1 left.
      expect(open.map((t) => t.stepId).sort()).toEqual(Array(CASES).fill('2'));
      for (let i = 1; i <= CASES; i++) {
        const details = await core.service.caseDetails(`CTH-${new Date().getFullYear()}-${String(i).padStart(4, '0')}`);
        expect(details.events.filter((e) => e.type === 'task.completed')).toHaveLength(1);
      }
    });
    console.log(`SIGTERM with ${answeredAtStop} of ${CASES} presses answered, ${handledBeforeStop} by exit; exit 0 in ${stopped.ms} ms; all ${CASES} applied once after restart`);
  }, 180_000);
});
