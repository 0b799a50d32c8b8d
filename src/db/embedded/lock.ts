/**
 * One writer per embedded data folder. PGlite takes no lock of its own: two processes that
 * open one folder each write their own copy of the database files over the other's, and the
 * loser's writes vanish without an error (issue 14). Whoever opens the folder first writes
 * `sopbot.lock` with O_EXCL; everyone else reads it and either asks the holder (a running
 * service serves the CLI over its socket) or waits for it, or is refused.
 *
 * A holder that dies without releasing leaves the file behind. It counts as stale when its
 * process is gone (same machine, same boot) or when its heartbeat (the file's mtime, touched
 * every few seconds) is older than a minute: the second rule covers holders we cannot see,
 * such as another container on a shared volume. A minute, because PGlite runs queries on the
 * event loop, so a long statement delays the heartbeat, and taking a live holder's lock would
 * be the very double write the lock prevents.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, realpath, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { FolderHolder } from '../../messages/embedded.js';

export const LOCK_FILE = 'sopbot.lock';
const HEARTBEAT_MS = 5_000;
export const STALE_MS = 60_000;

export interface LockContent extends FolderHolder {
  /** Random; whoever can read the lock file may use the holder's socket. */
  token: string;
  /** Where a holding service answers the CLI (set once it listens). */
  socket?: string;
  bootId?: string;
  /** The folder's real path when the lock was taken: a copied folder carries the original's lock. */
  dir?: string;
}

/** The folder is held by another live process. `holder` says who; the caller decides what to do. */
export class DataFolderInUseError extends Error {
  readonly code = 'DATA_FOLDER_IN_USE';
  /** Who holds it. Its token is kept off enumerable properties, so a logged error never shows it. */
  readonly holder: LockContent;
  constructor(
    readonly dir: string,
    holder: LockContent,
    message: string,
  ) {
    super(message);
    this.name = 'DataFolderInUseError';
    const { token, ...visible } = holder;
    this.holder = visible as LockContent;
    Object.defineProperty(this.holder, 'token', { value: token, enumerable: false });
  }
}

/** Folders this process holds: a second open in the same process is refused too. */
const heldHere = new Set<string>();

export interface AcquireOptions {
  role: 'service' | 'cli';
  /** How long to wait for a holder that is expected to let go soon (a CLI command, a starting peer). */
  waitMs?: number;
  /** Told when a stale lock is taken over. */
  onStale?: (previous: LockContent) => void;
  /** Builds the refusal; gets the holder and whether we gave up waiting. */
  refusal: (holder: LockContent, waited: boolean) => string;
  /** When true, a live holder that is a service makes acquire throw at once (the CLI then asks it). */
  immediateIfService?: boolean;
}

export class DataFolderLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    readonly dir: string,
    readonly path: string,
    private content: LockContent,
    private readonly onLost: () => void,
  ) {}

  get token(): string {
    return this.content.token;
  }

  static async acquire(dir: string, options: AcquireOptions & { onLost?: () => void }): Promise<DataFolderLock> {
    const path = join(dir, LOCK_FILE);
    if (heldHere.has(path)) {
      const self = currentHolder(options.role, '');
      throw new DataFolderInUseError(dir, self, options.refusal(self, false));
    }
    const deadline = Date.now() + (options.waitMs ?? 0);
    const realDir = await realpath(dir).catch(() => dir);
    for (;;) {
      const content: LockContent = { ...currentHolder(options.role, randomBytes(24).toString('hex')), dir: realDir };
      try {
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(`${JSON.stringify(content)}\n`);
        } finally {
          await handle.close();
        }
        heldHere.add(path);
        const lock = new DataFolderLock(dir, path, content, options.onLost ?? (() => {}));
        lock.startHeartbeat();
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const found = await readLock(path);
      if (!found) continue; // released between our attempt and the read
      if (found.stale) {
        if (await removeIfUnchanged(path, found.raw)) options.onStale?.(found.content);
        continue;
      }
      const holder = found.content;
      if (options.immediateIfService && holder.role === 'service') {
        throw new DataFolderInUseError(dir, holder, options.refusal(holder, false));
      }
      if (Date.now() >= deadline) {
        throw new DataFolderInUseError(dir, holder, options.refusal(holder, (options.waitMs ?? 0) > 0));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Records where this holder answers; written whole (rename), so readers never see half a file. */
  async setSocket(socket: string): Promise<void> {
    this.content = { ...this.content, socket };
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.content)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
  }

  /** Whether `token` is this lock's; constant time, as it guards the admin socket. */
  accepts(token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const a = Buffer.from(token);
    const b = Buffer.from(this.content.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    heldHere.delete(this.path);
    const found = await readLock(this.path);
    // Only our own file: after a takeover (we were unresponsive) it belongs to someone else.
    if (found && found.content.token === this.content.token) await unlink(this.path).catch(() => {});
  }

  private startHeartbeat(): void {
    this.timer = setInterval(() => {
      void this.beat();
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (this.released) return;
    const found = await readLock(this.path).catch(() => undefined);
    if (this.released) return;
    if (!found || found.content.token !== this.content.token) {
      clearInterval(this.timer);
      this.onLost();
      return;
    }
    const now = new Date();
    await utimes(this.path, now, now).catch(() => {});
  }
}

function currentHolder(role: 'service' | 'cli', token: string): LockContent {
  return { role, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token, ...(bootId() ? { bootId: bootId() } : {}) };
}

let cachedBootId: string | null | undefined;
/** Linux's id of this boot: a pid recorded before a reboot names nobody now. */
function bootId(): string | undefined {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId ?? undefined;
}

/** The lock file as found, or undefined when there is none. */
export async function readLock(path: string): Promise<{ content: LockContent; raw: string; stale: boolean } | undefined> {
  let raw: string;
  let mtimeMs: number;
  try {
    [raw, mtimeMs] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtimeMs)]);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let content: LockContent;
  try {
    content = JSON.parse(raw) as LockContent;
  } catch {
    // Written by O_EXCL create then write: an empty file is a holder between the two steps.
    content = { role: 'cli', pid: 0, host: '', startedAt: '', token: '' };
    return { content, raw, stale: Date.now() - mtimeMs > STALE_MS };
  }
  return { content, raw, stale: isStale(content, mtimeMs) || (await isCopied(path, content)) };
}

/**
 * A lock that names another folder whose own lock is this very one (same token) was copied along
 * with the folder (a backup taken while the service ran): its holder serves the original, not
 * this copy, so the copy is free. A folder that was moved keeps its holder: the named folder then
 * has no such lock. One folder reached by two paths (a bind mount, a second mount) is the same
 * folder, whatever its path says: judged by device and inode, never a copy.
 */
async function isCopied(path: string, holder: LockContent): Promise<boolean> {
  if (!holder.dir || !holder.token) return false;
  const here = await realpath(dirname(path)).catch(() => dirname(path));
  if (here === holder.dir) return false;
  const [hereStat, thereStat] = await Promise.all([stat(here).catch(() => undefined), stat(holder.dir).catch(() => undefined)]);
  if (hereStat && thereStat && hereStat.dev === thereStat.dev && hereStat.ino === thereStat.ino) return false;
  const original = await readFile(join(holder.dir, LOCK_FILE), 'utf8').catch(() => '');
  try {
    return (JSON.parse(original) as LockContent).token === holder.token;
  } catch {
    return false;
  }
}

function isStale(holder: LockContent, mtimeMs: number): boolean {
  if (Date.now() - mtimeMs > STALE_MS) return true;
  if (holder.host !== hostname()) return false;
  if (holder.bootId && bootId() && holder.bootId !== bootId()) return true;
  // Our own pid, yet not held here: a previous process that had this pid (a restarted container).
  if (holder.pid === process.pid) return true;
  return !pidAlive(holder.pid);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive, another user's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process stays a zombie until its parent reaps it, and signal 0 still reaches it.
  try {
    const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // not Linux: signal 0 is all there is
  }
}

/**
 * Removes a stale lock unless it changed since we read it (a new holder took it meanwhile).
 * The rename makes the check and the removal one step for everyone else.
 */
async function removeIfUnchanged(path: string, raw: string): Promise<boolean> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved === raw) {
    await unlink(aside).catch(() => {});
    return true;
  }
  // We moved a fresh lock: put it back (link fails rather than overwrite one newer still; its
  // holder then finds its token gone at the next heartbeat and stops).
  await link(aside, path).catch(() => {});
  await unlink(aside).catch(() => {});
  return false;
}
