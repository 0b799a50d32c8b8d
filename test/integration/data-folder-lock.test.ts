/**
 * One writer per embedded data folder (src/db/embedded/lock.ts) and the socket through which
 * the holding service serves the CLI (admin-socket.ts), told as the situations an admin meets:
 * a folder in use, a lock left by a crash, a lock from another machine, a short CLI command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { runServed, socketPathFor, startAdminSocket } from '../../src/db/embedded/admin-socket.js';
import { DataFolderInUseError, DataFolderLock, LOCK_FILE, type LockContent } from '../../src/db/embedded/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sopbot-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refusal = (h: LockContent, waited: boolean) => `dipakai ${h.role} PID ${h.pid}${waited ? ' (sudah ditunggu)' : ''}`;

/** A lock file as another process would have left it. */
async function foreignLock(holder: Partial<LockContent>, ageMs = 0): Promise<void> {
  const content: LockContent = { role: 'service', pid: process.ppid, host: hostname(), startedAt: new Date().toISOString(), token: 'x'.repeat(48), ...holder };
  const path = join(dir, LOCK_FILE);
  await writeFile(path, JSON.stringify(content));
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
}

/** A pid that surely names no process: one that just exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('the data folder lock', () => {
  it('refuses a folder a live service holds, at once, naming the holder', async () => {
    await foreignLock({ role: 'service', pid: process.ppid });
    const attempt = DataFolderLock.acquire(dir, { role: 'service', waitMs: 5_000, immediateIfService: true, refusal });
    await expect(attempt).rejects.toThrow(DataFolderInUseError);
    await expect(attempt).rejects.toThrow(`dipakai service PID ${process.ppid}`);
    // The holder's file is untouched.
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.ppid });
  });

  it('takes over a lock whose process died (a crash, a kill -9)', async () => {
    const pid = deadPid();
    await foreignLock({ pid });
    const stale: LockContent[] = [];
    const lock = await DataFolderLock.acquire(dir, { role: 'service', refusal, onStale: (h) => stale.push(h) });
    expect(stale.map((h) => h.pid)).toEqual([pid]);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, role: 'service' });
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('trusts a lock from another machine while its heartbeat is fresh, not after a minute of silence', async () => {
    await foreignLock({ host: 'server-lain', role: 'cli' });
    await expect(DataFolderLock.acquire(dir, { role: 'cli', waitMs: 300, refusal })).rejects.toThrow('dipakai cli PID');
    await foreignLock({ host: 'server-lain', role: 'cli' }, 61_000);
    const lock = await DataFolderLock.acquire(dir, { role: 'cli', refusal });
    await lock.release();
  });

  it('waits for a short CLI command to let go, then takes the folder', async () => {
    await foreignLock({ role: 'cli', pid: process.ppid });
    setTimeout(() => void unlink(join(dir, LOCK_FILE)), 400);
    const started = Date.now();
    const lock = await DataFolderLock.acquire(dir, { role: 'service', waitMs: 10_000, immediateIfService: true, refusal });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await lock.release();
  });

  it('refuses a second open of the same folder by the same process', async () => {
    const lock = await DataFolderLock.acquire(dir, { role: 'service', refusal });
    await expect(DataFolderLock.acquire(dir, { role: 'cli', refusal })).rejects.toThrow(DataFolderInUseError);
    await lock.release();
    const again = await DataFolderLock.acquire(dir, { role: 'cli', refusal });
    await again.release();
  });

  it('treats a lock copied with the folder (a backup taken while the service ran) as no lock for the copy', async () => {
    // A live service (another process) holds the original folder.
    await foreignLock({ role: 'service', pid: process.ppid, dir: await realpath(dir), socket: join(dir, 'sopbot.sock') });
    const copy = await mkdtemp(join(tmpdir(), 'sopbot-lock-copy-'));
    try {
      await writeFile(join(copy, LOCK_FILE), await readFile(join(dir, LOCK_FILE)));
      // The copy's CLI takes the copy itself instead of sending its command to the original's service...
      const stale: LockContent[] = [];
      const onCopy = await DataFolderLock.acquire(copy, { role: 'cli', immediateIfService: true, refusal, onStale: (h) => stale.push(h) });
      expect(stale.map((h) => h.pid)).toEqual([process.ppid]);
      await onCopy.release();
      // ...while the original stays its service's.
      await expect(DataFolderLock.acquire(dir, { role: 'cli', immediateIfService: true, refusal })).rejects.toThrow(`dipakai service PID ${process.ppid}`);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('does not take a live lock seen through a second mount of the same folder for a copy', async (ctx) => {
    await foreignLock({ role: 'service', pid: process.ppid, dir: await realpath(dir) });
    const second = await mkdtemp(join(tmpdir(), 'sopbot-lock-mount-'));
    // A bind mount needs the right to mount; where there is none, there is no second path to test.
    if (spawnSync('mount', ['--bind', dir, second]).status !== 0) {
      await rm(second, { recursive: true, force: true });
      return ctx.skip();
    }
    try {
      await expect(DataFolderLock.acquire(second, { role: 'cli', immediateIfService: true, refusal })).rejects.toThrow(`dipakai service PID ${process.ppid}`);
    } finally {
      spawnSync('umount', [second]);
      await rm(second, { recursive: true, force: true });
    }
  });

  it('still trusts the lock of a folder that was moved while its holder ran', async () => {
    await foreignLock({ role: 'service', pid: process.ppid, dir: join(tmpdir(), 'folder-yang-sudah-dipindah') });
    await expect(DataFolderLock.acquire(dir, { role: 'cli', immediateIfService: true, refusal })).rejects.toThrow(DataFolderInUseError);
  });

  it('keeps the token out of an error that gets logged', async () => {
    await foreignLock({ role: 'service', pid: process.ppid, token: 'rahasia'.repeat(7) });
    const error = await DataFolderLock.acquire(dir, { role: 'cli', immediateIfService: true, refusal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFolderInUseError);
    expect(JSON.stringify(error)).not.toContain('rahasia');
    expect((error as DataFolderInUseError).holder.token).toBe('rahasia'.repeat(7));
  });
});

describe("the service's admin socket", () => {
  it('runs a command for whoever has the lock file\'s token, and refuses anyone else', async () => {
    const lock = await DataFolderLock.acquire(dir, { role: 'service', refusal });
    const seen: { argv: string[]; cwd: string }[] = [];
    const socket = await startAdminSocket(lock, async (request, io) => {
      seen.push(request);
      io.out('baris satu');
      io.err('peringatan');
      return 3;
    });
    try {
      expect(socket.path).toBe(socketPathFor(dir));
      const holder = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as LockContent;
      expect(holder.socket).toBe(socket.path);

      const lines: string[] = [];
      const io = { out: (t: string) => lines.push(`out ${t}`), err: (t: string) => lines.push(`err ${t}`) };
      expect(await runServed(dir, holder, { argv: ['holiday', 'list'], cwd: '/home/admin' }, io)).toBe(3);
      expect(lines).toEqual(['out baris satu', 'err peringatan']);
      expect(seen).toEqual([{ argv: ['holiday', 'list'], cwd: '/home/admin' }]);

      lines.length = 0;
      expect(await runServed(dir, { ...holder, token: 'salah'.repeat(10) }, { argv: ['holiday', 'list'], cwd: '/' }, io)).toBe(1);
      expect(lines).toEqual(['err Permintaan ditolak: kunci folder data tidak cocok.']);
      expect(seen).toHaveLength(1);
    } finally {
      await socket.close();
      await lock.release();
    }
  });

  it("tells the CLI the service is gone when it let go of the folder, so the CLI opens it itself", async () => {
    const lock = await DataFolderLock.acquire(dir, { role: 'service', refusal });
    const holder = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as LockContent;
    await lock.release();
    const io = { out: () => {}, err: () => {} };
    expect(await runServed(dir, holder, { argv: ['bind', 'list'], cwd: '/' }, io)).toBe('gone');
  });
});

describe('a first start killed while it created the database', () => {
  it('leaves a half-made folder and a lock behind; the next start clears both and creates the database', async () => {
    // What a SIGKILL during initdb leaves: the child's folder (not yet renamed) and the dead holder's lock.
    const half = join(dir, `pglite.new-${deadPid()}`);
    await mkdir(join(half, 'base'), { recursive: true });
    await writeFile(join(half, 'PG_VERSION'), '18\n');
    await foreignLock({ role: 'service', pid: deadPid() });

    const database = await openDatabase({ dataDir: dir, role: 'service' });
    try {
      expect(database.lock).toBeDefined();
      expect((await readdir(dir)).sort()).toEqual(['pglite', LOCK_FILE]);
    } finally {
      await database.close();
    }
    expect(await readdir(dir)).toEqual(['pglite']);
  }, 60_000);
});
