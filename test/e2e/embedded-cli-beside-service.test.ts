/**
 * Issue 14, as a new admin met it: `npm start` on a fresh data folder, then, while it runs,
 * `npx sopbot holiday add 2027-01-04 "Uji A"` and `npx sopbot case start pemalang --title X
 * --as kabid`. Both answered with success and were lost when the service stopped, because the
 * CLI had opened its own copy of the embedded database. Now the running service runs them, a
 * second service on the folder is refused, and after the stop both are still there.
 *
 * The processes are started exactly as an admin starts them: `npm start` runs bin/start.js and
 * `npx sopbot` runs bin/sopbot.js (both run the compiled code, built first when needed).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let env: NodeJS.ProcessEnv;
const year = new Date().getFullYear();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-beside-'));
  // Nothing of the test runner's database settings: the embedded default, as on a fresh machine.
  env = { PATH: process.env.PATH ?? '', HOME: dir, SOPBOT_DATA_DIR: join(dir, 'data'), PORT: '0', LOG_FORMAT: 'json' };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Service {
  child: ChildProcess;
  log: string[];
  exited: Promise<number | null>;
}

/** `npm start` (which runs bin/start.js). */
function npmStart(): Service {
  const child = spawn(process.execPath, ['bin/start.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, log, exited };
}

/** `npx sopbot ...` (which runs bin/sopbot.js). */
function sopbot(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/sopbot.js', ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout.trim(), err: stderr.trim() });
    });
  });
}

async function waitForPort(service: Service): Promise<number> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    for (const line of service.log.join('').split('\n')) {
      if (line.includes('SOP bot berjalan')) return (JSON.parse(line) as { port: number }).port;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the service did not start:\n${service.log.join('')}`);
}

describe('the sopbot CLI while the service runs on the embedded database', () => {
  it('is served by the running service; a second service is refused; nothing is lost at the stop', async () => {
    const service = npmStart();
    const port = await waitForPort(service);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    const holiday = await sopbot('holiday', 'add', '2027-01-04', 'Uji A');
    expect(holiday).toEqual({ code: 0, out: 'Hari libur 2027-01-04 (Uji A) ditambahkan.', err: '' });
    const started = await sopbot('case', 'start', 'pemalang', '--title', 'X', '--as', 'kabid');
    expect(started.err).toBe('');
    expect(started.code).toBe(0);
    expect(started.out).toContain(`Kasus PML-${year}-0001 dimulai.`);
    expect(await sopbot('bind', 'list')).toEqual({ code: 0, out: 'Belum ada chat yang terdaftar.', err: '' });

    // The service itself has them: its own metrics count the case, and it lists the holiday.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^sopbot_open_cases\{sop="pemalang"\} 1$/m);
    expect((await sopbot('holiday', 'list')).out).toBe('2027-01-04  Uji A');
    // A refusal from the workflow reaches the admin as it would without the service: message, exit 1.
    expect(await sopbot('case', 'show', `PML-${year}-0099`)).toEqual({ code: 1, out: '', err: `Kasus PML-${year}-0099 tidak ditemukan.` });

    // An admin who forgets the service runs and starts another one on the same folder.
    const second = npmStart();
    expect(await second.exited).toBe(1);
    const refusal = second.log.join('');
    expect(refusal).toContain(`Folder data ${join(dir, 'data')} sedang dipakai layanan SOP bot (PID ${service.child.pid}`);
    expect(refusal).toContain('Dua proses tidak boleh menulis satu folder data');
    // It left the first one's lock alone: the CLI is still served.
    expect((await sopbot('holiday', 'list')).code).toBe(0);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(existsSync(join(dir, 'data', 'sopbot.lock'))).toBe(false);

    // With the service stopped, the CLI opens the folder itself: both are there.
    expect((await sopbot('holiday', 'list')).out).toBe('2027-01-04  Uji A');
    const cases = await sopbot('case', 'list');
    expect(cases.code).toBe(0);
    expect(cases.out).toMatch(new RegExp(`^PML-${year}-0001 +berjalan +X$`, 'm'));
  }, 180_000);
});
